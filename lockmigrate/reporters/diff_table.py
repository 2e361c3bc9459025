"""``lockmigrate diff --format table``: a rich table per declared input, for people."""

from __future__ import annotations

from io import StringIO
from typing import TYPE_CHECKING

from lockmigrate.diff import DiffReport, LockDiffReport, RelockCheck, Status
from lockmigrate.reporters._diff_text import (
    environment_text,
    in_range_text,
    note_text,
    relock_text,
    summary_text,
    where_text,
)

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["render", "render_locks"]

STATUS_STYLE = {
    Status.OK: "green",
    Status.OUT_OF_RANGE: "bold red",
    Status.MISSING: "bold red",
    Status.UNGUARDED: "bold magenta",
    Status.BEHIND: "yellow",
    Status.CAPPED: "blue",
    Status.HELD: "cyan",
    Status.UNKNOWN: "bold yellow",
}


def _console(buffer: StringIO, color: bool, width: int | None) -> Console:
    from rich.console import Console

    return Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or 160,
        highlight=False,
        soft_wrap=False,
        markup=False,  # cells hold paths, names and notes as written: "svc[/x]" is no tag
        emoji=False,  # nor is ":fire:" an emoji
    )


def render(report: DiffReport, *, color: bool, width: int | None = None) -> str:
    """The lock-against-ranges report as terminal text; ``color`` False gives plain text."""
    from rich.table import Table
    from rich.text import Text

    buffer = StringIO()
    console = _console(buffer, color, width)
    for section in report.sections:
        console.print(Text(f"{section.title}", style="bold"))
        if section.error is not None:
            console.print(Text("  could not resolve: " + section.error, style="red"))
            console.print()
            continue
        console.print(
            f"  lock: {section.lock} ({section.lock_label})  {environment_text(section)}",
            markup=False,
        )
        relock = relock_text(section)
        if relock:
            console.print(f"  {relock}", markup=False)
        relocked = section.relock_check is RelockCheck.DONE
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        table.add_column("package")
        table.add_column("declared")
        table.add_column("where", overflow="fold")
        table.add_column("locked")
        table.add_column("in range")
        table.add_column("newest allowed")
        table.add_column("newest")
        if relocked:
            table.add_column("re-lock")
        table.add_column("status")
        table.add_column("note", overflow="fold")
        for row in section.rows:
            status = Text(row.status.value, style=STATUS_STYLE[row.status])
            if row.yanked:
                status.append(" yanked", style="bold red")
            table.add_row(
                row.name,
                row.declared if row.declared is not None else "",
                where_text(row),
                row.locked or "",
                in_range_text(row.in_range),
                row.newest_in_range or "",
                row.newest or "",
                *([row.relock or ""] if relocked else []),
                status,
                Text(note_text(row), style="red" if row.error or row.yanked else "dim"),
            )
        console.print(table)
        console.print()
    packages = sum(len(section.rows) for section in report.sections)
    if report.offline:
        console.print("offline: the index was not asked, so newest versions are not shown")
    elif report.index:
        console.print("index: " + ", ".join(report.index), markup=False)
    if report.skipped:
        console.print(
            "not compared (no lock, and --offline does not resolve): " + ", ".join(report.skipped),
            markup=False,
        )
    console.print(summary_text(report.counts(), packages, report.flag_counts()))
    return buffer.getvalue()


def render_locks(report: LockDiffReport, *, color: bool, width: int | None = None) -> str:
    """The lock-against-lock report as terminal text."""
    from rich.table import Table
    from rich.text import Text

    buffer = StringIO()
    console = _console(buffer, color, width)
    console.print(Text(f"{report.old} -> {report.new}", style="bold"))
    if report.declared_files:
        console.print("  ranges from: " + ", ".join(report.declared_files))
    if report.rows:
        table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
        for column in ("package", "old", "new", "change", "level", "declared", "where"):
            table.add_column(column)
        table.add_column("in range")
        table.add_column("status")
        for row in report.rows:
            table.add_row(
                row.name,
                row.old or "",
                row.new or "",
                row.change.value,
                row.level.value if row.level is not None else "",
                row.declared if row.declared is not None else "",
                where_text(row),
                in_range_text(row.in_range),
                Text(row.status.value, style=STATUS_STYLE[row.status]),
            )
        console.print(table)
    else:
        console.print("  no package changed")
    console.print(
        f"{len(report.rows)} change(s), {report.unchanged} unchanged; "
        + summary_text(report.counts(), len(report.rows))
    )
    return buffer.getvalue()
