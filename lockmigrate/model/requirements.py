"""The immutable model every reader produces and every writer consumes.

Readers (``lockmigrate.sources``) build these from files; writers (``lockmigrate.targets``)
turn them into plans. Nothing here does I/O.
"""

from __future__ import annotations

import enum
import functools
import os
from array import array
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast, overload

__all__ = [
    "DeclaredRequirement",
    "Include",
    "IncludeGraph",
    "IncludeKind",
    "Line",
    "Option",
    "Origin",
    "PhysicalLines",
    "RequirementFile",
    "RequirementKind",
    "TextLayout",
]


def _setters(cls: type, *names: str) -> tuple[Callable[[object, Any], None], ...]:
    """The ``__set__`` of each named slot of a frozen data class: its ``__init__`` fills the
    slots through them. A frozen data class's own ``__init__`` sets each field with
    ``object.__setattr__``, a look-up by name per field; a reader makes one of these objects
    per line of a file of a million lines, so the difference is seconds."""
    return tuple(vars(cls)[name].__set__ for name in names)


@dataclass(frozen=True, kw_only=True, init=False)
class Origin:
    """Where something was written: a file as shown to the user, and a 1-based line span."""

    # Two slots for three fields: ``line`` and ``end_line`` share the ``_span`` slot (see
    # _span), read through properties. A reader makes an Origin per line: two slots make it
    # 48 bytes instead of 64, and the end line of a continued line needs no int of its own.
    # The fields, equality, hashing, repr and dataclasses.replace are a data class's as before.
    __slots__ = ("_span", "path")

    path: str
    line: int
    end_line: int | None = None

    def __init__(self, *, path: str, line: int, end_line: int | None = None) -> None:
        set_path, set_span = _ORIGIN_SETTERS
        set_path(self, path)
        set_span(self, _span(line, end_line))

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"

    # copy and pickle: the slots (frozen: no setattr)
    def __getstate__(self) -> tuple[object, ...]:
        return (self.path, self._span)  # type: ignore[attr-defined]  # a slot, not a field

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for setter, value in zip(_ORIGIN_SETTERS, state, strict=True):
            setter(self, value)


_SPAN_SHIFT = 32  # line numbers below 2**32 pack an end line above them
_SPAN_LINE = (1 << _SPAN_SHIFT) - 1


def _span(line: int, end_line: int | None) -> object:
    """The ``_span`` slot of an Origin: ``line`` itself when it has no ``end_line`` (an
    int below ``2**32``); ``line | end_line << 32`` when both are ints that fit (so never
    below ``2**32``); else the tuple ``(line, end_line)``."""
    if type(line) is int and line < 1 << _SPAN_SHIFT:
        if end_line is None:
            return line
        if type(end_line) is int and line >= 0 and end_line > 0:
            return line | end_line << _SPAN_SHIFT
    return (line, end_line)


def _origin_line(self: Origin) -> int:
    span = self._span  # type: ignore[attr-defined]  # a slot, not a field
    if type(span) is int:
        return span if span >> _SPAN_SHIFT <= 0 else span & _SPAN_LINE
    return cast("int", span[0])


def _origin_end_line(self: Origin) -> int | None:
    span = self._span  # type: ignore[attr-defined]  # a slot, not a field
    if type(span) is int:
        return None if span >> _SPAN_SHIFT <= 0 else span >> _SPAN_SHIFT
    return cast("int | None", span[1])


Origin.line = property(_origin_line)  # type: ignore[assignment]
Origin.end_line = property(_origin_end_line)  # type: ignore[assignment]


@dataclass(frozen=True, slots=True, kw_only=True)
class TextLayout:
    """How a text file was stored, so that it can be written back byte for byte.

    ``codec`` decodes and encodes the body (the bytes after ``bom``); ``newline`` is the
    dominant line terminator, used for lines lockmigrate adds. ``lossless`` is False for a
    file that pip reads but that does not come back byte for byte when its text is encoded
    again (a ``# coding: utf-7`` or ``unicode_escape`` file): it can be read, not rewritten.
    """

    codec: str
    bom: bytes = b""
    newline: str = "\n"
    final_newline: bool = True
    lossless: bool = True

    def encode(self, text: str) -> bytes:
        return self.bom + text.encode(self.codec)


class IncludeKind(str, enum.Enum):
    """``-r`` includes requirements, ``-c`` includes constraints."""

    REQUIREMENT = "requirement"
    CONSTRAINT = "constraint"


@dataclass(frozen=True, slots=True, kw_only=True)
class Include:
    """A ``-r``/``-c`` line. ``target`` is as written; ``resolved`` is the local file it names
    (relative to the including file), or ``None`` when it is a URL."""

    kind: IncludeKind
    target: str
    resolved: Path | None
    origin: Origin


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class Option:
    """One global option of a requirements file, by pip's long name (``--index-url``).

    ``value`` is as written, with ``${VAR}`` unexpanded; ``None`` for flags.
    """

    name: str
    value: str | None
    origin: Origin

    def __init__(self, *, name: str, value: str | None, origin: Origin) -> None:
        set_name, set_value, set_origin = _OPTION_SETTERS
        set_name(self, name)
        set_value(self, value)
        set_origin(self, origin)


class RequirementKind(str, enum.Enum):
    """What a requirement line points at."""

    NAMED = "named"  # name[extras] specifier ; marker  (an index lookup)
    URL = "url"  # name @ https://..., or a bare archive URL
    VCS = "vcs"  # git+https://...@ref#egg=name
    PATH = "path"  # a local directory or archive


@dataclass(frozen=True, kw_only=True, init=False)
class DeclaredRequirement:
    """One requirement, as pip would read it, plus what it was written as.

    ``name`` is canonical (PEP 503) or ``None`` for an unnamed URL or path; ``specifier``
    and ``marker`` are packaging's normalised strings; ``url`` is redacted for display.
    """

    # Eight slots for fourteen fields: ``url``, ``kind``, ``editable``, ``constraint``,
    # ``config_settings``, ``variables`` and ``extras``, the same on almost every line, are
    # one tuple (shared by the requirements where they are the same, see _rare) read through
    # properties (see _RARE_FIELDS): 48 bytes less than a slot each, and eight slots fill the
    # 96 bytes of an allocation exactly (nine took 112). The fields, equality, hashing, repr
    # and dataclasses.replace are a data class's as before.
    __slots__ = (
        "_rare", "hashes", "marker", "name", "origin", "specifier", "text", "written_name",
    )  # fmt: skip

    text: str
    name: str | None
    written_name: str | None
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    url: str | None
    kind: RequirementKind
    editable: bool
    constraint: bool
    hashes: tuple[str, ...]
    config_settings: tuple[tuple[str, str], ...]
    variables: tuple[str, ...]
    origin: Origin

    def __init__(
        self,
        *,
        text: str,
        name: str | None,
        written_name: str | None,
        specifier: str,
        extras: tuple[str, ...],
        marker: str | None,
        url: str | None,
        kind: RequirementKind,
        editable: bool,
        constraint: bool,
        hashes: tuple[str, ...],
        config_settings: tuple[tuple[str, str], ...],
        variables: tuple[str, ...],
        origin: Origin,
    ) -> None:
        (
            set_text, set_name, set_written_name, set_specifier, set_marker, set_hashes,
            set_origin, set_rare,
        ) = _REQUIREMENT_SETTERS  # fmt: skip
        set_text(self, text)
        set_name(self, name)
        set_written_name(self, written_name)
        set_specifier(self, specifier)
        set_marker(self, marker)
        set_hashes(self, hashes)
        set_origin(self, origin)
        set_rare(self, _rare(url, kind, editable, constraint, config_settings, variables, extras))

    # copy and pickle: the slots, in _REQUIREMENT_SLOTS' order (frozen: no setattr)
    def __getstate__(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in _REQUIREMENT_SLOTS)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for setter, value in zip(_REQUIREMENT_SETTERS, state, strict=True):
            setter(self, value)


#: The fields of DeclaredRequirement kept together in its ``_rare`` slot, in this order.
_RARE_FIELDS = (
    "url", "kind", "editable", "constraint", "config_settings", "variables", "extras",
)  # fmt: skip


def _rare(  # noqa: PLR0917 - the fields it holds, in order
    url: str | None,
    kind: RequirementKind,
    editable: bool,
    constraint: bool,
    config_settings: tuple[tuple[str, str], ...],
    variables: tuple[str, ...],
    extras: tuple[str, ...],
) -> tuple[object, ...]:
    """The ``_rare`` tuple of a DeclaredRequirement: one of four shared ones for a named
    requirement without settings, variables or extras (nearly every line); else one tuple
    for all the requirements with the same values (``[extra]`` recurs)."""
    if (
        url is None
        and kind is RequirementKind.NAMED
        and not config_settings
        and not variables
        and extras == ()
    ):
        return _USUAL_RARE[bool(editable), bool(constraint)]
    rare = (url, kind, editable, constraint, config_settings, variables, extras)
    try:
        return _shared_rare(rare)
    except TypeError:  # a value that cannot be hashed: not shared
        return rare


@functools.lru_cache(maxsize=1024)
def _shared_rare(rare: tuple[object, ...]) -> tuple[object, ...]:
    return rare


_USUAL_RARE = {
    (editable, constraint): (None, RequirementKind.NAMED, editable, constraint, (), (), ())
    for editable in (False, True)
    for constraint in (False, True)
}


def _rare_field(index: int, name: str) -> property:
    def get(self: DeclaredRequirement) -> object:
        return self._rare[index]  # type: ignore[attr-defined]  # a slot, not a field

    get.__name__ = name
    return property(get)


for _index, _name in enumerate(_RARE_FIELDS):
    setattr(DeclaredRequirement, _name, _rare_field(_index, _name))


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class Line:
    """One logical line of a requirements file (physical lines joined by ``\\``).

    ``content`` is what pip acts on (comment stripped, whitespace trimmed, variables not
    expanded); ``comment`` is the stripped comment including its ``#``. The physical lines
    it spans (:attr:`first`, :attr:`count`) are its origin's line span.
    """

    origin: Origin
    content: str
    comment: str | None
    requirement: DeclaredRequirement | None = None
    options: tuple[Option, ...] = ()
    include: Include | None = None

    def __init__(
        self,
        *,
        origin: Origin,
        content: str,
        comment: str | None,
        requirement: DeclaredRequirement | None = None,
        options: tuple[Option, ...] = (),
        include: Include | None = None,
    ) -> None:
        set_origin, set_content, set_comment, set_requirement, set_options, set_include = (
            _LINE_SETTERS
        )
        set_origin(self, origin)
        set_content(self, content)
        set_comment(self, comment)
        set_requirement(self, requirement)
        set_options(self, options)
        set_include(self, include)

    @property
    def first(self) -> int:
        """The index of the first physical line in :attr:`RequirementFile.physical_lines`."""
        return self.origin.line - 1

    @property
    def count(self) -> int:
        """The number of physical lines this logical line spans."""
        end_line = self.origin.end_line
        return 1 if end_line is None else end_line - self.origin.line + 1


_ORIGIN_SETTERS = _setters(Origin, "path", "_span")
_OPTION_SETTERS = _setters(Option, "name", "value", "origin")
_REQUIREMENT_SLOTS = (
    "text", "name", "written_name", "specifier", "marker", "hashes", "origin", "_rare",
)  # fmt: skip
_REQUIREMENT_SETTERS = _setters(DeclaredRequirement, *_REQUIREMENT_SLOTS)
_LINE_SETTERS = _setters(Line, "origin", "content", "comment", "requirement", "options", "include")

# Positional constructors for a reader's hot path, which makes three or four of these objects
# per line: the same objects as the classes' own, without a call through the type and
# keyword arguments (which cost more than filling the slots). Callers pass every field.
_new = object.__new__


def make_origin(path: str, line: int, end_line: int | None) -> Origin:
    """``Origin(path=path, line=line, end_line=end_line)``."""
    origin = _new(Origin)
    set_path, set_span = _ORIGIN_SETTERS
    set_path(origin, path)
    # _span, inline: the usual line (no end line, a number below 2**32) is its own span
    set_span(
        origin, line if end_line is None and 0 <= line < 1 << _SPAN_SHIFT else _span(line, end_line)
    )
    return origin


def make_option(name: str, value: str | None, origin: Origin) -> Option:
    """``Option(name=name, value=value, origin=origin)``."""
    option = _new(Option)
    set_name, set_value, set_origin = _OPTION_SETTERS
    set_name(option, name)
    set_value(option, value)
    set_origin(option, origin)
    return option


def make_line(  # noqa: PLR0917 - the fields of Line, in order
    origin: Origin,
    content: str,
    comment: str | None,
    requirement: DeclaredRequirement | None,
    options: tuple[Option, ...],
    include: Include | None,
) -> Line:
    """``Line(origin=origin, content=content, ...)`` with every field, in order."""
    line = _new(Line)
    set_origin, set_content, set_comment, set_requirement, set_options, set_include = _LINE_SETTERS
    set_origin(line, origin)
    set_content(line, content)
    set_comment(line, comment)
    set_requirement(line, requirement)
    set_options(line, options)
    set_include(line, include)
    return line


def make_requirement(  # noqa: PLR0917 - the fields of DeclaredRequirement, in order
    text: str,
    name: str | None,
    written_name: str | None,
    specifier: str,
    extras: tuple[str, ...],
    marker: str | None,
    url: str | None,
    kind: RequirementKind,
    editable: bool,
    constraint: bool,
    hashes: tuple[str, ...],
    config_settings: tuple[tuple[str, str], ...],
    variables: tuple[str, ...],
    origin: Origin,
) -> DeclaredRequirement:
    """``DeclaredRequirement(text=text, name=name, ...)`` with every field, in order."""
    requirement = _new(DeclaredRequirement)
    (
        set_text, set_name, set_written_name, set_specifier, set_marker, set_hashes,
        set_origin, set_rare,
    ) = _REQUIREMENT_SETTERS  # fmt: skip
    set_text(requirement, text)
    set_name(requirement, name)
    set_written_name(requirement, written_name)
    set_specifier(requirement, specifier)
    set_marker(requirement, marker)
    set_hashes(requirement, hashes)
    set_origin(requirement, origin)
    set_rare(
        requirement, _rare(url, kind, editable, constraint, config_settings, variables, extras)
    )
    return requirement


_BLOCK = 1 << 20  # characters of text split at a time
_BLOCK_LINES = 10_000  # lines split at a time


class PhysicalLines(Sequence[str]):
    """The physical lines of a text, each with its terminator, as
    ``text.splitlines(keepends=True)`` gives them, but holding only the text and where each
    line starts: a line is sliced from the text when asked for, so a file is held once, not
    once as text and again as a million small strings."""

    __slots__ = ("_starts", "_text")

    def __init__(self, text: str) -> None:
        from itertools import accumulate  # loaded at start-up already (by collections)

        self._text = text
        # 4 bytes per line: a text shorter than 4 GiB (the offset of its end fits too)
        starts = array("I" if len(text) < 2**32 - 1 else "q", [0])
        # where each line ends, from the lengths str.splitlines gives, a block of the text
        # at a time (a block ends with a line feed, so no line and no \r\n is cut in two)
        position, size = 0, len(text)
        while position < size:
            cut = text.find("\n", position + _BLOCK)
            end = size if cut == -1 else cut + 1
            ends = accumulate(
                map(len, text[position:end].splitlines(keepends=True)), initial=position
            )
            next(ends)  # the block's start, there already
            starts.extend(ends)
            position = end
        if starts[-1] != len(text):
            starts.append(len(text))  # a last line without a terminator
        self._starts = starts

    @property
    def text(self) -> str:
        """All the lines, joined."""
        return self._text

    def __len__(self) -> int:
        return len(self._starts) - 1

    @overload
    def __getitem__(self, index: int) -> str: ...
    @overload
    def __getitem__(self, index: slice) -> tuple[str, ...]: ...
    def __getitem__(self, index: int | slice) -> str | tuple[str, ...]:
        if isinstance(index, slice):
            text, starts = self._text, self._starts
            return tuple(text[starts[i] : starts[i + 1]] for i in range(*index.indices(len(self))))
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("physical line index out of range")
        return self._text[self._starts[index] : self._starts[index + 1]]

    def __iter__(self) -> Iterator[str]:
        text, starts = self._text, self._starts
        for index in range(len(starts) - 1):
            yield text[starts[index] : starts[index + 1]]

    def without_terminators(self) -> Iterator[str]:
        """Each line without its terminator, as ``text.splitlines()`` gives them, a block of
        lines at a time."""
        text, starts = self._text, self._starts
        for first in range(0, len(starts) - 1, _BLOCK_LINES):
            last = min(first + _BLOCK_LINES, len(starts) - 1)
            yield from text[starts[first] : starts[last]].splitlines()

    def join(self, start: int = 0, stop: int | None = None) -> str:
        """``"".join(self[start:stop])`` in one slice of the text."""
        stop = len(self) if stop is None else min(stop, len(self))
        if start >= stop:
            return ""
        return self._text[self._starts[start] : self._starts[stop]]

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PhysicalLines):
            return self._text == other._text
        if isinstance(other, Sequence):
            return tuple(self) == tuple(other)
        return NotImplemented

    def __hash__(self) -> int:
        return hash(self._text)

    def __repr__(self) -> str:
        return f"PhysicalLines({self._text!r})"


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementFile:
    """A requirements file, losslessly: ``render()`` gives back the exact bytes read."""

    path: Path
    display: str
    layout: TextLayout
    # each with its own line terminator, if it had one (a PhysicalLines from the reader)
    physical_lines: Sequence[str]
    lines: tuple[Line, ...]
    constraint: bool = False  # read as a -c constraints file

    def render(self) -> bytes:
        return self.layout.encode(self.text)

    @property
    def text(self) -> str:
        """The whole decoded text (BOM excluded)."""
        if isinstance(self.physical_lines, PhysicalLines):
            return self.physical_lines.text
        return "".join(self.physical_lines)

    @property
    def requirements(self) -> tuple[DeclaredRequirement, ...]:
        return tuple(line.requirement for line in self.lines if line.requirement is not None)

    @property
    def includes(self) -> tuple[Include, ...]:
        return tuple(line.include for line in self.lines if line.include is not None)

    @property
    def options(self) -> tuple[Option, ...]:
        return tuple(option for line in self.lines for option in line.options)

    def raw_text(self, line: Line) -> str:
        """The physical text of a logical line, terminators included."""
        if isinstance(self.physical_lines, PhysicalLines):
            return self.physical_lines.join(line.first, line.first + line.count)
        return "".join(self.physical_lines[line.first : line.first + line.count])


@dataclass(slots=True)
class IncludeGraph:
    """Every file reached from some roots, each parsed once per role (requirement or
    constraint), keyed by absolute path."""

    files: dict[tuple[Path, bool], RequirementFile] = field(default_factory=dict)
    roots: list[tuple[Path, bool]] = field(default_factory=list)

    def get(self, path: Path, constraint: bool = False) -> RequirementFile:
        return self.files[(path, constraint)]

    def walk(
        self, path: Path, constraint: bool = False
    ) -> Iterator[tuple[RequirementFile, DeclaredRequirement]]:
        """Requirements in the order pip yields them from ``path``, includes inlined.

        Depth-first with a stack of its own, so a chain of includes as deep as pip reads
        (hundreds of files) never meets the interpreter's recursion limit.
        """
        stack = [(self.files[(path, constraint)], iter(self.files[(path, constraint)].lines))]
        while stack:
            file, lines = stack[-1]
            line = next(lines, None)
            if line is None:
                stack.pop()
            elif line.requirement is not None:
                yield file, line.requirement
            elif line.include is not None and line.include.resolved is not None:
                nested = self.files[
                    (
                        Path(os.path.abspath(line.include.resolved)),  # noqa: PTH100 - as pip
                        line.include.kind is IncludeKind.CONSTRAINT,
                    )
                ]
                stack.append((nested, iter(nested.lines)))
