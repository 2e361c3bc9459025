"""``--format json`` for ``to-pip-tools`` and ``to-poetry``: what was (or would be) written."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from lockmigrate import __version__
from lockmigrate.diagnostics import Diagnostic
from lockmigrate.plan import Plan
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
) -> str:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "lockmigrate_version": __version__,
        "dry_run": dry_run,
        "changes": [
            {"path": change.display, "action": change.action, "reason": change.reason}
            for change in plan.effective
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
