"""Step 2 of pip's reading of a requirements file: physical lines to logical lines.

pip's ``join_lines`` (a line ending in ``\\`` continues on the next one), ``ignore_comments``
(``#`` at the start or after a blank starts a comment) and ``expand_env_variables``
(``${NAME}``). Every physical line lands in exactly one logical line, which remembers where
it came from.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence

from lockmigrate.model.requirements import PhysicalLines
from lockmigrate.sources.requirements.decode import LINE_BREAKS
from lockmigrate.variables import ENV_VAR_RE

__all__ = [
    "COMMENT_RE",
    "ENV_VAR_RE",
    "LogicalLine",
    "expand_variables",
    "join_lines",
    "split_comment",
    "variable_names",
]

COMMENT_RE = re.compile(r"(^|\s+)#.*$")


class LogicalLine:
    """Physical lines ``first`` to ``first + count - 1``, and their ``text`` joined as pip
    joins it, before comments are stripped. (Not a data class: one is made per line.)"""

    __slots__ = ("count", "first", "text")

    def __init__(self, first: int, count: int, text: str) -> None:
        self.first = first
        self.count = count
        self.text = text


def _strip_terminator(physical_line: str) -> str:
    """One physical line without its terminator (``\\r\\n`` or one line break)."""
    if physical_line.endswith("\r\n"):
        return physical_line[:-2]
    if physical_line[-1:] in LINE_BREAKS and physical_line:
        return physical_line[:-1]
    return physical_line


def join_lines(physical: Sequence[str]) -> Iterator[LogicalLine]:
    """pip's ``join_lines``: a line ending in ``\\`` continues on the next one, unless it is
    a comment. Every physical line lands in exactly one logical line."""
    pending: list[str] = []
    first = 0
    logical_line = LogicalLine
    lines = (
        physical.without_terminators()
        if isinstance(physical, PhysicalLines)
        else map(_strip_terminator, physical)
    )
    for index, stripped in enumerate(lines):
        comment = "#" in stripped and COMMENT_RE.match(stripped) is not None
        if not stripped.endswith("\\") or comment:
            # " " so that the comment is matched after joining
            line = " " + stripped if comment else stripped
            if pending:
                pending.append(line)
                yield logical_line(first, index - first + 1, "".join(pending))
                pending = []
            else:
                yield logical_line(index, 1, line)
        else:
            if not pending:
                first = index
            pending.append(stripped.strip("\\"))
    if pending:
        yield LogicalLine(first, len(physical) - first, "".join(pending))


def split_comment(text: str) -> tuple[str, str | None]:
    """``(content, comment)`` as pip's ``ignore_comments`` sees them.

    pip searches ``(^|\\s+)#.*$``, which backtracks over every run of blanks not followed by
    ``#``: quadratic on a long line. The same match is found in one pass: the comment starts
    with the run of blanks before the first ``#`` that begins the text or follows a blank.
    """
    if "#" not in text:
        return text.strip(), None
    if "\n" in text:  # not a logical line (``.`` stops at a newline): pip's expression
        match = COMMENT_RE.search(text)
        if match is None:
            return text.strip(), None
        return text[: match.start()].strip(), match.group(0).strip()
    at = text.find("#")
    while at > 0 and not text[at - 1].isspace():
        at = text.find("#", at + 1)
    if at == -1:
        return text.strip(), None
    start = at
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return text[:start].strip(), text[start:].strip()


def expand_variables(text: str, environ: Mapping[str, str]) -> str:
    """pip's ``expand_env_variables``: ``${NAME}`` becomes its value when set and non-empty."""
    for variable, name in ENV_VAR_RE.findall(text):
        value = environ.get(name)
        if value:
            text = text.replace(variable, value)
    return text


def variable_names(text: str) -> tuple[str, ...]:
    """The names of the ``${NAME}`` references in ``text``, once each, in order."""
    if "${" not in text:
        return ()
    return tuple(dict.fromkeys(match.group("name") for match in ENV_VAR_RE.finditer(text)))
