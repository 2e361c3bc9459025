"""``lockmigrate check``: registered on the typer application, built from the options
:mod:`lockmigrate.cli.check_run` declares (the one definition both readings use)."""

from __future__ import annotations

import inspect
from pathlib import Path
from typing import Annotated, Any

import typer

from lockmigrate.cli.check_run import HELP, OPTIONS, PATHS_HELP, CheckArguments, Option, run
from lockmigrate.cli.commands import app


def _parameter(option: Option) -> inspect.Parameter:
    """The typer parameter of ``option``: its type from how it takes values, its default
    from :class:`CheckArguments`."""
    default: Any = getattr(CheckArguments(), option.field)
    annotation: Any
    if option.takes == "flag":
        annotation = bool
    elif option.takes == "many":
        annotation, default = list[str] | None, None
    elif option.choices is not None:
        annotation = option.choices if default is not None else option.choices | None
    else:
        annotation = str if default is not None else str | None
    declared = typer.Option(option.name, help=option.help, metavar=option.metavar)
    return inspect.Parameter(
        option.field,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, declared],
    )


def check(**values: Any) -> None:  # noqa: ANN401 - typer passes each option by name
    """The typer command: ``values`` as :data:`OPTIONS` declares them."""
    values["paths"] = tuple(values.get("paths") or ())
    values["exclude"] = tuple(values.get("exclude") or ())
    code = run(CheckArguments(**values))
    if code:
        raise typer.Exit(code)


check.__doc__ = HELP
check.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter(
            "paths",
            inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=None,
            annotation=Annotated[list[Path] | None, typer.Argument(help=PATHS_HELP)],
        ),
        *(_parameter(option) for option in OPTIONS),
    ]
)
app.command("check")(check)
