"""PEP 751 ``pylock.toml`` read as a :class:`~lockmigrate.model.locks.Lock`.

Validated with :mod:`packaging.pylock` where the installed packaging has it (25.1+); older
packaging gets a plain reading of the same keys. A package listed more than once (one entry
per environment, told apart by ``marker``) is kept once, at its first entry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from lockmigrate.errors import InputError
from lockmigrate.model.locks import Lock, LockKind, PinnedPackage
from lockmigrate.model.requirements import Origin
from lockmigrate.redact import redact_url
from lockmigrate.sources.toml_files import load_toml, table_name_lines

__all__ = ["parse_pylock"]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    name: str
    version: str | None
    marker: str | None
    url: str | None
    dependencies: tuple[str, ...]


def _dependency_names(raw: object) -> tuple[str, ...]:
    if not isinstance(raw, Sequence) or isinstance(raw, str):
        return ()
    names = []
    for item in raw:
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            names.append(canonicalize_name(item["name"]))
    return tuple(names)


def _entries_with_packaging(document: Mapping[str, Any], shown: str) -> list[_Entry] | None:
    try:
        from packaging.pylock import Pylock, PylockValidationError
    except ImportError:  # pragma: no cover - packaging < 25.1
        return None
    try:
        lock = Pylock.from_dict(document)
    except PylockValidationError as error:
        raise InputError(
            f"invalid pylock.toml: {error}", origin=Origin(path=shown, line=1)
        ) from None
    entries = []
    for package in lock.packages:
        url: str | None = None
        if package.vcs is not None and package.vcs.url:
            url = f"{package.vcs.type}+{package.vcs.url}@{package.vcs.commit_id}"
        elif package.archive is not None and package.archive.url:
            url = package.archive.url
        elif package.directory is not None:
            url = package.directory.path
        entries.append(
            _Entry(
                name=canonicalize_name(package.name),
                version=str(package.version) if package.version is not None else None,
                marker=str(package.marker) if package.marker is not None else None,
                url=redact_url(url) if url else None,
                dependencies=_dependency_names(package.dependencies),
            )
        )
    return entries


def _entries_by_hand(document: Mapping[str, Any], shown: str) -> list[_Entry]:
    raw = document.get("packages", [])
    if not isinstance(raw, list):
        raise InputError("'packages' must be an array of tables", origin=Origin(path=shown, line=1))
    entries = []
    for item in raw:
        if not isinstance(item, Mapping) or not isinstance(item.get("name"), str):
            raise InputError("every [[packages]] needs a 'name'", origin=Origin(path=shown, line=1))
        version, marker = item.get("version"), item.get("marker")
        entries.append(
            _Entry(
                name=canonicalize_name(item["name"]),
                version=version if isinstance(version, str) else None,
                marker=marker if isinstance(marker, str) else None,
                url=None,
                dependencies=_dependency_names(item.get("dependencies")),
            )
        )
    return entries


def parse_pylock(data: bytes, *, path: Path, display: str | None = None) -> Lock:
    """Read a ``pylock.toml`` from ``data``. Raises :class:`InputError` when it is not a
    valid PEP 751 lock."""
    shown = display or path.as_posix()
    document = load_toml(data, display=shown)
    entries = _entries_with_packaging(document, shown)
    if entries is None:  # pragma: no cover - packaging < 25.1
        entries = _entries_by_hand(document, shown)
    lines = table_name_lines(data.decode("utf-8"), "packages")
    parents: dict[str, list[str]] = {}
    for entry in entries:
        for child in entry.dependencies:
            if child != entry.name and entry.name not in parents.setdefault(child, []):
                parents[child].append(entry.name)
    packages: list[PinnedPackage] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if entry.name in seen:
            continue
        seen.add(entry.name)
        packages.append(
            PinnedPackage(
                name=entry.name,
                version=entry.version,
                origin=Origin(path=shown, line=lines[index] if index < len(lines) else 1),
                parents=tuple(parents.get(entry.name, ())),
                marker=entry.marker,
                url=entry.url,
            )
        )
    python = document.get("requires-python")
    return Lock(
        path=path,
        display=shown,
        kind=LockKind.PYLOCK,
        packages=tuple(packages),
        requires_python=python if isinstance(python, str) else None,
        has_graph=any(entry.dependencies for entry in entries),
    )
