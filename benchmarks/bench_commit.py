"""What the crash-safe commit costs (issue 14): writing a plan of 36 files in 12 folders with
the journal, against the writer before it (a flushed temporary file per target, renamed in
place, nothing else), and the check every command makes for an interrupted commit.

Targets: the journaled commit's median at most 10 ms above the earlier writer's, on the disk
of the checkout; the check, when there is nothing to recover, under 0.5 ms (a dozen ``stat``
calls: tens of microseconds on an idle machine).

    python benchmarks/bench_commit.py [--rounds 15] [--warmup 2] [--dir FOLDER]

``--dir`` is where the trees are written (default: a temporary folder beside this checkout,
so on the disk the work happens on; ``/dev/shm`` shows the CPU cost alone, since nothing
there waits for a disk). Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _harness import Contender, report, time_alternating, verdict

from lockmigrate.io import apply, recover_interrupted
from lockmigrate.plan import FileChange, Plan

FILES = 36
FOLDERS = 12
COMMIT_TARGET = 0.010  # seconds above the earlier writer
CHECK_TARGET = 0.0005  # seconds per check
CHECKS_PER_RUN = 200


def earlier_writer(plan: Plan) -> None:
    """The writer before the journal (lockmigrate 0.x): for each target a temporary file
    beside it, flushed, then every one renamed in place; no backup, journal or lock."""
    staged = []
    for change in plan.effective:
        assert change.after is not None
        descriptor, name = tempfile.mkstemp(
            dir=change.path.parent, prefix=f".{change.path.name}.", suffix=".tmp"
        )
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(change.after)
            handle.flush()
            os.fsync(handle.fileno())
        Path(name).chmod(change.path.stat().st_mode & 0o7777)
        staged.append((Path(name), change.path))
    for temp, target in staged:
        temp.replace(target)


def tree(root: Path) -> list[Path]:
    (root / ".git").mkdir(parents=True)
    paths = []
    for number in range(FILES):
        path = root / f"service-{number % FOLDERS}" / f"requirements-{number}.txt"
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(b"numpy~=1.26.4\npandas~=2.2.3\n" * 20)
        paths.append(path)
    return paths


def flipping(paths: list[Path], write: Callable[[Plan], object]) -> Callable[[], None]:
    """One run: every file rewritten (to the other of two contents, so each run changes
    all of them)."""
    contents = (b"numpy~=1.26.4\npandas~=2.2.3\n" * 20, b"numpy==1.26.9\npandas==2.2.4\n" * 20)
    state = [0]

    def run() -> None:
        before, after = contents[state[0]], contents[1 - state[0]]
        write(
            Plan(
                tuple(
                    FileChange(path=path, display=path.name, before=before, after=after, reason="")
                    for path in paths
                )
            )
        )
        state[0] = 1 - state[0]

    return run


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="timed runs of each")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first")
    parser.add_argument("--dir", type=Path, default=Path(__file__).resolve().parents[2])
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(dir=options.dir, prefix="bench-commit-") as scratch:
        journaled = tree(Path(scratch) / "journaled")
        earlier = tree(Path(scratch) / "earlier")
        deep = Path(scratch) / "journaled" / "service-0" / "a" / "b" / "c"
        deep.mkdir(parents=True)

        def checks() -> None:
            for _ in range(CHECKS_PER_RUN):
                recover_interrupted([deep])

        contenders = [
            Contender(label=f"journaled commit, {FILES} files", run=flipping(journaled, apply)),
            Contender(
                label=f"earlier writer, {FILES} files", run=flipping(earlier, earlier_writer)
            ),
            Contender(label=f"{CHECKS_PER_RUN} checks, nothing to recover", run=checks),
        ]
        print(
            f"python {sys.version.split()[0]}; {options.rounds} alternating rounds; "
            f"trees in {options.dir}"
        )
        medians = report(time_alternating(contenders, rounds=options.rounds, warmup=options.warmup))

    added = medians[contenders[0].label] - medians[contenders[1].label]
    check = medians[contenders[2].label] / CHECKS_PER_RUN
    print("\ntargets:")
    results = [
        verdict(
            f"journaled commit {added * 1000:+.1f} ms against the earlier writer "
            f"(target <= {COMMIT_TARGET * 1000:.0f} ms)",
            ok=added <= COMMIT_TARGET,
        ),
        verdict(
            f"check for an interrupted commit {check * 1e6:.0f} us "
            f"(target < {CHECK_TARGET * 1e6:.0f} us)",
            ok=check < CHECK_TARGET,
        ),
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
