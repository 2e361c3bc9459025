"""Timing helpers shared by the benchmark scripts (not part of the test suite).

Runs are alternated (one of each contender per round, in a rotating order) so that drift in
machine load, CPU frequency or disk cache hits every contender alike, and the median is
reported because it shrugs off the odd slow run.
"""

from __future__ import annotations

import os
import resource
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, kw_only=True, slots=True)
class Contender:
    """One thing to time: a label and a callable doing one run."""

    label: str
    run: Callable[[], object]
    #: Untimed work before each run (emptying a cache for a cold run).
    prepare: Callable[[], object] | None = None


def child_env() -> dict[str, str]:
    """The environment for timed subprocesses.

    ``PYTHONDONTWRITEBYTECODE`` is dropped: with it every run would recompile the sources of
    an editable install, which no user's installed copy does. The warm-up runs write the caches.
    """
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def executable(name: str) -> str:
    """A console script from this interpreter's environment, else from ``PATH``."""
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        sys.exit(f"{name} not found next to {sys.executable} or on PATH")
    return found


def command(argv: Sequence[str], *, stdout: int | None = subprocess.DEVNULL) -> Callable[[], None]:
    """A run of ``argv`` as a subprocess that must exit 0."""
    env = child_env()

    def run() -> None:
        completed = subprocess.run(
            list(argv),
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=subprocess.PIPE,
            env=env,
            check=False,
        )
        if completed.returncode != 0:
            sys.exit(
                f"{' '.join(argv)} exited {completed.returncode}:\n"
                + completed.stderr.decode(errors="replace")
            )

    return run


def time_alternating(
    contenders: Sequence[Contender], *, rounds: int, warmup: int
) -> dict[str, list[float]]:
    """Seconds per run of each contender, ``rounds`` runs each after ``warmup`` untimed ones."""
    for _ in range(warmup):
        for contender in contenders:
            contender.run()
    timings: dict[str, list[float]] = {contender.label: [] for contender in contenders}
    for round_number in range(rounds):
        shift = round_number % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            start = time.perf_counter()
            contender.run()
            timings[contender.label].append(time.perf_counter() - start)
    return timings


def _children_cpu() -> float:
    """CPU seconds (user + system) of every child process waited for so far, and of theirs."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_alternating_cpu(
    contenders: Sequence[Contender], *, rounds: int, warmup: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall seconds and CPU seconds of the whole process tree per run of each contender.

    Like :func:`time_alternating`, for contenders that run subprocesses: the CPU figure is
    the growth of ``RUSAGE_CHILDREN`` over the run, which counts every thread of the child
    and of every grandchild it waited for (a resolver it ran, say). ``prepare`` runs untimed.
    """
    for _ in range(warmup):
        for contender in contenders:
            if contender.prepare is not None:
                contender.prepare()
            contender.run()
    wall: dict[str, list[float]] = {contender.label: [] for contender in contenders}
    cpu: dict[str, list[float]] = {contender.label: [] for contender in contenders}
    for round_number in range(rounds):
        shift = round_number % len(contenders)
        for contender in [*contenders[shift:], *contenders[:shift]]:
            if contender.prepare is not None:
                contender.prepare()
            cpu_start = _children_cpu()
            start = time.perf_counter()
            contender.run()
            wall[contender.label].append(time.perf_counter() - start)
            cpu[contender.label].append(_children_cpu() - cpu_start)
    return wall, cpu


def report(timings: dict[str, list[float]]) -> dict[str, float]:
    """Print median, min and max per contender; return the medians."""
    medians = {label: statistics.median(runs) for label, runs in timings.items()}
    width = max(len(label) for label in timings)
    print(f"{'':{width}}  {'median':>9}  {'min':>9}  {'max':>9}  runs")
    for label, runs in timings.items():
        print(
            f"{label:{width}}  {medians[label] * 1000:7.1f}ms  {min(runs) * 1000:7.1f}ms"
            f"  {max(runs) * 1000:7.1f}ms  {len(runs)}"
        )
    return medians


def verdict(description: str, *, ok: bool) -> bool:
    """Print one target's outcome; return ``ok``."""
    print(f"  [{'PASS' if ok else 'FAIL'}] {description}")
    return ok
