"""What a folder's package metadata says, as far as a writer must respect it: who builds it,
where its dependencies and version come from, the requirement files its build reads, its
declared Python. Read by :mod:`lockmigrate.sources.metadata`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from lockmigrate.model.requirements import Origin

__all__ = ["DeclaredPython", "PackageMetadata"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredPython:
    """A ``Requires-Python`` the project declares, and where."""

    specifier: str
    origin: Origin
    what: str  # e.g. "[project] requires-python", "setup.cfg python_requires"


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageMetadata:
    """The facts about one folder's package metadata that a writer must respect.

    ``builder`` names what builds the folder as a package (``setup.py``, ``setup.cfg``,
    ``[build-system]``) or is ``None`` for an application nothing builds.
    ``dynamic_dependencies`` is the origin of a ``dynamic`` entry naming ``dependencies``;
    ``reads`` are the files the build reads its requirements from (``[tool.setuptools.dynamic]``
    ``file``; for a ``setup.py``, every requirement file whose name or folder it spells out).
    """

    folder: Path
    pyproject: Path
    builder: str | None
    has_project: bool
    static_dependencies: bool
    dynamic_dependencies: Origin | None
    static_version: bool
    dynamic_version: Origin | None
    reads: tuple[Path, ...]
    setup_py_literals: frozenset[str]
    python: DeclaredPython | None
    globbed: tuple[Path, ...] = ()  # folders whose requirement files a setup.py globs

    @property
    def is_package(self) -> bool:
        """Something builds this folder (or ``[project]`` gives it a version to build)."""
        return self.builder is not None or self.static_version or self.dynamic_version is not None

    @property
    def metadata_is_elsewhere(self) -> bool:
        """The package's dependencies come from its build, not from ``[project]``: a writer
        that added static ``[project] dependencies`` would change what it publishes."""
        if self.dynamic_dependencies is not None:
            return True
        return self.builder is not None and not self.static_dependencies

    def may_read(self, file: Path) -> bool:
        """Whether building the package may read ``file`` (so deleting it changes the build)."""
        resolved = file.absolute()
        if resolved in {path.absolute() for path in self.reads}:
            return True
        if resolved.parent in {folder.absolute() for folder in self.globbed}:
            return True
        if not self.setup_py_literals:
            return False
        try:
            parts = resolved.relative_to(self.folder.absolute()).parts
        except ValueError:
            return False
        return any(part in self.setup_py_literals for part in parts)
