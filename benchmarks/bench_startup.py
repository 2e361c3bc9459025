"""How long the lockmigrate CLI takes to start, against pip-compile's.

Target (issue 2): ``lockmigrate --help`` and ``lockmigrate --version`` each take at most
0.25x the time of ``pip-compile --help``, median against median.

    python benchmarks/bench_startup.py [--rounds 20] [--warmup 2]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import sys

from _harness import Contender, command, executable, report, time_alternating, verdict

TARGET_RATIO = 0.25


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20, help="timed runs of each command")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs of each first")
    options = parser.parse_args(argv)

    lockmigrate = executable("lockmigrate")
    pip_compile = executable("pip-compile")
    contenders = [
        Contender(label="lockmigrate --help", run=command([lockmigrate, "--help"])),
        Contender(label="lockmigrate --version", run=command([lockmigrate, "--version"])),
        Contender(label="pip-compile --help", run=command([pip_compile, "--help"])),
    ]
    print(f"python {sys.version.split()[0]}; {options.rounds} alternating rounds")
    medians = report(time_alternating(contenders, rounds=options.rounds, warmup=options.warmup))

    baseline = medians["pip-compile --help"]
    print(f"\nratios to pip-compile --help (target <= {TARGET_RATIO}x):")
    results = [
        verdict(
            f"{label}: {medians[label] / baseline:.3f}x",
            ok=medians[label] <= TARGET_RATIO * baseline,
        )
        for label in ("lockmigrate --help", "lockmigrate --version")
    ]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
