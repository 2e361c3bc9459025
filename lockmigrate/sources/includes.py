"""Follow ``-r``/``-c`` includes the way pip does, with cycles and missing files as errors."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, raise_all
from lockmigrate.model.requirements import (
    Include,
    IncludeGraph,
    IncludeKind,
)
from lockmigrate.paths import display_path
from lockmigrate.sources._files import is_dir, is_file
from lockmigrate.sources.requirements import ENV_VAR_RE, read_file

__all__ = ["IncludeGraph", "display_path", "load_graph"]


def _absolute(path: Path) -> Path:
    """``path`` made absolute and normalised as pip's ``os.path.abspath`` does, so that
    ``sub/../a.txt`` and ``a.txt`` are one file when looking for cycles."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - lexical normalisation, as pip


def _include_text(include: Include) -> str:
    return f"{'-r' if include.kind is IncludeKind.REQUIREMENT else '-c'} {include.target}"


def load_graph(
    roots: list[Path],
    *,
    collector: Collector,
    display: Callable[[Path], str] = display_path,
) -> IncludeGraph:
    """Read ``roots`` and everything they include.

    Everything wrong is raised together once every file has been read
    (:class:`~lockmigrate.errors.InputErrors` when there is more than one): each bad line of
    each file, and each missing include or include cycle at the including ``file:line``. They
    come in the order pip would meet them: pip reads lazily, following an include when it
    reaches it, so a broken included file comes before an error further down the file that
    includes it.
    """
    graph = IncludeGraph()
    done: set[tuple[Path, bool]] = set()  # files followed to the end, with their role
    errors: list[InputError] = []
    for root in roots:
        absolute = _absolute(root)
        graph.roots.append((absolute, False))
        errors += _follow_from(graph, absolute, collector, display, done)
    raise_all(errors)
    return graph


@dataclass(slots=True)
class _Frame:
    """A file being followed: its includes still to follow, the include under way (whose
    line the errors of the file it names are filed at), and the errors met so far, each with
    the line it sorts at."""

    path: Path
    constraint: bool
    includes: Iterator[Include]
    found: list[tuple[int, InputError]]
    current: Include | None = None


def _follow_from(
    graph: IncludeGraph,
    root: Path,
    collector: Collector,
    display: Callable[[Path], str],
    done: set[tuple[Path, bool]],
) -> list[InputError]:
    """Read ``root`` and every file it includes into ``graph``, depth first in pip's order,
    with a stack of its own (no recursion: pip follows chains hundreds of files deep); return
    everything wrong, in the order pip would meet it: a file's bad lines and, at each of its
    ``-r``/``-c`` lines, what is wrong with the file it names.

    A file already followed to the end (``done``, shared by every root) is not followed
    again: its errors were collected then, any cycle through it was met then, and a lattice of
    files that include each other many ways is followed once per file, not once per path.
    """
    return _Follower(graph, collector, display, done).run(root)


class _Follower:
    """The state of one :func:`_follow_from`: the stack of files being followed."""

    def __init__(
        self,
        graph: IncludeGraph,
        collector: Collector,
        display: Callable[[Path], str],
        done: set[tuple[Path, bool]],
    ) -> None:
        self.graph = graph
        self.collector = collector
        self.display = display
        self.done = done
        self.stack: list[_Frame] = []
        self.on_stack: set[Path] = set()
        self.cycles: set[frozenset[Path]] = set()  # each cycle once, wherever it is met

    def run(self, root: Path) -> list[InputError]:
        result = self.enter(root, False)
        while self.stack:
            frame = self.stack[-1]
            include = next(frame.includes, None)
            if include is None:
                result += self.leave()
                continue
            frame.current = include
            for error in self.follow(include):
                frame.found.append((include.origin.line, error))
        return result

    def enter(self, path: Path, constraint: bool) -> list[InputError]:
        """Push ``path``; an unreadable or undecodable file has no lines to follow: its
        error is returned instead."""
        key = (path, constraint)
        own: list[InputError] = []
        if key not in self.graph.files:
            try:
                self.graph.files[key] = read_file(
                    path, display=self.display(path), constraint=constraint,
                    collector=self.collector, errors=own,
                )  # fmt: skip
            except InputError as error:
                return [error]
        found = [(error.origin.line if error.origin else 0, error) for error in own]
        includes = iter(self.graph.files[key].includes)
        self.stack.append(_Frame(path=path, constraint=constraint, includes=includes, found=found))
        self.on_stack.add(path)
        return []

    def leave(self) -> list[InputError]:
        """Pop the file followed to its end; its errors, sorted by line, go to the include
        that named it (returned when it is the root)."""
        frame = self.stack.pop()
        self.on_stack.discard(frame.path)
        self.done.add((frame.path, frame.constraint))
        frame.found.sort(key=lambda pair: pair[0])
        errors = [error for _, error in frame.found]
        if not self.stack:
            return errors
        parent = self.stack[-1]
        line = parent.current.origin.line if parent.current is not None else 0
        parent.found += [(line, error) for error in errors]
        return []

    def follow(self, include: Include) -> list[InputError]:
        """Go into the file ``include`` names (pushing it), or say what is wrong with it."""
        if include.resolved is None:
            self.collector.warning(
                "remote-include",
                f"{include.target} is a URL; lockmigrate does not fetch it",
                include.origin,
            )
            return []
        target = _absolute(include.resolved)
        if target in self.on_stack:
            chain = [each.path for each in self.stack]
            members = frozenset(chain[chain.index(target) :])
            if members in self.cycles:
                return []
            self.cycles.add(members)
            return [
                InputError(
                    f"include cycle: {include.target} is already being read "
                    f"({' -> '.join(self.display(p) for p in (*chain, target))})",
                    origin=include.origin,
                    text=_include_text(include),
                )
            ]
        # os.path, as pip: a name the system refuses (too long) cannot be opened, not a crash
        if not is_file(target):
            return [self.missing(include, target)]
        constraint = include.kind is IncludeKind.CONSTRAINT
        if (target, constraint) in self.done:
            return []
        return self.enter(target, constraint)

    def missing(self, include: Include, target: Path) -> InputError:
        what = "is a directory" if is_dir(target) else "does not exist"
        unset = [
            match.group("name")
            for match in ENV_VAR_RE.finditer(include.target)
            if not os.environ.get(match.group("name"))
        ]
        if unset:  # pip reads ${NAME} literally when the variable is unset or empty
            what += f" (${{{unset[0]}}} is not set: pip expands it when it is)"
        return InputError(
            f"included file {self.display(target)} {what}",
            origin=include.origin,
            text=_include_text(include),
        )
