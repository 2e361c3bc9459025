"""What a pip-compile input declares (its ranges, the files it includes, their index
options), and the NumPy ABI verdicts on its lock: what ``check`` needs of ``diff``, in a
module light enough for the pre-commit hook (``diff.inputs`` brings the resolvers)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.diagnostics import Collector
from lockmigrate.diff.model import DeclaredRange
from lockmigrate.model.requirements import IncludeKind, Option
from lockmigrate.sources.includes import IncludeGraph, display_path, load_graph
from lockmigrate.sources.requirements import index_options

if TYPE_CHECKING:
    from lockmigrate.diff.abi import AbiJudgement
    from lockmigrate.model.locks import Lock
    from lockmigrate.model.requirements import RequirementFile

__all__ = ["absolute", "is_pip_compile_lock", "judge_pip_compile_lock", "requirement_ranges"]


def absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # noqa: PTH100 - lexical, as the include graph does


def is_pip_compile_lock(path: Path) -> bool:
    if path.with_suffix(".in").exists():
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(2048).lower()
    except OSError:
        return False
    return b"pip-compile" in head or b"uv pip compile" in head


def _walk(graph: IncludeGraph, path: Path, constraint: bool) -> Iterator[RequirementFile]:
    """``path`` and the files it includes, depth first, with a stack of its own (chains of
    includes hundreds deep are fine)."""
    stack = [graph.get(path, constraint)]
    while stack:
        file = stack.pop()
        yield file
        nested_files = []
        for include in file.includes:
            if include.resolved is None:
                continue
            target = absolute(include.resolved)
            nested = include.kind is IncludeKind.CONSTRAINT
            if nested and is_pip_compile_lock(target):
                continue  # pip-tools layering (-c the other lock): pins, not declared ranges
            nested_files.append(graph.get(target, nested))
        stack.extend(reversed(nested_files))


def requirement_ranges(
    path: Path, collector: Collector, graph: IncludeGraph | None = None
) -> tuple[list[DeclaredRange], list[str], list[Option]]:
    """The ranges declared by ``path`` and the files it includes (a ``graph`` that already
    holds them spares reading them again), those files, and their index options."""
    if graph is None or (absolute(path), False) not in graph.files:
        graph = load_graph([path], collector=collector)
    ranges: list[DeclaredRange] = []
    files: list[str] = []
    options: list[Option] = []
    for file in _walk(graph, absolute(path), False):
        if file.display not in files:
            files.append(file.display)
        options += index_options(file)
        for requirement in file.requirements:
            if requirement.name is None:
                continue
            ranges.append(
                DeclaredRange(
                    name=requirement.name,
                    specifier=requirement.specifier,
                    origin=requirement.origin,
                    marker=requirement.marker,
                    constraint=requirement.constraint,
                    url=requirement.url,
                    extras=requirement.extras,
                )
            )
    return ranges, files, options


def judge_pip_compile_lock(
    lock_path: Path, input_path: Path, *, collector: Collector, cache_dir: Path | None
) -> tuple[Lock, AbiJudgement]:
    """The NumPy ABI verdicts on a pip-compile lock (for ``check``): for the Python its
    header names, through the index options of its ``.in`` and its own, with the ``.in``'s
    ranges deciding whether a fix is in range."""
    from lockmigrate.diff.abi import judge_lock
    from lockmigrate.environment import target_environment
    from lockmigrate.index import IndexSources
    from lockmigrate.sources.locks.read import read_lock

    lock = read_lock(lock_path, display=display_path(lock_path))
    ranges, _, options = requirement_ranges(input_path, collector)
    judged = judge_lock(
        lock,
        environment=target_environment(lock_python=lock.header.python_version),
        sources=IndexSources.from_pip((*options, *lock.index_options), base=input_path.parent),
        declared={r.name: r.specifier for r in ranges if not r.constraint},
        cache_dir=cache_dir,
    )
    return lock, judged
