"""The points between the steps of a commit or a recovery: where an interrupt stops it, and
where the test suite makes it crash or fail.

While files are being written, Ctrl-C and SIGTERM are held back and take effect at the next
checkpoint, so that a commit is undone whole. Once its journal says "committing" they are
held until it is finished (a few milliseconds): the files are written, and the caller decides
what the held interrupt means (:attr:`Checkpoints.held`). A recovery is never interrupted.

Test-only, never set by users (the crash tests of ``tests/test_io_crash.py`` use them):

``LOCKMIGRATE_TEST_CRASH_AT=step-N``
    kill the process with SIGKILL (``os._exit(137)`` where there is none) right after the
    N-th step of a commit; ``recover-N`` after the N-th step of a recovery.
``LOCKMIGRATE_TEST_FAIL_AT=step-N``
    raise ``OSError(ENOSPC)`` there instead, as a full disk would.
"""

from __future__ import annotations

import contextlib
import errno
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from types import FrameType

__all__ = ["CRASH_VARIABLE", "FAIL_VARIABLE", "Checkpoints"]

CRASH_VARIABLE = "LOCKMIGRATE_TEST_CRASH_AT"
FAIL_VARIABLE = "LOCKMIGRATE_TEST_FAIL_AT"


def _die() -> None:
    kill = getattr(signal, "SIGKILL", None)
    if kill is not None:
        os.kill(os.getpid(), kill)
    os._exit(137)


class Checkpoints:
    """Counts the steps of one commit (``kind="step"``) or recovery (``"recover"``)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.count = 0
        self.interruptible = True
        self.held: list[int] = []
        self._crash_at = os.environ.get(CRASH_VARIABLE)
        self._fail_at = os.environ.get(FAIL_VARIABLE)

    def __call__(self, path: Path | None = None) -> None:
        """A step just ended (on ``path``, when it wrote one)."""
        self.count += 1
        name = f"{self.kind}-{self.count}"
        if name == self._crash_at:
            _die()
        if name == self._fail_at:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path or ""))
        if self.held and self.interruptible:
            self.held.clear()
            raise KeyboardInterrupt

    @contextlib.contextmanager
    def holding_interrupts(self) -> Iterator[None]:
        """Hold SIGINT and SIGTERM back until the next interruptible checkpoint (in the main
        thread; elsewhere Python delivers no signal anyway). Those held while nothing could
        be interrupted are left in :attr:`held`."""
        if threading.current_thread() is not threading.main_thread():
            yield
            return

        def hold(signum: int, frame: FrameType | None) -> None:
            self.held.append(signum)

        wanted = [signal.SIGINT, getattr(signal, "SIGTERM", signal.SIGINT)]
        previous = {number: signal.signal(number, hold) for number in dict.fromkeys(wanted)}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)
