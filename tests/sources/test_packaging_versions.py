"""The reader gives pip 26.3's answers with the packaging floor (26.3) and with later ones.

pip 26.3 parses with its vendored packaging 26.3. Two checks:

- at the floor: the hand-written differential cases and a fuzz batch are compared with pip
  in a subprocess that runs lockmigrate on pip's vendored packaging 26.3
  (``tests/oracle/at_packaging_floor.py``), so the floor in pyproject.toml is tested here,
  without a network or a second virtual environment;
- with the installed packaging (26.4 when this was written): ``_pep508.parse_requirement``
  against ``pip._vendor.packaging``'s ``Requirement`` on generated strings, among them the
  constructs the two releases read differently (``name===``, a URL holding a no-break
  space), and the whole differential suite runs on it anyway.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import packaging
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle.runner import run_oracle
from pip._vendor import packaging as vendored_packaging
from pip._vendor.packaging.requirements import Requirement as PipRequirement
from pip_fuzz import FuzzCase, Outcome, Report, describe
from test_pip_differential import CASES, _expected, _materialise, oracle_job
from test_pip_fuzz import generate

from lockmigrate.sources._pep508 import parse_requirement

FLOOR = "26.3"
AT_FLOOR = Path(__file__).parents[1] / "oracle" / "at_packaging_floor.py"

# Where packaging 26.3 and 26.4 disagree, as cases for both parsers.
DIVERGENT: list[str] = [
    "name===", "name ===", "name===,", "name (===)", "name[a]===", "n===,===abc", "n===abc,===",
    'name===;python_version>"3"', "n @ https://x/a\xa0b", "n @\xa0https://x",
    'name@https://x/a\u3000b ; python_version>"3"', "n===a@b\xa0c", 'n; extra=="a\xa0@b"',
    'n; python_version=="\x00"', "n===\xa0", "n=== ,x", "n (=== )", "OR === 1.0, === 1.0",
    "n === 1.0, ;python_version>'3'", "n === 1.0, , >=2", "n (=== 1.0, )", "n===1.0,\t>=2",
]  # fmt: skip


def pip_reading(text: str) -> object:
    try:
        requirement = PipRequirement(text)
    except Exception as exc:  # noqa: BLE001 - pip's packaging may raise anything
        return type(exc).__name__
    return (
        requirement.name,
        requirement.url,
        frozenset(requirement.extras),
        str(requirement.specifier),
        str(requirement.marker) if requirement.marker else None,
    )


def our_reading(text: str) -> object:
    try:
        parsed = parse_requirement(text)
    except Exception as exc:  # noqa: BLE001 - compared with pip's exception's name
        return type(exc).__name__
    return (parsed.name, parsed.url, parsed.extras, parsed.specifier, parsed.marker)


def test_pip_vendors_the_floor() -> None:
    assert vendored_packaging.__version__ == FLOOR
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert f'"packaging>={FLOOR}"' in pyproject


@pytest.mark.parametrize("text", DIVERGENT)
def test_divergent_constructs_read_as_pip_reads_them(text: str) -> None:
    assert our_reading(text) == pip_reading(text)


_piece = st.sampled_from(
    ["name", "===", "==", ">=1", ",", " ", "\t", "\xa0", "\u3000", "@", " @ ", "https://h/p",
     ";", "; ", 'python_version>"3"', "(", ")", "[x]", "a", "1.0", "\x00", "'", '"']
)  # fmt: skip


@settings(derandomize=True, max_examples=1500, database=None, deadline=None)
@given(st.lists(_piece, max_size=8).map("".join))
def test_generated_strings_read_as_pip_reads_them(text: str) -> None:
    assert our_reading(text) == pip_reading(text)


def test_marker_nested_deeper_than_the_recursion_limit_is_an_error() -> None:
    text = "name; " + "(" * 2000 + 'python_version > "3"' + ")" * 2000
    assert our_reading(text) == "InvalidRequirement"


def test_reader_at_the_floor_agrees_with_pip(tmp_path: Path) -> None:
    if packaging.__version__ == FLOOR:
        pytest.skip("the installed packaging is the floor: the differential suite covers it")
    # The hand-written cases whose check is not a plain comparison are left to that check.
    plain = [case for case in CASES if case.check is _expected]
    roots = [_materialise(case, tmp_path / case.id / "work" / "dir") for case in plain]
    jobs = [oracle_job(root) for root in roots]
    cases = [FuzzCase(root=b"", origin=case.id) for case in plain]
    fuzzed: list[FuzzCase] = generate(150)
    cases.extend(fuzzed)
    for index, case in enumerate(fuzzed):
        sandbox = tmp_path / f"fuzz-{index}"
        roots.append(case.lay_out(sandbox))
        jobs.append(oracle_job(roots[-1], sandbox=sandbox))
    divergent = tmp_path / "divergent" / "a" / "b"
    divergent.mkdir(parents=True)
    for index, text in enumerate(DIVERGENT):
        root = divergent / f"requirements-{index}.txt"
        root.write_text(text + "\n", encoding="utf-8")
        roots.append(root)
        jobs.append(oracle_job(root))
        cases.append(FuzzCase(root=text.encode(), origin="divergent"))
    results = run_oracle(jobs)
    completed = subprocess.run(
        [sys.executable, str(AT_FLOOR)],
        input=json.dumps(
            [{"root": str(r), "result": res} for r, res in zip(roots, results, strict=True)]
        ),
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    answer: dict[str, Any] = json.loads(completed.stdout)
    assert answer["packaging"] == FLOOR
    report = Report()
    report.add(
        Outcome(case, outcome["classes"], outcome["problems"], result["error"])
        for case, outcome, result in zip(cases, answer["outcomes"], results, strict=True)
    )
    assert report.cases == len(roots)
    assert not report.disagreements, "\n".join(describe(o) for o in report.disagreements)
