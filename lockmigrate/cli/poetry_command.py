"""``lockmigrate to-poetry``: registered on the typer application."""

from __future__ import annotations

import enum
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
    from lockmigrate.targets.poetry import PoetryOptions, PoetryResult


class LayoutChoice(str, enum.Enum):
    PEP621 = "pep621"
    POETRY = "poetry"


class StyleChoice(str, enum.Enum):
    PEP440 = "pep440"
    POETRY = "poetry"


@app.command(
    "to-poetry",
    epilog=examples(
        "lockmigrate to-poetry --dry-run  # the plan and a diff of every file",
        "lockmigrate to-poetry --lock  # write pyproject.toml, then poetry lock",
        "lockmigrate to-poetry --layout poetry --constraint-style poetry services/api",
        "lockmigrate to-poetry --merge --python-version 3.11",
    ),
)
def to_poetry(
    context: typer.Context,
    paths: PathsArgument = None,
    layout: Annotated[
        LayoutChoice | None,
        typer.Option(
            "--layout",
            help="pep621: [project] + [dependency-groups] (default); poetry: [tool.poetry] tables.",
            show_default=False,
        ),
    ] = None,
    constraint_style: Annotated[
        StyleChoice,
        typer.Option(
            "--constraint-style",
            help="pep440: keep the specifiers (default); poetry: ^/~ where provably equal "
            "(with --layout poetry).",
        ),
    ] = StyleChoice.PEP440,
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
    python_alias: Annotated[
        str | None,
        typer.Option("--python", hidden=True, help="The old name of --python-version."),
    ] = None,
    merge: Annotated[
        bool,
        typer.Option("--merge", help="Keep dependencies already in pyproject.toml; add the rest."),
    ] = False,
    remove_requirements: Annotated[
        bool,
        typer.Option("--remove-requirements", help="Delete the requirement files replaced."),
    ] = False,
    package_mode: Annotated[
        bool | None,
        typer.Option(
            "--package-mode/--no-package-mode",
            help="Whether the service is a package; default: when it has a build system, a "
            "[project] version, setup.py or setup.cfg.",
        ),
    ] = None,
    lock: Annotated[
        bool, typer.Option("--lock", help="Run `poetry lock` in each service afterwards.")
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
    """Write each service's pyproject.toml: main dependencies and one group per role."""
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.targets.workflow import Tool, parse_integrations

    _check_style(constraint_style, layout)
    level = verbosity(context, verbose=verbose, quiet=quiet)
    settings = project_settings(paths or [])
    python = _one_python(python_version, python_alias)
    if python is None and settings.python_version is not None:
        python = settings.python_version, settings.where("python-version")
    integrations = parse_integrations(with_) if with_ is not None else ()
    check_self_requirement(lockmigrate_requirement, integrations)
    collector = Collector()
    options = _options(
        layout or LayoutChoice(settings.layout or LayoutChoice.PEP621.value),
        constraint_style,
        python,
        merge=merge,
        remove_requirements=remove_requirements,
        package_mode=package_mode,
    )
    if lock and not dry_run:
        from lockmigrate.resolve.poetry import poetry_command

        poetry_command()  # no Poetry: stop (exit 3) before anything is written
    result = api.to_poetry(
        paths or [Path()], options=options, collector=collector, exclude=settings.excluded
    )

    def with_workflow() -> Plan:
        """The plan with the files ``--with`` names, for each service's pyproject.toml."""
        return api.workflow(
            integrations,
            tool=Tool.POETRY,
            plan=result.plan,
            rerun=workflow_rerun(lockmigrate_requirement),
            lockmigrate_requirement=lockmigrate_requirement,
            collector=collector,
            exclude=settings.excluded,
        )

    # with --lock, the workflow files are planned from each poetry.lock just written
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
        print_summary(_poetry_summary(result, changed, len(locked)))
    finish(collector.has_warnings(), strict)


def _check_style(constraint_style: StyleChoice, layout: LayoutChoice | None) -> None:
    """``--constraint-style poetry`` with ``--layout pep621`` is a usage error."""
    if constraint_style is StyleChoice.POETRY and layout is LayoutChoice.PEP621:
        from lockmigrate.errors import UsageError

        raise UsageError(
            "--constraint-style poetry needs --layout poetry: [project] dependencies are "
            "PEP 508 strings, which cannot hold ^ or ~"
        )


def _options(
    layout: LayoutChoice,
    constraint_style: StyleChoice,
    python: tuple[str, str] | None,
    *,
    merge: bool,
    remove_requirements: bool,
    package_mode: bool | None,
) -> PoetryOptions:
    """The planner's options from the command line's (``python``: the value of
    ``--python-version`` or what stands for it, with where it was given)."""
    from lockmigrate.targets.poetry import ConstraintStyle, Layout, PoetryOptions

    return PoetryOptions(
        layout=Layout(layout.value),
        constraint_style=ConstraintStyle(constraint_style.value),
        merge=merge,
        remove_requirements=remove_requirements,
        package_mode=package_mode,
        **({"requires_python": requires_python_option(*python)} if python else {}),
    )


def _lock(
    result: PoetryResult, written: Sequence[FileChange], level: Verbosity, collector: Collector
) -> tuple[FileChange, ...]:
    """``poetry lock`` for each service just written (:func:`lockmigrate.api.lock_poetry`:
    a failure puts every file back): the ``poetry.lock`` files written (and each
    ``pyproject.toml`` written again with a Python cap Poetry asked for, noted in
    ``collector``). On a terminal, which runs now and how many are done, since it takes
    seconds a service."""
    from lockmigrate import api
    from lockmigrate.cli.progress import Progress, choose_mode

    progress = Progress(mode=choose_mode(level), doing="locking", done="locked", noun="service")

    def report(pyproject: str, state: str) -> None:
        if state == "locking":
            progress.started(pyproject, f"poetry lock for {pyproject}")
        else:
            progress.finished(pyproject, ok=state == "done")

    with progress:
        progress.planned(len(result.services))
        return api.lock_poetry(result, written, progress=report, collector=collector)


def _poetry_summary(result: PoetryResult, changed: str, locked: int) -> list[str]:
    """The closing summary's parts: services, ``changed`` (the files written, or that
    would be), and how many ``poetry.lock`` files ``poetry lock`` wrote (as to-uv counts
    its ``uv.lock`` files: none when every lock was up to date)."""
    from lockmigrate.cli.common import counted

    return [
        counted(len(result.services), "service"),
        changed,
        f"{counted(locked, 'lock file')} written by poetry lock" if locked else "",
    ]


def _print_services(result: PoetryResult) -> None:
    for service in result.services:
        mode = (
            "a package"
            if service.package_mode
            else "a package, installed by Poetry as dependencies only (package-mode = false)"
            if service.is_package
            else "an application (package-mode = false)"
        )
        groups = f", groups: {', '.join(service.groups)}" if service.groups else ""
        sys.stdout.write(
            f"{service.pyproject}: requires-python {service.requires_python!r} (from "
            f"{service.requires_python_from}), {mode}{groups}\n"
        )
        for source in (s for s in service.sources if s.url):
            variable = source.name.upper().replace("-", "_")
            sys.stdout.write(
                f"  source {source.name!r} ({source.priority}) {source.url}: set its "
                f"credentials with  poetry config http-basic.{source.name} "
                f"{source.username or '<user>'} <password>  (or POETRY_HTTP_BASIC_"
                f"{variable}_USERNAME / _PASSWORD)\n"
            )


def _one_python(python_version: str | None, alias: str | None) -> tuple[str, str] | None:
    """The value of ``--python-version`` or of its old name ``--python`` (documented before
    every command took ``--python-version``), with the name it was given as."""
    if python_version is not None and alias is not None:
        from lockmigrate.errors import UsageError

        raise UsageError("--python is the old name of --python-version: give one of them")
    if python_version is not None:
        return python_version, "--python-version"
    if alias is not None:
        return alias, "--python"
    return None
