"""Which lock belongs to a project is decided in one place, for diff and its prefetch."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockmigrate.diff import prefetch
from lockmigrate.sources.locks.find import pyproject_lock


@pytest.mark.parametrize(
    ("present", "expected"),
    [
        ((), None),
        (("pylock.b.toml", "pylock.a.toml"), "pylock.a.toml"),
        (("pylock.toml", "pylock.a.toml"), "pylock.toml"),
        (("poetry.lock", "pylock.toml"), "poetry.lock"),
        (("uv.lock", "pylock.toml"), "uv.lock"),
        (("poetry.lock", "uv.lock"), "poetry.lock"),
    ],
)
def test_the_run_and_the_prefetch_find_the_same_lock(
    tmp_path: Path, present: tuple[str, ...], expected: str | None
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]\nname = 'x'\nversion = '1'\n")
    for name in present:
        (tmp_path / name).write_text("")
    found = pyproject_lock(tmp_path)
    assert found == (tmp_path / expected if expected is not None else None)
    assert prefetch._lock_for(tmp_path / "pyproject.toml") == found
