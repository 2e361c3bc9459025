"""Where the PEP 751 lock exported beside a pip-compile lock goes, and what it holds besides
uv's export: a header naming the lock it was made from (``to-pip-tools --also-pylock``)."""

from __future__ import annotations

from pathlib import Path

from lockmigrate.paths import pylock_path_for
from lockmigrate.plan import FileChange

__all__ = ["pylock_change", "pylock_path_for"]


def _header(source: str) -> bytes:
    return (
        f"# PEP 751 lock exported by lockmigrate from {source}: the same pins, with the URL\n"
        "# and hashes of every file of each release. Regenerate it with\n"
        "#    lockmigrate to-pip-tools --also-pylock\n"
    ).encode()


def pylock_change(
    lock: Path, *, source: str, display: str, exported: bytes, before: bytes | None
) -> FileChange:
    """The change that writes ``exported`` (uv's ``pylock.toml`` for ``lock``, shown as
    ``source``) to :func:`pylock_path_for` ``(lock)``, shown as ``display``, with its header."""
    return FileChange(
        path=pylock_path_for(lock),
        display=display,
        before=before,
        after=_header(source) + exported,
        reason=f"PEP 751 lock of {source}",
    )
