"""``lockmigrate check``: registered on the typer application, built from the options
:mod:`lockmigrate.cli.check_run` declares (the one definition both readings use)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from lockmigrate.cli.check_run import (
    EXAMPLES,
    HELP,
    OPTIONS,
    PATHS_HELP,
    CheckArguments,
    Option,
    run,
)
from lockmigrate.cli.commands import app, examples, verbosity
from lockmigrate.cli.common import Verbosity


def _parameter(option: Option) -> inspect.Parameter:
    """The typer parameter of ``option``: its type from how it takes values, its default
    from :class:`CheckArguments`."""
    default: Any = getattr(CheckArguments(), option.field)
    annotation: Any
    names = (option.name,) if option.short is None else (option.short, option.name)
    extra: dict[str, Any] = {"metavar": option.metavar}
    if option.takes == "flag":
        annotation = bool
    elif option.takes == "count":  # -v, -vv: as every command's VerboseOption/QuietOption
        annotation, extra = int, {"count": True, "show_default": False}
    elif option.takes == "many":
        annotation, default = list[str] | None, None
    elif option.choices is not None:
        annotation = option.choices if default is not None else option.choices | None
    else:
        annotation = str if default is not None else str | None
    declared = typer.Option(*names, help=option.help, **extra)
    return inspect.Parameter(
        option.field,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, declared],
    )


def check(context: typer.Context, **values: Any) -> None:  # noqa: ANN401 - typer passes each option by name
    """The typer command: ``values`` as :data:`OPTIONS` declares them."""
    values["paths"] = tuple(values.get("paths") or ())
    values["exclude"] = tuple(values.get("exclude") or ())
    # -q/-v given before the command's name (lockmigrate -q check) count too
    level = verbosity(context, verbose=values["verbose"], quiet=values["quiet"])
    values["verbose"] = int(level is Verbosity.VERBOSE)
    values["quiet"] = int(level is Verbosity.QUIET)
    code = run(CheckArguments(**values))
    if code:
        raise typer.Exit(code)


check.__doc__ = HELP
check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            "context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
        ),
        inspect.Parameter(
            "paths",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation=Annotated[list[Path] | None, typer.Argument(help=PATHS_HELP)],
        ),
        *(_parameter(option) for option in OPTIONS),
    ]
)
app.command("check", epilog=examples(*EXAMPLES))(check)
