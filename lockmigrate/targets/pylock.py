"""Where the PEP 751 lock exported beside a pip-compile lock goes, and what it holds besides
uv's export: a header naming the lock it was made from (``to-pip-tools --also-pylock``)."""

from __future__ import annotations

import re
from pathlib import Path

from lockmigrate.plan import FileChange

__all__ = ["pylock_change", "pylock_path_for"]

_REQUIREMENTS_PREFIX = re.compile(r"^requirements(?:[-_.](?P<rest>.+))?$", re.IGNORECASE)


def pylock_path_for(lock: Path) -> Path:
    """The ``pylock.toml`` beside ``lock``: ``requirements.txt`` → ``pylock.toml``,
    ``requirements-prod.txt`` → ``pylock.prod.toml``, ``requirements/dev.txt`` →
    ``requirements/pylock.dev.toml``. PEP 751 names a lock ``pylock.NAME.toml``, with no dot
    in ``NAME``: a dot becomes ``-``."""
    stem = lock.stem
    match = _REQUIREMENTS_PREFIX.match(stem)
    name = match.group("rest") if match is not None else stem
    if not name:
        return lock.with_name("pylock.toml")
    return lock.with_name(f"pylock.{name.replace('.', '-')}.toml")


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
