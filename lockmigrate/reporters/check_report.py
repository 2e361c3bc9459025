"""``lockmigrate check`` reports: table (plain lines), json and markdown. Pure."""

from __future__ import annotations

from typing import Any

from lockmigrate import __version__
from lockmigrate.check import CheckReport

__all__ = ["render_json", "render_markdown", "render_text"]


def _environment_lines(report: CheckReport) -> list[str]:
    """``assumed environment: Python 3.11, linux (lock header)``: once when every lock
    shares it, else one line per lock."""
    described = {
        lock: f"{env.describe()} ({env.source.value})" for lock, env in report.environments
    }
    if not described:
        return []
    if len(set(described.values())) == 1:
        return [f"assumed environment: {next(iter(described.values()))}"]
    return [f"assumed environment for {lock}: {text}" for lock, text in described.items()]


def _resolver_lines(report: CheckReport) -> list[str]:
    used: dict[str, list[str]] = {}
    for lock, resolver in report.resolvers:
        used.setdefault(resolver, []).append(lock)
    return [f"re-resolved with {resolver}: {', '.join(locks)}" for resolver, locks in used.items()]


def _import_lines(report: CheckReport) -> list[str]:
    """``imports: 52 modules imported, 1 failed, 0 skipped (Python 3.11.9)``."""
    imports = report.imports
    if imports is None:
        return []
    pythons = sorted({python for _, python in imports.pythons})
    where = f" (Python {', '.join(pythons)})" if pythons else ""
    return [
        f"imports: {imports.imported} module(s) imported, {len(imports.failures)} failed, "
        f"{imports.skipped} skipped{where}",
        *(f"  skipped {why}" for why in imports.skipped_why),
    ]


def render_text(report: CheckReport) -> str:
    lines: list[str] = []
    for finding in report.findings:
        lines.append(str(finding))
        lines += [f"    {line}" for line in finding.detail]
    checked = len(report.locks)
    summary = (
        f"{checked} lock(s) checked: {len(report.trusted)} trusted by their input digest, "
        f"{len(report.resolved)} re-resolved"
    )
    if report.excluded:
        summary += (
            f"; {len(report.excluded)} file(s) left out by --exclude or [tool.lockmigrate] exclude"
        )
    if report.ok:
        lines.append(f"ok: {summary}; every lock is fresh, in range and free of credentials")
    else:
        lines.append(f"{len(report.findings)} problem(s); {summary}")
    if report.relock_errors:
        lines.append(
            f"{len(report.relock_errors)} re-lock(s) failed: whether those locks are stale is "
            "not known (the resolver's words follow on standard error)"
        )
    lines += _environment_lines(report)
    lines += _resolver_lines(report)
    lines += _import_lines(report)
    return "\n".join(lines) + "\n"


def render_json(report: CheckReport) -> str:
    import json  # only for this format: the text report is what a pre-commit hook prints

    document: dict[str, Any] = {
        "schema_version": 1,
        "lockmigrate_version": __version__,
        "ok": report.ok,
        "locks": list(report.locks),
        "trusted": list(report.trusted),
        "resolved": list(report.resolved),
        "environments": {lock: env.as_json() for lock, env in report.environments},
        "resolvers": dict(report.resolvers),
        "unlocked": list(report.unlocked),
        "excluded": list(report.excluded),
        "relock_errors": list(report.relock_errors),
        "findings": [
            {
                "code": finding.code,
                "message": finding.message,
                "path": finding.origin.path if finding.origin else None,
                "line": finding.origin.line if finding.origin else None,
                "expected": finding.expected,
                "found": finding.found,
                "detail": list(finding.detail),
            }
            for finding in report.findings
        ],
    }
    if report.imports is not None:
        document["imports"] = {
            "pythons": dict(report.imports.pythons),
            "imported": report.imports.imported,
            "failed": len(report.imports.failures),
            "skipped": report.imports.skipped,
            "skipped_why": list(report.imports.skipped_why),
        }
    return json.dumps(document, indent=2) + "\n"


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|")


def render_markdown(report: CheckReport) -> str:
    notes = "".join(
        f"\n_{_cell(line)}_\n" for line in (*_environment_lines(report), *_import_lines(report))
    )
    if report.ok:
        return (
            f"**lockmigrate check**: all {len(report.locks)} lock(s) are fresh, in range and "
            f"free of credentials.\n{notes}"
        )
    rows = [
        "**lockmigrate check** found problems:",
        "",
        "| where | problem | expected | found |",
        "| --- | --- | --- | --- |",
    ]
    for finding in report.findings:
        where = f"`{finding.origin}`" if finding.origin else ""
        message = "<br>".join(_cell(line) for line in (finding.message, *finding.detail))
        rows.append(
            f"| {where} | {message} ({finding.code}) | "
            f"{_cell(finding.expected)} | {_cell(finding.found)} |"
        )
    for error in report.relock_errors:
        first = error.splitlines()[0] if error else ""
        rows.append(f"| | a re-lock failed: {_cell(first)} (relock-failed) | | |")
    return "\n".join(rows) + "\n" + notes
