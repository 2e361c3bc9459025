"""A plan is the list of file changes a command would make; nothing here touches disk.

``--dry-run`` prints :func:`render_diff` of a plan; a real run hands it to
:func:`lockmigrate.io.apply`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileChange", "Plan", "changed_lines", "render_diff"]


@dataclass(frozen=True, slots=True, kw_only=True)
class FileChange:
    """The whole content of one file before and after. ``before`` is ``None`` for a new
    file; ``after`` is ``None`` for a file to delete."""

    path: Path
    display: str
    before: bytes | None
    after: bytes | None
    reason: str

    @property
    def changed(self) -> bool:
        return self.before != self.after

    @property
    def action(self) -> str:
        if self.before is None:
            return "create"
        if self.after is None:
            return "delete"
        return "update" if self.changed else "unchanged"


@dataclass(frozen=True, slots=True)
class Plan:
    """The changes of one command, and ``made_from``: the files it was made from, with
    what they held when they were read (``None``: no file). Applying the plan checks, under
    the tree's lock, that each of them, and each change's ``before``, still holds that: a
    run that changed the tree meanwhile stops this one instead of being overwritten."""

    changes: tuple[FileChange, ...]
    made_from: tuple[tuple[Path, bytes | None], ...] = ()

    def reading(self, files: Iterable[tuple[Path, bytes | None]]) -> Plan:
        """This plan, also made from ``files``."""
        return Plan(self.changes, (*self.made_from, *files))

    @property
    def effective(self) -> tuple[FileChange, ...]:
        """The changes that actually change something."""
        return tuple(change for change in self.changes if change.changed)

    def __bool__(self) -> bool:
        return bool(self.effective)


def _lines(content: bytes | None, *, readable: bool) -> list[str]:
    """``content``'s lines: split at ``\n`` only, as git and patch split them, so that a CR
    or CRLF ending stays part of its line and the diff applies; or, for reading, at every
    line break Python knows."""
    if content is None:
        return []
    text = content.decode("utf-8", errors="surrogateescape")
    if readable:
        return text.splitlines(keepends=True)
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])


def _applicable(line: str) -> str:
    """A diff line exactly as ``git apply`` and ``patch`` read it: every byte kept, and a
    line without a final newline marked as such."""
    return line if line.endswith("\n") else line + "\n\\ No newline at end of file\n"


def _visible(line: str) -> str:
    """Show line endings other than ``\n`` (as ``\\r``) so that a CRLF file's diff says so
    on a terminal, where a carriage return would be invisible."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    if ending in ("", "\n"):
        return body + ("\n" if ending else "\n\\ No newline at end of file\n")
    return body + ending.replace("\r", "\\r").replace("\n", "") + "\n"


def render_diff(changes: Iterable[FileChange], *, readable: bool = False) -> str:
    """A unified diff of every change that changes something, in plan order.

    By default the diff applies with ``git apply`` or ``patch -p1`` for LF, CRLF and CR files
    alike (carriage returns are written as they are). ``readable`` is for a terminal: each
    carriage return is shown as ``\\r`` instead, and such a diff no longer applies.
    """
    show = _visible if readable else _applicable
    chunks: list[str] = []
    for change in changes:
        if not change.changed:
            continue
        before = "/dev/null" if change.before is None else f"a/{change.display}"
        after = "/dev/null" if change.after is None else f"b/{change.display}"
        diff = difflib.unified_diff(
            _lines(change.before, readable=readable),
            _lines(change.after, readable=readable),
            fromfile=before,
            tofile=after,
        )
        chunks.append(
            "".join(
                show(line) if line[:1] in "+- " and not line.startswith(("---", "+++")) else line
                for line in diff
            )
        )
    return "".join(chunks)


def changed_lines(change: FileChange) -> tuple[int, int]:
    """How many lines ``change`` adds and removes, as its unified diff counts them."""
    added = removed = 0
    before, after = _lines(change.before, readable=False), _lines(change.after, readable=False)
    for line in difflib.unified_diff(before, after, n=0):
        if line.startswith(("+++", "---")):
            continue
        added += line.startswith("+")
        removed += line.startswith("-")
    return added, removed
