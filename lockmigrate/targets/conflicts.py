"""Why a resolution failed, in the user's own terms: which range, at which ``file:line``.

A resolver reports an impossible range against the scratch file it compiled
(``requirements.in``, which may not exist yet) and in its own words, sometimes with every
version the index has. When the words name a package, the ranges the user declared for it
(in the file and the files it includes), the pins of the locks it is layered on and the
versions the resolver listed are enough to say what is wrong: two ranges that allow no
version together, a range that excludes a layered lock's pin, or a range no release
satisfies. Pure: the caller reads the files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lockmigrate.model.requirements import Origin
from lockmigrate.resolve import ignored_for_python
from lockmigrate.specifiers import nearest_versions, witness_versions

__all__ = ["Declared", "Explanation", "Pinned", "explain"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Declared:
    """A range the user wrote for ``name``, where."""

    name: str  # canonical
    specifier: str
    origin: Origin


@dataclass(frozen=True, slots=True, kw_only=True)
class Pinned:
    """A pin of a lock the file is layered on (``-c``), and the line that layers it."""

    name: str  # canonical
    version: str
    lock: str  # the lock, as shown
    origin: Origin


@dataclass(frozen=True, slots=True, kw_only=True)
class Explanation:
    origin: Origin  # the range to look at
    summary: str  # one line: the conflict, briefly


def _mentioned(message: str, names: Sequence[str]) -> list[str]:
    """``names`` that ``message`` mentions, in the order it first mentions them."""
    lowered = message.lower()
    found: list[tuple[int, str]] = []
    for name in dict.fromkeys(names):
        pattern = re.escape(name).replace(r"\-", "[-_.]")
        match = re.search(rf"(?<![\w.-]){pattern}(?![\w-])", lowered)
        if match is not None:
            found.append((match.start(), name))
    return [name for _, name in sorted(found)]


def _allows_none(specifiers: Sequence[str]) -> bool:
    """Whether no version satisfies every one of ``specifiers``: none of the versions at
    and around their bounds does (where an intersection would have to show)."""
    combined = ",".join(specifiers)
    try:
        both = SpecifierSet(combined)
        witnesses = witness_versions(combined)
    except InvalidSpecifier:
        return False
    return not any(both.contains(version, prereleases=True) for version in witnesses)


def _contains(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return True


_FROM_VERSIONS = re.compile(
    r"satisfies the requirement (?P<requirement>[^\s(]+)[^\n]*?"
    r"\(from versions: (?P<versions>[^)]*)\)"
)
_UV_ONLY = re.compile(
    r"only (?P<name>[\w.-]+)(?P<bound><=|<|==)(?P<version>[\w.!+-]+) (?:is|are) available"
)
_UV_NONE = re.compile(
    r"there (?:are|is) no versions? of (?P<name>[A-Za-z0-9][\w.-]*?)(?P<spec>[<>=!~][^\s,]*)?"
    r"(?=[\s,]|$)|(?P<missing>[\w.-]+) was not found in the package registry"
)


def _listed_versions(message: str, name: str) -> list[Version] | None:
    """The versions pip says the index has for ``name`` (``from versions: ...``), if it
    listed them."""
    for match in _FROM_VERSIONS.finditer(message):
        written = re.split(r"[<>=!~;\[ ]", match.group("requirement"), maxsplit=1)[0]
        if canonicalize_name(written) != name:
            continue
        versions: list[Version] = []
        for text in match.group("versions").split(","):
            try:
                versions.append(Version(text.strip()))
            except InvalidVersion:
                continue
        return versions
    return None


def explain(
    message: str, *, declared: Sequence[Declared], pinned: Sequence[Pinned] = ()
) -> Explanation | None:
    """What the resolver's ``message`` is about, for the first package it names that the
    user constrains: ``None`` when it cannot be told (then the resolver's words stand alone).

    ``declared`` holds every range that applies, in the order pip reads them (included
    files before the lines after the include); the origin reported is the later of two
    conflicting ranges, so a file's own line wins over the base it includes."""
    for name in _mentioned(message, [d.name for d in declared] + [p.name for p in pinned]):
        ranges = [d for d in declared if d.name == name and d.specifier]
        found = (
            _ranges_conflict(name, ranges)
            or _pin_excluded(name, ranges, [p for p in pinned if p.name == name])
            or (_no_release(message, name, ranges) if ranges else None)
        )
        if found is not None:
            return found
    return None


def _ranges_conflict(name: str, ranges: Sequence[Declared]) -> Explanation | None:
    """Two ranges of ``name`` that no version satisfies together."""
    for later_index, later in enumerate(ranges):
        for earlier in ranges[:later_index]:
            if _allows_none([earlier.specifier, later.specifier]):
                return Explanation(
                    origin=later.origin,
                    summary=f"{name}{later.specifier} conflicts with "
                    f"{name}{earlier.specifier} at {earlier.origin}: no version "
                    "satisfies both",
                )
    return None


def _pin_excluded(
    name: str, ranges: Sequence[Declared], pins: Sequence[Pinned]
) -> Explanation | None:
    """A range of ``name`` that excludes the version a base lock pins."""
    for pin in pins:
        for declared_range in ranges:
            if not _contains(declared_range.specifier, pin.version):
                return Explanation(
                    origin=declared_range.origin,
                    summary=f"{name}{declared_range.specifier} excludes "
                    f"{name}=={pin.version}, which {pin.lock} pins (this file is layered "
                    f"on it at {pin.origin}): change the range, or re-lock {pin.lock} "
                    "within it",
                )
    return None


def _no_release(message: str, name: str, ranges: Sequence[Declared]) -> Explanation | None:
    """The ranges of ``name`` that no release on the index satisfies, as pip's message
    lists the releases or as uv's says it."""
    combined = ",".join(r.specifier for r in ranges)
    shown = (
        f"{name}{ranges[0].specifier}"
        if len(ranges) == 1
        else " and ".join(f"{name}{r.specifier} ({r.origin})" for r in ranges)
    )
    try:
        empty = SpecifierSet(combined).is_unsatisfiable()
    except InvalidSpecifier:
        empty = False
    if empty:  # no index could help: say so, not which releases come near
        allow = (
            "allows no version: its bounds exclude each other"
            if len(ranges) == 1
            else ("allow no version together")
        )
        return Explanation(origin=ranges[-1].origin, summary=f"{shown} {allow}")
    versions = _listed_versions(message, name)
    if versions is not None:
        summary = _pip_no_release(message, name, versions, combined, shown)
        return None if summary is None else Explanation(origin=ranges[-1].origin, summary=summary)
    for only in _UV_ONLY.finditer(message):
        if canonicalize_name(only.group("name")) == name:
            return Explanation(
                origin=ranges[-1].origin,
                summary=f"no release of {name} satisfies {shown}: the newest is "
                f"{only.group('version')}",
            )
    for none in _UV_NONE.finditer(message):
        if canonicalize_name(none.group("name") or none.group("missing")) != name:
            continue
        summary = (
            f"no release of {name} satisfies {shown}"
            if none.group("spec")
            else f"the index has no release of {name} ({shown})"
        )
        return Explanation(origin=ranges[-1].origin, summary=summary)
    return None


def _pip_no_release(
    message: str, name: str, versions: list[Version], combined: str, shown: str
) -> str | None:
    """Why none of the releases pip listed satisfies ``combined``; ``None`` when one does
    (the conflict is elsewhere)."""
    try:
        allowed = SpecifierSet(combined)
    except InvalidSpecifier:
        return None
    if any(allowed.contains(v, prereleases=True) for v in versions):
        return None
    needs = sorted(
        {need for version, need in ignored_for_python(message) if _contains(combined, version)}
    )
    if needs:
        return (
            f"every release of {name} that {shown} allows needs another Python ({', '.join(needs)})"
        )
    if not versions:
        return f"the index has no release of {name} ({shown})"
    nearest = ", ".join(str(v) for v in nearest_versions(versions, combined))
    return (
        f"no release of {name} satisfies {shown}: the nearest are {nearest} "
        f"({len(versions)} releases in all)"
    )
