"""Options declared once, read two ways: by typer, and in their plain forms without it.

``check`` runs in a pre-commit hook on every commit and ``diff`` is often a fraction of a
second of work, so start-up is most of their time, and typer with click take about 40 ms
to import and to build a command. Each of the two commands declares its options once, as a
tuple of :class:`Option` (``check_run.OPTIONS``, ``diff_run.OPTIONS``):
:func:`lockmigrate.cli.typer_build.parameters` makes the typer command's parameters from it
(help, usage errors, ``--help``, the command reference), and :func:`read_plain` reads the
plain forms of the same options (``--name value``, ``--name=value``, flags, ``-v``/``-q``
and their counts such as ``-vv``, paths) so that :func:`lockmigrate.cli.main` can run the
command without importing typer. It answers ``None`` for anything else (``--help``, an
unknown or misspelt option, a value that looks like an option, a missing value, an empty
path, an unknown choice), and typer then reads the whole command line, with its own
messages. No option is declared twice; ``tests/property/test_plain_arguments.py`` holds
the two readings equal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["Option", "read_plain"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One option: its name (and short name), the field of the command's arguments class it
    sets, and whether it is a flag, a flag that counts (``-vv``), takes one value (a path
    with ``path``, one of ``choices`` when given) or may be repeated."""

    name: str
    field: str
    takes: Literal["flag", "count", "one", "many"]
    help: str
    choices: type[Any] | None = None  # an enum whose values are the choices
    metavar: str | None = None
    short: str | None = None
    path: bool = False  # the value is a path (an empty one is left to typer)


def read_plain(arguments: Sequence[str], options: Sequence[Option]) -> dict[str, Any] | None:
    """The values ``arguments`` give, by field (``paths`` for the positional ones), or
    ``None`` when any of them is not in a plain form this reader knows: typer must read
    those."""
    by_name = {name: o for o in options for name in (o.name, o.short) if name is not None}
    # the letters of the short counted flags: -vv, -qq, -vq count one per letter, as click
    counted = {o.short[1:]: o for o in options if o.takes == "count" and o.short is not None}
    values: dict[str, Any] = {}
    paths: list[Path] = []
    repeated: dict[str, list[str]] = {}
    position = 0
    while position < len(arguments):
        token = arguments[position]
        position += 1
        if not token.startswith("-"):
            if not token:
                return None
            paths.append(Path(token))
            continue
        letters = token[1:]
        if not token.startswith("--") and letters and all(c in counted for c in letters):
            for letter in letters:  # -v, -vv, -vq
                field = counted[letter].field
                values[field] = values.get(field, 0) + 1
            continue
        name, equals, inline = token.partition("=")
        option = by_name.get(name)
        if option is None:
            return None  # --help, --, -x, an unknown option
        if option.takes in {"flag", "count"}:
            if equals:
                return None  # a flag given a value: typer says so
            values[option.field] = (
                values.get(option.field, 0) + 1 if option.takes == "count" else True
            )
            continue
        if equals:
            value = inline
        elif position < len(arguments) and not arguments[position].startswith("-"):
            value = arguments[position]
            position += 1
        else:
            return None  # no value, or one typer might read as an option
        converted = _converted(option, value)
        if converted is None:
            return None
        if option.takes == "many":
            repeated.setdefault(option.field, []).append(value)
        else:
            values[option.field] = converted
    values.update((field, tuple(given)) for field, given in repeated.items())
    values["paths"] = tuple(paths)
    return values


def _converted(option: Option, value: str) -> object | None:
    """``value`` as ``option`` takes it, or ``None`` when typer must judge it (an empty
    path; a choice that is not one: typer names the valid ones)."""
    if option.path:
        return Path(value) if value else None
    if option.choices is not None:
        try:
            return option.choices(value)  # type: ignore[no-any-return]
        except ValueError:
            return None
    return value
