"""What ``lockmigrate diff`` reports, as data: the statuses of its rows and the flags beside
them (which ``--fail-on`` names), the rows and sections of a diff against a lock, and the
changes between two locks. No logic beyond accessors; the comparing is
:mod:`lockmigrate.diff.compare`.

Light to import (no packaging, nothing of the model at run time), so that the command line
checks ``--fail-on`` before the comparing code is loaded.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from lockmigrate.environment import TargetEnvironment
    from lockmigrate.model.locks import Lock
    from lockmigrate.model.requirements import Origin

__all__ = [
    "AbiBuild",
    "AbiVerdict",
    "Change",
    "DeclaredRange",
    "DiffReport",
    "DiffRow",
    "DiffSection",
    "Flag",
    "Level",
    "LockChange",
    "LockDiffReport",
    "Relock",
    "RelockCheck",
    "Status",
    "parse_statuses",
]


class Status(str, enum.Enum):
    """The verdict on one package; ``--fail-on`` takes these names."""

    OK = "ok"
    OUT_OF_RANGE = "out-of-range"
    BEHIND = "behind"  # a re-lock with upgrades would move it (or, unchecked, the range allows it)
    CAPPED = "capped"  # the range allows newer, but another pin keeps it: a re-lock would not
    HELD = "held"
    UNGUARDED = "unguarded"
    MISSING = "missing"
    UNKNOWN = "unknown"  # the index could not be asked: nothing is known of newer versions


class Flag(str, enum.Enum):
    """A fact about a row that holds whatever its status is (a yanked pin may also be behind,
    or out of range); ``--fail-on`` takes these names too."""

    YANKED = "yanked"  # the locked version is yanked on the index (PEP 592)
    # its wheel is built against NumPy 1.x headers, and the lock has numpy 2.x
    ABI_BREAK = "abi-break"


class AbiBuild(str, enum.Enum):
    """What the compiled wheel a lock installs was built against, as its binaries say."""

    NUMPY2 = "numpy2"  # names numpy._core._multiarray_umath: NumPy 2 headers (runs on 1.x too)
    NUMPY1 = "numpy1"  # names only numpy.core._multiarray_umath: NumPy 1.x headers
    NO_C_API = "no-c-api"  # compiled, but no extension module uses the NumPy C API (ctypes)
    UNKNOWN = "unknown"  # could not be judged: ``note`` says why


@dataclass(frozen=True, slots=True, kw_only=True)
class AbiVerdict:
    """The NumPy ABI of one locked package with compiled wheels that depends on numpy.

    ``wheel`` is the file the lock installs here, ``member`` the binary in it that decided
    and ``symbol`` what it names. ``breaks`` when it is built for NumPy 1.x and the lock has
    numpy 2.x. ``fix`` is the first newer release built for NumPy 2 (``None`` when none was
    found or none was looked for), ``fix_in_range`` whether the declared range allows it.
    """

    name: str
    version: str
    build: AbiBuild
    numpy: str  # the locked numpy version
    wheel: str | None = None
    member: str | None = None
    symbol: str | None = None
    breaks: bool = False
    fix: str | None = None
    fix_in_range: bool | None = None
    note: str | None = None


def parse_statuses(text: str) -> frozenset[Status | Flag]:
    """``"out-of-range,missing,yanked"`` as statuses and flags; raises ``ValueError`` naming a
    bad one."""
    chosen: set[Status | Flag] = set()
    for part in text.split(","):
        word = part.strip().lower()
        if not word:
            continue
        try:
            chosen.add(Status(word))
        except ValueError:
            try:
                chosen.add(Flag(word))
            except ValueError:
                known = ", ".join([*(s.value for s in Status), *(f.value for f in Flag)])
                raise ValueError(f"unknown status {word!r} (known: {known})") from None
    return frozenset(chosen)


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
    extras: tuple[str, ...] = ()


class RelockCheck(str, enum.Enum):
    """Whether a section's ``behind`` and ``unguarded`` rows were checked against a re-lock
    with upgrades (see :class:`Relock`)."""

    DONE = "done"  # a re-lock with upgrades was made (or the lock was resolved now with them)
    NOT_NEEDED = "not-needed"  # no row was behind or unguarded: nothing to check
    OFF = "off"  # --no-relock-check, or --offline
    FAILED = "failed"  # the resolver failed (relock_error says why)
    UNAVAILABLE = "unavailable"  # no resolver here can resolve for the lock's Python


@dataclass(frozen=True, slots=True, kw_only=True)
class Relock:
    """What a re-lock of the same inputs with upgrades allowed would lock (one resolver run
    per input), and the ``Requires-Dist`` of the packages that may keep one back, by
    ``(name, version)``: a parent in the re-lock, and the newest allowed version of a package
    the re-lock does not take. A package whose metadata is missing is simply not blamed."""

    lock: Lock
    requirements: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    # "uv pip compile" or "pip-compile"; None when the lock compared is its own re-lock
    # (resolved now with nothing pinned)
    made_by: str | None = None
    # kept from an earlier run (its index pages unchanged): no resolver ran for it now
    cached: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffRow:
    """One package of a lock-against-ranges diff. ``declared`` is ``None`` for a transitive
    package; ``via`` is the chain that pulls it in, from a declared package down to its
    direct parent. ``relock`` is the version a re-lock with upgrades takes (when one was
    made); ``held_by`` names what keeps it below the newest allowed version: packages, or
    ``-c FILE`` for a lock this one is layered on (empty when nothing does, or when what
    does is not known: the ``note`` then says so)."""

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
    relock: str | None = None
    held_by: tuple[str, ...] = ()
    yanked: bool = False
    yank_reason: str | None = None
    abi: AbiVerdict | None = None  # its NumPy ABI, for a compiled numpy dependent

    @property
    def flags(self) -> frozenset[Flag]:
        """The flags of this row (``yanked``, ``abi-break``)."""
        flags = {Flag.YANKED} if self.yanked else set()
        if self.abi is not None and self.abi.breaks:
            flags.add(Flag.ABI_BREAK)
        return frozenset(flags)


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
    relock_check: RelockCheck = RelockCheck.OFF
    relock_error: str | None = None  # why the re-lock check failed or could not run
    relock_by: str | None = None  # the resolver that made the re-lock; None: the lock itself
    relock_cached: bool = False  # the re-lock was kept from an earlier run, not made now
    # the NumPy ABI check: the packages it could not judge ("name: why"), none when not run
    abi_unjudged: tuple[str, ...] = ()

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

    def flag_counts(self) -> Counter[Flag]:
        """How many rows have each flag."""
        return Counter(
            flag for section in self.sections for row in section.rows for flag in row.flags
        )

    def failed(self, fail_on: Iterable[Status | Flag]) -> bool:
        """Whether any row has one of the ``fail_on`` statuses or flags."""
        wanted = set(fail_on)
        return any(
            row.status in wanted or not wanted.isdisjoint(row.flags)
            for s in self.sections
            for row in s.rows
        )

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
    #: When numpy goes from 1.x to 2.x: every compiled numpy dependent of the new lock and
    #: what it was built against (the index is asked then, and only then).
    abi: tuple[AbiVerdict, ...] = ()
    abi_unjudged: tuple[str, ...] = ()  # "name: why", for the packages not judged

    def counts(self) -> Counter[Status]:
        return Counter(row.status for row in self.rows)

    def flag_counts(self) -> Counter[Flag]:
        """``abi-break``: the new lock's packages built for NumPy 1.x (with numpy 2.x)."""
        return Counter(Flag.ABI_BREAK for verdict in self.abi if verdict.breaks)

    def failed(self, fail_on: Iterable[Status | Flag]) -> bool:
        wanted = set(fail_on)
        if Flag.ABI_BREAK in wanted and any(verdict.breaks for verdict in self.abi):
            return True
        return any(row.status in wanted for row in self.rows)
