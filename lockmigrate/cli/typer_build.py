"""A typer command built from options declared once (:mod:`lockmigrate.cli.declared`): the
reading of every command line the plain reader leaves to typer, and the one ``--help`` and
the command reference show."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from lockmigrate.cli.commands import app, examples, verbosity
from lockmigrate.cli.common import Verbosity
from lockmigrate.cli.declared import Option

__all__ = ["register"]


def register(
    name: str,
    *,
    help: str,
    paths_help: str,
    options: Sequence[Option],
    defaults: object,
    epilog: Sequence[str],
    run: Callable[[Any], int | None],
) -> None:
    """Register command ``name`` on the application: its positional paths, then ``options``
    in their order, each defaulting to its field of ``defaults`` (an instance of the
    command's arguments class, made again with the values read and given to ``run``, whose
    non-zero result is the exit code)."""
    arguments_class = type(defaults)

    def command(context: typer.Context, **values: Any) -> None:  # noqa: ANN401 - typer passes each option by name
        values["paths"] = tuple(values.get("paths") or ())
        for option in options:
            if option.takes == "many":
                values[option.field] = tuple(values.get(option.field) or ())
        # -q/-v given before the command's name (lockmigrate -q check) count too
        level = verbosity(context, verbose=values["verbose"], quiet=values["quiet"])
        values["verbose"] = int(level is Verbosity.VERBOSE)
        values["quiet"] = int(level is Verbosity.QUIET)
        code = run(arguments_class(**values))
        if code:
            raise typer.Exit(code)

    command.__name__ = name
    command.__doc__ = help
    command.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(
                "context", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=typer.Context
            ),
            inspect.Parameter(
                "paths",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                default=None,
                annotation=Annotated[list[Path] | None, typer.Argument(help=paths_help)],
            ),
            *(_parameter(option, getattr(defaults, option.field)) for option in options),
        ]
    )
    app.command(name, epilog=examples(*epilog))(command)


def _parameter(option: Option, default: Any) -> inspect.Parameter:  # noqa: ANN401 - any field's default
    """The typer parameter of ``option``: its type from how it takes values."""
    annotation: Any
    names = (option.name,) if option.short is None else (option.short, option.name)
    extra: dict[str, Any] = {"metavar": option.metavar}
    if option.takes == "flag":
        annotation = bool
    elif option.takes == "count":  # -v, -vv: as every command's VerboseOption/QuietOption
        annotation, extra = int, {"count": True, "show_default": False}
    elif option.takes == "many":
        annotation, default = list[str] | None, None
    else:
        kind: Any = Path if option.path else option.choices or str
        annotation = kind if default is not None else kind | None
    declared = typer.Option(*names, help=option.help, **extra)
    return inspect.Parameter(
        option.field,
        inspect.Parameter.KEYWORD_ONLY,
        default=default,
        annotation=Annotated[annotation, declared],
    )
