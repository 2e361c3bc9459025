"""Everything ``lockmigrate diff`` compares, gathered from the tree: for each declared input
(a ranged requirements file, a ``.in``, a ``pyproject.toml``) its declared ranges, and its
lock, found in this order: ``--lock FILE``, the pip-compile ``.txt`` beside the ``.in``,
``poetry.lock``, ``pylock.toml``; with none (or with ``--resolve``) the ranges are resolved
now, exactly as ``to-pip-tools`` would, and nothing is written (with ``--offline``, which
never asks the index, an input without a lock is left out instead).

Then the index is asked (unless offline) and :mod:`lockmigrate.diff` does the comparing.
"""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from lockmigrate.diagnostics import Collector
from lockmigrate.diff import (
    DeclaredRange,
    DiffReport,
    DiffSection,
    LockDiffReport,
    diff_against_lock,
    diff_locks,
)
from lockmigrate.errors import InputError, UsageError
from lockmigrate.index import IndexSources, ProjectVersions, VersionFetcher, fetch_versions
from lockmigrate.lock import Lock, LockKind, lock_kind_for
from lockmigrate.model import IncludeKind, Option, RequirementFile
from lockmigrate.resolve import CompileOptions
from lockmigrate.scan import FileFormat, ScanReport, scan_services
from lockmigrate.sources.discover import discover
from lockmigrate.sources.includes import IncludeGraph, display_path, load_graph
from lockmigrate.sources.locks import parse_lock, read_lock, read_lock_at_revision
from lockmigrate.sources.requirements import index_options

if TYPE_CHECKING:
    from lockmigrate.sources.pyproject import ProjectDeclarations

__all__ = ["DiffOptions", "run_diff", "run_lock_diff"]

_SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__",
     "site-packages", "build", "dist", ".mypy_cache", ".ruff_cache", ".pytest_cache"}
)  # fmt: skip
_PYTHONS = tuple(f"3.{minor}" for minor in range(6, 16))


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffOptions:
    """How ``diff`` finds versions: a lock to use, whether to resolve, and the index."""

    lock: Path | None = None
    resolve: bool = False
    offline: bool = False
    python_version: str | None = None
    compile: CompileOptions = field(default_factory=CompileOptions)
    cache_dir: Path | None = None
    workers: int = 16


@dataclass(frozen=True, slots=True, kw_only=True)
class _Target:
    title: str
    source: Path  # the declared file
    declared: tuple[DeclaredRange, ...]
    declared_files: tuple[str, ...]
    options: tuple[Option, ...]
    requires_python: str | None
    lock_path: Path | None
    lock: Lock | None = None
    resolved: bool = False


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # noqa: PTH100 - lexical, as the include graph does


def _is_pip_compile_lock(path: Path) -> bool:
    if path.with_suffix(".in").exists():
        return True
    try:
        with path.open("rb") as handle:
            head = handle.read(2048).lower()
    except OSError:
        return False
    return b"pip-compile" in head or b"uv pip compile" in head


def _walk(graph: IncludeGraph, path: Path, constraint: bool) -> Iterator[RequirementFile]:
    file = graph.get(path, constraint)
    yield file
    for include in file.includes:
        if include.resolved is None:
            continue
        target = _absolute(include.resolved)
        nested = include.kind is IncludeKind.CONSTRAINT
        if nested and _is_pip_compile_lock(target):
            continue  # pip-tools layering (-c the other lock): pins, not declared ranges
        yield from _walk(graph, target, nested)


def _requirement_ranges(
    path: Path, collector: Collector, graph: IncludeGraph | None = None
) -> tuple[list[DeclaredRange], list[str], list[Option]]:
    """The ranges declared by ``path`` and the files it includes (a ``graph`` that already
    holds them spares reading them again), those files, and their index options."""
    if graph is None or (_absolute(path), False) not in graph.files:
        graph = load_graph([path], collector=collector)
    ranges: list[DeclaredRange] = []
    files: list[str] = []
    options: list[Option] = []
    for file in _walk(graph, _absolute(path), False):
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
                )
            )
    return ranges, files, options


def _read_pyproject(path: Path, display: str | None = None) -> ProjectDeclarations:
    from lockmigrate.sources.pyproject import read_pyproject  # TOML: only for pyprojects

    return read_pyproject(path, display=display)


def _project_ranges(project: ProjectDeclarations) -> list[DeclaredRange]:
    return [
        DeclaredRange(
            name=item.requirement.name or "",
            specifier=item.requirement.specifier,
            origin=item.requirement.origin,
            marker=item.requirement.marker,
            url=item.requirement.url,
        )
        for item in project.requirements
        if item.requirement.name
    ]


def _pyproject_lock(folder: Path) -> Path | None:
    for name in ("poetry.lock", "pylock.toml"):
        if (folder / name).is_file():
            return folder / name
    named = sorted(folder.glob("pylock.*.toml"))
    return named[0] if named else None


def _find_projects(paths: Sequence[Path]) -> list[Path]:
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            if path.name == "pyproject.toml":
                found.append(path)
            elif (
                lock_kind_for(path) is not LockKind.PIP_COMPILE
                and (path.parent / "pyproject.toml").is_file()
            ):
                found.append(path.parent / "pyproject.toml")
            continue
        for folder, dirs, files in os.walk(path):
            dirs[:] = [d for d in dirs if d not in _SKIP_DIRS and not d.endswith(".egg-info")]
            if "pyproject.toml" in files:
                found.append(Path(folder) / "pyproject.toml")
    return list(dict.fromkeys(_absolute(p) for p in found))


def _targets(
    paths: Sequence[Path], options: DiffOptions, collector: Collector
) -> tuple[list[_Target], ScanReport]:
    requirement_paths: list[Path] = []
    for path in paths:
        if path.is_file() and path.suffix == ".txt" and _is_pip_compile_lock(path):
            source = path.with_suffix(".in")
            if not source.exists():
                raise InputError(
                    f"{display_path(path)} is a lock without a .in beside it: give the file "
                    "with the ranges, and the lock with --lock"
                )
            requirement_paths.append(source)
        elif path.is_dir() or (
            lock_kind_for(path) is LockKind.PIP_COMPILE and path.name != "pyproject.toml"
        ):
            requirement_paths.append(path)
    report = (
        scan_services(discover(requirement_paths), collector=collector)
        if requirement_paths
        else ScanReport(services=(), diagnostics=())
    )
    targets: list[_Target] = []
    for service in report.services:
        for scanned in service.files:
            if scanned.format not in {FileFormat.RANGES, FileFormat.PIP_TOOLS_IN}:
                continue
            ranges, files, file_options = _requirement_ranges(
                scanned.path, collector, service.graph
            )
            lock_path: Path | None = options.lock
            if lock_path is None and scanned.format is FileFormat.PIP_TOOLS_IN:
                beside = scanned.path.with_suffix(".txt")
                lock_path = beside if beside.is_file() else None
            targets.append(
                _Target(
                    title=scanned.file.display,
                    source=scanned.path,
                    declared=tuple(ranges),
                    declared_files=tuple(files),
                    options=tuple(file_options),
                    requires_python=None,
                    lock_path=None if options.resolve else lock_path,
                )
            )
    for pyproject in _find_projects(paths):
        project = _read_pyproject(pyproject, display=display_path(pyproject))
        if not project.declares_anything:
            continue
        lock_path = options.lock or _pyproject_lock(pyproject.parent)
        targets.append(
            _Target(
                title=project.display,
                source=pyproject,
                declared=tuple(_project_ranges(project)),
                declared_files=(project.display,),
                options=(),
                requires_python=project.requires_python,
                lock_path=None if options.resolve else lock_path,
            )
        )
    return targets, report


def _compile_to_text(target: _Target, options: CompileOptions) -> bytes:
    """Resolve a target that to-pip-tools has no plan for (a lone ``.in``, a
    ``pyproject.toml``) in a scratch folder, with the same resolver and options."""
    import tempfile

    from lockmigrate.resolve import CompileJob, compile_requirements

    with tempfile.TemporaryDirectory(prefix="lockmigrate-diff-") as scratch:
        work = Path(scratch)
        if target.source.name == "pyproject.toml":
            project = _read_pyproject(target.source)
            lines = [item.requirement.text for item in project.requirements]
        else:
            lines = [f"-r {target.source.as_posix()}"]
        (work / "requirements.in").write_text("\n".join(lines) + "\n", encoding="utf-8")
        compile_requirements(
            CompileJob(workdir=str(work), input="requirements.in", output="requirements.txt"),
            options,
        )
        return (work / "requirements.txt").read_bytes()


def _resolve(
    targets: list[_Target], report: ScanReport, options: DiffOptions, collector: Collector
) -> list[_Target]:
    pending = [t for t in targets if t.lock_path is None]
    if not pending:
        return targets
    from lockmigrate.targets.pip_tools import plan_pip_tools

    compile_options = options.compile
    if options.resolve and not compile_options.upgrade:
        compile_options = replace(compile_options, upgrade=True)
    planned: dict[Path, bytes] = {}
    if any(
        t.source.suffix in {".txt", ".in"} and t.source.name != "pyproject.toml" for t in pending
    ):
        result = plan_pip_tools(report, options=compile_options, collector=collector)
        for change in result.plan.changes:
            if change.path.suffix == ".txt" and change.after is not None:
                planned[_absolute(change.path)] = change.after
    resolved: list[_Target] = []
    for target in targets:
        if target.lock_path is not None:
            resolved.append(target)
            continue
        lock_path = _absolute(target.source.with_suffix(".txt"))
        data = planned.get(lock_path)
        if data is None:
            data = _compile_to_text(target, compile_options)
        shown = (
            display_path(lock_path)
            if target.source.suffix != ".toml"
            else display_path(target.source)
        )
        lock = parse_lock(data, path=lock_path, display=shown, kind=LockKind.PIP_COMPILE)
        resolved.append(replace(target, lock_path=None, lock=lock, resolved=True))
    return resolved


def _lowest_python(requires_python: str | None) -> str | None:
    if not requires_python:
        return None
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        try:
            from lockmigrate.sources.pyproject import _poetry_constraint_to_pep440

            specifier = SpecifierSet(_poetry_constraint_to_pep440(requires_python))
        except (InvalidSpecifier, ValueError):
            return None
    for candidate in _PYTHONS:
        if specifier.contains(candidate, prereleases=True):
            return candidate
    return None


def run_diff(
    paths: Sequence[Path],
    *,
    options: DiffOptions,
    collector: Collector,
    prefetched: VersionFetcher | None = None,
) -> DiffReport:
    """Compare every declared input under ``paths`` with its lock and with the index.

    ``prefetched`` holds queries started early (:mod:`lockmigrate.diff_prefetch`): its
    answers are used where its sources are the ones a target needs."""
    if options.lock is not None and not options.lock.is_file():
        raise InputError(f"{options.lock}: no such lock file")
    if options.offline and options.resolve:
        raise UsageError("--resolve resolves with the package index, which --offline never asks")
    targets, report = _targets(paths, options, collector)
    if not targets:
        raise InputError(
            "no declared ranges found (requirements files, .in files or a pyproject.toml) in "
            + ", ".join(display_path(p) for p in paths)
        )
    skipped: tuple[str, ...] = ()
    if options.offline:  # resolving asks the index: --offline never touches the network
        skipped = tuple(t.title for t in targets if t.lock_path is None)
        for title in skipped:
            collector.warning(
                "offline-no-lock",
                f"{title}: no lock to compare with, and --offline does not resolve "
                "(lock it first, or drop --offline to resolve it now)",
            )
        targets = [t for t in targets if t.lock_path is not None]
        if not targets:
            raise InputError("--offline: nothing to compare: no lock beside " + ", ".join(skipped))
    targets = _resolve(targets, report, options, collector)
    loaded: list[tuple[_Target, Lock]] = []
    for target in targets:
        lock = target.lock
        if lock is None:
            if target.lock_path is None:  # pragma: no cover - _resolve gave every target one
                raise InputError(f"{target.title}: no lock to compare with")
            lock = read_lock(target.lock_path, display=display_path(target.lock_path))
        loaded.append((target, lock))
    available: dict[IndexSources, dict[str, ProjectVersions]] = {}
    sources_of: dict[int, IndexSources] = {}
    if not options.offline:
        wanted: dict[IndexSources, set[str]] = {}
        for position, (target, lock) in enumerate(loaded):
            lock_options = lock.index_options if not target.resolved else ()
            sources = IndexSources.from_pip(
                (*target.options, *lock_options), base=target.source.parent
            )
            sources_of[position] = sources
            names = wanted.setdefault(sources, set())
            names.update(d.name for d in target.declared)
            names.update(p.name for p in lock.packages)
        for sources, names in wanted.items():
            if prefetched is not None and prefetched.sources == sources:
                available[sources] = prefetched.results(names)
            else:
                available[sources] = fetch_versions(
                    names, sources=sources, cache_dir=options.cache_dir, workers=options.workers
                )
    sections: list[DiffSection] = []
    for position, (target, lock) in enumerate(loaded):
        python = options.python_version or _lowest_python(
            target.requires_python or lock.requires_python
        )
        python = python or platform.python_version()
        found = sources_of.get(position)
        sections.append(
            diff_against_lock(
                title=target.title,
                declared=target.declared,
                lock=lock,
                available=available.get(found) if found is not None else None,
                python=python,
                declared_files=target.declared_files,
                resolved=target.resolved,
                allow_prereleases=any(o.name == "--pre" for o in target.options),
            )
        )
    shown = tuple(dict.fromkeys(url for sources in available for url in sources.shown))
    return DiffReport(
        sections=tuple(sections), offline=options.offline, index=shown, skipped=skipped
    )


def _declared_for_lock(path: Path, collector: Collector) -> tuple[list[DeclaredRange], list[str]]:
    kind = lock_kind_for(path)
    if kind is LockKind.PIP_COMPILE:
        source = path.with_suffix(".in")
        if source.is_file():
            ranges, files, _ = _requirement_ranges(source, collector)
            return ranges, files
        return [], []
    pyproject = path.parent / "pyproject.toml"
    if pyproject.is_file():
        project = _read_pyproject(pyproject, display=display_path(pyproject))
        return _project_ranges(project), [project.display]
    return [], []


def run_lock_diff(old: str, new: Path, *, collector: Collector) -> LockDiffReport:
    """Compare two locks: ``old`` is a lock file, or else a git revision of ``new``."""
    if not new.is_file():
        raise InputError(f"{new}: no such lock file")
    new_lock = read_lock(new, display=display_path(new))
    old_path = Path(old)
    if old_path.is_file():
        old_lock = read_lock(old_path, display=display_path(old_path))
    elif old:
        old_lock = read_lock_at_revision(new, old, display=display_path(new))
    else:
        raise UsageError("--from needs a lock file or a git revision")
    ranges, files = _declared_for_lock(new, collector)
    if not files:
        collector.warning(
            "no-ranges",
            f"no .in or pyproject.toml beside {display_path(new)}: the changes are not checked "
            "against declared ranges, and every package shows as transitive (give the newer "
            "lock as --to)",
        )
    return diff_locks(old=old_lock, new=new_lock, declared=ranges, declared_files=files)
