"""Cell texts shared by the table and markdown diff reporters."""

from __future__ import annotations

from collections import Counter

from lockmigrate.diff import DiffRow, DiffSection, LockChange, Status

__all__ = ["environment_text", "in_range_text", "summary_text", "where_text"]

_ORDER = (
    Status.OUT_OF_RANGE,
    Status.MISSING,
    Status.UNKNOWN,
    Status.UNGUARDED,
    Status.BEHIND,
    Status.HELD,
    Status.OK,
)


def where_text(row: DiffRow | LockChange) -> str:
    """``file:line`` for a declared package, ``transitive via a > b`` for the others."""
    if row.declared is not None:
        return row.origin or ""
    if row.via:
        return "transitive via " + " > ".join(row.via)
    return "transitive"


def environment_text(section: DiffSection) -> str:
    """``assumed environment: Python 3.11, linux (lock header)``: what markers were
    evaluated and releases filtered for."""
    environment = section.environment
    if environment is None:
        return f"python: {section.python}" if section.python else ""
    return f"assumed environment: {environment.describe()} ({environment.source.value})"


def in_range_text(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: ""}[value]


def summary_text(counts: Counter[Status], packages: int) -> str:
    parts = [f"{counts[status]} {status.value}" for status in _ORDER if counts.get(status)]
    return f"{packages} package(s): " + (", ".join(parts) if parts else "nothing to report")
