"""What ``to-poetry`` is asked to do and what it answers: options, layouts, constraint
styles, the entries it writes and the results per service.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

# packaging before poetry.core: see lockmigrate.specifiers.
from lockmigrate.model.requirements import (
    DeclaredRequirement,
    Origin,
)
from lockmigrate.plan import Plan

PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
UNSUPPORTED_OPTIONS = {
    "--find-links": "Poetry has no find-links: publish the files to an index, or use paths",
    "--no-index": "Poetry always uses its sources: a primary source replaces PyPI",
    "--trusted-host": "configure it with  poetry config certificates.<source>.cert false",
    "--pre": "Poetry allows pre-releases per dependency: add allow-prereleases = true where needed",
    "--all-releases": "Poetry allows pre-releases per dependency: add allow-prereleases = true",
    "--only-final": "Poetry excludes pre-releases by default",
    "--only-binary": "configure it with  poetry config installer.only-binary <packages>",
    "--no-binary": "configure it with  poetry config installer.no-binary <packages>",
    "--prefer-binary": "Poetry has no prefer-binary option; keep pip-compile if it matters",
    "--require-hashes": "poetry.lock always records and checks hashes",
    "--no-require-hashes": "poetry.lock always records and checks hashes",
    "--use-feature": "a pip feature flag; Poetry has no equivalent",
    "--config-settings": "Poetry has no per-requirement build settings; keep pip-compile for it",
}


class Layout(str, enum.Enum):
    PEP621 = "pep621"  # [project] dependencies + PEP 735 [dependency-groups]
    POETRY = "poetry"  # [tool.poetry.dependencies] + [tool.poetry.group.<g>.dependencies]


class ConstraintStyle(str, enum.Enum):
    PEP440 = "pep440"  # keep the PEP 440 specifier as written
    POETRY = "poetry"  # ^ / ~ where provably equal (poetry layout only)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoetryOptions:
    layout: Layout = Layout.PEP621
    constraint_style: ConstraintStyle = ConstraintStyle.PEP440
    requires_python: str | None = None  # None: the project's own (lockmigrate.python_target)
    merge: bool = False
    remove_requirements: bool = False
    package_mode: bool | None = None  # None: an application (no package found) gets false


@dataclass(frozen=True, slots=True, kw_only=True)
class PoetrySource:
    name: str
    url: str
    priority: str
    origin: Origin
    username: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One dependency to write, in both forms."""

    name: str  # as written
    key: str  # canonical
    pep508: str | None  # for [project] / [dependency-groups]; None: needs a tool.poetry table
    table: dict[str, Any] | str | list[dict[str, Any]]  # for [tool.poetry...]; a list: several
    comment: str | None
    origin: Origin
    requirement: DeclaredRequirement | None = None  # None: combined from several lines
    leading: tuple[str, ...] = ()  # full-line comments written above it
    trailing: tuple[str, ...] = ()  # full-line comments at the end of its file


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceResult:
    path: str
    pyproject: str
    requires_python: str
    requires_python_from: str  # where requires_python came from, for people
    package_mode: bool
    groups: tuple[str, ...]
    sources: tuple[PoetrySource, ...]
    is_package: bool = False  # something builds it, whatever Poetry's package mode


@dataclass(frozen=True, slots=True, kw_only=True)
class PoetryResult:
    plan: Plan
    services: tuple[ServiceResult, ...]
