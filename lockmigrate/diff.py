"""What a lock holds compared with the ranges that were declared, and with what the index
offers; and what changed between two locks. Pure functions of the model: no I/O.

``diff_against_lock`` gives one :class:`DiffRow` per package with a :class:`Status`:

* ``missing``: declared (and its marker applies to the lock's environment) but not in the
  lock;
* ``out-of-range``: the locked version violates a declared range;
* ``unguarded``: a transitive package that no declared range bounds, with a newer major
  version on the index (numpy 2 arriving through pandas);
* ``behind``: a newer version is allowed (by the ranges, or for a transitive package by
  nothing at all);
* ``held``: a newer version exists outside the range: the range is doing its job;
* ``ok``: none of the above.

``diff_locks`` compares two locks: added, removed, upgraded, downgraded, each upgrade or
downgrade tagged ``major``/``minor``/``patch``, and whether the new version stays inside
the declared ranges.
"""

from __future__ import annotations

import enum
from collections import Counter, deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from lockmigrate.environment import TargetEnvironment, target_environment
from lockmigrate.lock import Lock, PinnedPackage
from lockmigrate.model import Origin
from lockmigrate.statuses import Status, parse_statuses

if TYPE_CHECKING:
    from lockmigrate.index import ProjectVersions

__all__ = [
    "Change",
    "DeclaredRange",
    "DiffReport",
    "DiffRow",
    "DiffSection",
    "Level",
    "LockChange",
    "LockDiffReport",
    "Status",
    "diff_against_lock",
    "diff_locks",
    "parse_statuses",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredRange:
    """One declaration of a package: its PEP 440 specifier (``""`` for any version), where
    it was written, and whether it only constrains (``-c``) rather than requires."""

    name: str
    specifier: str
    origin: Origin | None
    marker: str | None = None
    constraint: bool = False
    url: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffRow:
    """One package of a lock-against-ranges diff. ``declared`` is ``None`` for a transitive
    package; ``via`` is the chain that pulls it in, from a declared package down to its
    direct parent."""

    name: str
    declared: str | None
    origin: str | None
    locked: str | None
    in_range: bool | None
    newest_in_range: str | None
    newest: str | None
    status: Status
    via: tuple[str, ...] = ()
    error: str | None = None
    note: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffSection:
    """The rows of one declared input compared with one lock; or, when its ranges could
    not be resolved now, no rows and the resolver's ``error``."""

    title: str
    declared_files: tuple[str, ...]
    lock: str | None
    lock_kind: str | None
    resolved: bool  # the lock was resolved now, not read from a file
    python: str | None
    rows: tuple[DiffRow, ...]
    environment: TargetEnvironment | None = None  # what markers were evaluated for
    made_by: str | None = None  # "pip-compile" or "uv pip compile", as the lock's header says
    error: str | None = None  # the resolver failed on this input: no rows

    @property
    def lock_label(self) -> str:
        """How the lock was obtained, for people: ``resolved now by uv pip compile, not
        written``, else the tool its header names, else its format."""
        if self.resolved:
            by = f" by {self.made_by}" if self.made_by else ""
            return f"resolved now{by}, not written"
        return self.made_by or self.lock_kind or ""


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffReport:
    """Every section of a ``lockmigrate diff`` run."""

    sections: tuple[DiffSection, ...]
    offline: bool
    index: tuple[str, ...]  # the sources asked, redacted
    skipped: tuple[str, ...] = ()  # inputs left out: no lock, and --offline does not resolve

    def counts(self) -> Counter[Status]:
        """How many rows have each status."""
        return Counter(row.status for section in self.sections for row in section.rows)

    def failed(self, fail_on: Iterable[Status]) -> bool:
        """Whether any row has one of the ``fail_on`` statuses."""
        wanted = set(fail_on)
        return any(row.status in wanted for s in self.sections for row in s.rows)

    @property
    def resolve_errors(self) -> tuple[str, ...]:
        """``"TITLE: reason"`` for each input whose ranges could not be resolved."""
        return tuple(f"{s.title}: {s.error}" for s in self.sections if s.error is not None)

    @property
    def index_errors(self) -> tuple[str, ...]:
        """The index failures, one per failing package (a package in several sections,
        prod and dev say, counts once)."""
        return tuple(
            dict.fromkeys(
                f"{row.name}: {row.error}" for s in self.sections for row in s.rows if row.error
            )
        )


class Change(str, enum.Enum):
    ADDED = "added"
    REMOVED = "removed"
    UPGRADED = "upgraded"
    DOWNGRADED = "downgraded"
    CHANGED = "changed"  # same version, other source (URL, VCS commit), or no versions


class Level(str, enum.Enum):
    MAJOR = "major"
    MINOR = "minor"
    PATCH = "patch"


@dataclass(frozen=True, slots=True, kw_only=True)
class LockChange:
    """One package that differs between two locks."""

    name: str
    old: str | None
    new: str | None
    change: Change
    level: Level | None
    declared: str | None
    origin: str | None
    in_range: bool | None  # the new version against the declared ranges
    status: Status
    via: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class LockDiffReport:
    """``lockmigrate diff --from OLD --to NEW``."""

    old: str
    new: str
    declared_files: tuple[str, ...]
    rows: tuple[LockChange, ...]
    unchanged: int

    def counts(self) -> Counter[Status]:
        return Counter(row.status for row in self.rows)

    def failed(self, fail_on: Iterable[Status]) -> bool:
        wanted = set(fail_on)
        return any(row.status in wanted for row in self.rows)


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


def _candidates(
    available: ProjectVersions | None, python: str | None, allow_pre: bool
) -> list[Version]:
    if available is None:
        return []
    return [
        entry.version
        for entry in available.versions
        if not entry.yanked
        and (allow_pre or not entry.version.is_prerelease)
        and entry.allows_python(python)
    ]


def _major(version: Version) -> int:
    return version.release[0] if version.release else 0


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
    """A row's status, and the note that explains a declared package left out."""
    if item is not None and item.required and not locked:
        if item.applies:
            return Status.MISSING, None
        return Status.OK, "not locked here: " + " or ".join(item.markers)
    if in_range is False:
        return Status.OUT_OF_RANGE, None
    if locked_version is None:
        return Status.OK, None
    guarded = item is not None
    new_major = newest is not None and _major(newest) > _major(locked_version)
    if newest_in_range is not None and newest_in_range > locked_version:
        return (Status.UNGUARDED if not guarded and new_major else Status.BEHIND), None
    if not guarded and new_major:
        return Status.UNGUARDED, None
    if guarded and newest is not None and newest > (newest_in_range or locked_version):
        return Status.HELD, None
    return Status.OK, None


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
) -> DiffSection:
    """Compare ``lock`` with the ``declared`` ranges and, unless ``available`` is ``None``
    (offline), with the versions the index offers for ``python``. Markers are evaluated
    for ``environment`` (default: ``python`` on this platform).

    Rows come declared packages first (in declaration order), then transitive ones by name.
    """
    if environment is None:
        environment = target_environment(python_version=python)
    ranges = _combine(declared, environment)
    packages = lock.by_name()
    required = {name for name, item in ranges.items() if item.required}
    names = list(dict.fromkeys(d.name for d in declared))
    names += sorted(name for name in packages if name not in ranges)
    rows: list[DiffRow] = []
    for name in names:
        declared_item = ranges.get(name)
        pinned = packages.get(name)
        # a range for another environment does not bound a package the lock has for this one
        unbounded = declared_item is not None and not declared_item.bounds and pinned is not None
        item = None if unbounded else declared_item
        locked = pinned.version if pinned is not None else None
        locked_version = _version(locked)
        project = available.get(name) if available is not None else None
        allow_pre = allow_prereleases or bool(locked_version and locked_version.is_prerelease)
        if item is not None and item.specifier.prereleases:
            allow_pre = True
        candidates = _candidates(project, python, allow_pre)
        in_range: bool | None = None
        if item is not None and locked_version is not None:
            in_range = item.specifier.contains(locked_version, prereleases=True)
        elif item is not None and pinned is not None and not item.shown:
            in_range = True
        allowed = (
            [v for v in candidates if item.specifier.contains(v, prereleases=True)]
            if item is not None
            else candidates
        )
        newest = max(candidates) if candidates else None
        newest_in_range = max(allowed) if allowed else None
        status, note = _status(
            item,
            locked=pinned is not None,
            in_range=in_range,
            locked_version=locked_version,
            newest=newest,
            newest_in_range=newest_in_range,
        )
        if (
            project is not None
            and project.error is not None
            and status not in {Status.OUT_OF_RANGE, Status.MISSING}
        ):
            # what the lock and the ranges say holds; whether anything newer exists is not
            # known, so the row must not read "ok" (or "held")
            status = Status.UNKNOWN
        if unbounded and declared_item is not None:
            note = "declared only for: " + " or ".join(declared_item.markers)
        if project is not None and not project.found and project.error is None:
            note = "not found on the index"
        via = chain_to_declared(name, packages, required) if name not in required else ()
        rows.append(
            DiffRow(
                name=name,
                declared=declared_item.shown if declared_item is not None else None,
                origin=declared_item.origin if declared_item is not None else None,
                locked=locked if locked is not None else (pinned.url if pinned else None),
                in_range=in_range,
                newest_in_range=str(newest_in_range) if newest_in_range is not None else None,
                newest=str(newest) if newest is not None else None,
                status=status,
                via=via,
                error=project.error if project is not None else None,
                note=note,
            )
        )
    return DiffSection(
        title=title,
        declared_files=tuple(declared_files),
        lock=lock.display,
        lock_kind=lock.kind.value,
        resolved=resolved,
        python=python,
        rows=tuple(rows),
        environment=environment,
        made_by=lock.header.made_by,
    )


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
        old_text = (was.version or was.url) if was is not None else None
        new_text = (now.version or now.url) if now is not None else None
        if was is not None and now is not None and old_text == new_text:
            unchanged += 1
            continue
        old_version = _version(was.version) if was is not None else None
        new_version = _version(now.version) if now is not None else None
        level: Level | None = None
        if was is None:
            change = Change.ADDED
        elif now is None:
            change = Change.REMOVED
        elif old_version is not None and new_version is not None and old_version != new_version:
            change = Change.UPGRADED if new_version > old_version else Change.DOWNGRADED
            level = _level(old_version, new_version)
        else:
            change = Change.CHANGED
        item = ranges.get(name)
        in_range: bool | None = None
        if item is not None and item.bounds and new_version is not None:
            in_range = item.specifier.contains(new_version, prereleases=True)
        status = Status.OK
        if item is not None and item.required and now is None and item.applies:
            status = Status.MISSING
        elif in_range is False:
            status = Status.OUT_OF_RANGE
        elif item is None and change is Change.UPGRADED and level is Level.MAJOR:
            status = Status.UNGUARDED
        graph = after if now is not None else before
        rows.append(
            LockChange(
                name=name,
                old=old_text,
                new=new_text,
                change=change,
                level=level,
                declared=item.shown if item is not None else None,
                origin=item.origin if item is not None else None,
                in_range=in_range,
                status=status,
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
