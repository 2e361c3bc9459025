"""What ``--with`` knows of the migrated services: the integrations and lock tools, and
the services of a ``to-pip-tools``, ``to-poetry`` or ``to-uv`` run as their files will be
once the plan is written.
"""

from __future__ import annotations

import enum
import os
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from lockmigrate.errors import InputError, UsageError
from lockmigrate.model.readers import Readers
from lockmigrate.model.requirements import IncludeKind, RequirementKind
from lockmigrate.model.services import FileFormat, ScanReport
from lockmigrate.plan import Plan


class Integration(str, enum.Enum):
    """What ``--with`` can set up, in the order the files are planned."""

    DEPENDABOT = "dependabot"
    RENOVATE = "renovate"
    MAKE = "make"
    PRE_COMMIT = "pre-commit"
    GITHUB_ACTIONS = "github-actions"


class Tool(str, enum.Enum):
    """The lock tool the migrated services use, and what each integration calls it."""

    PIP_TOOLS = "pip-tools"
    POETRY = "poetry"
    UV = "uv"

    @property
    def command(self) -> str:
        """The lockmigrate command that migrates to it."""
        return _TOOL_NAMES[self].command

    @property
    def lock_file(self) -> str | None:
        """The one lock file of a project (``None``: pip-compile names each lock)."""
        return _TOOL_NAMES[self].lock_file

    @property
    def dependabot_ecosystem(self) -> str:
        """Dependabot's ``package-ecosystem`` for it: Poetry's locks are ``pip``'s."""
        return _TOOL_NAMES[self].dependabot_ecosystem

    @property
    def renovate_manager(self) -> str:
        """The Renovate manager that updates its locks (``pep621`` updates ``uv.lock``)."""
        return _TOOL_NAMES[self].renovate_manager


class _ToolNames(NamedTuple):
    command: str
    lock_file: str | None
    dependabot_ecosystem: str
    renovate_manager: str


#: What each tool is called where: one row per :class:`Tool` (a test holds every member here).
_TOOL_NAMES: dict[Tool, _ToolNames] = {
    Tool.PIP_TOOLS: _ToolNames("to-pip-tools", None, "pip", "pip-compile"),
    Tool.POETRY: _ToolNames("to-poetry", "poetry.lock", "pip", "poetry"),
    Tool.UV: _ToolNames("to-uv", "uv.lock", "uv", "pep621"),
}


def parse_integrations(text: str) -> tuple[Integration, ...]:
    """The integrations named in a ``--with`` value (comma-separated, in any order).

    Raises :class:`UsageError` naming every valid choice for an unknown or empty value.
    """
    valid = ", ".join(member.value for member in Integration)
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    known = {member.value: member for member in Integration}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        what = f"unknown {', '.join(repr(n) for n in unknown)}" if unknown else "nothing named"
        raise UsageError(f"--with: {what}; choose from {valid} (comma-separated)")
    chosen = {known[name] for name in names}
    return tuple(member for member in Integration if member in chosen)


@dataclass(frozen=True, slots=True, kw_only=True)
class Range:
    """A declared range of one package, where it was written (relative to the root)."""

    name: str
    specifier: str
    marker: str | None
    where: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LockStep:
    """One pip-compile pair of a service: file names in the service folder, and the command
    its lock's header records."""

    input: str
    output: str
    command: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """A migrated service as the workflow files see it."""

    path: Path
    relative: str  # to the repository root, posix; "." for the root itself
    ranges: tuple[Range, ...]
    locked: frozenset[str]  # canonical names of everything its locks pin
    steps: tuple[LockStep, ...]  # pip-tools pairs, base locks first
    inputs: tuple[str, ...]  # files (relative to the root) that declare ranges
    locks: tuple[str, ...]  # lock files (relative to the root)
    python: str | None = None  # the Python its locks were compiled with
    #: the folders of the uv workspace members its one lock covers (relative to the root)
    members: tuple[str, ...] = ()

    def under(self, name: str) -> str:
        """``name`` in this service's folder, relative to the root."""
        return name if self.relative == "." else f"{self.relative}/{name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """Everything the renderers need: the tool, the root and the services under it."""

    tool: Tool
    root: Path
    root_reason: str
    services: tuple[Service, ...]
    rerun: tuple[str, ...] = ()  # options of the run that matter again (--generate-hashes)

    @property
    def paths(self) -> str:
        return " ".join(shlex.quote(service.relative) for service in self.services)

    @property
    def locks_with_uv(self) -> bool:
        """Whether ``lockmigrate check`` re-locks with uv here: uv projects, and pip-compile
        locks written by ``uv pip compile`` (``--resolver uv``), which ``check`` re-resolves
        with the resolver their header names (with pip-tools, slower and perhaps otherwise,
        when uv is missing)."""
        return self.tool is Tool.UV or any(
            (step.command or "").startswith("uv ")
            for service in self.services
            for step in service.steps
        )

    def command(self, integration: Integration) -> str:
        """The command that writes ``integration``'s file again."""
        return " ".join(
            ["lockmigrate", self.tool.command, "--with", integration.value, *self.rerun]
            + [shlex.quote(service.relative) for service in self.services]
        )


def repository_root(folders: Iterable[Path]) -> tuple[Path, str]:
    """Where the workflow files go, and why: the top level of the git work tree that holds
    every service when there is one (Dependabot, Actions and pre-commit read their files
    there), else the deepest folder that holds every service."""
    absolute = [folder.absolute() for folder in folders]
    common = Path(os.path.commonpath([str(p) for p in absolute]))
    for candidate in (common, *common.parents):
        if (candidate / ".git").exists():
            return candidate, "the top level of the git work tree"
    return common, "the folder that holds every migrated service (no git work tree)"


def relative_to_root(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.absolute(), root)).as_posix()


@dataclass(slots=True)
class Contents:
    """File contents as they will be once the plan is written."""

    planned: dict[Path, bytes | None] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> Contents:
        return cls({change.path.absolute(): change.after for change in plan.changes})

    def read(self, path: Path) -> bytes | None:
        path = path.absolute()
        if path in self.planned:
            return self.planned[path]
        try:
            return path.read_bytes()
        except OSError:
            return None


_HEADER_COMMAND_RE = re.compile(r"^#\s+(?P<command>(?:pip-compile|uv pip compile)\s.*?)\s*$")
_HEADER_PYTHON_RE = re.compile(r"with Python (?P<version>\d+\.\d+)")


def _lock_header(content: bytes | None) -> tuple[str | None, str | None]:
    """The command and Python version a pip-compile (or uv) lock's header records."""
    if content is None:
        return None, None
    command = python = None
    for line in content.decode("utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_COMMAND_RE.match(line)
        if match and command is None:
            command = match.group("command")
        version = _HEADER_PYTHON_RE.search(line)
        if version and python is None:
            python = version.group("version")
    return command, python


def _names(content: bytes | None, path: Path, readers: Readers) -> set[str]:
    if content is None:
        return set()
    try:
        file = readers.requirements(content, path=path)
    except InputError:
        return set()
    return {requirement.name for requirement in file.requirements if requirement.name}


def _ranges_of(
    inputs: Sequence[Path], contents: Contents, root: Path, readers: Readers
) -> tuple[tuple[Range, ...], set[Path]]:
    """The ranges of ``inputs`` and of every file they include with ``-r`` (never ``-c``:
    a constraints file holds pins, not ranges)."""
    ranges: list[Range] = []
    seen: set[Path] = set()
    pending = [path.absolute() for path in inputs]
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        data = contents.read(path)
        if data is None:
            continue
        try:
            file = readers.requirements(data, path=path, display=relative_to_root(path, root))
        except InputError:
            continue
        for line in file.lines:
            requirement = line.requirement
            if (
                requirement is not None
                and requirement.name
                and requirement.specifier
                and requirement.kind is RequirementKind.NAMED
                and not requirement.constraint
            ):
                ranges.append(
                    Range(
                        name=requirement.name,
                        specifier=requirement.specifier,
                        marker=requirement.marker,
                        where=str(requirement.origin),
                    )
                )
            include = line.include
            if (
                include is not None
                and include.kind is IncludeKind.REQUIREMENT
                and include.resolved is not None
            ):
                pending.append(Path(os.path.abspath(include.resolved)))  # noqa: PTH100
    return tuple(ranges), seen


def _ordered(pairs: dict[Path, Path], contents: Contents, readers: Readers) -> list[Path]:
    """The ``.in`` files of ``pairs`` (``.in`` -> ``.txt``), each after the pairs it is
    layered on (``-r X.in`` / ``-c X.txt`` of another pair)."""
    by_file = {**{i: i for i in pairs}, **{t: i for i, t in pairs.items()}}
    ordered: list[Path] = []

    def place(in_path: Path, stack: tuple[Path, ...]) -> None:
        if in_path in ordered or in_path in stack:
            return
        data = contents.read(in_path)
        if data is not None:
            try:
                includes = readers.requirements(data, path=in_path).includes
            except InputError:
                includes = ()
            for include in includes:
                if include.resolved is None:
                    continue
                target = by_file.get(Path(os.path.abspath(include.resolved)))  # noqa: PTH100
                if target is not None and target != in_path:
                    place(target, (*stack, in_path))
        ordered.append(in_path)

    for in_path in sorted(pairs):
        place(in_path, ())
    return ordered


def pip_tools_setup(
    report: ScanReport, plan: Plan, *, readers: Readers, rerun: Sequence[str] = ()
) -> Setup:
    """The services of a ``to-pip-tools`` run: every service of ``report`` with a
    pip-compile pair once ``plan`` is written (migrated now, or before); ``readers`` read
    its files as they will be."""
    contents = Contents.of(plan)
    found: list[tuple[Path, dict[Path, Path]]] = []
    for scanned_service in report.services:
        pairs: dict[Path, Path] = {}
        for scanned in scanned_service.files:
            txt = scanned.path.absolute()
            in_path = txt.with_suffix(".in")
            migrating = scanned.format is FileFormat.RANGES and txt.suffix == ".txt"
            migrated = scanned.format is FileFormat.PIP_TOOLS_LOCK and in_path.is_file()
            if (migrating and contents.read(in_path) is not None) or migrated:
                pairs[in_path] = txt
        if pairs:
            found.append((scanned_service.path.absolute(), pairs))
    if not found:
        return Setup(tool=Tool.PIP_TOOLS, root=Path.cwd(), root_reason="", services=())
    root, reason = repository_root(folder for folder, _ in found)
    services: list[Service] = []
    for folder, pairs in sorted(found):
        order = _ordered(pairs, contents, readers)
        ranges, _ = _ranges_of(order, contents, root, readers)
        steps: list[LockStep] = []
        locked: set[str] = set()
        python: str | None = None
        for in_path in order:
            lock = contents.read(pairs[in_path])
            command, version = _lock_header(lock)
            python = python or version
            locked |= _names(lock, pairs[in_path], readers)
            steps.append(LockStep(input=in_path.name, output=pairs[in_path].name, command=command))
        services.append(
            Service(
                path=folder,
                relative=relative_to_root(folder, root),
                ranges=ranges,
                locked=frozenset(locked),
                steps=tuple(steps),
                inputs=tuple(relative_to_root(p, root) for p in order),
                locks=tuple(relative_to_root(pairs[p], root) for p in order),
                python=python,
            )
        )
    return Setup(
        tool=Tool.PIP_TOOLS,
        root=root,
        root_reason=reason,
        services=tuple(services),
        rerun=tuple(rerun),
    )


def _project_service(
    folder: Path,
    pyprojects: Sequence[tuple[Path, bytes]],
    lock: Path,
    *,
    root: Path,
    readers: Readers,
    members: Sequence[Path] = (),
) -> Service:
    """A project locked by Poetry or uv: the ranges of its ``pyprojects`` (one, or a uv
    workspace's root and members), and the names its ``lock`` locks."""
    ranges: list[Range] = []
    for path, data in pyprojects:
        declared = readers.pyproject_requirements(
            data, path=path, display=relative_to_root(path, root)
        )
        ranges += [
            Range(
                name=requirement.name,
                specifier=requirement.specifier,
                marker=requirement.marker,
                where=str(requirement.origin),
            )
            for requirement in declared
            if requirement.name
            and requirement.specifier
            and requirement.kind is RequirementKind.NAMED
        ]
    locked: set[str] = set()
    if lock.is_file():
        try:
            packages = readers.toml(lock.read_bytes(), display=relative_to_root(lock, root))
        except (InputError, OSError):
            packages = {}
        locked = {
            str(package.get("name", "")).lower().replace("_", "-")
            for package in packages.get("package", [])
            if isinstance(package, dict)
        }
    return Service(
        path=folder,
        relative=relative_to_root(folder, root),
        ranges=tuple(ranges),
        locked=frozenset(locked - {""}),
        steps=(),
        inputs=tuple(relative_to_root(path, root) for path, _ in pyprojects),
        locks=(relative_to_root(lock, root),),
        members=tuple(relative_to_root(member, root) for member in members),
    )


def _setup_of_projects(
    tool: Tool,
    projects: Sequence[tuple[Path, bytes]],
    *,
    readers: Readers,
    rerun: Sequence[str],
    workspace: tuple[Path, bytes | None] | None = None,
) -> Setup:
    """One service per ``pyproject.toml`` of ``projects`` (absolute path, content), with
    ``tool``'s lock beside it; or with ``workspace`` (the root ``pyproject.toml`` of a uv
    workspace), one service at its root for all of them, its members."""
    if not projects:
        return Setup(tool=tool, root=Path.cwd(), root_reason="", services=())
    lock = tool.lock_file or ""
    if workspace is not None:
        top, data = workspace
        root, reason = repository_root([top.parent])
        services = [
            _project_service(
                top.parent,
                [*([(top, data)] if data is not None else []), *projects],
                top.parent / lock,
                root=root,
                readers=readers,
                members=[path.parent for path, _ in projects],
            )
        ]
    else:
        root, reason = repository_root(path.parent for path, _ in projects)
        services = [
            _project_service(
                path.parent, [(path, data)], path.parent / lock, root=root, readers=readers
            )
            for path, data in projects
        ]
    return Setup(
        tool=tool, root=root, root_reason=reason, services=tuple(services), rerun=tuple(rerun)
    )


def poetry_setup(plan: Plan, *, readers: Readers, rerun: Sequence[str] = ()) -> Setup:
    """The services of a ``to-poetry`` run: every ``pyproject.toml`` the plan writes
    (``readers`` read it and the ``poetry.lock`` beside it)."""
    projects = sorted(
        (change.path.absolute(), change.after)
        for change in plan.changes
        if change.path.name == "pyproject.toml" and change.after is not None
    )
    return _setup_of_projects(Tool.POETRY, projects, readers=readers, rerun=rerun)


def uv_setup(
    plan: Plan,
    *,
    pyprojects: Sequence[Path],
    workspace: Path | None = None,
    readers: Readers,
    rerun: Sequence[str] = (),
) -> Setup:
    """The projects of a ``to-uv`` run: each service's ``pyproject.toml`` (``pyprojects``)
    as ``plan`` writes it, with the ``uv.lock`` beside it; with ``workspace`` (the root
    ``pyproject.toml`` of ``--workspace``), one project at the workspace root, whose one
    ``uv.lock`` locks every member."""
    contents = Contents.of(plan)
    projects = [
        (path, data)
        for path in sorted({p.absolute() for p in pyprojects})
        if (data := contents.read(path)) is not None
    ]
    top = workspace.absolute() if workspace is not None else None
    return _setup_of_projects(
        Tool.UV,
        projects,
        readers=readers,
        rerun=rerun,
        workspace=(top, contents.read(top)) if top is not None else None,
    )
