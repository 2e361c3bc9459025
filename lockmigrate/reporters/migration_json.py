"""``--format json`` for ``to-pip-tools``, ``to-poetry`` and ``to-uv``: what was (or would
be) written, and the locks a resolver wrote after the plan (``to-uv --lock``)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lockmigrate import __version__
from lockmigrate.diagnostics import Diagnostic
from lockmigrate.plan import FileChange, Plan
from lockmigrate.reporters.scan_json import diagnostic_json

if TYPE_CHECKING:
    from lockmigrate.targets.pip_tools import Failure

__all__ = ["SCHEMA_VERSION", "render"]

SCHEMA_VERSION = 1


def render(
    plan: Plan,
    *,
    dry_run: bool,
    already: tuple[str, ...],
    diagnostics: tuple[Diagnostic, ...],
    failures: tuple[Failure, ...] = (),
    locked: tuple[FileChange, ...] = (),
) -> str:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "lockmigrate_version": __version__,
        "dry_run": dry_run,
        "changes": [
            {"path": change.display, "action": change.action, "reason": change.reason}
            for change in plan.effective
        ],
        "locked": [
            {"path": change.display, "action": change.action, "reason": change.reason}
            for change in locked
        ],
        "already_migrated": list(already),
        "diagnostics": [diagnostic_json(d) for d in diagnostics],
        "failures": [
            {
                "file": failure.file,
                "path": failure.origin.path,
                "line": failure.origin.line,
                "message": failure.message,
            }
            for failure in failures
        ],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
