"""``lockmigrate scan --format json``: the documented, versioned scan schema.

See ``docs/reference/scan-json.md``. Additive changes keep ``schema_version``; anything
that removes or renames a field bumps it.
"""

from __future__ import annotations

import json
from typing import Any

from lockmigrate import __version__
from lockmigrate.diagnostics import Diagnostic
from lockmigrate.model import DeclaredRequirement, Line
from lockmigrate.scan import ScannedFile, ScanReport, classify_range
from lockmigrate.sources.includes import display_path

__all__ = ["SCHEMA_VERSION", "render"]

SCHEMA_VERSION = 1


def _requirement(requirement: DeclaredRequirement, line: Line) -> dict[str, Any]:
    return {
        "name": requirement.name,
        "specifier": requirement.specifier,
        "extras": list(requirement.extras),
        "marker": requirement.marker,
        "url": requirement.url,
        "editable": requirement.editable,
        "hashes": list(requirement.hashes),
        "line": requirement.origin.line,
        "comment": line.comment,
        "kind": requirement.kind.value,
        "range": classify_range(requirement).value,
        "variables": list(requirement.variables),
    }


def _file(scanned: ScannedFile) -> dict[str, Any]:
    file = scanned.file
    return {
        "path": file.display,
        "role": scanned.role,
        "format": scanned.format.value,
        "encoding": file.layout.codec,
        "bom": bool(file.layout.bom),
        "newline": {"\n": "lf", "\r\n": "crlf", "\r": "cr"}.get(file.layout.newline, "lf"),
        "includes": [
            {
                "kind": include.kind.value,
                "target": include.target,
                "path": display_path(include.resolved) if include.resolved is not None else None,
                "line": include.origin.line,
            }
            for include in file.includes
        ],
        "options": [
            {"name": option.name, "value": option.value, "line": option.origin.line}
            for option in file.options
            if option.name not in {"--requirement", "--constraint", "--editable", "--hash"}
        ],
        "requirements": [
            _requirement(line.requirement, line)
            for line in file.lines
            if line.requirement is not None
        ],
        "targets": {"pip-tools": scanned.pip_tools, "poetry": scanned.poetry},
    }


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    origin = diagnostic.origin
    return {
        "level": diagnostic.level.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "path": origin.path if origin is not None else None,
        "line": origin.line if origin is not None else None,
    }


def render(report: ScanReport) -> str:
    """The report as compact JSON on one line, with a trailing newline (compact, so that a
    large monorepo's report is written in milliseconds; pipe it to ``python -m json.tool``
    to read it)."""
    document = {
        "schema_version": SCHEMA_VERSION,
        "lockmigrate_version": __version__,
        "services": [
            {
                "path": service.display,
                "files": [_file(f) for f in service.files],
            }
            for service in report.services
        ],
        "diagnostics": [diagnostic_json(d) for d in report.diagnostics],
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n"
