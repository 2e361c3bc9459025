"""What the commands share that needs no typer: the report formats, the resolver choice,
and whether and how wide to draw tables. Imported by the typer commands and by the
typer-free reading of ``lockmigrate diff`` (:mod:`lockmigrate.cli.diff_run`)."""

from __future__ import annotations

import enum
import os
import sys

__all__ = ["ReportFormat", "Resolver", "terminal_width", "use_color"]


class ReportFormat(str, enum.Enum):
    """The formats of the reports made for CI (check, diff)."""

    TABLE = "table"
    JSON = "json"
    MARKDOWN = "markdown"


class Resolver(str, enum.Enum):
    """The resolver that compiles locks (``--resolver``)."""

    PIP_TOOLS = "pip-tools"
    UV = "uv"


def use_color() -> bool:
    """Colour on a terminal, unless ``NO_COLOR`` is set (https://no-color.org)."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def terminal_width() -> int | None:
    """The terminal's width for tables, or ``None`` (the renderer's default) for pipes."""
    if not sys.stdout.isatty():
        return None
    import shutil

    return shutil.get_terminal_size().columns
