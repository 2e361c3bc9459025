"""The CPU time of ``lockmigrate check`` when every lock's input digest matches: what a
pre-commit hook runs on every commit that touches a requirements file (issue 13).

Target: a median of at most 0.1 s of CPU (user + system of the process and of every process
it waited for) on each input:

- ``fixture``: ``tests/fixtures/workflow/three-services-migrated`` (three services, six
  small locks with their ``.in`` files, as ``to-pip-tools`` wrote them against the test index);
- ``adr``: ``examples/adr`` migrated once with ``--resolver uv`` against the real index
  (six locks of 100-300 lines), when ``--adr DIR`` names such a migrated copy.

    python benchmarks/bench_check.py [--rounds 11] [--warmup 2] [--adr DIR] [--baseline SRC]

``--baseline SRC`` adds a contender: the lockmigrate package in the source tree ``SRC`` (a
checkout of another commit, say ``git archive HEAD~5 | tar -x -C /tmp/base``) run with the
same interpreter (``PYTHONPATH=SRC``), to compare before and after. Exits 1 when a target is
missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from _harness import Contender, child_env, report, time_alternating_cpu, verdict

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "workflow" / "three-services-migrated"
TARGET_CPU = 0.1  # seconds, median


def _check(tree: Path, *, pythonpath: str | None = None) -> Contender:
    import subprocess

    env = child_env()
    if pythonpath is not None:
        env["PYTHONPATH"] = pythonpath
    argv = [sys.executable, "-m", "lockmigrate", "check", "."]

    def run() -> None:
        completed = subprocess.run(
            argv, cwd=tree, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
        )
        if completed.returncode != 0 or b"trusted by their input digest, 0 re-resolved" not in (
            completed.stdout
        ):
            sys.exit(
                f"check in {tree} exited {completed.returncode}:\n"
                + (completed.stdout + completed.stderr).decode(errors="replace")
            )

    label = "this lockmigrate" if pythonpath is None else f"baseline ({pythonpath})"
    return Contender(label=label, run=run)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=11, help="timed runs of each contender")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first")
    parser.add_argument("--adr", type=Path, help="a copy of examples/adr already migrated")
    parser.add_argument("--baseline", type=Path, help="a source tree of another lockmigrate")
    options = parser.parse_args()

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load average "
        f"{os.getloadavg()[0]:.2f}; {options.rounds} alternating rounds"
    )
    ok = True
    with tempfile.TemporaryDirectory(prefix="bench-check-") as scratch:
        inputs = {"fixture": Path(scratch) / "fixture"}
        shutil.copytree(FIXTURE, inputs["fixture"])
        if options.adr is not None:
            inputs["adr"] = options.adr.resolve()
        for name, tree in inputs.items():
            contenders = [_check(tree)]
            if options.baseline is not None:
                contenders.append(_check(tree, pythonpath=str(options.baseline.resolve())))
            wall, cpu = time_alternating_cpu(
                contenders, rounds=options.rounds, warmup=options.warmup
            )
            print(f"\n== {name}: wall clock")
            report(wall)
            print(f"== {name}: CPU (user + system)")
            medians = report(cpu)
            mine = medians[contenders[0].label]
            ok = (
                verdict(
                    f"{name}: {mine * 1000:.0f} ms of CPU (target <= 100 ms)", ok=mine <= TARGET_CPU
                )
                and ok
            )
    print(f"\nload average at the end {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
