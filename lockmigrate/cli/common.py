"""What the commands share that needs no typer: the report formats, the resolver choice,
how much to say (``-q``/``-v``), and whether and how wide to draw tables. Imported by the
typer commands and by the typer-free reading of ``lockmigrate diff``
(:mod:`lockmigrate.cli.diff_run`)."""

from __future__ import annotations

import enum
import os
import sys

__all__ = ["ReportFormat", "Resolver", "Verbosity", "terminal_width", "use_color"]


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


def use_color() -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def terminal_width() -> int | None:
    """The terminal's width for tables, or ``None`` (the renderer's default) for pipes."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns
