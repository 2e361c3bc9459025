"""Everything ``lockmigrate diff`` compares, gathered from the tree: for each declared input
(a ranged requirements file, a ``.in``, a ``pyproject.toml``) its declared ranges, and its
lock, found in this order: ``--lock FILE``, the pip-compile ``.txt`` beside the ``.in``,
``poetry.lock``, ``pylock.toml``; with none (or with ``--resolve``) the ranges are resolved
now, exactly as ``to-pip-tools`` would, and nothing is written (with ``--offline``, which
never asks the index, an input without a lock is left out instead).

Then the index is asked (unless offline) and :mod:`lockmigrate.diff.compare` does the comparing.
Last comes the re-lock check: each input with a ``behind`` or ``unguarded`` row is resolved
once more with upgrades allowed (uv when installed, as ``--resolve`` would resolve it; an
input resolved now from nothing is its own re-lock), so that a package no re-lock would move
reads ``capped``; pip then reads the ``Requires-Dist`` of the few packages that may hold such
rows back, to name them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from lockmigrate.diagnostics import Collector
from lockmigrate.diff.compare import diff_against_lock, diff_locks, metadata_wanted, needs_relock
from lockmigrate.diff.declared import absolute as _absolute
from lockmigrate.diff.declared import is_pip_compile_lock as _is_pip_compile_lock
from lockmigrate.diff.declared import requirement_ranges as _requirement_ranges
from lockmigrate.diff.model import (
    DeclaredRange,
    DiffReport,
    DiffSection,
    LockDiffReport,
    Relock,
    RelockCheck,
)
from lockmigrate.environment import TargetEnvironment, target_environment
from lockmigrate.errors import ExternalToolError, InputError, LockmigrateError, UsageError
from lockmigrate.index import IndexSources, ProjectVersions, VersionFetcher, fetch_versions
from lockmigrate.model.locks import Lock, LockHeader, LockKind, lock_kind_for
from lockmigrate.model.requirements import Option
from lockmigrate.model.services import FileFormat, ScannedFile, ScannedService, ScanReport
from lockmigrate.resolve import Backend, CompileOptions, installed
from lockmigrate.scan import scan_services
from lockmigrate.sources.discover import Exclude, discover, walk
from lockmigrate.sources.includes import display_path
from lockmigrate.sources.locks.find import pyproject_lock
from lockmigrate.sources.locks.pip_compile import read_header
from lockmigrate.sources.locks.read import parse_lock, read_lock, read_lock_at_revision
from lockmigrate.sources.requirements import parse_bytes

if TYPE_CHECKING:
    from lockmigrate.diff.cache import RelockCache
    from lockmigrate.sources.pyproject import ProjectDeclarations

__all__ = ["DiffOptions", "run_diff", "run_lock_diff"]

_PYTHONS = tuple(f"3.{minor}" for minor in range(6, 16))


@dataclass(frozen=True, slots=True, kw_only=True)
class DiffOptions:
    """How ``diff`` finds versions: a lock to use, whether to resolve, and the index.

    ``resolver_given``: ``compile.backend`` was asked for (``--resolver``); otherwise an input
    resolved now uses the resolver its own lock's header names (``--resolve``), else the one
    every lock in the tree names, else pip-tools. ``progress`` receives a line per input
    being resolved, and one when it is done."""

    lock: Path | None = None
    resolve: bool = False
    offline: bool = False
    python_version: str | None = None
    compile: CompileOptions = field(default_factory=CompileOptions)
    resolver_given: bool = False
    relock_check: bool = True
    cache_dir: Path | None = None
    workers: int = 16
    progress: Callable[[str], None] | None = None
    exclude: Exclude | None = None  # what a walk of a folder leaves out
    abi_check: bool = True  # the NumPy ABI check of compiled numpy dependents (diff.abi)


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
    own_lock: Path | None = None  # its lock on disk, also when --resolve resolves it now
    error: str | None = None  # the resolver failed on it
    # resolved now with nothing pinned beforehand (upgrades allowed, or no lock to layer
    # on): what a re-lock with upgrades would lock, so its own re-lock check
    fresh: bool = False


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
            extras=item.requirement.extras,
        )
        for item in project.requirements
        if item.requirement.name
    ]


def _find_projects(paths: Sequence[Path], exclude: Exclude | None) -> list[Path]:
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
        for folder, names in walk(path, exclude):
            if "pyproject.toml" in names:
                found.append(folder / "pyproject.toml")
    return list(dict.fromkeys(_absolute(p) for p in found))


def _targets(
    paths: Sequence[Path], options: DiffOptions, collector: Collector
) -> tuple[list[_Target], ScanReport]:
    """The declared inputs under ``paths`` (requirements files the scan finds, then
    ``pyproject.toml`` files), each with the lock it is compared with, and the scan."""
    requirement_paths = _requirement_paths(paths)
    report = (
        scan_services(
            discover(requirement_paths, collector, exclude=options.exclude), collector=collector
        )
        if requirement_paths
        else ScanReport(services=(), diagnostics=())
    )
    targets = [
        _requirements_target(service, scanned, options, collector)
        for service in report.services
        for scanned in service.files
        if scanned.format in {FileFormat.RANGES, FileFormat.PIP_TOOLS_IN}
    ]
    for pyproject in _find_projects(paths, options.exclude):
        project = _read_pyproject(pyproject, display=display_path(pyproject))
        if not project.declares_anything:
            continue
        lock_path = options.lock or pyproject_lock(pyproject.parent)
        targets.append(
            _Target(
                title=project.display,
                source=pyproject,
                declared=tuple(_project_ranges(project)),
                declared_files=(project.display,),
                options=(),
                requires_python=project.requires_python,
                lock_path=None if options.resolve else lock_path,
                own_lock=lock_path,
            )
        )
    return targets, report


def _requirement_paths(paths: Sequence[Path]) -> list[Path]:
    """What of ``paths`` the scan reads: folders, and requirements files (a lock given
    stands for the ``.in`` beside it)."""
    found: list[Path] = []
    for path in paths:
        if path.is_file() and path.suffix == ".txt" and _is_pip_compile_lock(path):
            source = path.with_suffix(".in")
            if not source.exists():
                raise InputError(
                    f"{display_path(path)} is a lock without a .in beside it: give the file "
                    "with the ranges, and the lock with --lock"
                )
            found.append(source)
        elif path.is_dir() or (
            lock_kind_for(path) is LockKind.PIP_COMPILE and path.name != "pyproject.toml"
        ):
            found.append(path)
    return found


def _requirements_target(
    service: ScannedService, scanned: ScannedFile, options: DiffOptions, collector: Collector
) -> _Target:
    """The target of a requirements file with ranges: its ranges and the lock beside it."""
    ranges, files, file_options = _requirement_ranges(scanned.path, collector, service.graph)
    lock_path: Path | None = options.lock
    if (
        lock_path is None
        and scanned.lock is not None
        and scanned.lock.absolute() != scanned.path.absolute()
        and scanned.lock.is_file()
    ):
        # X.in's X.txt, a file kept as written and its X-lock.txt, or a lock under
        # another name that the scan linked to this input
        lock_path = scanned.lock
    return _Target(
        title=scanned.file.display,
        source=scanned.path,
        declared=tuple(ranges),
        declared_files=tuple(files),
        options=tuple(file_options),
        requires_python=None,
        lock_path=None if options.resolve else lock_path,
        own_lock=lock_path,
    )


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


@dataclass(frozen=True, slots=True, kw_only=True)
class _Batch:
    """Inputs resolved in one run: one service's requirement files through to-pip-tools'
    own plan (``subset``, layered as to-pip-tools layers them), or one input alone."""

    targets: tuple[_Target, ...]
    subset: ScanReport | None
    options: CompileOptions


def _own_header(target: _Target) -> LockHeader:
    """What the header of ``target``'s own pip-compile lock says (empty without one)."""
    path = target.own_lock
    if path is None or lock_kind_for(path) is not LockKind.PIP_COMPILE:
        return LockHeader()
    try:
        with path.open("rb") as handle:
            return read_header(handle.read(4096).decode("utf-8", errors="replace"))
    except OSError:
        return LockHeader()


def _tree_resolver(report: ScanReport) -> Backend | None:
    """The resolver every pip-compile lock of the tree was made with, when they agree."""
    named: set[str] = set()
    for service in report.services:
        for scanned in service.files:
            if scanned.format is FileFormat.PIP_TOOLS_LOCK:
                resolver = read_header("".join(scanned.file.physical_lines[:12])).resolver
                if resolver is not None:
                    named.add(resolver)
    return Backend(named.pop()) if len(named) == 1 else None


def _compile_options(
    target: _Target, tree: Backend | None, options: DiffOptions, collector: Collector
) -> CompileOptions:
    """The resolver and its options for ``target``: ``--resolver`` when given, else its own
    lock's, else the tree's, else pip-tools; uv resolves for the Python the lock was for."""
    chosen = options.compile
    if options.resolve and not chosen.upgrade:
        chosen = replace(chosen, upgrade=True)
    if options.resolver_given:
        return chosen
    header = _own_header(target)
    own = Backend(header.resolver) if header.resolver is not None else None
    backend = own or tree or Backend.PIP_TOOLS
    if not installed(backend):
        collector.warning(
            "resolver-unavailable",
            f"{target.title}: its locks were made with {backend.value}, which is not "
            "installed here: resolving with pip-tools, which may pin differently (install "
            "lockmigrate[uv], or choose with --resolver)",
        )
        backend = Backend.PIP_TOOLS
    python_version = chosen.python_version
    if backend is Backend.UV and python_version is None and own is Backend.UV:
        python_version = header.python_version
    return replace(
        chosen,
        backend=backend,
        python_version=python_version if backend is Backend.UV else None,
    )


def _subset(service: ScannedService, scanned: Sequence[ScannedFile], upgrade: bool) -> ScanReport:
    """``service`` holding only ``scanned`` and, unless re-locking (where each would be
    compiled too), its pip-compile locks: what layering on them needs."""
    locks = (
        () if upgrade else tuple(f for f in service.files if f.format is FileFormat.PIP_TOOLS_LOCK)
    )
    files = tuple(dict.fromkeys((*scanned, *locks)))
    return ScanReport(
        services=(
            ScannedService(
                path=service.path, display=service.display, files=files, graph=service.graph
            ),
        ),
        diagnostics=(),
    )


def _batches(
    pending: Sequence[_Target],
    report: ScanReport,
    options: DiffOptions,
    collector: Collector,
    choose: Callable[[_Target], CompileOptions] | None = None,
) -> list[_Batch]:
    """``pending`` in batches: the requirement files of each service that to-pip-tools
    would compile together, with the same resolver; every other input alone. Each target's
    resolver and options are ``choose(target)``, by default :func:`_compile_options`'s."""
    tree = _tree_resolver(report)
    planned: dict[Path, tuple[ScannedService, ScannedFile]] = {}
    for service in report.services:
        for scanned in service.files:
            if scanned.format is FileFormat.RANGES and scanned.path.suffix == ".txt":
                planned[_absolute(scanned.path)] = (service, scanned)
            elif (
                scanned.format is FileFormat.PIP_TOOLS_LOCK
                and options.resolve
                and scanned.input is not None
            ):
                planned[_absolute(scanned.input)] = (service, scanned)
    groups: dict[tuple[int, CompileOptions], list[_Target]] = {}
    batches: list[_Batch] = []
    for target in pending:
        compile_options = (
            choose(target)
            if choose is not None
            else _compile_options(target, tree, options, collector)
        )
        found = planned.get(_absolute(target.source))
        if found is None:
            batches.append(_Batch(targets=(target,), subset=None, options=compile_options))
            continue
        service, _ = found
        groups.setdefault((id(service), compile_options), []).append(target)
    for (_, compile_options), members in groups.items():
        service, _ = planned[_absolute(members[0].source)]
        files = [planned[_absolute(t.source)][1] for t in members]
        batches.append(
            _Batch(
                targets=tuple(members),
                subset=_subset(service, files, compile_options.upgrade),
                options=compile_options,
            )
        )
    return batches


def _run_batch(
    batch: _Batch, collector: Collector, progress: Callable[[str, str], None]
) -> list[_Target]:
    """Resolve a batch's targets; a failure is each target's own ``error`` (a service's
    files that fail together are tried one by one, so that the others still resolve)."""
    try:
        planned = _planned_locks(batch, collector, progress)
    except ExternalToolError as error:  # a failure outside any one file's compile
        from lockmigrate.targets.pip_tools import NOTHING_WRITTEN  # loaded by the compile

        reason = str(error).removesuffix(NOTHING_WRITTEN)
        for target in batch.targets:
            progress(target.title, "failed")
        return [replace(target, error=reason) for target in batch.targets]
    resolved: list[_Target] = []
    for target in batch.targets:
        if target.title in planned.failed:
            progress(target.title, "failed")
            resolved.append(replace(target, error=planned.failed[target.title]))
            continue
        lock_path = planned.locks.get(_absolute(target.source)) or _absolute(
            target.source.with_suffix(".txt")
        )
        data = planned.texts.get(lock_path)
        if data is None:
            progress(target.title, "compiling")
            try:
                data = _compile_to_text(target, batch.options)
            except ExternalToolError as error:
                resolved.append(replace(target, error=str(error)))
                progress(target.title, "failed")
                continue
            progress(target.title, "done")
        shown = (
            display_path(lock_path)
            if target.source.suffix != ".toml"
            else display_path(target.source)
        )
        lock = parse_lock(data, path=lock_path, display=shown, kind=LockKind.PIP_COMPILE)
        resolved.append(
            replace(target, lock_path=None, lock=lock, resolved=True, fresh=planned.fresh)
        )
    return resolved


@dataclass(frozen=True, slots=True, kw_only=True)
class _Planned:
    """What to-pip-tools' planner made of a batch's service files."""

    texts: Mapping[Path, bytes]  # each lock it compiled -> its text
    locks: Mapping[Path, Path]  # an input -> the lock to-pip-tools compiles it to
    failed: Mapping[str, str]  # an input, as shown -> why it could not be resolved
    fresh: bool  # nothing pinned beforehand: upgrades allowed, or no lock to layer on


def _planned_locks(
    batch: _Batch, collector: Collector, progress: Callable[[str, str], None]
) -> _Planned:
    """The locks to-pip-tools would compile for the batch's service files (none for a
    batch of other inputs); raises :class:`ExternalToolError` on a failure outside any one
    file's compile."""
    if batch.subset is None:
        return _Planned(texts={}, locks={}, failed={}, fresh=True)
    fresh = batch.options.upgrade or not any(
        f.format is FileFormat.PIP_TOOLS_LOCK
        for service in batch.subset.services
        for f in service.files
    )
    from lockmigrate.sources.readers import readers
    from lockmigrate.targets.pip_tools import plan_pip_tools

    locks = {
        _absolute(f.path): _absolute(f.lock)
        for service in batch.subset.services
        for f in service.files
        if f.lock is not None
    }
    # a file that fails (and the files layered on it) is reported on its own; the
    # service's other files still resolve
    result = plan_pip_tools(
        batch.subset,
        options=batch.options,
        collector=collector,
        readers=readers(),
        progress=progress,
        keep_going=True,
    )
    return _Planned(
        texts={
            _absolute(change.path): change.after
            for change in result.plan.changes
            if change.path.suffix == ".txt" and change.after is not None
        },
        locks=locks,
        failed={
            failure.file: f"{failure.origin}: {failure.message}" for failure in result.failures
        },
        fresh=fresh,
    )


@dataclass(frozen=True, slots=True)
class _Words:
    """How progress lines name a resolution: ``resolving X ...``, ``resolved X (1/3)``."""

    start: str = "resolving {} ..."
    done: str = "resolved"
    failed: str = "could not resolve"


def _resolve(
    targets: list[_Target],
    report: ScanReport,
    options: DiffOptions,
    collector: Collector,
    *,
    choose: Callable[[_Target], CompileOptions] | None = None,
    words: _Words = _Words(),
) -> list[_Target]:
    """Every target without a lock, resolved now: each gets a lock, or its ``error``.
    Batches run side by side; ``options.progress`` hears of each input. ``choose`` picks
    each target's resolver and options (see :func:`_batches`)."""
    pending = [t for t in targets if t.lock_path is None]
    if not pending:
        return targets
    import threading
    from concurrent.futures import ThreadPoolExecutor

    from lockmigrate.resolve import stop_all

    batches = _batches(pending, report, options, collector, choose)
    total = len(pending)
    finished: set[str] = set()  # a service's file tried again alone counts once
    finished_lock = threading.Lock()

    def progress(shown: str, state: str) -> None:
        if options.progress is None:
            return
        if state == "compiling":
            options.progress(words.start.format(shown))
            return
        with finished_lock:
            finished.add(shown)
            count = len(finished)
        verb = words.done if state == "done" else words.failed
        options.progress(f"{verb} {shown} ({count}/{total})")

    results: dict[int, _Target] = {}
    with ThreadPoolExecutor(max_workers=min(len(batches), os.cpu_count() or 1)) as pool:
        futures = [pool.submit(_run_batch, batch, collector, progress) for batch in batches]
        try:
            for batch, future in zip(batches, futures, strict=True):
                done = future.result()
                for original, target in zip(batch.targets, done, strict=True):
                    results[id(original)] = target
        except BaseException:
            stop_all()  # interrupted: stop the resolvers before waiting for the threads
            for future in futures:
                future.cancel()
            raise
    return [results.get(id(target), target) for target in targets]


def _lowest_python(requires_python: str | None) -> str | None:
    if not requires_python:
        return None
    try:
        specifier = SpecifierSet(requires_python)
    except InvalidSpecifier:
        try:
            from lockmigrate.sources.pyproject import poetry_constraint_to_pep440

            specifier = SpecifierSet(poetry_constraint_to_pep440(requires_python))
        except (InvalidSpecifier, ValueError):
            return None
    for candidate in _PYTHONS:
        if specifier.contains(candidate, prereleases=True):
            return candidate
    return None


@dataclass(slots=True, kw_only=True)
class _Compared:
    """One target with its lock, the environment it is for and what the index offers: its
    section, as compared now, and again with a re-lock."""

    target: _Target
    lock: Lock
    environment: TargetEnvironment
    available: Mapping[str, ProjectVersions] | None
    sources: IndexSources | None = None  # where ``available`` was read
    section: DiffSection = field(init=False)

    def __post_init__(self) -> None:
        self.section = self.compare(None)

    def compare(self, relock: Relock | None) -> DiffSection:
        """The section of this target, with ``relock`` when given."""
        return diff_against_lock(
            title=self.target.title,
            declared=self.target.declared,
            lock=self.lock,
            available=self.available,
            python=self.environment.python_version,
            declared_files=self.target.declared_files,
            resolved=self.target.resolved,
            allow_prereleases=any(o.name == "--pre" for o in self.target.options),
            environment=self.environment,
            relock=relock,
        )

    def index_lines(self) -> tuple[str, ...]:
        """The target's index options as requirement lines, for pip (a relative
        ``--find-links`` made absolute: pip runs elsewhere)."""
        chosen = (
            *self.target.options,
            *(self.lock.index_options if not self.target.resolved else ()),
        )
        lines: list[str] = []
        for option in chosen:
            if option.name not in _INDEX_OPTIONS:
                continue
            value = option.value
            if option.name == "--find-links" and value and "://" not in value:
                local = self.target.source.parent / value
                value = str(local) if local.exists() else value
            lines.append(f"{option.name} {value}" if value is not None else option.name)
        return tuple(dict.fromkeys(lines))


_INDEX_OPTIONS = frozenset(
    {"--index-url", "--extra-index-url", "--find-links", "--no-index", "--trusted-host"}
)
_RELOCK_WORDS = _Words(
    start="re-locking {} with upgrades, to see what other pins cap ...",
    done="re-locked",
    failed="could not re-lock",
)


def _relock_options(environment: TargetEnvironment, options: DiffOptions) -> CompileOptions | str:
    """The resolver and options for a re-lock check of a lock for ``environment``: the one
    ``--resolver`` names, else uv when installed (fast, and it resolves for any Python), else
    pip-compile; or why none can make it (pip-compile resolves only for the Python it runs
    under)."""
    chosen = replace(options.compile, upgrade=True, generate_hashes=False)
    if options.resolver_given:
        backend = chosen.backend
    else:
        backend = Backend.UV if installed(Backend.UV) else Backend.PIP_TOOLS
    if backend is Backend.UV:
        return replace(
            chosen, backend=backend, python=None, python_version=environment.python_version
        )
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if chosen.python is None and environment.python_minor != running:
        return (
            f"pip-compile resolves for the Python it runs under ({running}), and this lock "
            f"is for Python {environment.python_version}: install uv (lockmigrate[uv]), or "
            "pass --resolver uv"
        )
    return replace(chosen, backend=backend, python_version=None)


def _with_shown_constraints(lock: Lock, base: Path) -> Lock:
    """``lock`` with each ``-c FILE`` among its packages' sources (a lock it is layered on,
    as the resolver's ``# via`` names it, relative to ``base`` or absolute in a scratch tree)
    shown as the report shows paths."""

    def shown(source: str) -> str:
        kind, _, file = source.partition(" ")
        if kind != "-c" or not file:
            return source
        path = Path(file)
        return f"-c {display_path(path if path.is_absolute() else base / path)}"

    return replace(
        lock,
        packages=tuple(
            replace(package, sources=tuple(shown(source) for source in package.sources))
            for package in lock.packages
        ),
    )


def _check_relocks(
    compared: Sequence[_Compared], report: ScanReport, options: DiffOptions, collector: Collector
) -> list[DiffSection]:
    """Each section again, with what a re-lock with upgrades would lock where some row is
    ``behind`` or ``unguarded``: the verdict an earlier run kept when it still holds
    (:mod:`lockmigrate.diff.cache`), else one resolver run per input (an input resolved now
    from nothing is its own re-lock), all side by side; then what the packages that may hold
    rows back require. A re-lock that fails or cannot run is a warning, and its section
    keeps the statuses the ranges alone give."""
    import time

    from lockmigrate.diff.cache import RelockCache

    sections = [item.section for item in compared]
    relocks: dict[int, Relock] = {}
    kept: dict[int, Relock] = {}  # verdicts of an earlier run, still good
    keys: dict[int, str] = {}  # where to keep the verdicts made now
    cache = RelockCache(options.cache_dir / "relock") if options.cache_dir is not None else None
    now = time.time()
    jobs: list[tuple[int, _Target, CompileOptions]] = []
    for position, item in enumerate(compared):
        if not needs_relock(item.section):
            sections[position] = replace(item.section, relock_check=RelockCheck.NOT_NEEDED)
            continue
        if item.target.resolved and item.target.fresh:
            relocks[position] = Relock(lock=item.lock)  # its own re-lock: no second run
            continue
        choice = _relock_options(item.environment, options)
        if isinstance(choice, str):
            collector.warning(
                "relock-check-unavailable",
                f"{item.target.title}: no re-lock check: {choice}; its behind and "
                "unguarded rows may be held back by another pin",
            )
            sections[position] = replace(
                item.section, relock_check=RelockCheck.UNAVAILABLE, relock_error=choice
            )
            continue
        verdict, key = _kept_verdict(item, choice, report, options, cache=cache, now=now)
        if verdict is not None:
            kept[position] = verdict
            continue
        if key is not None:
            keys[position] = key
        job = replace(item.target, lock_path=None, lock=None, resolved=False, fresh=False)
        jobs.append((position, job, choice))
    for position, made in _run_relocks(jobs, compared, report, options, collector).items():
        if isinstance(made, Relock):
            relocks[position] = made
        else:
            sections[position] = replace(
                sections[position], relock_check=RelockCheck.FAILED, relock_error=made
            )
    requirements, unread = (
        _read_holders_metadata(
            {position: compared[position].compare(relock) for position, relock in relocks.items()},
            relocks,
            compared,
            options,
            collector,
        )
        if relocks
        else ({}, set())  # every verdict was kept: not even the thread pool is imported
    )
    for position, made in relocks.items():
        relock = replace(made, requirements=requirements.get(position, {}))
        sections[position] = compared[position].compare(relock)
        key = keys.get(position)
        if cache is not None and key is not None and position not in unread:
            _keep_verdict(cache, key, relock, compared[position], options, now=now)
    for position, relock in kept.items():
        sections[position] = compared[position].compare(relock)
    return sections


def _kept_verdict(
    item: _Compared,
    choice: CompileOptions,
    report: ScanReport,
    options: DiffOptions,
    *,
    cache: RelockCache | None,
    now: float,
) -> tuple[Relock | None, str | None]:
    """The re-lock an earlier run kept for ``item`` when it still holds, and the key under
    which to keep the one made now (``None``: none is kept, no cache or no key)."""
    if cache is None:
        return None, None
    key = _relock_key(item, choice, report)
    if key is None:
        return None, None
    verdict = cache.load(key)
    if verdict is not None and verdict.still_good(_pages(item, verdict.pages, options), now):
        return replace(verdict.relock, cached=True), key
    return None, key


def _keep_verdict(
    cache: RelockCache,
    key: str,
    relock: Relock,
    item: _Compared,
    options: DiffOptions,
    *,
    now: float,
) -> None:
    """Keep ``relock`` under ``key`` with the pages it depends on, when they may be kept."""
    from lockmigrate.diff.cache import pages_needed

    needed = pages_needed(relock, item.available or {})
    cache.store(key, relock, _pages(item, needed, options), now)


def _run_relocks(
    jobs: Sequence[tuple[int, _Target, CompileOptions]],
    compared: Sequence[_Compared],
    report: ScanReport,
    options: DiffOptions,
    collector: Collector,
) -> dict[int, Relock | str]:
    """The re-lock of each job's input (by position), side by side, or why it failed (a
    ``relock-check-failed`` warning)."""
    if not jobs:
        return {}
    chosen = {id(job): choice for _, job, choice in jobs}
    done = _resolve(
        [job for _, job, _ in jobs],
        report,
        replace(options, resolve=True),
        Collector(),  # what the resolver says of a lock nobody writes is not news
        choose=lambda target: chosen[id(target)],
        words=_RELOCK_WORDS,
    )
    made: dict[int, Relock | str] = {}
    for (position, _, _), result in zip(jobs, done, strict=True):
        title = compared[position].target.title
        if result.error is not None or result.lock is None:
            reason = result.error or "no lock"
            collector.warning(
                "relock-check-failed",
                f"{title}: the re-lock with upgrades failed, so its behind and unguarded "
                "rows may be held back by another pin (--resolver chooses the resolver, "
                f"--no-relock-check skips this):\n  " + reason.replace("\n", "\n  "),
            )
            made[position] = reason
        else:
            made[position] = Relock(
                lock=_with_shown_constraints(result.lock, compared[position].target.source.parent),
                made_by=result.lock.header.made_by,
            )
    return made


def _read_served_groups(
    groups: Mapping[tuple[tuple[str, ...], str], set[tuple[str, str]]],
    checked: Sequence[_Compared],
    options: DiffOptions,
) -> dict[tuple[tuple[str, ...], str], dict[tuple[str, str], tuple[str, ...]]]:
    """:func:`_read_served_metadata` for each group of pins (by index options and Python),
    through the first of ``checked`` in that group; the pins read are taken out of
    ``groups``, which pip reads then."""
    members: dict[tuple[tuple[str, ...], str], _Compared] = {}
    for item in checked:
        members.setdefault((item.index_lines(), item.environment.python_version), item)
    found: dict[tuple[tuple[str, ...], str], dict[tuple[str, str], tuple[str, ...]]] = {}
    for key, pins in groups.items():
        found[key] = _read_served_metadata(members[key], pins, options)
        pins.difference_update(found[key])
    return found


def _read_served_metadata(
    item: _Compared, pins: Iterable[tuple[str, str]], options: DiffOptions
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The ``Requires-Dist`` of each pin whose metadata the index serves beside its wheels
    (PEP 658/714) and is the metadata pip would read for ``item``'s Python and platform
    (:meth:`lockmigrate.index.AvailableVersion.metadata_file`), checked against its hash:
    no pip run, one small request each. Pins left out are read by pip."""
    from packaging.version import InvalidVersion, Version

    from lockmigrate.index import fetch_metadata
    from lockmigrate.index.pages import IndexFile

    if item.sources is None:
        return {}
    wanted = sorted(set(pins))
    pages = _pages(item, {name for name, _ in wanted}, options)
    files: dict[tuple[str, str], IndexFile] = {}
    for name, version in wanted:
        project = pages.get(name)
        try:
            exact = Version(version)
        except InvalidVersion:
            continue
        for entry in project.versions if project is not None else ():
            if entry.version == exact:
                chosen = entry.metadata_file(
                    item.environment.python_version, item.environment.installs_wheel
                )
                if chosen is not None:
                    files[(name, version)] = chosen
                break
    bodies = fetch_metadata(files, sources=item.sources, workers=options.workers)
    return {pin: _requires_dist(body) for pin, body in bodies.items()}


def _requires_dist(metadata: bytes) -> tuple[str, ...]:
    """The ``Requires-Dist`` fields of a core metadata file, as written."""
    from email.parser import BytesHeaderParser

    message = BytesHeaderParser().parsebytes(metadata)
    values = message.get_all("Requires-Dist") or ()
    return tuple(" ".join(str(value).replace("\r", "").split("\n")).strip() for value in values)


def _relock_key(item: _Compared, choice: CompileOptions, report: ScanReport) -> str | None:
    """The key of ``item``'s re-lock verdict (:func:`lockmigrate.diff.cache.relock_key`):
    over its input, every file its service reads and its locks."""
    from lockmigrate.diff.cache import relock_key
    from lockmigrate.digest import inputs_digest

    source = _absolute(item.target.source)
    files = {source}
    if item.target.lock_path is not None:
        files.add(_absolute(item.target.lock_path))
    followed = False  # whether the files the source includes are among them
    for service in report.services:
        read = {_absolute(path) for path, _ in service.graph.files} if service.graph else set()
        listed = {_absolute(f.path) for f in service.files}
        if source in read or source in listed:
            followed = followed or source in read
            files |= read | listed
            files |= {_absolute(f.lock) for f in service.files if f.lock is not None}
            files |= {_absolute(f.input) for f in service.files if f.input is not None}
    included = ""
    if source.suffix != ".toml" and not followed:
        try:
            # the files it includes, wherever they are
            included = inputs_digest(source, parse=parse_bytes)
        except (OSError, LockmigrateError):
            return None
    return relock_key(
        files=files,
        lock=item.lock,
        options=choice,
        python_version=item.environment.python_version,
        index_lines=(*item.index_lines(), included),
    )


def _pages(
    item: _Compared, names: Iterable[str], options: DiffOptions
) -> dict[str, ProjectVersions]:
    """What the index says of each of ``names`` for ``item``: what the diff read, and the
    others read now (through the HTTP cache)."""
    available = item.available or {}
    wanted = set(names)
    missing = wanted - available.keys()
    found = {name: available[name] for name in wanted & available.keys()}
    if missing and item.sources is not None:
        found.update(
            fetch_versions(
                missing, sources=item.sources, cache_dir=options.cache_dir, workers=options.workers
            )
        )
    return found


def _pip_runs(
    groups: Mapping[tuple[tuple[str, ...], str], set[tuple[str, str]]],
) -> list[tuple[tuple[tuple[str, ...], str], list[tuple[str, str]]]]:
    """The pip runs that read ``groups`` (pins by index options and Python): one per group,
    more when a group wants two versions of one package, and up to four side by side for
    many packages on a machine with CPUs to spare."""
    runs: list[tuple[tuple[tuple[str, ...], str], list[tuple[str, str]]]] = []
    for key, pins in groups.items():
        layers: list[dict[str, str]] = []
        for name, version in sorted(pins):  # a layer holds one version of each package
            layer = next((each for each in layers if name not in each), None)
            if layer is None:
                layer = {}
                layers.append(layer)
            layer[name] = version
        for layer in layers:
            pins_of_layer = sorted(layer.items())
            # pip reads one package after another: with CPUs to spare, a few runs side by side
            parts = max(1, min(4, (os.cpu_count() or 1) // 2, len(pins_of_layer) // 4))
            runs += [(key, pins_of_layer[start::parts]) for start in range(parts)]
    return runs


def _read_holders_metadata(
    checked: Mapping[int, DiffSection],
    relocks: Mapping[int, Relock],
    compared: Sequence[_Compared],
    options: DiffOptions,
    collector: Collector,
) -> tuple[dict[int, dict[tuple[str, str], tuple[str, ...]]], set[int]]:
    """For each checked section, the ``Requires-Dist`` of the packages that may hold its rows
    back (:func:`lockmigrate.diff.metadata_wanted`): from the metadata files the index
    serves beside the wheels (PEP 658, :func:`_read_served_metadata`), and the others by
    pip: one run per index and Python (more when two sections want two versions of one
    package, and up to four side by side for many packages on a machine with CPUs to
    spare). A run that fails is a warning: those rows then say "held back by the other
    pins". Also returns the sections for which some run failed."""
    from concurrent.futures import ThreadPoolExecutor

    from lockmigrate.resolve import read_requirements, stop_all

    groups: dict[tuple[tuple[str, ...], str], set[tuple[str, str]]] = {}
    for position, section in checked.items():
        item = compared[position]
        wanted = metadata_wanted(section, relocks[position].lock)
        if wanted:
            key = (item.index_lines(), item.environment.python_version)
            groups.setdefault(key, set()).update(wanted)
    found = _read_served_groups(groups, [compared[position] for position in checked], options)
    runs = _pip_runs(groups)

    def run(
        key: tuple[tuple[str, ...], str], pins: list[tuple[str, str]]
    ) -> dict[tuple[str, str], tuple[str, ...]]:
        lines, python = key
        return read_requirements(pins, index_lines=lines, python_version=python)

    failed: set[tuple[tuple[str, ...], str]] = set()
    if runs:
        with ThreadPoolExecutor(max_workers=len(runs)) as pool:
            futures = [pool.submit(run, key, pins) for key, pins in runs]
            try:
                for (key, _), future in zip(runs, futures, strict=True):
                    try:
                        found.setdefault(key, {}).update(future.result())
                    except ExternalToolError as error:
                        failed.add(key)
                        collector.warning(
                            "holders-unknown",
                            "could not read what the packages that may cap others require, "
                            "so capped rows say 'held back by the other pins' without naming "
                            "them:\n  " + str(error).replace("\n", "\n  "),
                        )
            except BaseException:
                stop_all()  # interrupted: stop pip before waiting for the threads
                raise
    key_of = {
        position: (compared[position].index_lines(), compared[position].environment.python_version)
        for position in checked
    }
    return (
        {position: found.get(key, {}) for position, key in key_of.items()},
        {position for position, key in key_of.items() if key in failed},
    )


def _ask_index(
    loaded: Sequence[tuple[_Target, Lock]],
    options: DiffOptions,
    prefetched: VersionFetcher | None,
) -> tuple[dict[IndexSources, dict[str, ProjectVersions]], dict[int, IndexSources]]:
    """What the index offers for the packages of each loaded target, by the sources asked,
    and the sources of each target (by position)."""
    available: dict[IndexSources, dict[str, ProjectVersions]] = {}
    sources_of: dict[int, IndexSources] = {}
    wanted: dict[IndexSources, set[str]] = {}
    for position, (target, lock) in enumerate(loaded):
        lock_options = lock.index_options if not target.resolved else ()
        sources = IndexSources.from_pip((*target.options, *lock_options), base=target.source.parent)
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
    return available, sources_of


def run_diff(
    paths: Sequence[Path],
    *,
    options: DiffOptions,
    collector: Collector,
    prefetched: VersionFetcher | None = None,
) -> DiffReport:
    """Compare every declared input under ``paths`` with its lock and with the index.

    ``prefetched`` holds queries started early (:mod:`lockmigrate.diff.prefetch`): its
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
    if options.offline:
        targets, skipped = _locked_only(targets, collector)
    targets = _resolve(targets, report, options, collector)
    loaded = _loaded(targets)
    available, sources_of = ({}, {}) if options.offline else _ask_index(loaded, options, prefetched)
    compared = [
        _compared(target, lock, options, available, sources_of.get(position))
        for position, (target, lock) in enumerate(loaded)
    ]
    if options.relock_check and not options.offline:
        sections = _check_relocks(compared, report, options, collector)
    else:
        sections = [item.section for item in compared]
    if options.abi_check:
        sections = [
            _with_abi(section, item, options)
            for section, item in zip(sections, compared, strict=True)
        ]
    # an input the resolver failed on: its own section, no rows
    sections += [_failed_section(t, options) for t in targets if t.error is not None]
    order = {target.title: position for position, target in enumerate(targets)}
    sections.sort(key=lambda section: order.get(section.title, len(order)))
    shown = tuple(dict.fromkeys(url for sources in available for url in sources.shown))
    return DiffReport(
        sections=tuple(sections), offline=options.offline, index=shown, skipped=skipped
    )


def _with_abi(section: DiffSection, item: _Compared, options: DiffOptions) -> DiffSection:
    """``section`` with the NumPy ABI verdict on each compiled numpy dependent of its lock
    (:func:`lockmigrate.diff.abi.judge_lock`), and the packages it could not judge."""
    if not _locks_numpy_2(item.lock):
        return section  # the usual case: nothing of the ABI check is even imported
    from lockmigrate.diff.abi import judge_lock

    judged = judge_lock(
        item.lock,
        environment=item.environment,
        sources=item.sources,
        available=item.available,
        declared={d.name: d.specifier for d in item.target.declared if not d.constraint},
        cache_dir=options.cache_dir,
        offline=options.offline,
        workers=min(options.workers, 8),
    )
    if not judged.verdicts and not judged.unjudged:
        return section
    rows = tuple(
        replace(row, abi=judged.verdicts[row.name]) if row.name in judged.verdicts else row
        for row in section.rows
    )
    return replace(section, rows=rows, abi_unjudged=judged.unjudged)


def _locks_numpy_2(lock: Lock) -> bool:
    """Whether ``lock`` pins numpy 2 or newer: the only locks
    :func:`~lockmigrate.diff.abi.judge_lock` has anything to say about (it says so itself;
    asking first spares importing it, about 15 ms of a warm ``diff``)."""
    from packaging.version import InvalidVersion, Version

    for package in lock.packages:
        if package.name == "numpy" and package.version:
            try:
                return Version(package.version).major >= 2
            except InvalidVersion:
                return False  # judge_lock says nothing of it either
    return False


def _locked_only(
    targets: list[_Target], collector: Collector
) -> tuple[list[_Target], tuple[str, ...]]:
    """The targets that have a lock, and the titles of the others, each a warning: resolving
    asks the index, and --offline never touches the network."""
    skipped = tuple(t.title for t in targets if t.lock_path is None)
    for title in skipped:
        collector.warning(
            "offline-no-lock",
            f"{title}: no lock to compare with, and --offline does not resolve "
            "(lock it first, or drop --offline to resolve it now)",
        )
    kept = [t for t in targets if t.lock_path is not None]
    if not kept:
        raise InputError("--offline: nothing to compare: no lock beside " + ", ".join(skipped))
    return kept, skipped


def _loaded(targets: Sequence[_Target]) -> list[tuple[_Target, Lock]]:
    """Each target the resolver did not fail on, with its lock (read from its file when it
    was not resolved now)."""
    loaded: list[tuple[_Target, Lock]] = []
    for target in targets:
        if target.error is not None:
            continue
        lock = target.lock
        if lock is None:
            if target.lock_path is None:  # pragma: no cover - _resolve gave every target one
                raise InputError(f"{target.title}: no lock to compare with")
            lock = read_lock(target.lock_path, display=display_path(target.lock_path))
        loaded.append((target, lock))
    return loaded


def _compared(
    target: _Target,
    lock: Lock,
    options: DiffOptions,
    available: Mapping[IndexSources, Mapping[str, ProjectVersions]],
    found: IndexSources | None,
) -> _Compared:
    """``target`` and ``lock`` with the environment its markers are evaluated for and what
    the index offers (``found``: the sources asked for it)."""
    environment = target_environment(
        python_version=options.python_version,
        lock_python=lock.header.python_version,
        lowest_python=_lowest_python(target.requires_python or lock.requires_python),
    )
    return _Compared(
        target=target,
        lock=lock,
        environment=environment,
        available=available.get(found) if found is not None else None,
        sources=found,
    )


def _failed_section(target: _Target, options: DiffOptions) -> DiffSection:
    """The section of an input the resolver failed on: its error, no rows."""
    return DiffSection(
        title=target.title,
        declared_files=target.declared_files,
        lock=None,
        lock_kind=None,
        resolved=True,
        python=options.python_version,
        rows=(),
        error=target.error,
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


def run_lock_diff(
    old: str, new: Path, *, collector: Collector, cache_dir: Path | None = None
) -> LockDiffReport:
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
    report = diff_locks(old=old_lock, new=new_lock, declared=ranges, declared_files=files)
    return _locks_abi(report, old_lock, new_lock, new, ranges, cache_dir=cache_dir)


def _locks_abi(
    report: LockDiffReport,
    old: Lock,
    new: Lock,
    new_path: Path,
    ranges: Sequence[DeclaredRange],
    *,
    cache_dir: Path | None,
) -> LockDiffReport:
    """When numpy goes from 1.x to 2.x between the locks: every compiled numpy dependent of
    the new lock, and what it was built against (the index is asked, through the new lock's
    own index options)."""
    from lockmigrate.diff.abi import judge_lock

    def numpy_major(lock: Lock) -> int | None:
        pin = next((p for p in lock.packages if p.name == "numpy" and p.version), None)
        try:
            return int(pin.version.split(".")[0]) if pin and pin.version else None
        except ValueError:
            return None

    before, after = numpy_major(old), numpy_major(new)
    if before is None or after is None or not before < 2 <= after:
        return report
    judged = judge_lock(
        new,
        environment=target_environment(lock_python=new.header.python_version),
        sources=IndexSources.from_pip(new.index_options, base=new_path.parent),
        declared={r.name: r.specifier for r in ranges if not r.constraint},
        cache_dir=cache_dir,
        every_numpy=True,
    )
    return replace(report, abi=tuple(judged.verdicts.values()), abi_unjudged=judged.unjudged)
