"""Ctrl-C at a real terminal (issue 13, item 3): lockmigrate says at once that it is
stopping, starts no new resolver, ends the running ones with every process they started,
leaves every file as it was and exits 130, all within about a second.

The resolvers are held up by an index that accepts connections and never answers, so they
are certainly running (and more compiles are queued behind them) when the key is pressed.
lockmigrate runs in a pseudo-terminal (pexpect), so Ctrl-C is the terminal's own: SIGINT to
the foreground process group, as a person pressing it sends.
"""

from __future__ import annotations

import os
import socket
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from index.environment import scrubbed_env

#: What "within a second" allows on a loaded 2-core CI machine: the stop itself takes
#: about 0.1-0.3 s (the assertion message prints the figure).
STOP_SECONDS = 1.0
SERVICES = 6  # more than the worker threads of a 2-core machine: some compiles are queued


class SilentIndex:
    """A server on 127.0.0.1 that accepts every connection, records when, and never
    answers: a resolver asking it for a page waits until it is ended."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0), backlog=64)
        self._listener.settimeout(0.05)
        self.connected: list[float] = []  # time.monotonic() of each accepted connection
        self._held: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._listener.getsockname()[1]}/simple/"

    def _accept(self) -> None:
        deadline = time.monotonic() + 300  # never outlives a test by much
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                connection, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connected.append(time.monotonic())
            self._held.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for connection in self._held:
            connection.close()
        self._listener.close()


@pytest.fixture
def silent_index() -> Iterator[SilentIndex]:
    index = SilentIndex()
    yield index
    index.close()


def _processes() -> dict[int, tuple[int, int]]:
    """Every process: pid -> (parent pid, process group), from /proc."""
    found: dict[int, tuple[int, int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        if fields[0] != "Z":  # a zombie has ended already
            found[int(entry.name)] = (int(fields[1]), int(fields[2]))
    return found


def _children(pid: int) -> set[int]:
    return {child for child, (parent, _) in _processes().items() if parent == pid}


def _tree(tmp_path: Path) -> Path:
    tree = tmp_path / "repo"
    for number in range(SERVICES):
        service = tree / f"svc{number}"
        service.mkdir(parents=True)
        (service / "requirements.txt").write_text("numpy~=1.26.4\n")
    return tree


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _wait_for(condition: object, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def _still_running(child: pexpect.spawn) -> bool:
    """Whether lockmigrate still runs; a run that ended before Ctrl-C fails the test at
    once, with what it printed (the resolvers never got to the index)."""
    if child.isalive():
        return True
    child.expect(pexpect.EOF, timeout=10)
    raise AssertionError(f"lockmigrate ended before Ctrl-C:\n{child.before}")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_ctrl_c_stops_within_a_second_and_changes_nothing(
    resolver: str, silent_index: SilentIndex, tmp_path: Path
) -> None:
    tree = _tree(tmp_path)
    before = _snapshot(tree)
    env = scrubbed_env(
        cache_dir=tmp_path / "cache",
        PIP_INDEX_URL=silent_index.url,
        UV_DEFAULT_INDEX=silent_index.url,
        PIP_TIMEOUT="120",  # the index never answers: no resolver gives up by itself
        UV_HTTP_TIMEOUT="120",
        PYTHONUNBUFFERED="1",
    )
    child = pexpect.spawn(
        sys.executable,
        ["-m", "lockmigrate", "to-pip-tools", "--resolver", resolver, "."],
        cwd=str(tree),
        env=env,
        encoding="utf-8",
        timeout=30,
    )
    try:
        # every worker thread has a resolver waiting on the index, the others are queued
        workers = min(SERVICES, os.cpu_count() or 1)
        _wait_for(
            lambda: (
                _still_running(child)
                and len(_children(child.pid)) >= workers
                and len(silent_index.connected) >= workers
            ),
            timeout=180,  # a loaded CI machine (the whole suite on 2 cores) starts them slowly
            what=f"{workers} resolvers to ask the index",
        )
        time.sleep(0.3)  # let a resolver that opens more connections open them
        resolvers = _children(child.pid)
        groups = {_processes()[pid][1] for pid in resolvers if pid in _processes()}
        connections = len(silent_index.connected)

        started = time.monotonic()
        child.sendintr()
        seen: set[int] = set()
        while child.isalive() and time.monotonic() - started < 10:
            seen |= _children(child.pid)
            time.sleep(0.005)
        child.expect(pexpect.EOF, timeout=10)
        elapsed = time.monotonic() - started
        child.close()
        output = child.before
    finally:
        if child.isalive():
            child.kill(9)

    assert child.exitstatus == 130, output
    assert elapsed < STOP_SECONDS, f"took {elapsed:.2f} s to stop:\n{output}"
    assert "lockmigrate: interrupted: stopping" in output
    assert "lockmigrate: interrupted; no file was changed" in output
    assert "Traceback" not in output
    assert not seen - resolvers, "a resolver was started after Ctrl-C"
    assert len(silent_index.connected) == connections, "the index was asked after Ctrl-C"
    left = [pid for pid, (_, group) in _processes().items() if group in groups]
    assert not left, f"processes of the resolvers' groups still run: {left}"
    assert _snapshot(tree) == before
