"""``lockmigrate check``: its options, declared once; what it does once they are read; and a
reader of their plain forms that needs no typer.

``check`` is what a pre-commit hook runs on every commit that touches a requirements file,
and when every lock's recorded input digest still matches, start-up is most of its time:
typer and click take about 40 ms to import and to build the command. :data:`OPTIONS` declares
each option once; :mod:`lockmigrate.cli.check_command` builds the typer command from it (help,
usage errors, ``--help``, the command reference), and :func:`read_arguments` reads the plain
forms of the same options (``--name value``, ``--name=value``, flags, ``-v``/``-q`` and
their counts such as ``-vv``, paths) so that
:func:`lockmigrate.cli.main` can run ``check`` without typer. It answers ``None`` for
anything else (``--help``, an unknown or misspelt option, a value that looks like an option,
an unknown choice, an empty path), and typer then reads the whole command line, with its own
messages. ``tests/property/test_check_arguments.py`` holds the two readings equal.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from lockmigrate.cli.common import QUIET_HELP, VERBOSE_HELP, ReportFormat, Resolver, Verbosity

if TYPE_CHECKING:
    from lockmigrate.cli.progress import Progress

__all__ = [
    "EXAMPLES",
    "HELP",
    "OPTIONS",
    "PATHS_HELP",
    "CheckArguments",
    "Option",
    "read_arguments",
    "run",
]

HELP = """Verify that every lock is fresh, in range, layered consistently and secret-free, and
that every requirements file with ranges is locked.

Exit 0 when all hold, 1 with the list of problems, 2 bad input or nothing to check,
3 resolver failure."""

PATHS_HELP = "Folders to search, or files. Default: '.'."

#: The ``--help`` epilog: examples (as :func:`lockmigrate.cli.commands.examples` lays them out).
EXAMPLES = (
    "lockmigrate check  # every lock under ., as CI runs it",
    "lockmigrate check --full services/api  # re-resolve every lock of one service",
    "lockmigrate check --exclude legacy  # leave out a folder never to be locked",
    "lockmigrate check --format markdown >> $GITHUB_STEP_SUMMARY",
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckArguments:
    """The options of ``lockmigrate check``, read."""

    paths: tuple[Path, ...] = ()
    full: bool = False
    resolver: Resolver | None = None  # None: as each lock's header says
    output_format: ReportFormat = ReportFormat.TABLE
    exclude: tuple[str, ...] = ()
    verbose: int = 0  # how many -v
    quiet: int = 0  # how many -q

    @property
    def verbosity(self) -> Verbosity:
        return Verbosity.of(verbose=self.verbose, quiet=self.quiet)


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One option of ``check``: its name (and short name), the :class:`CheckArguments` field
    it sets, and whether it is a flag, a flag that counts (``-vv``), takes one value (from
    ``choices`` when given) or may be repeated."""

    name: str
    field: str
    takes: Literal["flag", "count", "one", "many"]
    help: str
    choices: type[ReportFormat] | type[Resolver] | None = None
    metavar: str | None = None
    short: str | None = None


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
    Option(name="--verbose", short="-v", field="verbose", takes="count", help=VERBOSE_HELP),
    Option(name="--quiet", short="-q", field="quiet", takes="count", help=QUIET_HELP),
)
_BY_NAME = {
    name: option for option in OPTIONS for name in (option.name, option.short) if name is not None
}
# The letters of the short counted flags: -vv, -qq, -vq count one per letter, as click reads
_SHORT_COUNTED = {
    option.short[1:]: option
    for option in OPTIONS
    if option.takes == "count" and option.short is not None
}
assert {f.name for f in fields(CheckArguments)} == {"paths", *(o.field for o in OPTIONS)}  # noqa: S101


def read_arguments(arguments: Sequence[str]) -> CheckArguments | None:
    """The options in ``arguments`` (what follows ``check``), or ``None`` when any of them
    is not in a plain form this reader knows: typer must read those."""
    values: dict[str, Any] = {}
    paths: list[Path] = []
    repeated: dict[str, list[str]] = {}
    position = 0
    while position < len(arguments):
        token = arguments[position]
        position += 1
        if not token.startswith("-"):
            if not token:
                return None
            paths.append(Path(token))
            continue
        letters = token[1:]
        if not token.startswith("--") and letters and all(c in _SHORT_COUNTED for c in letters):
            for letter in letters:  # -v, -vv, -vq
                field = _SHORT_COUNTED[letter].field
                values[field] = values.get(field, 0) + 1
            continue
        name, equals, inline = token.partition("=")
        option = _BY_NAME.get(name)
        if option is None:
            return None  # --help, --, -x, an unknown option
        if option.takes in {"flag", "count"}:
            if equals:
                return None  # a flag given a value: typer says so
            values[option.field] = (
                values.get(option.field, 0) + 1 if option.takes == "count" else True
            )
            continue
        if equals:
            value = inline
        elif position < len(arguments) and not arguments[position].startswith("-"):
            value = arguments[position]
            position += 1
        else:
            return None  # no value, or one typer might read as an option
        if option.takes == "many":
            repeated.setdefault(option.field, []).append(value)
        elif option.choices is not None:
            try:
                values[option.field] = option.choices(value)
            except ValueError:
                return None  # typer names the valid choices
        else:
            values[option.field] = value
    values.update((field, tuple(given)) for field, given in repeated.items())
    return CheckArguments(paths=tuple(paths), **values)


# Notes that say how a lock was checked: shown although they are not warnings.
_CHECK_NOTES = frozenset({"freshness-unknown", "relocked-for-python"})


def run(arguments: CheckArguments) -> int:
    """Check, print the report; the exit code (0, or 1 with findings). Errors are raised.

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

    try:
        report = api.check(
            arguments.paths or (Path(),),
            options=options,
            full=arguments.full,
            collector=collector,
            exclude=exclude,
            progress=progress,
            planned=planned,
        )
    finally:
        for display in shown:
            display.close()
    # warnings; of the notes, the ones that say how a lock was checked
    print_diagnostics(collector.items, level, notes=_CHECK_NOTES)
    if arguments.output_format is ReportFormat.JSON:
        sys.stdout.write(check_report.render_json(report))
    elif arguments.output_format is ReportFormat.MARKDOWN:
        sys.stdout.write(check_report.render_markdown(report))
    else:
        sys.stdout.write(check_report.render_text(report))
    if level is not Verbosity.QUIET:
        from lockmigrate.cli.common import counted, print_summary

        parts = [
            f"{counted(len(report.locks), 'lock')} checked",
            counted(len(report.services), "service"),
            f"{len(report.resolved)} re-resolved" if report.resolved else "",
            "ok" if report.ok else counted(len(report.findings), "problem"),
        ]
        print_summary(parts)
    return 0 if report.ok else 1
