"""Differential fuzzing: generated and mutated requirements files read as pip 26.3 reads them.

A fixed, small budget, the same cases on every run (``derandomize=True``): hypothesis only
generates the cases, which are then read by pip in one oracle subprocess and compared with
lockmigrate's reading (``pip_fuzz.py``). A failure lists each disagreeing case whole, so no
shrinking is needed. For a long run with other seeds: ``python scripts/fuzz_reader.py``.
"""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from pip_fuzz import FuzzCase, Report, corpus_texts, describe, fuzz_cases, run_batch

#: Cases per run: about 10 s on two cores, most of it pip.
BUDGET = 400


def generate(count: int) -> list[FuzzCase]:
    cases: list[FuzzCase] = []

    @settings(
        derandomize=True,
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


def test_generated_files_read_as_pip_reads_them(tmp_path: Path) -> None:
    cases = generate(BUDGET)
    assert len(cases) >= BUDGET // 2, len(cases)
    report = Report()
    report.add(run_batch(cases, tmp_path))
    assert report.cases == len(cases)
    assert not report.disagreements, "\n".join(describe(o) for o in report.disagreements)


def test_generated_cases_reach_both_answers(tmp_path: Path) -> None:
    """The grammar is worth its budget only if it makes files pip accepts and files pip
    rejects, from the grammar and from the corpus alike."""
    cases = generate(120)
    outcomes = run_batch(cases, tmp_path)
    rejected = {(o.case.origin, o.pip_error is not None) for o in outcomes}
    assert ("grammar", True) in rejected
    assert ("grammar", False) in rejected
