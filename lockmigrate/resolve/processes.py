"""Resolver processes: each started in a process group of its own, where :func:`stop_all`
(Ctrl-C, a cancelled CI job) ends it with everything it started."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

from lockmigrate.errors import ExternalToolError

__all__ = ["run", "stop_all", "stop_generation"]


_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()
#: how many times stop_all() ran: a run started before a stop starts nothing after it
_STOPS = [0]
#: How long a resolver has to end after SIGTERM before its process group is killed.
_GRACE_SECONDS = 0.4


def stop_generation() -> int:
    """A token for :func:`compile_requirements`: once :func:`stop_all` has run, a compile
    given an older token starts no resolver (it raises :class:`KeyboardInterrupt`)."""
    return _STOPS[0]


def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
    """Send ``signum`` to ``process`` and every process it started (its process group: each
    resolver is started in a session of its own), or to the process alone on Windows."""
    if os.name != "posix":
        if process.poll() is None:
            process.terminate()  # TerminateProcess: at once, as SIGKILL
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_all() -> None:
    """Stop every resolver still running, with the processes each one started (Ctrl-C, a
    cancelled CI job), and make sure that no compile of a run started before this call
    starts another one (:func:`stop_generation`). Returns within about half a second:
    SIGTERM to each resolver's process group, then SIGKILL to whatever is left."""
    with _RUNNING_LOCK:
        _STOPS[0] += 1
        running = list(_RUNNING)
    for process in running:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + _GRACE_SECONDS
    for process in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in running:  # the resolver, or a build backend it started, ignored SIGTERM
        _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))


def run(
    argv: list[str],
    workdir: str,
    environment: dict[str, str],
    *,
    generation: int | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``workdir`` where :func:`stop_all` can stop it; its output is kept.

    It runs in a process group of its own: :func:`stop_all` ends it with everything it
    started, and Ctrl-C at the terminal reaches lockmigrate alone, which stops it. Given a
    ``generation`` (:func:`stop_generation`) older than the last stop, it starts nothing and
    raises :class:`KeyboardInterrupt`, as it does when it was stopped while running. pip
    checks out ``-e git+...`` requirements into <the running venv>/src by default: they go to
    a scratch folder instead, out of the user's environment.

    Given a ``timeout`` (seconds), a process still running then is killed with its group, and
    :class:`subprocess.TimeoutExpired` is raised with what it printed. Interrupted while it
    waits (Ctrl-C in the thread that called it), it kills the process and its group first."""
    import tempfile

    src = tempfile.TemporaryDirectory(prefix="lockmigrate-src-")
    environment = {**environment, "PIP_SRC": src.name}
    try:
        with _RUNNING_LOCK:
            if generation is not None and generation != _STOPS[0]:
                raise KeyboardInterrupt  # interrupted: start nothing new
            started = _STOPS[0]
            process = subprocess.Popen(
                argv,
                cwd=workdir,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=os.name == "posix",
            )
            _RUNNING.add(process)
    except FileNotFoundError as error:
        src.cleanup()
        raise ExternalToolError(f"cannot run {argv[0]}: {error.strerror}") from None
    except BaseException:
        src.cleanup()
        raise
    try:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
            stdout, stderr = process.communicate()
            raise subprocess.TimeoutExpired(
                argv, timeout or 0, output=stdout, stderr=stderr
            ) from None
        except BaseException:  # interrupted while waiting in this thread (Ctrl-C): end it
            _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=_GRACE_SECONDS)
            raise
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
            stopped = started != _STOPS[0]
        src.cleanup()
    if stopped:
        raise KeyboardInterrupt  # stop_all() ended it: its output means nothing
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)
