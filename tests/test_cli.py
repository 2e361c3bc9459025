"""The command line as a user meets it: version, help, exit codes."""

from __future__ import annotations

import subprocess
import sys

import pytest

from lockmigrate import __version__
from lockmigrate.cli import main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"lockmigrate {__version__}\n"


def test_version_does_not_import_typer() -> None:
    code = (
        "import sys; from lockmigrate.cli import main; main(['--version']); "
        "print('typer' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "False"


def test_help_lists_commands(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "scan" in out


def test_python_dash_m() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "--version"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == f"lockmigrate {__version__}"
