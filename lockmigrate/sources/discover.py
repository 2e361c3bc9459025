"""Find requirement files in a repository and group them into services.

A service is a folder holding requirement files; files under a ``requirements/`` folder
belong to the folder above it. Each file gets a role from its name.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DiscoveredFile",
    "DiscoveredService",
    "discover",
    "is_requirements_name",
    "role_for",
    "service_dir_for",
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


def is_requirements_name(path: Path) -> bool:
    """Whether ``path``'s name is one lockmigrate treats as a requirements file:
    ``requirements*.txt``, ``*-requirements.txt``, ``requirements/*.txt``, ``*.in`` and
    ``constraints*.txt``."""
    name = path.name.lower()
    if name.endswith(".in"):
        return True
    if not name.endswith(".txt"):
        return False
    stem = name[: -len(".txt")]
    return (
        stem.startswith(("requirements", "constraints"))
        or stem.endswith(("-requirements", "_requirements", "-constraints", "_constraints"))
        or path.parent.name.lower() == "requirements"
    )


def service_dir_for(path: Path) -> Path:
    """The service folder a requirements file belongs to."""
    parent = path.parent
    if parent.name.lower() == "requirements":
        return parent.parent
    return parent


def role_for(path: Path) -> str:
    """The role of a requirements file, from its name: ``main`` (prod/main), ``dev``,
    ``test``, ``docs``, ``constraints``, or the distinctive part of its name."""
    stem = path.name.lower().rsplit(".", 1)[0]
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
    path: Path
    role: str


@dataclass(frozen=True, slots=True, kw_only=True)
class DiscoveredService:
    path: Path
    files: tuple[DiscoveredFile, ...]


def _is_venv(path: Path) -> bool:
    return (path / "pyvenv.cfg").is_file()


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    stack = [root]
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                if entry.name in _SKIP_DIRS or entry.name.endswith(".egg-info"):
                    continue
                child = Path(entry.path)
                if not _is_venv(child):
                    stack.append(child)
            elif entry.is_file() and is_requirements_name(Path(entry.path)):
                found.append(Path(entry.path))
    return found


def discover(paths: list[Path]) -> list[DiscoveredService]:
    """Services under ``paths`` (folders are searched, files are taken as given), sorted by
    folder, each with its files sorted main first, then by name."""
    files: dict[Path, None] = {}
    for path in paths:
        if path.is_dir():
            for found in _walk(path):
                files.setdefault(Path(os.path.abspath(found)), None)  # noqa: PTH100
        else:
            files.setdefault(Path(os.path.abspath(path)), None)  # noqa: PTH100
    by_service: dict[Path, list[DiscoveredFile]] = {}
    for file in files:
        by_service.setdefault(service_dir_for(file), []).append(
            DiscoveredFile(path=file, role=role_for(file))
        )
    return [
        DiscoveredService(
            path=service,
            files=tuple(sorted(members, key=lambda f: (f.role != "main", f.path.name))),
        )
        for service, members in sorted(by_service.items())
    ]
