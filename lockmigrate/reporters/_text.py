"""Terminal text without a rendering library: aligned columns, a few ANSI styles, and user
text made safe to print.

A rich ``Table`` measures and renders every cell as a renderable: on a 10,000-line
requirements file that took ten times the CPU of the whole JSON report. Column layout is
arithmetic on string widths, so reports whose tables can be that long lay them out here.
Nothing here parses markup: what a user wrote (comments, paths, extras such as
``bleach[css]``, a ``[/x]`` in a comment) is printed as written, with control characters
shown as escapes so that a file cannot drive the terminal.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = [
    "GAP",
    "Column",
    "Style",
    "cell_width",
    "printable",
    "styled",
    "table_lines",
    "wrapped",
]


class Style(enum.Enum):
    """The SGR codes the reports use (the ones rich writes for the same style names)."""

    BOLD = "1"
    DIM = "2"
    RED = "31"
    GREEN = "32"
    YELLOW = "33"
    BLUE = "34"
    MAGENTA = "35"
    CYAN = "36"
    BOLD_RED = "1;31"
    BOLD_YELLOW = "1;33"
    BOLD_MAGENTA = "1;35"


def styled(text: str, style: Style | None, *, color: bool) -> str:
    """``text`` in ``style`` when ``color`` is on, else as it is."""
    if not color or style is None or not text:
        return text
    return f"\x1b[{style.value}m{text}\x1b[0m"


# C0 and C1 control characters and DEL, each shown as its escape (a tab as a space).
_CONTROLS = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_CONTROLS[ord("\t")] = " "


def printable(text: str) -> str:
    """``text`` with control characters (an escape sequence in a comment, a stray carriage
    return) written as ``\\x1b``-style escapes, so printing it cannot move the cursor or
    change colours. Other text, markup-like brackets included, is kept as it is."""
    if text.isprintable():
        return text
    return text.translate(_CONTROLS)


def cell_width(text: str) -> int:
    """Columns ``text`` takes on a terminal: two for wide East Asian characters, none for
    combining marks, one for the rest."""
    if text.isascii():
        return len(text)
    width = 0
    for char in text:
        if unicodedata.combining(char):
            continue
        width += 2 if unicodedata.east_asian_width(char) in {"W", "F"} else 1
    return width


def _fold(text: str, width: int) -> list[str]:
    """``text`` cut into pieces at most ``width`` columns wide (at spaces when it can)."""
    pieces: list[str] = []
    while cell_width(text) > width:
        cut = _cut_at(text, width)
        space = text.rfind(" ", 0, cut + 1)
        if space > 0:
            cut = space
        pieces.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    pieces.append(text)
    return pieces


def _cut_at(text: str, width: int) -> int:
    """The largest prefix length of ``text`` that fits in ``width`` columns (at least 1)."""
    if text.isascii():
        return max(width, 1)
    used = 0
    for index, char in enumerate(text):
        used += cell_width(char)
        if used > width:
            return max(index, 1)
    return len(text)


def wrapped(text: str, width: int | None, *, indent: str = "") -> list[str]:
    """``text`` (already :func:`printable`) after ``indent``, folded at spaces onto further
    lines with the same indent so that each fits ``width`` (``None``: one line). A word
    longer than the room left is cut only when there is less than :data:`MIN_FOLDED`
    columns of room; otherwise lines stay whole."""
    room = None if width is None else width - cell_width(indent)
    if room is None or room < MIN_FOLDED:
        return [(indent + text).rstrip()]
    return [(indent + piece).rstrip() for piece in _fold(text, room)]


@dataclass(frozen=True, slots=True, kw_only=True)
class Column:
    """A column's header and alignment."""

    header: str
    right: bool = False


#: Columns are separated by this many spaces.
GAP = 2
#: The last column folds onto further lines only while it keeps at least this many columns.
MIN_FOLDED = 16


def table_lines(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    *,
    width: int,
    color: bool,
    indent: str = "",
    styles: Sequence[Sequence[Style | None]] | None = None,
) -> list[str]:
    """``rows`` under a bold header line, each column as wide as its widest cell.

    When a row is wider than ``width``, its last column folds onto continuation lines that
    start under that column; the other columns are never cut, so a package name or a path
    stays whole (and findable with grep) however narrow the terminal. Cells must already be
    :func:`printable`. ``styles``, when given, holds a style for each cell of each row
    (shown only with ``color``). No line ends in spaces.
    """
    widths = [cell_width(column.header) for column in columns]
    measured = [[cell_width(cell) for cell in row] for row in rows]
    for row_widths in measured:
        for index, cell in enumerate(row_widths):
            widths[index] = max(widths[index], cell)
    last = len(columns) - 1
    start_of_last = len(indent) + sum(widths[:last]) + GAP * last
    room = width - start_of_last
    fold = room >= MIN_FOLDED

    def line(
        cells: Sequence[str],
        cell_widths: Sequence[int],
        cell_styles: Sequence[Style | None] = (),
    ) -> str:
        parts: list[str] = []
        for index, cell in enumerate(cells):
            pad = " " * (widths[index] - cell_widths[index])
            if index == last and not columns[index].right:
                pad = ""  # nothing follows the last cell: no trailing spaces
            shown = styled(cell, cell_styles[index], color=color) if cell_styles else cell
            parts.append(pad + shown if columns[index].right else shown + pad)
        return (indent + (" " * GAP).join(parts)).rstrip()

    headers = [column.header for column in columns]
    lines = [styled(line(headers, [cell_width(h) for h in headers]), Style.BOLD, color=color)]
    for number, (row, row_widths) in enumerate(zip(rows, measured, strict=True)):
        row_styles = styles[number] if styles is not None else ()
        if not fold or row_widths[last] <= room:
            lines.append(line(row, row_widths, row_styles))
            continue
        first, *rest = _fold(row[last], room)
        lines.append(
            line([*row[:last], first], [*row_widths[:last], cell_width(first)], row_styles)
        )
        lines.extend(
            (
                " " * start_of_last
                + styled(piece, row_styles[last] if row_styles else None, color=color)
            ).rstrip()
            for piece in rest
        )
    return lines
