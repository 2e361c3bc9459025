"""``lockmigrate diff``: its options, declared once (:data:`OPTIONS`), and what it does once
they are read (:func:`run`).

:mod:`lockmigrate.cli.diff_command` builds the typer command from :data:`OPTIONS`, and
:func:`read_arguments` reads their plain forms without typer
(:mod:`lockmigrate.cli.declared`), so that :func:`lockmigrate.cli.main` can run ``diff``
without importing typer: about 40 ms, a tenth of a ``diff`` on a 200-package lock, where
start-up is most of the run.
"""

from __future__ import annotations

import re
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
    terminal_width,
    use_color,
)
from lockmigrate.cli.declared import Option, read_plain
from lockmigrate.errors import ExternalToolError, FindingsError, UsageError

if TYPE_CHECKING:
    from collections import Counter
    from collections.abc import Callable

    from lockmigrate.cli.progress import Progress
    from lockmigrate.diagnostics import Collector
    from lockmigrate.diff.model import DiffReport, Flag, LockDiffReport, Status

__all__ = [
    "DEFAULT_FAIL_ON",
    "EXAMPLES",
    "HELP",
    "OPTIONS",
    "PATHS_HELP",
    "DiffArguments",
    "read_arguments",
    "run",
]

DEFAULT_FAIL_ON = "out-of-range,missing"
_PYTHON_VERSION = re.compile(r"[0-9]+(?:\.[0-9]+){1,2}")


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffArguments:
    """The options of ``lockmigrate diff``, as its typer command declares them."""

    paths: tuple[Path, ...] = ()
    lock: Path | None = None
    resolve: bool = False
    old: str | None = None
    new: Path | None = None
    output_format: ReportFormat = ReportFormat.TABLE
    fail_on: str = DEFAULT_FAIL_ON
    offline: bool = False
    python_version: str | None = None
    resolver: Resolver | None = None  # None: as the locks' headers say
    verbose: int = 0  # how many -v
    quiet: int = 0  # how many -q

    no_relock_check: bool = False
    no_abi_check: bool = False

    @property
    def verbosity(self) -> Verbosity:
        return Verbosity.of(verbose=self.verbose, quiet=self.quiet)


HELP = "Compare locks with their declared ranges and the index, or two locks."

PATHS_HELP = (
    "Folders to search, or files with ranges (requirements, .in, pyproject.toml). Default: '.'."
)

#: The ``--help`` epilog: examples (as :func:`lockmigrate.cli.commands.examples` lays them out).
EXAMPLES = (
    "lockmigrate diff  # locks under . against their ranges and the index",
    "lockmigrate diff --offline  # the same without the network",
    "lockmigrate diff requirements.in --lock requirements.txt --fail-on out-of-range,behind",
    "lockmigrate diff --from HEAD~1 --to requirements.txt  # what a lock refresh changed",
)

#: diff's options, declared once: the typer command is built from them
#: (:mod:`lockmigrate.cli.diff_command`) and :func:`read_arguments` reads their plain forms.
OPTIONS: tuple[Option, ...] = (
    Option(
        name="--lock",
        field="lock",
        takes="one",
        path=True,
        metavar="LOCK",
        help="Compare with this lock (pip-compile .txt, poetry.lock, uv.lock, pylock.toml).",
    ),
    Option(
        name="--resolve",
        field="resolve",
        takes="flag",
        help="Resolve the ranges now (as to-pip-tools would) even where a lock exists.",
    ),
    Option(
        name="--from",
        field="old",
        takes="one",
        metavar="OLD",
        help="Lock against lock: the old lock file, or a git revision of --to (HEAD~1).",
    ),
    Option(
        name="--to",
        field="new",
        takes="one",
        path=True,
        metavar="NEW",
        help="Lock against lock: the new lock file.",
    ),
    Option(
        name="--format",
        field="output_format",
        takes="one",
        choices=ReportFormat,
        help="table, json or markdown.",
    ),
    Option(
        name="--fail-on",
        field="fail_on",
        takes="one",
        metavar="STATUSES",
        help="Exit 1 when a row has one of these statuses or flags (comma-separated: "
        "ok, out-of-range, behind, capped, held, unguarded, missing, unknown; the flags "
        "yanked and abi-break; '' for never).",
    ),
    Option(
        name="--offline",
        field="offline",
        takes="flag",
        help="Never touch the network: no newest columns, and inputs without a lock "
        "are skipped, not resolved.",
    ),
    Option(
        name="--python-version",
        field="python_version",
        takes="one",
        metavar="X.Y",
        help="Evaluate markers and filter versions for this Python (default: what the "
        "lock's header says, else the lowest requires-python allows, else this "
        "interpreter's).",
    ),
    Option(
        name="--resolver",
        field="resolver",
        takes="one",
        choices=Resolver,
        help="pip-tools or uv, when ranges are resolved now (default: the resolver the "
        "lock's header names, else the tree's locks', else pip-tools), and for the "
        "re-lock check (default: uv when installed).",
    ),
    Option(name="--verbose", short="-v", field="verbose", takes="count", help=VERBOSE_HELP),
    Option(name="--quiet", short="-q", field="quiet", takes="count", help=QUIET_REPORT_HELP),
    Option(
        name="--no-relock-check",
        field="no_relock_check",
        takes="flag",
        help="Do not re-lock with upgrades to learn which behind/unguarded packages "
        "another pin caps (one resolver run per input that has such rows).",
    ),
    Option(
        name="--no-abi-check",
        field="no_abi_check",
        takes="flag",
        help="Do not read the compiled wheels of numpy dependents to flag those built for "
        "NumPy 1.x when the lock has numpy 2.x (abi-break).",
    ),
)
assert {f.name for f in fields(DiffArguments)} == {"paths", *(o.field for o in OPTIONS)}  # noqa: S101


def read_arguments(arguments: Sequence[str]) -> DiffArguments | None:
    """The options in ``arguments`` (what follows ``diff``), or ``None`` when any of them
    is not in a plain form :func:`~lockmigrate.cli.declared.read_plain` knows: typer must
    read those."""
    values = read_plain(arguments, OPTIONS)
    return None if values is None else DiffArguments(**values)


def run(arguments: DiffArguments) -> None:
    """Compare, print the report, and raise the error whose exit code the run ends with."""
    from lockmigrate.diff.model import parse_statuses

    try:
        statuses = parse_statuses(arguments.fail_on)
    except ValueError as error:
        raise UsageError(f"--fail-on: {error}") from None
    if arguments.python_version is not None and not _PYTHON_VERSION.fullmatch(
        arguments.python_version
    ):
        raise UsageError(
            f"--python-version: {arguments.python_version!r} is not a Python version "
            "(such as 3.11 or 3.11.7)"
        )
    if arguments.old is not None or arguments.new is not None:
        if arguments.lock is not None or arguments.resolve:
            raise UsageError("--from/--to compare two locks; --lock and --resolve do not apply")
        _lock_against_lock(arguments, statuses)
        return
    _lock_against_ranges(arguments, statuses)


def _lock_against_lock(arguments: DiffArguments, statuses: frozenset[Status | Flag]) -> None:
    from lockmigrate import api

    new, paths = arguments.new, arguments.paths
    if new is None:
        if len(paths) != 1:
            raise UsageError("--from needs --to NEW_LOCK (or one lock file as the argument)")
        new = paths[0]
    elif paths:
        raise UsageError("give the new lock either as --to or as the argument, not both")
    if arguments.old is None:
        raise UsageError("--to needs --from OLD_LOCK_OR_GIT_REVISION")
    from lockmigrate.diagnostics import Collector

    collector = Collector()
    report = api.diff_locks(arguments.old, new, collector=collector)
    _show(collector, report, arguments.output_format, arguments.verbosity)
    if arguments.verbosity is not Verbosity.QUIET:
        from lockmigrate.cli.common import counted, print_summary

        parts = [f"{counted(len(report.rows), 'change')}", f"{report.unchanged} unchanged"]
        print_summary(parts)
    if report.failed(statuses):
        raise FindingsError(_failure(report.counts(), report.flag_counts(), statuses))


def _lock_against_ranges(arguments: DiffArguments, statuses: frozenset[Status | Flag]) -> None:
    from lockmigrate import api
    from lockmigrate.diagnostics import Collector
    from lockmigrate.sources.settings import find_settings

    settings = find_settings(arguments.paths)  # [tool.lockmigrate]: what options leave out
    resolver = arguments.resolver.value if arguments.resolver is not None else settings.resolver
    python_version = arguments.python_version or settings.python_version
    backend = None  # api.diff's own default: as the locks' headers say, else pip-tools
    if resolver is not None:
        from lockmigrate.resolve import Backend  # its imports would delay the first request

        backend = Backend(resolver)
    collector = Collector()
    progress = _progress(arguments.output_format, arguments.verbosity)
    with progress:
        progress.at(
            "reading the locks" if arguments.offline else "reading the locks, asking the index"
        )
        report = api.diff(
            arguments.paths or (Path(),),
            lock=arguments.lock,
            resolve=arguments.resolve,
            offline=arguments.offline,
            python_version=python_version,
            backend=backend,
            relock_check=not arguments.no_relock_check,
            abi_check=not arguments.no_abi_check,
            collector=collector,
            progress=_progress_lines(progress),
            exclude=settings.excluded,
        )
    _show(collector, report, arguments.output_format, arguments.verbosity)
    if arguments.verbosity is not Verbosity.QUIET:
        from lockmigrate.cli.common import counted, print_summary

        packages = sum(len(section.rows) for section in report.sections)
        parts = [counted(len(report.sections), "input"), counted(packages, "package")]
        print_summary(parts)
    failed_inputs = report.resolve_errors
    if failed_inputs:
        shown = "\n  ".join(line.replace("\n", "\n    ") for line in failed_inputs)
        raise ExternalToolError(
            f"the resolver failed on {len(failed_inputs)} input(s); the others are "
            f"compared above:\n  {shown}"
        )
    errors = report.index_errors
    if errors:
        shown = "\n  ".join(errors[:10]) + ("\n  ..." if len(errors) > 10 else "")
        raise ExternalToolError(
            f"the package index failed for {len(errors)} package(s):\n  {shown}"
        )
    if report.failed(statuses):
        raise FindingsError(_failure(report.counts(), report.flag_counts(), statuses))


# diff's progress lines end in the count of their step: "resolved svc/requirements.in (1/3)"
_COUNTED_LINE = re.compile(r"(?P<text>.*) \((?P<done>[0-9]+)/(?P<total>[0-9]+)\)")


def _progress(output_format: ReportFormat, level: Verbosity) -> Progress:
    """diff's progress: on a terminal, a live display of the resolve that runs now and the
    count of its step (rich's, shown once the run lasts a moment); elsewhere a line on
    stderr as each input is resolved, terminal or not: a resolution can take minutes, and a
    CI log with no output that long looks hung (some CI systems stop a job that prints
    nothing for 10 minutes). Nothing with ``-q``, nor with ``--format json`` (whose readers
    are programs) unless ``-v``."""
    from lockmigrate.cli.progress import Mode, Progress, choose_mode

    mode = choose_mode(level, in_logs=True)
    if output_format is ReportFormat.JSON and level is not Verbosity.VERBOSE:
        mode = Mode.SILENT
    return Progress(mode=mode, doing="diff", done="done", noun="step", title="diff")


def _progress_lines(progress: Progress) -> Callable[[str], None] | None:
    """The callback :func:`lockmigrate.api.diff` reports its lines to, for ``progress``."""
    from lockmigrate.cli.progress import Mode

    if progress.mode is Mode.SILENT:
        return None
    if progress.mode is Mode.LINES:
        import threading

        lock = threading.Lock()

        def line(text: str) -> None:
            with lock:
                sys.stderr.write(f"diff: {text}\n")
                sys.stderr.flush()

        return line

    def live(text: str) -> None:
        counted = _COUNTED_LINE.fullmatch(text)
        if counted is None:  # "resolving X ...": what runs now
            progress.started("now", text.removesuffix(" ..."))
            return
        done, total = int(counted["done"]), int(counted["total"])
        progress.tally(done, total)
        if done == total:
            progress.finished("now")
            progress.tally(done, total)
            progress.at("comparing with the index")

    return live


def _show(
    collector: Collector,
    report: DiffReport | LockDiffReport,
    output_format: ReportFormat,
    level: Verbosity,
) -> None:
    """Warnings to stderr (none with ``-q``; notes too with ``-v``), then the report in
    ``output_format`` to stdout."""
    from lockmigrate.diagnostics import Level

    for diagnostic in collector.items:
        if level is Verbosity.VERBOSE or (
            level is Verbosity.NORMAL and diagnostic.level is not Level.INFO
        ):
            sys.stderr.write(f"{diagnostic}\n")
    sys.stdout.write(_rendered(report, output_format))


def _rendered(report: DiffReport | LockDiffReport, output_format: ReportFormat) -> str:
    from lockmigrate.diff.model import DiffReport

    if output_format is ReportFormat.JSON:
        from lockmigrate.reporters import diff_json

        if isinstance(report, DiffReport):
            return diff_json.render(report)
        return diff_json.render_locks(report)
    if output_format is ReportFormat.MARKDOWN:
        from lockmigrate.reporters import diff_markdown

        if isinstance(report, DiffReport):
            return diff_markdown.render(report)
        return diff_markdown.render_locks(report)
    from lockmigrate.reporters import diff_table

    color, width = use_color(), terminal_width()
    if isinstance(report, DiffReport):
        return diff_table.render(report, color=color, width=width)
    return diff_table.render_locks(report, color=color, width=width)


def _failure(
    counts: Counter[Status], flags: Counter[Flag], chosen: frozenset[Status | Flag]
) -> str:
    from lockmigrate.diff.model import Flag, Status

    found = [f"{counts[s]} {s.value}" for s in Status if s in chosen and counts.get(s)]
    found += [f"{flags[f]} {f.value}" for f in Flag if f in chosen and flags.get(f)]
    listed = ",".join(s.value for s in (*Status, *Flag) if s in chosen)
    return f"diff found {', '.join(found)} (--fail-on {listed})"
