"""``lockmigrate diff --format json``: the documented, versioned diff schema.

See ``docs/reference/diff-json.md``. Additive changes keep ``schema_version``; anything that
removes or renames a field bumps it.
"""

from __future__ import annotations

import json
from typing import Any

from lockmigrate import __version__
from lockmigrate.diff.model import (
    AbiVerdict,
    DiffReport,
    DiffRow,
    Flag,
    LockChange,
    LockDiffReport,
    Status,
)

__all__ = ["SCHEMA_VERSION", "render", "render_locks"]

SCHEMA_VERSION = 1


def _summary(counts: dict[Status, int]) -> dict[str, int]:
    return {status.value: counts.get(status, 0) for status in Status}


def _row(row: DiffRow) -> dict[str, Any]:
    return {
        "name": row.name,
        "declared": row.declared,
        "origin": row.origin,
        "locked": row.locked,
        "in_range": row.in_range,
        "newest_in_range": row.newest_in_range,
        "newest": row.newest,
        "status": row.status.value,
        "via": list(row.via),
        "error": row.error,
        "note": row.note,
        "relock": row.relock,
        "held_by": list(row.held_by),
        "yanked": row.yanked,
        "yank_reason": row.yank_reason,
        "abi": _abi(row.abi) if row.abi is not None else None,
    }


def _abi(verdict: AbiVerdict) -> dict[str, Any]:
    return {
        "name": verdict.name,
        "version": verdict.version,
        "build": verdict.build.value,
        "numpy": verdict.numpy,
        "breaks": verdict.breaks,
        "wheel": verdict.wheel,
        "member": verdict.member,
        "symbol": verdict.symbol,
        "fix": verdict.fix,
        "fix_in_range": verdict.fix_in_range,
        "note": verdict.note,
    }


def render(report: DiffReport) -> str:
    """The lock-against-ranges report as JSON text (ending in a newline)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "lockmigrate_version": __version__,
        "kind": "diff",
        "offline": report.offline,
        "index": list(report.index),
        "skipped": list(report.skipped),
        "sections": [
            {
                "title": section.title,
                "declared_files": list(section.declared_files),
                "lock": section.lock,
                "lock_kind": section.lock_kind,
                "resolved": section.resolved,
                "python": section.python,
                "environment": (
                    section.environment.as_json() if section.environment is not None else None
                ),
                "made_by": section.made_by,
                "error": section.error,
                "relock_check": section.relock_check.value,
                "relock_by": section.relock_by,
                "relock_cached": section.relock_cached,
                "relock_error": section.relock_error,
                "abi_unjudged": list(section.abi_unjudged),
                "rows": [_row(row) for row in section.rows],
            }
            for section in report.sections
        ],
        "summary": _summary(dict(report.counts())),
        "flags": _flags(dict(report.flag_counts())),
    }
    return json.dumps(document, indent=2) + "\n"


def _flags(counts: dict[Flag, int]) -> dict[str, int]:
    return {flag.value: counts.get(flag, 0) for flag in Flag}


def _change(row: LockChange) -> dict[str, Any]:
    return {
        "name": row.name,
        "old": row.old,
        "new": row.new,
        "change": row.change.value,
        "level": row.level.value if row.level is not None else None,
        "declared": row.declared,
        "origin": row.origin,
        "in_range": row.in_range,
        "status": row.status.value,
        "via": list(row.via),
    }


def render_locks(report: LockDiffReport) -> str:
    """The lock-against-lock report as JSON text (ending in a newline)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "lockmigrate_version": __version__,
        "kind": "lock-diff",
        "from": report.old,
        "to": report.new,
        "declared_files": list(report.declared_files),
        "unchanged": report.unchanged,
        "rows": [_change(row) for row in report.rows],
        "abi": [_abi(verdict) for verdict in report.abi],
        "abi_unjudged": list(report.abi_unjudged),
        "summary": _summary(dict(report.counts())),
        "flags": _flags(dict(report.flag_counts())),
    }
    return json.dumps(document, indent=2) + "\n"
