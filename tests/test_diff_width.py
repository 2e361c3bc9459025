"""``lockmigrate diff``'s table fits the terminal: on pseudo-terminals 60 to 120 columns
wide, and in pipes as wide as ``COLUMNS`` says (as wide as its rows without it). A package
name or a status is never cut; what does not fit moves to a line under its row."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from index.server import LocalIndex
from terminal import on_a_terminal
from test_diff import CHURN_IN, CHURN_TXT, TAXI_IN, TAXI_TXT

from lockmigrate.diff.model import DiffReport, DiffRow, DiffSection, RelockCheck, Status
from lockmigrate.reporters import diff_table
from lockmigrate.reporters._text import cell_width

ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
PACKAGES = ("internal-tool", "numpy", "pandas", "pytest", "scikit-learn", "shap")


@pytest.fixture
def index_env(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalIndex:
    for key, value in local_index.env(cache_dir=tmp_path / "tool-cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    return local_index


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    for service, source, lock in (
        ("churn-prediction-service", CHURN_IN, CHURN_TXT),
        ("taxi-fare-pipeline", TAXI_IN, TAXI_TXT),
    ):
        (root / service).mkdir(parents=True)
        (root / service / "requirements.in").write_text(source)
        (root / service / "requirements.txt").write_text(lock)
    return root


def table_rows(text: str) -> dict[str, list[str]]:
    """Each package's table line and the lines under it, keyed by its name (its first
    section's row)."""
    rows: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        first = line.split(" ", 1)[0]
        if first in PACKAGES:
            current = [line] if first in rows else rows.setdefault(first, [line])
        elif line.startswith("    ") and current is not None:
            current.append(line)
        else:
            current = None
    return rows


def assert_whole(text: str, width: int | None) -> None:
    rows = table_rows(text)
    assert set(rows) == set(PACKAGES), text
    for line in text.splitlines():
        assert line == line.rstrip()
        if width is not None:
            assert cell_width(line) <= width, line
    # names and statuses whole, each at the start of its row
    statuses = {name: lines[0].split()[1] for name, lines in rows.items()}
    assert statuses == {
        "internal-tool": "ok", "numpy": "behind", "pandas": "held",
        "pytest": "missing", "scikit-learn": "out-of-range", "shap": "held",
    }, text  # fmt: skip
    # where: in the row, or on the line under it, relative to the section's folder
    assert "requirements.in:3" in " ".join(rows["scikit-learn"]), text


@pytest.mark.parametrize("columns", [60, 80, 100, 120])
def test_the_table_fits_a_terminal(index_env: LocalIndex, tree: Path, columns: int) -> None:
    shown = on_a_terminal(["diff", "--fail-on", "", "-q"], cwd=tree, columns=columns, timeout=300)

    assert shown.returncode == 0, shown.screen
    assert "\x1b[1mpackage" in shown.screen  # bold headers: it knew it was on a terminal
    text = ESCAPES.sub("", shown.screen)
    assert_whole(text, columns)


def test_a_pipe_fits_columns_when_set_and_is_one_line_a_row_without(
    index_env: LocalIndex, tree: Path
) -> None:
    env = {key: value for key, value in os.environ.items() if key not in {"COLUMNS", "NO_COLOR"}}

    def piped(**extra: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "lockmigrate", "diff", "--fail-on", "", "-q"],
            cwd=tree, env={**env, **extra}, capture_output=True, text=True, check=False,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert "\x1b" not in done.stdout + done.stderr
        return done.stdout

    narrow = piped(COLUMNS="60")
    assert_whole(narrow, 60)
    wide = piped()
    assert_whole(wide, None)
    assert all(len(lines) == 1 for lines in table_rows(wide).values())  # where is a column


def _section(rows: tuple[DiffRow, ...]) -> DiffSection:
    return DiffSection(
        title="BankChurn-Predictor/requirements-prod.in", declared_files=(),
        lock="BankChurn-Predictor/requirements-prod.txt", lock_kind="pip-compile",
        resolved=False, python="3.11", rows=rows, made_by="pip-compile",
        relock_check=RelockCheck.DONE, relock_by="uv pip compile",
    )  # fmt: skip


ROWS = (
    DiffRow(
        name="numpy", declared="~=1.26.4", origin="BankChurn-Predictor/requirements-prod.in:5",
        locked="1.26.4", in_range=True, newest_in_range="1.26.4", newest="2.4.6",
        status=Status.HELD, relock="1.26.4",
    ),
    DiffRow(
        name="nvidia-cusparselt-cu12", declared=None, origin=None, locked="0.6.2",
        in_range=None, newest_in_range="0.7.1", newest="0.7.1", status=Status.CAPPED,
        via=("shap", "numba"), relock="0.6.2", note="0.7.1 held back by numba",
    ),
)  # fmt: skip


def test_at_80_columns_where_and_notes_move_under_their_row() -> None:
    report = DiffReport(sections=(_section(ROWS),), offline=False, index=())

    text = diff_table.render(report, color=False, width=80)

    assert text.splitlines()[3:9] == [
        "package                 status  locked  declared  newest allowed  newest",
        "numpy                   held    1.26.4  ~=1.26.4  1.26.4          2.4.6",
        "    requirements-prod.in:5",
        "nvidia-cusparselt-cu12  capped  0.6.2             0.7.1           0.7.1",
        "    via shap > numba; 0.7.1 held back by numba",
        "",
    ]


def test_at_60_columns_left_out_values_join_the_line_under_the_row() -> None:
    report = DiffReport(sections=(_section(ROWS),), offline=False, index=())

    text = diff_table.render(report, color=False, width=60)

    assert text.splitlines()[:11] == [
        "BankChurn-Predictor/requirements-prod.in",
        "  lock: BankChurn-Predictor/requirements-prod.txt",
        "  (pip-compile)",
        "  python: 3.11",
        "  re-lock check: re-locked with upgrades by uv pip compile",
        "package                 status  locked  declared",
        "numpy                   held    1.26.4  ~=1.26.4",
        "    requirements-prod.in:5; newest 2.4.6",
        "nvidia-cusparselt-cu12  capped  0.6.2",
        "    via shap > numba; newest allowed 0.7.1; newest 0.7.1;",
        "    0.7.1 held back by numba",
    ]


def test_when_everything_fits_it_is_one_line_a_row() -> None:
    report = DiffReport(sections=(_section(ROWS),), offline=False, index=())

    text = diff_table.render(report, color=False, width=160)

    lines = text.splitlines()
    start = next(n for n, line in enumerate(lines) if line.startswith("package"))
    header, numpy, nvidia = lines[start : start + 3]
    assert header.split()[-2:] == ["where", "note"]
    assert numpy.endswith("  requirements-prod.in:5")
    assert nvidia.endswith("  via shap > numba        0.7.1 held back by numba")


def test_at_100_columns_where_stays_and_a_long_via_folds_at_its_spaces() -> None:
    idna = DiffRow(
        name="idna", declared=None, origin=None, locked="3.20", in_range=None,
        newest_in_range="3.20", newest="3.20", status=Status.OK,
        via=("fastapi", "starlette", "anyio"), relock="3.21",
    )  # fmt: skip
    report = DiffReport(sections=(_section((*ROWS, idna)),), offline=False, index=())

    text = diff_table.render(report, color=False, width=100)

    assert text.splitlines()[3:11] == [
        "package                 status  locked  declared  newest allowed  newest  where",
        "numpy                   held    1.26.4  ~=1.26.4  1.26.4          2.4.6   "
        "requirements-prod.in:5",
        "nvidia-cusparselt-cu12  capped  0.6.2             0.7.1           0.7.1   "
        "via shap > numba",
        "    0.7.1 held back by numba",
        "idna                    ok      3.20              3.20            3.20    "
        "via fastapi > starlette >",
        "                                                                          anyio",
        "    re-lock 3.21",  # left out of the table: said under the row when it tells something
        "",
    ]
