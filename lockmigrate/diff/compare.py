"""What a lock holds compared with the ranges that were declared, and with what the index
offers; and what changed between two locks. Pure functions of the model: no I/O.

``diff_against_lock`` gives one :class:`DiffRow` per package with a :class:`Status`:

* ``missing``: declared (and its marker applies to the lock's environment) but not in the
  lock;
* ``out-of-range``: the locked version violates a declared range;
* ``unguarded``: a transitive package that no declared range bounds, with a newer major
  version on the index (numpy 2 arriving through pandas) that a re-lock would take;
* ``behind``: a newer version is allowed (by the ranges, or for a transitive package by
  nothing at all) and a re-lock with upgrades would move to it;
* ``capped``: a newer version is allowed by the ranges, but another pin keeps it (botocore
  by boto3's ``botocore<1.43``): a re-lock with upgrades would not move it;
* ``held``: a newer version exists outside the range: the range is doing its job;
* ``ok``: none of the above.

Whether a re-lock would move a package is learnt from a :class:`Relock`: the lock a resolver
makes of the same inputs with upgrades allowed. Without one (``--no-relock-check``, or the
resolver failed) ``behind`` and ``unguarded`` only say that the ranges allow newer. Beside
its status a row may be flagged ``yanked`` (PEP 592), with the index's reason.

"Major" is the first release segment, except for calendar versions: when both versions
start with a number of 1000 or more (a year, ``2024.1``; a date, ``20240105``), the first
segment counts time, not a compatibility promise, and no change of it is a new major.

``diff_locks`` compares two locks: added, removed, upgraded, downgraded, each upgrade or
downgrade tagged ``major``/``minor``/``patch``, and whether the new version stays inside
the declared ranges.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from lockmigrate.diff.model import (
    Change,
    DeclaredRange,
    DiffRow,
    DiffSection,
    Level,
    LockChange,
    LockDiffReport,
    Relock,
    RelockCheck,
    Status,
)
from lockmigrate.environment import TargetEnvironment, target_environment
from lockmigrate.model.locks import Lock, PinnedPackage

if TYPE_CHECKING:
    from packaging.requirements import Requirement

    from lockmigrate.index import ProjectVersions

__all__ = [
    "chain_to_declared",
    "diff_against_lock",
    "diff_locks",
    "metadata_wanted",
    "needs_relock",
]


# --- helpers --------------------------------------------------------------------------


def _version(text: str | None) -> Version | None:
    if text is None:
        return None
    try:
        return Version(text)
    except InvalidVersion:
        return None


@dataclass(frozen=True, slots=True)
class _Declared:
    specifier: SpecifierSet
    shown: str
    origin: str | None
    required: bool  # some declaration requires it (not only -c)
    applies: bool  # some requiring declaration's marker is true here
    markers: tuple[str, ...]
    bounds: bool = True  # some declaration's marker is true here: it bounds the lock


@lru_cache(maxsize=4096)
def _specifier_set(*texts: str) -> SpecifierSet:
    """The intersection of ``texts`` (each valid), built once: many packages share a range
    text, and packaging works out a set's version ranges the first time it is asked."""
    specifier = SpecifierSet()
    for text in texts:
        specifier &= SpecifierSet(text)
    return specifier


def _valid(text: str) -> bool:
    try:
        _specifier_set(text)
    except InvalidSpecifier:
        return False
    return True


def _combine(
    ranges: Sequence[DeclaredRange], environment: TargetEnvironment
) -> dict[str, _Declared]:
    """The declarations of each name, intersected. A declaration whose marker is false for
    ``environment`` does not bound the lock (``six==1.16.0; python_version < "3.10"`` in a
    lock for 3.11); when none applies, every one is shown (and intersected, for the newest
    version it allows) but none bounds the lock."""
    grouped: dict[str, list[DeclaredRange]] = {}
    for declared in ranges:
        grouped.setdefault(declared.name, []).append(declared)
    combined: dict[str, _Declared] = {}
    for name, items in grouped.items():
        texts: list[str] = []
        shown: list[str] = []
        applicable = [item for item in items if environment.applies(item.marker)]
        for item in applicable or items:
            if not _valid(item.specifier):
                continue
            texts.append(item.specifier)
            if item.specifier and item.specifier not in shown:
                shown.append(item.specifier)
        requiring = [item for item in items if not item.constraint]
        first = ([i for i in requiring if i in applicable] or requiring or items)[0]
        combined[name] = _Declared(
            specifier=_specifier_set(*texts),
            shown=", ".join(shown),
            origin=str(first.origin) if first.origin is not None else None,
            required=bool(requiring),
            applies=any(item in applicable for item in requiring),
            markers=tuple(item.marker for item in requiring if item.marker),
            bounds=bool(applicable),
        )
    return combined


def chain_to_declared(
    name: str, packages: Mapping[str, PinnedPackage], declared: Iterable[str]
) -> tuple[str, ...]:
    """The shortest chain of parents from a declared package (or, failing that, a package
    nothing requires) down to ``name``'s direct parent; ``()`` when the lock has no graph."""
    roots = set(declared)
    start = packages.get(name)
    if start is None or not start.parents:
        return ()
    queue: deque[tuple[str, tuple[str, ...]]] = deque((p, (p,)) for p in start.parents)
    seen = {name}
    fallback: tuple[str, ...] = ()
    while queue:
        current, path = queue.popleft()
        if current in seen:
            continue
        seen.add(current)
        if current in roots:
            return tuple(reversed(path))
        parent = packages.get(current)
        if parent is None or not parent.parents:
            fallback = fallback or tuple(reversed(path))
            continue
        queue.extend((p, (*path, p)) for p in parent.parents)
    return fallback


def _newest(
    available: ProjectVersions | None,
    python: str | None,
    allow_pre: bool,
    environment: TargetEnvironment | None,
    specifier: SpecifierSet | None,
) -> tuple[Version | None, Version | None]:
    """The newest version a resolver could pick for ``python``, and the newest that
    ``specifier`` also allows (the same when ``None``): not yanked, not a pre-release unless
    allowed, and with a file that installs there (its ``Requires-Python`` and, with an
    ``environment``, its wheel tags). Versions are read newest first (the index lists them
    in ascending order) and only until both are found: the costlier checks of files and
    tags are made for a few versions, not for numpy's hundred."""
    if available is None:
        return None, None
    installs_wheel = environment.installs_wheel if environment is not None else None
    newest: Version | None = None
    for entry in reversed(available.versions):
        if entry.yanked or (not allow_pre and entry.version.is_prerelease):
            continue
        in_range = specifier is None or specifier.contains(entry.version, prereleases=True)
        if newest is not None and not in_range:
            continue  # the newest is known; only the newest in range is still sought
        if not entry.installable(python, installs_wheel):
            continue
        if newest is None:
            newest = entry.version
        if in_range:
            return newest, entry.version
    return newest, None


def _major(version: Version) -> int:
    return version.release[0] if version.release else 0


def _calendar(version: Version) -> bool:
    """A calendar version: its first segment is a year (``2024.1``) or a date
    (``20240105``), never a small major number."""
    return _major(version) >= 1000


def _new_major(old: Version, new: Version) -> bool:
    """Whether ``new`` is a new major version of ``old``: its first segment is greater,
    unless both are calendar versions (tzdata 2024.1 -> 2025.2 is a new year, not a break;
    a project moving from 3.2 to 2024.1 is a new scheme, and counts)."""
    if _calendar(old) and _calendar(new):
        return False
    return _major(new) > _major(old)


def _yank(available: ProjectVersions | None, locked: Version | None) -> tuple[bool, str | None]:
    """Whether the index has ``locked`` yanked (every file of it), and the reason given."""
    if available is None or locked is None:
        return False, None
    for entry in available.versions:
        if entry.version == locked:
            return entry.yanked, entry.yank_reason or None
    return False, None


# --- lock against ranges ----------------------------------------------------------------


def _status(
    item: _Declared | None,
    *,
    locked: bool,
    in_range: bool | None,
    locked_version: Version | None,
    newest: Version | None,
    newest_in_range: Version | None,
) -> tuple[Status, str | None]:
    """A row's status as the ranges and the index see it (before any re-lock check), and
    the note that explains a declared package left out."""
    if item is not None and item.required and not locked:
        if item.applies:
            return Status.MISSING, None
        return Status.OK, "not locked here: " + " or ".join(item.markers)
    if in_range is False:
        return Status.OUT_OF_RANGE, None
    if locked_version is None:
        return Status.OK, None
    guarded = item is not None
    new_major = newest is not None and _new_major(locked_version, newest)
    if newest_in_range is not None and newest_in_range > locked_version:
        return (Status.UNGUARDED if not guarded and new_major else Status.BEHIND), None
    if not guarded and new_major:
        return Status.UNGUARDED, None
    if guarded and newest is not None and newest > (newest_in_range or locked_version):
        return Status.HELD, None
    return Status.OK, None


def _after_relock(status: Status, locked: Version, relocked: Version) -> Status:
    """``status`` once the re-lock is known: ``behind`` and ``unguarded`` only when the
    re-lock moves the package (to a new major, for ``unguarded``), else ``capped``."""
    if status not in {Status.BEHIND, Status.UNGUARDED}:
        return status
    if relocked <= locked:
        return Status.CAPPED
    if status is Status.UNGUARDED and not _new_major(locked, relocked):
        return Status.BEHIND
    return status


@lru_cache(maxsize=8192)
def _requirement(text: str) -> Requirement | None:
    # imported here: its parser costs tens of milliseconds, and only a re-lock check needs it
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


_EXTRA = re.compile(r"""\bextra\s*==\s*['"]([^'"]+)['"]""")


def _requirements_on(texts: Iterable[str], name: str) -> list[Requirement]:
    found = []
    for text in texts:
        requirement = _requirement(text)
        if requirement is not None and _canonical(requirement.name) == name:
            found.append(requirement)
    return found


def _canonical(name: str) -> str:
    from lockmigrate.index.pages import canonical_name  # packaging.utils imports its tags

    return canonical_name(name)


def _parent_keeps(
    requirements: Sequence[Requirement],
    wanted: Version,
    environment: TargetEnvironment,
    extras: Iterable[str],
) -> list[Requirement]:
    """Which of a parent's requirements on a package keep it from ``wanted``: those that
    apply (their marker, for the extras the parent is known to be asked with) and exclude
    it; none when none is known to apply. A parent the re-lock says requires the package
    only through extras not known here keeps it when every extra's requirement excludes
    ``wanted`` (celery's ``redis<6; extra == "redis"``)."""
    asked = tuple(extras)
    applying = [r for r in requirements if environment.applies_with_extras(_marker(r), asked)]
    excluding = [r for r in applying if not r.specifier.contains(wanted, prereleases=True)]
    if applying:
        return excluding
    named = tuple(
        dict.fromkeys(extra for r in requirements for extra in _EXTRA.findall(_marker(r)))
    )
    applying = [r for r in requirements if environment.applies_with_extras(_marker(r), named)]
    excluding = [r for r in applying if not r.specifier.contains(wanted, prereleases=True)]
    return excluding if applying and len(excluding) == len(applying) else []


def _marker(requirement: Requirement) -> str:
    return str(requirement.marker) if requirement.marker is not None else ""


def _holders(name: str, wanted: Version, context: _Context) -> tuple[tuple[str, ...], list[str]]:
    """What keeps ``name`` below ``wanted`` in the re-lock, and why (``"celery (celery 5.4.0
    requires redis<6.0.0,>=4.5.2)"``): its parents there whose requirement excludes
    ``wanted``, and the packages ``wanted`` itself requires in versions the re-lock does not
    have (django-crispy-forms 2.7 needs Django 5.2, the lock keeps Django 4.2); failing
    those, the lock this one is layered on (``-c requirements.txt``), which pins it. Only what
    the metadata shows: a package whose metadata is missing is not blamed."""
    pinned = context.relocked[name]
    found = _parents_holding(name, wanted, pinned, context)
    for holder, reason in _requirements_holding(name, wanted, context):
        if holder not in found:
            found[holder] = reason
    if not found:
        # the lock this one is layered on pins it (its own ranges, -c constraints.txt, are
        # in ``wanted`` already); what holds it there is that lock's own story
        for source in pinned.sources:
            kind, _, file = source.partition(" ")
            if kind == "-c" and file not in context.declared_files:
                found[source] = f"{source} (the lock this one is layered on pins it)"
    return tuple(found), list(found.values())


def _parents_holding(
    name: str, wanted: Version, pinned: PinnedPackage, context: _Context
) -> dict[str, str]:
    """The parents of ``name`` in the re-lock whose requirement on it excludes ``wanted``,
    each with why."""
    found: dict[str, str] = {}
    for parent in pinned.parents:
        parent_pin = context.relocked.get(parent)
        if parent_pin is None or parent_pin.version is None:
            continue
        texts = context.relock.requirements.get((parent, parent_pin.version))
        if texts is None:
            continue
        keeping = _parent_keeps(
            _requirements_on(texts, name),
            wanted,
            context.environment,
            context.extras.get(parent, frozenset()),
        )
        if keeping:
            specifiers = ", ".join(dict.fromkeys(str(r.specifier) for r in keeping))
            found[parent] = f"{parent} ({parent} {parent_pin.version} requires {name}{specifiers})"
    return found


def _requirements_holding(name: str, wanted: Version, context: _Context) -> list[tuple[str, str]]:
    """The packages ``wanted`` requires in versions the re-lock does not have, each with
    why."""
    found: list[tuple[str, str]] = []
    own = context.relock.requirements.get((name, str(wanted)))
    for requirement in (r for text in own or () if (r := _requirement(text)) is not None):
        if not context.environment.applies_with_extras(
            _marker(requirement), context.extras.get(name, ())
        ):
            continue
        dependency = _canonical(requirement.name)
        dependency_pin = context.relocked.get(dependency)
        if dependency_pin is None or dependency_pin.version is None:
            continue
        version = _version(dependency_pin.version)
        if version is not None and not requirement.specifier.contains(version, prereleases=True):
            found.append(
                (
                    dependency,
                    f"{dependency} ({name} {wanted} requires {dependency}{requirement.specifier}; "
                    f"the re-lock keeps {dependency} {dependency_pin.version})",
                )
            )
    return found


def _asked_extras(
    declared: Sequence[DeclaredRange], relock: Relock | None
) -> dict[str, frozenset[str]]:
    """The extras each package is known to be asked with: by the declared requirements, and
    by the requirements of the packages whose metadata is at hand."""
    asked: dict[str, set[str]] = {}
    for item in declared:
        asked.setdefault(item.name, set()).update(item.extras)
    for texts in relock.requirements.values() if relock is not None else ():
        for text in texts:
            requirement = _requirement(text)
            if requirement is not None and requirement.extras:
                asked.setdefault(_canonical(requirement.name), set()).update(requirement.extras)
    return {name: frozenset(extras) for name, extras in asked.items()}


@dataclass(frozen=True, slots=True)
class _Context:
    """What a section's re-lock verdicts share."""

    relock: Relock
    relocked: Mapping[str, PinnedPackage]
    environment: TargetEnvironment
    extras: Mapping[str, frozenset[str]]
    declared_files: tuple[str, ...]


def _relock_verdict(
    name: str,
    status: Status,
    *,
    locked: Version,
    newest_in_range: Version | None,
    relocked_pin: PinnedPackage | None,
    context: _Context,
) -> tuple[Status, tuple[str, ...], str | None]:
    """A row's status once the re-lock is known, what holds it, and the note that says so."""
    relocked_version = _version(relocked_pin.version) if relocked_pin is not None else None
    if relocked_version is None:
        if status in {Status.BEHIND, Status.UNGUARDED} and relocked_pin is None:
            return status, (), "a re-lock with upgrades drops it"
        return status, (), None
    status = _after_relock(status, locked, relocked_version)
    if (
        status not in {Status.CAPPED, Status.BEHIND}
        or newest_in_range is None
        or relocked_version >= newest_in_range
    ):
        return status, (), None
    held_by, reasons = _holders(name, newest_in_range, context)
    shown = "; ".join(reasons) if reasons else "the other pins"
    return status, held_by, f"{newest_in_range} held back by {shown}"


def needs_relock(section: DiffSection) -> bool:
    """Whether a re-lock check could change a row of ``section``: some row is ``behind`` or
    ``unguarded`` (the only statuses it can change)."""
    return any(row.status in {Status.BEHIND, Status.UNGUARDED} for row in section.rows)


def metadata_wanted(section: DiffSection, relock: Lock) -> frozenset[tuple[str, str]]:
    """The ``(name, version)`` whose ``Requires-Dist`` would show what keeps the rows of
    ``section`` (compared with the re-lock ``relock``) below their newest allowed version:
    each such package's parents in the re-lock, and that newest version itself."""
    relocked = relock.by_name()
    wanted: set[tuple[str, str]] = set()
    for row in section.rows:
        if row.status not in {Status.CAPPED, Status.BEHIND} or row.relock is None:
            continue
        newest = _version(row.newest_in_range)
        relocked_version = _version(row.relock)
        if newest is None or relocked_version is None or relocked_version >= newest:
            continue
        wanted.add((row.name, str(newest)))
        pinned = relocked.get(row.name)
        for parent in pinned.parents if pinned is not None else ():
            parent_pin = relocked.get(parent)
            if parent_pin is not None and parent_pin.version is not None:
                wanted.add((parent, parent_pin.version))
    return frozenset(wanted)


def _join_notes(*notes: str | None) -> str | None:
    return "; ".join(note for note in notes if note) or None


def diff_against_lock(
    *,
    title: str,
    declared: Sequence[DeclaredRange],
    lock: Lock,
    available: Mapping[str, ProjectVersions] | None,
    python: str | None,
    declared_files: Sequence[str] = (),
    resolved: bool = False,
    allow_prereleases: bool = False,
    environment: TargetEnvironment | None = None,
    relock: Relock | None = None,
) -> DiffSection:
    """Compare ``lock`` with the ``declared`` ranges and, unless ``available`` is ``None``
    (offline), with the versions the index offers for ``python`` (their ``Requires-Python``
    and wheel tags). Markers are evaluated for ``environment`` (default: ``python`` on this
    platform). With a ``relock`` (the same inputs re-locked with upgrades allowed), ``behind``
    and ``unguarded`` rows that the re-lock does not move are ``capped``, with what holds them.

    Rows come declared packages first (in declaration order), then transitive ones by name.
    """
    if environment is None:
        environment = target_environment(python_version=python)
    ranges = _combine(declared, environment)
    packages = lock.by_name()
    section = _Section(
        ranges=ranges,
        packages=packages,
        required=frozenset(name for name, item in ranges.items() if item.required),
        available=available,
        python=python,
        allow_prereleases=allow_prereleases,
        environment=environment,
        relock=relock,
        relocked=relock.lock.by_name() if relock is not None else {},
        extras=_asked_extras(declared, relock),
        declared_files=tuple(declared_files),
    )
    names = list(dict.fromkeys(d.name for d in declared))
    names += sorted(name for name in packages if name not in ranges)
    return DiffSection(
        title=title,
        declared_files=tuple(declared_files),
        lock=lock.display,
        lock_kind=lock.kind.value,
        resolved=resolved,
        python=python,
        rows=tuple(_row(name, section) for name in names),
        environment=environment,
        made_by=lock.header.made_by,
        relock_check=RelockCheck.DONE if relock is not None else RelockCheck.OFF,
        relock_by=relock.made_by if relock is not None else None,
        relock_cached=relock is not None and relock.cached,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class _Section:
    """What every row of one section is compared with."""

    ranges: Mapping[str, _Declared]
    packages: Mapping[str, PinnedPackage]
    required: frozenset[str]  # the packages declared as requirements (not only -c)
    available: Mapping[str, ProjectVersions] | None
    python: str | None
    allow_prereleases: bool
    environment: TargetEnvironment
    relock: Relock | None
    relocked: Mapping[str, PinnedPackage]
    extras: Mapping[str, frozenset[str]]
    declared_files: tuple[str, ...]


@dataclass(frozen=True, slots=True, kw_only=True)
class _Facts:
    """What is known of one package before its status is decided."""

    declared: _Declared | None  # as declared
    item: _Declared | None  # the range that bounds it here (None: a range for elsewhere)
    pinned: PinnedPackage | None
    locked: Version | None
    project: ProjectVersions | None
    allow_pre: bool
    newest: Version | None
    newest_in_range: Version | None
    in_range: bool | None

    @property
    def unbounded(self) -> bool:
        """Declared only for other environments, yet locked for this one."""
        return self.declared is not None and self.item is None


def _facts(name: str, section: _Section) -> _Facts:
    declared = section.ranges.get(name)
    pinned = section.packages.get(name)
    # a range for another environment does not bound a package the lock has for this one
    item = None if declared is not None and not declared.bounds and pinned is not None else declared
    locked = _version(pinned.version) if pinned is not None else None
    project = section.available.get(name) if section.available is not None else None
    allow_pre = (
        section.allow_prereleases
        or bool(locked and locked.is_prerelease)
        or bool(item is not None and item.specifier.prereleases)
    )
    newest, newest_in_range = _newest(
        project,
        section.python,
        allow_pre,
        section.environment,
        item.specifier if item is not None else None,
    )
    in_range: bool | None = None
    if item is not None and locked is not None:
        in_range = item.specifier.contains(locked, prereleases=True)
    elif item is not None and pinned is not None and not item.shown:
        in_range = True
    return _Facts(
        declared=declared,
        item=item,
        pinned=pinned,
        locked=locked,
        project=project,
        allow_pre=allow_pre,
        newest=newest,
        newest_in_range=newest_in_range,
        in_range=in_range,
    )


def _row(name: str, section: _Section) -> DiffRow:
    facts = _facts(name, section)
    status, note = _status(
        facts.item,
        locked=facts.pinned is not None,
        in_range=facts.in_range,
        locked_version=facts.locked,
        newest=facts.newest,
        newest_in_range=facts.newest_in_range,
    )
    relocked_pin = section.relocked.get(name)
    held_by: tuple[str, ...] = ()
    relock_note: str | None = None
    if section.relock is not None and facts.locked is not None:
        status, held_by, relock_note = _relock_verdict(
            name,
            status,
            locked=facts.locked,
            newest_in_range=facts.newest_in_range,
            relocked_pin=relocked_pin,
            context=_Context(
                relock=section.relock,
                relocked=section.relocked,
                environment=section.environment,
                extras=section.extras,
                declared_files=section.declared_files,
            ),
        )
    project = facts.project
    if project is not None and project.error is not None and status not in _KNOWN_OFFLINE:
        # what the lock and the ranges say holds; whether anything newer exists is not
        # known, so the row must not read "ok" (or "held")
        status = Status.UNKNOWN
    yanked, yank_reason = _yank(project, facts.locked)
    pinned, declared = facts.pinned, facts.declared
    return DiffRow(
        name=name,
        declared=declared.shown if declared is not None else None,
        origin=declared.origin if declared is not None else None,
        locked=_shown_pin(pinned),
        in_range=facts.in_range,
        newest_in_range=_text(facts.newest_in_range),
        newest=_text(facts.newest),
        status=status,
        via=chain_to_declared(name, section.packages, section.required)
        if name not in section.required
        else (),
        error=project.error if project is not None else None,
        note=_join_notes(_row_note(note, facts, section.environment), relock_note),
        relock=relocked_pin.version if relocked_pin is not None else None,
        held_by=held_by,
        yanked=yanked,
        yank_reason=yank_reason,
    )


#: statuses the lock and the ranges decide alone, whatever the index says
_KNOWN_OFFLINE = frozenset({Status.OUT_OF_RANGE, Status.MISSING})


def _shown_pin(pinned: PinnedPackage | None) -> str | None:
    """The locked version, else the URL a pin without a version points at."""
    if pinned is None:
        return None
    return pinned.version if pinned.version is not None else pinned.url


def _text(version: Version | None) -> str | None:
    return str(version) if version is not None else None


def _row_note(note: str | None, facts: _Facts, environment: TargetEnvironment) -> str | None:
    """The row's note: ``note`` (from its status), or what the index and the markers add."""
    if facts.unbounded and facts.declared is not None:
        note = "declared only for: " + " or ".join(facts.declared.markers)
    project = facts.project
    if project is None or project.error is not None:
        return note
    if not project.found:
        return "not found on the index"
    if facts.newest is None and any(
        not entry.yanked and (facts.allow_pre or not entry.version.is_prerelease)
        for entry in project.versions
    ):
        # releases exist, but none installs here: say so rather than look "ok" by silence
        return _join_notes(note, f"no release installs on {environment.describe()}")
    return note


# --- lock against lock --------------------------------------------------------------------


def _level(old: Version, new: Version) -> Level:
    old_release = (*old.release, 0, 0)
    new_release = (*new.release, 0, 0)
    if old_release[0] != new_release[0]:
        return Level.MAJOR
    if old_release[1] != new_release[1]:
        return Level.MINOR
    return Level.PATCH


def diff_locks(
    *,
    old: Lock,
    new: Lock,
    declared: Sequence[DeclaredRange] = (),
    declared_files: Sequence[str] = (),
    environment: TargetEnvironment | None = None,
) -> LockDiffReport:
    """What changed from ``old`` to ``new``, each change checked against ``declared`` (its
    markers evaluated for ``environment``, by default the one ``new``'s header names)."""
    if environment is None:
        environment = target_environment(lock_python=new.header.python_version)
    ranges = _combine(declared, environment)
    required = {name for name, item in ranges.items() if item.required}
    before, after = old.by_name(), new.by_name()
    rows: list[LockChange] = []
    unchanged = 0
    for name in sorted(set(before) | set(after)):
        was, now = before.get(name), after.get(name)
        if was is not None and now is not None and _pin_text(was) == _pin_text(now):
            unchanged += 1
            continue
        change, level = _change(was, now)
        item = ranges.get(name)
        new_version = _version(now.version) if now is not None else None
        in_range: bool | None = None
        if item is not None and item.bounds and new_version is not None:
            in_range = item.specifier.contains(new_version, prereleases=True)
        graph = after if now is not None else before
        rows.append(
            LockChange(
                name=name,
                old=_pin_text(was),
                new=_pin_text(now),
                change=change,
                level=level,
                declared=item.shown if item is not None else None,
                origin=item.origin if item is not None else None,
                in_range=in_range,
                status=_change_status(item, was, now, change, in_range),
                via=chain_to_declared(name, graph, required) if name not in required else (),
            )
        )
    return LockDiffReport(
        old=old.display,
        new=new.display,
        declared_files=tuple(declared_files),
        rows=tuple(rows),
        unchanged=unchanged,
    )


def _pin_text(pin: PinnedPackage | None) -> str | None:
    """A pin as compared between two locks: its version, else its URL."""
    return (pin.version or pin.url) if pin is not None else None


def _change(was: PinnedPackage | None, now: PinnedPackage | None) -> tuple[Change, Level | None]:
    """What kind of change ``was`` to ``now`` is, and for a new version its level."""
    if was is None:
        return Change.ADDED, None
    if now is None:
        return Change.REMOVED, None
    old_version, new_version = _version(was.version), _version(now.version)
    if old_version is not None and new_version is not None and old_version != new_version:
        change = Change.UPGRADED if new_version > old_version else Change.DOWNGRADED
        return change, _level(old_version, new_version)
    return Change.CHANGED, None


def _change_status(
    item: _Declared | None,
    was: PinnedPackage | None,
    now: PinnedPackage | None,
    change: Change,
    in_range: bool | None,
) -> Status:
    """A change's status: a required package gone, a new version out of range, a transitive
    package that moved to a new major, else ok."""
    if item is not None and item.required and now is None and item.applies:
        return Status.MISSING
    if in_range is False:
        return Status.OUT_OF_RANGE
    if item is None and change is Change.UPGRADED and was is not None and now is not None:
        old_version, new_version = _version(was.version), _version(now.version)
        if (
            old_version is not None
            and new_version is not None
            and _new_major(old_version, new_version)
        ):
            return Status.UNGUARDED
    return Status.OK
