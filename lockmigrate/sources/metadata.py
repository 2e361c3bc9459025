"""What a folder's package metadata is made of, and what it reads.

A migration must never change what a package publishes. Before ``to-poetry`` writes into a
``pyproject.toml`` it needs to know whether the folder is built as a package at all (a
``setup.py``, a ``setup.cfg``, a ``[build-system]``), whether ``[project]`` declares its
dependencies statically or leaves them to the build backend (``dynamic``), which requirement
files the backend reads (``[tool.setuptools.dynamic]`` ``file = [...]``, or a ``setup.py``
that names them), whether the version is one Poetry can read, and which Python the package
says it supports. This module reads those facts; it decides nothing.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockmigrate.model import Origin
from lockmigrate.sources._toml import load_toml

__all__ = ["DeclaredPython", "PackageMetadata", "read_package_metadata"]

# setup.py is code: only a literal string argument is read, never evaluated.
_SETUP_PY_PYTHON_RE = re.compile(r"""python_requires\s*=\s*(?P<q>["'])(?P<value>[^"']+)(?P=q)""")
_STRING_LITERAL_RE = re.compile(r"""["']([^"'\n]+)["']""")


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
        if not self.setup_py_literals:
            return False
        try:
            parts = resolved.relative_to(self.folder.absolute()).parts
        except ValueError:
            return False
        return any(part in self.setup_py_literals for part in parts)


def _line_of(lines: list[str], pattern: re.Pattern[str], start: int = 0) -> int:
    for number in range(start, len(lines)):
        if pattern.search(lines[number]):
            return number + 1
    return 1


def _dynamic_files(data: Mapping[str, Any], folder: Path) -> list[Path]:
    """``[tool.setuptools.dynamic]``: ``dependencies`` and ``optional-dependencies.*``
    read from files."""
    tool = data.get("tool")
    setuptools = tool.get("setuptools") if isinstance(tool, Mapping) else None
    dynamic = setuptools.get("dynamic") if isinstance(setuptools, Mapping) else None
    if not isinstance(dynamic, Mapping):
        return []
    found: list[Path] = []
    tables: list[Any] = [dynamic.get("dependencies")]
    optional = dynamic.get("optional-dependencies")
    if isinstance(optional, Mapping):
        tables.extend(optional.values())
    for table in tables:
        files = table.get("file") if isinstance(table, Mapping) else None
        if isinstance(files, str):
            files = [files]
        if isinstance(files, list):
            found.extend(folder / str(name) for name in files)
    return found


def _setup_cfg_python(path: Path, display: str) -> DeclaredPython | None:
    parser = configparser.ConfigParser(interpolation=None)
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text)
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    value = parser.get("options", "python_requires", fallback="").strip()
    if not value:
        return None
    line = _line_of(text.splitlines(), re.compile(r"^\s*python_requires\s*="))
    return DeclaredPython(
        specifier=value,
        origin=Origin(path=display, line=line),
        what="setup.cfg [options] python_requires",
    )


def read_package_metadata(folder: Path, *, display: str) -> PackageMetadata:
    """Read ``pyproject.toml``, ``setup.cfg`` and ``setup.py`` in ``folder`` (each if it
    exists). ``display`` is how ``folder`` is shown (``""`` for the current directory).
    Raises :class:`~lockmigrate.errors.InputError` for a ``pyproject.toml`` that is not TOML."""
    prefix = f"{display.rstrip('/')}/" if display not in ("", ".") else ""
    pyproject = folder / "pyproject.toml"
    data: dict[str, Any] = {}
    lines: list[str] = []
    if pyproject.is_file():
        raw = pyproject.read_bytes()
        data = load_toml(raw.removeprefix(b"\xef\xbb\xbf"), display=f"{prefix}pyproject.toml")
        lines = raw.decode("utf-8", errors="replace").splitlines()
    project = data.get("project")
    project = project if isinstance(project, Mapping) else None
    dynamic = project.get("dynamic", []) if project is not None else []
    dynamic = [str(item) for item in dynamic] if isinstance(dynamic, list) else []
    dynamic_line = _line_of(lines, re.compile(r"^\s*dynamic\s*="))
    here = Origin(path=f"{prefix}pyproject.toml", line=dynamic_line)

    builder: str | None = None
    if (folder / "setup.py").is_file():
        builder = "setup.py"
    elif (folder / "setup.cfg").is_file():
        builder = "setup.cfg"
    elif "build-system" in data:
        builder = "[build-system]"

    literals: frozenset[str] = frozenset()
    python: DeclaredPython | None = None
    if project is not None and isinstance(project.get("requires-python"), str):
        python = DeclaredPython(
            specifier=project["requires-python"],
            origin=Origin(
                path=f"{prefix}pyproject.toml",
                line=_line_of(lines, re.compile(r"^\s*requires-python\s*=")),
            ),
            what="[project] requires-python",
        )
    poetry_python: object = data
    for key in ("tool", "poetry", "dependencies", "python"):
        poetry_python = poetry_python.get(key) if isinstance(poetry_python, Mapping) else None
    if python is None and isinstance(poetry_python, str):
        from poetry.core.constraints.version import parse_constraint

        python = DeclaredPython(
            specifier=str(parse_constraint(poetry_python)),
            origin=Origin(
                path=f"{prefix}pyproject.toml",
                line=_line_of(lines, re.compile(r"^\s*python\s*=")),
            ),
            what="[tool.poetry.dependencies] python",
        )
    if python is None and (folder / "setup.cfg").is_file():
        python = _setup_cfg_python(folder / "setup.cfg", f"{prefix}setup.cfg")
    if (folder / "setup.py").is_file():
        try:
            setup_py = (folder / "setup.py").read_text(encoding="utf-8", errors="replace")
        except OSError:
            setup_py = ""
        literals = frozenset(
            part
            for literal in _STRING_LITERAL_RE.findall(setup_py)
            for part in re.split(r"[/\\]", literal)
            if part and part not in {".", ".."}
        )
        match = _SETUP_PY_PYTHON_RE.search(setup_py)
        if python is None and match is not None:
            python = DeclaredPython(
                specifier=match.group("value").strip(),
                origin=Origin(
                    path=f"{prefix}setup.py", line=setup_py[: match.start()].count("\n") + 1
                ),
                what="setup.py python_requires",
            )
    return PackageMetadata(
        folder=folder,
        pyproject=pyproject,
        builder=builder,
        has_project=project is not None,
        static_dependencies=project is not None and "dependencies" in project,
        dynamic_dependencies=here if "dependencies" in dynamic else None,
        static_version=project is not None and "version" in project,
        dynamic_version=here if "version" in dynamic else None,
        reads=tuple(_dynamic_files(data, folder)),
        setup_py_literals=literals,
        python=python,
    )
