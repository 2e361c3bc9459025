"""``lockmigrate to-poetry``: a service's requirement files become its ``pyproject.toml``.

The main (prod) requirements become the main dependencies; every other role becomes a Poetry
dependency group of that name holding only what the file adds on top of the files it
includes. An existing ``pyproject.toml`` is edited with tomlkit, so everything outside the
entries written (comments, order, formatting, other tools' tables) stays byte for byte.

Constraints are written so that Poetry allows exactly the versions pip allowed: PEP 440
specifiers as they are, or ``^``/``~`` only where provably equal (see
:mod:`lockmigrate.specifiers`). Every written constraint is re-read with poetry-core and
compared with packaging before anything is written. What Poetry cannot express is a
diagnostic with ``file:line`` and a next step.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

# packaging before poetry.core: see lockmigrate.specifiers.
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.model.readers import Readers
from lockmigrate.model.requirements import (
    DeclaredRequirement,
    Option,
    Origin,
)
from lockmigrate.model.services import FileFormat, ScannedFile, ScannedService, ScanReport
from lockmigrate.paths import display_path
from lockmigrate.plan import FileChange, Plan
from lockmigrate.targets.poetry.combine import combine_entries
from lockmigrate.targets.poetry.entries import ServiceWriter
from lockmigrate.targets.poetry.options import (
    Entry,
    Layout,
    PoetryOptions,
    PoetryResult,
    PoetrySource,
    ServiceResult,
)

if TYPE_CHECKING:
    from lockmigrate.model.metadata import PackageMetadata
    from lockmigrate.model.python import PythonTarget
    from lockmigrate.targets.poetry.pyproject_edit import Destinations


def _sources_of(service: ScannedService) -> list[ScannedFile]:
    chosen = [
        f
        for f in service.files
        if f.format in (FileFormat.RANGES, FileFormat.PIP_TOOLS_IN) and f.role != "constraints"
    ]
    with_in = {f.path.with_suffix("") for f in chosen if f.format is FileFormat.PIP_TOOLS_IN}
    return [
        f
        for f in chosen
        if f.format is FileFormat.PIP_TOOLS_IN or f.path.with_suffix("") not in with_in
    ]


def _group_name(role: str) -> str:
    return re.sub(r"[-_.]+", "-", role).lower()


#: What :func:`plan_poetry` needs to know about a service beyond its requirement files:
#: its package metadata, and the Python it targets (given its requirements and options).
MetadataOf = Callable[[ScannedService], "PackageMetadata"]
PythonTargetOf = Callable[
    [ScannedService, Sequence[DeclaredRequirement], Sequence[Option]], "PythonTarget"
]


def _metadata_note(metadata: PackageMetadata, collector: Collector) -> None:
    """Say that the package's own metadata was left alone, and why."""
    origin = metadata.dynamic_dependencies or Origin(
        path=_display_in(metadata, metadata.builder or "pyproject.toml"), line=1
    )
    how = (
        'dynamic = ["dependencies"]'
        if metadata.dynamic_dependencies is not None
        else f"{metadata.builder}, which builds it"
    )
    reads = ", ".join(
        [display_path(p) for p in metadata.reads]
        + [display_path(folder) + "/*" for folder in metadata.globbed]
    )
    collector.info(
        "poetry-metadata-kept",
        f"the package's dependencies come from its build ({how}"
        + (f", reading {reads}" if reads else "")
        + "): its metadata is left as it is and the main requirements go to "
        "[tool.poetry.dependencies], which only Poetry reads; the package still publishes "
        "what its build reads, so keep the two in step (or declare [project] dependencies "
        "yourself)",
        origin,
    )


def _display_in(metadata: PackageMetadata, name: str) -> str:
    return display_path(metadata.folder / name)


def _package_mode(options: PoetryOptions, metadata: PackageMetadata, collector: Collector) -> bool:
    """Poetry's package mode needs a name and a version it can read; a package whose version
    its build computes (``dynamic``, ``setup.py``) is installed by Poetry as dependencies
    only, unless the user asks for package mode (then the missing version is an error
    raised by the writer, with this hint)."""
    if options.package_mode is not None:
        return options.package_mode
    if not metadata.is_package:
        return False
    if metadata.static_version:
        return True
    where = metadata.dynamic_version or Origin(
        path=_display_in(metadata, metadata.builder or "pyproject.toml"), line=1
    )
    collector.info(
        "poetry-package-mode-off",
        "Poetry cannot read this package's version (its build computes it): package-mode "
        "= false, so Poetry installs the dependencies only; install the package itself with  "
        "poetry run pip install -e .  or set a static version and use --package-mode",
        where,
    )
    return False


def plan_poetry(
    report: ScanReport,
    *,
    options: PoetryOptions,
    collector: Collector,
    metadata_of: MetadataOf,
    python_target_of: PythonTargetOf,
    readers: Readers,
) -> PoetryResult:
    """The plan that writes each service's ``pyproject.toml`` (and, with
    ``remove_requirements``, deletes the requirement files it replaces).

    ``metadata_of`` tells what the service's package metadata is made of (nothing it
    publishes is changed); ``python_target_of`` which Python it targets; ``readers`` read a
    file a service includes from outside it."""
    changes: list[FileChange] = []
    results: list[ServiceResult] = []
    for service in report.services:
        files = _sources_of(service)
        if not files:
            continue
        _warn_constraints(service, collector)
        planned = _ServicePlan(
            service=service, files=files, options=options, collector=collector, readers=readers
        )
        change, result, metadata = planned.pyproject(metadata_of, python_target_of)
        changes.append(change)
        if options.remove_requirements:
            changes.extend(planned.removals(metadata))
        results.append(result)
    return PoetryResult(plan=Plan(tuple(changes)), services=tuple(results))


def _warn_constraints(service: ScannedService, collector: Collector) -> None:
    for scanned in service.files:
        if scanned.role == "constraints" and scanned.format is FileFormat.CONSTRAINTS:
            collector.warning(
                "poetry-constraints",
                f"{scanned.path.name} is a constraints file: Poetry has none; pin those "
                "versions in a group, or keep pip-compile for it",
                Origin(path=scanned.file.display, line=1),
            )


def _pip_compile_locks(files: list[ScannedFile]) -> dict[Path, Path]:
    """Each pip-compile input among ``files`` -> its lock (absolute paths)."""
    return {
        f.path.absolute(): f.lock.absolute()
        for f in files
        if f.format is FileFormat.PIP_TOOLS_IN and f.lock is not None
    }


@dataclass(slots=True, kw_only=True)
class _ServicePlan:
    """One service's part of the plan: its ``pyproject.toml`` and the files it replaces."""

    service: ScannedService
    files: list[ScannedFile]
    options: PoetryOptions
    collector: Collector
    readers: Readers

    def pyproject(
        self, metadata_of: MetadataOf, python_target_of: PythonTargetOf
    ) -> tuple[FileChange, ServiceResult, PackageMetadata]:
        """The service's ``pyproject.toml``: the change, what was written, and the package
        metadata it was written for."""
        from lockmigrate.targets.poetry.pyproject_edit import render_pyproject

        service, options, collector = self.service, self.options, self.collector
        writer = ServiceWriter(
            service=service,
            options=options,
            collector=collector,
            readers=self.readers,
            locks=_pip_compile_locks(self.files),
        )
        own = {f.path.absolute() for f in self.files}
        groups: dict[str, list[Entry]] = {}
        for scanned in self.files:
            destination = "main" if scanned.role == "main" else _group_name(scanned.role)
            groups.setdefault(destination, []).extend(writer.collect(scanned.file, own))
        metadata = metadata_of(service)
        project_is_ours = options.layout is Layout.PEP621 and not metadata.metadata_is_elsewhere
        if metadata.metadata_is_elsewhere and groups.get("main"):
            _metadata_note(metadata, collector)
        destinations = _destinations(groups, options, project_is_ours, writer)
        _keep_pypi(writer)
        target = python_target_of(
            service,
            [e.requirement for es in groups.values() for e in es if e.requirement is not None],
            [o for f in self.files for o in f.file.options],
        )
        pyproject = service.path / "pyproject.toml"
        before = pyproject.read_bytes() if pyproject.exists() else None
        rendered = render_pyproject(
            before,
            display=display_path(pyproject),
            name=_project_name(service.path),
            destinations=destinations,
            sources=writer.sources,
            options=options,
            package_mode=_package_mode(options, metadata, collector),
            project_is_ours=project_is_ours,
            requires_python=target.requires_python,
            python_cap=target.cap,
            version_origin=metadata.dynamic_version,
            collector=collector,
        )
        from_target = _same_python(rendered.requires_python, target.requires_python)
        if target.warning is not None and from_target:
            collector.warning("python-target-guessed", target.warning, target.origin)
        change = FileChange(
            path=pyproject,
            display=display_path(pyproject),
            before=before,
            after=rendered.content,
            reason="Poetry dependencies from " + ", ".join(f.path.name for f in self.files),
        )
        result = ServiceResult(
            path=service.display,
            pyproject=display_path(pyproject),
            requires_python=rendered.requires_python,
            requires_python_from=target.reason
            if from_target
            else f"{display_path(pyproject)}, already there",
            package_mode=rendered.package_mode,
            groups=tuple(g for g in groups if g != "main"),
            sources=tuple(writer.sources),
            is_package=metadata.is_package,
        )
        return change, result, metadata

    def removals(self, metadata: PackageMetadata) -> list[FileChange]:
        """``--remove-requirements``: the requirement files the ``pyproject.toml`` replaces,
        except those the package's build may read."""
        removed: list[FileChange] = []
        for scanned in self.files:
            if metadata.may_read(scanned.path):
                self.collector.warning(
                    "poetry-metadata-reads",
                    f"{scanned.path.name} was not removed: the package's build "
                    f"({metadata.builder or 'pyproject.toml'}) may read it, and removing "
                    "it would change what the package publishes",
                    Origin(path=scanned.file.display, line=1),
                )
                continue
            removed.append(
                FileChange(
                    path=scanned.path,
                    display=scanned.file.display,
                    before=scanned.path.read_bytes(),
                    after=None,
                    reason="replaced by pyproject.toml (--remove-requirements)",
                )
            )
        return removed


def _keep_pypi(writer: ServiceWriter) -> None:
    """pip also searched PyPI when a line named it; a primary source alone would make
    Poetry stop using PyPI, so PyPI becomes a primary source too."""
    if writer.pypi_named is not None and any(
        source.priority == "primary" for source in writer.sources
    ):
        writer.sources.append(
            PoetrySource(
                name="PyPI",
                url="",
                priority="primary",
                origin=writer.pypi_named,
                username=None,
            )
        )


def _project_name(folder: Path) -> str:
    """A valid project name from a folder's name (``my_app_`` -> ``my-app``)."""
    return canonicalize_name(folder.absolute().name).strip("-") or "app"


def _same_python(left: str, right: str) -> bool:
    try:
        return SpecifierSet(left) == SpecifierSet(right)
    except ValueError:
        return left.strip() == right.strip()


def _destinations(
    groups: dict[str, list[Entry]],
    options: PoetryOptions,
    project_is_ours: bool,
    writer: ServiceWriter,
) -> Destinations:
    """Which entries go to PEP 508 arrays and which to ``[tool.poetry]`` tables, per group,
    each name combined as its destination needs."""
    from lockmigrate.targets.poetry.pyproject_edit import Destinations

    arrays: dict[str, list[Entry]] = {}
    tables: dict[str, list[Entry]] = {}
    for group, entries in groups.items():
        to_array = options.layout is Layout.PEP621 and (group != "main" or project_is_ours)
        # a name with one line that only [tool.poetry] can hold goes there with all its lines
        table_only = {e.key for e in entries if e.pep508 is None}
        in_array = [e for e in entries if to_array and e.key not in table_only]
        in_table = [e for e in entries if not (to_array and e.key not in table_only)]
        if in_array:
            arrays[group] = combine_entries(in_array, as_table=False, writer=writer)
        if in_table:
            tables[group] = combine_entries(in_table, as_table=True, writer=writer)
    return Destinations(arrays=arrays, tables=tables)
