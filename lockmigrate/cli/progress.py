"""What a command shows on standard error while it works, and the line it ends with.

A :class:`Progress` counts the work of one run: ``planned(n)`` adds to how many there are
(locks to compile, services to lock), ``started(key)`` and ``finished(key)`` follow each.
How it is shown depends on where standard error goes (:func:`choose_mode`):

- ``LIVE``, on a terminal: rich's live display, redrawn in place, with what runs now, how
  many of how many are done and the time so far; gone when the run ends. rich is imported
  only once a run has lasted :data:`LIVE_AFTER` seconds, so a quick run (``check`` on
  fresh locks, as a pre-commit hook runs it) never pays for it.
- ``LINES``, in logs (``-v``, ``NO_COLOR``, ``TERM=dumb``, and ``diff`` in CI): a plain
  line as each item starts and ends, ``compiled X (3 of 12 done)``; no control codes.
- ``SILENT``: nothing (``-q``, and piped output unless the command's logs need a sign of
  life).

The line every command ends with is :func:`lockmigrate.cli.common.summary`.
"""

from __future__ import annotations

import enum
import os
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from lockmigrate.cli.common import Verbosity, counted

if TYPE_CHECKING:
    from types import TracebackType

    from rich.console import Group
    from rich.spinner import Spinner
    from rich.text import Text

__all__ = ["LIVE_AFTER", "Mode", "Progress", "choose_mode"]

#: Seconds a run lasts before the live display appears.
LIVE_AFTER = 0.3


class Mode(enum.Enum):
    LIVE = "live"
    LINES = "lines"
    SILENT = "silent"


def choose_mode(level: Verbosity, *, in_logs: bool = False) -> Mode:
    """``LIVE`` when standard error is a terminal that takes control codes (not
    ``NO_COLOR``, not ``TERM=dumb``) and the level is not ``-q``; else ``LINES`` with
    ``-v``, on such a terminal, or when ``in_logs`` (the command prints progress in logs);
    else ``SILENT``."""
    if level is Verbosity.QUIET:
        return Mode.SILENT
    terminal = sys.stderr.isatty()
    plain = "NO_COLOR" in os.environ or os.environ.get("TERM") == "dumb"
    if terminal and not plain:
        return Mode.LIVE
    if level is Verbosity.VERBOSE or terminal or in_logs:
        return Mode.LINES
    return Mode.SILENT


class Progress:
    """The work of one run, shown as ``mode`` says. ``doing`` is the verb of an item that
    runs (``compiling``), ``done`` its past (``compiled``), ``noun`` what is counted
    (``lock``); ``title`` heads the live display (``doing`` and the plural of ``noun`` by
    default). Safe to call from several threads. Use as a context manager, or call
    :meth:`close` once the work is over (before printing the report).

    A plain class, not a dataclass: it is built on the path of every ``check``, where
    making a dataclass costs a millisecond of start-up."""

    __slots__ = (
        "_closed",
        "_live",
        "_lock",
        "_spinner",
        "_timer",
        "doing",
        "done",
        "failed_count",
        "finished_count",
        "mode",
        "noun",
        "running",
        "stage",
        "started_at",
        "title",
        "total",
    )  # fmt: skip

    def __init__(self, *, mode: Mode, doing: str, done: str, noun: str, title: str = "") -> None:
        self.mode, self.doing, self.done, self.noun, self.title = mode, doing, done, noun, title
        self.total = self.finished_count = self.failed_count = 0
        self.running: dict[str, str] = {}
        #: what is shown as running when no item is (``reading the locks``)
        self.stage = ""
        self.started_at = time.monotonic()
        # re-entrant: the live display's first drawing happens while it is being started
        self._lock = threading.RLock()
        self._live: Any = None  # rich.live.Live once shown
        self._spinner: Any = None  # its rich.spinner.Spinner (one, so that it turns)
        self._timer: threading.Timer | None = None
        self._closed = False

    def __enter__(self) -> Progress:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    @property
    def seconds(self) -> float:
        """Time since the run began."""
        return time.monotonic() - self.started_at

    def planned(self, count: int) -> None:
        """``count`` more items to do."""
        with self._lock:
            self.total += count
        if count and self.mode is Mode.LIVE:
            self._show_soon()

    def at(self, stage: str) -> None:
        """The run is at ``stage`` (shown while no item runs; live display only)."""
        with self._lock:
            self.stage = stage
            if self.mode is Mode.LIVE:
                self._show_soon()

    def tally(self, finished: int, total: int) -> None:
        """For a caller that counts itself: ``finished`` of ``total`` are done."""
        with self._lock:
            self.finished_count, self.total = finished, total

    def started(self, key: str, text: str | None = None) -> None:
        """Item ``key`` runs now (``text``: how to show it, ``key`` itself by default)."""
        shown = text if text is not None else key
        with self._lock:
            self.running[key] = shown
            if self.mode is Mode.LIVE:
                self._show_soon()
            elif self.mode is Mode.LINES:
                self._line(f"{self.doing} {shown} ...")

    def finished(self, key: str, *, ok: bool = True) -> None:
        """Item ``key`` is over (``ok`` False: it failed)."""
        with self._lock:
            shown = self.running.pop(key, key)
            self.finished_count += 1
            self.failed_count += not ok
            if self.mode is Mode.LINES:
                verb = self.done if ok else "failed:"
                count = f"{self.finished_count} of {self.total}" if self.total else "1"
                self._line(f"{verb} {shown} ({count} done)")

    def callback(self) -> Callable[[str, str], None]:
        """The ``(file, state)`` callback :func:`lockmigrate.api.to_pip_tools` and
        :func:`lockmigrate.api.check` report to: state ``compiling``, ``done`` or ``failed``."""

        def report(shown: str, state: str) -> None:
            if state == "compiling":
                self.started(shown)
            else:
                self.finished(shown, ok=state == "done")

        return report

    def close(self) -> None:
        """Stop showing progress (the live display is erased). Idempotent."""
        with self._lock:
            self._closed = True
            timer, self._timer = self._timer, None
            live, self._live = self._live, None
        if timer is not None:
            timer.cancel()
        if live is not None:
            live.stop()

    # the live display

    def _line(self, text: str) -> None:
        sys.stderr.write(f"  {text}\n")
        sys.stderr.flush()

    def _show_soon(self) -> None:
        """Start the timer that shows the live display (called with the lock held)."""
        if self._timer is None and self._live is None and not self._closed:
            delay = max(0.0, LIVE_AFTER - self.seconds)
            self._timer = threading.Timer(delay, self._show)
            self._timer.daemon = True
            self._timer.start()

    def _show(self) -> None:
        from rich.console import Console
        from rich.live import Live
        from rich.spinner import Spinner

        self._spinner = Spinner("dots", style="cyan")

        console = Console(file=sys.stderr, highlight=False, markup=False, emoji=False)
        live = Live(
            get_renderable=self._renderable,
            console=console,
            refresh_per_second=8,
            transient=True,  # the report and the summary take its place
            redirect_stdout=False,  # stdout carries the report, wherever it goes
            redirect_stderr=True,  # a warning or "stopping" prints above it
        )
        with self._lock:
            if self._closed:
                return
            self._live = live
            live.start()

    def _renderable(self) -> Group:
        from rich.console import Group
        from rich.text import Text

        with self._lock:
            total, finished = self.total, self.finished_count
            running = list(self.running.values()) or ([self.stage] if self.stage else [])
            failed = self.failed_count
        elapsed = int(self.seconds)
        head = Text(self.title or f"{self.doing} {counted(2, self.noun).split(' ', 1)[1]}")
        head.stylize("bold")
        if total:
            head.append(f"  {finished} of {total} done")
        if failed:
            head.append(f", {failed} failed", style="red")
        head.append(f"  {elapsed // 60}:{elapsed % 60:02d}", style="dim")
        self._spinner.update(text=head)
        lines: list[Spinner | Text] = [self._spinner]
        if running:
            now = Text("  now: " + ", ".join(running), style="dim", no_wrap=True)
            now.overflow = "ellipsis"
            lines.append(now)
        return Group(*lines)
