"""The library entry points: what the CLI calls, usable without a terminal.

This module is lockmigrate's supported Python API (``docs/reference/api.md`` says what is
stable and how it may change): the functions in :data:`FUNCTIONS`, and the classes they take
and return, importable from here (:data:`TYPES`) wherever they live inside the package. The
classes are imported when first asked for, so ``import lockmigrate.api`` stays cheap.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, UsageError

# Each entry point imports what it needs when called: ``diff`` never pays for the
# pip-tools or Poetry targets, nor ``scan`` for the index.
if TYPE_CHECKING:
    from lockmigrate.check import CheckReport, Finding
    from lockmigrate.diagnostics import Diagnostic, Level
    from lockmigrate.diff.model import DiffReport, LockDiffReport
    from lockmigrate.import_check import ImportHooks
    from lockmigrate.index import ProjectVersions
    from lockmigrate.io import apply
    from lockmigrate.model.requirements import DeclaredRequirement, Option, RequirementFile
    from lockmigrate.model.services import ScannedFile, ScannedService, ScanReport
    from lockmigrate.plan import FileChange, Plan
    from lockmigrate.python_target import PythonTarget
    from lockmigrate.resolve import Backend, CompileOptions
    from lockmigrate.resolve.poetry_messages import PythonRangeConflict
    from lockmigrate.sources.discover import Exclude
    from lockmigrate.sources.settings import Settings, find_settings
    from lockmigrate.targets.pip_tools import MigrationResult, Progress
    from lockmigrate.targets.poetry import ConstraintStyle, Layout, PoetryOptions, PoetryResult
    from lockmigrate.targets.poetry import ServiceResult as PoetryServiceResult
    from lockmigrate.targets.uv import LockDifference, ServiceResult, UvOptions, UvResult
    from lockmigrate.targets.workflow import Integration, Tool

#: The entry points.
FUNCTIONS = (
    "apply_and_lock",
    "check",
    "diff",
    "diff_locks",
    "lock_poetry",
    "lock_uv",
    "scan",
    "to_pip_tools",
    "to_poetry",
    "to_uv",
    "workflow",
)
#: What they take and return, and what writes a plan: importable from here, each name from
#: the module that defines it today (which may change; this name will not).
TYPES = {
    "Backend": "lockmigrate.resolve",
    "CheckReport": "lockmigrate.check",
    "Collector": "lockmigrate.diagnostics",
    "CompileOptions": "lockmigrate.resolve",
    "ConstraintStyle": "lockmigrate.targets.poetry",
    "Diagnostic": "lockmigrate.diagnostics",
    "DiffReport": "lockmigrate.diff.model",
    "Exclude": "lockmigrate.sources.discover",
    "FileChange": "lockmigrate.plan",
    "Integration": "lockmigrate.targets.workflow",
    "Layout": "lockmigrate.targets.poetry",
    "Level": "lockmigrate.diagnostics",
    "LockDiffReport": "lockmigrate.diff.model",
    "LockDifference": "lockmigrate.targets.uv",
    "MigrationResult": "lockmigrate.targets.pip_tools",
    "Plan": "lockmigrate.plan",
    "PoetryOptions": "lockmigrate.targets.poetry",
    "PoetryResult": "lockmigrate.targets.poetry",
    "ScanReport": "lockmigrate.model.services",
    "Settings": "lockmigrate.sources.settings",
    "Tool": "lockmigrate.targets.workflow",
    "UvOptions": "lockmigrate.targets.uv",
    "UvResult": "lockmigrate.targets.uv",
    "apply": "lockmigrate.io",
    "find_settings": "lockmigrate.sources.settings",
}

__all__ = [  # FUNCTIONS and TYPES, written out for type checkers
    "Backend",
    "CheckReport",
    "Collector",
    "CompileOptions",
    "ConstraintStyle",
    "Diagnostic",
    "DiffReport",
    "Exclude",
    "FileChange",
    "Integration",
    "Layout",
    "Level",
    "LockDiffReport",
    "LockDifference",
    "MigrationResult",
    "Plan",
    "PoetryOptions",
    "PoetryResult",
    "ScanReport",
    "Settings",
    "Tool",
    "UvOptions",
    "UvResult",
    "apply",
    "apply_and_lock",
    "check",
    "diff",
    "diff_locks",
    "find_settings",
    "lock_poetry",
    "lock_uv",
    "scan",
    "to_pip_tools",
    "to_poetry",
    "to_uv",
    "workflow",
]


def __getattr__(name: str) -> object:
    """The classes of :data:`TYPES`, imported when first asked for (PEP 562)."""
    module = TYPES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


#: Keep-alive connections ``diff`` opens to each index, all served by one thread.
DIFF_WORKERS = 16


def _existing(paths: Sequence[Path]) -> list[Path]:
    from lockmigrate.io import recover_interrupted

    # a write an earlier run left half done is completed or undone first (a few stat calls)
    recover_interrupted(paths)
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise InputError(f"{missing[0]}: no such file or directory")
    return list(paths)


def _files_read(report: ScanReport) -> list[tuple[Path, bytes | None]]:
    """Every requirements file the scan read, as it read it: what a migration is made from
    (applying it checks that none changed while the resolver ran)."""
    return [(f.file.path, f.file.render()) for service in report.services for f in service.files]


def scan(
    paths: Sequence[Path] = (Path(),),
    *,
    collector: Collector | None = None,
    exclude: Exclude | None = None,
) -> ScanReport:
    """Find the requirement files under ``paths`` (skipping what ``exclude`` names when
    walking a folder), read them, and describe each service.

    Raises :class:`~lockmigrate.errors.InputError` for a malformed or unreadable file named
    in ``paths`` (:class:`~lockmigrate.errors.InputErrors` for several bad lines); a file
    found by walking that does not parse is skipped with an ``unreadable-file`` warning.
    """
    from lockmigrate.scan import scan_services
    from lockmigrate.sources.discover import discover

    collector = collector if collector is not None else Collector()
    found = discover(_existing(paths), collector, exclude=exclude)
    return scan_services(found, collector=collector)


def to_pip_tools(
    paths: Sequence[Path] = (Path(),),
    *,
    options: CompileOptions | None = None,
    collector: Collector | None = None,
    progress: Progress | None = None,
    keep_going: bool = False,
    exclude: Exclude | None = None,
    planned: Callable[[int], None] | None = None,
    also_pylock: bool = False,
) -> MigrationResult:
    """Plan the migration of every ranged requirements file under ``paths`` to pip-compile
    ``.in``/``.txt`` pairs. Runs the real resolver in a scratch tree; writes nothing (apply
    the returned plan with :func:`lockmigrate.io.apply`). With ``keep_going``, files that
    fail are listed in :attr:`MigrationResult.failures` and left out of the plan.

    With ``also_pylock``, each lock (compiled now, or already there) gets a PEP 751
    ``pylock.NAME.toml`` beside it, exported by uv from its pins (see
    :func:`lockmigrate.resolve.pylock.export_pylock`); a lock that holds local paths or
    editables gets none, with a ``pylock-skipped`` warning.

    ``planned`` hears how many locks will be compiled, before the first compile starts;
    ``progress`` hears ``(lock, "compiling")`` and ``(lock, "done")`` for each (from
    several threads at once).
    """
    from lockmigrate.resolve import CompileOptions
    from lockmigrate.sources.readers import readers
    from lockmigrate.targets.pip_tools import plan_pip_tools

    collector = collector if collector is not None else Collector()
    report = scan(paths, collector=collector, exclude=exclude)
    result = plan_pip_tools(
        report,
        options=options or CompileOptions(),
        collector=collector,
        readers=readers(),
        progress=progress,
        keep_going=keep_going,
        planned=planned,
    )
    plan = result.plan
    if also_pylock:
        plan = _with_pylocks(
            result, options or CompileOptions(), collector, index_lines=_index_lines(report)
        )
    return dataclasses.replace(
        result,
        plan=plan.reading(_files_read(report)),
        services=tuple(service.display for service in report.services),
    )


def _locks_of(result: MigrationResult) -> list[tuple[Path, str, bytes]]:
    """Every lock of ``result``: each compiled now, with its new content, and each already
    there, as it is on disk; as (path, shown, content)."""
    compiled = set(result.compiled)
    locks = [
        (change.path, change.display, change.after)
        for change in result.plan.changes
        if change.display in compiled and change.after is not None
    ]
    for shown in result.already_migrated:
        path = Path(shown)
        try:
            locks.append((path, shown, path.read_bytes()))
        except OSError as error:
            raise InputError(f"cannot read {shown}: {error.strerror}") from None
    return locks


def _pylock_source(path: Path, shown: str, content: bytes, collector: Collector) -> str | None:
    """The Python ``path``'s lock is for (its header's), or ``None`` and a warning when the
    lock holds what a ``pylock.toml`` made from a scratch copy cannot say: a local path or an
    editable, whose location is relative to the lock."""
    from lockmigrate.sources.locks.pip_compile import parse_lock_txt

    lock = parse_lock_txt(content, path=path, display=shown)
    local = [
        p.name
        for p in lock.packages
        if p.url is not None and (p.url.startswith("file:") or "://" not in p.url)
    ]
    if local or b"\n-e " in b"\n" + content:
        collector.warning(
            "pylock-skipped",
            f"{shown} holds editable or local-path requirements "
            f"({', '.join(local) or 'an -e line'}): no pylock.toml is exported for it "
            "(their paths are relative to the lock; `uv export --format pylock.toml` in "
            "the project writes one)",
        )
        return None
    return lock.header.python_version or ""


def _index_lines(report: ScanReport) -> dict[Path, tuple[str, ...]]:
    """The index options of each service of ``report`` as requirement lines (values as
    written, so that uv expands ``${TOKEN}`` itself), by the absolute path of each of its
    locks: a lock of pip-compile or uv keeps none of them, and its export needs the index."""
    from lockmigrate.sources.requirements import index_options

    found: dict[Path, tuple[str, ...]] = {}
    for service in report.services:
        lines: list[str] = []
        for scanned in service.files:
            for option in index_options(scanned.file):
                value = option.value
                if option.name == "--find-links" and value and "://" not in value:
                    local = scanned.path.parent / value
                    value = str(local.absolute()) if local.exists() else value
                lines.append(f"{option.name} {value}" if value is not None else option.name)
        for scanned in service.files:
            for lock in (scanned.lock, scanned.path):
                if lock is not None:
                    found[lock.absolute()] = tuple(dict.fromkeys(lines))
    return found


def _with_pylocks(
    result: MigrationResult,
    options: CompileOptions,
    collector: Collector,
    *,
    index_lines: dict[Path, tuple[str, ...]],
) -> Plan:
    """``result``'s plan with a ``pylock.toml`` beside each of its locks (in parallel: one uv
    process each), exported with the index options of the lock's service."""
    import sys
    from concurrent.futures import ThreadPoolExecutor

    from lockmigrate.plan import Plan
    from lockmigrate.resolve import stop_generation
    from lockmigrate.resolve.pylock import export_pylock
    from lockmigrate.sources.includes import display_path
    from lockmigrate.targets.pylock import pylock_change, pylock_path_for

    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    wanted: list[tuple[Path, str, bytes, str]] = []
    for path, shown, content in _locks_of(result):
        python = _pylock_source(path, shown, content, collector)
        if python is not None:
            indexes = "".join(f"{line}\n" for line in index_lines.get(path.absolute(), ()))
            wanted.append(
                (
                    path,
                    shown,
                    indexes.encode() + content,
                    python or options.python_version or running,
                )
            )
    generation = stop_generation()
    with ThreadPoolExecutor(max_workers=max(1, min(len(wanted), 4))) as pool:
        exported = list(
            pool.map(
                lambda item: export_pylock(
                    item[2], shown=item[1], python_version=item[3], generation=generation
                ),
                wanted,
            )
        )
    changes = list(result.plan.changes)
    for (path, _, _, _), body in zip(wanted, exported, strict=True):
        target = pylock_path_for(path)
        before = target.read_bytes() if target.is_file() else None
        changes.append(
            pylock_change(
                path, source=path.name, display=display_path(target), exported=body, before=before
            )
        )
    return Plan(tuple(changes), result.plan.made_from)


def to_poetry(
    paths: Sequence[Path] = (Path(),),
    *,
    options: PoetryOptions | None = None,
    collector: Collector | None = None,
    exclude: Exclude | None = None,
) -> PoetryResult:
    """Plan each service's ``pyproject.toml`` with Poetry dependencies and groups from its
    requirement files. Writes nothing (apply the plan with :func:`lockmigrate.io.apply`).

    Each service's package metadata is read first (what it publishes is never changed), and
    its Python is found by :func:`lockmigrate.python_target.find_python_target`, which may
    ask the package index what the ranges need."""
    from lockmigrate.sources.metadata import read_package_metadata
    from lockmigrate.sources.readers import readers
    from lockmigrate.targets.poetry import PoetryOptions, plan_poetry

    collector = collector if collector is not None else Collector()
    options = options or PoetryOptions()
    report = scan(paths, collector=collector, exclude=exclude)
    roots = [path.absolute() if path.is_dir() else path.absolute().parent for path in paths]

    python_target_of = _python_target_finder(
        report,
        roots,
        explicit=options.requires_python,
        with_cap=True,  # Poetry locks for every Python in the range at once
    )

    result = plan_poetry(
        report,
        options=options,
        collector=collector,
        metadata_of=lambda service: read_package_metadata(service.path, display=service.display),
        python_target_of=python_target_of,
        readers=readers(),
    )
    return dataclasses.replace(result, plan=result.plan.reading(_files_read(report)))


#: How many times ``poetry lock`` runs again after it named a package whose Python stops
#: below the project's range, with the range capped there (capping one package can show the
#: next); never more, so a lock that keeps failing fails.
POETRY_CAP_RETRIES = 2


def lock_poetry(
    result: PoetryResult,
    written: Sequence[FileChange],
    *,
    progress: Callable[[str, str], None] | None = None,
    collector: Collector | None = None,
) -> tuple[FileChange, ...]:
    """Run ``poetry lock`` for each service of ``result`` whose ``pyproject.toml`` was just
    written (``written``: what :func:`lockmigrate.io.apply` wrote); all or nothing: when a
    lock fails (or the run is interrupted), every file of ``written`` and every
    ``poetry.lock`` is put back as it was, and the error raised. ``progress`` hears
    ``(pyproject, state)``: state ``locking``, then ``done`` or ``failed``. Raises
    :class:`~lockmigrate.errors.ExternalToolError` when Poetry is missing or fails.

    When ``poetry lock`` fails because a package (a dependency of the ranges the index
    was not asked about) allows only Pythons below some version, the ``pyproject.toml``
    just written gets that cap in ``[tool.poetry.dependencies] python``, as a cap the
    index showed would have (a ``poetry-python-cap`` note in ``collector``), and ``poetry
    lock`` runs again (at most :data:`POETRY_CAP_RETRIES` times). A range that would have
    to start higher is never changed: the error says what to run.

    Returns the ``poetry.lock`` files written, then each ``pyproject.toml`` of ``written``
    written again with a cap (from what it held before ``written``: it replaces that file's
    entry of ``written``, as :func:`apply_and_lock` does)."""
    from lockmigrate.io import revert

    before = _contents([Path(s.pyproject).parent / "poetry.lock" for s in result.services])
    collector = collector if collector is not None else Collector()
    current = {change.path.resolve(): change for change in written}
    try:
        for service in result.services:
            if progress is not None:
                progress(service.pyproject, "locking")
            try:
                _lock_with_cap(service, current, collector)
            except BaseException:
                if progress is not None:
                    progress(service.pyproject, "failed")
                raise
            if progress is not None:
                progress(service.pyproject, "done")
    except BaseException:
        # all or nothing: a failed lock leaves every file as it was, the locks before it too
        revert([*current.values(), *_written_since(before, "poetry lock")])
        raise
    locks = [change for change in _written_since(before, "poetry lock") if change.changed]
    capped = [change for change in current.values() if change not in written]
    return (*locks, *capped)


def _lock_with_cap(
    service: PoetryServiceResult, current: dict[Path, FileChange], collector: Collector
) -> None:
    """``poetry lock`` for ``service``; when it names a package whose Python stops below the
    range, its ``pyproject.toml`` (``current``: what each written file holds now, updated)
    is written again with the range capped there, and the lock run again."""
    from lockmigrate.io import apply
    from lockmigrate.plan import Plan
    from lockmigrate.resolve.poetry import PoetryLockError, poetry_lock

    folder = Path(service.pyproject).parent
    pyproject = (folder / "pyproject.toml").resolve()
    tried: str | None = None
    for attempt in range(POETRY_CAP_RETRIES + 1):
        try:
            poetry_lock(folder, requires_python=service.requires_python)
            return
        except PoetryLockError as error:
            if error.conflict is None:
                raise
            conflict = error.conflict
            change = current.get(pyproject)  # None: this run did not write it
            capped = (
                _with_cap(change, conflict, collector)
                if change is not None and attempt < POETRY_CAP_RETRIES
                else None
            )
            if change is None or capped is None:
                message = _python_range_error(
                    service.pyproject, conflict, tried=tried, written=change is not None
                )
                raise PoetryLockError(message, conflict=conflict) from None
            rewrite = dataclasses.replace(
                change, before=change.after, after=capped, reason="Python cap for poetry lock"
            )
            try:
                apply(Plan((rewrite,)))
            finally:  # even on Ctrl-C, what is put back is what the file holds
                if _read_or_none(change.path) == capped:
                    current[pyproject] = dataclasses.replace(change, after=capped)
            tried = conflict.capped


def _with_cap(
    change: FileChange, conflict: PythonRangeConflict, collector: Collector
) -> bytes | None:
    """The ``pyproject.toml`` ``change`` wrote, with the cap ``conflict`` calls for (``None``
    when there is none, or nothing to change: see
    :func:`lockmigrate.targets.poetry.pyproject_edit.cap_lock_python`)."""
    from lockmigrate.model.python import PythonCap
    from lockmigrate.targets.poetry.pyproject_edit import cap_lock_python

    if conflict.below is None or change.after is None:
        return None
    return cap_lock_python(
        change.after,
        before=change.before,
        display=change.display,
        cap=PythonCap(
            below=conflict.below, requirement=f"{conflict.package} (a dependency of the ranges)"
        ),
        why=f"poetry lock: {conflict.package} requires Python {conflict.package_requires}",
        collector=collector,
    )


def _python_range_error(
    pyproject: str, conflict: PythonRangeConflict, *, tried: str | None, written: bool
) -> str:
    """A short error for a ``poetry lock`` that failed on the project's Python range, in
    place of Poetry's whole derivation: which packages, and what to run. ``tried``: the
    range lockmigrate capped to before; ``written``: whether this run wrote ``pyproject``."""
    folder = Path(pyproject).parent.as_posix()
    said = "\n".join(
        f"  - {name} requires Python {python}"
        for name, python in list(dict.fromkeys(conflict.requirements))[:5]
    )
    lines = [
        f"poetry lock failed in {folder}: Poetry locks for every Python the project allows "
        f"({conflict.project}), and packages the ranges depend on allow less:\n{said}"
    ]
    if tried is not None:
        lines.append(
            f"lockmigrate capped [tool.poetry.dependencies] python to {tried!r} for an "
            "earlier package, and poetry lock still fails (every file is put back)."
        )
    if conflict.below is None:
        lines.append(
            f"{conflict.package} needs a newer Python than the range starts at, and "
            "lockmigrate only ever caps a range from above: raise the project's Python "
            f"(--python-version '{conflict.suggested}' writes requires-python = "
            f"'{conflict.suggested}'), or narrow the requirement that pulls "
            f"{conflict.package} in to releases that install on {conflict.project}"
        )
    else:
        why = (
            "already has its own [tool.poetry.dependencies] python, which is kept"
            if written
            else "was not written by this run, and is left as it is"
        )
        lines.append(
            f"{pyproject} {why}: set [tool.poetry.dependencies] python = "
            f"{conflict.capped!r} there (only Poetry reads it), or run with --python-version "
            f"'{conflict.capped}' (which writes requires-python = '{conflict.capped}' too)"
            if tried is None
            else f"Cap it below Python {conflict.below} by hand: [tool.poetry.dependencies] "
            f"python = {conflict.capped!r}, or narrow the requirement that pulls "
            f"{conflict.package} in"
        )
    return "\n".join(lines)


def to_uv(
    paths: Sequence[Path] = (Path(),),
    *,
    options: UvOptions | None = None,
    collector: Collector | None = None,
    exclude: Exclude | None = None,
) -> UvResult:
    """Plan each service's ``pyproject.toml`` for uv: ``[project] dependencies``, one PEP
    735 dependency group per other role, ``[[tool.uv.index]]``, ``[tool.uv.sources]`` and
    the ``[tool.uv]`` settings its requirement files ask for (with ``options.workspace``,
    also a workspace root). Writes nothing (apply the plan with :func:`lockmigrate.io.apply`,
    then :func:`lock_uv`). The Python each service targets is found as for
    :func:`to_poetry`."""
    from lockmigrate.sources.metadata import read_package_metadata
    from lockmigrate.sources.readers import readers
    from lockmigrate.targets.uv import UvOptions, plan_uv
    from lockmigrate.targets.uv.workspace import workspace_root

    collector = collector if collector is not None else Collector()
    options = options or UvOptions()
    report = scan(paths, collector=collector, exclude=exclude)
    roots = [path.absolute() if path.is_dir() else path.absolute().parent for path in paths]
    if options.workspace and options.workspace_root is None:
        options = dataclasses.replace(options, workspace_root=workspace_root(roots))

    python_target_of = _python_target_finder(report, roots, explicit=options.requires_python)

    result = plan_uv(
        report,
        options=options,
        collector=collector,
        metadata_of=lambda service: read_package_metadata(service.path, display=service.display),
        python_target_of=python_target_of,
        readers=readers(),
    )
    return dataclasses.replace(result, plan=result.plan.reading(_files_read(report)))


def apply_and_lock(
    plan: Plan,
    *,
    lock: Callable[[tuple[FileChange, ...]], Sequence[FileChange]] | None = None,
    workflow: Callable[[], Plan] | None = None,
    dry_run: bool = False,
) -> tuple[Plan, tuple[FileChange, ...], tuple[FileChange, ...]]:
    """Write ``plan`` (of :func:`to_poetry` or :func:`to_uv`), then ``lock`` what was
    written (:func:`lock_poetry` or :func:`lock_uv` for the same result: each puts every
    file back when it fails, and returns the lock files it wrote, and any file of the plan
    it wrote again, which takes that file's place among the files written), then the files
    of ``workflow()``: ``plan`` with those of ``--with`` added (:func:`workflow`).

    With ``lock``, the workflow files are planned once every lock is written: Dependabot's
    and Renovate's groups hold what each lock locks, so that a later run finds them as it
    would write them. All or nothing: when planning or writing them fails (or the run is
    interrupted), every file written and every lock is put back, and the error raised.
    Returns the whole plan, the files written (the locks aside) and the locks written; with
    ``dry_run``, the whole plan only (the workflow files planned from the locks as they are
    now), nothing written or locked."""
    if dry_run:  # nothing written or locked: the workflow files as the locks are now
        return (workflow() if workflow is not None else plan), (), ()
    from lockmigrate.io import apply, revert
    from lockmigrate.plan import Plan

    if lock is None:
        whole = workflow() if workflow is not None else plan
        return whole, apply(whole), ()
    written = apply(plan)
    locked = tuple(lock(written))
    # a file of the plan the lock step wrote again (lock_poetry: a Python cap) is one change
    again = {change.path: change for change in locked if change.path in {c.path for c in written}}
    written = tuple(again.get(change.path, change) for change in written)
    locked = tuple(change for change in locked if change.path not in again)
    if workflow is None:
        return plan, written, locked
    try:
        whole = workflow()
        also = apply(Plan(whole.changes[len(plan.changes) :]))
    except BaseException:
        revert([*written, *locked])  # all or nothing: every file as it was
        raise
    return whole, (*written, *also), locked


def _python_target_finder(
    report: ScanReport, roots: Sequence[Path], *, explicit: str | None, with_cap: bool = False
) -> Callable[[ScannedService, Sequence[DeclaredRequirement], Sequence[Option]], PythonTarget]:
    """How ``to_poetry`` and ``to_uv`` find the Python each service of ``report`` targets:
    :func:`lockmigrate.python_target.find_python_target`, searching for ``.python-version``
    up to the innermost of ``roots`` (the folders given) that holds the service, and asking
    the index once for every service's names (:func:`_run_wide_fetch`)."""
    from lockmigrate.python_target import find_python_target
    from lockmigrate.sources.includes import display_path

    fetch = _run_wide_fetch(report)

    def python_target_of(
        service: ScannedService,
        requirements: Sequence[DeclaredRequirement],
        index_options: Sequence[Option],
    ) -> PythonTarget:
        folder = service.path.absolute()
        inside = [r for r in roots if r == folder or r in folder.parents]
        return find_python_target(
            service.path,
            requirements=requirements,
            options=index_options,
            explicit=explicit,
            root=max(inside, key=lambda r: len(r.parts)) if inside else None,
            display=display_path,
            with_cap=with_cap,
            fetch=fetch,
        )

    return python_target_of


def _run_wide_fetch(
    report: ScanReport,
) -> Callable[[Sequence[str], Sequence[Option]], Mapping[str, ProjectVersions]]:
    """How each service's Python target asks the index: the first service to ask, asks for
    the names of every service of ``report`` at once (in parallel), and the others find
    theirs already answered. The index's pages are asked again on every run (PyPI's CDN
    serves them with little freshness left), so asking once per service cost a round of
    requests each: 0.5 s a service on the decision record."""
    from lockmigrate.index import IndexSources, default_cache_dir, fetch_versions

    everyone = sorted(
        {
            requirement.name
            for service in report.services
            for scanned in service.files
            for requirement in scanned.file.requirements
            if requirement.name is not None
        }
    )
    answered: dict[tuple[tuple[str, str | None], ...], dict[str, ProjectVersions]] = {}

    def fetch(names: Sequence[str], options: Sequence[Option]) -> Mapping[str, ProjectVersions]:
        key = tuple((option.name, option.value) for option in options)
        known = answered.setdefault(key, {})
        missing = [name for name in names if name not in known]
        if missing:
            asked = sorted({*missing, *everyone}) if not known else missing
            sources = IndexSources.from_pip(options)
            known.update(fetch_versions(asked, sources=sources, cache_dir=default_cache_dir()))
        return {name: known[name] for name in names if name in known}

    return fetch


def lock_uv(
    result: UvResult,
    written: Sequence[FileChange],
    *,
    collector: Collector | None = None,
    progress: Callable[[str, str], None] | None = None,
) -> tuple[tuple[FileChange, ...], list[LockDifference]]:
    """Run ``uv lock`` in each service of ``result`` (once at the workspace root with
    ``--workspace``) after ``written`` (what :func:`lockmigrate.io.apply` wrote); all or
    nothing: when a lock fails (or the run is interrupted), every file of ``written`` and
    every ``uv.lock`` written so far is put back as it was, and the error raised.

    Returns the ``uv.lock`` files written, and each direct dependency that ``uv.lock``
    locks at another version than a pip-compile lock found beside the service's files
    (also a ``uv-lock-differs`` warning at the pin's line). ``progress`` hears
    ``(folder, state)``: ``locking``, then ``done`` or ``failed``. Raises
    :class:`~lockmigrate.errors.ExternalToolError` when uv is missing or fails."""
    from lockmigrate.io import revert

    collector = collector if collector is not None else Collector()
    folders = (
        [Path(result.workspace).absolute().parent]
        if result.workspace is not None
        else [service.folder.absolute() for service in result.services]
    )
    try:
        locked = _uv_locks(folders, progress)  # puts back every uv.lock when one fails
    except BaseException:
        revert(written)  # all or nothing: every file as it was
        raise
    lock_of = {change.path.parent: change for change in locked}
    differences = [
        difference
        for service in result.services
        for difference in _uv_lock_differences(service, lock_of, collector)
    ]
    return tuple(change for change in locked if change.changed), differences


def _uv_locks(
    folders: Sequence[Path], progress: Callable[[str, str], None] | None
) -> list[FileChange]:
    """``uv lock`` in each of ``folders``, side by side (each waits on the index, not on the
    processor): the ``uv.lock`` each wrote, in the order of ``folders``. When one fails (or
    the run is interrupted), the others are stopped, each ``uv.lock`` is put back, and the
    error is raised."""
    from concurrent.futures import ThreadPoolExecutor

    from lockmigrate.io import revert
    from lockmigrate.plan import FileChange
    from lockmigrate.resolve import stop_all, stop_generation
    from lockmigrate.resolve.uv import uv_lock
    from lockmigrate.sources.includes import display_path

    before = _contents([folder / "uv.lock" for folder in folders])
    generation = stop_generation()

    def lock(folder: Path) -> FileChange:
        shown = display_path(folder / "uv.lock")
        if progress is not None:
            progress(shown, "locking")
        try:
            uv_lock(folder, generation=generation)
        except BaseException:
            if progress is not None:
                progress(shown, "failed")
            raise
        if progress is not None:
            progress(shown, "done")
        return FileChange(
            path=folder / "uv.lock",
            display=shown,
            before=before[folder / "uv.lock"],
            after=(folder / "uv.lock").read_bytes(),
            reason="uv lock",
        )

    with ThreadPoolExecutor(max_workers=max(1, min(len(folders), 4))) as pool:
        futures = [pool.submit(lock, folder) for folder in folders]
        try:
            return [future.result() for future in futures]
        except BaseException:
            stop_all()  # a failure or Ctrl-C: end the other locks, start none
            for future in futures:
                future.cancel()
            # every uv.lock as it was, written by a lock that ended or not
            revert(_written_since(before, "uv lock"))
            raise


def _contents(paths: Sequence[Path]) -> dict[Path, bytes | None]:
    """What each of ``paths`` holds before a resolver writes it (``None``: no file)."""
    return {path: path.read_bytes() if path.exists() else None for path in paths}


def _written_since(before: Mapping[Path, bytes | None], reason: str) -> list[FileChange]:
    """Each file of ``before`` (as :func:`_contents` read it) from then to now, whatever
    wrote it (``reason``: the resolver), for :func:`lockmigrate.io.revert` to put back."""
    from lockmigrate.plan import FileChange
    from lockmigrate.sources.includes import display_path

    return [
        FileChange(
            path=path,
            display=display_path(path),
            before=content,
            after=_read_or_none(path),
            reason=reason,
        )
        for path, content in before.items()
    ]


def _read_or_none(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _uv_lock_differences(
    service: ServiceResult, lock_of: dict[Path, FileChange], collector: Collector
) -> list[LockDifference]:
    """What :func:`lock_uv` says of one service: its direct dependencies whose version in
    ``uv.lock`` is not the one its pip-compile locks pin."""
    from lockmigrate.sources.includes import display_path
    from lockmigrate.sources.locks.read import read_lock
    from lockmigrate.sources.locks.uv_lock import uv_lock_versions
    from lockmigrate.targets.uv import compare_pins

    if not service.pip_compile_locks or not lock_of:
        return []
    # the service's own uv.lock, or the workspace's
    change = lock_of.get(service.folder.absolute()) or next(iter(lock_of.values()))
    versions = uv_lock_versions(change.after or b"", display=change.display)
    locks = [read_lock(path, display=display_path(path)) for path in service.pip_compile_locks]
    differences = compare_pins(service.direct, versions, locks)
    for difference in differences:
        collector.warning(
            "uv-lock-differs",
            f"{difference.name}: uv.lock has {', '.join(difference.uv) or 'no version'} where "
            f"this pip-compile lock pins {difference.pip_compile} (uv takes a package from the "
            "first index that has it, and locks for every Python the project allows)",
            difference.origin,
        )
    return differences


def diff(
    paths: Sequence[Path] = (Path(),),
    *,
    lock: Path | None = None,
    resolve: bool = False,
    offline: bool = False,
    python_version: str | None = None,
    backend: Backend | None = None,
    relock_check: bool = True,
    cache_dir: Path | None = None,
    collector: Collector | None = None,
    progress: Callable[[str], None] | None = None,
    exclude: Exclude | None = None,
    abi_check: bool = True,
) -> DiffReport:
    """Compare each declared input under ``paths`` (ranged requirements files, ``.in``
    files, ``pyproject.toml``) with its lock (``lock``, else the ``.txt`` beside a ``.in``,
    ``poetry.lock``, ``pylock.toml``; else resolved now, or always with ``resolve``) and,
    unless ``offline``, with the versions the package index offers. ``offline`` never
    resolves: an input without a lock is left out (:attr:`DiffReport.skipped`, warning
    ``offline-no-lock``). Writes nothing.

    An input resolved now uses ``backend`` when given, else the resolver its own lock's
    header names, else the one every lock of the tree names, else pip-tools. An input the
    resolver fails on is a section with an ``error`` (:attr:`DiffReport.resolve_errors`),
    the others are still compared; ``progress`` hears a line as each input is resolved.
    Markers are evaluated for each lock's environment (``python_version``, else its header,
    else ``requires-python``, else this interpreter; this platform).

    With ``relock_check`` (and not ``offline``), each input with a ``behind`` or
    ``unguarded`` row is re-locked with upgrades allowed (one resolver run per input, with
    ``backend`` when given, else uv when installed, else pip-tools), so that a package no
    re-lock would move reads ``capped``, with what holds it; when that fails, a warning says
    so and the rows keep the statuses the ranges alone give.

    With ``abi_check``, each lock with numpy 2.x has its compiled numpy dependents judged
    (:mod:`lockmigrate.diff.abi`): a package whose wheel is built for NumPy 1.x has the
    ``abi-break`` flag and an :class:`~lockmigrate.diff.model.AbiVerdict` naming the binary
    and the fix; ``offline`` uses only verdicts cached by an earlier run.

    What ``exclude`` names is skipped when walking a folder, as by :func:`scan`.
    ``cache_dir`` defaults to :func:`lockmigrate.index.default_cache_dir`. Raises
    :class:`~lockmigrate.errors.InputError` for bad input; a package the index fails on is
    a row with an ``error``, not an exception.
    """
    from lockmigrate.diff.prefetch import start_prefetch
    from lockmigrate.index import default_cache_dir

    existing = _existing(paths)
    cache = cache_dir if cache_dir is not None else default_cache_dir()
    # The index starts answering while the inputs are imported, read and checked.
    prefetch = (
        None
        if offline or resolve
        else start_prefetch(
            existing, lock=lock, cache_dir=cache, workers=DIFF_WORKERS, exclude=exclude
        )
    )
    try:
        from lockmigrate.diff.inputs import DiffOptions, run_diff
        from lockmigrate.resolve import Backend, CompileOptions

        options = DiffOptions(
            lock=lock,
            resolve=resolve,
            offline=offline,
            python_version=python_version,
            compile=CompileOptions(
                backend=backend or Backend.PIP_TOOLS,
                python_version=python_version if backend in {Backend.UV, None} else None,
            ),
            resolver_given=backend is not None,
            relock_check=relock_check,
            cache_dir=cache,
            workers=DIFF_WORKERS,
            progress=progress,
            exclude=exclude,
            abi_check=abi_check,
        )
        report = run_diff(
            existing,
            options=options,
            collector=collector if collector is not None else Collector(),
            prefetched=prefetch,
        )
    except BaseException:
        if prefetch is not None:
            prefetch.close(wait=False)  # bad input or an interrupt: its answers are not needed
        raise
    if prefetch is not None:
        prefetch.close()
    return report


def diff_locks(
    old: str | Path,
    new: Path,
    *,
    collector: Collector | None = None,
    cache_dir: Path | None = None,
) -> LockDiffReport:
    """What changed from lock ``old`` (a lock file, or a git revision of ``new`` such as
    ``HEAD~1``) to lock ``new``, each change checked against the ranges declared beside
    ``new`` (its ``.in`` or ``pyproject.toml``). Asks the index only when numpy goes from
    1.x to 2.x: then every compiled numpy dependent of ``new`` is judged
    (:attr:`LockDiffReport.abi`, verdicts cached under ``cache_dir``, by default
    :func:`lockmigrate.index.default_cache_dir`)."""
    from lockmigrate.diff.inputs import run_lock_diff
    from lockmigrate.index import default_cache_dir
    from lockmigrate.io import recover_interrupted

    recover_interrupted([new])
    return run_lock_diff(
        str(old),
        new,
        collector=collector if collector is not None else Collector(),
        cache_dir=cache_dir if cache_dir is not None else default_cache_dir(),
    )


def check(
    paths: Sequence[Path] = (Path(),),
    *,
    options: CompileOptions | None = None,
    full: bool = False,
    collector: Collector | None = None,
    exclude: Exclude | None = None,
    progress: Progress | None = None,
    planned: Callable[[int], None] | None = None,
    imports: ImportHooks | None = None,
) -> CheckReport:
    """Check every migrated service under ``paths``: locks fresh, pins in range (markers
    evaluated for the Python each lock's header names), layered files consistent, no
    committed credentials, no file with ranges left without a lock (``unlocked``). A stale
    lock is re-locked with ``options``, or when ``None`` with the resolver its header names
    (uv or pip-compile). What ``exclude`` names is skipped when walking a folder (as by
    :func:`scan`), and the requirements files it left out are listed in
    :attr:`CheckReport.excluded`. Writes nothing.

    Raises :class:`~lockmigrate.errors.UsageError` when there is nothing to check: no lock
    and no file with ranges under ``paths`` (a gate that checked nothing must not pass).

    ``planned`` and ``progress`` hear of the locks re-resolved, as for :func:`to_pip_tools`
    (nothing when every input digest matches).

    Given ``imports`` (the hooks a display hears, :class:`ImportHooks()
    <lockmigrate.import_check.ImportHooks>` for none), each pip-compile lock is also
    installed exactly into a throwaway environment (uv) and every module it installs is
    imported: each failure is an ``import`` finding at the lock line that pins it, and
    :attr:`CheckReport.imports` counts what imported, failed or was skipped."""
    from lockmigrate.check import run_check
    from lockmigrate.scan import scan_services
    from lockmigrate.sources.discover import (
        discover,
        find_locked_projects,
        role_for,
        service_dir_for,
    )
    from lockmigrate.sources.includes import display_path

    collector = collector if collector is not None else Collector()
    existing = _existing(paths)
    skipped: list[Path] = []
    services = discover(existing, collector, exclude=exclude, skipped=skipped)
    report = scan_services(services, collector=collector)
    result = run_check(
        report,
        options=options,
        full=full,
        collector=collector,
        progress=progress,
        planned=planned,
        imports=imports,
        projects=find_locked_projects(existing, exclude=exclude),
        # in the order discover() gives files: by service, its main file first
        excluded=[
            display_path(path)
            for path in sorted(
                set(skipped),
                key=lambda p: (service_dir_for(p), role_for(p) != "main", p.name),
            )
        ],
    )
    if not result.locks and not result.unlocked and not result.findings:
        raise UsageError(_nothing_to_check(existing, report, result.excluded))
    return _with_abi_findings(result, report, collector)


def _with_abi_findings(
    result: CheckReport, report: ScanReport, collector: Collector
) -> CheckReport:
    """``result`` with an ``abi-break`` finding for each package of a pip-compile lock with
    numpy 2.x whose wheel is built for NumPy 1.x (:mod:`lockmigrate.diff.abi`); a package
    the check could not judge is a warning.

    The findings on a lock whose input digest matched (:attr:`CheckReport.trusted`) are kept
    by the lock's bytes (:mod:`lockmigrate.diff.lock_abi_cache`): the next ``check`` of the
    same lock replays them without importing the ABI check or the index client."""
    from lockmigrate.model.services import FileFormat

    candidates = [
        scanned
        for service in report.services
        for scanned in service.files
        if scanned.format is FileFormat.PIP_TOOLS_LOCK
        and scanned.input is not None
        and _pins_numpy_2(scanned.file)
        and scanned.input.is_file()
    ]
    if not candidates:
        return result  # the usual case: nothing of the ABI check is even imported
    import time

    from lockmigrate.check import Finding
    from lockmigrate.diff.lock_abi_cache import kept_findings, lock_key, store_findings
    from lockmigrate.model.requirements import Origin
    from lockmigrate.paths import default_cache_dir

    cache_dir = default_cache_dir()
    now = time.time()
    findings: list[Finding] = []
    for scanned in candidates:
        # a trusted lock's bytes record the digest of its .in and of what that includes
        trusted = scanned.file.display in result.trusted
        key = lock_key(scanned.path.read_bytes()) if trusted else None
        kept = kept_findings(cache_dir, key, now=now) if key is not None else None
        if kept is not None:
            findings += [
                Finding(
                    code="abi-break",
                    message=message,
                    origin=Origin(path=scanned.file.display, line=line, end_line=end_line),
                )
                for message, line, end_line in kept
            ]
            continue
        heard = Collector()
        judged = _abi_findings(scanned, heard, cache_dir)
        collector.extend(heard.items)
        findings += judged
        if key is not None and not heard.items:  # a package not judged: judge again next time
            store_findings(
                cache_dir,
                key,
                [
                    (f.message, f.origin.line, f.origin.end_line)
                    for f in judged
                    if f.origin is not None
                ],
                now=now,
            )
    if not findings:
        return result
    return dataclasses.replace(result, findings=(*result.findings, *findings))


def _abi_findings(scanned: ScannedFile, collector: Collector, cache_dir: Path) -> list[Finding]:
    """The ``abi-break`` findings on one pip-compile lock, judged now (asking the index for
    what the ABI check's own cache does not hold)."""
    from lockmigrate.check import Finding
    from lockmigrate.diff.abi import describe
    from lockmigrate.diff.declared import judge_pip_compile_lock
    from lockmigrate.model.requirements import Origin

    assert scanned.input is not None  # noqa: S101 - candidates have an input
    lock, judged = judge_pip_compile_lock(
        scanned.path, scanned.input, collector=collector, cache_dir=cache_dir
    )
    lines = {p.name: p.origin for p in lock.packages}
    findings = [
        Finding(
            code="abi-break",
            message=f"{verdict.name}=={verdict.version}: {describe(verdict)}",
            origin=lines.get(verdict.name) or Origin(path=scanned.file.display, line=1),
        )
        for verdict in judged.verdicts.values()
        if verdict.breaks
    ]
    if judged.unjudged:
        collector.warning(
            "abi-unjudged",
            f"{scanned.file.display}: the NumPy ABI check could not judge "
            + "; ".join(judged.unjudged),
        )
    return findings


def _pins_numpy_2(file: RequirementFile) -> bool:
    """Whether the lock ``file`` pins numpy 2 or newer (``numpy==2.0.2``): the only locks the
    NumPy ABI check has anything to say about."""
    from packaging.version import InvalidVersion, Version

    for requirement in file.requirements:
        if requirement.name == "numpy" and requirement.specifier.startswith("=="):
            try:
                return Version(requirement.specifier.lstrip("=").split(",")[0]).major >= 2
            except InvalidVersion:
                return False
    return False


def _nothing_to_check(paths: Sequence[Path], report: ScanReport, excluded: Sequence[str]) -> str:
    """Why ``check`` found nothing to check, and where it looked."""
    from lockmigrate.sources.includes import display_path

    searched = ", ".join(display_path(path) or "." for path in paths)
    read = [f.file.display for service in report.services for f in service.files]
    message = (
        f"nothing to check in {searched}: no pip-compile lock (a .txt with its .in), no "
        "poetry.lock or uv.lock beside a pyproject.toml, and no requirements file with ranges "
        "(requirements*.txt, *.in, requirements/*.txt) was found"
    )
    if read:
        shown = ", ".join(read[:5]) + (f" and {len(read) - 5} more" if len(read) > 5 else "")
        message += f"; the requirement files found pin exact versions or are constraints: {shown}"
    if excluded:
        shown = ", ".join(excluded[:5]) + (
            f" and {len(excluded) - 5} more" if len(excluded) > 5 else ""
        )
        message += (
            f"; [tool.lockmigrate] exclude or --exclude left out {len(excluded)} file(s): {shown}"
        )
    return message


def workflow(
    integrations: Sequence[Integration],
    *,
    tool: Tool,
    plan: Plan,
    paths: Sequence[Path] = (Path(),),
    rerun: Sequence[str] = (),
    lockmigrate_requirement: str | None = None,
    collector: Collector | None = None,
    exclude: Exclude | None = None,
    uv_result: UvResult | None = None,
) -> Plan:
    """``plan`` (of :func:`to_pip_tools`, :func:`to_poetry` or :func:`to_uv` on ``paths``;
    for uv, ``uv_result`` is what :func:`to_uv` answered) with the files ``integrations``
    need appended: Dependabot, Renovate, make, pre-commit and GitHub Actions configuration
    for the migrated services, at the repository root (with ``--workspace``, for the one
    project at the workspace root). Existing files are only added to; what cannot be added
    is a diagnostic. ``rerun`` holds the
    options to repeat in the commands these files run (``--generate-hashes``).
    ``lockmigrate_requirement`` is how the pre-commit hook and the CI workflow install
    lockmigrate (default: the release line of the running version; see
    :mod:`lockmigrate.targets.self_install`). Writes nothing."""
    from lockmigrate.plan import Plan
    from lockmigrate.sources.readers import readers
    from lockmigrate.targets.self_install import installed_self
    from lockmigrate.targets.workflow import (
        Tool,
        pip_tools_setup,
        plan_workflow,
        poetry_setup,
        uv_setup,
    )

    collector = collector if collector is not None else Collector()
    if tool is Tool.PIP_TOOLS:
        # the run's own diagnostics were reported already: scan again without them
        setup = pip_tools_setup(
            scan(paths, collector=Collector(), exclude=exclude),
            plan,
            readers=readers(),
            rerun=rerun,
        )
    elif tool is Tool.POETRY:
        setup = poetry_setup(plan, readers=readers(), rerun=rerun)
    else:
        if uv_result is None:
            raise TypeError("workflow(tool=Tool.UV) needs the uv_result of to_uv")
        setup = uv_setup(
            plan,
            pyprojects=[service.folder / "pyproject.toml" for service in uv_result.services],
            workspace=Path(uv_result.workspace) if uv_result.workspace is not None else None,
            readers=readers(),
            rerun=rerun,
        )
    install = installed_self(lockmigrate_requirement)
    changes = plan_workflow(setup, integrations, collector=collector, install=install)
    return Plan((*plan.changes, *changes), plan.made_from)
