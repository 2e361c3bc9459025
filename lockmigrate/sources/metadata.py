"""What a folder's package metadata is made of, and what it reads.

A migration must never change what a package publishes. Before ``to-poetry`` writes into a
``pyproject.toml`` it needs to know whether the folder is built as a package at all (a
``setup.py``, a ``setup.cfg``, a ``[build-system]``), whether ``[project]`` declares its
dependencies statically or leaves them to the build backend (``dynamic``), which requirement
files the backend reads (``[tool.setuptools.dynamic]`` ``file = [...]``, or a ``setup.py``
that names them), whether the version is one Poetry can read, and which Python the package
says it supports. This module reads those facts; it decides nothing.

:func:`read_metadata_readers` answers the narrower question the pip-tools target and ``scan``
ask: which requirement files a build turns into ``Requires-Dist`` (pyproject
``[tool.setuptools.dynamic]``, hatch-requirements-txt, ``setup.cfg``'s ``file:``, and string
literals and globs in ``setup.py``, which is never run), each with the line that declares it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockmigrate.model.requirements import Origin

# What a package declares is made only where a package file is read: scan, which every
# command runs (check on each commit), asks only which requirement files it reads.
if TYPE_CHECKING:
    from lockmigrate.model.metadata import DeclaredPython, PackageMetadata

__all__ = [
    "MetadataReader",
    "MetadataReads",
    "read_metadata_readers",
    "read_package_metadata",
]

# setup.py is code: only a literal string argument is read, never evaluated.
_SETUP_PY_PYTHON_RE = re.compile(r"""python_requires\s*=\s*(?P<q>["'])(?P<value>[^"']+)(?P=q)""")
_STRING_LITERAL_RE = re.compile(r"""["']([^"'\n]+)["']""")


def _line_of(lines: list[str], pattern: re.Pattern[str], start: int = 0) -> int:
    for number in range(start, len(lines)):
        if pattern.search(lines[number]):
            return number + 1
    return 1


def _setup_cfg_python(path: Path, display: str) -> DeclaredPython | None:
    import configparser  # only where a setup.cfg is read

    from lockmigrate.model.metadata import DeclaredPython

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
    from lockmigrate.model.metadata import PackageMetadata
    from lockmigrate.sources.toml_files import load_toml

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
    here = Origin(
        path=f"{prefix}pyproject.toml", line=_line_of(lines, re.compile(r"^\s*dynamic\s*="))
    )
    python = _pyproject_python(data, project, lines, f"{prefix}pyproject.toml")
    if python is None and (folder / "setup.cfg").is_file():
        python = _setup_cfg_python(folder / "setup.cfg", f"{prefix}setup.cfg")
    literals: frozenset[str] = frozenset()
    if (folder / "setup.py").is_file():
        literals, setup_py_python = _read_setup_py(folder / "setup.py", f"{prefix}setup.py")
        python = python or setup_py_python
    readers = read_metadata_readers(folder, display=display)
    return PackageMetadata(
        folder=folder,
        pyproject=pyproject,
        builder=_builder(folder, data),
        has_project=project is not None,
        static_dependencies=project is not None and "dependencies" in project,
        dynamic_dependencies=here if "dependencies" in dynamic else None,
        static_version=project is not None and "version" in project,
        dynamic_version=here if "version" in dynamic else None,
        reads=tuple(readers.files),
        setup_py_literals=literals,
        python=python,
        globbed=tuple(readers.globbed),
    )


def _builder(folder: Path, data: Mapping[str, Any]) -> str | None:
    """What builds the package: ``setup.py``, ``setup.cfg``, ``[build-system]`` or nothing."""
    if (folder / "setup.py").is_file():
        return "setup.py"
    if (folder / "setup.cfg").is_file():
        return "setup.cfg"
    return "[build-system]" if "build-system" in data else None


def _pyproject_python(
    data: Mapping[str, Any], project: Mapping[str, Any] | None, lines: list[str], shown: str
) -> DeclaredPython | None:
    """The Python ``pyproject.toml`` declares: ``[project] requires-python``, else
    ``[tool.poetry.dependencies] python`` (as a PEP 440 range)."""
    from lockmigrate.model.metadata import DeclaredPython

    if project is not None and isinstance(project.get("requires-python"), str):
        return DeclaredPython(
            specifier=project["requires-python"],
            origin=Origin(path=shown, line=_line_of(lines, re.compile(r"^\s*requires-python\s*="))),
            what="[project] requires-python",
        )
    poetry_python: object = data
    for key in ("tool", "poetry", "dependencies", "python"):
        poetry_python = poetry_python.get(key) if isinstance(poetry_python, Mapping) else None
    if not isinstance(poetry_python, str):
        return None
    from poetry.core.constraints.version import parse_constraint

    return DeclaredPython(
        specifier=str(parse_constraint(poetry_python)),
        origin=Origin(path=shown, line=_line_of(lines, re.compile(r"^\s*python\s*="))),
        what="[tool.poetry.dependencies] python",
    )


def _read_setup_py(path: Path, shown: str) -> tuple[frozenset[str], DeclaredPython | None]:
    """The path parts of ``setup.py``'s string literals (the files it may read), and the
    ``python_requires`` it passes."""
    from lockmigrate.model.metadata import DeclaredPython

    try:
        setup_py = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        setup_py = ""
    literals = frozenset(
        part
        for literal in _STRING_LITERAL_RE.findall(setup_py)
        for part in re.split(r"[/\\]", literal)
        if part and part not in {".", ".."}
    )
    match = _SETUP_PY_PYTHON_RE.search(setup_py)
    if match is None:
        return literals, None
    return literals, DeclaredPython(
        specifier=match.group("value").strip(),
        origin=Origin(path=shown, line=setup_py[: match.start()].count("\n") + 1),
        what="setup.py python_requires",
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class MetadataReader:
    """Where a build reads a requirement file: ``origin`` is the declaring line
    (``pyproject.toml:45``), ``how`` what declares it, ``guessed`` true when it was inferred
    from a literal in ``setup.py`` rather than declared."""

    origin: Origin
    how: str
    guessed: bool = False

    def describe(self) -> str:
        guess = " (a string literal there; setup.py is not run)" if self.guessed else ""
        return f"{self.how} at {self.origin}{guess}"


@dataclass(slots=True)
class MetadataReads:
    """Requirement files (absolute paths) that some package's metadata reads, and folders
    whose files a ``setup.py`` globs (a new ``.txt`` there would become metadata too)."""

    files: dict[Path, MetadataReader] = field(default_factory=dict)
    globbed: dict[Path, MetadataReader] = field(default_factory=dict)
    #: ``dynamic = ["dependencies"]`` whose reader lockmigrate does not know (a build hook)
    unknown: Origin | None = None

    def reader_of(self, path: Path) -> MetadataReader | None:
        """The reader of ``path``, declared or through a globbed folder."""
        absolute = _absolute(path)
        return self.files.get(absolute) or self.globbed.get(absolute.parent)

    def globs(self, folder: Path) -> MetadataReader | None:
        """The reader that globs ``folder``'s files, if any."""
        return self.globbed.get(_absolute(folder))

    def merge(self, other: MetadataReads) -> None:
        for path, reader in other.files.items():
            self.files.setdefault(path, reader)
        for path, reader in other.globbed.items():
            self.globbed.setdefault(path, reader)


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # noqa: PTH100 - lexical, as discovery does


def _line_with(text: str, needle: str, default: int = 1) -> int:
    """The 1-based line where ``needle`` first appears in ``text``."""
    index = text.find(needle)
    return text.count("\n", 0, index) + 1 if index >= 0 else default


def _shown(path: Path, display: str) -> str:
    return display.rstrip("/") + "/" + path.name if display else path.name


def read_metadata_readers(folder: Path, *, display: str = "") -> MetadataReads:
    """The requirement files that the package metadata in ``folder`` (``pyproject.toml``,
    ``setup.cfg``, ``setup.py``) reads. ``display`` is ``folder`` as shown to the user.
    Files that cannot be read or parsed are passed over: they are not requirement files,
    and a build would fail on them anyway."""
    reads = MetadataReads()
    _from_pyproject(folder / "pyproject.toml", _shown(folder / "pyproject.toml", display), reads)
    _from_setup_cfg(folder / "setup.cfg", _shown(folder / "setup.cfg", display), reads)
    _from_setup_py(folder / "setup.py", _shown(folder / "setup.py", display), reads)
    if reads.unknown is not None and (reads.files or reads.globbed):
        reads.unknown = None  # the build's reader is one of those found
    return reads


def _read_text(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None


def _names(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [item for item in value if isinstance(item, str)]
    return []


def _from_pyproject(path: Path, shown: str, reads: MetadataReads) -> None:
    text = _read_text(path)
    if text is None:
        return
    from lockmigrate.sources.toml_files import load_toml  # TOML: only where there is one

    try:
        document = load_toml(text.removeprefix("\ufeff").encode(), display=shown)
    except ValueError:
        return
    project = document.get("project")
    dynamic_fields = project.get("dynamic") if isinstance(project, dict) else None
    if isinstance(dynamic_fields, list) and {"dependencies", "optional-dependencies"} & set(
        dynamic_fields
    ):
        reads.unknown = Origin(path=shown, line=_line_with(text, "dynamic"))
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return
    found = [*_setuptools_files(tool), *_hatch_files(tool)]  # (file as written, reader)
    for name, how in found:
        reads.files.setdefault(
            _absolute(path.parent / name),
            MetadataReader(origin=Origin(path=shown, line=_line_with(text, name)), how=how),
        )


def _setuptools_files(tool: dict[str, Any]) -> list[tuple[str, str]]:
    """``[tool.setuptools.dynamic]``'s files: (file as written, what reads it)."""
    setuptools = tool.get("setuptools")
    dynamic = setuptools.get("dynamic") if isinstance(setuptools, dict) else None
    if not isinstance(dynamic, dict):
        return []
    found: list[tuple[str, str]] = []
    dependencies = dynamic.get("dependencies")
    if isinstance(dependencies, dict):
        found += [
            (name, "[tool.setuptools.dynamic] dependencies")
            for name in _names(dependencies.get("file"))
        ]
    optional = dynamic.get("optional-dependencies")
    if isinstance(optional, dict):
        for extra, spec in optional.items():
            if isinstance(spec, dict):
                found += [
                    (name, f"[tool.setuptools.dynamic] optional-dependencies.{extra}")
                    for name in _names(spec.get("file"))
                ]
    return found


def _hatch_files(tool: dict[str, Any]) -> list[tuple[str, str]]:
    """The files of hatch's ``requirements_txt`` metadata hook: (file as written, reader)."""
    hatch = tool.get("hatch")
    hooks = hatch.get("metadata", {}).get("hooks", {}) if isinstance(hatch, dict) else {}
    plugin = hooks.get("requirements_txt") if isinstance(hooks, dict) else None
    if not isinstance(plugin, dict):
        return []
    found = [
        (name, "[tool.hatch.metadata.hooks.requirements_txt] files")
        for name in _names(plugin.get("files"))
    ]
    optional = plugin.get("optional-dependencies")
    if isinstance(optional, dict):
        for extra, names in optional.items():
            how = f"[tool.hatch.metadata.hooks.requirements_txt] optional-dependencies.{extra}"
            found += [(name, how) for name in _names(names)]
    return found


_FILE_DIRECTIVE = re.compile(r"^\s*file:\s*(?P<names>.+)$", re.MULTILINE)


def _from_setup_cfg(path: Path, shown: str, reads: MetadataReads) -> None:
    text = _read_text(path)
    if text is None:
        return
    import configparser  # only where there is a setup.cfg

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(text)
    except configparser.Error:
        return
    keys: list[tuple[str, str, str]] = []  # (section, key, what reads it)
    if parser.has_option("options", "install_requires"):
        keys.append(("options", "install_requires", "setup.cfg install_requires"))
    if parser.has_section("options.extras_require"):
        keys += [
            ("options.extras_require", extra, f"setup.cfg extras_require.{extra}")
            for extra in parser.options("options.extras_require")
        ]
    for section, key, how in keys:
        match = _FILE_DIRECTIVE.match(parser.get(section, key).strip())
        if match is None:
            continue
        for name in re.split(r"[,\s]+", match.group("names").strip()):
            if name:
                reads.files.setdefault(
                    _absolute(path.parent / name),
                    MetadataReader(origin=Origin(path=shown, line=_line_with(text, name)), how=how),
                )


def _looks_like_requirements(name: str) -> bool:
    from lockmigrate.sources.discover import is_requirements_name

    return is_requirements_name(Path(name), in_requirements_folder=True)


def _from_setup_py(path: Path, shown: str, reads: MetadataReads) -> None:
    """Guess from ``setup.py``'s string literals: a literal naming an existing requirement
    file is read; a literal naming an existing folder, in a file that globs (a ``*``
    literal ending in ``.txt`` or ``.in``), has every matching file read."""
    import ast

    text = _read_text(path)
    if text is None:
        return
    try:
        tree = ast.parse(text, filename=str(path))
    except (SyntaxError, ValueError):
        return
    literals = [
        (node.value, node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) < 200
    ]
    root = path.parent
    folders = [
        (root / value, line)
        for value, line in literals
        if value
        and "*" not in value
        and "\n" not in value
        and (root / value).is_dir()
        and value not in {".", ".."}
    ]
    _named_in_setup_py(literals, [root, *(folder for folder, _ in folders)], shown, reads)
    globs = [value for value, _ in literals if "*" in value and value.endswith((".txt", ".in"))]
    if globs:
        _globbed_by_setup_py(folders, globs[0], shown, reads)


def _named_in_setup_py(
    literals: list[tuple[str, int]], bases: list[Path], shown: str, reads: MetadataReads
) -> None:
    """Literals that name an existing requirement file, in the folder of ``setup.py`` or
    one a literal names."""
    for value, line in literals:
        if "\n" in value or "*" in value or not _looks_like_requirements(value):
            continue
        for base in bases:
            candidate = base / value
            if candidate.is_file():
                reads.files.setdefault(
                    _absolute(candidate),
                    MetadataReader(
                        origin=Origin(path=shown, line=line), how="setup.py", guessed=True
                    ),
                )


def _globbed_by_setup_py(
    folders: list[tuple[Path, int]], glob: str, shown: str, reads: MetadataReads
) -> None:
    """The requirement folders a globbing ``setup.py`` names, when they hold requirement
    files."""
    for folder, line in folders:
        if "requirement" not in folder.name.lower():
            continue
        with os.scandir(folder) as entries:
            holds = any(
                _looks_like_requirements(entry.name) for entry in entries if entry.is_file()
            )
        if holds:
            reads.globbed.setdefault(
                _absolute(folder),
                MetadataReader(
                    origin=Origin(path=shown, line=line),
                    how=f"setup.py globs {folder.name}/{glob.rsplit('/', 1)[-1]}",
                    guessed=True,
                ),
            )
