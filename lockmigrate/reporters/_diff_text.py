"""Cell texts shared by the table and markdown diff reporters."""

from __future__ import annotations

from collections import Counter

from lockmigrate.diff.model import (
    AbiVerdict,
    DiffRow,
    DiffSection,
    Flag,
    LockChange,
    RelockCheck,
    Status,
)

__all__ = [
    "abi_lines",
    "abi_text",
    "abi_unjudged_text",
    "environment_text",
    "in_range_text",
    "note_text",
    "relock_text",
    "summary_text",
    "where_text",
]

_ORDER = (
    Status.OUT_OF_RANGE,
    Status.MISSING,
    Status.UNKNOWN,
    Status.UNGUARDED,
    Status.BEHIND,
    Status.CAPPED,
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


def relock_text(section: DiffSection) -> str:
    """What the section's re-lock check did, when the reader needs to know: which resolver
    made it, or why ``behind`` and ``unguarded`` only say what the ranges allow. Empty when
    there was nothing to check."""
    check = section.relock_check
    if check is RelockCheck.DONE:
        if section.relock_by is None:
            return "re-lock check: this lock, resolved now with nothing pinned, is its own re-lock"
        if section.relock_cached:
            return (
                f"re-lock check: re-locked with upgrades by {section.relock_by} in an earlier "
                "run, kept while the index pages it read are unchanged"
            )
        return f"re-lock check: re-locked with upgrades by {section.relock_by}"
    unchecked = any(row.status in {Status.BEHIND, Status.UNGUARDED} for row in section.rows)
    if not unchecked:
        return ""
    if check is RelockCheck.OFF:
        return (
            "no re-lock check: behind and unguarded rows say what the ranges allow; "
            "other pins may hold them back"
        )
    if check is RelockCheck.UNAVAILABLE:
        why = f"no re-lock check ({section.relock_error})"
    else:
        why = "the re-lock check failed (the relock-check-failed warning says why)"
    return (
        f"{why}: behind and unguarded rows say what the ranges allow; other pins may hold them back"
    )


def note_text(row: DiffRow) -> str:
    """The row's index error, else its note, the yank reason of a yanked pin, and the NumPy
    ABI break of a package built for NumPy 1.x."""
    parts = [row.error or row.note or ""]
    if row.yanked:
        parts.append(f"yanked: {row.yank_reason}" if row.yank_reason else "yanked")
    if row.abi is not None and row.abi.breaks:
        parts.append(abi_text(row.abi))
    return "; ".join(part for part in parts if part)


def abi_text(verdict: AbiVerdict) -> str:
    """What the NumPy ABI check found for one package (:func:`lockmigrate.diff.abi.describe`)."""
    from lockmigrate.diff.abi import describe

    return describe(verdict)


def abi_unjudged_text(unjudged: tuple[str, ...], limit: int = 8) -> str:
    """The packages the NumPy ABI check could not judge, grouped by why."""
    if not unjudged:
        return ""
    by_reason: dict[str, list[str]] = {}
    for entry in unjudged:
        name, _, why = entry.partition(": ")
        by_reason.setdefault(why, []).append(name)
    parts = []
    for why, names in by_reason.items():
        shown = ", ".join(names[:limit]) + (
            f" and {len(names) - limit} more" if len(names) > limit else ""
        )
        parts.append(f"{shown} ({why})")
    return f"NumPy ABI not judged for {len(unjudged)} package(s): " + "; ".join(parts)


def abi_lines(verdicts: tuple[AbiVerdict, ...]) -> list[str]:
    """One line per compiled numpy dependent: ``name version: what it is built for``."""
    return [f"{v.name} {v.version}: {abi_text(v)}" for v in verdicts]


def in_range_text(value: bool | None) -> str:
    return {True: "yes", False: "NO", None: ""}[value]


def summary_text(counts: Counter[Status], packages: int, flags: Counter[Flag] | None = None) -> str:
    parts = [f"{counts[status]} {status.value}" for status in _ORDER if counts.get(status)]
    text = f"{packages} package(s): " + (", ".join(parts) if parts else "nothing to report")
    flagged = [f"{flags[flag]} {flag.value}" for flag in Flag if flags and flags.get(flag)]
    return text + (f"; {', '.join(flagged)}" if flagged else "")
