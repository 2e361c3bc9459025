"""One logical line to a model :class:`~lockmigrate.model.requirements.Line`: pip's
``handle_line``, which tells a requirement line from an option line, and what pip ignores on
each (a warning in the collector, the meaning kept pip's)."""

from __future__ import annotations

import dataclasses
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import NoReturn

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.requirements import (
    Include,
    IncludeKind,
    Line,
    Option,
    Origin,
    RequirementKind,
    make_line,
    make_option,
    make_origin,
    make_requirement,
)
from lockmigrate.names import canonicalize_name
from lockmigrate.redact import redact_url
from lockmigrate.sources.requirements.interpret import (
    Interpretation,
    interpret_editable,
    interpret_line_requirement,
)
from lockmigrate.sources.requirements.lines import (
    LogicalLine,
    expand_variables,
    split_comment,
    variable_names,
)
from lockmigrate.sources.requirements.links import (
    EGG_FRAGMENT_RE,
    check_include_url,
    include_path,
)
from lockmigrate.sources.requirements.options import (
    NO_OPTIONS,
    OptionError,
    ParsedOptions,
    break_args_options,
    parse_options,
)
from lockmigrate.sources.requirements.simple import canonical_name, simple_line, simple_requirement

__all__ = ["FileParser"]

# Options that pip applies to the requirement on the same line; all others on such a line
# are ignored by pip.
_REQUIREMENT_OPTIONS = frozenset({"--hash", "--config-settings"})
_EDITABLE_OPTIONS = frozenset({"--config-settings"})


@dataclass(slots=True)
class _LineParts:
    """A logical line's fields before it is known to hold a requirement, so that its
    :class:`Line` is made once (a frozen data class costs microseconds, times every line)."""

    origin: Origin
    content: str
    comment: str | None

    def line(self) -> Line:
        return make_line(self.origin, self.content, self.comment, None, (), None)


@dataclass(slots=True)
class FileParser:
    """What reading the lines of one requirements file needs beside each line."""

    path: Path
    display: str
    constraint: bool
    collector: Collector
    base: Path
    # each plain specifier once: the same versions recur in a large file (dropped with the
    # parser, when the file is read)
    specifiers: dict[str, str] = field(default_factory=dict)

    def origin(self, logical: LogicalLine) -> Origin:
        first, count = logical.first, logical.count
        return make_origin(self.display, first + 1, first + count if count > 1 else None)

    def fail(self, message: str, origin: Origin, text: str) -> NoReturn:
        raise InputError(message, origin=origin, text=text)

    def parts(self, logical: LogicalLine) -> _LineParts:
        """``logical`` with its content and comment, and no meaning yet."""
        content, comment = split_comment(logical.text)
        return _LineParts(self.origin(logical), content, comment)

    def bare_line(self, logical: LogicalLine) -> Line:
        """``logical`` with its content and comment, and no meaning: what a line is before
        its options and requirement are read (and what a bad line stays)."""
        return self.parts(logical).line()

    def parse_line(self, logical: LogicalLine) -> Line:
        content, comment = split_comment(logical.text)
        first, count = logical.first, logical.count
        origin = make_origin(self.display, first + 1, first + count if count > 1 else None)
        if not content:
            return make_line(origin, content, comment, None, (), None)
        simple = None if self.constraint else simple_line(content)
        if simple is not None:
            # the commonest line (name==1.2.3, name[extra]~=1.2, perhaps a marker and a
            # comment) read at once: what requirement_line makes of it, without its steps
            name, written_name, specifier, extras, marker = simple
            specifier = self.specifiers.setdefault(specifier, specifier)
            requirement = make_requirement(
                content, name, written_name, specifier, extras, marker, None,
                RequirementKind.NAMED, False, False, (), (), (), origin,
            )  # fmt: skip
            return make_line(origin, content, comment, requirement, (), None)
        line = _LineParts(origin, content, comment)
        args, options_str = break_args_options(content)
        if not options_str:  # a requirement and nothing else
            return self.requirement_line(line, args, [], (), NO_OPTIONS)
        try:
            parsed = parse_options(options_str)
        except OptionError as exc:
            self.fail(f"invalid option: {exc}", origin, content)
        options = tuple(
            make_option(name, redact_url(value) if value is not None else None, origin)
            for name, value in parsed.seen
        )
        if parsed.leftover:
            self.collector.warning(
                "ignored-text",
                f"pip ignores {' '.join(parsed.leftover)!r} on this line: a requirement must "
                "come before its options (pip reads this line as options only)",
                origin,
            )
        editables = [value for name, value in parsed.seen if name == "--editable"]
        if args or editables:
            return self.requirement_line(line, args, editables, options, parsed)
        return self.option_line(line.line(), options)

    def requirement_line(
        self,
        line: _LineParts,
        args: str,
        editables: list[str | None],
        options: tuple[Option, ...],
        parsed: ParsedOptions,
    ) -> Line:
        origin = line.origin
        # pip's ParsedLine: the requirement is the text before the options, else the first
        # -e; any -e on the line makes it editable (so "./pkg -e x" is "-e ./pkg").
        editable = bool(editables)
        text = args or editables[0] or ""
        ignored = _ignored_options(options, editables, args)
        if ignored:
            names = ", ".join(dict.fromkeys(ignored))
            self.collector.warning(
                "ignored-option",
                f"pip ignores {names} on a requirement line; put global options on a line "
                "of their own",
                origin,
            )
        if editable and self.constraint:
            self.fail("editable requirements are not allowed as constraints", origin, line.content)
        simple = None if editable else simple_requirement(text.strip())
        try:
            if simple is not None:  # the commonest shape, with options (--hash)
                meaning = Interpretation(
                    simple[0],
                    self.specifiers.setdefault(simple[2], simple[2]),
                    simple[3],
                    None,
                    None,
                    RequirementKind.NAMED,
                )
            elif editable:
                meaning = interpret_editable(text, self.base)
            else:
                meaning = interpret_line_requirement(text, self.base)
        except ValueError as exc:
            self.fail(str(exc), origin, line.content)
        if self.constraint:
            self._check_constraint(meaning, origin)
        hashes, settings = _hashes_and_settings(parsed, editable=editable)
        requirement = make_requirement(
            text,  # text
            meaning.name,  # name
            _written_name(text, meaning.name),  # written_name
            meaning.specifier,  # specifier
            meaning.extras,  # extras
            meaning.marker,  # marker
            _shown_url(meaning),  # url
            meaning.kind,  # kind
            editable,  # editable
            self.constraint,  # constraint
            hashes,  # hashes
            settings,  # config_settings
            variable_names(text),  # variables
            origin,  # origin
        )
        return make_line(origin, line.content, line.comment, requirement, options, None)

    def _check_constraint(self, meaning: Interpretation, origin: Origin) -> None:
        # pip's resolver rejects these when the constraints file is used.
        if meaning.name is None:
            self.collector.warning(
                "constraint-unnamed", "pip rejects unnamed requirements as constraints", origin
            )
        elif meaning.url is not None:
            self.collector.warning(
                "constraint-link", "pip's resolver rejects links as constraints", origin
            )
        if meaning.extras:
            self.collector.warning(
                "constraint-extras", "pip rejects constraints that have extras", origin
            )

    def option_line(self, line: Line, options: tuple[Option, ...]) -> Line:
        origin = line.origin
        includes = [o for o in options if o.name in {"--requirement", "--constraint"}]
        if not includes:
            if any(o.name == "--hash" for o in options):
                self.collector.warning(
                    "ignored-hash", "pip ignores --hash on a line without a requirement", origin
                )
            return dataclasses.replace(line, options=options)
        # pip follows the first -r (else the first -c) and ignores the rest of the line.
        requirement_includes = [o for o in includes if o.name == "--requirement"]
        chosen = (requirement_includes or includes)[0]
        if len(options) > 1:
            self.collector.warning(
                "ignored-option",
                f"pip follows only {chosen.name} {chosen.value} on this line and ignores the "
                "other options on it",
                origin,
            )
        target = chosen.value or ""
        kind = IncludeKind.REQUIREMENT if chosen.name == "--requirement" else IncludeKind.CONSTRAINT
        try:
            # pip expands ${VAR} before it reads the file named; the value is used to read,
            # never written: Include.target keeps the line as written
            expanded = expand_variables(target, os.environ)
            check_include_url(expanded)
            resolved = include_path(expanded, self.base)
        except ValueError as exc:  # urlsplit's "Invalid IPv6 URL"; pip fails on it too
            self.fail(f"invalid URL: {exc}", origin, line.content)
        include = Include(kind=kind, target=target, resolved=resolved, origin=origin)
        return dataclasses.replace(line, options=(chosen,), include=include)


def _shown_url(meaning: Interpretation) -> str | None:
    """The URL as shown: credentials redacted, but a local path kept as written (``./a://b@c``
    is a folder, not a URL with a user)."""
    if meaning.url is None or meaning.kind is RequirementKind.PATH:
        return meaning.url
    return redact_url(meaning.url)


def _ignored_options(
    options: tuple[Option, ...], editables: list[str | None], args: str
) -> list[str]:
    """The options pip ignores on a requirement line (and a second ``-e``)."""
    if not options:
        return []
    allowed = (_EDITABLE_OPTIONS | {"--editable"}) if editables else _REQUIREMENT_OPTIONS
    ignored = [o.name for o in options if o.name not in allowed]
    if len(editables) > (0 if args else 1):
        ignored.append("--editable")
    return ignored


def _hashes_and_settings(
    parsed: ParsedOptions, *, editable: bool
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The ``--hash`` values (not on an editable line) and ``--config-settings`` pairs."""
    if not parsed.seen:
        return (), ()
    hashes = tuple(
        value for name, value in parsed.seen if name == "--hash" and value and not editable
    )
    settings = tuple(
        (key, val)
        for name, value in parsed.seen
        if name == "--config-settings" and value is not None
        for key, _, val in [value.partition("=")]
    )
    return hashes, settings


_WRITTEN_NAME_RE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# Characters that continue a name; "" (the end of the text) is not one.
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _written_name(text: str, name: str | None) -> str | None:
    """The project name as the user spelled it (``Django`` for ``django``): the leading name
    of a PEP 508 line, else the ``#egg=`` fragment; the canonical name otherwise."""
    if name is None:
        return None
    if text.startswith(name) and text[len(name) : len(name) + 1] not in _NAME_CHARACTERS:
        return name  # written in canonical form: share the string
    match = _WRITTEN_NAME_RE.match(text)
    if match and canonical_name(match.group(1)) == name:
        return match.group(1)
    egg = EGG_FRAGMENT_RE.search(text)
    if egg and canonicalize_name(egg.group(1)) == name:
        return egg.group(1)
    return name
