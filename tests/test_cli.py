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


def test_a_command_runs_on_an_app_that_holds_it_alone() -> None:
    """typer works out every command's parameters on each run; a named command gets a copy
    of the application with itself only, and the top level keeps them all."""
    from lockmigrate.cli.commands import app, app_for

    assert [info.name for info in app_for(["diff", "--offline"]).registered_commands] == ["diff"]
    assert app_for(["--help"]) is app
    assert app_for(["dif"]) is app  # a mistyped command still gets "Did you mean 'diff'?"
    assert len(app.registered_commands) == 5
