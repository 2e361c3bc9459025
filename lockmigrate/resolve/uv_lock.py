"""uv's project commands on a ``pyproject.toml`` with a ``uv.lock``: ``uv lock --check``."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from lockmigrate.redact import redact_text
from lockmigrate.resolve.messages import distill_error
from lockmigrate.resolve.uv import uv_command

__all__ = ["uv_lock_check"]


def _run(arguments: list[str], folder: Path) -> subprocess.CompletedProcess[str]:
    environment = dict(os.environ)
    environment["NO_COLOR"] = "1"
    # a lock needs no environment: an activated one (lockmigrate run from a venv) would only
    # make uv warn that it does not match the project's
    environment.pop("VIRTUAL_ENV", None)
    return subprocess.run(
        [*uv_command(), *arguments, "--no-progress"],
        cwd=folder,
        env=environment,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )


def uv_lock_check(folder: Path) -> str | None:
    """``uv lock --check`` in ``folder``: ``None`` when ``uv.lock`` matches its
    ``pyproject.toml``, else uv's message (credentials redacted).

    Asked offline first: a lock that still satisfies the project is confirmed from the lock
    alone, without the index. Only when that fails is uv asked again with the index, for its
    own reason (offline, a stale lock and an empty cache fail alike). Without uv: exit 3."""
    if _run(["lock", "--check", "--offline", "--quiet"], folder).returncode == 0:
        return None
    result = _run(["lock", "--check"], folder)
    if result.returncode == 0:
        return None
    words = distill_error(result.stderr or result.stdout)
    kept = [
        line.removeprefix("error: ")
        for line in words.splitlines()
        if line.strip() and not line.startswith(("Using ", "Resolved "))
    ]
    return redact_text("\n".join(kept).strip()) or "failed"
