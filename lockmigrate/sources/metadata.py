"""What package metadata reads: requirement files that a build turns into ``Requires-Dist``.

A project can build its published dependencies from requirement files:

- ``pyproject.toml``: ``[tool.setuptools.dynamic] dependencies = {file = [...]}`` (and
  ``optional-dependencies.X``), hatch-requirements-txt's
  ``[tool.hatch.metadata.hooks.requirements_txt]`` ``files`` and ``optional-dependencies``;
- ``setup.cfg``: ``install_requires = file: requirements.txt`` and ``extras_require``;
- ``setup.py``: code that opens or globs them. It is not run; its string literals that name
  an existing requirement file or folder are taken as what it reads (a guess, said so).

Turning such a file into a lock would silently change what the package publishes, so
migrations keep these files as they are and write the lock beside them. Nothing here runs
code or writes.
"""

from __future__ import annotations

import ast
import configparser
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from lockmigrate.model import Origin

__all__ = ["MetadataReader", "MetadataReads", "read_metadata_readers"]


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


def _line_of(text: str, needle: str, default: int = 1) -> int:
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
    from lockmigrate.sources._toml import load_toml

    try:
        document = load_toml(text.encode(), display=shown)
    except ValueError:
        return
    project = document.get("project")
    dynamic_fields = project.get("dynamic") if isinstance(project, dict) else None
    if isinstance(dynamic_fields, list) and {"dependencies", "optional-dependencies"} & set(
        dynamic_fields
    ):
        reads.unknown = Origin(path=shown, line=_line_of(text, "dynamic"))
    tool = document.get("tool")
    if not isinstance(tool, dict):
        return
    found: list[tuple[str, str]] = []  # (file as written, what reads it)
    setuptools = tool.get("setuptools")
    dynamic = setuptools.get("dynamic") if isinstance(setuptools, dict) else None
    if isinstance(dynamic, dict):
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
    hatch = tool.get("hatch")
    hooks = hatch.get("metadata", {}).get("hooks", {}) if isinstance(hatch, dict) else {}
    plugin = hooks.get("requirements_txt") if isinstance(hooks, dict) else None
    if isinstance(plugin, dict):
        found += [
            (name, "[tool.hatch.metadata.hooks.requirements_txt] files")
            for name in _names(plugin.get("files"))
        ]
        optional = plugin.get("optional-dependencies")
        if isinstance(optional, dict):
            for extra, names in optional.items():
                how = f"[tool.hatch.metadata.hooks.requirements_txt] optional-dependencies.{extra}"
                found += [(name, how) for name in _names(names)]
    for name, how in found:
        reads.files.setdefault(
            _absolute(path.parent / name),
            MetadataReader(origin=Origin(path=shown, line=_line_of(text, name)), how=how),
        )


_FILE_DIRECTIVE = re.compile(r"^\s*file:\s*(?P<names>.+)$", re.MULTILINE)


def _from_setup_cfg(path: Path, shown: str, reads: MetadataReads) -> None:
    text = _read_text(path)
    if text is None:
        return
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
                    MetadataReader(origin=Origin(path=shown, line=_line_of(text, name)), how=how),
                )


def _looks_like_requirements(name: str) -> bool:
    from lockmigrate.sources.discover import is_requirements_name

    return is_requirements_name(Path(name), in_requirements_folder=True)


def _from_setup_py(path: Path, shown: str, reads: MetadataReads) -> None:
    """Guess from ``setup.py``'s string literals: a literal naming an existing requirement
    file is read; a literal naming an existing folder, in a file that globs (a ``*``
    literal ending in ``.txt`` or ``.in``), has every matching file read."""
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
    globs = [value for value, _ in literals if "*" in value and value.endswith((".txt", ".in"))]
    how = "setup.py"
    for value, line in literals:
        if "\n" in value or "*" in value or not _looks_like_requirements(value):
            continue
        for base in (root, *(folder for folder, _ in folders)):
            candidate = base / value
            if candidate.is_file():
                reads.files.setdefault(
                    _absolute(candidate),
                    MetadataReader(origin=Origin(path=shown, line=line), how=how, guessed=True),
                )
    if globs:
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
                        how=f"setup.py globs {folder.name}/{globs[0].rsplit('/', 1)[-1]}",
                        guessed=True,
                    ),
                )
