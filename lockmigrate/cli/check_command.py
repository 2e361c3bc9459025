"""``lockmigrate check``: registered on the typer application."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lockmigrate.cli.commands import app
from lockmigrate.cli.common import ReportFormat, Resolver

# Notes that say how a lock was checked: shown although they are not warnings.
_CHECK_NOTES = frozenset({"freshness-unknown", "relocked-for-python"})


@app.command("check")
def check(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Folders to search, or files. Default: '.'."),
    ] = None,
    full: Annotated[
        bool,
        typer.Option("--full", help="Re-resolve every lock, even when its input digest matches."),
    ] = False,
    resolver: Annotated[
        Resolver | None,
        typer.Option(
            "--resolver",
            help="Re-lock with pip-tools or uv (default: the resolver each lock's header names).",
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="table, json or markdown.")
    ] = ReportFormat.TABLE,
    exclude: Annotated[
        list[str] | None,
        typer.Option(
            "--exclude",
            metavar="GLOB",
            help="Leave out the files this glob matches: a name (requirements-docs.txt, "
            "legacy) anywhere, or a path from here (svc/requirements-*.txt). Repeatable.",
        ),
    ] = None,
) -> None:
    """Verify that every lock is fresh, in range, layered consistently and secret-free, and
    that every requirements file with ranges is locked.

    Exit 0 when all hold, 1 with the list of problems, 2 bad input or nothing to check,
    3 resolver failure."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.reporters import check_report
    from lockmigrate.resolve import Backend, CompileOptions

    collector = Collector()
    report = api.check(
        paths or [Path()],
        options=CompileOptions(backend=Backend(resolver.value)) if resolver else None,
        full=full,
        exclude=exclude or (),
        collector=collector,
    )
    for diagnostic in collector.items:
        # warnings always; of the notes, the ones that say how a lock was checked
        if diagnostic.level.value != "info" or diagnostic.code in _CHECK_NOTES:
            sys.stderr.write(f"{diagnostic}\n")
    if output_format is ReportFormat.JSON:
        sys.stdout.write(check_report.render_json(report))
    elif output_format is ReportFormat.MARKDOWN:
        sys.stdout.write(check_report.render_markdown(report))
    else:
        sys.stdout.write(check_report.render_text(report))
    if not report.ok:
        raise typer.Exit(1)
