"""Reading an input file's bytes: regular files only, an unreadable file reported at
``path:1``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin

__all__ = ["NotRegularFileError", "is_dir", "is_file", "read_input", "read_regular"]

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


class NotRegularFileError(OSError):
    """The path names something other than a regular file; ``kind`` says what."""

    def __init__(self, path: Path, kind: str) -> None:
        super().__init__(f"{kind}, not a regular file")
        self.kind = kind
        self.filename = str(path)


def read_regular(path: Path) -> bytes:
    """The bytes of the regular file ``path``.

    Opened without blocking and checked before a byte is read, so that a FIFO never hangs
    the run and ``/dev/zero`` is never read without end: anything but a regular file raises
    :class:`NotRegularFileError` (an :class:`OSError`), as does a symlink loop (``ELOOP``).
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    try:
        mode = os.fstat(descriptor).st_mode
        if not stat.S_ISREG(mode):
            kind = next((name for test, name in _KINDS if test(mode)), "a special file")
            raise NotRegularFileError(path, kind)
        if hasattr(os, "set_blocking"):
            os.set_blocking(descriptor, True)
        with os.fdopen(descriptor, "rb", closefd=False) as handle:
            return handle.read()
    finally:
        os.close(descriptor)


def read_input(path: Path, shown: str, what: str) -> bytes:
    """The bytes of ``path``; :class:`InputError` (exit 2) naming ``what`` when unreadable
    or not a regular file."""
    try:
        return read_regular(path)
    except OSError as error:
        raise InputError(
            f"cannot read the {what}: {error.strerror or error}", origin=Origin(path=shown, line=1)
        ) from None


def is_dir(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a folder, as pip asks (``os.path.isdir``): ``False`` for a name the
    system refuses (too long, a NUL), where ``Path.is_dir`` raises ``ENAMETOOLONG``."""
    return os.path.isdir(path)  # noqa: PTH112 - see the docstring


def is_file(path: str | os.PathLike[str]) -> bool:
    """Whether ``path`` is a file, as pip asks (``os.path.isfile``); see :func:`is_dir`."""
    return os.path.isfile(path)  # noqa: PTH113 - see is_dir
