"""``lockmigrate to-poetry``: a service's requirement files become its ``pyproject.toml``.

:mod:`.plan` plans a run; :mod:`.entries` turns each requirement into a Poetry entry,
:mod:`.combine` joins the entries of one package, :mod:`.pyproject_edit` writes them into
the file with tomlkit and :mod:`.options` holds what the run is asked and answers.
"""

from __future__ import annotations

from lockmigrate.targets.poetry.options import (
    ConstraintStyle,
    Layout,
    PoetryOptions,
    PoetryResult,
    PoetrySource,
    ServiceResult,
)
from lockmigrate.targets.poetry.plan import plan_poetry

__all__ = [
    "ConstraintStyle",
    "Layout",
    "PoetryOptions",
    "PoetryResult",
    "PoetrySource",
    "ServiceResult",
    "plan_poetry",
]
