"""``poetry.lock`` read as a :class:`~lockmigrate.model.locks.Lock`.

Each ``[[package]]`` becomes a pin; its ``[package.dependencies]`` (and the packages its
``[package.extras]`` name) are inverted into the ``parents`` of the packages they name, so a
transitive package can be traced back to what pulls it in.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from lockmigrate.errors import InputError
from lockmigrate.model.locks import Lock, LockKind, PinnedPackage
from lockmigrate.model.requirements import Origin
from lockmigrate.redact import redact_url
from lockmigrate.sources.toml_files import load_toml, table_name_lines

__all__ = ["parse_poetry_lock"]

_EXTRA_ITEM_RE = re.compile(r"^\s*(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)")


def _text(entry: Mapping[str, Any], key: str, origin: Origin) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"[[package]] needs a string {key!r}, got {value!r}", origin=origin)
    return value


def _dependency_names(entry: Mapping[str, Any]) -> list[str]:
    names: list[str] = []  # canonical
    dependencies = entry.get("dependencies", {})
    if isinstance(dependencies, Mapping):
        names += [str(canonicalize_name(str(name))) for name in dependencies]
    extras = entry.get("extras", {})
    if isinstance(extras, Mapping):
        for items in extras.values():
            for item in items if isinstance(items, list) else []:
                match = _EXTRA_ITEM_RE.match(str(item))
                if match is not None:
                    names.append(str(canonicalize_name(match.group("name"))))
    return names


def _direct_url(entry: Mapping[str, Any]) -> str | None:
    source = entry.get("source")
    if not isinstance(source, Mapping):
        return None
    kind, url = source.get("type"), source.get("url")
    if kind in {"legacy", None} or not isinstance(url, str):
        return None  # a package from another index is still a versioned pin
    reference = source.get("resolved_reference") or source.get("reference")
    suffix = f"@{reference}" if kind == "git" and reference else ""
    prefix = "git+" if kind == "git" else ""
    return redact_url(f"{prefix}{url}{suffix}")


def parse_poetry_lock(data: bytes, *, path: Path, display: str | None = None) -> Lock:
    """Read a ``poetry.lock`` from ``data``. Raises :class:`InputError` at the line of a
    malformed entry."""
    shown = display or path.as_posix()
    document = load_toml(data, display=shown)
    entries = document.get("package", [])
    if not isinstance(entries, list):
        raise InputError("'package' must be an array of tables", origin=Origin(path=shown, line=1))
    lines = table_name_lines(data.decode("utf-8"), "package")
    parents: dict[str, list[str]] = {}
    read: list[tuple[str, str, Origin, Mapping[str, Any]]] = []
    for index, entry in enumerate(entries):
        origin = Origin(path=shown, line=lines[index] if index < len(lines) else 1)
        if not isinstance(entry, Mapping):
            raise InputError("a [[package]] entry must be a table", origin=origin)
        name = str(canonicalize_name(_text(entry, "name", origin)))
        version = _text(entry, "version", origin)
        read.append((name, version, origin, entry))
        for child in _dependency_names(entry):
            if child != name and name not in parents.setdefault(child, []):
                parents[child].append(name)
    packages: list[PinnedPackage] = []
    seen: dict[str, Origin] = {}
    for name, version, origin, entry in read:
        if name in seen:
            # One entry per Python-version fork is legal in poetry.lock; keep the first.
            continue
        seen[name] = origin
        groups = entry.get("groups", ())
        marker = entry.get("markers")
        packages.append(
            PinnedPackage(
                name=name,
                version=version,
                origin=origin,
                parents=tuple(parents.get(name, ())),
                marker=marker if isinstance(marker, str) else None,
                url=_direct_url(entry),
                groups=tuple(str(g) for g in groups) if isinstance(groups, list) else (),
            )
        )
    metadata = document.get("metadata", {})
    python = metadata.get("python-versions") if isinstance(metadata, Mapping) else None
    return Lock(
        path=path,
        display=shown,
        kind=LockKind.POETRY,
        packages=tuple(packages),
        requires_python=python if isinstance(python, str) else None,
    )
