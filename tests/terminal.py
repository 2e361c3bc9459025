"""Run lockmigrate as a person at a terminal would: its output on a pseudo-terminal of a
chosen width (``pty`` from the standard library), read back whole."""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["TerminalRun", "on_a_terminal"]


@dataclass(frozen=True, slots=True)
class TerminalRun:
    returncode: int
    #: what the terminal showed (standard output and error, as written, escapes included)
    screen: str


def on_a_terminal(
    arguments: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    columns: int = 100,
    timeout: float = 120,
) -> TerminalRun:
    """``python -m lockmigrate ARGUMENTS`` with standard output and error on a pseudo-terminal
    ``columns`` wide (standard input is not a terminal). ``env`` defaults to this process's
    environment without ``NO_COLOR``."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 40, columns, 0, 0))
    chunks: list[bytes] = []

    def drain() -> None:
        with contextlib.suppress(OSError):  # EIO when the child has closed its end
            while chunk := os.read(controller, 65536):
                chunks.append(chunk)

    environment = dict(os.environ) if env is None else dict(env)
    if env is None:
        environment.pop("NO_COLOR", None)
    environment.pop("COLUMNS", None)  # the width is the terminal's
    reader = threading.Thread(target=drain)
    reader.start()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "lockmigrate", *arguments],
            cwd=cwd,
            env=environment,
            stdin=subprocess.DEVNULL,
            stdout=terminal,
            stderr=terminal,
            timeout=timeout,
            check=False,
        )
    finally:
        os.close(terminal)
        reader.join()
        os.close(controller)
    # the terminal turns each "\n" into "\r\n"
    return TerminalRun(done.returncode, b"".join(chunks).decode().replace("\r\n", "\n"))
