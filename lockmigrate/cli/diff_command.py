"""``lockmigrate diff``: locks against declared ranges and the index, or lock against lock.

Registered on :data:`lockmigrate.cli.commands.app` when that module is imported; parses
options, calls :mod:`lockmigrate.api`, prints a report, and maps the outcome to an exit code.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lockmigrate.cli.commands import ReportFormat, Resolver, _use_color, app, terminal_width
from lockmigrate.errors import ExternalToolError, FindingsError, UsageError

if TYPE_CHECKING:
    from collections import Counter

    from lockmigrate.diagnostics import Collector
    from lockmigrate.diff import DiffReport, LockDiffReport
    from lockmigrate.statuses import Status

__all__ = ["diff"]

DEFAULT_FAIL_ON = "out-of-range,missing"


@app.command("diff")
def diff(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Folders to search, or files with ranges (requirements, .in, pyproject.toml). "
            "Default: '.'."
        ),
    ] = None,
    lock: Annotated[
        Path | None,
        typer.Option(
            "--lock", help="Compare with this lock (pip-compile .txt, poetry.lock, pylock.toml)."
        ),
    ] = None,
    resolve: Annotated[
        bool,
        typer.Option(
            "--resolve",
            help="Resolve the ranges now (as to-pip-tools would) even where a lock exists.",
        ),
    ] = False,
    old: Annotated[
        str | None,
        typer.Option(
            "--from",
            help="Lock against lock: the old lock file, or a git revision of --to (HEAD~1).",
        ),
    ] = None,
    new: Annotated[
        Path | None, typer.Option("--to", help="Lock against lock: the new lock file.")
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="table, json or markdown.")
    ] = ReportFormat.TABLE,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            help="Exit 1 when a row has one of these statuses (comma-separated: ok, "
            "out-of-range, behind, held, unguarded, missing; '' for never).",
        ),
    ] = DEFAULT_FAIL_ON,
    offline: Annotated[
        bool, typer.Option("--offline", help="Do not ask the package index (no newest columns).")
    ] = False,
    python_version: Annotated[
        str | None,
        typer.Option(
            "--python-version",
            help="Filter versions by this Python (default: the lowest requires-python "
            "allows, else this interpreter's).",
        ),
    ] = None,
    resolver: Annotated[
        Resolver,
        typer.Option("--resolver", help="pip-tools or uv, when ranges are resolved now."),
    ] = Resolver.PIP_TOOLS,
) -> None:
    """Compare locks with their declared ranges and the index, or two locks."""
    from lockmigrate.statuses import parse_statuses

    try:
        statuses = parse_statuses(fail_on)
    except ValueError as error:
        raise UsageError(f"--fail-on: {error}") from None
    if old is not None or new is not None:
        if lock is not None or resolve:
            raise UsageError("--from/--to compare two locks; --lock and --resolve do not apply")
        _lock_against_lock(old, new, paths or [], output_format, statuses)
        return
    _lock_against_ranges(
        paths or [Path()],
        lock=lock,
        resolve=resolve,
        offline=offline,
        python_version=python_version,
        resolver=resolver,
        output_format=output_format,
        statuses=statuses,
    )


def _lock_against_lock(
    old: str | None,
    new: Path | None,
    paths: list[Path],
    output_format: ReportFormat,
    statuses: frozenset[Status],
) -> None:
    from lockmigrate import api

    if new is None:
        if len(paths) != 1:
            raise UsageError("--from needs --to NEW_LOCK (or one lock file as the argument)")
        new = paths[0]
    elif paths:
        raise UsageError("give the new lock either as --to or as the argument, not both")
    if old is None:
        raise UsageError("--to needs --from OLD_LOCK_OR_GIT_REVISION")
    from lockmigrate.diagnostics import Collector

    collector = Collector()
    report = api.diff_locks(old, new, collector=collector)
    _show(collector, report, output_format)
    if report.failed(statuses):
        raise FindingsError(_failure(report.counts(), statuses))


def _lock_against_ranges(
    paths: list[Path],
    *,
    lock: Path | None,
    resolve: bool,
    offline: bool,
    python_version: str | None,
    resolver: Resolver,
    output_format: ReportFormat,
    statuses: frozenset[Status],
) -> None:
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.resolve import Backend

    collector = Collector()
    report = api.diff(
        paths,
        lock=lock,
        resolve=resolve,
        offline=offline,
        python_version=python_version,
        backend=Backend(resolver.value),
        collector=collector,
    )
    _show(collector, report, output_format)
    errors = report.index_errors
    if errors:
        shown = "\n  ".join(errors[:10]) + ("\n  ..." if len(errors) > 10 else "")
        raise ExternalToolError(
            f"the package index failed for {len(errors)} package(s):\n  {shown}"
        )
    if report.failed(statuses):
        raise FindingsError(_failure(report.counts(), statuses))


def _show(
    collector: Collector, report: DiffReport | LockDiffReport, output_format: ReportFormat
) -> None:
    """Warnings to stderr, then the report in ``output_format`` to stdout."""
    from lockmigrate.diagnostics import Level

    for diagnostic in collector.items:
        if diagnostic.level is not Level.INFO:
            sys.stderr.write(f"{diagnostic}\n")
    sys.stdout.write(_rendered(report, output_format))


def _rendered(report: DiffReport | LockDiffReport, output_format: ReportFormat) -> str:
    from lockmigrate.diff import DiffReport

    if output_format is ReportFormat.JSON:
        from lockmigrate.reporters import diff_json

        if isinstance(report, DiffReport):
            return diff_json.render(report)
        return diff_json.render_locks(report)
    if output_format is ReportFormat.MARKDOWN:
        from lockmigrate.reporters import diff_markdown

        if isinstance(report, DiffReport):
            return diff_markdown.render(report)
        return diff_markdown.render_locks(report)
    from lockmigrate.reporters import diff_table

    color, width = _use_color(), terminal_width()
    if isinstance(report, DiffReport):
        return diff_table.render(report, color=color, width=width)
    return diff_table.render_locks(report, color=color, width=width)


def _failure(counts: Counter[Status], statuses: frozenset[Status]) -> str:
    from lockmigrate.statuses import Status

    found = [f"{counts[s]} {s.value}" for s in Status if s in statuses and counts.get(s)]
    listed = ",".join(s.value for s in Status if s in statuses)
    return f"diff found {', '.join(found)} (--fail-on {listed})"
