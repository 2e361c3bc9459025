"""``lockmigrate diff --format table``: a table per declared input, for people, fitted to
the terminal's width.

The columns come in the order that matters: the package and its status first, then its
versions. When a row does not fit, the least needed columns are left out of the table and
what they said moves, with the row's ``where`` and note, to a line of its own under the
row; a package name or a status is never cut, and nothing a column said is lost (a value
that only repeats the locked version is not repeated). ``where`` is shown relative to the
section's folder (``requirements-prod.in:5`` under ``svc/requirements-prod.in``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lockmigrate.diff.model import DiffReport, Flag, LockDiffReport, RelockCheck, Status
from lockmigrate.reporters._diff_text import (
    abi_lines,
    abi_unjudged_text,
    environment_text,
    in_range_text,
    note_text,
    relock_text,
    summary_text,
)
from lockmigrate.reporters._text import (
    GAP,
    MIN_FOLDED,
    Column,
    Style,
    cell_width,
    printable,
    styled,
    table_lines,
    wrapped,
)

if TYPE_CHECKING:
    from lockmigrate.diff.model import DiffRow, LockChange

__all__ = ["DEFAULT_WIDTH", "render", "render_locks"]

#: The width tables are laid out for when none is known (output to a pipe or a file, no
#: ``COLUMNS``): every column fits.
DEFAULT_WIDTH = None

STATUS_STYLE = {
    Status.OK: Style.GREEN,
    Status.OUT_OF_RANGE: Style.BOLD_RED,
    Status.MISSING: Style.BOLD_RED,
    Status.UNGUARDED: Style.BOLD_MAGENTA,
    Status.BEHIND: Style.YELLOW,
    Status.CAPPED: Style.BLUE,
    Status.HELD: Style.CYAN,
    Status.UNKNOWN: Style.BOLD_YELLOW,
}

#: A row's own line (``where``, note, the values of columns left out) starts here.
DETAIL_INDENT = "    "


@dataclass(frozen=True, slots=True, kw_only=True)
class _Row:
    """One table row: its ``cells`` under the table's headers (with their ``styles``), and
    what goes in the last columns or on a line of its own."""

    cells: tuple[str, ...]
    styles: tuple[Style | None, ...]
    #: for each cell: whether it says something the other cells do not, and so is worth a
    #: place on the row's own line when its column is left out
    telling: tuple[bool, ...]
    where: str
    note: str
    note_style: Style | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Folding:
    """How a table too wide for ``width`` is laid out: the first ``kept`` of ``headers``,
    then ``where`` at ``where_width`` (0: ``where`` goes on each row's own line), each
    column at its width in ``widths``."""

    headers: Sequence[str]
    widths: tuple[int, ...]
    kept: int
    where_width: int
    #: the column where the rest of a ``where`` folded over several lines starts
    start_of_where: int
    width: int
    color: bool


def _fitted(
    headers: Sequence[str],
    required: int,
    rows: Sequence[_Row],
    *,
    width: int | None,
    color: bool,
) -> list[str]:
    """``rows`` as table lines at most ``width`` wide when they can be.

    The first ``required`` columns always stay. When every column, ``where`` and a note
    column (folding at spaces) fit, that is the table. Otherwise ``where`` and the note go
    to a line under each row, and the optional columns are left out from the last one until
    the table fits; what a left-out cell said joins that line. When ``where`` fits (after
    leaving out at most the last two optional columns, folding a ``via a > b > c`` at its
    spaces) but a note does not, only the notes and those columns' telling values go on
    lines of their own."""
    columns = [*headers, "where", "note"]
    any_note = any(row.note for row in rows)
    widths = _column_widths(columns, rows)
    whole = len(headers) + 1  # the columns up to where
    if width is None or (
        _span(widths, whole) + (GAP + min(widths[whole], MIN_FOLDED) if any_note else 0) <= width
    ):
        return _whole_table(columns if any_note else columns[:-1], rows, width=width, color=color)
    kept, where_width = _kept_columns(headers, required, rows, widths, width)
    folding = _Folding(
        headers=headers,
        widths=(*widths[:kept], where_width),
        kept=kept,
        where_width=where_width,
        start_of_where=_span(widths, kept) + GAP,
        width=width,
        color=color,
    )
    lines = [styled(_line(_folded_headers(folding), folding.widths), Style.BOLD, color=color)]
    for row in rows:
        lines += _folded_row(row, folding)
    return lines


def _column_widths(columns: Sequence[str], rows: Sequence[_Row]) -> list[int]:
    """The width of each of ``columns`` (the headers, ``where`` and the note): its widest
    cell or header."""
    widths = [cell_width(header) for header in columns]
    for row in rows:
        for index, cell in enumerate((*row.cells, row.where, row.note)):
            widths[index] = max(widths[index], cell_width(cell))
    return widths


def _span(widths: Sequence[int], count: int) -> int:
    """The width of the first ``count`` columns, with the gaps between them."""
    return sum(widths[:count]) + GAP * (count - 1)


def _whole_table(
    shown: Sequence[str], rows: Sequence[_Row], *, width: int | None, color: bool
) -> list[str]:
    """``rows`` as a table of the ``shown`` columns, every one of them whole."""
    return table_lines(
        [Column(header=header) for header in shown],
        [(*row.cells, row.where, row.note)[: len(shown)] for row in rows],
        width=width if width is not None else 1 << 30,
        color=color,
        styles=[(*row.styles, Style.DIM, row.note_style)[: len(shown)] for row in rows],
    )


def _kept_columns(
    headers: Sequence[str], required: int, rows: Sequence[_Row], widths: Sequence[int], width: int
) -> tuple[int, int]:
    """How many of ``headers`` stay in a table ``width`` wide, and the width of the
    ``where`` column after them (0 when ``where`` goes under each row)."""
    whole = len(headers) + 1  # the columns up to where
    # where stays a column when leaving out at most the last two optional columns (in the
    # diff table: in range, which the status says, and re-lock) makes room for its longest
    # word; a longer where (via a > b > c) folds at its spaces
    longest = max((cell_width(word) for row in rows for word in row.where.split(" ")), default=0)
    need = min(widths[whole - 1], max(longest, MIN_FOLDED))
    for kept in range(len(headers), len(headers) - 3, -1):
        if kept >= required and _span(widths, kept) + GAP + need <= width:
            return kept, min(widths[whole - 1], width - _span(widths, kept) - GAP)
    kept = len(headers)  # where goes under the row
    while kept > required and _span(widths, kept) > width:
        kept -= 1
    return kept, 0


def _folded_headers(folding: _Folding) -> list[str]:
    """The headers of a folded table's columns."""
    return [*folding.headers[: folding.kept], *(["where"] if folding.where_width else [])]


def _folded_row(row: _Row, folding: _Folding) -> list[str]:
    """One row of a folded table: its line, the rest of a ``where`` folded over several
    lines, and the lines under it of what its cells do not show."""
    pieces = wrapped(row.where, folding.where_width) if folding.where_width else []
    cells = [*row.cells[: folding.kept], *pieces[:1]]
    styles = [*row.styles[: folding.kept], Style.DIM]
    lines = [_styled_line(cells, styles, folding.widths, folding.color)]
    lines += [
        " " * folding.start_of_where + styled(piece, Style.DIM, color=folding.color)
        for piece in pieces[1:]
    ]
    detail = _detail(row, folding)
    if detail:
        style = row.note_style if row.note_style is Style.RED else Style.DIM
        lines += [
            styled(piece, style, color=folding.color)
            for piece in wrapped(detail, folding.width, indent=DETAIL_INDENT)
        ]
    return lines


def _detail(row: _Row, folding: _Folding) -> str:
    """What goes on a row's own line: its ``where`` when that is not a column, the telling
    values of the columns left out, and its note."""
    left_out = [
        f"{folding.headers[index]} {row.cells[index]}"
        for index in range(folding.kept, len(folding.headers))
        if row.cells[index] and row.telling[index]
    ]
    where = "" if folding.where_width else row.where
    return "; ".join(part for part in (where, *left_out, row.note) if part)


def _line(cells: Sequence[str], widths: Sequence[int]) -> str:
    padded = [cell + " " * (widths[i] - cell_width(cell)) for i, cell in enumerate(cells)]
    return (" " * GAP).join(padded).rstrip()


def _styled_line(
    cells: Sequence[str], styles: Sequence[Style | None], widths: Sequence[int], color: bool
) -> str:
    padded = [
        styled(cell, styles[i], color=color) + " " * (widths[i] - cell_width(cell))
        for i, cell in enumerate(cells)
    ]
    return (" " * GAP).join(padded).rstrip()


def _relative(path: str, folder: str) -> str:
    """``path`` without the leading ``folder/``, when it has one."""
    if folder and path.startswith(folder + "/"):
        return path[len(folder) + 1 :]
    return path


def _folder(path: str) -> str:
    return path.rpartition("/")[0]


def _where(row: DiffRow | LockChange, folder: str) -> str:
    """``file:line`` relative to ``folder`` for a declared package; ``via a > b`` (how it
    is pulled in) for the others."""
    if row.declared is not None:
        return printable(_relative(row.origin or "", folder))
    if row.via:
        return printable("via " + " > ".join(row.via))
    return "transitive"


def _heading(parts: Sequence[str], width: int | None) -> list[str]:
    """A section's lines of context, two spaces in: on one line when they fit, else one
    each, folded to ``width``."""
    parts = [printable(part) for part in parts if part]
    together = "  " + "  ".join(parts)
    if width is None or cell_width(together) <= width:
        return [together] if parts else []
    return [line for part in parts for line in wrapped(part, width, indent="  ")]


_HEADERS = ("package", "status", "locked", "declared", "newest allowed", "newest")
_REQUIRED = 3  # package, status, locked


def _diff_row(row: DiffRow, folder: str, relocked: bool) -> _Row:
    flagged = [flag.value for flag in (Flag.YANKED, Flag.ABI_BREAK) if flag in row.flags]
    status = " ".join([row.status.value, *flagged])
    status_style = Style.BOLD_RED if flagged else STATUS_STYLE[row.status]
    locked = row.locked or ""
    versions = (
        row.newest_in_range or "",
        row.newest or "",
        *([row.relock or ""] if relocked else []),
    )
    in_range = in_range_text(row.in_range)
    note = printable(note_text(row))
    return _Row(
        cells=(
            printable(row.name),
            status,
            printable(locked),
            printable(row.declared or ""),
            *(printable(v) for v in versions),
            in_range,
        ),
        styles=(None, status_style, None, None, *(None for _ in versions), None),
        telling=(True, True, True, True, *(v != locked for v in versions), in_range == "NO"),
        where=_where(row, folder),
        note=note,
        note_style=Style.RED if row.error or row.flags else Style.DIM,
    )


def render(report: DiffReport, *, color: bool, width: int | None = DEFAULT_WIDTH) -> str:
    """The lock-against-ranges report as terminal text ``width`` columns wide (``None``:
    as wide as its rows); ``color`` False gives plain text."""
    lines: list[str] = []
    for section in report.sections:
        lines.append(styled(printable(section.title), Style.BOLD, color=color))
        if section.error is not None:
            error = wrapped(printable("could not resolve: " + section.error), width, indent="  ")
            lines += [styled(line, Style.RED, color=color) for line in error]
            lines.append("")
            continue
        lock = f"lock: {section.lock} ({section.lock_label})"
        lines += _heading([lock, environment_text(section)], width)
        lines += _heading([relock_text(section)], width)
        relocked = section.relock_check is RelockCheck.DONE
        headers = (*_HEADERS, *(["re-lock"] if relocked else []), "in range")
        folder = _folder(section.title)
        rows = [_diff_row(row, folder, relocked) for row in section.rows]
        if rows:
            lines += _fitted(headers, _REQUIRED, rows, width=width, color=color)
        lines += _heading([abi_unjudged_text(section.abi_unjudged)], width)
        lines.append("")
    packages = sum(len(section.rows) for section in report.sections)
    closing: list[str] = []
    if report.offline:
        closing.append("offline: the index was not asked, so newest versions are not shown")
    elif report.index:
        closing.append("index: " + ", ".join(report.index))
    if report.skipped:
        closing.append(
            "not compared (no lock, and --offline does not resolve): " + ", ".join(report.skipped)
        )
    closing.append(summary_text(report.counts(), packages, report.flag_counts()))
    for text in closing:
        lines += wrapped(printable(text), width)
    return "\n".join(lines) + "\n"


def _numpy_change(report: LockDiffReport) -> str:
    row = next((r for r in report.rows if r.name == "numpy"), None)
    return f"{row.old} -> {row.new}" if row is not None else "2.x"


_LOCK_HEADERS = ("package", "status", "old", "new", "change", "level", "declared", "in range")


def render_locks(report: LockDiffReport, *, color: bool, width: int | None = DEFAULT_WIDTH) -> str:
    """The lock-against-lock report as terminal text ``width`` columns wide."""
    lines = [styled(printable(f"{report.old} -> {report.new}"), Style.BOLD, color=color)]
    if report.declared_files:
        lines += wrapped(printable("ranges from: " + ", ".join(report.declared_files)), width,
                         indent="  ")  # fmt: skip
    folder = _folder(report.new)
    rows = [
        _Row(
            cells=(
                printable(row.name),
                row.status.value,
                printable(row.old or ""),
                printable(row.new or ""),
                row.change.value,
                row.level.value if row.level is not None else "",
                printable(row.declared or ""),
                in_range_text(row.in_range),
            ),
            styles=(None, STATUS_STYLE[row.status], None, None, None, None, None, None),
            telling=(True, True, True, True, True, True, True, row.in_range is False),
            where=_where(row, folder),
            note="",
            note_style=None,
        )
        for row in report.rows
    ]
    if rows:
        lines += _fitted(_LOCK_HEADERS, 5, rows, width=width, color=color)
    else:
        lines.append("  no package changed")
    if report.abi or report.abi_unjudged:
        lines.append(
            styled(
                f"NumPy ABI of the compiled numpy dependents (numpy {_numpy_change(report)}):",
                Style.BOLD,
                color=color,
            )
        )
        for verdict, text in zip(report.abi, abi_lines(report.abi), strict=True):
            style = Style.RED if verdict.breaks else None
            lines += [
                styled(line, style, color=color) if style else line
                for line in wrapped(printable(text), width, indent="  ")
            ]
        lines += _heading([abi_unjudged_text(report.abi_unjudged)], width)
    lines += wrapped(
        f"{len(report.rows)} change(s), {report.unchanged} unchanged; "
        + summary_text(report.counts(), len(report.rows), report.flag_counts()),
        width,
    )
    return "\n".join(lines) + "\n"
