"""Find requirement files in a repository and group them into services.

A service is a folder holding requirement files; files under a ``requirements/`` folder
belong to the folder above it. Each file gets a role from its name.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DiscoveredFile",
    "DiscoveredService",
    "discover",
    "excluded_by",
    "find_poetry_projects",
    "is_requirements_name",
    "role_for",
    "service_dir_for",
    "without_excluded",
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


def service_dir_for(path: Path) -> Path:
    """The service folder a requirements file belongs to: the folder above the nearest
    ``requirements/`` folder that holds it (``svc/requirements/extras/x.txt`` belongs to
    ``svc``), else its own folder. A ``locks/`` folder lockmigrate writes beside inputs
    belongs to the folder that holds it."""
    parent = path.parent
    if parent.name.lower() == "locks":
        parent = parent.parent
    for folder in (parent, *parent.parents):
        if folder.name.lower() == "requirements":
            return folder.parent
    return parent


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
    path: Path
    files: tuple[DiscoveredFile, ...]


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _folders(root: Path) -> Iterator[tuple[Path, list[os.DirEntry[str]], bool]]:
    """Each folder under ``root`` (itself included) that a project's own files can be in,
    with its entries and whether it is a ``requirements/`` folder or lies below one."""
    stack = [(root, root.name.lower() == "requirements")]
    while stack:
        folder, in_requirements = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        yield folder, entries, in_requirements
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in _SKIP_DIRS or entry.name.endswith(".egg-info"):
                    continue
                child = Path(entry.path)
                if not _is_venv(child):
                    stack.append((child, in_requirements or entry.name.lower() == "requirements"))


def _walk(root: Path) -> list[Path]:
    return [
        Path(entry.path)
        for _, entries, in_requirements in _folders(root)
        for entry in entries
        if entry.is_file()
        and is_requirements_name(Path(entry.path), in_requirements_folder=in_requirements)
    ]


def excluded_by(path: Path, patterns: Sequence[str]) -> str | None:
    """The first of ``patterns`` (``--exclude`` globs) that excludes ``path``, or ``None``.

    A pattern without ``/`` is matched against the name of the file and of each folder
    above it (``requirements-docs.txt``, ``legacy``, ``*-docs.txt``); a pattern with ``/``
    against the path relative to the current folder, and against each folder above it
    (``svc/requirements-docs.txt``, ``legacy/*``, ``services/old``). ``*`` matches ``/``
    too, as in :func:`fnmatch.fnmatch`; matching is case-sensitive.
    """
    if not patterns:
        return None
    relative = Path(os.path.relpath(os.path.abspath(path))).as_posix()  # noqa: PTH100
    parts = relative.split("/")
    prefixes = ["/".join(parts[: end + 1]) for end in range(len(parts))]
    for pattern in patterns:
        cleaned = pattern.replace("\\", "/").removeprefix("./").rstrip("/")
        candidates = prefixes if "/" in cleaned else parts
        if any(fnmatch.fnmatchcase(candidate, cleaned) for candidate in candidates):
            return pattern
    return None


def without_excluded(
    services: Sequence[DiscoveredService], patterns: Sequence[str]
) -> tuple[list[DiscoveredService], list[Path]]:
    """``services`` less every file one of ``patterns`` excludes (see :func:`excluded_by`),
    and the files left out. A service left with no file is left out too."""
    kept: list[DiscoveredService] = []
    excluded: list[Path] = []
    for service in services:
        files = tuple(f for f in service.files if excluded_by(f.path, patterns) is None)
        excluded += [f.path for f in service.files if f not in files]
        if files:
            kept.append(DiscoveredService(path=service.path, files=files))
    return kept, excluded


def find_poetry_projects(paths: Sequence[Path]) -> list[Path]:
    """The folders under ``paths`` (or holding a file named in ``paths``) with both a
    ``pyproject.toml`` and a ``poetry.lock``, sorted; the walk skips what :func:`discover`
    skips."""
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            folders = [
                folder
                for folder, entries, _ in _folders(path)
                if {"poetry.lock", "pyproject.toml"} <= {e.name for e in entries if e.is_file()}
            ]
        else:
            folders = [path.parent]
        for folder in folders:
            if (folder / "poetry.lock").is_file() and (folder / "pyproject.toml").is_file():
                found.add(Path(os.path.abspath(folder)))  # noqa: PTH100
    return sorted(found)


def discover(paths: list[Path]) -> list[DiscoveredService]:
    """Services under ``paths`` (folders are searched, files are taken as given), sorted by
    folder, each with its files sorted main first, then by name."""
    files: dict[Path, bool] = {}  # path -> named by the user
    for path in paths:
        if path.is_dir():
            for found in _walk(path):
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
