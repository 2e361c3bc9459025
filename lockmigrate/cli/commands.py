"""The typer application: one function per command, parsing options and calling
:mod:`lockmigrate.api`. Heavy modules are imported inside the commands so that ``--help``
starts fast."""

from __future__ import annotations

import copy
import enum
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from lockmigrate import __version__
from lockmigrate.cli.common import (
    QUIET_HELP,
    VERBOSE_HELP,
    Resolver,
    Verbosity,
    print_diagnostics,
    print_summary,
    terminal_width,
    use_color,
)
from lockmigrate.errors import FindingsError

if TYPE_CHECKING:
    from lockmigrate.diagnostics import Diagnostic
    from lockmigrate.plan import FileChange, Plan
    from lockmigrate.sources.settings import Settings
    from lockmigrate.targets.pip_tools import Failure, MigrationResult

__all__ = ["app", "app_for", "verbosity"]

app = typer.Typer(
    name="lockmigrate",
    help="Move ranged requirements*.txt files to real lockfiles, and show what the ranges "
    "resolve to.",
    add_completion=True,  # --install-completion / --show-completion: bash, zsh, fish, PowerShell
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
StatOption = Annotated[
    bool,
    typer.Option(
        "--stat",
        help="List each file with the lines it adds and removes (+A -R) instead of "
        "printing the whole diff (with --dry-run).",
    ),
]
WithOption = Annotated[
    str | None,
    typer.Option(
        "--with",
        metavar="NAMES",
        help="Also write workflow files: dependabot, renovate, make, pre-commit, "
        "github-actions (comma-separated).",
    ),
]
SelfRequirementOption = Annotated[
    str | None,
    typer.Option(
        "--lockmigrate-requirement",
        metavar="REQUIREMENT",
        help="With --with pre-commit or github-actions: how they install lockmigrate "
        "(default: the release line of this version, lockmigrate~=X.Y.Z), e.g. "
        "'lockmigrate @ git+https://github.com/OWNER/lockmigrate@COMMIT'.",
    ),
]


def workflow_rerun(lockmigrate_requirement: str | None) -> list[str]:
    """The ``--lockmigrate-requirement`` option as the generated files' comments repeat it."""
    if lockmigrate_requirement is None:
        return []
    import shlex

    return ["--lockmigrate-requirement", shlex.quote(lockmigrate_requirement)]


def check_self_requirement(
    lockmigrate_requirement: str | None, integrations: Sequence[object]
) -> None:
    """``--lockmigrate-requirement`` is only for the files that install lockmigrate."""
    from lockmigrate.errors import UsageError
    from lockmigrate.targets.workflow import Integration

    installing = {Integration.PRE_COMMIT, Integration.GITHUB_ACTIONS}
    if lockmigrate_requirement is not None and not installing & set(integrations):
        raise UsageError(
            "--lockmigrate-requirement says how --with pre-commit or --with github-actions "
            "install lockmigrate; add one of them to --with"
        )


VerboseOption = Annotated[
    int,
    typer.Option(
        "-v",
        "--verbose",
        count=True,
        show_default=False,
        help=VERBOSE_HELP,
    ),
]
QuietOption = Annotated[
    int,
    typer.Option(
        "-q",
        "--quiet",
        count=True,
        show_default=False,
        help=QUIET_HELP,
    ),
]
_VERBOSITY = "lockmigrate.verbosity"  # (verbose, quiet) given before the command's name


def verbosity(context: typer.Context, *, verbose: int, quiet: int) -> Verbosity:
    """The level a command runs at: its own ``-v``/``-q`` and those given before its name
    (``lockmigrate -q scan``), counted together."""
    before = context.meta.get(_VERBOSITY, (0, 0))
    return Verbosity.of(verbose=verbose + before[0], quiet=quiet + before[1])


def _version(value: bool) -> None:
    if value:
        typer.echo(f"lockmigrate {__version__}")
        raise typer.Exit


@app.callback()
def _root(
    context: typer.Context,
    version: Annotated[
        bool,
        typer.Option(
            "-V",
            "--version",
            callback=_version,
            is_eager=True,
            help="Print the version and exit.",
        ),
    ] = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = 0,
) -> None:
    """Move ranged requirements*.txt files to real lockfiles (-q and -v go before or after
    the command's name)."""
    context.meta[_VERBOSITY] = (verbose, quiet)


def examples(*lines: str) -> str:
    """A command's ``--help`` epilog: ``lines`` as written (``\b`` keeps click from
    re-flowing them), each a command line with what it does."""
    return "Examples:\n\n\b\n" + "\n".join(lines)


def project_settings(paths: Sequence[Path]) -> Settings:
    """``[tool.lockmigrate]`` of the project ``paths`` are in (the current folder's when
    none is given): defaults for the options the command line leaves out."""
    from lockmigrate.sources.settings import find_settings

    return find_settings(paths)


def finish(collector_has_warnings: bool, strict: bool) -> None:
    """End a migration command: with ``--strict``, warnings are findings (exit 1)."""
    if strict and collector_has_warnings:
        raise FindingsError("warnings were found and --strict is set")


@app.command(
    epilog=examples(
        "lockmigrate scan  # every requirements file under .",
        "lockmigrate scan services/api  # one service",
        "lockmigrate scan requirements-dev.txt  # one file, read strictly (exit 2 if malformed)",
        "lockmigrate scan --format json > scan.json",
    )
)
def scan(
    context: typer.Context,
    paths: PathsArgument = None,
    output_format: FormatOption = ScanFormat.TABLE,
    strict: StrictOption = False,
    verbose: VerboseOption = 0,
    quiet: QuietOption = 0,
) -> None:
    """Show the services, requirement files, ranges and what needs attention.

    The report is the same at every verbosity: its warnings and notes are part of it."""
    import gc

    from lockmigrate import api
    from lockmigrate.diagnostics import Collector

    level = verbosity(context, verbose=verbose, quiet=quiet)
    collector = Collector()
    settings = project_settings(paths or [])
    # Every line read stays alive until the report is written: meanwhile the cyclic garbage
    # collector would walk them all again and again (a fifth of the CPU time of a large
    # file), and scan makes no cycles worth collecting. Paused, and its state put back.
    collecting = gc.isenabled()
    gc.disable()
    try:
        report = api.scan(paths or [Path()], collector=collector, exclude=settings.excluded)
        if output_format is ScanFormat.JSON:
            from lockmigrate.reporters import scan_json

            scan_json.write(report, sys.stdout)
        else:
            from lockmigrate.reporters import scan_table

            sys.stdout.write(scan_table.render(report, color=use_color(), width=terminal_width()))
    finally:
        if collecting:
            gc.enable()
    if level is not Verbosity.QUIET:
        from lockmigrate.cli.common import counted

        files = sum(len(service.files) for service in report.services)
        print_summary([counted(len(report.services), "service"), counted(files, "file")])
    finish(collector.has_warnings(), strict)


def report_plan(
    plan: Plan,
    written: tuple[FileChange, ...],
    *,
    dry_run: bool,
    json_output: bool,
    level: Verbosity = Verbosity.NORMAL,
    already: tuple[str, ...] = (),
    diagnostics: tuple[Diagnostic, ...] = (),
    notes: list[str] | None = None,
    failures: tuple[Failure, ...] = (),
    stat: bool = False,
    locked: tuple[FileChange, ...] = (),
) -> None:
    """What a migration command did (or, with ``--dry-run``, would do), for every target.
    ``failures`` are the files ``--keep-going`` left as they were; ``locked`` the lock files
    a resolver wrote after the plan (``to-uv --lock``: each ``uv.lock``; ``to-poetry
    --lock``: each ``poetry.lock``). With ``-q``, only the JSON or the ``--dry-run`` plan.
    With ``stat``, each file with the lines it adds and removes, and no diff."""
    if json_output:
        from lockmigrate.reporters import migration_json

        sys.stdout.write(
            migration_json.render(
                plan,
                dry_run=dry_run,
                already=already,
                diagnostics=diagnostics,
                failures=failures,
                locked=locked,
            )
        )
        return
    from lockmigrate.plan import render_diff

    print_diagnostics(diagnostics, level)
    if dry_run:
        for change in plan.effective:
            sys.stdout.write(f"would {change.action} {_shown(change, stat)}: {change.reason}\n")
        if not stat:
            # On a terminal a carriage return is shown as \r; piped, the diff applies as it is.
            sys.stdout.write(render_diff(plan.effective, readable=sys.stdout.isatty()))
        return
    if level is Verbosity.QUIET:
        return
    for change in written:
        sys.stdout.write(f"{change.action}d {_shown(change, stat)}: {change.reason}\n")
    if not plan and not failures:
        sys.stdout.write(" ".join(["Nothing to change.", *(notes or [])]) + "\n")


def _shown(change: FileChange, stat: bool) -> str:
    """The file's name, and with ``stat`` the lines it adds and removes: ``x.txt (+12 -3)``."""
    if not stat:
        return change.display
    from lockmigrate.plan import changed_lines

    added, removed = changed_lines(change)
    return f"{change.display} (+{added} -{removed})"


def changed_text(plan: Plan, written: tuple[FileChange, ...], *, dry_run: bool) -> str:
    """``12 files written``, ``12 files would change (--dry-run: nothing written)`` or
    ``nothing to change``: a migration's part of its closing summary."""
    from lockmigrate.cli.common import counted

    if dry_run:
        changes = len(plan.effective)
        if not changes:
            return "nothing to change"
        return f"{counted(changes, 'file')} would change (--dry-run: nothing written)"
    return f"{counted(len(written), 'file')} written" if written else "nothing to change"


def _check_pip_compile_python(resolver: Resolver, python_version: str, where: str) -> None:
    """pip-compile resolves for the interpreter it runs under: a ``python-version`` from
    ``[tool.lockmigrate]`` that is not this one's is an error that says where it was set."""
    from lockmigrate.resolve import is_running_python

    if resolver is Resolver.PIP_TOOLS and not is_running_python(python_version):
        from lockmigrate.errors import UsageError

        running = ".".join(str(part) for part in sys.version_info[:3])
        raise UsageError(
            f"{where}: python-version = {python_version!r}, but pip-compile resolves for the "
            f"interpreter it runs under (Python {running}): run lockmigrate with Python "
            f"{python_version}, give --python PATH (a Python {python_version} with pip-tools), "
            "or use --resolver uv (resolver = 'uv')"
        )


@app.command(
    "to-pip-tools",
    epilog=examples(
        "lockmigrate to-pip-tools --dry-run  # the plan and a diff of every file",
        "lockmigrate to-pip-tools --dry-run --stat  # the plan: each file, lines +added -removed",
        "lockmigrate to-pip-tools  # migrate the tree under .",
        "lockmigrate to-pip-tools --resolver uv --python-version 3.11 services/",
        "lockmigrate to-pip-tools -P django  # re-lock, moving django only",
        "lockmigrate to-pip-tools --upgrade  # re-lock, moving everything in range",
    ),
)
def to_pip_tools(
    context: typer.Context,
    paths: PathsArgument = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Print the plan and a diff of every file; write nothing."),
    ] = False,
    stat: StatOption = False,
    generate_hashes: Annotated[
        bool, typer.Option("--generate-hashes", help="Pin hashes in the .txt files.")
    ] = False,
    upgrade: Annotated[
        bool,
        typer.Option(
            "--upgrade", help="Re-lock already migrated files to the newest allowed versions."
        ),
    ] = False,
    upgrade_packages: Annotated[
        list[str] | None,
        typer.Option(
            "--upgrade-package",
            "-P",
            metavar="NAME",
            help="Re-lock already migrated files, moving only NAME (to the newest version its "
            "range allows, or to NAME==VERSION); every other pin stays. Repeatable.",
        ),
    ] = None,
    resolver: Annotated[
        Resolver | None,
        typer.Option(
            "--resolver",
            help="pip-tools (default) or uv (needs lockmigrate[uv]).",
            show_default=False,
        ),
    ] = None,
    python: Annotated[
        str | None,
        typer.Option(
            "--python",
            metavar="PATH",
            help="pip-tools: the interpreter to resolve with (it needs pip-tools).",
        ),
    ] = None,
    python_version: Annotated[
        str | None,
        typer.Option(
            "--python-version",
            metavar="X.Y",
            help="The Python the locks are for (uv resolves for it; pip-compile resolves for "
            "the interpreter it runs under, which must be this version).",
        ),
    ] = None,
    keep_going: Annotated[
        bool,
        typer.Option(
            "--keep-going",
            help="Write every file that compiles; leave a file that fails (and the files "
            "layered on it) as it was, report it at file:line and exit 4.",
        ),
    ] = False,
    also_pylock: Annotated[
        bool,
        typer.Option(
            "--also-pylock",
            help="Also write a PEP 751 pylock.NAME.toml beside each lock (the same pins, "
            "with every file's URL and hashes), exported by uv (needs lockmigrate[uv]).",
        ),
    ] = False,
    output_format: FormatOption = ScanFormat.TABLE,
    strict: StrictOption = False,
    with_: WithOption = None,
    lockmigrate_requirement: SelfRequirementOption = None,
    verbose: VerboseOption = 0,
    quiet: QuietOption = 0,
) -> None:
    """Turn each ranged requirements file into a pip-compile .in/.txt pair."""
    from lockmigrate import api
    from lockmigrate.cli.progress import Progress, choose_mode
    from lockmigrate.diagnostics import Collector
    from lockmigrate.io import apply
    from lockmigrate.resolve import Backend, CompileOptions
    from lockmigrate.targets.workflow import Tool, parse_integrations

    level = verbosity(context, verbose=verbose, quiet=quiet)
    settings = project_settings(paths or [])
    resolver = resolver or Resolver(settings.resolver or Resolver.PIP_TOOLS.value)
    if python_version is None and python is None and settings.python_version is not None:
        python_version = settings.python_version
        _check_pip_compile_python(resolver, python_version, settings.where("python-version"))
    integrations = parse_integrations(with_) if with_ is not None else ()
    check_self_requirement(lockmigrate_requirement, integrations)
    collector = Collector()
    options = CompileOptions(
        backend=Backend(resolver.value),
        generate_hashes=generate_hashes,
        upgrade=upgrade,
        upgrade_packages=tuple(upgrade_packages or ()),
        python=python,
        python_version=python_version,
    )
    # on a terminal: what compiles now, and how many of how many locks are compiled
    progress = Progress(mode=choose_mode(level), doing="compiling", done="compiled", noun="lock")
    with progress:
        result = api.to_pip_tools(
            paths or [Path()],
            options=options,
            collector=collector,
            progress=progress.callback(),
            planned=progress.planned,
            keep_going=keep_going,
            exclude=settings.excluded,
            also_pylock=also_pylock,
        )
    plan = result.plan
    if integrations:
        rerun = ["--generate-hashes"] if generate_hashes else []
        rerun += ["--resolver", resolver.value] if resolver is not Resolver.PIP_TOOLS else []
        rerun += workflow_rerun(lockmigrate_requirement)
        plan = api.workflow(
            integrations,
            tool=Tool.PIP_TOOLS,
            plan=plan,
            paths=paths or [Path()],
            rerun=rerun,
            lockmigrate_requirement=lockmigrate_requirement,
            collector=collector,
            exclude=settings.excluded,
        )
    written = () if dry_run else apply(plan)
    notes = []
    if not plan and result.already_migrated:
        notes.append(
            f"{len(result.already_migrated)} file(s) are already pip-compile locks;"
            " --upgrade re-locks them (--upgrade-package NAME moves one package)."
        )
    report_plan(
        plan,
        written,
        dry_run=dry_run,
        json_output=output_format is ScanFormat.JSON,
        level=level,
        already=result.already_migrated,
        diagnostics=collector.items,
        notes=notes,
        failures=result.failures,
        stat=stat,
    )
    if level is not Verbosity.QUIET:
        print_summary(_pip_tools_summary(result, changed_text(plan, written, dry_run=dry_run)))
    if result.failures:
        _partial(result, dry_run=dry_run, json_output=output_format is ScanFormat.JSON)
    finish(collector.has_warnings(), strict)


def _pip_tools_summary(result: MigrationResult, changed: str) -> list[str]:
    """The closing summary's parts: services, locks compiled, failed, already locked, and
    ``changed`` (the files written, or that would be)."""
    from lockmigrate.cli.common import counted

    return [
        counted(len(result.services), "service"),
        f"{counted(len(result.compiled), 'lock')} compiled" if result.compiled else "",
        f"{len(result.failures)} failed" if result.failures else "",
        f"{len(result.already_migrated)} already locked" if result.already_migrated else "",
        changed,
    ]


def _partial(result: MigrationResult, *, dry_run: bool, json_output: bool) -> NoReturn:
    """``--keep-going`` left files that failed: each at its ``file:line``, and exit 4."""
    from lockmigrate.errors import PartialError

    if not json_output:
        for failure in result.failures:
            sys.stderr.write(f"{failure.origin}: error: {failure.message}\n")
    raise PartialError(
        f"{len(result.failures)} file(s) could not be migrated and were left as they were "
        f"({', '.join(f.file for f in result.failures)}); "
        f"{len(result.compiled)} lock(s) {'would be ' if dry_run else ''}written"
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
