"""Reading an input file's bytes, with an unreadable file reported at ``path:1``."""

from __future__ import annotations

from pathlib import Path

from lockmigrate.errors import InputError
from lockmigrate.model import Origin

__all__ = ["read_input"]


def read_input(path: Path, shown: str, what: str) -> bytes:
    """The bytes of ``path``; :class:`InputError` (exit 2) naming ``what`` when unreadable."""
    try:
        return path.read_bytes()
    except OSError as error:
        raise InputError(
            f"cannot read the {what}: {error.strerror or error}", origin=Origin(path=shown, line=1)
        ) from None
