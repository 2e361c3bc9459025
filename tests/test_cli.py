"""The command line as a user meets it: version, help, exit codes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
    from lockmigrate.cli.application import app, app_for

    assert [info.name for info in app_for(["diff", "--offline"]).registered_commands] == ["diff"]
    assert app_for(["--help"]) is app
    assert app_for(["dif"]) is app  # a mistyped command still gets "Did you mean 'diff'?"
    assert len(app.registered_commands) == 6


def test_dash_h_is_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "-h"]) == 0
    assert "Usage: lockmigrate diff" in capsys.readouterr().out
    assert main(["-h"]) == 0
    assert "Commands" in capsys.readouterr().out


def test_closed_standard_output_is_not_a_crash(tmp_path: Path) -> None:
    """``lockmigrate ... >&-``: Python starts with ``sys.stdout`` None."""
    (tmp_path / "requirements.in").write_text("numpy~=1.26.4\n")
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n    # via -r requirements.in\n")
    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "diff", "--offline"],
        cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        check=False, close_fds=True, preexec_fn=lambda: os.close(1),
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "arguments",
    [
        ["diff", "--fail-on", "nonsense", "requirements.in"],  # a usage error, raised
        ["diff", "--offline", "requirements.in"],  # an input that does not exist
    ],
)
def test_diff_puts_the_garbage_collector_back(
    arguments: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``diff`` pauses the cyclic garbage collector while it runs (as ``check`` and ``scan``
    do); whatever the run ends with, a library caller gets it back as it was."""
    import gc

    monkeypatch.chdir(tmp_path)
    assert gc.isenabled()
    assert main(arguments) != 0
    assert gc.isenabled()
    gc.disable()
    try:
        main(arguments)
        assert not gc.isenabled()
    finally:
        gc.enable()
