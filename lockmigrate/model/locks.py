"""The model of a lock: exact versions, read from any lock format lockmigrate knows.

Readers (``lockmigrate.sources.locks``: ``pip_compile``, ``poetry_lock``, ``uv_lock``,
``pylock``) build
a :class:`Lock`; ``lockmigrate.diff.compare`` compares it with declared ranges or with
another lock. Nothing here does I/O.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from lockmigrate.model.lock_header import LockHeader
from lockmigrate.model.requirements import Option, Origin

__all__ = ["Lock", "LockHeader", "LockKind", "PinnedPackage", "lock_kind_for"]


class LockKind(str, enum.Enum):
    """The lock formats lockmigrate reads."""

    PIP_COMPILE = "pip-compile"  # requirements.txt written by pip-compile or uv pip compile
    POETRY = "poetry.lock"
    PYLOCK = "pylock.toml"  # PEP 751
    UV = "uv.lock"


def lock_kind_for(path: Path) -> LockKind:
    """The lock format a file name says: ``poetry.lock``, ``uv.lock``, ``pylock.toml`` and
    ``pylock.NAME.toml`` (PEP 751), anything else is pip-compile output."""
    name = path.name.lower()
    if name == "poetry.lock":
        return LockKind.POETRY
    if name == "uv.lock":
        return LockKind.UV
    if name == "pylock.toml" or (name.startswith("pylock.") and name.endswith(".toml")):
        return LockKind.PYLOCK
    return LockKind.PIP_COMPILE


@dataclass(frozen=True, slots=True, kw_only=True)
class PinnedPackage:
    """One locked package.

    ``name`` is canonical (PEP 503). ``version`` is ``None`` for a URL, VCS or path pin that
    names no version. ``parents`` are the canonical names of the packages that require it
    (pip-compile's ``# via``, poetry.lock's and pylock's dependency tables, inverted), and
    ``sources`` the input files that declare it directly (``-r requirements.in``), as written.
    """

    name: str
    version: str | None
    origin: Origin
    parents: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    marker: str | None = None
    url: str | None = None  # a direct reference, credentials redacted
    groups: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Lock:
    """A lock file: every package it pins, in file order, at most once per name."""

    path: Path
    display: str
    kind: LockKind
    packages: tuple[PinnedPackage, ...]
    requires_python: str | None = None
    # Whether the format records who requires what (pylock.toml may not).
    has_graph: bool = True
    # A pip-compile lock's own --index-url, --extra-index-url, --find-links... (values as
    # written, credentials included: the index needs them)
    index_options: tuple[Option, ...] = ()
    # pip-compile output only: the resolver and Python its header names
    header: LockHeader = LockHeader()  # noqa: RUF009 - frozen (in model.lock_header)

    def by_name(self) -> Mapping[str, PinnedPackage]:
        """The packages keyed by canonical name."""
        return {package.name: package for package in self.packages}

    def __iter__(self) -> Iterator[PinnedPackage]:
        return iter(self.packages)

    def __len__(self) -> int:
        return len(self.packages)
