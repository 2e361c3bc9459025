"""``lockmigrate check``: the CI gate for a migrated repository.

For each pip-compile pair (``X.in`` + ``X.txt``) it verifies that

- the lock is fresh: re-locking the ``.in`` now (with the committed lock as pip-compile's
  preference, as a person re-running pip-compile would) gives the committed pins, header
  lines aside. When the digest of the inputs recorded in the lock's header still matches,
  the lock is trusted without resolving (``--full`` resolves anyway);
- every pin is inside every range its ``.in`` (and the files it includes) declares for the
  lock's environment: a range whose marker is false for the Python the lock's header names
  (else this interpreter's) on this platform does not apply;
- a file layered on another lock (``-c requirements-prod.txt``) pins every shared package
  exactly as that lock does;
- no requirement or lock file holds a URL with a password or token;
- every requirements file that declares ranges is locked: a ranged file no lock covers (never
  migrated, or a ``.in`` never compiled) is a finding, ``unlocked``, unless an exclude pattern
  leaves it out. A file is covered when it has a lock, when a checked lock's input includes
  it, or when its service is locked by Poetry.

A lock is re-resolved with the resolver its header names (``uv pip compile`` or
pip-compile; ``--resolver`` overrides it), for the Python uv's header names.

For Poetry projects it runs ``poetry check --lock`` when Poetry is installed, and for uv
projects (a ``uv.lock``) ``uv lock --check``.

With ``imports`` (``check --import``), each pip-compile lock is also installed into a
throwaway environment and every module it installs imported (:mod:`lockmigrate.import_check`):
each module that fails is an ``import`` finding at the line that pins its distribution.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from lockmigrate.diagnostics import Collector
from lockmigrate.digest import inputs_digest, recorded_digest
from lockmigrate.environment import TargetEnvironment, target_environment
from lockmigrate.errors import ExternalToolError, InputError
from lockmigrate.model.requirements import IncludeKind, Origin, RequirementFile, RequirementKind
from lockmigrate.model.services import FileFormat, ScannedFile, ScannedService, ScanReport
from lockmigrate.paths import pylock_path_for
from lockmigrate.redact import contains_credentials
from lockmigrate.scan import RangeKind, classify_range, recorded_constraints
from lockmigrate.sources.includes import IncludeGraph, display_path, load_graph
from lockmigrate.sources.locks.header import read_header
from lockmigrate.sources.requirements import parse_bytes

# A lock whose input digest matches is checked without the resolvers: what runs them is
# imported only to re-lock one (check is what a pre-commit hook runs on every commit).
if TYPE_CHECKING:
    from lockmigrate.import_check import ImportFailure, ImportHooks, ImportReport
    from lockmigrate.model.locks import Lock
    from lockmigrate.resolve import CompileOptions
    from lockmigrate.targets.pip_tools import Progress

__all__ = ["CheckReport", "Finding", "run_check"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Finding:
    """One thing that does not hold, at a place, with what was expected and what was found."""

    # stale | out-of-range | layering | credentials | poetry-lock | uv-lock | unlocked
    # | unreadable | pylock-stale | abi-break | import
    code: str
    message: str
    origin: Origin | None
    expected: str | None = None
    found: str | None = None
    #: more lines for people (an import failure's error, and where its package came from)
    detail: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = f"{self.origin}: " if self.origin is not None else ""
        detail = ""
        if self.expected is not None or self.found is not None:
            detail = f" (expected {self.expected or 'nothing'}, found {self.found or 'nothing'})"
        return f"{where}{self.message}{detail} [{self.code}]"


@dataclass(frozen=True, slots=True, kw_only=True)
class CheckReport:
    """What ``check`` found: the findings, and which locks, services and files it checked
    and how (trusted by their digest, re-resolved, left out)."""

    findings: tuple[Finding, ...]
    locks: tuple[str, ...]  # every lock checked, as shown
    trusted: tuple[str, ...]  # locks whose recorded input digest matched (not resolved)
    resolved: tuple[str, ...]  # locks re-resolved to check freshness
    # each pip-compile lock and the environment its ranges were checked for
    environments: tuple[tuple[str, TargetEnvironment], ...] = ()
    # each re-resolved lock and the resolver that re-resolved it ("pip-tools", "uv")
    resolvers: tuple[tuple[str, str], ...] = ()
    # requirements files with ranges that no lock covers (each is an ``unlocked`` finding)
    unlocked: tuple[str, ...] = ()
    # requirements files left out by ``--exclude`` or ``[tool.lockmigrate] exclude``
    excluded: tuple[str, ...] = ()
    # every service found, as shown
    services: tuple[str, ...] = ()
    # check --import: what installing each lock and importing its modules gave
    imports: ImportReport | None = None
    # the re-locks that failed (the resolver's words, at the file and line they are about):
    # whether those locks are stale is not known; everything else was checked
    relock_errors: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.findings and not self.relock_errors


class _Pin(NamedTuple):
    """A lock's exact pin of one package, and where it is written. A named tuple rather than
    a data class: cheaper to make at import, which check does on every commit."""

    version: str
    origin: Origin


def _pins(file: RequirementFile) -> dict[str, _Pin]:
    pins: dict[str, _Pin] = {}
    for requirement in file.requirements:
        if requirement.name and requirement.specifier.startswith("=="):
            pins[requirement.name] = _Pin(
                version=requirement.specifier[2:], origin=requirement.origin
            )
    return pins


def _body(content: bytes) -> list[str]:
    """A lock's lines without its leading comment block (the header)."""
    lines = content.decode("utf-8", errors="replace").splitlines()
    start = 0
    while start < len(lines) and lines[start].startswith("#"):
        start += 1
    return lines[start:]


def _pairs(report: ScanReport) -> list[tuple[ScannedService, ScannedFile]]:
    return [
        (service, scanned)
        for service in report.services
        for scanned in service.files
        if scanned.format is FileFormat.PIP_TOOLS_LOCK
        and scanned.input is not None
        and scanned.input.is_file()
    ]


def _credentials(report: ScanReport) -> list[Finding]:
    findings: list[Finding] = []
    paths = [scanned.file for service in report.services for scanned in service.files]
    for file in paths:
        for number, raw in enumerate(file.physical_lines, start=1):
            if contains_credentials(raw):
                findings.append(
                    Finding(
                        code="credentials",
                        message="a URL with a password or token is committed; use ${VAR}",
                        origin=Origin(path=file.display, line=number),
                    )
                )
    return findings


def _unreadable(report: ScanReport) -> list[Finding]:
    """A file that looks like a requirements file but does not parse (the scan skipped it
    with an ``unreadable-file`` warning): no lock can be checked against it, so a gate must
    not pass over it. Fixed, or left out with ``--exclude``."""
    return [
        Finding(
            code="unreadable",
            message=f"{diagnostic.message}: fix it, or leave it out with --exclude",
            origin=diagnostic.origin,
        )
        for diagnostic in report.diagnostics
        if diagnostic.code == "unreadable-file"
    ]


def _key(path: Path) -> Path:
    """``path`` as an :class:`IncludeGraph` keys it."""
    return Path(os.path.abspath(path))  # noqa: PTH100


def _parsed(service: ScannedService, path: Path) -> RequirementFile | None:
    """``path`` as the scan read it for ``service`` (as a requirements or a constraints
    file), or ``None`` when it did not."""
    graph = service.graph
    if graph is None:
        return None
    key = _key(path)
    return graph.files.get((key, False)) or graph.files.get((key, True))


def _graph_of(service: ScannedService, in_path: Path, collector: Collector) -> IncludeGraph:
    """The include graph that holds ``in_path`` and what it includes: the scan's, which read
    every file of the service from its roots, else a new one."""
    graph = service.graph
    if graph is not None and (_key(in_path), False) in graph.roots:
        return graph
    return load_graph([in_path], collector=collector)


def _read(service: ScannedService, path: Path) -> RequirementFile:
    return _parsed(service, path) or parse_bytes(
        path.read_bytes(), path=path, display=display_path(path)
    )


def _ranges(
    lock: RequirementFile, in_path: Path, environment: TargetEnvironment, graph: IncludeGraph
) -> tuple[list[Finding], set[Path]]:
    """Pins of ``lock`` outside a range its input declares, and every file the input
    reads (itself and what it includes)."""
    findings: list[Finding] = []
    pins = _pins(lock)
    for _, requirement in graph.walk(_key(in_path)):
        if requirement.constraint or requirement.kind is not RequirementKind.NAMED:
            continue
        if not requirement.specifier or requirement.name not in pins:
            continue
        if not environment.applies(requirement.marker):
            continue  # this range is for another Python or platform than the lock's
        pin = pins[requirement.name]
        try:
            inside = SpecifierSet(requirement.specifier).contains(
                Version(pin.version), prereleases=True
            )
        except InvalidVersion:
            continue
        if not inside:
            findings.append(
                Finding(
                    code="out-of-range",
                    message=f"{requirement.name}=={pin.version} in {lock.display} is outside "
                    f"the declared range",
                    origin=requirement.origin,
                    expected=f"{requirement.name}{requirement.specifier}",
                    found=f"{requirement.name}=={pin.version} ({pin.origin})",
                )
            )
    return findings, _reachable(graph, _key(in_path))


def _reachable(graph: IncludeGraph, root: Path) -> set[Path]:
    """``root`` and every file it includes, directly or not (``-r`` and ``-c``)."""
    reached: set[Path] = set()
    pending = [(root, False)]
    while pending:
        key = pending.pop()
        if key[0] in reached or key not in graph.files:
            continue
        reached.add(key[0])
        for include in graph.files[key].includes:
            if include.resolved is not None:
                constraint = include.kind is IncludeKind.CONSTRAINT
                pending.append((_key(include.resolved), constraint))
    return reached


def _first_range(file: RequirementFile) -> Origin | None:
    """Where ``file`` first declares a requirement that is not pinned to one version (or one
    URL); ``None`` for a file of exact pins, which needs no lock."""
    return next(
        (
            requirement.origin
            for requirement in file.requirements
            if not requirement.constraint
            and classify_range(requirement) not in {RangeKind.EXACT, RangeKind.DIRECT}
        ),
        None,
    )


def _unlocked(
    report: ScanReport, covered: set[Path], project_folders: set[Path]
) -> list[tuple[ScannedFile, Finding]]:
    """Every file with ranges that no lock covers: never migrated (``to-pip-tools`` would
    lock it), or a ``.in`` never compiled. Constraints files, files of exact pins, files a
    checked lock's input includes and the files of a service locked by Poetry or uv are covered."""
    found: list[tuple[ScannedFile, Finding]] = []
    for service in report.services:
        if service.path.absolute() in project_folders:
            continue  # to-poetry (to-uv) moved its ranges into pyproject.toml, locked beside it
        for scanned in service.files:
            path = scanned.path.absolute()
            if scanned.format not in {FileFormat.RANGES, FileFormat.PIP_TOOLS_IN}:
                continue
            if path in covered:
                continue
            first = _first_range(scanned.file)
            if first is None:
                continue
            lock = scanned.lock.absolute() if scanned.lock is not None else None
            if lock is not None and lock != path and lock.is_file():
                continue
            shown = scanned.file.display
            if scanned.format is FileFormat.PIP_TOOLS_IN:
                target = display_path(lock) if lock is not None else "its lock"
                message = (
                    f"a pip-compile input whose lock {target} does not exist: compile it "
                    f"(pip-compile {shown}), or leave it out with --exclude {shown}"
                )
            else:
                message = (
                    f"ranges with no lock: migrate them (lockmigrate to-pip-tools {shown}), "
                    f"or leave the file out with --exclude {shown}"
                )
            finding = Finding(code="unlocked", message=message, origin=first)
            found.append((scanned, finding))
    return found


def _layering(service: ScannedService, lock: RequirementFile, in_path: Path) -> list[Finding]:
    findings: list[Finding] = []
    pins = _pins(lock)
    source = _read(service, in_path)
    layered = [
        include.resolved.absolute()
        for include in source.includes
        if include.kind is IncludeKind.CONSTRAINT and include.resolved is not None
    ]
    # a file that stays as written is layered from the command line (its lock's header)
    layered += recorded_constraints(lock)
    for base_path in layered:
        if not base_path.is_file():
            continue
        base = _read(service, base_path)
        for name, pin in _pins(base).items():
            mine = pins.get(name)
            if mine is not None and mine.version != pin.version:
                findings.append(
                    Finding(
                        code="layering",
                        message=f"{name} differs from the lock this file is layered on",
                        origin=mine.origin,
                        expected=f"{name}=={pin.version} ({pin.origin})",
                        found=f"{name}=={mine.version}",
                    )
                )
    return findings


def _staleness(
    committed: RequirementFile, relocked: bytes, *, same_resolver: bool = True
) -> list[Finding]:
    """Precise differences between the committed lock and a fresh re-lock. With another
    resolver than the one that wrote the lock, only the pins are compared (the two write
    annotations and options differently)."""
    fresh = _pins(parse_bytes(relocked, path=committed.path, display=committed.display))
    mine = _pins(committed)
    findings: list[Finding] = []
    for name in sorted(set(fresh) | set(mine)):
        expected, found = fresh.get(name), mine.get(name)
        if expected is not None and found is not None and expected.version == found.version:
            continue
        origin = found.origin if found is not None else Origin(path=committed.display, line=1)
        findings.append(
            Finding(
                code="stale",
                message=f"{committed.display} is not what its .in locks to now",
                origin=origin,
                expected=f"{name}=={expected.version}" if expected else None,
                found=f"{name}=={found.version}" if found else None,
            )
        )
    if not findings and same_resolver:
        findings.append(
            Finding(
                code="stale",
                message=f"{committed.display} differs from a fresh lock of its .in "
                "(annotations or options); re-lock it",
                origin=Origin(path=committed.display, line=1),
            )
        )
    return findings


#: The lock beside a ``pyproject.toml`` that ``check`` asks its own tool about, in the order
#: a folder's lock is chosen (as ``diff`` chooses it), with the finding's code.
_PROJECT_LOCKS = (("poetry.lock", "poetry-lock"), ("uv.lock", "uv-lock"))


def _project_folders(report: ScanReport, projects: Sequence[Path]) -> list[Path]:
    """The folders with a ``poetry.lock`` or a ``uv.lock`` beside a ``pyproject.toml``: the
    services of ``report`` that have them, and ``projects``."""
    folders = [service.path.absolute() for service in report.services]
    folders += [project.absolute() for project in projects]
    return [
        folder
        for folder in dict.fromkeys(folders)
        if (folder / "pyproject.toml").is_file()
        and any((folder / name).is_file() for name, _ in _PROJECT_LOCKS)
    ]


def _uv_workspace_members(folders: Sequence[Path]) -> set[Path]:
    """The members of the uv workspaces rooted in ``folders`` (a ``[tool.uv.workspace]``
    beside a ``uv.lock``): the folders its ``members`` globs name, less its ``exclude``.
    Their one ``uv.lock`` is the root's, so a member's requirement files are locked by it
    (``to-uv --workspace`` leaves them beside the member's ``pyproject.toml``)."""
    members: set[Path] = set()
    for folder in folders:
        if not (folder / "uv.lock").is_file():
            continue
        from lockmigrate.sources.toml_files import load_toml  # a tree with no uv.lock: never

        try:
            document = load_toml(
                (folder / "pyproject.toml").read_bytes(),
                display=display_path(folder / "pyproject.toml"),
            )
        except (InputError, OSError):
            continue  # uv lock --check says what is wrong with it
        tool = document.get("tool")
        uv = tool.get("uv") if isinstance(tool, dict) else None
        workspace = uv.get("workspace") if isinstance(uv, dict) else None
        if isinstance(workspace, dict):
            members |= _globbed(folder, workspace.get("members"))
            members -= _globbed(folder, workspace.get("exclude"))
    return members


def _globbed(root: Path, patterns: object) -> set[Path]:
    """The folders under ``root`` that ``patterns`` (a TOML array of globs) name."""
    if not isinstance(patterns, list):
        return set()
    return {
        Path(os.path.abspath(found))  # noqa: PTH100
        for pattern in patterns
        if isinstance(pattern, str)
        for found in root.glob(pattern)
        if found.is_dir()
    }


def _project_lock_problem(lock: Path) -> str | None:
    """What Poetry (``poetry check --lock``) or uv (``uv lock --check``) says is wrong with
    ``lock``; ``None`` when it matches its ``pyproject.toml``."""
    if lock.name == "uv.lock":
        from lockmigrate.resolve.uv_lock import uv_lock_check

        problem = uv_lock_check(lock.parent)
        return None if problem is None else f"uv lock --check: {problem}"
    from lockmigrate.resolve.poetry import poetry_check_lock

    problem = poetry_check_lock(lock.parent)
    return None if problem is None else f"poetry check --lock: {problem}"


def _project_locks(folders: Sequence[Path]) -> tuple[list[Finding], list[str]]:
    findings: list[Finding] = []
    checked: list[str] = []
    for folder in folders:
        name, code = next((n, c) for n, c in _PROJECT_LOCKS if (folder / n).is_file())
        lock = folder / name
        checked.append(display_path(lock))
        problem = _project_lock_problem(lock)
        if problem is not None:
            findings.append(
                Finding(code=code, message=problem, origin=Origin(path=display_path(lock), line=1))
            )
    return findings, checked


def _relock_options(
    header_resolver: str | None,
    header_python: str | None,
    display: str,
    options: CompileOptions | None,
    collector: Collector,
) -> CompileOptions:
    """How to re-lock one lock: with ``options`` when given (``--resolver``), else with the
    resolver its header names (uv for the Python its command names), else pip-tools."""
    from lockmigrate.resolve import Backend, CompileOptions, installed

    if options is not None:
        return options
    backend = Backend(header_resolver) if header_resolver is not None else Backend.PIP_TOOLS
    if not installed(backend):
        collector.warning(
            "resolver-unavailable",
            f"{display} was made with uv, which is not installed here: re-locking it with "
            "pip-tools, which may pin differently (install lockmigrate[uv])",
        )
        backend = Backend.PIP_TOOLS
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    if (
        backend is Backend.PIP_TOOLS
        and header_python is not None
        and ".".join(header_python.split(".")[:2]) != running
    ):
        # pip-compile resolves for its own interpreter: a lock made with another Python
        # would differ by every marker-dependent package (tomli, exceptiongroup) and look
        # stale. uv can resolve for the header's Python.
        if installed(Backend.UV):
            collector.info(
                "relocked-for-python",
                f"{display} was made by pip-compile with Python {header_python} and this is "
                f"Python {running}: re-locked with uv for Python {header_python}, which can "
                "pin differently where the two resolvers choose differently",
            )
            backend = Backend.UV
        else:
            collector.warning(
                "relocked-for-python",
                f"{display} was made by pip-compile with Python {header_python} and this is "
                f"Python {running}: re-locked for {running}, so packages needed only on one of "
                "them show as stale (run check with that Python, or install lockmigrate[uv])",
            )
    return CompileOptions(
        backend=backend, python_version=header_python if backend is Backend.UV else None
    )


def _subset(stale: list[tuple[ScannedService, ScannedFile]]) -> ScanReport:
    return ScanReport(
        services=tuple(
            ScannedService(
                path=service.path,
                display=service.display,
                files=tuple(f for s, f in stale if s is service),
            )
            for service in dict.fromkeys(s for s, _ in stale)
        ),
        diagnostics=(),
    )


@dataclass(slots=True)
class _Tally:
    """What the check of each lock adds up to."""

    findings: list[Finding] = field(default_factory=list)
    covered: set[Path] = field(default_factory=set)  # requirement files some lock covers
    trusted: list[str] = field(default_factory=list)  # locks whose input digest matches
    unverified: list[str] = field(default_factory=list)  # locks no known resolver wrote
    environments: list[tuple[str, TargetEnvironment]] = field(default_factory=list)
    stale: dict[CompileOptions, list[tuple[ScannedService, ScannedFile]]] = field(
        default_factory=dict
    )
    relock_errors: list[str] = field(default_factory=list)  # the re-locks that failed
    not_relocked: set[str] = field(default_factory=set)  # their locks, as shown


def run_check(
    report: ScanReport,
    *,
    options: CompileOptions | None,
    full: bool,
    collector: Collector,
    projects: Sequence[Path] = (),
    excluded: Sequence[str] = (),
    progress: Progress | None = None,
    planned: Callable[[int], None] | None = None,
    imports: ImportHooks | None = None,
) -> CheckReport:
    """Check every migrated service of ``report``, and the Poetry projects in
    ``projects`` (folders with a ``poetry.lock`` or a ``uv.lock``). ``options`` re-lock every stale
    lock; ``None`` re-locks each with the resolver its header names. ``excluded`` (the files
    the exclude patterns left out, as shown) is reported as it is. A re-lock that fails
    (the resolver, or a range no release satisfies) is one of the report's
    ``relock_errors``: whether its locks are stale is not known, and everything else is
    still checked and reported. ``planned`` hears how many locks will be re-resolved (once,
    before the first starts) and ``progress`` of each, as :func:`plan_pip_tools` tells.
    Given ``imports`` (a display's hooks, which may be empty), every pip-compile lock is
    also installed and its modules imported (``check --import``)."""
    tally = _Tally(findings=[*_unreadable(report), *_credentials(report)])
    pairs = _pairs(report)
    for service, scanned in pairs:
        _check_lock(service, scanned, tally, options=options, full=full, collector=collector)
    if planned is not None and tally.stale:
        planned(sum(len(group) for group in tally.stale.values()))
    resolvers = _relock_stale(tally, collector, progress)
    project_folders = _project_folders(report, projects)
    locked_folders = {*project_folders, *_uv_workspace_members(project_folders)}
    unlocked = _unlocked(report, tally.covered, locked_folders)
    tally.findings += [finding for _, finding in unlocked]
    project_findings, project_locks = _project_locks(project_folders)
    tally.findings += project_findings
    imported = None
    if imports is not None:
        imported = _imports([(f.path, f.file.display) for _, f in pairs], imports)
        tally.findings += [_import_finding(failure) for failure in imported.failures]
    resolved = [
        f.file.display
        for _, f in pairs
        if f.file.display not in tally.trusted
        and f.file.display not in tally.unverified
        and f.file.display not in tally.not_relocked
    ]
    return CheckReport(
        findings=tuple(tally.findings),
        locks=(*(f.file.display for _, f in pairs), *project_locks),
        trusted=tuple(tally.trusted),
        resolved=tuple(resolved),
        environments=tuple(tally.environments),
        resolvers=tuple(resolvers),
        unlocked=tuple(scanned.file.display for scanned, _ in unlocked),
        excluded=tuple(excluded),
        services=tuple(service.display for service in report.services),
        imports=imported,
        relock_errors=tuple(tally.relock_errors),
    )


def _imports(locks: list[tuple[Path, str]], hooks: ImportHooks) -> ImportReport:
    from lockmigrate.import_check import check_imports

    return check_imports(locks, hooks=hooks)


def _import_finding(failure: ImportFailure) -> Finding:
    first = failure.error[0] if failure.error else "it failed"
    return Finding(
        code="import",
        message=f"{failure.module} (from {failure.distribution} {failure.version}) does not "
        f"import: {first}",
        origin=failure.pin or Origin(path=failure.lock, line=1),
        detail=failure.detail[1:] if failure.error else failure.detail,
    )


def _check_lock(
    service: ScannedService,
    scanned: ScannedFile,
    tally: _Tally,
    *,
    options: CompileOptions | None,
    full: bool,
    collector: Collector,
) -> None:
    """Check one lock against its input: trusted by its digest, to be re-locked (added to
    ``tally.stale``), or not re-resolvable; then its pins against the ranges, its layering."""
    assert scanned.input is not None  # noqa: S101 - _pairs keeps locks with an input
    in_path = scanned.input
    text = scanned.path.read_bytes().decode("utf-8", errors="replace")
    header = read_header(text)
    environment = target_environment(lock_python=header.python_version)
    tally.environments.append((scanned.file.display, environment))
    recorded = recorded_digest(text)
    if (
        not full
        and recorded is not None
        and recorded
        == inputs_digest(in_path, parse=parse_bytes, parsed=functools.partial(_parsed, service))
    ):
        tally.trusted.append(scanned.file.display)
    elif recorded is None and header.resolver is None and options is None:
        # written by a script lockmigrate does not know: re-locking it with pip-compile
        # would compare it with another tool's choices, not show that it is stale
        tally.unverified.append(scanned.file.display)
        collector.info(
            "freshness-unknown",
            f"{scanned.file.display}'s header names no resolver (it was written by "
            f"another tool from {display_path(in_path)}): its pins are checked against the "
            "ranges, not re-resolved; pass --resolver to re-resolve it",
            Origin(path=scanned.file.display, line=1),
        )
    else:
        relock = _relock_options(
            header.resolver, header.python_version, scanned.file.display, options, collector
        )
        tally.stale.setdefault(relock, []).append((service, scanned))
    graph = _graph_of(service, in_path, collector)
    out_of_range, read = _ranges(scanned.file, in_path, environment, graph)
    tally.findings += out_of_range
    tally.covered |= read
    tally.findings += _layering(service, scanned.file, in_path)
    tally.findings += _pylock_drift(scanned)


def _pylock_drift(scanned: ScannedFile) -> list[Finding]:
    """A ``pylock.NAME.toml`` exported beside the lock (``to-pip-tools --also-pylock``) that
    no longer pins what the lock pins: one finding, naming the first few differences."""
    exported = pylock_path_for(scanned.path)
    if not exported.is_file():
        return []
    from lockmigrate.errors import InputError
    from lockmigrate.sources.locks.pip_compile import parse_lock_txt
    from lockmigrate.sources.locks.pylock import parse_pylock

    shown = display_path(exported)
    problem: str | None
    try:
        pylock = parse_pylock(exported.read_bytes(), path=exported, display=shown)
        lock = parse_lock_txt(scanned.path.read_bytes(), path=scanned.path)
    except InputError as error:
        problem = error.message
    except OSError as error:
        problem = f"cannot be read: {error.strerror}"
    else:
        problem = _pin_differences(lock, pylock, shown, scanned.file.display)
    if problem is None:
        return []
    return [Finding(code="pylock-stale", message=problem, origin=Origin(path=shown, line=1))]


def _pin_differences(lock: Lock, pylock: Lock, shown: str, lock_shown: str) -> str | None:
    """What ``pylock`` (shown as ``shown``) pins otherwise than ``lock``; ``None``: nothing."""
    ours = {p.name: p.version for p in lock.packages}
    theirs = {p.name: p.version for p in pylock.packages}
    differences = [
        f"{name} {theirs.get(name) or 'missing'} (lock: {ours.get(name) or 'missing'})"
        for name in sorted(ours.keys() | theirs.keys())
        if ours.get(name) != theirs.get(name)
    ]
    if not differences:
        return None
    more = f" and {len(differences) - 3} more" if len(differences) > 3 else ""
    return (
        f"{shown} no longer pins what {lock_shown} pins: {', '.join(differences[:3])}{more}; "
        "export it again with `lockmigrate to-pip-tools --also-pylock`"
    )


def _relock_stale(
    tally: _Tally, collector: Collector, progress: Progress | None
) -> list[tuple[str, str]]:
    """Re-lock each stale lock as to-pip-tools would, adding a finding for each lock the
    re-lock changes, and the error of each re-lock that fails; which resolver re-locked
    each lock."""
    resolvers: list[tuple[str, str]] = []
    for relock, group in tally.stale.items():
        from lockmigrate.sources.readers import readers
        from lockmigrate.targets.pip_tools import NOTHING_WRITTEN, plan_pip_tools

        try:
            relocked = plan_pip_tools(
                _subset(group),
                options=relock,
                collector=collector,
                readers=readers(),
                refresh=True,
                progress=progress,
            )
        except ExternalToolError as error:  # the other findings still stand: keep them
            tally.relock_errors.append(str(error).removesuffix(NOTHING_WRITTEN))
            tally.not_relocked.update(f.file.display for _, f in group)
            continue
        resolvers += [(f.file.display, relock.backend.value) for _, f in group]
        for change in relocked.plan.changes:
            if change.after is None or change.before is None:
                continue
            if _body(change.before) != _body(change.after):
                committed = next(f.file for _, f in group if f.path.absolute() == change.path)
                made_by = read_header(committed.text).resolver
                tally.findings += _staleness(
                    committed, change.after, same_resolver=made_by in {None, relock.backend.value}
                )
    return resolvers
