"""Runs the real Poetry (``poetry lock``) as a subprocess, when it is installed."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

from lockmigrate.errors import ExternalToolError
from lockmigrate.redact import redact_text
from lockmigrate.resolve.messages import distill_error
from lockmigrate.resolve.poetry_messages import PythonRangeConflict, python_range_conflict

__all__ = [
    "PoetryLockError",
    "PythonRangeConflict",
    "poetry_check_lock",
    "poetry_command",
    "poetry_lock",
]


class PoetryLockError(ExternalToolError):
    """``poetry lock`` failed; ``conflict`` is set when it failed because the project's
    Python range is wider than some package allows (what it said of them)."""

    def __init__(self, message: str, *, conflict: PythonRangeConflict | None = None) -> None:
        super().__init__(message)
        self.conflict = conflict


def poetry_command() -> list[str]:
    """How to run Poetry here, or :class:`ExternalToolError` (exit 3) when it is missing."""
    found = shutil.which("poetry")
    if found is not None:
        return [found]
    if importlib.util.find_spec("poetry.console") is not None:
        return [sys.executable, "-m", "poetry"]
    raise ExternalToolError(
        "--lock needs Poetry, which is not installed: see https://python-poetry.org/docs/"
        "#installation (or run without --lock, then `poetry lock` yourself)"
    )


def _runs_here(requires_python: str | None) -> bool:
    """Whether this interpreter is one the project allows (``None``: assume so)."""
    if requires_python is None:
        return True
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    here = f"{sys.version_info.major}.{sys.version_info.minor}.{sys.version_info.micro}"
    try:
        return SpecifierSet(requires_python).contains(here, prereleases=True)
    except InvalidSpecifier:
        return True


def _run(
    arguments: list[str], folder: Path, *, requires_python: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["NO_COLOR"] = "1"
    if _runs_here(requires_python):
        # locking needs no virtual environment: don't leave one behind in Poetry's cache.
        # When the project needs another Python, Poetry must be free to find one (without
        # a virtualenv it refuses: "Current Python version ... is not allowed").
        environment.setdefault("POETRY_VIRTUALENVS_CREATE", "false")
    else:
        # nor may an activated virtual environment of this Python hold it: Poetry uses the
        # one VIRTUAL_ENV names, whatever the project allows (lockmigrate run from a venv,
        # a nox or tox session)
        environment.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [*poetry_command(), *arguments, "--no-interaction"],
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )


def poetry_lock(folder: Path, *, requires_python: str | None = None) -> None:
    """``poetry lock`` in ``folder``; raises :class:`PoetryLockError` with Poetry's words.
    ``requires_python`` is the project's, to let Poetry find another interpreter when this
    one is not allowed."""
    result = _run(["lock"], folder, requires_python=requires_python)
    if result.returncode != 0:
        output = redact_text(result.stderr or result.stdout)
        raise PoetryLockError(
            f"poetry lock failed in {folder}:\n{distill_error(output)}",
            conflict=python_range_conflict(output),
        )


def poetry_check_lock(folder: Path) -> str | None:
    """``poetry check --lock`` in ``folder``: ``None`` when the lock matches pyproject.toml,
    else Poetry's message. Without Poetry there is nothing to ask: a clear exit 3."""
    result = _run(["check", "--lock"], folder)
    if result.returncode == 0:
        return None
    return redact_text(distill_error(result.stderr or result.stdout)) or "failed"
