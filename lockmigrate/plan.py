"""A plan is the list of file changes a command would make; nothing here touches disk.

``--dry-run`` prints :func:`render_diff` of a plan; a real run hands it to
:func:`lockmigrate.io.apply`.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = ["FileChange", "Plan", "render_diff"]


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


def _lines(content: bytes | None) -> list[str]:
    if content is None:
        return []
    text = content.decode("utf-8", errors="surrogateescape")
    return text.splitlines(keepends=True)


def _visible(line: str) -> str:
    """Show line endings other than ``\\n`` so that a CRLF file's diff says so."""
    body = line.rstrip("\r\n")
    ending = line[len(body) :]
    if ending in ("", "\n"):
        return body + ("\n" if ending else "\n\\ No newline at end of file\n")
    return body + ending.replace("\r", "\\r").replace("\n", "") + "\n"


def render_diff(changes: Iterable[FileChange]) -> str:
    """A unified diff of every change that changes something, in plan order."""
    chunks: list[str] = []
    for change in changes:
        if not change.changed:
            continue
        before = "/dev/null" if change.before is None else f"a/{change.display}"
        after = "/dev/null" if change.after is None else f"b/{change.display}"
        diff = difflib.unified_diff(
            _lines(change.before), _lines(change.after), fromfile=before, tofile=after
        )
        chunks.append(
            "".join(
                _visible(line)
                if line[:1] in "+- " and not line.startswith(("---", "+++"))
                else line
                for line in diff
            )
        )
    return "".join(chunks)
