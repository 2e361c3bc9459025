"""The only module that writes files: atomic, all-or-nothing application of a plan.

Every new content is first written to a temporary file beside its target (same folder, so
``os.replace`` is atomic) and flushed to disk. Only when every temporary file exists are
they moved into place. If anything fails or the run is interrupted, the temporary files are
removed and the files already replaced are restored, so the tree is left as it was.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from lockmigrate.errors import LockmigrateError
from lockmigrate.plan import FileChange, Plan

__all__ = ["ApplyError", "apply", "revert"]


class ApplyError(LockmigrateError, OSError):
    """Writing the plan failed; every file was left (or put back) as it was."""


def _write_temp(path: Path, content: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    temp = Path(name)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        if path.exists():
            temp.chmod(path.stat().st_mode & 0o7777)
        else:
            umask = os.umask(0)
            os.umask(umask)
            temp.chmod(0o666 & ~umask)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return temp


def _current(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def apply(plan: Plan) -> tuple[FileChange, ...]:
    """Write every effective change of ``plan``; returns the changes written.

    Raises :class:`ApplyError` (nothing changed) when a file was modified since the plan
    was made or cannot be written.
    """
    changes = plan.effective
    for change in changes:
        if change.path.is_dir():
            raise ApplyError(f"{change.display} is a directory; nothing was written")
        if _current(change.path) != change.before:
            raise ApplyError(
                f"{change.display} changed on disk while lockmigrate was working; "
                "nothing was written, run again"
            )
    staged: list[tuple[FileChange, Path | None]] = []
    done: list[FileChange] = []
    try:
        for change in changes:
            temp = _write_temp(change.path, change.after) if change.after is not None else None
            staged.append((change, temp))
        for change, temp in staged:
            if temp is None:
                change.path.unlink()
            else:
                temp.replace(change.path)
            done.append(change)
    except BaseException as error:
        for change in reversed(done):
            with contextlib.suppress(OSError):
                _restore(change)
        for _, temp in staged:
            if temp is not None:
                temp.unlink(missing_ok=True)
        if isinstance(error, OSError):
            raise ApplyError(
                f"cannot write {getattr(error, 'filename', None) or 'a file'}: "
                f"{error.strerror or error}; nothing was changed"
            ) from None
        raise
    return tuple(done)


def _restore(change: FileChange) -> None:
    if change.before is None:
        change.path.unlink(missing_ok=True)
    else:
        temp = _write_temp(change.path, change.before)
        temp.replace(change.path)


def revert(written: tuple[FileChange, ...]) -> None:
    """Put back the files of an applied plan (when a step after the write failed)."""
    for change in reversed(written):
        _restore(change)
