"""The typer application: one function per command, parsing options and calling
:mod:`lockmigrate.api`. Heavy modules are imported inside the commands so that ``--help``
starts fast."""

from __future__ import annotations

import enum
import os
import sys
from pathlib import Path
from typing import Annotated

import typer

from lockmigrate import __version__
from lockmigrate.errors import FindingsError

__all__ = ["app"]

app = typer.Typer(
    name="lockmigrate",
    help="Move ranged requirements*.txt files to real lockfiles, and show what the ranges "
    "resolve to.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class ScanFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lockmigrate {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Move ranged requirements*.txt files to real lockfiles."""


def _use_color() -> bool:
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _finish(collector_has_warnings: bool, strict: bool) -> None:
    if strict and collector_has_warnings:
        raise FindingsError("warnings were found and --strict is set")


@app.command()
def scan(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(help="Folders to search, or requirement files. Default: '.'."),
    ] = None,
    output_format: Annotated[
        ScanFormat, typer.Option("--format", help="table (default) or json.")
    ] = ScanFormat.TABLE,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 when any warning was found.")
    ] = False,
) -> None:
    """Show the services, requirement files, ranges and what needs attention."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector

    collector = Collector()
    report = api.scan(paths or [Path()], collector=collector)
    if output_format is ScanFormat.JSON:
        from lockmigrate.reporters import scan_json

        sys.stdout.write(scan_json.render(report))
    else:
        from lockmigrate.reporters import scan_table

        sys.stdout.write(scan_table.render(report, color=_use_color()))
    _finish(collector.has_warnings(), strict)
