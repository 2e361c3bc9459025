"""Bad input: every malformed file gives ``path:line: message``, the offending text,
exit code 2 and no traceback. Each scenario folder under ``fixtures/errors/`` holds the
input files and the exact ``expected_stderr.txt``."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lockmigrate.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "errors"
SCENARIOS = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir())


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_bad_input_is_reported_at_file_and_line(
    scenario: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / scenario
    shutil.copytree(FIXTURES / scenario, work)
    expected = (work / "expected_stderr.txt").read_text(encoding="utf-8")
    (work / "expected_stderr.txt").unlink()
    monkeypatch.chdir(work)
    named = sorted(p.name for p in work.glob("requirements*.txt"))

    code = main(["scan", *named])  # files the user names are read strictly

    captured = capsys.readouterr()
    assert code == 2
    assert captured.err == expected
    assert "Traceback" not in captured.err
    assert captured.out == ""


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_a_broken_file_found_by_walking_is_a_warning_not_a_failure(
    scenario: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    work = tmp_path / scenario
    shutil.copytree(FIXTURES / scenario, work)
    expected = (work / "expected_stderr.txt").read_text(encoding="utf-8")
    (work / "expected_stderr.txt").unlink()
    monkeypatch.chdir(work)

    code = main(["scan", "--strict", "."])

    captured = capsys.readouterr()
    assert code == 1  # a warning, which --strict turns into a failing exit
    assert "[unreadable-file]" in captured.out
    first_line = expected.removeprefix("lockmigrate: error: ").splitlines()[0]
    assert first_line.split(": ", 1)[1] in captured.out.replace("\n", " ")
    assert "Traceback" not in captured.err


def test_console_script_exits_2_without_traceback(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "invalid-operator", tmp_path / "svc")
    result = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "scan", "svc/requirements.txt"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(
        "lockmigrate: error: svc/requirements.txt:2: invalid requirement"
    )
    assert "pandas=2.2.3" in result.stderr
    assert "Traceback" not in result.stderr


def test_missing_path_is_bad_input(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["scan", str(tmp_path / "nowhere")]) == 2
    assert "no such file or directory" in capsys.readouterr().err


def test_unknown_command_and_bad_option_are_usage_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["frobnicate"]) == 2
    assert main(["scan", "--format", "xml"]) == 2
    err = capsys.readouterr().err
    assert "No such command" in err
    assert "Traceback" not in err
