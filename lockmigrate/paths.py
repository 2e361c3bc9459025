"""Paths as lockmigrate shows them to people (relative to the current folder when below it),
the service folder a requirements file belongs to, the ``pylock.toml`` exported beside a
lock, and where lockmigrate keeps its cache."""

from __future__ import annotations

import functools
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = [
    "CACHE_ENV",
    "default_cache_dir",
    "display_path",
    "pylock_path_for",
    "service_dir_for",
]

CACHE_ENV = "LOCKMIGRATE_CACHE_DIR"


@functools.lru_cache(maxsize=64)
def _resolved(folder: Path) -> Path:
    return folder.resolve()


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """``path`` as shown to the user: relative to ``relative_to`` (default: the current
    directory) when it lies below it, else absolute."""
    anchor = _resolved(relative_to or Path.cwd())
    resolved = path.resolve() if not path.is_absolute() else path
    try:
        return resolved.relative_to(anchor).as_posix()
    except ValueError:
        return resolved.as_posix()


def service_dir_for(path: Path) -> Path:
    """The service folder a requirements file belongs to: the folder above the nearest
    ``requirements/`` folder that holds it (``svc/requirements/extras/x.txt`` belongs to
    ``svc``), else its own folder. A ``locks/`` folder lockmigrate writes beside inputs
    belongs to the folder that holds it."""
    parent = path.parent
    if parent.name.lower() == "locks":
        parent = parent.parent
    for folder in (parent, *parent.parents):
        if folder.name.lower() == "requirements":
            return folder.parent
    return parent


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


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where lockmigrate's caches live (the HTTP cache, the NumPy ABI verdicts):
    ``$LOCKMIGRATE_CACHE_DIR``, else the platform's user cache folder
    (``$XDG_CACHE_HOME/lockmigrate``, ``~/Library/Caches/lockmigrate``,
    ``%LOCALAPPDATA%\\lockmigrate\\Cache``). Here rather than in :mod:`lockmigrate.index`,
    so that ``check`` can find a kept verdict without importing the index client."""
    env = os.environ if environ is None else environ
    override = env.get(CACHE_ENV)
    if override:
        return Path(override)
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "lockmigrate" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return home / "Library" / "Caches" / "lockmigrate"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "lockmigrate"
