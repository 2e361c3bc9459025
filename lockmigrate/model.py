"""The immutable model every reader produces and every writer consumes.

Readers (``lockmigrate.sources``) build these from files; writers (``lockmigrate.targets``)
turn them into plans. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DeclaredRequirement",
    "Include",
    "IncludeKind",
    "Line",
    "Option",
    "Origin",
    "RequirementFile",
    "RequirementKind",
    "TextLayout",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Origin:
    """Where something was written: a file as shown to the user, and a 1-based line span."""

    path: str
    line: int
    end_line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


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


@dataclass(frozen=True, slots=True, kw_only=True)
class Option:
    """One global option of a requirements file, by pip's long name (``--index-url``).

    ``value`` is as written, with ``${VAR}`` unexpanded; ``None`` for flags.
    """

    name: str
    value: str | None
    origin: Origin


class RequirementKind(str, enum.Enum):
    """What a requirement line points at."""

    NAMED = "named"  # name[extras] specifier ; marker  (an index lookup)
    URL = "url"  # name @ https://..., or a bare archive URL
    VCS = "vcs"  # git+https://...@ref#egg=name
    PATH = "path"  # a local directory or archive


@dataclass(frozen=True, slots=True, kw_only=True)
class DeclaredRequirement:
    """One requirement, as pip would read it, plus what it was written as.

    ``name`` is canonical (PEP 503) or ``None`` for an unnamed URL or path; ``specifier``
    and ``marker`` are packaging's normalised strings; ``url`` is redacted for display.
    """

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


@dataclass(frozen=True, slots=True, kw_only=True)
class Line:
    """One logical line of a requirements file (physical lines joined by ``\\``).

    ``content`` is what pip acts on (comment stripped, whitespace trimmed, variables not
    expanded); ``comment`` is the stripped comment including its ``#``.
    """

    origin: Origin
    first: int  # index of the first physical line in RequirementFile.physical_lines
    count: int  # number of physical lines this logical line spans
    content: str
    comment: str | None
    requirement: DeclaredRequirement | None = None
    options: tuple[Option, ...] = ()
    include: Include | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RequirementFile:
    """A requirements file, losslessly: ``render()`` gives back the exact bytes read."""

    path: Path
    display: str
    layout: TextLayout
    physical_lines: tuple[str, ...]  # each with its own line terminator, if it had one
    lines: tuple[Line, ...]
    constraint: bool = False  # read as a -c constraints file

    def render(self) -> bytes:
        return self.layout.encode("".join(self.physical_lines))

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
        return "".join(self.physical_lines[line.first : line.first + line.count])
