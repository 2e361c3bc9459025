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
    reading = _Reading(options)
    tokens = list(arguments)
    position = 0
    while position < len(tokens):
        taken = reading.take(tokens, position)
        if taken is None:
            return None
        position += taken
    return reading.values()


class _Reading:
    """The values read so far from one command line."""

    def __init__(self, options: Sequence[Option]) -> None:
        self.by_name = {name: o for o in options for name in (o.name, o.short) if name}
        # the letters of the short counted flags: -vv, -qq, -vq count one per letter
        self.counted = {o.short[1:]: o for o in options if o.takes == "count" and o.short}
        self.found: dict[str, Any] = {}
        self.paths: list[Path] = []
        self.repeated: dict[str, list[str]] = {}

    def values(self) -> dict[str, Any]:
        values = dict(self.found)
        values.update((field, tuple(given)) for field, given in self.repeated.items())
        values["paths"] = tuple(self.paths)
        return values

    def take(self, tokens: Sequence[str], position: int) -> int | None:
        """Read the token at ``position`` (with its value when it takes one): how many
        tokens it used, or ``None`` when typer must read the line."""
        token = tokens[position]
        if not token.startswith("-"):
            if not token:
                return None
            self.paths.append(Path(token))
            return 1
        letters = token[1:]
        if not token.startswith("--") and letters and all(c in self.counted for c in letters):
            for letter in letters:  # -v, -vv, -vq
                self._count(self.counted[letter])
            return 1
        name, equals, inline = token.partition("=")
        option = self.by_name.get(name)
        if option is None:
            return None  # --help, --, -x, an unknown option
        if option.takes in {"flag", "count"}:
            if equals:
                return None  # a flag given a value: typer says so
            self._count(option)
            return 1
        if equals:
            return 1 if self._value(option, inline) else None
        following = tokens[position + 1] if position + 1 < len(tokens) else None
        if following is None or following.startswith("-"):
            return None  # no value, or one typer might read as an option
        return 2 if self._value(option, following) else None

    def _count(self, option: Option) -> None:
        if option.takes == "count":
            self.found[option.field] = self.found.get(option.field, 0) + 1
        else:
            self.found[option.field] = True

    def _value(self, option: Option, value: str) -> bool:
        """Keep ``value`` of ``option``; ``False`` when typer must judge it."""
        converted = _converted(option, value)
        if converted is None:
            return False
        if option.takes == "many":
            self.repeated.setdefault(option.field, []).append(value)
        else:
            self.found[option.field] = converted
        return True


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
