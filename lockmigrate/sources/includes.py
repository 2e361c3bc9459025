"""Follow ``-r``/``-c`` includes the way pip does, with cycles and missing files as errors."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model import DeclaredRequirement, Include, IncludeKind, RequirementFile
from lockmigrate.sources._files import is_dir, is_file
from lockmigrate.sources.requirements import ENV_VAR_RE, decode, parse_bytes, read_file

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
                        _absolute(line.include.resolved),
                        line.include.kind is IncludeKind.CONSTRAINT,
                    )
                ]
                stack.append((nested, iter(nested.lines)))


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
    done: set[tuple[Path, bool]] = set()  # files followed to the end, with their role
    for root in roots:
        absolute = _absolute(root)
        graph.roots.append((absolute, False))
        _follow_from(graph, absolute, collector, display, done)
    return graph


@dataclass(slots=True)
class _Frame:
    """A file being followed: its includes still to follow, and the error that stopped its
    reading, raised once the includes before it are followed (pip reads lazily)."""

    path: Path
    constraint: bool
    includes: Iterator[Include]
    pending: InputError | None = None


def _follow_from(
    graph: IncludeGraph,
    root: Path,
    collector: Collector,
    display: Callable[[Path], str],
    done: set[tuple[Path, bool]],
) -> None:
    """Read ``root`` and every file it includes into ``graph``, depth first in pip's order,
    with a stack of its own (no recursion: pip follows chains hundreds of files deep).

    A file already followed to the end (``done``, shared by every root) is not followed
    again: any cycle through it would have been met then, and a lattice of files that include
    each other many ways is followed once per file, not once per path through it.
    """
    stack: list[_Frame] = []
    on_stack: set[Path] = set()

    def enter(path: Path, constraint: bool) -> None:
        key = (path, constraint)
        pending: InputError | None = None
        file = graph.files.get(key)
        if file is None:
            try:
                file = graph.files[key] = read_file(
                    path, display=display(path), constraint=constraint, collector=collector
                )
            except InputError as error:
                file = _lines_before(error, path, display(path), constraint, collector)
                if file is None:
                    raise
                pending = error
        stack.append(
            _Frame(path=path, constraint=constraint, includes=iter(file.includes), pending=pending)
        )
        on_stack.add(path)

    enter(root, False)
    while stack:
        frame = stack[-1]
        include = next(frame.includes, None)
        if include is None:
            stack.pop()
            on_stack.discard(frame.path)
            if frame.pending is not None:
                raise frame.pending
            done.add((frame.path, frame.constraint))
            continue
        if include.resolved is None:
            collector.warning(
                "remote-include",
                f"{include.target} is a URL; lockmigrate does not fetch it",
                include.origin,
            )
            continue
        target = _absolute(include.resolved)
        option = "-r" if include.kind is IncludeKind.REQUIREMENT else "-c"
        if target in on_stack:
            chain = [frame_.path for frame_ in stack]
            raise InputError(
                f"include cycle: {include.target} is already being read "
                f"({' -> '.join(display(p) for p in (*chain, target))})",
                origin=include.origin,
                text=f"{option} {include.target}",
            )
        # os.path, as pip: a name the system refuses (too long) cannot be opened, not a crash
        if not is_file(target):
            what = "is a directory" if is_dir(target) else "does not exist"
            unset = [
                match.group("name")
                for match in ENV_VAR_RE.finditer(include.target)
                if not os.environ.get(match.group("name"))
            ]
            if unset:  # pip reads ${NAME} literally when the variable is unset or empty
                what += f" (${{{unset[0]}}} is not set: pip expands it when it is)"
            raise InputError(
                f"included file {display(target)} {what}",
                origin=include.origin,
                text=f"{option} {include.target}",
            )
        constraint = include.kind is IncludeKind.CONSTRAINT
        if (target, constraint) in done:
            continue
        enter(target, constraint)
