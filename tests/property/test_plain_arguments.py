"""``check``'s and ``diff``'s options read without typer mean what typer reads them as.

Both readings come from one declaration per command (``check_run.OPTIONS``,
``diff_run.OPTIONS``): the typer command is built from it
(:mod:`lockmigrate.cli.typer_build`), and :func:`lockmigrate.cli.declared.read_plain` reads
the plain forms of the same options so that a ``check`` run (a pre-commit hook's, on every
commit) or a ``diff`` need not import typer. For every command line the reader accepts,
typer's reading must succeed and give the same values; every other line it declines
(``None``), and typer reads it with its own messages. Command lines are generated from the
real options, values that are valid, empty, option-like or misspelt, both ``--name value``
and ``--name=value``, options that do not exist, ``--help``, ``--`` and stray dashes.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lockmigrate.cli import check_run, diff_run
from lockmigrate.cli.application import app_for
from lockmigrate.cli.declared import Option


@dataclass(frozen=True)
class Command:
    name: str
    options: tuple[Option, ...]
    arguments_class: type[Any]
    read: Callable[[Sequence[str]], Any]
    values: tuple[str, ...]  # values worth trying besides the common ones

    def typer_command(self) -> Any:
        import typer.main

        group = typer.main.get_command(app_for([self.name]))
        context = group.make_context("lockmigrate", [self.name], resilient_parsing=True)
        return group.get_command(context, self.name)

    def as_typer_reads(self, arguments: Sequence[str]) -> Any:
        """typer's reading of the command line, as the command hands it on; ``None`` when
        typer refuses it (a usage error, or ``--help``)."""
        try:
            context = COMMANDS_BUILT[self.name].make_context(self.name, list(arguments))
        except Exception as error:
            if isinstance(getattr(error, "exit_code", None), int) or type(error).__name__ == "Exit":
                return None
            raise
        params = context.params
        values: dict[str, Any] = {"paths": tuple(Path(p) for p in params["paths"] or ())}
        for option in self.options:
            value = params[option.field]
            if option.takes == "many":
                value = tuple(value or ())
            elif value is not None and option.choices is not None:
                value = option.choices(value)
            elif value is not None and option.path:
                value = Path(value)
            values[option.field] = value
        return self.arguments_class(**values)


CHECK = Command(
    "check",
    check_run.OPTIONS,
    check_run.CheckArguments,
    check_run.read_arguments,
    ("--full", "docs", "*-docs.txt"),
)
DIFF = Command(
    "diff",
    diff_run.OPTIONS,
    diff_run.DiffArguments,
    diff_run.read_arguments,
    ("--offline", "HEAD~1", "3.11", "out-of-range,missing"),
)
COMMANDS = (CHECK, DIFF)
COMMANDS_BUILT = {command.name: command.typer_command() for command in COMMANDS}


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_the_typer_command_is_built_from_the_declared_options(command: Command) -> None:
    declared = {option.name: option for option in command.options}
    order = []
    for param in COMMANDS_BUILT[command.name].params:
        if param.param_type_name != "option":
            assert param.name == "paths"
            continue
        option = declared.pop(param.opts[-1])
        order.append(option.name)
        assert param.opts == [o for o in (option.short, option.name) if o is not None]
        assert param.name == option.field
        assert param.help == option.help
        assert param.is_flag is (option.takes == "flag")
        assert getattr(param, "count", False) is (option.takes == "count")
        assert param.multiple is (option.takes == "many")
    assert not declared
    assert order == [option.name for option in command.options]  # --help shows them so


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_verbose_and_quiet_are_every_commands(command: Command) -> None:
    """-v/-q (declared with the command, for the typer-free reading) are the options every
    other command takes from lockmigrate.cli.commands: same names, same help (but -q's, which
    has no --dry-run plan to speak of in a command that writes nothing)."""
    import typer.main

    from lockmigrate.cli.common import QUIET_HELP, QUIET_REPORT_HELP

    scan = typer.main.get_command(app_for(["scan"]))
    context = scan.make_context("lockmigrate", ["scan"], resilient_parsing=True)
    other = scan.get_command(context, "scan")  # type: ignore[attr-defined]
    shared = {p.name: (p.opts, p.help) for p in other.params if p.name in {"verbose", "quiet"}}
    mine = {
        p.name: (p.opts, p.help)
        for p in COMMANDS_BUILT[command.name].params
        if p.name in {"verbose", "quiet"}
    }
    assert shared["quiet"][1] == QUIET_HELP
    shared["quiet"] = (shared["quiet"][0], QUIET_REPORT_HELP)
    assert mine == shared


COMMON_VALUES = (
    "json", "table", "markdown", "JSON", "uv", "pip-tools", "pip_tools", "", " ", "-",
    "x.txt", "svc/requirements.in", "a b", "-x", "=", "a=b", "requirements.in", "bücher svc",
    "-é",
)  # fmt: skip
ODD_NAMES = (
    "-vv", "-vq", "-qqv", "-vx", "-V", "--help", "-h", "--", "--bogus", "--format-x",
    "--ful", "--lock-file", "-f", "-l",
)  # fmt: skip


@st.composite
def command_lines(draw: st.DrawFn, command: Command) -> list[str]:
    values = st.sampled_from([*COMMON_VALUES, *command.values])
    declared = [o.name for o in command.options] + [o.short for o in command.options if o.short]
    names = st.sampled_from([*declared, *ODD_NAMES])
    tokens: list[str] = []
    for _ in range(draw(st.integers(min_value=0, max_value=6))):
        kind = draw(st.sampled_from(["option", "option=", "path", "value"]))
        if kind == "option":
            tokens.append(draw(names))
        elif kind == "option=":
            tokens.append(f"{draw(names)}={draw(values)}")
        else:
            tokens.append(draw(values))
    return tokens


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: c.name)
def test_what_the_reader_accepts_typer_reads_the_same(command: Command) -> None:
    @settings(max_examples=400, deadline=None)
    @given(command_lines(command))
    def agree(arguments: list[str]) -> None:
        read = command.read(arguments)
        if read is not None:
            assert command.as_typer_reads(arguments) == read

    agree()


PLAIN = [
    (CHECK, []),
    (CHECK, ["svc"]),
    (CHECK, ["a", "b", "--format", "json", "--full"]),
    (CHECK, ["--format=markdown", "--resolver=uv", "svc"]),
    (CHECK, ["--exclude", "docs", "--exclude=legacy/*", "."]),
    (CHECK, ["--format", "json", "--format", "table"]),  # the last one counts, as in click
    (CHECK, ["--exclude="]),
    (CHECK, ["-q", "svc"]),
    (CHECK, ["-vv", "--verbose", "-q", "--quiet", "-vq"]),
    (DIFF, []),
    (DIFF, ["svc"]),
    (DIFF, ["a", "b", "--format", "json", "--fail-on", "", "--offline"]),
    (DIFF, ["--format=markdown", "--lock=svc/requirements.txt", "svc/requirements.in"]),
    (DIFF, ["--from", "HEAD~1", "--to", "requirements.txt"]),
    (DIFF, ["--format", "json", "--format", "table"]),
    (DIFF, ["--resolve", "--resolver", "uv", "--python-version", "3.10"]),
    (DIFF, ["--fail-on=--offline"]),
    (DIFF, ["-q", "svc"]),
    (DIFF, ["-vv", "--verbose", "-q", "--quiet", "-vq", "--no-relock-check"]),
]


@pytest.mark.parametrize(("command", "arguments"), PLAIN)
def test_plain_command_lines_are_read_without_typer(command: Command, arguments: list[str]) -> None:
    read = command.read(arguments)
    assert read is not None
    assert command.as_typer_reads(arguments) == read


EITHER = (
    ["--help"], ["-h"], ["--", "svc"], ["--bogus"], ["-v=1"], ["--quiet=yes"], ["-vx"],
    ["--format", "JSON"], [""], ["-"],
)  # fmt: skip
LEFT_TO_TYPER = [
    *((command, arguments) for command in COMMANDS for arguments in EITHER),
    (CHECK, ["--full=1"]),  # typer: "Option '--full' does not take a value."
    (CHECK, ["--exclude", "--full"]),  # typer takes the option as the value
    (CHECK, ["--exclude"]),
    (DIFF, ["--offline=1"]),
    (DIFF, ["--fail-on", "--offline"]),
    (DIFF, ["--lock"]),
    (DIFF, ["--lock", ""]),
]


@pytest.mark.parametrize(("command", "arguments"), LEFT_TO_TYPER)
def test_everything_else_is_left_to_typer(command: Command, arguments: list[str]) -> None:
    assert command.read(arguments) is None


def test_check_runs_without_importing_typer(tmp_path: Path) -> None:
    """The fast path really is typer-free: a plain ``check`` imports neither typer nor
    click (run in a fresh interpreter)."""
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
