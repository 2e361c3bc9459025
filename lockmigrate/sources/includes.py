"""Follow ``-r``/``-c`` includes the way pip does, with cycles and missing files as errors."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model import DeclaredRequirement, IncludeKind, RequirementFile
from lockmigrate.sources.requirements import decode, parse_bytes, read_file

__all__ = ["IncludeGraph", "display_path", "load_graph"]


@functools.lru_cache(maxsize=64)
def _resolved(folder: Path) -> Path:
    return folder.resolve()


def display_path(path: Path, relative_to: Path | None = None) -> str:
    """``path`` as shown to the user: relative to ``relative_to`` (default: the current
    directory) when it lies below it, else absolute."""
    anchor = _resolved(relative_to or Path.cwd())
    resolved = path.resolve() if not path.is_absolute() else path
    try:
        return resolved.relative_to(anchor).as_posix()
    except ValueError:
        return resolved.as_posix()


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
        """Requirements in the order pip yields them from ``path``, includes inlined."""
        file = self.files[(path, constraint)]
        for line in file.lines:
            if line.requirement is not None:
                yield file, line.requirement
            elif line.include is not None and line.include.resolved is not None:
                nested = line.include.kind is IncludeKind.CONSTRAINT
                yield from self.walk(_absolute(line.include.resolved), nested)


def _absolute(path: Path) -> Path:
    """``path`` made absolute and normalised as pip's ``os.path.abspath`` does, so that
    ``sub/../a.txt`` and ``a.txt`` are one file when looking for cycles."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - lexical normalisation, as pip


def _lines_before(
    error: InputError, path: Path, shown: str, constraint: bool, collector: Collector
) -> RequirementFile | None:
    """The part of ``path`` before the line ``error`` is about, parsed; ``None`` when there
    is no such part (the error is on the first line, or in decoding, which pip does before
    reading any line)."""
    if error.origin is None or error.origin.path != shown or error.origin.line <= 1:
        return None
    try:
        text, layout = decode(path.read_bytes(), shown)
        physical = text.splitlines(keepends=True)
        prefix = layout.encode("".join(physical[: error.origin.line - 1]))
        return parse_bytes(
            prefix, path=path, display=shown, constraint=constraint, collector=collector
        )
    except (InputError, OSError):
        return None


def load_graph(
    roots: list[Path],
    *,
    collector: Collector,
    display: Callable[[Path], str] = display_path,
) -> IncludeGraph:
    """Read ``roots`` and everything they include. Raises :class:`InputError` at the
    including ``file:line`` for a missing include or an include cycle.

    When several things are wrong, the error raised is the first one pip meets: pip reads
    lazily, following an include when it reaches it, so a broken included file is reported
    before an error further down the file that includes it.
    """
    graph = IncludeGraph()

    def visit(path: Path, constraint: bool, ancestors: tuple[Path, ...]) -> None:
        key = (path, constraint)
        if key not in graph.files:
            try:
                graph.files[key] = read_file(
                    path, display=display(path), constraint=constraint, collector=collector
                )
            except InputError as error:
                before = _lines_before(error, path, display(path), constraint, collector)
                if before is not None:
                    follow(before, path, ancestors)
                raise
        follow(graph.files[key], path, ancestors)

    def follow(file: RequirementFile, path: Path, ancestors: tuple[Path, ...]) -> None:
        for include in file.includes:
            if include.resolved is None:
                collector.warning(
                    "remote-include",
                    f"{include.target} is a URL; lockmigrate does not fetch it",
                    include.origin,
                )
                continue
            target = _absolute(include.resolved)
            if target in ancestors or target == path:
                raise InputError(
                    f"include cycle: {include.target} is already being read "
                    f"({' -> '.join(display(p) for p in (*ancestors, path, target))})",
                    origin=include.origin,
                    text=f"{'-r' if include.kind is IncludeKind.REQUIREMENT else '-c'} "
                    f"{include.target}",
                )
            if not target.is_file():
                what = "is a directory" if target.is_dir() else "does not exist"
                raise InputError(
                    f"included file {display(target)} {what}",
                    origin=include.origin,
                    text=f"{'-r' if include.kind is IncludeKind.REQUIREMENT else '-c'} "
                    f"{include.target}",
                )
            visit(target, include.kind is IncludeKind.CONSTRAINT, (*ancestors, path))

    for root in roots:
        absolute = _absolute(root)
        graph.roots.append((absolute, False))
        visit(absolute, False, ())
    return graph
