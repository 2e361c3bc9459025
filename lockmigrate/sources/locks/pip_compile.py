"""pip-compile output (``requirements.txt`` written by pip-compile or ``uv pip compile``) read
as a :class:`~lockmigrate.model.locks.Lock`.

The requirement lines go through the pip-faithful reader (:func:`parse_bytes`), so hashes,
continuations, markers and options are read exactly as pip reads them. The ``# via``
annotations are comments to pip; they are parsed here, in both of pip-compile's styles::

    numpy==1.26.9                      pandas==2.2.3  # via -r requirements.in
        # via
        #   -r requirements.in
        #   pandas
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.locks import Lock, LockKind, PinnedPackage
from lockmigrate.model.requirements import DeclaredRequirement, Origin, RequirementFile
from lockmigrate.names import canonicalize_name
from lockmigrate.sources.locks.header import read_header
from lockmigrate.sources.requirements import index_options, parse_bytes

__all__ = ["parse_lock_txt", "read_header"]

_VIA_RE = re.compile(r"^#\s*via\b\s*(?P<rest>.*)$")
_ITEM_RE = re.compile(r"^#\s+(?P<item>\S.*)$")
_NAME_RE = re.compile(
    r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?(?:\s+\((?P<file>.+)\))?$"
)


@dataclass(slots=True)
class _Entry:
    """A pin of pip-compile output, with its ``# via`` annotations as they are read."""

    requirement: DeclaredRequirement
    parents: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)


def _add_via_item(entry: _Entry, item: str) -> None:
    item = item.strip().rstrip(",")
    if not item:
        return
    if item.startswith(("-r ", "-c ")):
        entry.sources.append(item)
        return
    match = _NAME_RE.match(item)
    if match is None:
        entry.sources.append(item)  # something pip-compile added that is not a package
        return
    if match.group("file"):
        # "my-project (pyproject.toml)": declared by a project file, not by a package
        entry.sources.append(match.group("file"))
        return
    name = canonicalize_name(match.group("name"))
    if name not in entry.parents:
        entry.parents.append(name)


def _annotations(file: RequirementFile) -> list[_Entry]:
    entries: list[_Entry] = []
    current: _Entry | None = None
    in_via = False
    for line in file.lines:
        requirement = line.requirement
        if requirement is not None:
            current = _Entry(requirement)
            entries.append(current)
            in_via = False
            comment = line.comment or ""
            match = _VIA_RE.match(comment)
            if match is not None:
                for item in match.group("rest").split(","):
                    _add_via_item(current, item)
            continue
        if line.content:  # an option line ends the annotations of the pin above it
            current, in_via = None, False
            continue
        if current is None:
            continue
        note = line.comment
        if note is None:
            in_via = False
            continue
        raw = file.raw_text(line)
        indented = raw[:1] in {" ", "\t"}
        if not indented:
            # An unindented comment closes the annotation block (pip-compile's footer).
            current, in_via = None, False
            continue
        match = _VIA_RE.match(note)
        if match is not None:
            in_via = True
            rest = match.group("rest").strip()
            if rest:
                _add_via_item(current, rest)
            continue
        item = _ITEM_RE.match(note)
        if in_via and item is not None:
            _add_via_item(current, item.group("item"))
    return entries


def parse_lock_txt(
    data: bytes, *, path: Path, display: str | None = None, collector: Collector | None = None
) -> Lock:
    """Read pip-compile output from ``data``; ``path`` resolves relative paths in it.

    Raises :class:`InputError` for a malformed file or a package pinned twice.
    """
    shown = display or path.as_posix()
    file = parse_bytes(data, path=path, display=shown, collector=collector or Collector())
    packages: list[PinnedPackage] = []
    seen: dict[str, Origin] = {}
    for entry in _annotations(file):
        requirement = entry.requirement
        if requirement.constraint or requirement.name is None:
            continue  # an unnamed URL cannot be compared with a declared range
        name = requirement.name
        if name in seen:
            raise InputError(
                f"{name} is pinned twice in a lock (first at line {seen[name].line})",
                origin=requirement.origin,
                text=requirement.text,
            )
        seen[name] = requirement.origin
        version: str | None = None
        if requirement.specifier.startswith("==") and "," not in requirement.specifier:
            version = requirement.specifier.removeprefix("==").removeprefix("=")
        packages.append(
            PinnedPackage(
                name=name,
                version=version,
                origin=requirement.origin,
                parents=tuple(entry.parents),
                sources=tuple(entry.sources),
                marker=requirement.marker,
                url=requirement.url,
            )
        )
    has_graph = any(p.parents or p.sources for p in packages) or not packages
    return Lock(
        path=path,
        display=shown,
        kind=LockKind.PIP_COMPILE,
        packages=tuple(packages),
        has_graph=has_graph,
        index_options=tuple(index_options(file)),
        header=read_header(data[:4096].decode("utf-8", errors="replace")),
    )
