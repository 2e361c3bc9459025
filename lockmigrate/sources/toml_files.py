"""Fast TOML reading for lock and project files (``tomllib``, or ``tomli`` on Python 3.10),
with errors as ``path:line: message``, and the line numbers TOML parsers do not keep."""

from __future__ import annotations

import re
import sys
from typing import Any

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

__all__ = ["load_toml", "table_name_lines"]

_AT_LINE_RE = re.compile(r"\(at line (?P<line>\d+), column \d+\)")
_HEADER_RE = re.compile(r"^\s*\[\[\s*(?P<table>[A-Za-z0-9_.\-\"']+)\s*\]\]\s*(?:#.*)?$")
_NAME_RE = re.compile(r"""^\s*name\s*=\s*["'](?P<name>[^"']+)["']""")


def load_toml(data: bytes, *, display: str) -> dict[str, Any]:
    """Parse ``data`` as TOML; raises :class:`InputError` at the offending line."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", origin=Origin(path=display, line=line)) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        message = str(error)
        match = _AT_LINE_RE.search(message)
        line = int(match.group("line")) if match else 1
        message = _AT_LINE_RE.sub("", message).strip()
        lines = text.splitlines()
        offending = lines[line - 1] if 0 < line <= len(lines) else None
        raise InputError(
            f"invalid TOML: {message}", origin=Origin(path=display, line=line), text=offending
        ) from None


def table_name_lines(text: str, table: str) -> list[int]:
    """The line of the ``name = "..."`` key of each ``[[table]]`` entry, in file order
    (the header's line when an entry has no such key)."""
    found: list[int] = []
    header_line: int | None = None  # the current entry's header, until its name is found
    for number, raw in enumerate(text.splitlines(), start=1):
        header = _HEADER_RE.match(raw)
        if header is not None and header.group("table") == table:
            if header_line is not None:
                found.append(header_line)
            header_line = number
            continue
        if header is not None or raw.lstrip().startswith("["):
            # a sub-table of the current entry ([package.dependencies], [[packages.wheels]])
            # or another table: the name, if any, came before it
            if (
                header_line is not None
                and not raw.lstrip().startswith(f"[{table}.")
                and not (raw.lstrip().startswith(f"[[{table}."))
            ):
                found.append(header_line)
                header_line = None
            continue
        if header_line is not None and _NAME_RE.match(raw):
            found.append(number)
            header_line = None
    if header_line is not None:
        found.append(header_line)
    return found
