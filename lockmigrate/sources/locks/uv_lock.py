"""``uv.lock`` (uv's universal lock) read as a :class:`~lockmigrate.model.locks.Lock`.

Each ``[[package]]`` is a pin, except the project itself and its workspace members (a
``virtual`` or ``editable`` source named in ``[manifest] members``, or the project at
``.``): those are what is being locked, not locked versions. ``dependencies``,
``optional-dependencies`` and ``dev-dependencies`` (the PEP 735 groups) are inverted into
the ``parents`` of the packages they name; a package that a group of the project requires
directly carries that group's name in ``groups``. A package listed once per fork
(``resolution-markers``) is kept at its first entry, as for ``poetry.lock``;
:func:`uv_lock_versions` gives every version of such a name (``to-uv --lock`` compares them
with pip-compile's pins).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name

from lockmigrate.errors import InputError
from lockmigrate.model.locks import Lock, LockKind, PinnedPackage
from lockmigrate.model.requirements import Origin
from lockmigrate.redact import redact_url
from lockmigrate.sources.toml_files import load_toml, table_name_lines

__all__ = ["parse_uv_lock", "uv_lock_versions"]

#: Sources that are the project being locked (or a member of its workspace), not a pin.
_PROJECT_SOURCES = ("virtual", "editable")


def _text(entry: Mapping[str, Any], key: str, origin: Origin) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        raise InputError(f"[[package]] needs a string {key!r}, got {value!r}", origin=origin)
    return value


def _names(items: object) -> Iterator[str]:
    """The canonical names of a ``dependencies``-style array of inline tables."""
    for item in items if isinstance(items, list) else ():
        if isinstance(item, Mapping) and isinstance(item.get("name"), str):
            yield str(canonicalize_name(item["name"]))


def _edges(entry: Mapping[str, Any]) -> Iterator[tuple[str, str | None]]:
    """Every package ``entry`` requires, with the group (PEP 735) that requires it, if any."""
    for name in _names(entry.get("dependencies")):
        yield name, None
    for table, grouped in (("optional-dependencies", False), ("dev-dependencies", True)):
        value = entry.get(table)
        if isinstance(value, Mapping):
            for group, items in value.items():
                for name in _names(items):
                    yield name, str(group) if grouped else None


def _source(entry: Mapping[str, Any]) -> tuple[str | None, str | None]:
    """The kind of ``entry``'s source (``registry``, ``git``, ``url``, ``path``,
    ``directory``, ``editable``, ``virtual``) and where it points."""
    source = entry.get("source")
    if not isinstance(source, Mapping):
        return None, None
    for kind in ("registry", "git", "url", "path", "directory", "editable", "virtual"):
        value = source.get(kind)
        if isinstance(value, str):
            return kind, value
    return None, None


def _direct_url(kind: str | None, where: str | None) -> str | None:
    """A direct reference for a pin that is not from an index; ``None`` for a registry pin."""
    if where is None or kind in {None, "registry"}:
        return None
    if kind == "git":
        # uv writes git+ URLs as "https://host/repo?rev=v1#<commit>": the commit is the pin
        base, _, commit = where.partition("#")
        base = base.split("?", 1)[0]
        return redact_url(f"git+{base}@{commit}" if commit else f"git+{base}")
    return redact_url(where)


def _members(document: Mapping[str, Any]) -> set[str]:
    manifest = document.get("manifest")
    members = manifest.get("members") if isinstance(manifest, Mapping) else None
    if not isinstance(members, list):
        return set()
    return {str(canonicalize_name(str(member))) for member in members}


_Read = tuple[str, "str | None", Origin, Mapping[str, Any]]


def _entries(data: bytes, document: Mapping[str, Any], shown: str) -> tuple[list[_Read], set[str]]:
    """Each ``[[package]]`` as (name, version, origin, table), and the names of those that
    are the project or a member of its workspace."""
    entries = document.get("package", [])
    if not isinstance(entries, list):
        raise InputError("'package' must be an array of tables", origin=Origin(path=shown, line=1))
    lines = table_name_lines(data.decode("utf-8"), "package")
    members = _members(document)
    projects: set[str] = set()
    read: list[_Read] = []
    for index, entry in enumerate(entries):
        origin = Origin(path=shown, line=lines[index] if index < len(lines) else 1)
        if not isinstance(entry, Mapping):
            raise InputError("a [[package]] entry must be a table", origin=origin)
        name = str(canonicalize_name(_text(entry, "name", origin)))
        kind, where = _source(entry)
        # a registry pin names its version; a git, URL or path one, or the project, may not
        version = _text(entry, "version", origin) if kind == "registry" else entry.get("version")
        if kind in _PROJECT_SOURCES and (name in members or where == "." or kind == "virtual"):
            projects.add(name)
        read.append((name, version if isinstance(version, str) else None, origin, entry))
    return read, projects


def _graph(
    read: list[_Read], projects: set[str]
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """Who requires each package (``parents``), and the groups of the project that require it
    directly."""
    parents: dict[str, list[str]] = {}
    groups: dict[str, list[str]] = {}
    for name, _, _, entry in read:
        for child, group in _edges(entry):
            if child != name and name not in parents.setdefault(child, []):
                parents[child].append(name)
            if group is not None and name in projects and group not in groups.get(child, []):
                groups.setdefault(child, []).append(group)
    return parents, groups


def parse_uv_lock(data: bytes, *, path: Path, display: str | None = None) -> Lock:
    """Read a ``uv.lock`` from ``data``. Raises :class:`InputError` at the line of a
    malformed entry."""
    shown = display or path.as_posix()
    document = load_toml(data, display=shown)
    read, projects = _entries(data, document, shown)
    parents, groups = _graph(read, projects)
    packages: list[PinnedPackage] = []
    seen: set[str] = set()
    for name, version, origin, entry in read:
        if name in seen or name in projects:
            continue
        seen.add(name)
        packages.append(
            PinnedPackage(
                name=name,
                version=version,
                origin=origin,
                parents=tuple(p for p in parents.get(name, ()) if p not in projects),
                url=_direct_url(*_source(entry)),
                groups=tuple(groups.get(name, ())),
            )
        )
    python = document.get("requires-python")
    return Lock(
        path=path,
        display=shown,
        kind=LockKind.UV,
        packages=tuple(packages),
        requires_python=python if isinstance(python, str) else None,
    )


def uv_lock_versions(data: bytes, *, display: str) -> dict[str, tuple[str, ...]]:
    """Canonical name -> the versions ``uv.lock`` locks it at, in file order (a package
    without a version, such as the virtual project itself, is left out). Raises
    :class:`InputError` for a file that is not a ``uv.lock``."""
    document = load_toml(data, display=display)
    entries = document.get("package", [])
    if not isinstance(entries, list):
        raise InputError(
            "'package' must be an array of tables", origin=Origin(path=display, line=1)
        )
    versions: dict[str, list[str]] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise InputError(
                "a [[package]] entry needs a name", origin=Origin(path=display, line=1)
            )
        version = entry.get("version")
        if isinstance(version, str):
            found = versions.setdefault(canonicalize_name(entry["name"]), [])
            if version not in found:
                found.append(version)
    return {name: tuple(found) for name, found in versions.items()}
