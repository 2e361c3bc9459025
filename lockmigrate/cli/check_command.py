"""``lockmigrate check``: registered on the typer application."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from lockmigrate.cli.commands import (
    QuietOption,
    VerboseOption,
    app,
    examples,
    print_diagnostics,
    project_settings,
    verbosity,
)
from lockmigrate.cli.common import ReportFormat, Resolver

# Notes that say how a lock was checked: shown although they are not warnings.
_CHECK_NOTES = frozenset({"freshness-unknown", "relocked-for-python"})


@app.command(
    "check",
    epilog=examples(
        "lockmigrate check  # every lock under ., as CI runs it",
        "lockmigrate check --full services/api  # re-resolve every lock of one service",
        "lockmigrate check --format markdown >> $GITHUB_STEP_SUMMARY",
    ),
)
def check(
    context: typer.Context,
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
            help="Re-lock with pip-tools or uv (default: [tool.lockmigrate] resolver, else the "
            "resolver each lock's header names).",
        ),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="table, json or markdown.")
    ] = ReportFormat.TABLE,
    verbose: VerboseOption = 0,
    quiet: QuietOption = 0,
) -> None:
    """Verify that every lock is fresh, in range, layered consistently and secret-free.

    Exit 0 when all hold, 1 with the list of problems, 2 bad input, 3 resolver failure."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.reporters import check_report
    from lockmigrate.resolve import Backend, CompileOptions

    collector = Collector()
    settings = project_settings(paths or [])
    chosen = resolver.value if resolver is not None else settings.resolver
    report = api.check(
        paths or [Path()],
        options=CompileOptions(backend=Backend(chosen)) if chosen else None,
        full=full,
        collector=collector,
        exclude=settings.excluded,
    )
    # warnings; of the notes, the ones that say how a lock was checked
    level = verbosity(context, verbose=verbose, quiet=quiet)
    print_diagnostics(collector.items, level, notes=_CHECK_NOTES)
    if output_format is ReportFormat.JSON:
        sys.stdout.write(check_report.render_json(report))
    elif output_format is ReportFormat.MARKDOWN:
        sys.stdout.write(check_report.render_markdown(report))
    else:
        sys.stdout.write(check_report.render_text(report))
    if not report.ok:
        raise typer.Exit(1)
