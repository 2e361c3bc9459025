"""The statuses of ``lockmigrate diff`` rows and the flags beside them, which ``--fail-on``
names.

A module of their own, importing nothing, so that the command line checks ``--fail-on``
before the comparing code (and packaging) is loaded.
"""

from __future__ import annotations

import enum

__all__ = ["Flag", "Status", "parse_statuses"]


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
