"""What users of pip-tools, uv and Poetry expect of a command line: ``-V``, ``-q``/``-v`` that
mean the same in every command, shell completion, and an example in every ``--help``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lockmigrate import __version__
from lockmigrate.cli import main
from lockmigrate.cli.common import Verbosity

COMMANDS = ("scan", "to-pip-tools", "check", "diff", "to-poetry", "to-uv")


def lockmigrate(*arguments: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "lockmigrate", *arguments],
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **env},
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.mark.parametrize("spelling", ["-V", "--version"])
def test_dash_capital_v_is_the_version_without_typer(spelling: str) -> None:
    code = (
        f"import sys; from lockmigrate.cli import main; main([{spelling!r}]); "
        "print('typer' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.splitlines() == [f"lockmigrate {__version__}", "False"]


def test_dash_capital_v_through_typer_too(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-V", "scan"]) == 0  # eager, as --version is
    assert capsys.readouterr().out == f"lockmigrate {__version__}\n"


def test_verbosity_levels() -> None:
    assert Verbosity.of() is Verbosity.NORMAL
    assert Verbosity.of(quiet=1) is Verbosity.QUIET
    assert Verbosity.of(quiet=3) is Verbosity.QUIET
    assert Verbosity.of(verbose=2) is Verbosity.VERBOSE
    assert Verbosity.of(verbose=1, quiet=1) is Verbosity.NORMAL  # each -q takes a -v back


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A lock with a marker (a note) whose header names no resolver (a note ``check`` shows),
    and an input without a lock (a warning for ``diff --offline``). No network needed."""
    (tmp_path / "requirements.in").write_text('six~=1.16 ; python_version >= "3"\n')
    (tmp_path / "requirements.txt").write_text(
        'six==1.16.0 ; python_version >= "3"\n    # via -r requirements.in\n'
    )
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "requirements.in").write_text("attrs~=23.1\n")
    return tmp_path


@pytest.mark.parametrize(
    ("flags", "shown", "hidden"),
    [
        ([], ["[freshness-unknown]"], ["[marker]"]),
        (["-q"], [], ["[freshness-unknown]", "[marker]"]),
        (["-v"], ["[freshness-unknown]", "[marker]"], []),
        (["-vv"], ["[freshness-unknown]", "[marker]"], []),
        (["-v", "-q"], ["[freshness-unknown]"], ["[marker]"]),
    ],
)
def test_check_says_more_or_less(
    flags: list[str], shown: list[str], hidden: list[str], tree: Path
) -> None:
    # other/requirements.in has no lock: an `unlocked` finding unless it is left out
    for arguments in (
        ["check", *flags, "--exclude", "other", "."],
        [*flags, "check", "--exclude", "other", "."],
    ):
        done = lockmigrate(*arguments, cwd=tree)
        assert done.returncode == 0, done.stderr
        assert done.stdout.startswith("ok: 1 lock(s) checked")  # the report, at every level
        for code in shown:
            assert code in done.stderr, arguments
        for code in hidden:
            assert code not in done.stderr, arguments


@pytest.mark.parametrize(
    "arguments",
    [
        ["diff", "--offline", "."],  # read without typer
        ["diff", "--offline", "--format=json", "."],
        ["diff", "--offline", "--", "."],  # read by typer
    ],
)
def test_diff_says_more_or_less_with_and_without_typer(arguments: list[str], tree: Path) -> None:
    normal = lockmigrate(*arguments, cwd=tree)
    quiet = lockmigrate(*arguments[:1], "-q", *arguments[1:], cwd=tree)
    quiet_first = lockmigrate("-q", *arguments, cwd=tree)
    verbose = lockmigrate(*arguments[:1], "-v", *arguments[1:], cwd=tree)

    for done in (normal, quiet, quiet_first, verbose):
        assert done.returncode == 0, done.stderr
        assert done.stdout == normal.stdout  # the report does not change
    assert "[offline-no-lock]" in normal.stderr
    assert "[marker]" not in normal.stderr
    assert quiet.stderr == quiet_first.stderr == ""
    assert "[offline-no-lock]" in verbose.stderr
    assert "[marker]" in verbose.stderr


def test_scan_reports_the_same_at_every_level(tree: Path) -> None:
    outputs = {lockmigrate("scan", *flags, ".", cwd=tree).stdout for flags in ([], ["-q"], ["-v"])}
    assert len(outputs) == 1


def test_every_command_takes_the_same_verbosity_options() -> None:
    import typer.main

    from lockmigrate.cli.application import app

    group = typer.main.get_command(app)
    commands = getattr(group, "commands", {})
    assert set(commands) == set(COMMANDS)
    for name, command in [("lockmigrate", group), *commands.items()]:
        options = {opt for param in command.params for opt in param.opts}
        assert {"-q", "--quiet", "-v", "--verbose"} <= options, name


@pytest.mark.parametrize("command", COMMANDS)
def test_every_help_has_an_example(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([command, "--help"]) == 0
    out = capsys.readouterr().out
    assert "Examples:" in out
    examples = out.split("Examples:", 1)[1]
    assert f"lockmigrate {command}" in examples


def test_bash_completion_completes_commands_and_choices(tmp_path: Path) -> None:
    def complete(words: str) -> list[str]:
        done = lockmigrate(
            cwd=tmp_path,
            _LOCKMIGRATE_COMPLETE="complete_bash",
            COMP_WORDS=words,
            COMP_CWORD=str(len(words.split()) - (0 if words.endswith(" ") else 1)),
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.split()

    assert complete("lockmigrate to-p") == ["to-pip-tools", "to-poetry"]
    assert complete("lockmigrate diff --format ") == ["table", "json", "markdown"]
    assert "--upgrade-package" in complete("lockmigrate to-pip-tools --upgrade-")


def test_completion_scripts_install_for_the_named_shell(tmp_path: Path) -> None:
    shown = lockmigrate(
        "--show-completion", "bash", cwd=tmp_path, _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1"
    )
    assert shown.returncode == 0, shown.stderr
    assert "_LOCKMIGRATE_COMPLETE=complete_bash" in shown.stdout

    installed = lockmigrate(
        "--install-completion",
        "bash",
        cwd=tmp_path,
        HOME=str(tmp_path),
        _TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION="1",
    )
    assert installed.returncode == 0, installed.stderr
    script = tmp_path / ".bash_completions" / "lockmigrate.sh"
    assert "_LOCKMIGRATE_COMPLETE=complete_bash" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()
