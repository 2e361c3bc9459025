"""``[tool.lockmigrate]`` in a project's ``pyproject.toml``: the project's defaults for the
command line, found as ruff and black find theirs.

The first ``pyproject.toml`` with a ``[tool.lockmigrate]`` table in the folder of the given
paths or above it is read; one without the table is passed over (a service's own
``pyproject.toml`` below the repository's). An option given on the command line wins over
the table. A key lockmigrate does not know, or a value of the wrong kind, is an error at
``pyproject.toml:line``: a misspelt ``exclude`` silently ignored would migrate what the
project meant to keep out.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockmigrate.errors import InputError, raise_all
from lockmigrate.model.requirements import Origin
from lockmigrate.sources.discover import Exclude

__all__ = ["KEYS", "Settings", "find_settings", "read_settings"]

#: Every key of ``[tool.lockmigrate]``, with what it holds (for the error naming them).
KEYS = {
    "exclude": "a list of glob patterns",
    "layout": "'pep621' or 'poetry'",
    "python-version": "a Python version such as '3.11'",
    "resolver": "'pip-tools' or 'uv'",
}
_CHOICES = {"layout": ("pep621", "poetry"), "resolver": ("pip-tools", "uv")}
_PYTHON_VERSION = re.compile(r"3\.[0-9]{1,2}(?:\.[0-9]{1,2})?")


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    """What ``[tool.lockmigrate]`` says; every field ``None`` (or empty) when unset."""

    #: the ``pyproject.toml`` the table came from; ``None`` when no file has one
    path: Path | None = None
    resolver: str | None = None
    python_version: str | None = None
    layout: str | None = None
    #: glob patterns of paths the walk skips, relative to :attr:`path`'s folder
    exclude: tuple[str, ...] = ()
    #: ``pyproject.toml:line`` of each key set, to name where a value came from
    origins: tuple[tuple[str, str], ...] = ()

    def where(self, key: str) -> str:
        """``pyproject.toml:LINE`` (as the user sees it) of ``key``."""
        return dict(self.origins).get(key, "pyproject.toml")

    @property
    def excluded(self) -> Exclude | None:
        """The ``exclude`` patterns, ready for :func:`~lockmigrate.sources.discover.discover`."""
        if self.path is None or not self.exclude:
            return None
        return Exclude(root=self.path.parent, patterns=self.exclude)


def _start(paths: Sequence[Path]) -> Path:
    """The folder to search from: the deepest folder holding every path (its own folder for
    a file; the current folder when no path is given)."""
    folders = [
        Path(os.path.abspath(path if path.is_dir() else path.parent))  # noqa: PTH100
        for path in paths
    ] or [Path.cwd()]
    return Path(os.path.commonpath(folders))


def find_settings(paths: Sequence[Path] = ()) -> Settings:
    """The settings of the project ``paths`` are in: the first ``pyproject.toml`` with a
    ``[tool.lockmigrate]`` table in their common folder or above it. Raises
    :class:`~lockmigrate.errors.InputError` when that table is malformed."""
    for folder in (start := _start(paths), *start.parents):
        candidate = folder / "pyproject.toml"
        try:
            data = candidate.read_bytes()
        except OSError:  # none here (or unreadable: not ours to judge)
            continue
        if b"lockmigrate" not in data:  # most files: not parsed at all
            continue
        settings = read_settings(candidate, data)
        if settings is not None:
            return settings
    return Settings()


def read_settings(path: Path, data: bytes | None = None) -> Settings | None:
    """``[tool.lockmigrate]`` of ``path``, or ``None`` when it has no such table."""
    from lockmigrate.sources.includes import display_path
    from lockmigrate.sources.toml_files import load_toml

    raw = path.read_bytes() if data is None else data
    shown = display_path(path)
    document = load_toml(raw, display=shown)
    tool = document.get("tool")
    table = tool.get("lockmigrate") if isinstance(tool, dict) else None
    if table is None:
        return None
    lines = raw.decode("utf-8").splitlines()
    if not isinstance(table, dict):
        raise InputError(
            "[tool.lockmigrate] must be a table",
            origin=Origin(path=shown, line=_table_line(lines)),
        )
    errors: list[InputError] = []
    values: dict[str, Any] = {}
    origins: list[tuple[str, str]] = []
    for key, value in table.items():
        line = _key_line(lines, key)
        where = Origin(path=shown, line=line)
        text = lines[line - 1] if 0 < line <= len(lines) else None
        problem = _problem(key, value)
        if problem is not None:
            errors.append(InputError(problem, origin=where, text=text))
            continue
        values[key.replace("-", "_")] = tuple(value) if key == "exclude" else value
        origins.append((key, str(where)))
    raise_all(errors)
    return Settings(path=path, origins=tuple(origins), **values)


def _problem(key: str, value: object) -> str | None:
    """What is wrong with ``key = value`` in ``[tool.lockmigrate]``, if anything."""
    if key not in KEYS:
        known = ", ".join(KEYS)
        return f"unknown key {key!r} in [tool.lockmigrate] (lockmigrate knows: {known})"
    if key == "exclude":
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            return f"[tool.lockmigrate] exclude must be {KEYS[key]}, such as ['legacy/**']"
        empty = [item for item in value if not item.strip().strip("/")]
        if empty:
            return "[tool.lockmigrate] exclude: an empty pattern would exclude everything"
        return None
    if key in _CHOICES:
        if value not in _CHOICES[key]:
            return f"[tool.lockmigrate] {key} must be {KEYS[key]}, not {value!r}"
        return None
    if not isinstance(value, str) or not _PYTHON_VERSION.fullmatch(value):
        return f"[tool.lockmigrate] {key} must be {KEYS[key]}, not {value!r}"
    return None


_HEADER = re.compile(r"^\s*\[\s*tool\s*\.\s*lockmigrate\s*\]\s*(?:#.*)?$")
_ANY_HEADER = re.compile(r"^\s*\[")


def _table_line(lines: list[str]) -> int:
    """The line of the ``[tool.lockmigrate]`` header, else of the first mention of it."""
    for number, line in enumerate(lines, start=1):
        if _HEADER.match(line):
            return number
    for number, line in enumerate(lines, start=1):
        if "lockmigrate" in line:
            return number
    return 1


def _key_line(lines: list[str], key: str) -> int:
    """The line ``key`` is set on in ``[tool.lockmigrate]`` (TOML parsers keep no lines);
    the table's line when it is written in another form (``tool.lockmigrate.key = ...``
    under ``[tool]``, an inline table)."""
    header = _table_line(lines)
    name = re.escape(key)
    assignment = re.compile(rf"""^\s*(?:"{name}"|'{name}'|{name})\s*=""")
    if _HEADER.match(lines[header - 1] if lines else ""):
        for number in range(header + 1, len(lines) + 1):
            line = lines[number - 1]
            if _ANY_HEADER.match(line):
                break
            if assignment.match(line):
                return number
    dotted = re.compile(rf"^\s*(?:tool\s*\.\s*)?lockmigrate\s*\.\s*{re.escape(key)}\s*=")
    for number, line in enumerate(lines, start=1):
        if dotted.match(line):
            return number
    return header
