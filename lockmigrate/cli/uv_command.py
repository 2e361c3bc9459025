"""``lockmigrate to-uv``: registered on the typer application."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from lockmigrate.cli.commands import (
    FormatOption,
    PathsArgument,
    QuietOption,
    ScanFormat,
    SelfRequirementOption,
    StatOption,
    StrictOption,
    VerboseOption,
    WithOption,
    app,
    changed_text,
    check_self_requirement,
    examples,
    finish,
    project_settings,
    report_plan,
    verbosity,
    workflow_rerun,
)
from lockmigrate.cli.common import Verbosity, print_summary, requires_python_option

if TYPE_CHECKING:
    from collections.abc import Sequence

    from lockmigrate.diagnostics import Collector
    from lockmigrate.plan import FileChange, Plan
    from lockmigrate.targets.uv import UvResult


@app.command(
    "to-uv",
    epilog=examples(
        "lockmigrate to-uv --dry-run  # the plan and a diff of every file",
        "lockmigrate to-uv --lock  # write pyproject.toml, then uv lock in each service",
        "lockmigrate to-uv --workspace --lock services/  # one workspace, one uv.lock",
        "lockmigrate to-uv --python-version 3.11 services/api",
        "lockmigrate to-uv --lock --with dependabot,make,github-actions  # and the CI files",
    ),
)
def to_uv(
    context: typer.Context,
    paths: PathsArgument = None,
    python_version: Annotated[
        str | None,
        typer.Option(
            "--python-version",
            metavar="X.Y",
            help="The lowest Python the project supports: requires-python >=X.Y (or give a "
            "specifier, '>=3.10,<3.14'); default: the project's own, else what the ranges "
            "need.",
        ),
    ] = None,
    workspace: Annotated[
        bool,
        typer.Option(
            "--workspace",
            help="Also write a root pyproject.toml whose [tool.uv.workspace] members are the "
            "services (the folder holding the paths given), locked together in one uv.lock.",
        ),
    ] = False,
    lock: Annotated[
        bool,
        typer.Option(
            "--lock",
            help="Run `uv lock` afterwards, and compare its versions of the direct "
            "dependencies with the pip-compile locks beside the files.",
        ),
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan and a diff; write nothing.")
    ] = False,
    stat: StatOption = False,
    output_format: FormatOption = ScanFormat.TABLE,
    strict: StrictOption = False,
    with_: WithOption = None,
    lockmigrate_requirement: SelfRequirementOption = None,
    verbose: VerboseOption = 0,
    quiet: QuietOption = 0,
) -> None:
    """Write each service's pyproject.toml for uv: dependencies and one group per role."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.targets.uv import UvOptions
    from lockmigrate.targets.workflow import Tool, parse_integrations

    level = verbosity(context, verbose=verbose, quiet=quiet)
    settings = project_settings(paths or [])
    python = python_version or settings.python_version
    integrations = parse_integrations(with_) if with_ is not None else ()
    check_self_requirement(lockmigrate_requirement, integrations)
    collector = Collector()
    options = UvOptions(
        requires_python=requires_python_option(python) if python is not None else None,
        workspace=workspace,
    )
    if lock and not dry_run:
        from lockmigrate.resolve.uv import uv_command

        uv_command()  # no uv: stop (exit 3) before anything is written
    result = api.to_uv(
        paths or [Path()], options=options, collector=collector, exclude=settings.excluded
    )

    def with_workflow() -> Plan:
        """The plan with the files ``--with`` names, for the uv projects (the workspace
        root's, with ``--workspace``), repeating the options that matter again."""
        rerun = ["--workspace"] if workspace else []
        return api.workflow(
            integrations,
            tool=Tool.UV,
            plan=result.plan,
            rerun=[*rerun, *workflow_rerun(lockmigrate_requirement)],
            lockmigrate_requirement=lockmigrate_requirement,
            collector=collector,
            exclude=settings.excluded,
            uv_result=result,
        )

    # with --lock, the workflow files are planned from each uv.lock just written
    plan, written, locked = api.apply_and_lock(
        result.plan,
        lock=(lambda files: _lock(result, files, level, collector)) if lock else None,
        workflow=with_workflow if integrations else None,
        dry_run=dry_run,
    )
    if output_format is not ScanFormat.JSON and level is not Verbosity.QUIET:
        _print_services(result)
    report_plan(
        plan,
        (*written, *locked),
        dry_run=dry_run,
        json_output=output_format is ScanFormat.JSON,
        level=level,
        diagnostics=collector.items,
        stat=stat,
        locked=locked,
    )
    if level is not Verbosity.QUIET:
        changed = changed_text(plan, written, dry_run=dry_run)
        print_summary(_summary(result, changed, len(locked) if lock and not dry_run else 0))
    finish(collector.has_warnings(), strict)


def _lock(
    result: UvResult, written: Sequence[FileChange], level: Verbosity, collector: Collector
) -> tuple[FileChange, ...]:
    """``uv lock`` for each service just written (:func:`lockmigrate.api.lock_uv`: a
    failure puts every file back); on a terminal, which runs now and how many are done."""
    from lockmigrate import api
    from lockmigrate.cli.progress import Progress, choose_mode

    progress = Progress(mode=choose_mode(level), doing="locking", done="locked", noun="project")

    def report(lock: str, state: str) -> None:
        if state == "locking":
            progress.started(lock, f"uv lock for {lock}")
        else:
            progress.finished(lock, ok=state == "done")

    with progress:
        progress.planned(1 if result.workspace is not None else len(result.services))
        locked, _ = api.lock_uv(result, written, collector=collector, progress=report)
    return locked


def _summary(result: UvResult, changed: str, locked: int) -> list[str]:
    from lockmigrate.cli.common import counted

    return [
        counted(len(result.services), "service"),
        changed,
        f"{counted(locked, 'lock file')} written by uv lock" if locked else "",
    ]


def _print_services(result: UvResult) -> None:
    from lockmigrate.targets.uv.options import credential_variables

    for service in result.services:
        groups = f", groups: {', '.join(service.groups)}" if service.groups else ""
        python = (
            f"requires-python {service.requires_python!r} (from {service.requires_python_from})"
            if service.requires_python
            else "no [project], so no requires-python: uv locks for the Python it runs and up"
        )
        sys.stdout.write(f"{service.pyproject}: {python}{groups}\n")
        for index in service.indexes:
            user, password = credential_variables(index.name)
            kind = "default index" if index.default else "index"
            sys.stdout.write(
                f"  {kind} {index.name!r} {index.url}: uv reads its credentials from "
                f"{user} / {password}\n"
            )
    if result.workspace is not None:
        sys.stdout.write(f"{result.workspace}: a uv workspace of {len(result.services)} services\n")
