"""Which lock belongs to a project: the one place that decides it (``diff`` and its index
prefetch both ask). Light to import: the prefetch asks before the rest of ``diff`` loads."""

from __future__ import annotations

from pathlib import Path

__all__ = ["pyproject_lock"]


def pyproject_lock(folder: Path) -> Path | None:
    """The lock of the project in ``folder``: its ``poetry.lock``, else its ``uv.lock``, else
    its ``pylock.toml``, else the first of its named PEP 751 locks (``pylock.NAME.toml``);
    ``None`` without one."""
    for name in ("poetry.lock", "uv.lock", "pylock.toml"):
        if (folder / name).is_file():
            return folder / name
    named = sorted(folder.glob("pylock.*.toml"))
    return named[0] if named else None
