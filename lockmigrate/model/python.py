"""The Python a project targets, as :mod:`lockmigrate.python_target` finds it: data only,
so that the writers that use it (``targets/poetry``) need not import the finder."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from packaging.specifiers import SpecifierSet

from lockmigrate.model.requirements import Origin

__all__ = ["PythonCap", "PythonTarget", "TargetSource"]


class TargetSource(str, enum.Enum):
    """Where a :class:`PythonTarget` came from, strongest first."""

    OPTION = "option"
    PROJECT = "project"
    PYTHON_VERSION_FILE = "python-version-file"
    RUNTIME_TXT = "runtime-txt"
    RANGES = "ranges"
    INTERPRETER = "interpreter"


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonCap:
    """The ranges install on no Python from ``below`` on: ``requirement`` (at ``origin``)
    allows only releases whose ``Requires-Python`` stops there. ``origin`` is ``None`` for
    a package no requirement line names (a dependency of one, which ``poetry lock`` named:
    ``requirement`` then says so, ``smart-open (a dependency of the ranges)``)."""

    below: str
    requirement: str
    origin: Origin | None = None

    def lock_range(self, requires_python: str) -> str:
        """``requires_python`` with this cap (``>=3.10`` -> ``<4.0,>=3.10``)."""
        return str(SpecifierSet(requires_python) & SpecifierSet(f"<{self.below}"))


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonTarget:
    """The Python a project targets.

    ``requires_python`` is a PEP 440 specifier (``>=3.12``); ``minimum`` the oldest
    ``X.Y`` it allows (the Python to resolve for); ``reason`` says where it came from, for
    people; ``origin`` is the file and line it was read from, when there is one.
    ``warning`` is set when the answer is a fallback a caller should report (the index
    could not say what the ranges need).
    """

    requires_python: str
    minimum: str
    source: TargetSource
    reason: str
    origin: Origin | None = None
    warning: str | None = None
    cap: PythonCap | None = None
