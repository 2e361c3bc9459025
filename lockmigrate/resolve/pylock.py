"""A pip-compile lock exported as a PEP 751 ``pylock.toml``, by uv.

``uv pip compile LOCK --no-deps --universal --format pylock.toml``: every ``==`` pin of the
lock is taken as it is (``--no-deps``: nothing is resolved anew, so the versions are the
lock's), each line's marker is kept (``--universal``: a ``; sys_platform == "win32"`` pin is
not dropped on Linux), and uv adds what PEP 751 needs and a ``.txt`` lock does not hold:
every file of each pinned release with its URL, size and hashes, from the index.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

from lockmigrate.errors import ExternalToolError
from lockmigrate.redact import redact_text
from lockmigrate.resolve.compile import resolver_environment
from lockmigrate.resolve.messages import distill_error
from lockmigrate.resolve.options import Backend, CompileOptions
from lockmigrate.resolve.processes import run
from lockmigrate.resolve.uv import uv_command

__all__ = ["export_pylock"]

# A URL's user information ("user:token@"): never written into a generated file, whatever
# uv copied from an index URL (the index needs it; a reader of the lock must not see it)
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/@\s\"']+@")
# uv's hint when a pin needs a newer Python than the floor given (a lock made for 3.11 that
# pins soupsieve 4.1.4, which needs 3.11.5): "soupsieve==4.1.4 only supports >=3.11.5"
_NEEDS_NEWER = re.compile(r"only supports >=(?P<version>\d+(?:\.\d+){1,2})")


def export_pylock(
    lock_text: bytes, *, shown: str, python_version: str | None, generation: int | None = None
) -> bytes:
    """``lock_text`` (a pip-compile or ``uv pip compile`` lock) as ``pylock.toml`` bytes,
    without a header (the caller writes its own). ``python_version`` is the lowest Python
    the lock is for (raised to what a pin needs when uv says one needs a newer Python: the
    lock's header names 3.11, soupsieve 4.1.4 needs 3.11.5); ``shown`` names the lock in
    errors. Raises :class:`ExternalToolError`
    when uv is missing or fails (an index that cannot be reached, a pin the index lacks)."""
    argv = [
        *uv_command(),
        "pip",
        "compile",
        "--quiet",
        "--no-progress",
        "--no-deps",
        "--universal",
        "--no-header",
        "--format",
        "pylock.toml",
        "--output-file",
        "pylock.toml",
    ]
    environment = resolver_environment(CompileOptions(backend=Backend.UV))
    floor = python_version
    for _ in range(4):  # each retry raises the floor to what a pin needs
        with tempfile.TemporaryDirectory(prefix="lockmigrate-pylock-") as scratch:
            (Path(scratch) / "requirements.txt").write_bytes(lock_text)
            python = ["--python-version", floor] if floor else []
            result = run(
                [*argv, *python, "requirements.txt"], scratch, environment, generation=generation
            )
            if result.returncode == 0:
                exported = (Path(scratch) / "pylock.toml").read_text(encoding="utf-8")
                return _USERINFO.sub(r"\g<scheme>", exported).encode("utf-8")
        needed = _NEEDS_NEWER.search(result.stderr or "")
        if needed is None or needed.group("version") == floor:
            break
        floor = needed.group("version")
    words = distill_error(result.stderr or result.stdout) or "uv failed"
    raise ExternalToolError(
        f"{shown}: uv could not export it as pylock.toml:\n{redact_text(words)}"
    )
