"""``lockmigrate to-uv``: a service's requirement files become its ``pyproject.toml``.

The main (prod) requirements become ``[project] dependencies``; every other role becomes a
PEP 735 dependency group of that name holding what the file adds. A ``-r`` of the main file
adds nothing (uv installs ``[project] dependencies`` under every group); a ``-r`` of another
role's file becomes ``{include-group = "<role>"}``. Every specifier is written as pip read
it (``~=`` stays ``~=``), and every line of a name is kept, whatever its markers or extras:
uv, like pip, applies all of those whose marker holds.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.model.requirements import DeclaredRequirement, IncludeKind, Option, Origin
from lockmigrate.model.services import FileFormat, ScannedFile, ScannedService, ScanReport
from lockmigrate.paths import display_path
from lockmigrate.plan import FileChange, Plan
from lockmigrate.targets.uv.entries import UvWriter, group_name
from lockmigrate.targets.uv.options import (
    ServiceResult,
    UvEntry,
    UvOptions,
    UvResult,
    credential_variables,
)
from lockmigrate.targets.uv.pyproject_edit import ProjectFields, render_pyproject
from lockmigrate.targets.uv.workspace import plan_workspace

if TYPE_CHECKING:
    from lockmigrate.model.metadata import PackageMetadata
    from lockmigrate.model.python import PythonTarget
    from lockmigrate.model.readers import Readers

__all__ = ["MetadataOf", "PythonTargetOf", "plan_uv"]

#: What :func:`plan_uv` needs to know about a service beyond its requirement files: its
#: package metadata, and the Python it targets (given its requirements and options).
MetadataOf = Callable[[ScannedService], "PackageMetadata"]
PythonTargetOf = Callable[
    [ScannedService, Sequence[DeclaredRequirement], Sequence[Option]], "PythonTarget"
]


def sources_of(service: ScannedService) -> list[ScannedFile]:
    """The files a service's ``pyproject.toml`` is written from: its ranged requirement
    files and ``.in`` files (a ``.in`` rather than the ranged file of the same name)."""
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


def plan_uv(
    report: ScanReport,
    *,
    options: UvOptions,
    collector: Collector,
    metadata_of: MetadataOf,
    python_target_of: PythonTargetOf,
    readers: Readers,
) -> UvResult:
    """The plan that writes each service's ``pyproject.toml`` for uv (and, with
    ``options.workspace``, the workspace root's). Writes nothing; ``readers`` read the files
    an input includes."""
    changes: list[FileChange] = []
    results: list[ServiceResult] = []
    for service in report.services:
        files = sources_of(service)
        if not files:
            continue
        change, result = _plan_service(
            service, files, collector, metadata_of(service), python_target_of, readers=readers
        )
        changes.append(change)
        results.append(result)
    workspace: str | None = None
    if options.workspace and results:
        root_change = plan_workspace(results, root=options.workspace_root, collector=collector)
        if root_change is not None:
            changes.append(root_change)
            workspace = root_change.display
    return UvResult(plan=Plan(tuple(changes)), services=tuple(results), workspace=workspace)


def _plan_service(
    service: ScannedService,
    files: list[ScannedFile],
    collector: Collector,
    metadata: PackageMetadata,
    python_target_of: PythonTargetOf,
    *,
    readers: Readers,
) -> tuple[FileChange, ServiceResult]:
    """One service's ``pyproject.toml``, and what was written in it."""
    groups = _groups(files, metadata, collector)
    locks = frozenset(
        f.path.absolute() for f in service.files if f.format is FileFormat.PIP_TOOLS_LOCK
    )
    writer = UvWriter(
        folder=service.path,
        collector=collector,
        groups=groups,
        load_graph=readers.include_graph,
        locks=locks,
    )
    main, by_group = _collect(files, writer)
    _note_groups_on_project(files, groups, collector)
    _warn_constraints(service, files, collector)
    keep_metadata = metadata.metadata_is_elsewhere
    if keep_metadata and metadata.has_project and main:
        _metadata_note(metadata, collector)
    target = python_target_of(
        service,
        [r for f in files for r in f.file.requirements if r.name is not None],
        [o for f in files for o in f.file.options],
    )
    pyproject = service.path / "pyproject.toml"
    before = pyproject.read_bytes() if pyproject.exists() else None
    shown = display_path(pyproject)
    rendered = render_pyproject(
        before,
        display=shown,
        fields=ProjectFields(
            name=_project_name(service.path),
            requires_python=target.requires_python,
            dependencies=not keep_metadata,
            create=not keep_metadata or metadata.has_project,
        ),
        main=main,
        groups=by_group,
        settings=writer.settings,
        collector=collector,
    )
    from_target = _same_python(rendered.requires_python, target.requires_python)
    if target.warning is not None and from_target:
        collector.warning("python-target-guessed", target.warning, target.origin)
    _credentials_note(writer, collector)
    change = FileChange(
        path=pyproject,
        display=shown,
        before=before,
        after=rendered.content,
        reason="uv dependencies from " + ", ".join(f.path.name for f in files),
    )
    result = ServiceResult(
        path=service.display,
        folder=service.path,
        pyproject=shown,
        requires_python=rendered.requires_python,
        requires_python_from=_python_from(rendered.requires_python, target, shown),
        groups=tuple(group for group, entries in by_group.items() if entries),
        indexes=tuple(writer.settings.indexes),
        direct=_direct(main, by_group),
        pip_compile_locks=tuple(sorted(locks)),
        settings=writer.settings,
    )
    return change, result


def _python_from(written: str, target: PythonTarget, shown: str) -> str:
    """Where the ``requires-python`` the file ends with came from, for people."""
    if not written:
        return "not written: no [project]"
    return (
        target.reason
        if _same_python(written, target.requires_python)
        else f"{shown}, already there"
    )


def _direct(main: list[UvEntry], groups: dict[str, list[UvEntry]]) -> tuple[str, ...]:
    """The canonical names of every dependency written, once each."""
    return tuple(dict.fromkeys(e.key for e in [*main, *_all(groups)] if e.key))


def _groups(
    files: list[ScannedFile], metadata: PackageMetadata, collector: Collector
) -> dict[Path, str | None]:
    """The group each file is written to (``None``: ``[project] dependencies``).

    When the package's build declares its dependencies, a main file becomes a group of its
    own, named after the file, unless the build reads it (uv then reads its lines by
    building the package): nothing else would carry its lines. Without a ``[project]``
    table (a ``setup.py`` package), none is created, since setuptools would then publish
    it instead of what ``setup.py`` says, and uv locks the folder without building it."""
    groups: dict[Path, str | None] = {}
    for scanned in files:
        group = None if scanned.role == "main" else group_name(scanned.role)
        built = metadata.has_project and metadata.may_read(scanned.path)
        if group is None and metadata.metadata_is_elsewhere and not built:
            stem = scanned.path.name.lower().split(".")[0]
            group = group_name(stem.replace("requirements", "").strip("-_.") or "main")
            why = (
                f"the package's build does not read {scanned.path.name}, and [project] "
                "dependencies are the build's"
                if metadata.has_project
                else f"the package is built by {metadata.builder}, so no [project] is written "
                "(setuptools would publish it instead) and uv locks without building it"
            )
            collector.warning(
                "uv-main-as-group",
                f"{why}: the requirements of {scanned.path.name} go to the group {group!r} "
                f"(install it with  uv sync --group {group})",
                Origin(path=scanned.file.display, line=1),
            )
        groups[scanned.path.absolute()] = group
    return groups


def _note_groups_on_project(
    files: list[ScannedFile], groups: dict[Path, str | None], collector: Collector
) -> None:
    """Say so, once per service, where groups' files did not include every file of
    ``[project] dependencies`` (``development.txt`` with ``-r base.txt`` but not
    ``production.txt``): uv installs all of them under every group."""
    by_path = {f.path.absolute(): f for f in files}
    main = [f for f in files if groups[f.path.absolute()] is None and f.file.requirements]
    partial: list[tuple[str, ScannedFile]] = []
    for scanned in files:
        group = groups[scanned.path.absolute()]
        if group is None or not main or not scanned.file.requirements:
            continue
        reached = _reached(scanned.path.absolute(), by_path)
        if any(f.path.absolute() not in reached for f in main):
            partial.append((group, scanned))
    if partial:
        names = ", ".join(dict.fromkeys(group for group, _ in partial))
        collector.info(
            "uv-group-on-project",
            f"the files of the groups {names} do not include every main file ("
            + ", ".join(f.path.name for f in main)
            + "), but uv installs every [project] dependency under a group: those "
            "requirements are installed with them too",
            Origin(path=partial[0][1].file.display, line=1),
        )


def _reached(start: Path, by_path: dict[Path, ScannedFile]) -> set[Path]:
    """The service's files ``start`` includes with ``-r``, directly or not."""
    reached: set[Path] = set()
    stack = [start]
    while stack:
        here = by_path.get(stack.pop())
        for include in here.file.includes if here is not None else ():
            target = include.resolved.absolute() if include.resolved is not None else None
            if include.kind is IncludeKind.REQUIREMENT and target and target not in reached:
                reached.add(target)
                stack.append(target)
    return reached


def _warn_constraints(
    service: ScannedService, files: list[ScannedFile], collector: Collector
) -> None:
    """A constraints file that none of the service's files includes with ``-c`` (pip
    applied it only when a command line named it): not written, and said so."""
    included = {
        include.resolved.absolute()
        for f in files
        for include in f.file.includes
        if include.resolved is not None and include.kind is IncludeKind.CONSTRAINT
    }
    for scanned in service.files:
        if scanned.format is FileFormat.CONSTRAINTS and scanned.path.absolute() not in included:
            collector.warning(
                "uv-constraints-file",
                f"{scanned.path.name} is a constraints file no requirements file includes "
                "(pip applied it only where a command named it with -c): not written; to "
                "apply it with uv, add its pins to [tool.uv] constraint-dependencies",
                Origin(path=scanned.file.display, line=1),
            )


def _collect(
    files: list[ScannedFile], writer: UvWriter
) -> tuple[list[UvEntry], dict[str, list[UvEntry]]]:
    """The entries of ``[project] dependencies``, and of each group, file by file."""
    main: list[UvEntry] = []
    by_group: dict[str, list[UvEntry]] = {}
    for scanned in files:
        group = writer.groups[scanned.path.absolute()]
        entries = list(writer.collect(scanned.file))
        (main if group is None else by_group.setdefault(group, [])).extend(entries)
    return main, by_group


def _all(groups: dict[str, list[UvEntry]]) -> list[UvEntry]:
    return [entry for entries in groups.values() for entry in entries]


def _credentials_note(writer: UvWriter, collector: Collector) -> None:
    """Where uv reads the credentials of each index that had some in the requirements."""
    for index in writer.settings.indexes:
        if index.has_credentials:
            user, password = credential_variables(index.name)
            collector.info(
                "uv-index-credentials",
                f"the credentials of {index.url} were not written: uv reads them for the "
                f"index {index.name!r} from {user} and {password} (or ~/.netrc, or the keyring "
                "with --keyring-provider subprocess)",
                index.origin,
            )


def _metadata_note(metadata: PackageMetadata, collector: Collector) -> None:
    """The package's build declares its dependencies: uv reads them by building it."""
    origin = metadata.dynamic_dependencies or Origin(
        path=display_path(metadata.folder / (metadata.builder or "pyproject.toml")), line=1
    )
    collector.info(
        "uv-metadata-kept",
        "the package's dependencies come from its build ("
        + (
            'dynamic = ["dependencies"]'
            if metadata.dynamic_dependencies is not None
            else f"{metadata.builder}"
        )
        + "): [project] dependencies are left as they are, and uv reads the main "
        "requirements by building the package when it locks",
        origin,
    )


def _project_name(folder: Path) -> str:
    """A valid project name from a folder's name (``my_app_`` -> ``my-app``)."""
    return canonicalize_name(folder.absolute().name).strip("-") or "app"


def _same_python(left: str, right: str) -> bool:
    try:
        return SpecifierSet(left) == SpecifierSet(right)
    except ValueError:
        return left.strip() == right.strip()
