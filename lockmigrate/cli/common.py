"""What the commands share that needs no typer: the report formats, the resolver choice,
how much to say (``-q``/``-v``) and how it is printed, and whether and how wide to draw
tables. Imported by the typer commands and by the typer-free readings of ``lockmigrate
diff`` and ``lockmigrate check`` (:mod:`lockmigrate.cli.diff_run`,
:mod:`lockmigrate.cli.check_run`)."""

from __future__ import annotations

import enum
import os
import sys
from collections.abc import Iterable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockmigrate.diagnostics import Diagnostic

__all__ = [
    "QUIET_HELP",
    "QUIET_REPORT_HELP",
    "VERBOSE_HELP",
    "ReportFormat",
    "Resolver",
    "Verbosity",
    "counted",
    "print_diagnostics",
    "print_summary",
    "requires_python_option",
    "summary",
    "terminal_width",
    "use_color",
]

#: The help of ``-v``/``--verbose`` and ``-q``/``--quiet``, the same in every command.
VERBOSE_HELP = "Say more on standard error: every note, and progress in logs too."
QUIET_HELP = (
    "Print errors and the report asked for (or JSON, or --dry-run plan), nothing "
    "else: no warnings, progress or list of files written."
)
#: ``-q`` of the commands that write nothing (``check``, ``diff``).
QUIET_REPORT_HELP = (
    "Print errors and the report asked for (or JSON), nothing else: no warnings, "
    "progress or closing summary."
)


class ReportFormat(str, enum.Enum):
    """The formats of the reports made for CI (check, diff)."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


class Resolver(str, enum.Enum):
    """The resolver that compiles locks (``--resolver``)."""

    PIP_TOOLS = "pip-tools"
    UV = "uv"


class Verbosity(enum.IntEnum):
    """How much a command says beyond its report, the same in every command.

    Standard output always carries what the command was asked for: the ``scan``, ``check``
    or ``diff`` report, any ``--format json`` document, a ``--dry-run`` plan and diff.
    Errors always reach standard error. The levels decide the rest:

    - ``QUIET`` (``-q``): nothing else. No warnings or notes, no progress, and the
      migration commands do not list the files they wrote.
    - ``NORMAL``: warnings, the notes that record a decision, progress where a person
      watches (``to-pip-tools`` on a terminal; ``diff`` always, since CI logs that stay
      silent for minutes look hung), the files written.
    - ``VERBOSE`` (``-v``): every note as well, and progress in logs too.
    """

    QUIET = -1
    NORMAL = 0
    VERBOSE = 1

    @classmethod
    def of(cls, *, verbose: int = 0, quiet: int = 0) -> Verbosity:
        """The level ``-v`` given ``verbose`` times and ``-q`` given ``quiet`` times ask
        for: each ``-q`` takes one ``-v`` back, as pip counts them."""
        return cls(max(cls.QUIET, min(cls.VERBOSE, verbose - quiet)))


# Notes that record a decision the user asked for (--merge): always shown.
DECISIONS = frozenset(
    {
        "poetry-merge-kept",
        "poetry-metadata-kept",
        "poetry-not-equal-post",
        "poetry-overlapping-markers",
        "poetry-package-mode-off",
        "poetry-python-cap",
        "uv-group-on-project",
        "uv-index-credentials",
        "uv-metadata-kept",
        "uv-workspace",
    }
)


def print_diagnostics(
    diagnostics: Iterable[Diagnostic], level: Verbosity, *, notes: frozenset[str] = DECISIONS
) -> None:
    """Warnings on standard error, and of the notes those in ``notes`` (every note with
    ``-v``; nothing with ``-q``)."""
    if level is Verbosity.QUIET:
        return
    for diagnostic in diagnostics:
        if (
            diagnostic.level.value != "info"
            or diagnostic.code in notes
            or level is Verbosity.VERBOSE
        ):
            sys.stderr.write(f"{diagnostic}\n")


def use_color() -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def terminal_width() -> int | None:
    """The width tables are laid out for: the terminal's (``COLUMNS`` when set, as
    :func:`shutil.get_terminal_size` reads it); for a pipe or a file, ``COLUMNS`` when set,
    else ``None`` (the renderer's default)."""
    if not sys.stdout.isatty():
        columns = os.environ.get("COLUMNS", "")
        return int(columns) if columns.isdigit() and int(columns) > 0 else None
    import shutil

    return shutil.get_terminal_size().columns


def counted(count: int, noun: str) -> str:
    """``1 lock``, ``3 locks`` (a ``noun`` that ends in ``s`` is kept as it is)."""
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {noun if noun.endswith('s') else noun + 's'}"


def summary(parts: Iterable[str], seconds: float) -> str:
    """The line every command ends with on standard error: ``lockmigrate: 3 services, 6
    locks compiled, 12 files written (31.0 s)``, the ``parts`` that are not empty and the
    time it took."""
    shown = ", ".join(part for part in parts if part)
    return f"lockmigrate: {shown} ({seconds:.1f} s)"


def print_summary(parts: Iterable[str]) -> None:
    """:func:`summary` on standard error, after the report on standard output (flushed
    first, so that ``2>&1`` into a CI log keeps the order)."""
    from lockmigrate.cli import elapsed

    sys.stdout.flush()
    sys.stderr.write(summary(parts, elapsed()) + "\n")


def requires_python_option(python: str, option: str = "--python-version") -> str:
    """``3.11`` becomes ``>=3.11``; a specifier is kept. Anything else is a usage error."""
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    from lockmigrate.errors import UsageError

    text = python.strip()
    specifier = text if text[:1] in "<>=!~^" else f">={text}"
    try:
        SpecifierSet(specifier)
    except InvalidSpecifier:
        raise UsageError(
            f"{option} takes a version such as 3.11 or a specifier such as '>=3.10,<3.14', "
            f"not {python!r}"
        ) from None
    return specifier
