"""Diagnostics: everything a command could not carry over, or wants a person to look at.

A :class:`Collector` is created per run and passed in explicitly; there is no global list.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockmigrate.model.requirements import Origin

__all__ = ["Collector", "Diagnostic", "Level"]


class Level(str, enum.Enum):
    """How much a diagnostic matters. ``--strict`` fails on ``warning`` and above."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


@dataclass(frozen=True, slots=True, kw_only=True, init=False)
class Diagnostic:
    """One finding, tied to a place in a file where there is one.

    ``code`` is stable (documented in ``docs/reference/diagnostics.md``); ``message`` is
    for people and may change.
    """

    level: Level
    code: str
    message: str
    origin: Origin | None = None

    def __init__(
        self, *, level: Level, code: str, message: str, origin: Origin | None = None
    ) -> None:
        # through the slots' setters: a frozen data class's own __init__ looks each field
        # up by name, and a scan of a large file makes one diagnostic per marker line
        set_level, set_code, set_message, set_origin = _DIAGNOSTIC_SETTERS
        set_level(self, level)
        set_code(self, code)
        set_message(self, message)
        set_origin(self, origin)

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin is not None else ""
        return f"{where}{self.level.value}: {self.message} [{self.code}]"


_DIAGNOSTIC_SETTERS = tuple(
    vars(Diagnostic)[name].__set__ for name in ("level", "code", "message", "origin")
)


@dataclass(slots=True)
class Collector:
    """Accumulates diagnostics in the order they were found, without duplicates."""

    _items: list[Diagnostic] = field(default_factory=list)
    _seen: set[Diagnostic] = field(default_factory=set)

    def add(
        self, level: Level, code: str, message: str, origin: Origin | None = None
    ) -> Diagnostic:
        diagnostic = Diagnostic(level=level, code=code, message=message, origin=origin)
        self._keep(diagnostic)
        return diagnostic

    def _keep(self, diagnostic: Diagnostic) -> None:
        """Keep ``diagnostic`` unless an equal one is kept already (hashed once: a
        diagnostic's hash is computed in Python, field by field)."""
        seen = self._seen
        count = len(seen)
        seen.add(diagnostic)
        if len(seen) != count:
            self._items.append(diagnostic)

    def info(self, code: str, message: str, origin: Origin | None = None) -> Diagnostic:
        return self.add(Level.INFO, code, message, origin)

    def warning(self, code: str, message: str, origin: Origin | None = None) -> Diagnostic:
        return self.add(Level.WARNING, code, message, origin)

    def extend(self, diagnostics: tuple[Diagnostic, ...] | list[Diagnostic]) -> None:
        for diagnostic in diagnostics:
            self._keep(diagnostic)

    @property
    def items(self) -> tuple[Diagnostic, ...]:
        return tuple(self._items)

    def has_warnings(self) -> bool:
        return any(d.level is not Level.INFO for d in self._items)

    def __iter__(self) -> Iterator[Diagnostic]:
        return iter(tuple(self._items))

    def __len__(self) -> int:
        return len(self._items)
