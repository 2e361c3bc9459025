"""The statuses of ``lockmigrate diff`` rows, which ``--fail-on`` names.

A module of their own, importing nothing, so that the command line checks ``--fail-on``
before the comparing code (and packaging) is loaded.
"""

from __future__ import annotations

import enum

__all__ = ["Status", "parse_statuses"]


class Status(str, enum.Enum):
    """The verdict on one package; ``--fail-on`` takes these names."""

    OK = "ok"
    OUT_OF_RANGE = "out-of-range"
    BEHIND = "behind"
    HELD = "held"
    UNGUARDED = "unguarded"
    MISSING = "missing"
    UNKNOWN = "unknown"  # the index could not be asked: nothing is known of newer versions


def parse_statuses(text: str) -> frozenset[Status]:
    """``"out-of-range,missing"`` as statuses; raises ``ValueError`` naming a bad one."""
    statuses: set[Status] = set()
    for part in text.split(","):
        word = part.strip().lower()
        if not word:
            continue
        try:
            statuses.add(Status(word))
        except ValueError:
            known = ", ".join(s.value for s in Status)
            raise ValueError(f"unknown status {word!r} (known: {known})") from None
    return frozenset(statuses)
