"""``lockmigrate check``: its options, declared once (:data:`OPTIONS`), and what it does once
they are read (:func:`run`).

``check`` is what a pre-commit hook runs on every commit that touches a requirements file,
and when every lock's recorded input digest still matches, start-up is most of its time.
:mod:`lockmigrate.cli.check_command` builds the typer command from :data:`OPTIONS`, and
:func:`read_arguments` reads their plain forms without typer (:mod:`lockmigrate.cli.declared`),
so that :func:`lockmigrate.cli.main` can run ``check`` without importing typer (about 40 ms).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.cli.common import (
    QUIET_REPORT_HELP,
    VERBOSE_HELP,
    ReportFormat,
    Resolver,
    Verbosity,
)
from lockmigrate.cli.declared import Option, read_plain

if TYPE_CHECKING:
    from lockmigrate.check import CheckReport
    from lockmigrate.cli.progress import Progress
    from lockmigrate.import_check import ImportHooks, ImportReport

__all__ = [
    "EXAMPLES",
    "HELP",
    "OPTIONS",
    "PATHS_HELP",
    "CheckArguments",
    "read_arguments",
    "run",
]

HELP = """Verify that every lock is fresh, in range, layered consistently and secret-free, and
that every requirements file with ranges is locked. With --import, also install each lock
into a throwaway environment and import every module it installs.

Exit 0 when all hold, 1 with the list of problems (a module that does not import is one),
2 bad input or nothing to check, 3 resolver failure (uv could not make or fill the
environment), 130 interrupted."""

PATHS_HELP = "Folders to search, or files. Default: '.'."

#: The ``--help`` epilog: examples (as :func:`lockmigrate.cli.commands.examples` lays them out).
EXAMPLES = (
    "lockmigrate check  # every lock under ., as CI runs it",
    "lockmigrate check --full services/api  # re-resolve every lock of one service",
    "lockmigrate check --exclude legacy  # leave out a folder never to be locked",
    "lockmigrate check --format markdown >> $GITHUB_STEP_SUMMARY",
    "lockmigrate check --import services/api  # does every module of its lock import?",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckArguments:
    """The options of ``lockmigrate check``, read."""

    paths: tuple[Path, ...] = ()
    full: bool = False
    resolver: Resolver | None = None  # None: as each lock's header says
    output_format: ReportFormat = ReportFormat.TABLE
    exclude: tuple[str, ...] = ()
    import_modules: bool = False  # --import
    verbose: int = 0  # how many -v
    quiet: int = 0  # how many -q

    @property
    def verbosity(self) -> Verbosity:
        return Verbosity.of(verbose=self.verbose, quiet=self.quiet)


OPTIONS: tuple[Option, ...] = (
    Option(
        name="--full",
        field="full",
        takes="flag",
        help="Re-resolve every lock, even when its input digest matches.",
    ),
    Option(
        name="--resolver",
        field="resolver",
        takes="one",
        choices=Resolver,
        help="Re-lock with pip-tools or uv (default: [tool.lockmigrate] resolver, else the "
        "resolver each lock's header names).",
    ),
    Option(
        name="--format",
        field="output_format",
        takes="one",
        choices=ReportFormat,
        help="table, json or markdown.",
    ),
    Option(
        name="--exclude",
        field="exclude",
        takes="many",
        metavar="GLOB",
        help="Leave out the files this glob matches: a name (requirements-docs.txt, legacy) "
        "anywhere, or a path from here (svc/requirements-*.txt, legacy/**). Added to "
        "[tool.lockmigrate] exclude. Repeatable.",
    ),
    Option(
        name="--import",
        field="import_modules",
        takes="flag",
        help="Also install each lock exactly into a throwaway environment for its Python "
        "(uv venv, uv pip sync; removed afterwards) and import every top-level module of "
        "every package it installs, each in a fresh interpreter: a module that fails is a "
        "problem at the lock line that pins its package. Needs uv.",
    ),
    Option(name="--verbose", short="-v", field="verbose", takes="count", help=VERBOSE_HELP),
    Option(name="--quiet", short="-q", field="quiet", takes="count", help=QUIET_REPORT_HELP),
)
assert {f.name for f in fields(CheckArguments)} == {"paths", *(o.field for o in OPTIONS)}  # noqa: S101


def read_arguments(arguments: Sequence[str]) -> CheckArguments | None:
    """The options in ``arguments`` (what follows ``check``), or ``None`` when any of them
    is not in a plain form :func:`~lockmigrate.cli.declared.read_plain` knows: typer must
    read those."""
    values = read_plain(arguments, OPTIONS)
    return None if values is None else CheckArguments(**values)


# Notes that say how a lock was checked: shown although they are not warnings.
_CHECK_NOTES = frozenset({"freshness-unknown", "relocked-for-python"})


def run(arguments: CheckArguments) -> int:
    """Check, print the report; the exit code (0, or 1 with findings). Errors are raised:
    a re-lock that failed after the report is printed (exit 3).

    ``[tool.lockmigrate]`` gives the defaults: ``resolver`` when ``--resolver`` is not
    given, and ``exclude``, to which ``--exclude`` adds (from the current folder)."""
    from lockmigrate import api
    from lockmigrate.cli.common import print_diagnostics
    from lockmigrate.diagnostics import Collector
    from lockmigrate.reporters import check_report
    from lockmigrate.sources.discover import Exclude
    from lockmigrate.sources.settings import find_settings

    settings = find_settings(arguments.paths)
    chosen = arguments.resolver.value if arguments.resolver is not None else settings.resolver
    options = None
    if chosen is not None:
        from lockmigrate.resolve import Backend, CompileOptions

        options = CompileOptions(backend=Backend(chosen))
    exclude = settings.excluded
    if arguments.exclude:
        given = Exclude(root=Path.cwd(), patterns=arguments.exclude)
        exclude = given.union(exclude)
    collector = Collector()
    level = arguments.verbosity
    # re-resolving takes seconds a lock: on a terminal, which runs now and how many are done.
    # Made when there is a lock to re-resolve: the digest path never loads the display.
    shown: list[Progress] = []

    def planned(count: int) -> None:
        from lockmigrate.cli.progress import Progress, choose_mode

        display = Progress(
            mode=choose_mode(level), doing="re-resolving", done="re-resolved", noun="lock"
        )
        shown.append(display)
        display.planned(count)

    def progress(lock: str, state: str) -> None:
        shown[0].callback()(lock, state)

    importing: list[Progress] = []  # check --import's display, made now (shown when used)
    imports = _import_hooks(level, importing, shown) if arguments.import_modules else None
    try:
        report = api.check(
            arguments.paths or (Path(),),
            options=options,
            full=arguments.full,
            collector=collector,
            exclude=exclude,
            progress=progress,
            planned=planned,
            imports=imports,
        )
    finally:
        for display in (*shown, *importing):
            display.close()
    # warnings; of the notes, the ones that say how a lock was checked
    print_diagnostics(collector.items, level, notes=_CHECK_NOTES)
    if arguments.output_format is ReportFormat.JSON:
        sys.stdout.write(check_report.render_json(report))
    elif arguments.output_format is ReportFormat.MARKDOWN:
        sys.stdout.write(check_report.render_markdown(report))
    else:
        sys.stdout.write(check_report.render_text(report))
    return _end(report, level)


def _end(report: CheckReport, level: Verbosity) -> int:
    """The closing summary; then the exit code (0, or 1 with findings), or the errors of
    the re-locks that failed, raised (exit 3): the check could not be made whole."""
    if level is not Verbosity.QUIET:
        from lockmigrate.cli.common import counted, print_summary

        parts = [
            f"{counted(len(report.locks), 'lock')} checked",
            counted(len(report.services), "service"),
            f"{len(report.resolved)} re-resolved" if report.resolved else "",
            _imports_part(report.imports),
            "ok" if report.ok else counted(len(report.findings), "problem"),
            f"{counted(len(report.relock_errors), 're-lock')} failed"
            if report.relock_errors
            else "",
        ]
        print_summary(parts)
    if report.relock_errors:
        from lockmigrate.errors import ExternalToolError

        raise ExternalToolError("\n".join(report.relock_errors))
    return 0 if report.ok else 1


def _import_hooks(level: Verbosity, shown: list[Progress], before: list[Progress]) -> ImportHooks:
    """The hooks of ``check --import``: a display of the modules imported (added to
    ``shown``, which is closed before the report is printed); the displays in ``before``
    (re-resolving) are closed when the imports begin."""
    from lockmigrate.cli.progress import Progress, choose_mode
    from lockmigrate.import_check import ImportHooks

    display = Progress(mode=choose_mode(level), doing="importing", done="imported", noun="module")
    shown.append(display)

    def stage(text: str) -> None:
        for earlier in before:
            earlier.close()
        display.at(text)

    def module(name: str, state: str) -> None:
        if state == "importing":
            display.started(name)
        else:
            display.finished(name, ok=state == "imported")

    return ImportHooks(stage=stage, planned=display.planned, module=module)


def _imports_part(imports: ImportReport | None) -> str:
    """``52 modules imported, 1 failed, 0 skipped`` for the summary line."""
    if imports is None:
        return ""
    from lockmigrate.cli.common import counted

    return (
        f"{counted(imports.imported, 'module')} imported, {len(imports.failures)} failed, "
        f"{imports.skipped} skipped"
    )
