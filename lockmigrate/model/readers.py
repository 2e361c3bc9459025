"""The readers a writer is handed: ``targets/`` never import ``sources/`` (an import-linter
contract), yet a writer meets text it must read while it runs, such as the locks its
resolver writes, the files its own plan writes and the includes of an input. Its caller
(``api.py``, ``check.py``) passes :class:`Readers`, made of ``sources/``' functions
(:func:`lockmigrate.sources.readers.readers`). Data only: each field is a function.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from lockmigrate.diagnostics import Collector
    from lockmigrate.model.locks import LockHeader
    from lockmigrate.model.requirements import (
        DeclaredRequirement,
        IncludeGraph,
        RequirementFile,
    )

__all__ = ["LoadGraph", "LoadToml", "ParsePyproject", "ParseRequirements", "Readers"]


class ParseRequirements(Protocol):
    """The bytes of one requirements file read as pip reads them; includes not followed."""

    def __call__(
        self, data: bytes, *, path: Path, display: str | None = None
    ) -> RequirementFile: ...


class LoadGraph(Protocol):
    """``roots`` and every file they include, read from disk."""

    def __call__(self, roots: list[Path], *, collector: Collector) -> IncludeGraph: ...


class ParsePyproject(Protocol):
    """The requirements a ``pyproject.toml`` declares."""

    def __call__(
        self, data: bytes, *, path: Path, display: str
    ) -> Sequence[DeclaredRequirement]: ...


class LoadToml(Protocol):
    """A TOML document's tables."""

    def __call__(self, data: bytes, *, display: str) -> dict[str, Any]: ...


@dataclass(frozen=True, slots=True, kw_only=True)
class Readers:
    """What the writers may have read for them, one function each."""

    requirements: ParseRequirements
    include_graph: LoadGraph
    #: what the leading comments of a pip-compile (or uv) lock's text say about how it was made
    lock_header: Callable[[str], LockHeader]
    #: the ``--constraint`` files the command in a lock's header names, as absolute paths
    recorded_constraints: Callable[[RequirementFile], list[Path]]
    pyproject_requirements: ParsePyproject
    toml: LoadToml
