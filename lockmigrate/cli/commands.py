"""The typer application: one function per command, parsing options and calling
:mod:`lockmigrate.api`. Heavy modules are imported inside the commands so that ``--help``
starts fast."""

from __future__ import annotations

import copy
import enum
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lockmigrate import __version__
from lockmigrate.cli.common import Resolver, terminal_width, use_color
from lockmigrate.errors import FindingsError

if TYPE_CHECKING:
    from lockmigrate.diagnostics import Diagnostic
    from lockmigrate.plan import FileChange, Plan
    from lockmigrate.targets.pip_tools import Failure

__all__ = ["app", "app_for"]

app = typer.Typer(
    name="lockmigrate",
    help="Move ranged requirements*.txt files to real lockfiles, and show what the ranges "
    "resolve to.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


class ScanFormat(str, enum.Enum):
    TABLE = "table"
    JSON = "json"


# Options several commands share, declared once.
PathsArgument = Annotated[
    list[Path] | None,
    typer.Argument(help="Folders to search, or requirement files. Default: '.'."),
]
FormatOption = Annotated[ScanFormat, typer.Option("--format", help="table or json.")]
StrictOption = Annotated[bool, typer.Option("--strict", help="Exit 1 when any warning was found.")]
WithOption = Annotated[
    str | None,
    typer.Option(
        "--with",
        metavar="NAMES",
        help="Also write workflow files: dependabot, renovate, make, pre-commit, "
        "github-actions (comma-separated).",
    ),
]


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


def _finish(collector_has_warnings: bool, strict: bool) -> None:
    if strict and collector_has_warnings:
        raise FindingsError("warnings were found and --strict is set")


@app.command()
def scan(
    paths: PathsArgument = None,
    output_format: FormatOption = ScanFormat.TABLE,
    strict: StrictOption = False,
) -> None:
    """Show the services, requirement files, ranges and what needs attention."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector

    collector = Collector()
    report = api.scan(paths or [Path()], collector=collector)
    if output_format is ScanFormat.JSON:
        from lockmigrate.reporters import scan_json

        scan_json.write(report, sys.stdout)
    else:
        from lockmigrate.reporters import scan_table

        sys.stdout.write(scan_table.render(report, color=use_color(), width=terminal_width()))
    _finish(collector.has_warnings(), strict)


# Notes that record a decision the user asked for (--merge): always shown.
_DECISIONS = frozenset(
    {
        "poetry-merge-kept",
        "poetry-metadata-kept",
        "poetry-not-equal-post",
        "poetry-overlapping-markers",
        "poetry-package-mode-off",
        "poetry-python-cap",
    }
)


def _print_diagnostics(diagnostics: Iterable[Diagnostic]) -> None:
    for diagnostic in diagnostics:
        if diagnostic.level.value != "info" or diagnostic.code in _DECISIONS:
            sys.stderr.write(f"{diagnostic}\n")


def report_plan(
    plan: Plan,
    written: tuple[FileChange, ...],
    *,
    dry_run: bool,
    json_output: bool,
    already: tuple[str, ...] = (),
    diagnostics: tuple[Diagnostic, ...] = (),
    notes: list[str] | None = None,
    failures: tuple[Failure, ...] = (),
) -> None:
    """What a migration command did (or, with ``--dry-run``, would do), for both targets.
    ``failures`` are the files ``--keep-going`` left as they were."""
    if json_output:
        from lockmigrate.reporters import migration_json

        sys.stdout.write(
            migration_json.render(
                plan,
                dry_run=dry_run,
                already=already,
                diagnostics=diagnostics,
                failures=failures,
            )
        )
        return
    from lockmigrate.plan import render_diff

    _print_diagnostics(diagnostics)
    if dry_run:
        for change in plan.effective:
            sys.stdout.write(f"would {change.action} {change.display}: {change.reason}\n")
        # On a terminal a carriage return is shown as \r; piped, the diff applies as it is.
        sys.stdout.write(render_diff(plan.effective, readable=sys.stdout.isatty()))
    else:
        for change in written:
            sys.stdout.write(f"{change.action}d {change.display}: {change.reason}\n")
    if not plan and not failures:
        sys.stdout.write(" ".join(["Nothing to change.", *(notes or [])]) + "\n")


def _progress_printer(total_hint: str) -> Callable[[str, str], None] | None:
    """Progress lines on stderr for people at a terminal; nothing for pipes and CI logs."""
    if not sys.stderr.isatty():
        return None
    import threading

    lock = threading.Lock()
    finished = [0]

    def report(shown: str, state: str) -> None:
        with lock:
            if state == "done":
                finished[0] += 1
                sys.stderr.write(f"  compiled {shown} ({finished[0]} {total_hint})\n")
            else:
                sys.stderr.write(f"  compiling {shown} ...\n")

    return report


@app.command("to-pip-tools")
def to_pip_tools(
    paths: PathsArgument = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the plan and a diff of every file; write nothing."),
    ] = False,
    generate_hashes: Annotated[
        bool, typer.Option("--generate-hashes", help="Pin hashes in the .txt files.")
    ] = False,
    upgrade: Annotated[
        bool,
        typer.Option(
            "--upgrade", help="Re-lock already migrated files to the newest allowed versions."
        ),
    ] = False,
    resolver: Annotated[
        Resolver,
        typer.Option("--resolver", help="pip-tools or uv (needs lockmigrate[uv])."),
    ] = Resolver.PIP_TOOLS,
    python: Annotated[
        str | None,
        typer.Option(
            "--python", help="pip-tools: the interpreter to resolve with (it needs pip-tools)."
        ),
    ] = None,
    python_version: Annotated[
        str | None, typer.Option("--python-version", help="uv: resolve for this Python version.")
    ] = None,
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going",
            help="Write every file that compiles; leave a file that fails (and the files "
            "layered on it) as it was, report it at file:line and exit 4.",
        ),
    ] = False,
    output_format: FormatOption = ScanFormat.TABLE,
    strict: StrictOption = False,
    with_: WithOption = None,
) -> None:
    """Turn each ranged requirements file into a pip-compile .in/.txt pair."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.io import apply
    from lockmigrate.resolve import Backend, CompileOptions
    from lockmigrate.targets.workflow import Tool, parse_integrations

    integrations = parse_integrations(with_) if with_ is not None else ()
    collector = Collector()
    options = CompileOptions(
        backend=Backend(resolver.value),
        generate_hashes=generate_hashes,
        upgrade=upgrade,
        python=python,
        python_version=python_version,
    )
    result = api.to_pip_tools(
        paths or [Path()],
        options=options,
        collector=collector,
        progress=_progress_printer("files"),
        keep_going=keep_going,
    )
    plan = result.plan
    if integrations:
        rerun = ["--generate-hashes"] if generate_hashes else []
        rerun += ["--resolver", resolver.value] if resolver is not Resolver.PIP_TOOLS else []
        plan = api.workflow(
            integrations,
            tool=Tool.PIP_TOOLS,
            plan=plan,
            paths=paths or [Path()],
            rerun=rerun,
            collector=collector,
        )
    written = () if dry_run else apply(plan)
    notes = []
    if not plan and result.already_migrated:
        notes.append(
            f"{len(result.already_migrated)} file(s) are already pip-compile locks;"
            " --upgrade re-locks them."
        )
    report_plan(
        plan,
        written,
        dry_run=dry_run,
        json_output=output_format is ScanFormat.JSON,
        already=result.already_migrated,
        diagnostics=collector.items,
        notes=notes,
        failures=result.failures,
    )
    if result.failures:
        from lockmigrate.errors import PartialError

        if output_format is not ScanFormat.JSON:
            for failure in result.failures:
                sys.stderr.write(f"{failure.origin}: error: {failure.message}\n")
        raise PartialError(
            f"{len(result.failures)} file(s) could not be migrated and were left as they were "
            f"({', '.join(f.file for f in result.failures)}); "
            f"{len(result.compiled)} lock(s) {'would be ' if dry_run else ''}written"
        )
    _finish(collector.has_warnings(), strict)


# The commands defined in their own modules register themselves on `app` when imported.
from lockmigrate.cli import (  # noqa: E402
    check_command,  # noqa: F401  (registers check)
    diff_command,  # noqa: F401  (registers the diff command)
    poetry_command,  # noqa: F401  (registers to-poetry)
)


def app_for(arguments: Sequence[str]) -> typer.Typer:
    """The application to run ``arguments`` with: when they start with a command's name,
    a copy of :data:`app` holding that command alone, else :data:`app` itself.

    typer works out every registered command's parameters on each run (15-20 ms for the
    five here); a command's own usage, help and errors do not depend on the others. The
    top level (``lockmigrate --help``, a mistyped command) keeps them all.
    """
    if not arguments:
        return app
    chosen = [info for info in app.registered_commands if info.name == arguments[0]]
    if not chosen:
        return app
    narrowed = copy.copy(app)
    narrowed.registered_commands = chosen
    return narrowed
