"""``lockmigrate diff``: locks against declared ranges and the index, or lock against lock.

Registered on :data:`lockmigrate.cli.commands.app` when that module is imported; declares
the options and hands them to :func:`lockmigrate.cli.diff_run.run`, which compares, prints
the report and raises the error the exit code comes from. Plain command lines are read
without typer (:func:`lockmigrate.cli.diff_run.read_arguments`); this is the reading of
every other one, and the one ``--help`` shows.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from lockmigrate.cli.commands import QuietOption, VerboseOption, app, examples, verbosity
from lockmigrate.cli.common import ReportFormat, Resolver, Verbosity
from lockmigrate.cli.diff_run import DEFAULT_FAIL_ON, DiffArguments, run

__all__ = ["diff"]


@app.command(
    "diff",
    epilog=examples(
        "lockmigrate diff  # locks under . against their ranges and the index",
        "lockmigrate diff --offline  # the same without the network",
        "lockmigrate diff requirements.in --lock requirements.txt --fail-on out-of-range,behind",
        "lockmigrate diff --from HEAD~1 --to requirements.txt  # what a lock refresh changed",
    ),
)
def diff(
    context: typer.Context,
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
            "--lock",
            metavar="LOCK",
            help="Compare with this lock (pip-compile .txt, poetry.lock, pylock.toml).",
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
            metavar="OLD",
            help="Lock against lock: the old lock file, or a git revision of --to (HEAD~1).",
        ),
    ] = None,
    new: Annotated[
        Path | None,
        typer.Option("--to", metavar="NEW", help="Lock against lock: the new lock file."),
    ] = None,
    output_format: Annotated[
        ReportFormat, typer.Option("--format", help="table, json or markdown.")
    ] = ReportFormat.TABLE,
    fail_on: Annotated[
        str,
        typer.Option(
            "--fail-on",
            metavar="STATUSES",
            help="Exit 1 when a row has one of these statuses or flags (comma-separated: "
            "ok, out-of-range, behind, capped, held, unguarded, missing, unknown; the flag "
            "yanked; '' for never).",
        ),
    ] = DEFAULT_FAIL_ON,
    offline: Annotated[
        bool,
        typer.Option(
            "--offline",
            help="Never touch the network: no newest columns, and inputs without a lock "
            "are skipped, not resolved.",
        ),
    ] = False,
    python_version: Annotated[
        str | None,
        typer.Option(
            "--python-version",
            metavar="X.Y",
            help="Evaluate markers and filter versions for this Python (default: what the "
            "lock's header says, else the lowest requires-python allows, else this "
            "interpreter's).",
        ),
    ] = None,
    resolver: Annotated[
        Resolver | None,
        typer.Option(
            "--resolver",
            help="pip-tools or uv, when ranges are resolved now (default: the resolver the "
            "lock's header names, else the tree's locks', else pip-tools), and for the "
            "re-lock check (default: uv when installed).",
        ),
    ] = None,
    verbose: VerboseOption = 0,
    quiet: QuietOption = 0,
    no_relock_check: Annotated[
        bool,
        typer.Option(
            "--no-relock-check",
            help="Do not re-lock with upgrades to learn which behind/unguarded packages "
            "another pin caps (one resolver run per input that has such rows).",
        ),
    ] = False,
) -> None:
    """Compare locks with their declared ranges and the index, or two locks."""
    level = verbosity(context, verbose=verbose, quiet=quiet)  # lockmigrate -q diff too
    run(
        DiffArguments(
            paths=tuple(paths or ()),
            lock=lock,
            resolve=resolve,
            old=old,
            new=new,
            output_format=output_format,
            fail_on=fail_on,
            offline=offline,
            python_version=python_version,
            resolver=resolver,
            verbose=int(level is Verbosity.VERBOSE),
            quiet=int(level is Verbosity.QUIET),
            no_relock_check=no_relock_check,
        )
    )
