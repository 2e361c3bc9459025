"""``lockmigrate diff``'s options read without typer mean what typer reads them as.

:func:`lockmigrate.cli.diff_run.read_arguments` reads the plain forms of diff's options so
that a ``diff`` run need not import typer. For every command line it accepts, typer's own
reading of the same line (the click command typer builds from ``diff_command.diff``) must
succeed and give the same values; every other line it must decline (``None``), and typer
reads it. Command lines are generated from diff's real options, values that are valid,
empty, option-like or misspelt, both ``--name value`` and ``--name=value``, options that do
not exist, ``--help``, ``--`` and stray dashes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import given, settings
from hypothesis import strategies as st

from lockmigrate.cli.commands import app_for
from lockmigrate.cli.common import ReportFormat, Resolver
from lockmigrate.cli.diff_run import COUNTED, FLAGS, VALUED, DiffArguments, read_arguments


def diff_command() -> Any:
    group = typer.main.get_command(app_for(["diff"]))
    context = group.make_context("lockmigrate", ["diff"], resilient_parsing=True)
    return group.get_command(context, "diff")  # type: ignore[attr-defined]


COMMAND = diff_command()


def as_typer_reads(arguments: list[str]) -> DiffArguments | None:
    """typer's reading of ``diff ARGUMENTS``, converted as typer converts it before calling
    the command; ``None`` when typer refuses the line (a usage error, or ``--help``)."""
    try:
        context = COMMAND.make_context("diff", list(arguments))
    except Exception as error:
        if isinstance(getattr(error, "exit_code", None), int) or type(error).__name__ == "Exit":
            return None
        raise
    params = context.params

    def path(value: str | None) -> Path | None:
        return None if value is None else Path(value)

    return DiffArguments(
        paths=tuple(Path(p) for p in params["paths"] or ()),
        lock=path(params["lock"]),
        resolve=params["resolve"],
        old=params["old"],
        new=path(params["new"]),
        output_format=ReportFormat(params["output_format"]),
        fail_on=params["fail_on"],
        offline=params["offline"],
        python_version=params["python_version"],
        resolver=None if params["resolver"] is None else Resolver(params["resolver"]),
        verbose=params["verbose"],
        quiet=params["quiet"],
        no_relock_check=params["no_relock_check"],
    )


def test_the_reader_knows_diffs_options_and_no_others() -> None:
    """An option added to the typer command without the reader is read by typer alone;
    this names it, so the reader can learn it."""
    flags: dict[str, str] = {}
    valued: dict[str, str] = {}
    counted: dict[str, str] = {}
    for param in COMMAND.params:
        if param.param_type_name != "option":
            assert param.name == "paths"
            continue
        if getattr(param, "count", False):
            counted.update(dict.fromkeys(param.opts, param.name))
            continue
        (name,) = param.opts
        (flags if param.is_flag else valued)[name] = param.name
    assert flags == FLAGS
    assert valued == VALUED
    assert counted == COUNTED


VALUES = st.sampled_from(
    [
        "json", "table", "markdown", "JSON", "uv", "pip-tools", "pip_tools", "", " ", "-",
        "x.txt", "svc/requirements.in", "a b", "-x", "--offline", "HEAD~1", "3.11",
        "out-of-range,missing", "=", "a=b", "requirements.in", "bücher svc", "-é",
    ]
)  # fmt: skip
NAMES = st.sampled_from(
    [
        *FLAGS, *VALUED, *COUNTED, "-vv", "-vq", "-qqv", "-vx", "-V", "--help", "-h", "--",
        "--bogus", "--format-x", "--lock-file", "-l",
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
        ["a", "b", "--format", "json", "--fail-on", "", "--offline"],
        ["--format=markdown", "--lock=svc/requirements.txt", "svc/requirements.in"],
        ["--from", "HEAD~1", "--to", "requirements.txt"],
        ["--format", "json", "--format", "table"],  # the last one counts, as in click
        ["--resolve", "--resolver", "uv", "--python-version", "3.10"],
        ["--fail-on=--offline"],
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
        ["--offline=1"],  # typer: "Option '--offline' does not take a value."
        ["-v=1"],
        ["--quiet=yes"],
        ["-vx"],
        ["--format", "JSON"],  # typer names the valid choices
        ["--fail-on", "--offline"],  # typer takes the option as the value
        ["--lock"],
        ["--lock", ""],
        [""],
        ["-"],
    ],
)
def test_everything_else_is_left_to_typer(arguments: list[str]) -> None:
    assert read_arguments(arguments) is None
