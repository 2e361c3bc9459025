"""Same-name entries of one group, combined as Poetry needs them: a list of tables with
markers where pip had lines for different environments, or one entry when they agree.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# packaging before poetry.core: see lockmigrate.specifiers.
from packaging.specifiers import SpecifierSet

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import (
    RequirementKind,
)
from lockmigrate.targets.poetry.entries import ServiceWriter, marker_suffix
from lockmigrate.targets.poetry.options import (
    Entry,
)


def _without_marker(entry: Entry) -> str | None:
    """The entry's PEP 508 string without its ``; marker``."""
    if entry.pep508 is None or entry.requirement is None or not entry.requirement.marker:
        return entry.pep508
    return entry.pep508.removesuffix(marker_suffix(entry.requirement))


def _table_with_marker(
    value: dict[str, Any] | str | list[dict[str, Any]], marker: str | None
) -> dict[str, Any]:
    if isinstance(value, list):  # lists are made from single values, never passed in
        raise TypeError("a multiple-constraints list has no single marker")
    table = dict(value) if isinstance(value, dict) else {"version": value}
    table.pop("markers", None)
    if marker:
        table["markers"] = marker
    return table


@dataclass(frozen=True, slots=True)
class _Case:
    """The lines of one name that apply together, where ``marker`` holds."""

    marker: str | None
    members: tuple[Entry, ...]


def _cases(entries: Sequence[Entry]) -> tuple[list[_Case], bool]:
    """Split the lines of one name into cases with markers that never hold together, as pip
    reads them: where several lines' markers hold, all of them apply (their specifiers
    intersect, their extras add up). Returns the cases and whether they are the lines'
    own groups (same marker, or markers that never overlap) rather than a split of them."""
    from poetry.core.version.markers import AnyMarker, BaseMarker, parse_marker

    groups: dict[str | None, list[Entry]] = {}
    for entry in entries:
        marker = entry.requirement.marker if entry.requirement is not None else None
        groups.setdefault(marker or None, []).append(entry)
    if len(groups) == 1:
        ((only, lines),) = groups.items()
        return [_Case(only, tuple(lines))], True
    parsed: dict[str | None, BaseMarker] = {
        marker: parse_marker(marker) if marker else AnyMarker() for marker in groups
    }
    if all(parsed[a].intersect(parsed[b]).is_empty() for a, b in itertools.combinations(groups, 2)):
        return [_Case(marker, tuple(members)) for marker, members in groups.items()], True
    if len(groups) > 4:
        first = entries[0]
        raise InputError(
            f"{first.name} is on {len(entries)} lines whose markers overlap in too many ways "
            "to write as Poetry constraints; merge them into fewer lines",
            origin=first.origin,
        )
    cases: list[_Case] = []
    keys = list(groups)
    for size in range(len(keys), 0, -1):
        for chosen in itertools.combinations(keys, size):
            where: BaseMarker = AnyMarker()
            for key in keys:
                part = parsed[key] if key in chosen else parsed[key].invert()
                where = where.intersect(part)
            if where.is_empty():
                continue
            members = tuple(entry for key in chosen for entry in groups[key])
            cases.append(_Case(str(where) or None, members))
    return cases, False


@dataclass(frozen=True, slots=True)
class _Carried:
    """The comments a case's entry carries: those of its lines that no earlier case did."""

    comment: str | None
    leading: tuple[str, ...]
    trailing: tuple[str, ...]


def _carried(case: _Case, emitted: set[int]) -> _Carried:
    fresh = [e for e in case.members if id(e) not in emitted]
    emitted.update(id(e) for e in case.members)
    comments = [
        text for text in (e.comment.lstrip("#").strip() for e in fresh if e.comment) if text
    ]
    return _Carried(
        comment="# " + "; ".join(comments) if comments else None,
        leading=tuple(text for e in fresh for text in e.leading),
        trailing=tuple(text for e in fresh for text in e.trailing),
    )


def _merge_case(case: _Case, writer: ServiceWriter, emitted: set[int]) -> Entry:
    """One entry for the lines of a case: the intersection of their specifiers and the
    union of their extras, under the case's marker. ``emitted`` holds the lines whose
    comments an earlier case already carries."""
    carried = _carried(case, emitted)
    if len(case.members) == 1:
        return _single(case, carried)
    return _intersection(case, writer, carried)


def _single(case: _Case, carried: _Carried) -> Entry:
    first = case.members[0]
    base = _without_marker(first)
    suffix = f" ; {case.marker}" if case.marker else ""
    keep_table = not case.marker and isinstance(first.table, str)
    return dataclasses.replace(
        first,
        comment=carried.comment,
        leading=carried.leading,
        trailing=carried.trailing,
        pep508=None if base is None else base + suffix,
        table=first.table if keep_table else _table_with_marker(first.table, case.marker),
        requirement=None,
    )


def _intersection(case: _Case, writer: ServiceWriter, carried: _Carried) -> Entry:
    first = case.members[0]
    requirements = [e.requirement for e in case.members]
    named = [r for r in requirements if r is not None and r.kind is RequirementKind.NAMED]
    if len(named) != len(requirements):
        lines = ", ".join(str(e.origin) for e in case.members)
        raise InputError(
            f"{first.name} is on several lines that apply together ({lines}) and one of them "
            "is a URL, git or path requirement: Poetry cannot combine them. Keep one line "
            "for that case (a marker can tell them apart)",
            origin=case.members[-1].origin,
        )
    specifier = str(SpecifierSet(",".join(r.specifier for r in named if r.specifier)))
    writer.prove(specifier, specifier, first.origin, as_pep508=True)
    writer.prove(specifier, specifier or "*", first.origin, as_pep508=False)
    extras = sorted({extra for r in named for extra in r.extras})
    table: dict[str, Any] | str = specifier or "*"
    if extras or case.marker:
        table = {"version": specifier or "*"}
        if extras:
            table["extras"] = extras
        if case.marker:
            table["markers"] = case.marker
    shown_extras = f"[{','.join(extras)}]" if extras else ""
    suffix = f" ; {case.marker}" if case.marker else ""
    return Entry(
        name=first.name,
        key=first.key,
        pep508=f"{first.name}{shown_extras}{specifier}{suffix}",
        table=table,
        comment=carried.comment,
        origin=first.origin,
        requirement=None,
        leading=carried.leading,
        trailing=carried.trailing,
    )


def combine_entries(entries: list[Entry], *, as_table: bool, writer: ServiceWriter) -> list[Entry]:
    """The entries of one destination, each name on as many lines as pip's reading needs.

    A ``[project]``/``[dependency-groups]`` array keeps every line as it is (PEP 621 and
    PEP 735 allow a name on several lines), unless the lines' markers overlap without being
    equal, which Poetry misreads: then the lines are split into cases that never overlap. A
    ``[tool.poetry]`` table holds each name once: lines with the same marker are merged,
    lines with different markers become Poetry's multiple-constraints list."""
    by_key: dict[str, list[Entry]] = {}
    for entry in entries:
        by_key.setdefault(entry.key, []).append(entry)
    combined: list[Entry] = []
    for key, same in by_key.items():
        if len(same) == 1:
            combined.append(same[0])
            continue
        cases, own_groups = _cases(same)
        if not as_table:
            if own_groups:
                combined.extend(same)
                continue
            writer.collector.info(
                "poetry-overlapping-markers",
                f"{same[0].name} is on {len(same)} lines whose markers overlap: written as "
                f"{len(cases)} lines whose markers do not (Poetry reads overlapping lines of "
                "one name as alternatives, pip applies all of them)",
                same[0].origin,
            )
            emitted: set[int] = set()
            combined.extend(_merge_case(case, writer, emitted) for case in cases)
            continue
        emitted = set()
        merged = [_merge_case(case, writer, emitted) for case in cases]
        if len(merged) == 1:
            combined.append(merged[0])
            continue
        values = [_table_with_marker(m.table, None) for m in merged]
        for value, case in zip(values, cases, strict=True):
            if case.marker:
                value["markers"] = case.marker
        comments = [m.comment.lstrip("#").strip() for m in merged if m.comment]
        combined.append(
            Entry(
                name=same[0].name,
                key=key,
                pep508=None,
                table=values,
                comment="# " + "; ".join(comments) if comments else None,
                origin=same[0].origin,
                leading=tuple(text for m in merged for text in m.leading),
                trailing=tuple(text for m in merged for text in m.trailing),
            )
        )
    return combined
