"""Find requirement files in a repository and group them into services.

A service is a folder holding requirement files; files under a ``requirements/`` folder
belong to the folder above it. Each file gets a role from its name.
"""

from __future__ import annotations

import errno
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.paths import service_dir_for

if TYPE_CHECKING:
    from lockmigrate.diagnostics import Collector

__all__ = [
    "DiscoveredFile",
    "DiscoveredService",
    "Exclude",
    "discover",
    "find_locked_projects",
    "is_requirements_name",
    "role_for",
    "service_dir_for",
    "walk",
]

# Folders that never hold a project's own requirement files.
_SKIP_DIRS = frozenset(
    {
        ".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", ".mypy_cache",
        ".ruff_cache", ".pytest_cache", "__pycache__", "node_modules", "site-packages",
        ".eggs", "build", "dist",
    }
)  # fmt: skip

_MAIN = frozenset({"", "prod", "production", "main", "base", "runtime", "install", "requirements"})
_ROLE_ALIASES = {
    "dev": "dev",
    "develop": "dev",
    "development": "dev",
    "devel": "dev",
    "local": "dev",
    "test": "test",
    "tests": "test",
    "testing": "test",
    "doc": "docs",
    "docs": "docs",
    "documentation": "docs",
}
_SEPARATORS = re.compile(r"[-_.\s]+")


# ``.in`` files of other tools that sit beside requirement files (autotools, setuptools'
# sdist manifest, templates of other formats): never pip-compile inputs.
_NOT_REQUIREMENTS_IN = frozenset({"manifest.in", "makefile.in", "configure.in", "config.in"})


def is_requirements_name(path: Path, *, in_requirements_folder: bool | None = None) -> bool:
    """Whether ``path``'s name is one a user would call a requirements file:
    ``requirements*.txt``, ``*-requirements.txt``, ``constraints*.txt``, ``*-lock.txt``, any
    ``.txt`` in a ``requirements/`` folder (or below one), and pip-compile inputs: ``X.in``
    or ``X.txt.in``, but not ``MANIFEST.in``, ``Makefile.in`` or a template of another
    format (``setup.cfg.in``, ``config.h.in``).

    ``in_requirements_folder`` says whether a folder between the searched root and the file
    is called ``requirements``; by default only the file's own folder is looked at.
    """
    name = path.name.lower()
    if name.endswith(".in"):
        inner = name[: -len(".in")]
        if name in _NOT_REQUIREMENTS_IN or not inner:
            return False
        # X.in and X.txt.in are inputs; X.cfg.in, X.h.in, X.py.in are templates
        return "." not in inner or inner.endswith(".txt")
    if not name.endswith(".txt"):
        return False
    stem = name[: -len(".txt")]
    if in_requirements_folder is None:
        in_requirements_folder = path.parent.name.lower() == "requirements"
    return (
        stem.startswith(("requirements", "constraints"))
        or stem.endswith(
            ("-requirements", "_requirements", "-constraints", "_constraints", "-lock", "_lock")
        )
        or in_requirements_folder
    )


def role_for(path: Path) -> str:
    """The role of a requirements file, from its name: ``main`` (prod/main), ``dev``,
    ``test``, ``docs``, ``constraints``, or the distinctive part of its name."""
    stem = path.name.lower().rsplit(".", 1)[0]
    stem = stem.removesuffix(".txt")  # X.txt.in: the input of X.txt
    for suffix in ("-lock", "_lock", ".lock"):  # X-lock.txt: the lock of X.txt
        stem = stem.removesuffix(suffix)
    key = stem
    for affix in ("requirements", "reqs"):
        if key.startswith(affix):
            key = key[len(affix) :]
            break
        if key.endswith(affix):
            key = key[: -len(affix)]
            break
    key = _SEPARATORS.sub("-", key).strip("-")
    if "constraint" in key:
        return "constraints"
    if key in _MAIN:
        return "main"
    return _ROLE_ALIASES.get(key, key)


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredFile:
    """A requirements file found under a folder, or named by the user (``explicit``): a
    file found by walking that does not parse is skipped with a warning; a named one is an
    error."""

    path: Path
    role: str
    explicit: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredService:
    """A service folder and the requirement files found for it."""

    path: Path
    files: tuple[DiscoveredFile, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class Exclude:
    """Paths a walk skips (``[tool.lockmigrate] exclude``, ``check --exclude``), as ruff
    reads its ``exclude``. The one matcher of lockmigrate's exclude globs.

    A pattern without ``/`` is matched against the name of every file and folder under the
    walk (``legacy``, ``requirements-ci*.txt``); one with ``/`` against the path relative to
    ``root`` (``services/old/**``, ``tools/*/requirements.txt``, ``/legacy``), where ``*``
    and ``?`` stay within one folder and ``**`` spans any number. A folder that matches is
    skipped with everything below it. Files named on the command line are read whatever the
    patterns say.

    ``also`` holds patterns relative to other roots: the command line's ``--exclude`` (from
    the current folder) added to the table's (from its ``pyproject.toml``'s folder); see
    :meth:`union`.
    """

    root: Path
    patterns: tuple[str, ...]
    also: tuple[Exclude, ...] = ()

    def union(self, other: Exclude | None) -> Exclude:
        """What ``self`` or ``other`` excludes, each pattern relative to its own root."""
        if other is None or (not other.patterns and not other.also):
            return self
        if not self.patterns and not self.also:
            return other
        return Exclude(root=self.root, patterns=self.patterns, also=(*self.also, other))

    def matches(self, path: Path) -> bool:
        """Whether ``path`` (absolute) is excluded."""
        return self._matches_own(path) or any(more.matches(path) for more in self.also)

    def _matches_own(self, path: Path) -> bool:
        try:
            parts = Path(os.path.relpath(path, self.root)).parts
        except ValueError:  # another drive (Windows)
            return False
        if parts[:1] == ("..",):
            parts = (path.name,)  # outside the project: only names can match
        for pattern in self.patterns:
            pieces = tuple(piece for piece in pattern.strip().split("/") if piece not in {"", "."})
            if len(pieces) == 1 and "/" not in pattern.strip().rstrip("/"):
                if any(fnmatchcase(part, pieces[0]) for part in parts):
                    return True
            elif any(_match(parts[:end], pieces) for end in range(1, len(parts) + 1)):
                return True
        return False


def _match(parts: tuple[str, ...], pieces: tuple[str, ...]) -> bool:
    """Whether the path ``parts`` matches the pattern ``pieces``, piece for part."""
    if not pieces:
        return not parts
    if pieces[0] == "**":
        return any(_match(parts[skip:], pieces[1:]) for skip in range(len(parts) + 1))
    return bool(parts) and fnmatchcase(parts[0], pieces[0]) and _match(parts[1:], pieces[1:])


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _folders(
    root: Path,
    collector: Collector | None = None,
    exclude: Exclude | None = None,
    skipped: list[Path] | None = None,
    *,
    in_requirements: bool | None = None,
) -> Iterator[tuple[Path, list[os.DirEntry[str]], bool]]:
    """Each folder under ``root`` (itself included) that a project's own files can be in,
    without following links to folders, with its entries that ``exclude`` leaves in and
    whether it is a ``requirements/`` folder or lies below one. A folder that cannot be
    listed is a warning in ``collector``. The requirements files ``exclude`` leaves out
    (named so, or in a folder it leaves out) are appended to ``skipped`` when it is given."""
    if in_requirements is None:
        in_requirements = root.name.lower() == "requirements"
    # (folder, whether it is a requirements/ folder or lies below one)
    stack = [(root, in_requirements)]
    while stack:
        folder, below_requirements = stack.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as error:
            if collector is not None:
                collector.warning(
                    "unwalkable-folder",
                    f"{_shown(folder)}: cannot be searched ({error.strerror or error}); "
                    "its requirements files, if any, were not read",
                )
            continue
        if exclude is not None:
            kept = [e for e in entries if not exclude.matches(Path(os.path.abspath(e.path)))]  # noqa: PTH100
            if skipped is not None and len(kept) < len(entries):
                for entry in entries:
                    if entry not in kept:
                        skipped += _requirements_files(entry, below_requirements)
            entries = kept
        yield folder, entries, below_requirements
        for entry in entries:
            child = _subfolder(entry)
            if child is not None:
                named_requirements = entry.name.lower() == "requirements"
                stack.append((child, below_requirements or named_requirements))


def walk(root: Path, exclude: Exclude | None = None) -> Iterator[tuple[Path, list[str]]]:
    """Each folder under ``root`` (itself included) that a project's own files can be in,
    with the names of its entries that ``exclude`` leaves in: THE walk of a tree, so that
    every command skips the same folders (links to folders, virtual environments, caches,
    VCS folders, what ``exclude`` names). A folder that cannot be listed is left out
    silently (:func:`discover` warns about it)."""
    for folder, entries, _ in _folders(root, None, exclude):
        yield folder, [entry.name for entry in entries]


def _subfolder(entry: os.DirEntry[str]) -> Path | None:
    """``entry`` when it is a folder the walk goes into (not a link, a venv, a cache)."""
    try:
        if not entry.is_dir(follow_symlinks=False):
            return None
    except OSError:
        return None
    if entry.name in _SKIP_DIRS or entry.name.endswith(".egg-info"):
        return None
    child = Path(entry.path)
    return None if _is_venv(child) else child


def _requirements_files(entry: os.DirEntry[str], in_requirements: bool) -> list[Path]:
    """The requirements files ``entry`` is or holds, found silently (for ``skipped``)."""
    folder = _subfolder(entry)
    if folder is not None:
        return _walk(
            folder, None, in_requirements=in_requirements or entry.name.lower() == "requirements"
        )
    try:
        named = is_requirements_name(Path(entry.path), in_requirements_folder=in_requirements)
        return [Path(entry.path)] if named and entry.is_file() else []
    except OSError:
        return []


def _walk(
    root: Path,
    collector: Collector | None,
    exclude: Exclude | None = None,
    skipped: list[Path] | None = None,
    *,
    in_requirements: bool | None = None,
) -> list[Path]:
    """The requirements files under ``root``, without following links to folders, skipping
    what ``exclude`` names (those are appended to ``skipped`` when it is given). A folder
    that cannot be listed, and an entry named like a requirements file that is not a
    regular file (a FIFO, a device, a dangling link, a symlink loop), are warnings naming
    them."""
    found: list[Path] = []
    for _, entries, below_requirements in _folders(
        root, collector, exclude, skipped, in_requirements=in_requirements
    ):
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    continue
                if not is_requirements_name(
                    Path(entry.path), in_requirements_folder=below_requirements
                ):
                    continue
                if entry.is_file():
                    found.append(Path(entry.path))
                    continue
                kind = _kind_of(Path(entry.path))
            except OSError as error:  # a symlink loop, or an entry gone meanwhile
                loop = error.errno == errno.ELOOP
                kind = "a symlink loop" if loop else f"unreadable ({error.strerror or error})"
            if collector is not None and kind is not None:
                collector.warning(
                    "not-a-regular-file",
                    f"{_shown(Path(entry.path))} is named like a requirements file but is "
                    f"{kind}; skipped",
                )
    return found


#: The locks a project's own tool keeps beside its ``pyproject.toml``.
_PROJECT_LOCK_NAMES = frozenset({"poetry.lock", "uv.lock"})


def find_locked_projects(paths: Sequence[Path], *, exclude: Exclude | None = None) -> list[Path]:
    """The folders under ``paths`` (or holding a file named in ``paths``) with a
    ``pyproject.toml`` and a ``poetry.lock`` or ``uv.lock``, sorted; the walk skips what
    :func:`discover` skips, and what ``exclude`` names."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            folders = [
                folder
                for folder, entries, _ in _folders(path, None, exclude)
                if "pyproject.toml" in (names := {e.name for e in entries})
                and names & _PROJECT_LOCK_NAMES
            ]
        else:
            folders = [path.parent]
        for folder in folders:  # Path.is_file: False for a symlink loop, where DirEntry's raises
            if (folder / "pyproject.toml").is_file() and any(
                (folder / name).is_file() for name in _PROJECT_LOCK_NAMES
            ):
                found.add(Path(os.path.abspath(folder)))  # noqa: PTH100
    return sorted(found)


def _kind_of(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file; ``None`` for a folder reached through
    a link (not a file, not worth a warning)."""
    import stat

    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return "a link to nothing"
    except OSError as error:
        return "a symlink loop" if error.errno == errno.ELOOP else f"unreadable ({error.strerror})"
    if stat.S_ISDIR(mode):
        return None
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a regular file"


def _shown(path: Path) -> str:
    """``path`` as the user sees it, its last part never resolved (it may be a link that
    goes nowhere, or round in a loop)."""
    from lockmigrate.sources.includes import display_path

    folder = display_path(path.parent)
    return path.name if folder == "." else f"{folder}/{path.name}"


def discover(
    paths: list[Path],
    collector: Collector | None = None,
    *,
    exclude: Exclude | None = None,
    skipped: list[Path] | None = None,
) -> list[DiscoveredService]:
    """Services under ``paths`` (folders are searched, skipping what ``exclude`` names;
    files are taken as given), sorted by folder, each with its files sorted main first,
    then by name. What could not be searched is a warning in ``collector``; the
    requirements files ``exclude`` left out are appended to ``skipped`` when it is given."""
    files: dict[Path, bool] = {}  # path -> named by the user
    for path in paths:
        if path.is_dir():
            for found in _walk(path, collector, exclude, skipped):
                files.setdefault(Path(os.path.abspath(found)), False)  # noqa: PTH100
        else:
            files[Path(os.path.abspath(path))] = True  # noqa: PTH100
    by_service: dict[Path, list[DiscoveredFile]] = {}
    for file, explicit in files.items():
        by_service.setdefault(service_dir_for(file), []).append(
            DiscoveredFile(path=file, role=role_for(file), explicit=explicit)
        )
    return [
        DiscoveredService(
            path=service,
            files=tuple(sorted(members, key=lambda f: (f.role != "main", f.path.name))),
        )
        for service, members in sorted(by_service.items())
    ]
