"""Follow ``-r``/``-c`` includes the way pip does, with cycles and missing files as errors."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, raise_all
from lockmigrate.model import DeclaredRequirement, Include, IncludeKind, RequirementFile
from lockmigrate.sources.requirements import read_file

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
    cycles: set[frozenset[Path]] = set()  # each cycle once, from whichever file it is met

    def visit(path: Path, constraint: bool, ancestors: tuple[Path, ...]) -> list[InputError]:
        key = (path, constraint)
        own: list[InputError] = []
        if key not in graph.files:
            try:
                graph.files[key] = read_file(
                    path,
                    display=display(path),
                    constraint=constraint,
                    collector=collector,
                    errors=own,
                )
            except InputError as error:  # unreadable or undecodable: no lines to follow
                return [error]
        file = graph.files[key]
        # (line, error), sorted by line: an included file's errors come at its -r line
        found = [(error.origin.line if error.origin else 0, error) for error in own]
        for include in file.includes:
            found += [(include.origin.line, error) for error in follow(include, path, ancestors)]
        found.sort(key=lambda pair: pair[0])
        return [error for _, error in found]

    def follow(include: Include, path: Path, ancestors: tuple[Path, ...]) -> list[InputError]:
        if include.resolved is None:
            collector.warning(
                "remote-include",
                f"{include.target} is a URL; lockmigrate does not fetch it",
                include.origin,
            )
            return []
        target = _absolute(include.resolved)
        if target in ancestors or target == path:
            start = ancestors.index(target) if target in ancestors else len(ancestors)
            members = frozenset((*ancestors[start:], path))
            if members in cycles:
                return []
            cycles.add(members)
            return [
                InputError(
                    f"include cycle: {include.target} is already being read "
                    f"({' -> '.join(display(p) for p in (*ancestors, path, target))})",
                    origin=include.origin,
                    text=_include_text(include),
                )
            ]
        if not target.is_file():
            what = "is a directory" if target.is_dir() else "does not exist"
            return [
                InputError(
                    f"included file {display(target)} {what}",
                    origin=include.origin,
                    text=_include_text(include),
                )
            ]
        return visit(target, include.kind is IncludeKind.CONSTRAINT, (*ancestors, path))

    errors: list[InputError] = []
    for root in roots:
        absolute = _absolute(root)
        graph.roots.append((absolute, False))
        errors += visit(absolute, False, ())
    raise_all(errors)
    return graph
