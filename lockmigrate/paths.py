"""Paths as lockmigrate shows them to people (relative to the current folder when below it),
and the service folder a requirements file belongs to."""

from __future__ import annotations

import functools
from pathlib import Path

__all__ = ["display_path", "service_dir_for"]


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
