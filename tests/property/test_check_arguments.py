"""``lockmigrate check``'s options read without typer mean what typer reads them as.

Both readings come from one declaration, :data:`lockmigrate.cli.check_run.OPTIONS`: the
typer command is built from it, and :func:`~lockmigrate.cli.check_run.read_arguments` reads
the plain forms of the same options so that a ``check`` run (a pre-commit hook's, on every
commit) need not import typer. For every command line the reader accepts, typer's reading
must succeed and give the same values; every other line it declines (``None``), and typer
reads it with its own messages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockmigrate.cli.check_run import OPTIONS, CheckArguments, read_arguments
from lockmigrate.cli.commands import app_for
from lockmigrate.cli.common import ReportFormat, Resolver


def check_command() -> Any:
    import typer.main

    group = typer.main.get_command(app_for(["check"]))
    context = group.make_context("lockmigrate", ["check"], resilient_parsing=True)
    return group.get_command(context, "check")  # type: ignore[attr-defined]


COMMAND = check_command()


def as_typer_reads(arguments: list[str]) -> CheckArguments | None:
    """typer's reading of ``check ARGUMENTS``, converted as the command converts it;
    ``None`` when typer refuses the line (a usage error, or ``--help``)."""
    try:
        context = COMMAND.make_context("check", list(arguments))
    except Exception as error:
        if isinstance(getattr(error, "exit_code", None), int) or type(error).__name__ == "Exit":
            return None
        raise
    params = context.params
    return CheckArguments(
        paths=tuple(Path(p) for p in params["paths"] or ()),
        full=params["full"],
        resolver=None if params["resolver"] is None else Resolver(params["resolver"]),
        output_format=ReportFormat(params["output_format"]),
        exclude=tuple(params["exclude"] or ()),
        verbose=params["verbose"],
        quiet=params["quiet"],
    )


def test_the_typer_command_is_built_from_the_declared_options() -> None:
    declared = {option.name: option for option in OPTIONS}
    for param in COMMAND.params:
        if param.param_type_name != "option":
            assert param.name == "paths"
            continue
        option = declared.pop(param.opts[-1])
        assert param.opts == [o for o in (option.short, option.name) if o is not None]
        assert param.name == option.field
        assert param.help == option.help
        assert param.is_flag is (option.takes == "flag")
        assert getattr(param, "count", False) is (option.takes == "count")
        assert param.multiple is (option.takes == "many")
    assert not declared


def test_verbose_and_quiet_are_every_commands() -> None:
    """check's -v/-q (declared in check_run, for the typer-free reading) are the options
    every other command takes from lockmigrate.cli.commands: same names, same help."""
    import typer.main

    scan = typer.main.get_command(app_for(["scan"]))
    context = scan.make_context("lockmigrate", ["scan"], resilient_parsing=True)
    other = scan.get_command(context, "scan")  # type: ignore[attr-defined]
    shared = {p.name: (p.opts, p.help) for p in other.params if p.name in {"verbose", "quiet"}}
    mine = {p.name: (p.opts, p.help) for p in COMMAND.params if p.name in {"verbose", "quiet"}}
    assert mine == shared


VALUES = st.sampled_from(
    [
        "json", "table", "markdown", "JSON", "uv", "pip-tools", "pip_tools", "", " ", "-",
        "x.txt", "svc/requirements.in", "a b", "-x", "--full", "docs", "*-docs.txt", "=",
        "a=b", "requirements.in", "bücher svc", "-é",
    ]
)  # fmt: skip
NAMES = st.sampled_from(
    [
        *(o.name for o in OPTIONS), *(o.short for o in OPTIONS if o.short), "-vv", "-vq",
        "-qqv", "-vx", "-V", "--help", "-h", "--", "--bogus", "--format-x", "--ful", "-f",
    ]
)  # fmt: skip


@st.composite
def command_lines(draw: st.DrawFn) -> list[str]:
    tokens: list[str] = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(["option", "option=", "path", "value"]))
        if kind == "option":
            tokens.append(draw(NAMES))
        elif kind == "option=":
            tokens.append(f"{draw(NAMES)}={draw(VALUES)}")
        else:
            tokens.append(draw(VALUES))
    return tokens


@settings(max_examples=400, deadline=None)
@given(command_lines())
def test_what_the_reader_accepts_typer_reads_the_same(arguments: list[str]) -> None:
    read = read_arguments(arguments)
    if read is not None:
        assert as_typer_reads(arguments) == read


@pytest.mark.parametrize(
    "arguments",
    [
        [],
        ["svc"],
        ["a", "b", "--format", "json", "--full"],
        ["--format=markdown", "--resolver=uv", "svc"],
        ["--exclude", "docs", "--exclude=legacy/*", "."],
        ["--format", "json", "--format", "table"],  # the last one counts, as in click
        ["--exclude="],
        ["-q", "svc"],
        ["-vv", "--verbose", "-q", "--quiet", "-vq"],
    ],
)
def test_plain_command_lines_are_read_without_typer(arguments: list[str]) -> None:
    read = read_arguments(arguments)
    assert read is not None
    assert as_typer_reads(arguments) == read


@pytest.mark.parametrize(
    "arguments",
    [
        ["--help"],
        ["-h"],
        ["--", "svc"],
        ["--bogus"],
        ["--full=1"],  # typer: "Option '--full' does not take a value."
        ["--format", "JSON"],  # typer names the valid choices
        ["--exclude", "--full"],  # typer takes the option as the value
        ["--exclude"],
        ["-v=1"],
        ["--quiet=yes"],
        ["-vx"],
        [""],
        ["-"],
    ],
)
def test_everything_else_is_left_to_typer(arguments: list[str]) -> None:
    assert read_arguments(arguments) is None


def test_check_runs_without_importing_typer(tmp_path: Path) -> None:
    """The fast path really is typer-free: a plain ``check`` imports neither typer nor
    click (run in a fresh interpreter)."""
    import subprocess
    import sys

    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    probe = (
        "import sys; from lockmigrate.cli import main; code = main(['check', '.']); "
        "print(code, sorted(m for m in sys.modules if m.split('.')[0] in {'typer', 'click'}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "2 []", result.stdout + result.stderr
