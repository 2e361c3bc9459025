"""Step 3 of pip's reading of a requirements file: the options of a logical line.

pip's ``break_args_options`` (the requirement is the text before the first ``-`` token) and
its optparse parser of the options a requirements file may hold (``-r``, ``-c``, ``-e``,
``--index-url``, ``--hash``, ...), spelled as pip 26.3 spells them so that abbreviations,
``=``/space forms and errors are pip's.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NoReturn, cast

from lockmigrate.model.requirements import Option, RequirementFile

if TYPE_CHECKING:
    import optparse

__all__ = [
    "NO_OPTIONS",
    "STRONG_HASHES",
    "USE_FEATURE_CHOICES",
    "OptionError",
    "ParsedOptions",
    "break_args_options",
    "index_options",
    "parse_options",
]

STRONG_HASHES: tuple[str, ...] = ("sha256", "sha384", "sha512")
USE_FEATURE_CHOICES: tuple[str, ...] = (
    "fast-deps", "inprocess-build-deps", "venv-isolation",
    "truststore", "no-binary-enable-wheel-cache", "build-constraint",
)  # fmt: skip


def break_args_options(line: str) -> tuple[str, str]:
    """pip's split of a line into the requirement part and the options part: the
    requirement is every space-separated token before the first one starting with ``-``."""
    if line.startswith("-"):
        return "", line
    # The first token starting with "-" follows a space; the tokens before it, joined again
    # with single spaces, are the text before that space.
    at = line.find(" -")
    if at == -1:
        return line, ""
    return line[:at], line[at + 1 :]


class OptionError(Exception):
    pass


@dataclass(slots=True)
class ParsedOptions:
    """The options of one line: each read (name, value), and the words left over."""

    seen: list[tuple[str, str | None]] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)


NO_OPTIONS = ParsedOptions()  # of a line without options; never changed


def _check_hash(opt_str: str, value: str) -> None:
    algo, sep, _digest = value.partition(":")
    if not sep:
        raise OptionError(
            f"Arguments to {opt_str} must be a hash name followed by a value, "
            "like --hash=sha256:abcde..."
        )
    if algo not in STRONG_HASHES:
        raise OptionError(f"Allowed hash algorithms for {opt_str} are {', '.join(STRONG_HASHES)}.")


def _record(
    option: optparse.Option, opt_str: str, value: str | None, parser: optparse.OptionParser
) -> None:
    name = option.get_opt_string()
    if name == "--hash" and value is not None:
        _check_hash(opt_str, value)
    elif name == "--config-settings" and value is not None and "=" not in value:
        raise OptionError(f"Arguments to {opt_str} must be of the form KEY=VAL")
    elif name == "--use-feature" and value not in USE_FEATURE_CHOICES:
        choices = ", ".join(repr(choice) for choice in USE_FEATURE_CHOICES)
        raise OptionError(f"option {opt_str}: invalid choice: {value!r} (choose from {choices})")
    elif name in {"--no-binary", "--only-binary"} and value is not None and value.startswith("-"):
        raise OptionError("--no-binary / --only-binary option requires 1 argument.")
    elif name in {"--all-releases", "--only-final"} and value is not None and value.startswith("-"):
        raise OptionError("--all-releases / --only-final option requires 1 argument.")
    cast("ParsedOptions", parser.values).seen.append((name, value))


def _build_parser() -> optparse.OptionParser:
    """The options pip 26.3 accepts in a requirements file, spelled as pip spells them, so
    that optparse gives the same abbreviations, ``=``/space forms and errors. (optparse is
    imported here: most files hold no option line, and ``diff`` is timed from start-up.)"""
    import optparse

    class _Parser(optparse.OptionParser):
        def error(self, msg: str) -> NoReturn:
            raise OptionError(msg)

        def exit(self, status: int = 0, msg: str | None = None) -> NoReturn:
            raise OptionError(msg or "invalid options")

    parser = _Parser(add_help_option=False)
    with_value: list[tuple[str, ...]] = [
        ("-i", "--index-url", "--pypi-url"),
        ("--extra-index-url",),
        ("-c", "--constraint"),
        ("-r", "--requirement"),
        ("-e", "--editable"),
        ("-f", "--find-links"),
        ("--no-binary",),
        ("--only-binary",),
        ("--all-releases",),
        ("--only-final",),
        ("--trusted-host",),
        ("--use-feature",),
        ("--hash",),
        ("-C", "--config-settings"),
    ]
    flags: list[tuple[str, ...]] = [
        ("--no-index",),
        ("--prefer-binary",),
        ("--require-hashes",),
        ("--no-require-hashes",),
        ("--pre",),
    ]
    for names in with_value:
        parser.add_option(*names, action="callback", callback=_record, type="string")
    for names in flags:
        parser.add_option(*names, action="callback", callback=_record)
    return parser


_parser = functools.cache(_build_parser)  # built on the first option line, not at import


_SHLEX_WHITESPACE = re.compile(r"[ \t\r\n]+")


def _split_options(options_str: str) -> list[str]:
    """``shlex.split``, with a fast path for text it would only split on whitespace."""
    if not any(char in options_str for char in "'\"\\"):
        stripped = options_str.strip(" \t\r\n")
        return _SHLEX_WHITESPACE.split(stripped) if stripped else []
    import shlex

    try:
        return shlex.split(options_str)
    except ValueError:
        raise OptionError(f"Could not split options: {options_str}") from None


_INCLUDE_OPTIONS = {
    "-r": "--requirement",
    "--requirement": "--requirement",
    "-c": "--constraint",
    "--constraint": "--constraint",
}


def parse_options(options_str: str) -> ParsedOptions:
    """Options in order of appearance, by pip's long name, plus positional leftovers."""
    tokens = _split_options(options_str)
    values = ParsedOptions()
    if (
        len(tokens) == 2
        and tokens[0] in _INCLUDE_OPTIONS
        and tokens[1]
        and not tokens[1].startswith("-")
    ):
        # -r FILE / -c FILE, the usual include line: what optparse makes of it
        values.seen.append((_INCLUDE_OPTIONS[tokens[0]], tokens[1]))
        return values
    if tokens and all(token.startswith("--hash=") for token in tokens):
        # the common shape of a hash-pinned line, without optparse's overhead
        for token in tokens:
            value = token[len("--hash=") :]
            _check_hash("--hash", value)
            values.seen.append(("--hash", value))
        return values
    _, leftover = _parser().parse_args(tokens, values)  # type: ignore[arg-type]
    values.leftover = list(leftover)
    return values


_INDEX_OPTIONS = frozenset(
    {"--index-url", "--extra-index-url", "--find-links", "--no-index", "--trusted-host", "--pre"}
)


def index_options(file: RequirementFile) -> list[Option]:
    """The index options of ``file`` with their values as written: the reader redacts
    credentials in :attr:`Option.value` for display, but the index needs them."""
    found: list[Option] = []
    for line in file.lines:
        if not any(option.name in _INDEX_OPTIONS for option in line.options):
            continue
        _, options_text = break_args_options(line.content)
        for name, value in parse_options(options_text).seen:
            if name in _INDEX_OPTIONS:
                found.append(Option(name=name, value=value, origin=line.origin))
    return found
