"""What ``to-pip-tools`` adds to each ``.in`` it writes, besides the user's own lines: a
header (the template ``pip-tools/in-header.txt``) and, after a ``-r`` of a file that has a
lock, a ``-c`` of that lock. Both are written with :func:`in_header_lines` and
:func:`layering_line`, and recognised here, so that ``to-poetry`` and ``to-uv`` can leave
out exactly what lockmigrate wrote and nothing a user wrote."""

from __future__ import annotations

import os
from collections.abc import Collection, Mapping
from pathlib import Path

from lockmigrate.model.requirements import Include, IncludeKind, Line, RequirementFile
from lockmigrate.resources import read_template

__all__ = [
    "generated_header",
    "in_header_lines",
    "layered_on",
    "layering_line",
    "lines_without_header",
]

#: ``render_in`` keeps a PEP 263 coding declaration (in the first two lines) above the header.
_MOST_LINES_ABOVE_HEADER = 2


def in_header_lines(in_name: str, txt_name: str) -> tuple[str, ...]:
    """The header of the ``.in`` named ``in_name`` that ``txt_name`` is compiled from, one
    comment line (with its ``#``) per item."""
    text = read_template("pip-tools/in-header.txt").format(input=in_name, output=txt_name)
    return tuple(text.splitlines())


def generated_header(file: RequirementFile) -> tuple[Line, ...]:
    """The lines of ``file`` that are the header ``to-pip-tools`` wrote at its top, or
    ``()``. Only the whole header counts, as the template writes it for this very file
    (``X.in``, compiled to ``X.txt``), at the top (below two comment lines at most, where
    a coding declaration stays): a header a user edited, or one copied into another file,
    is theirs."""
    span = _header_span(file)
    return file.lines[span] if span is not None else ()


def lines_without_header(file: RequirementFile) -> tuple[Line, ...]:
    """The lines of ``file`` but for its :func:`generated_header`."""
    span = _header_span(file)
    if span is None:
        return file.lines
    return file.lines[: span.start] + file.lines[span.stop :]


def _header_span(file: RequirementFile) -> slice | None:
    if file.path.suffix != ".in":
        return None
    expected = in_header_lines(file.path.name, file.path.with_suffix(".txt").name)
    lines = file.lines
    for start in range(min(_MOST_LINES_ABOVE_HEADER, len(lines)) + 1):
        if any(line.content or not line.comment for line in lines[:start]):
            return None  # a requirement, an option or a blank line above: not where it is written
        window = lines[start : start + len(expected)]
        if len(window) == len(expected) and all(
            not line.content and (line.comment or "").strip() == want.strip()
            for line, want in zip(window, expected, strict=True)
        ):
            return slice(start, start + len(expected))
    return None


def layering_line(lock: str) -> str:
    """The line (without its newline) that layers an input on ``lock``, written right after
    the ``-r`` of the file ``lock`` is compiled from."""
    return f"-c {lock}"


def layered_on(
    previous: Line | None,
    line: Line,
    *,
    lock_of: Mapping[Path, Path],
    inputs: Collection[Path],
) -> Include | None:
    """The ``-r`` of the line before ``line`` when ``line`` is the ``-c`` that layers its file
    on the lock of that ``-r``'s file, as ``to-pip-tools`` writes it; else ``None``.
    ``lock_of`` maps an input to its lock, and only an input among ``inputs`` (absolute
    paths) counts. A ``-c`` of any other file, written another way, or not right below the
    ``-r`` of its input, is the user's."""
    constraint = line.include
    if constraint is None or constraint.kind is not IncludeKind.CONSTRAINT:
        return None
    if constraint.resolved is None or line.content != layering_line(constraint.target):
        return None
    included = previous.include if previous is not None else None
    if included is None or included.kind is not IncludeKind.REQUIREMENT:
        return None
    if included.resolved is None or _absolute(included.resolved) not in inputs:
        return None
    if lock_of.get(_absolute(included.resolved)) != _absolute(constraint.resolved):
        return None
    return included


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # noqa: PTH100 (normalised: no "..", as scan's paths)
