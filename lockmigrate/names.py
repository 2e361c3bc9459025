"""Project names as PEP 503 normalises them.

:func:`canonicalize_name` is what ``packaging.utils.canonicalize_name`` computes. It lives here
because ``packaging.utils`` imports ``packaging.tags`` (and with it ``logging``, ``subprocess``,
``sysconfig`` and the manylinux probes): about 15 ms of start-up that reading a requirements
file does not otherwise need, and ``lockmigrate check`` runs in a pre-commit hook on every
commit. ``tests/property/test_names.py`` holds the two equal.
"""

from __future__ import annotations

import re

__all__ = ["canonicalize_name"]

_SEPARATORS = re.compile(r"[-_.]+")


def canonicalize_name(name: str) -> str:
    """``name`` lowercased, each run of ``-``, ``_`` and ``.`` made one ``-`` (PEP 503)."""
    return _SEPARATORS.sub("-", name).lower()
