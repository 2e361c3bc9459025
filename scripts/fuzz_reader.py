"""Fuzz the requirements reader against pip 26.3 for as long as you like (issue 14).

The test suite runs a fixed, small budget of the same cases (``tests/sources/test_pip_fuzz.py``);
this script runs as many as asked, from a seed, with the same grammar, corpus mutations and
comparison (``tests/sources/pip_fuzz.py``), and prints the cases run, the disagreements by
class, and every traceback. Each disagreement is shrunk (lines, then bytes, removed while the
same class of disagreement remains) and written to ``--out`` as a reproducer folder::

    python scripts/fuzz_reader.py --cases 20000 --seed 1 --out /tmp/fuzz
    python scripts/fuzz_reader.py --cases 2000 --seed 7 --no-shrink

Run it with the dev venv's interpreter (it needs ``pip==26.3`` and hypothesis). pip runs in
subprocesses, a batch of cases each, with no pip configuration and every proxy set to a closed
port, so nothing is fetched. Exits 1 when a disagreement or a traceback was found.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "tests"), str(REPO / "tests" / "sources")]

# pip must fetch nothing (a -r https://... case): every proxy is a closed port on loopback.
for _name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
    os.environ[_name] = "http://127.0.0.1:9"
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost,::1"

from hypothesis import HealthCheck, Phase, given, seed, settings  # noqa: E402
from pip_fuzz import (  # noqa: E402
    CLASSES,
    DELIBERATE,
    INCLUDED_NAME,
    ROOT_NAME,
    FuzzCase,
    Outcome,
    Report,
    corpus_texts,
    describe,
    fuzz_cases,
    run_batch,
)


def generate(count: int, seed_value: int) -> list[FuzzCase]:
    """``count`` cases from the grammar and the corpus, the same ones for the same seed."""
    cases: list[FuzzCase] = []

    @seed(seed_value)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(fuzz_cases(corpus_texts()))
    def collect(case: FuzzCase) -> None:
        cases.append(case)

    collect()
    return cases


def _smaller(data: bytes) -> list[bytes]:
    """Candidates one step smaller than ``data``: one line removed, then one chunk of bytes."""
    lines = data.splitlines(keepends=True)
    candidates = [b"".join(lines[:i] + lines[i + 1 :]) for i in range(len(lines))]
    size = max(len(data) // 2, 1)
    while size >= 1:
        candidates.extend(data[:i] + data[i + size :] for i in range(0, len(data), size))
        size //= 2
    return [c for c in dict.fromkeys(candidates) if c != data]


def shrink(outcome: Outcome, scratch: Path, *, rounds: int = 40) -> Outcome:
    """The smallest root file found that still shows ``outcome``'s first class."""
    wanted = outcome.classes[0]
    best = outcome
    for _ in range(rounds):
        candidates = [
            FuzzCase(root=data, included=best.case.included, origin=best.case.origin)
            for data in _smaller(best.case.root)[:400]
        ]
        if not candidates:
            break
        found = next(
            (o for o in run_batch(candidates, scratch) if o.classes and o.classes[0] == wanted),
            None,
        )
        if found is None:
            break
        best = found
    return best


def write_reproducer(outcome: Outcome, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / ROOT_NAME).write_bytes(outcome.case.root)
    if outcome.case.included is not None:
        (folder / INCLUDED_NAME).write_bytes(outcome.case.included)
    (folder / "DISAGREEMENT.txt").write_text(describe(outcome) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=2000, help="cases to generate and run")
    parser.add_argument("--seed", type=int, default=0, help="hypothesis seed")
    parser.add_argument("--batch", type=int, default=500, help="cases per pip subprocess")
    parser.add_argument("--jobs", type=int, default=2, help="batches run side by side")
    parser.add_argument("--out", type=Path, help="write shrunk reproducers here")
    parser.add_argument("--no-shrink", action="store_true", help="write reproducers as found")
    parser.add_argument("--show", type=int, default=3, help="examples printed per class")
    options = parser.parse_args(argv)

    started = time.monotonic()
    cases = generate(options.cases, options.seed)
    generated = time.monotonic()
    print(f"generated {len(cases)} cases (seed {options.seed}) in {generated - started:.1f}s")
    report = Report()
    with tempfile.TemporaryDirectory(prefix="lockmigrate-fuzz-") as scratch:
        batches = [
            cases[start : start + options.batch] for start in range(0, len(cases), options.batch)
        ]
        with ThreadPoolExecutor(max_workers=options.jobs) as pool:
            futures = [
                pool.submit(run_batch, batch, Path(scratch) / f"batch-{number}")
                for number, batch in enumerate(batches)
            ]
            for number, future in enumerate(futures):
                report.add(future.result())
                shutil.rmtree(Path(scratch) / f"batch-{number}", ignore_errors=True)
                print(f"  {report.cases} cases, {len(report.disagreements)} disagreements")
        print(f"\nran {report.cases} cases in {time.monotonic() - generated:.1f}s")
        print(f"disagreeing cases: {len(report.disagreements)}")
        for name in CLASSES:
            if report.by_class[name]:
                print(f"  {name}: {report.by_class[name]}")
        print(f"tracebacks: {len(report.tracebacks)}")
        print(f"not compared (a path holding a NUL): {report.not_compared}")
        for reason in (d.reason for d in DELIBERATE):
            print(f"deliberate, not counted ({reason}): {report.deliberate[reason]}")

        shown: dict[str, int] = {}
        for number, outcome in enumerate(report.disagreements):
            first = outcome.classes[0]
            shown[first] = shown.get(first, 0) + 1
            small = outcome
            if options.out is not None or shown[first] <= options.show:
                if not options.no_shrink:
                    small = shrink(outcome, Path(scratch) / "shrink")
                if options.out is not None:
                    write_reproducer(small, options.out / f"{number:04d}-{first}")
            if shown[first] <= options.show:
                print("\n" + describe(small))
    return 1 if report.disagreements else 0


if __name__ == "__main__":
    raise SystemExit(main())
