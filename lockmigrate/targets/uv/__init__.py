"""``lockmigrate to-uv``: a service's requirement files become its ``pyproject.toml`` for uv.

:mod:`.plan` plans a run; :mod:`.entries` turns each line into a PEP 508 string, a source,
an index or a setting; :mod:`.pyproject_edit` writes them into the file with tomlkit;
:mod:`.workspace` writes the root of ``--workspace``; :mod:`.compare` checks what
``uv lock`` chose against the pip-compile locks beside the files; :mod:`.options` holds what
the run is asked and answers.
"""

from __future__ import annotations

from lockmigrate.targets.uv.compare import LockDifference, compare_pins
from lockmigrate.targets.uv.options import ServiceResult, UvIndex, UvOptions, UvResult
from lockmigrate.targets.uv.plan import plan_uv

__all__ = [
    "LockDifference",
    "ServiceResult",
    "UvIndex",
    "UvOptions",
    "UvResult",
    "compare_pins",
    "plan_uv",
]
