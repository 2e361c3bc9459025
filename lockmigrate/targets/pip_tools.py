"""``lockmigrate to-pip-tools``: each ranged ``requirements-X.txt`` becomes a pip-compile
pair, ``requirements-X.in`` (the original content, ranges and comments as written) and
``requirements-X.txt`` (exact pins compiled by the real pip-compile).

Files that include a migrated file with ``-r`` are layered on its lock: the include is
rewritten to the ``.in`` and ``-c <its .txt>`` is added after it, so every package they
share gets exactly the included file's pin (pip-tools' layered workflow).

Compilation happens in a scratch copy of the tree (symlinks to everything that is not
written), so that nothing on disk changes until every file has compiled and passed its
checks. The result is a :class:`~lockmigrate.plan.Plan`.
"""

from __future__ import annotations

import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field, replace
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from lockmigrate.diagnostics import Collector
from lockmigrate.digest import inputs_digest, recorded_digest, with_input_digest
from lockmigrate.errors import ExternalToolError, InputError
from lockmigrate.model.readers import Readers
from lockmigrate.model.requirements import IncludeKind, Origin, RequirementFile, RequirementKind
from lockmigrate.model.services import FileFormat, ScannedFile, ScanReport
from lockmigrate.names import canonicalize_name
from lockmigrate.paths import display_path, service_dir_for
from lockmigrate.plan import FileChange, Plan
from lockmigrate.redact import contains_credentials
from lockmigrate.resolve import (
    Backend,
    CompileJob,
    CompileOptions,
    ResolverError,
    compile_requirements,
    needed_python,
    stop_all,
    stop_generation,
)
from lockmigrate.targets.common import refuse_literal_credentials, refuse_lossy_encoding
from lockmigrate.targets.conflicts import Declared, Explanation, Pinned, explain
from lockmigrate.targets.pip_tools_in import in_header_lines, layering_line
from lockmigrate.variables import ENV_VAR_RE

__all__ = [
    "NOTHING_WRITTEN",
    "Failure",
    "MigrationResult",
    "Progress",
    "inputs_digest",
    "plan_pip_tools",
    "recorded_digest",
    "with_input_digest",
]

Progress = Callable[[str, str], None]  # (file shown to the user, state)
#: The last line of a failed compile's error: true of the migration that raised it, not of a
#: caller that only re-locks to compare (``check``, ``diff``), which leaves it out.
NOTHING_WRITTEN = "\nNothing was written."

_PEP263_RE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Job:
    source: ScannedFile
    in_path: Path  # what the resolver reads: a new or existing .in, or a file kept as written
    txt_path: Path  # the lock it writes
    in_content: bytes | None  # None: the input already exists and stays as it is
    depends_on: tuple[Path, ...]  # locks that must be compiled first
    constraints: tuple[Path, ...] = ()  # locks passed with --constraint (kept inputs)
    constraint_origins: tuple[Origin, ...] = ()  # the include line of each constraint
    generate_hashes: bool = False  # re-locking a lock that carries hashes keeps them


@dataclass(frozen=True, slots=True, kw_only=True)
class Failure:
    """A file that could not be migrated (``--keep-going``): where, and the resolver's words."""

    file: str  # the input, as shown
    origin: Origin  # the line that failed, when it can be told; else the file's first line
    message: str


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationResult:
    plan: Plan
    compiled: tuple[str, ...]  # .txt files compiled, as shown
    already_migrated: tuple[str, ...]  # .in/.txt pairs left alone (no --upgrade)
    failures: tuple[Failure, ...] = ()  # --keep-going: files left as they were
    services: tuple[str, ...] = ()  # every service found, as shown (set by api.to_pip_tools)


def _header(file: RequirementFile, in_name: str, txt_name: str) -> str:
    return "".join(line + file.layout.newline for line in in_header_lines(in_name, txt_name))


@dataclass(frozen=True, slots=True, kw_only=True)
class _Layers:
    """How includes are layered on locks (absolute paths throughout)."""

    converted: frozenset[Path]  # ranged X.txt files that become X.in plus the lock X.txt
    lock_of: dict[Path, Path]  # an input -> its lock (existing or planned)
    input_of: dict[Path, Path]  # a lock -> its input
    unlayerable: frozenset[Path]  # locks holding editables or direct references

    def for_include(self, target: Path) -> tuple[Path | None, Path | None]:
        """For an included file: the input to include instead (``None``: keep the include
        as written) and the lock to constrain with (``None``: none)."""
        if target in self.converted:
            return target.with_suffix(".in"), target
        if target in self.input_of:
            return self.input_of[target], target
        lock = self.lock_of.get(target)
        if lock is not None and lock != target:
            return None, lock
        return None, None


def _relative(path: Path, folder: Path) -> str:
    return Path(os.path.relpath(path, folder)).as_posix()


def _unlayerable_warning(collector: Collector | None, target: str, origin: Origin) -> None:
    if collector is not None:
        collector.warning(
            "layering-skipped",
            f"{target} holds editable or direct (URL/path) requirements, which pip refuses in "
            "a -c constraints file: this file is compiled from its ranges without being "
            "layered on its lock, so shared packages may be pinned differently (lockmigrate "
            "check reports it)",
            origin,
        )


def render_in(
    file: RequirementFile, layers: _Layers, collector: Collector | None = None
) -> tuple[str, tuple[Path, ...]]:
    """The text of the ``.in`` for ``file`` and the locks it is layered on.

    An include of a file that has a lock is layered on it: ``-r base.txt`` becomes
    ``-r base.in`` when ``base.txt`` turns into a lock (or stays ``-r base.txt`` when that
    file is kept as written), followed by ``-c`` of the lock. A lock in ``unlayerable``
    holds editables or direct references, which pip refuses in a constraints file: the
    include is not layered, and a warning says so.
    """
    newline = file.layout.newline
    out: list[str] = []
    layered: list[Path] = []
    header = _header(file, file.path.with_suffix(".in").name, file.path.name)
    keep_first = 0
    for index, raw in enumerate(file.physical_lines[:2]):
        if _PEP263_RE.match(raw) and not file.layout.bom:
            keep_first = index + 1  # a coding declaration must stay in the first two lines
    out.extend(file.physical_lines[:keep_first])
    out.append(header)
    folder = file.path.parent
    for line in file.lines:
        raw = "".join(file.physical_lines[max(line.first, keep_first) : line.first + line.count])
        include = line.include
        if (
            include is not None
            and include.kind is IncludeKind.REQUIREMENT
            and include.resolved is not None
        ):
            target = Path(os.path.abspath(include.resolved))  # noqa: PTH100
            replacement, lock = layers.for_include(target)
            if replacement is not None and target in layers.converted:
                if include.target.endswith(".txt"):
                    raw = raw.replace(include.target, include.target[: -len(".txt")] + ".in", 1)
                else:
                    replacement, lock = None, None
            elif replacement is not None:
                raw = raw.replace(include.target, _relative(replacement, folder), 1)
            if lock is not None and lock in layers.unlayerable:
                _unlayerable_warning(collector, include.target, include.origin)
            elif lock is not None:
                if not raw.endswith(("\n", "\r")):
                    raw += newline
                written = include.target if target == lock else _relative(lock, folder)
                raw += layering_line(written) + newline
                layered.append(lock)
        out.append(raw)
    return "".join(out), tuple(layered)


def _command_line_constraints(
    file: RequirementFile, layers: _Layers, collector: Collector
) -> dict[Path, Origin]:
    """The locks to pass with ``--constraint`` when compiling ``file`` as it is (it stays as
    written, so it cannot carry ``-c`` lines of its own), with the include line of each."""
    found: dict[Path, Origin] = {}
    for include in file.includes:
        if include.kind is not IncludeKind.REQUIREMENT or include.resolved is None:
            continue
        target = Path(os.path.abspath(include.resolved))  # noqa: PTH100
        replacement, lock = layers.for_include(target)
        if lock is None or replacement is not None:
            continue  # an include of a lock already pins; a converted file cannot be here
        if lock in layers.unlayerable:
            _unlayerable_warning(collector, include.target, include.origin)
        else:
            found.setdefault(lock, include.origin)
    return found


def _overlay(real_root: Path, mirror_root: Path, hidden: set[Path]) -> None:
    """Make ``mirror_root`` look like ``real_root`` through symlinks, except for the
    ``hidden`` files (which the migration produces) and the folders that hold them."""
    materialise: set[Path] = set()
    for path in hidden:
        for parent in path.parents:
            materialise.add(parent)
            if parent == real_root:
                break

    def fill(real_dir: Path, mirror_dir: Path) -> None:
        mirror_dir.mkdir(exist_ok=True)
        for entry in os.scandir(real_dir):
            real = Path(entry.path)
            if real in hidden:
                continue
            target = mirror_dir / entry.name
            if real in materialise and entry.is_dir(follow_symlinks=False):
                fill(real, target)
            else:
                target.symlink_to(real)

    fill(real_root, mirror_root)


def _relativize(text: str, mirror_root: Path, real_root: Path, txt_dir: Path) -> str:
    """pip-compile writes local paths as absolute ``file://`` URLs; write them relative to
    the lock instead, so the lock is the same on every machine."""
    for root in (mirror_root, real_root):
        pattern = re.compile(
            r"(?:(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*) @ )?file://"
            + re.escape(root.as_posix())
            + r"(?P<rest>/[^\s;#]*)?"
        )

        def replace(match: re.Match[str]) -> str:
            absolute = real_root / (match.group("rest") or "/").lstrip("/")
            relative = os.path.relpath(absolute, txt_dir)
            return "./" + Path(relative).as_posix() if not relative.startswith("..") else relative

        text = pattern.sub(replace, text)
    return text


def _unexpanded(text: str, variables: Iterable[str]) -> str:
    """``text`` with each variable's value in a comment line (pip-compile's ``# via -r
    ../shared/base.in`` for ``-r ${SHARED}/base.in``) put back as ``${NAME}``: the lock says
    what the input says, and never holds the value."""
    values = [(os.environ.get(name) or "", name) for name in sorted(variables)]
    values = [(value, name) for value, name in values if len(value) >= 4]
    if not values:
        return text
    values.sort(key=lambda pair: -len(pair[0]))  # the longest value first
    lines = text.splitlines(keepends=True)
    for number, line in enumerate(lines):
        if line.lstrip().startswith("#"):
            restored = line
            for value, name in values:
                restored = restored.replace(value, "${" + name + "}")
            lines[number] = restored
    return "".join(lines)


def _check_secrets(display: str, text: str, variables: Iterable[str]) -> None:
    for number, line in enumerate(text.splitlines(), start=1):
        if contains_credentials(line):
            raise InputError(
                "refusing to write a URL with credentials (pip-compile put it there)",
                origin=_origin(display, number),
            )
        for name in variables:
            value = os.environ.get(name)
            if value and len(value) >= 4 and value in line:
                raise InputError(
                    f"refusing to write the expanded value of ${{{name}}}",
                    origin=_origin(display, number),
                )


def _origin(display: str, line: int) -> Origin:
    return Origin(path=display, line=line)


def _ranges_of(path: Path, readers: Readers) -> dict[str, list[tuple[str, Origin]]]:
    """Every unconditional range ``path`` declares, includes followed, by package."""
    graph = readers.include_graph([path], collector=Collector())
    found: dict[str, list[tuple[str, Origin]]] = {}
    for _, requirement in graph.walk(path.absolute()):
        if requirement.name and requirement.specifier and not requirement.marker:
            found.setdefault(requirement.name, []).append(
                (requirement.specifier, requirement.origin)
            )
    return found


def _allows(specifier: str, version: str) -> bool:
    try:
        return SpecifierSet(specifier).contains(Version(version), prereleases=True)
    except InvalidVersion:
        return True


def _pins(content: bytes, path: Path, readers: Readers) -> dict[str, str]:
    lock = readers.requirements(content, path=path)
    pins: dict[str, str] = {}
    for requirement in lock.requirements:
        if requirement.name and requirement.specifier.startswith("=="):
            pins[requirement.name] = requirement.specifier[2:]
    return pins


@dataclass(slots=True)
class _Runner:
    jobs: dict[Path, _Job]
    mirror: Path
    real_root: Path
    options: CompileOptions
    progress: Progress | None
    workers: int
    readers: Readers
    keep_going: bool = False
    failures: list[tuple[_Job, ExternalToolError]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    #: files resolved for a newer Python than this one, because their ranges need it:
    #: (the file's first line, the Python)
    notes: list[tuple[Origin, str]] = field(default_factory=list)
    #: constraints left out because their pins disagree: (origin, text), one per input
    dropped: list[tuple[Origin, str]] = field(default_factory=list)
    #: after an interrupt (resolve.stop_all), no compile of this run starts
    generation: int = field(default_factory=stop_generation)

    def _agreeing(self, job: _Job) -> tuple[Path, ...]:
        """``job``'s constraint locks, less any that pins a package outside a range the
        input declares, or at another version than an earlier lock does: sibling locks
        compiled apart can disagree, and the resolver would then find no solution although
        the ranges have one. One warning per input names what was left out."""
        ranges = _ranges_of(job.source.path, self.readers)
        kept: list[Path] = []
        pinned: dict[str, tuple[str, Path]] = {}
        reasons: list[str] = []
        for lock in job.constraints:
            pins = _pins(self.mirrored(lock).read_bytes(), lock, self.readers)
            reason = next(
                (
                    f"{display_path(lock)} pins {name}=={version} where "
                    f"{display_path(pinned[name][1])} pins {name}=={pinned[name][0]}"
                    for name, version in pins.items()
                    if name in pinned and pinned[name][0] != version
                ),
                None,
            ) or next(
                (
                    f"{display_path(lock)} pins {name}=={version}, outside {spec} at {origin}"
                    for name, version in pins.items()
                    for spec, origin in ranges.get(name, ())
                    if not _allows(spec, version)
                ),
                None,
            )
            if reason is None:
                kept.append(lock)
                for name, version in pins.items():
                    pinned.setdefault(name, (version, lock))
            else:
                reasons.append(reason)
        if reasons:
            left_out = len(job.constraints) - len(kept)
            with self.lock:
                self.dropped.append(
                    (
                        job.constraint_origins[0],
                        f"{display_path(job.txt_path)} is layered on {len(kept)} of the "
                        f"{len(job.constraints)} locks of the files it includes: {left_out} "
                        f"disagree ({reasons[0]}"
                        + (f"; {len(reasons) - 1} more" if len(reasons) > 1 else "")
                        + "), so shared packages may be pinned differently there",
                    )
                )
        return tuple(kept)

    def mirrored(self, path: Path) -> Path:
        return self.mirror / path.relative_to(self.real_root)

    def run_one(self, job: _Job) -> None:
        shown = display_path(job.txt_path)
        if self.progress:
            self.progress(shown, "compiling")
        in_mirror = self.mirrored(job.in_path)
        out_mirror = self.mirrored(job.txt_path)
        out_mirror.parent.mkdir(parents=True, exist_ok=True)  # a new locks/ folder
        options = self.options
        if job.generate_hashes and not options.generate_hashes:
            options = replace(options, generate_hashes=True)
        compile_job = CompileJob(
            workdir=str(in_mirror.parent),
            input=in_mirror.name,
            shown=job.source.file.display,
            output=_relative(out_mirror, in_mirror.parent),
            constraints=tuple(
                _relative(self.mirrored(lock), in_mirror.parent) for lock in self._agreeing(job)
            ),
        )
        try:
            self._compile(job, compile_job, options)
        except ExternalToolError as error:
            if not compile_job.constraints:
                raise
            # the locks this file is layered on (from the command line) leave no solution,
            # although its ranges may have one: a dependency of its own needs another
            # version of something they pin (monai needs numpy<2, the main lock has 2.3)
            self._compile(job, replace(compile_job, constraints=()), options)
            first = str(error).splitlines()[-1].strip()
            with self.lock:
                self.dropped.append(
                    (
                        job.constraint_origins[0],
                        f"{display_path(job.txt_path)} is not layered on "
                        f"{', '.join(display_path(c) for c in job.constraints)}: with their "
                        f"pins it has no solution ({first}), so it is compiled from its ranges "
                        "and shared packages may be pinned differently",
                    )
                )
        if self.progress:
            self.progress(shown, "done")

    def _compile(self, job: _Job, compile_job: CompileJob, options: CompileOptions) -> None:
        try:
            compile_requirements(compile_job, options, generation=self.generation)
        except ExternalToolError as error:
            # uv can resolve for another Python: when the ranges need a newer one than this
            # interpreter (Django 6 needs 3.12) and none was asked for, resolve for that one
            needed = needed_python(str(error))
            if options.backend is not Backend.UV or options.python_version or needed is None:
                raise
            compile_requirements(
                compile_job, replace(options, python_version=needed), generation=self.generation
            )
            with self.lock:
                self.notes.append((Origin(path=job.source.file.display, line=1), needed))

    def run(self) -> None:
        pending = dict(self.jobs)
        done: set[Path] = set()
        running: dict[Future[None], _Job] = {}
        pool = ThreadPoolExecutor(max_workers=self.workers)
        try:
            self._schedule(pool, pending, done, running)
        except BaseException:
            # interrupted: no queued compile starts, and the running resolvers end now
            pool.shutdown(wait=False, cancel_futures=True)
            stop_all()
            raise
        finally:
            pool.shutdown(wait=True)  # quick: every resolver of this run has ended

    def _schedule(
        self,
        pool: ThreadPoolExecutor,
        pending: dict[Path, _Job],
        done: set[Path],
        running: dict[Future[None], _Job],
    ) -> None:
        failed: set[Path] = set()
        while pending or running:
            if self.keep_going or not self.failures:
                for key, job in list(pending.items()):
                    if any(dep in failed for dep in job.depends_on):
                        # layered on a lock that could not be made: left as it is too
                        failed.add(job.txt_path)
                        del pending[key]
                    elif all(dep in done or dep not in self.jobs for dep in job.depends_on):
                        running[pool.submit(self.run_one, job)] = job
                        del pending[key]
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                job = running.pop(future)
                error = future.exception()
                if error is None:
                    done.add(job.txt_path)
                elif isinstance(error, ExternalToolError):
                    self.failures.append((job, error))
                    failed.add(job.txt_path)
                else:
                    raise error
            if self.failures and not self.keep_going:
                pending.clear()


def _dependency_order(jobs: list[_Job]) -> list[_Job]:
    """``jobs`` with every job after the jobs whose locks it is layered on."""
    by_lock = {job.txt_path: job for job in jobs}
    ordered: list[_Job] = []
    placed: set[Path] = set()

    def place(job: _Job) -> None:
        if job.txt_path in placed:
            return
        placed.add(job.txt_path)
        for dependency in job.depends_on:
            if dependency in by_lock:
                place(by_lock[dependency])
        ordered.append(job)

    for job in jobs:
        place(job)
    return ordered


def _common_root(paths: Iterable[Path]) -> Path:
    return Path(os.path.commonpath([str(p) for p in paths]))


def _layers(files: list[ScannedFile]) -> _Layers:
    converted = frozenset(
        f.path.absolute()
        for f in files
        if f.format is FileFormat.RANGES
        and f.path.suffix == ".txt"
        and f.lock is not None
        and f.lock.absolute() == f.path.absolute()
    )
    lock_of = {f.path.absolute(): f.lock.absolute() for f in files if f.lock is not None}
    input_of = {f.path.absolute(): f.input.absolute() for f in files if f.input is not None}
    unlayerable: set[Path] = set()
    for f in files:
        if any(r.editable or r.kind is not RequirementKind.NAMED for r in f.file.requirements):
            unlayerable.add(f.path.absolute())
            if f.lock is not None:
                unlayerable.add(f.lock.absolute())
    return _Layers(
        converted=converted,
        lock_of=lock_of,
        input_of=input_of,
        unlayerable=frozenset(unlayerable),
    )


def _converted_job(scanned: ScannedFile, layers: _Layers, collector: Collector) -> _Job:
    """``X.txt`` -> ``X.in`` (its ranges and comments, as written) + the lock ``X.txt``."""
    file = scanned.file
    refuse_literal_credentials(file)
    refuse_lossy_encoding(file)
    in_path = file.path.with_suffix(".in").absolute()
    text, layered = render_in(file, layers, collector)
    content = file.layout.encode(text)
    if in_path.exists() and in_path.read_bytes() != content:
        raise InputError(
            f"{display_path(in_path)} already exists and differs from what lockmigrate "
            "would write; move it away or merge it by hand",
            origin=None,
        )
    for requirement in file.requirements:
        if requirement.hashes:
            collector.warning(
                "hashes-in-input",
                "pip-compile does not use --hash pins written in an input; they stay in "
                "the .in, and --generate-hashes pins hashes in the .txt",
                requirement.origin,
            )
    return _Job(
        source=scanned,
        in_path=in_path,
        txt_path=file.path.absolute(),
        in_content=content,
        depends_on=layered,
    )


def _as_is_job(
    scanned: ScannedFile,
    source: RequirementFile,
    lock: Path,
    layers: _Layers,
    collector: Collector,
    *,
    base: Path | None = None,
) -> _Job:
    """Compile ``source`` as it is into ``lock``: a file kept as written (package metadata
    reads it), or the input of an existing lock (``--upgrade`` and ``check``). ``base`` is
    the lock of the package's main requirements when ``source`` holds one of its extras:
    an extra is installed on top of them, so its lock is layered on theirs."""
    constraints: dict[Path, Origin] = {}
    depends: tuple[Path, ...] = ()
    if source.path.suffix == ".in":
        # a pip-compile input carries its own -c lines: compile its locks first
        depends = tuple(
            lock_path
            for include in source.includes
            if include.resolved is not None
            for lock_path in [layers.for_include(Path(os.path.abspath(include.resolved)))[1]]  # noqa: PTH100
            if lock_path is not None
        )
    else:
        constraints = _command_line_constraints(source, layers, collector)
        if base is not None and base != lock and base not in layers.unlayerable:
            constraints.setdefault(base, Origin(path=source.display, line=1))
        depends = tuple(constraints)
    return _Job(
        source=scanned,
        in_path=source.path.absolute(),
        txt_path=lock,
        in_content=None,
        depends_on=depends,
        constraints=tuple(constraints),
        constraint_origins=tuple(constraints.values()),
    )


# How scan says that package metadata reads a file (see ScannedFile.kept).
_METADATA_READS = "package metadata reads it"


def _package_base(files: tuple[ScannedFile, ...]) -> Path | None:
    """The lock of a package's main requirements (the ``main`` file its metadata reads), on
    which the locks of its other metadata-read files (extras) are layered."""
    mains = [
        f
        for f in files
        if f.role == "main" and f.kept is not None and _METADATA_READS in f.kept and f.lock
    ]
    if len(mains) != 1 or mains[0].lock is None:
        return None
    return mains[0].lock.absolute()


def _included_by(file: RequirementFile, readers: Readers) -> set[Path]:
    """Every file ``file`` includes, directly or not."""
    graph = readers.include_graph([file.path], collector=Collector())
    return {path for path, _ in graph.files} - {file.path.absolute()}


def _plan_jobs(
    report: ScanReport,
    options: CompileOptions,
    collector: Collector,
    readers: Readers,
    *,
    refresh: bool = False,
) -> tuple[list[_Job], list[str]]:
    """Every compile ``report`` calls for, and the locks already migrated that are left
    alone, as shown (none when ``options`` or ``refresh`` re-lock them)."""
    files = [f for service in report.services for f in service.files]
    layers = _layers(files)
    jobs: list[_Job] = []
    for service in report.services:
        jobs += _service_jobs(service.files, layers, collector, readers)
    locks = [
        f
        for f in files
        if f.format is FileFormat.PIP_TOOLS_LOCK and f.input is not None and f.input.is_file()
    ]
    if not (options.upgrade or options.upgrade_packages or refresh):
        stale = _stale_locks(locks, layers, collector, readers)
        jobs += stale.values()
        return jobs, [display_path(f.path) for f in locks if f.path.absolute() not in stale]
    jobs += [_relock_job(scanned, layers, collector, readers) for scanned in locks]
    return jobs, []


def _service_jobs(
    files: tuple[ScannedFile, ...], layers: _Layers, collector: Collector, readers: Readers
) -> list[_Job]:
    """The compiles of one service's ``files`` that have no lock yet: each ranged file
    converted to a ``.in`` and its lock, and each file kept as written compiled as it is
    (an extra of the package layered on its main requirements' lock)."""
    base = _package_base(files)
    main = next((f for f in files if f.lock is not None and f.lock.absolute() == base), None)
    beneath = _included_by(main.file, readers) if main is not None else set()
    jobs: list[_Job] = []
    for scanned in files:
        path = scanned.path.absolute()
        if path in layers.converted:
            jobs.append(_converted_job(scanned, layers, collector))
        elif (
            scanned.format is FileFormat.RANGES
            and scanned.lock is not None
            and not scanned.lock.exists()
        ):
            extra = (
                scanned.kept is not None
                and _METADATA_READS in scanned.kept
                and path not in beneath  # the main requirements include it: no cycle
            )
            jobs.append(
                _as_is_job(
                    scanned,
                    scanned.file,
                    scanned.lock.absolute(),
                    layers,
                    collector,
                    base=base if extra else None,
                )
            )
    return jobs


def _stale_locks(
    locks: list[ScannedFile], layers: _Layers, collector: Collector, readers: Readers
) -> dict[Path, _Job]:
    """The re-locks, keeping every pin they can (as pip-compile run again keeps them), of
    the ``locks`` whose input (or a file it includes) changed since lockmigrate wrote them,
    as the digest in their header tells, and of every lock layered on one of those: a range
    edited in a ``.in`` is locked by running ``to-pip-tools`` again. A lock with no digest
    (written by pip-compile alone, or by another tool) is left as it is."""
    stale: dict[Path, _Job] = {}
    for scanned in locks:
        assert scanned.input is not None  # noqa: S101 - filtered by the caller
        recorded = recorded_digest(scanned.file.text)
        if recorded is not None and recorded != inputs_digest(
            scanned.input, parse=readers.requirements
        ):
            stale[scanned.path.absolute()] = _relock_job(scanned, layers, collector, readers)
            collector.info(
                "stale-lock",
                f"{scanned.input.name} (or a file it includes) changed since this lock was "
                "written: re-locked, keeping the pins its ranges still allow",
                Origin(path=scanned.file.display, line=1),
            )
    # the others' re-locks, each made once; its notes are kept only if it is re-locked
    others: dict[Path, tuple[_Job, Collector]] = {}
    if stale:
        for scanned in locks:
            if scanned.path.absolute() not in stale:
                notes = Collector()
                others[scanned.path.absolute()] = (
                    _relock_job(scanned, layers, notes, readers),
                    notes,
                )
    grown = bool(stale)
    while grown:  # a lock layered on one re-locked is re-locked after it, as make lock does
        grown = False
        for path, (job, notes) in list(others.items()):
            if any(dependency in stale for dependency in job.depends_on):
                stale[path] = job
                collector.extend(notes.items)
                del others[path]
                grown = True
    return stale


def _relock_job(
    scanned: ScannedFile, layers: _Layers, collector: Collector, readers: Readers
) -> _Job:
    """The compile that re-locks the existing lock ``scanned`` from its input, as it was
    made: with the constraints its header names, and hashes when it carries them."""
    assert scanned.input is not None  # noqa: S101 - filtered by the caller
    source = readers.requirements(scanned.input.read_bytes(), path=scanned.input)
    job = _as_is_job(scanned, source, scanned.path.absolute(), layers, collector)
    made_with = tuple(p for p in readers.recorded_constraints(scanned.file) if p.is_file())
    if made_with:  # re-lock as it was made: with the constraints its header names
        origin = Origin(path=source.display, line=1)
        job = replace(
            job,
            constraints=made_with,
            constraint_origins=(origin,) * len(made_with),
            depends_on=tuple(dict.fromkeys((*job.depends_on, *made_with))),
        )
    hashed = any(r.hashes for r in scanned.file.requirements)
    return replace(job, generate_hashes=hashed)


def _verify_ranges(job: _Job, lock: bytes, readers: Readers) -> None:
    """Every pin must satisfy every range the source file declared for the lock's
    environment (a violation is a bug in the resolver run and aborts the migration).

    A range whose marker is false for the Python the lock was made for (its header says,
    else this interpreter) does not apply: ``six==1.16.0; python_version < "3.10"`` beside
    ``six==1.17.0; python_version >= "3.10"``."""
    from lockmigrate.environment import target_environment

    header = readers.lock_header(lock[:4096].decode("utf-8", errors="replace"))
    environment = target_environment(lock_python=header.python_version)
    pins = _pins(lock, job.txt_path, readers)
    graph = readers.include_graph([job.source.path], collector=Collector())
    for _, requirement in graph.walk(job.source.path.absolute()):
        if requirement.kind is not RequirementKind.NAMED or not requirement.specifier:
            continue
        if not environment.applies(requirement.marker):
            continue
        pinned = pins.get(requirement.name or "")
        if pinned is None:
            continue  # not installed here (a marker excludes it)
        try:
            version = Version(pinned)
        except InvalidVersion:
            continue
        if not SpecifierSet(requirement.specifier).contains(version, prereleases=True):
            raise ExternalToolError(
                f"{display_path(job.txt_path)}: the resolver pinned {requirement.name}=="
                f"{pinned}, outside the range {requirement.specifier} declared at "
                f"{requirement.origin} (for {environment.describe()}); nothing was written"
            )


def _failing_origin(job: _Job, message: str, readers: Readers) -> Origin:
    """The line of ``job``'s input the resolver's message is about: a direct reference whose
    URL (or host) it names, else a requirement it names; else the file's first line."""
    graph = readers.include_graph([job.source.path], collector=Collector())
    requirements = [r for _, r in graph.walk(job.source.path.absolute())]
    lowered = message.lower()
    with_urls = [r for r in requirements if r.url is not None]
    for requirement in with_urls:  # the whole URL first, then its host
        assert requirement.url is not None  # noqa: S101 - filtered above
        if requirement.url.split("+", 1)[-1].split("#", 1)[0].lower() in lowered:
            return requirement.origin
    for requirement in with_urls:  # its file name, or its host without the port
        assert requirement.url is not None  # noqa: S101 - filtered above
        location = requirement.url.split("://", 1)[-1].split("#", 1)[0]
        host = location.split("/", 1)[0].rsplit("@", 1)[-1].split(":", 1)[0]
        leaf = location.rstrip("/").rsplit("/", 1)[-1] if "/" in location else ""
        if any(part and part.lower() in lowered for part in (leaf, host)):
            return requirement.origin
    for requirement in requirements:
        names = {requirement.name or "", (requirement.written_name or "").lower()} - {""}
        if any(re.search(rf"(?<![\w.-]){re.escape(n)}(?![\w-])", lowered) for n in names):
            return requirement.origin
    return Origin(path=job.source.file.display, line=1)


# What a resolver's words mean for the user, and what to do next.
_FAILURE_HINTS = (
    (
        ("could not resolve host", "dns error", "name or service not known", "connection refused",
         "failed to establish a new connection", "temporary failure in name resolution"),
        "this line needs a host that cannot be reached from here: migrate this file where it "
        "can be (--keep-going migrates the rest of the tree meanwhile)",
    ),
    (
        ("git sources cannot be editable",),
        "uv cannot install a git URL as editable: migrate this file with --resolver pip-tools, "
        "or drop -e for it",
    ),
    (
        ("was not found in the package registry", "no matching distribution found"),
        "the index has no release of this package: check its name, or the --index-url / "
        "--extra-index-url it needs",
    ),
)  # fmt: skip


def _hint(message: str) -> str:
    lowered = message.lower()
    if "hint: the package index" in lowered:
        return ""  # the index itself could not be reached: the resolver module said so
    for needles, hint in _FAILURE_HINTS:
        if any(needle in lowered for needle in needles):
            return f"\nhint: {hint}"
    return ""


def _include_of(file: RequirementFile, lock: Path) -> Origin:
    """The ``-r``/``-c`` line of ``file`` that layers it on ``lock`` (the include of the
    lock's input, or of the lock), else the file's first line."""
    for include in file.includes:
        if include.resolved is None:
            continue
        target = Path(os.path.abspath(include.resolved))  # noqa: PTH100
        names = {target.name, target.stem + "-lock.txt", target.stem + ".txt"}
        if target == lock or (
            lock.name in names and lock.parent in {target.parent, target.parent / "locks"}
        ):
            return include.origin
    return Origin(path=file.display, line=1)


def _explain(job: _Job, message: str, runner: _Runner) -> Explanation | None:
    """The range of ``job``'s files the resolver's ``message`` is about, and the conflict
    (see :mod:`lockmigrate.targets.conflicts`), when it can be told."""
    from lockmigrate.environment import target_environment

    environment = target_environment(python_version=runner.options.python_version)
    # the ranges: of the file migrated, or of the .in an existing lock is re-locked from
    # (check, --upgrade), not the lock's own pins
    ranges = job.source.path if job.in_content is not None else job.in_path
    graph = runner.readers.include_graph([ranges], collector=Collector())
    declared = [
        Declared(name=r.name, specifier=r.specifier, origin=r.origin)
        for _, r in graph.walk(ranges.absolute())
        if r.name and r.specifier and environment.applies(r.marker)
    ]
    pinned: list[Pinned] = []
    for lock in dict.fromkeys((*job.depends_on, *job.constraints)):
        mirrored = runner.mirrored(lock)
        if not mirrored.is_file():
            continue
        origin = _include_of(job.source.file, lock)
        pinned += [
            Pinned(name=name, version=version, lock=display_path(lock), origin=origin)
            for name, version in _pins(mirrored.read_bytes(), lock, runner.readers).items()
        ]
    return explain(message, declared=declared, pinned=pinned)


def _failure(job: _Job, error: ExternalToolError, runner: _Runner) -> Failure:
    """``job``'s failure at the line it is about: the range, with the conflict first, when
    :func:`_explain` can tell it; else the line the resolver's words name, with a hint."""
    # the scratch tree's paths in the resolver's words are the user's files
    message = str(error).replace(str(runner.mirror), str(runner.real_root))
    output = error.output if isinstance(error, ResolverError) else message
    explained = _explain(job, output, runner)
    if explained is not None:
        return Failure(
            file=job.source.file.display,
            origin=explained.origin,
            message=f"{explained.summary}\n{message}",
        )
    return Failure(
        file=job.source.file.display,
        origin=_failing_origin(job, message, runner.readers),
        message=message + _hint(message),
    )


def _check_upgrade_packages(
    jobs: list[_Job], names: tuple[str, ...], collector: Collector, readers: Readers
) -> None:
    """A warning for each ``-P`` package that no lock being re-locked pins: the resolvers
    ignore it silently, and the user probably misspelt it or meant another service."""
    pinned: set[str] = set()
    for job in jobs:
        if job.in_content is None and job.txt_path.is_file():
            pinned |= set(_pins(job.txt_path.read_bytes(), job.txt_path, readers))
    for name in names:
        canonical = canonicalize_name(re.split(r"[\[<>=!~;@ ]", name, maxsplit=1)[0])
        if canonical not in pinned:
            collector.warning(
                "upgrade-package-unlocked",
                f"--upgrade-package {name}: no lock being re-locked pins {canonical}, so it "
                "moves nowhere (check the name, or the paths given)",
            )


def plan_pip_tools(
    report: ScanReport,
    *,
    options: CompileOptions,
    collector: Collector,
    readers: Readers,
    progress: Progress | None = None,
    workers: int | None = None,
    refresh: bool = False,
    keep_going: bool = False,
    planned: Callable[[int], None] | None = None,
) -> MigrationResult:
    """Compile every ranged file of ``report`` and return the plan of file changes.

    ``progress`` hears ``(lock, "compiling")`` as each compile starts and ``(lock, "done")``
    as it ends; ``planned`` hears how many locks will be compiled, before the first starts.

    Raises :class:`ExternalToolError` naming the file, the line and the resolver's message
    when any compile fails; nothing is written either way. ``readers`` read what the run
    meets (the locks the resolver writes, the includes of each input): pass
    :func:`lockmigrate.sources.readers.readers`. With ``keep_going``, a file that
    fails (and every file layered on it) is left as it is and listed in
    :attr:`MigrationResult.failures`; the plan holds the rest.
    """
    jobs, already = _plan_jobs(report, options, collector, readers, refresh=refresh)
    if options.upgrade_packages:
        _check_upgrade_packages(jobs, options.upgrade_packages, collector, readers)
    if not jobs:
        return MigrationResult(plan=Plan(()), compiled=(), already_migrated=tuple(already))
    if planned is not None:
        planned(len(jobs))
    real_root = _real_root(jobs, readers)
    hidden = {job.txt_path for job in jobs} | {j.in_path for j in jobs if j.in_content}
    variables = _variables(jobs)
    with tempfile.TemporaryDirectory(prefix="lockmigrate-") as scratch:
        mirror = Path(scratch) / "tree"
        _overlay(real_root, mirror, hidden)
        _write_inputs(jobs, mirror, real_root, options)
        runner = _Runner(
            jobs={job.txt_path: job for job in jobs},
            mirror=mirror,
            real_root=real_root,
            options=options,
            progress=progress,
            workers=workers or min(len(jobs), os.cpu_count() or 1),
            keep_going=keep_going,
            readers=readers,
        )
        runner.run()
        _runner_warnings(runner, collector)
        outcome = _outcome(jobs, runner, variables=variables, keep_going=keep_going)
    return MigrationResult(
        plan=Plan(tuple(outcome.changes)),
        compiled=tuple(outcome.compiled),
        already_migrated=tuple(already),
        failures=tuple(outcome.failures),
    )


def _real_root(jobs: list[_Job], readers: Readers) -> Path:
    """The folder that holds every file the compiles of ``jobs`` read, includes of includes
    too: the scratch tree mirrors it."""
    involved: list[Path] = []
    for job in jobs:
        involved += [job.in_path, job.txt_path, *job.constraints]
        graph = readers.include_graph([job.source.path], collector=Collector())
        involved += [path for path, _ in graph.files]
    return _common_root(Path(os.path.normpath(p.parent)) for p in involved)


def _variables(jobs: list[_Job]) -> set[str]:
    """The names of the ``${VAR}`` environment variables the inputs of ``jobs`` use."""
    return {
        match.group("name")
        for job in jobs
        for raw in job.source.file.physical_lines
        for match in ENV_VAR_RE.finditer(raw)
    }


def _write_inputs(jobs: list[_Job], mirror: Path, real_root: Path, options: CompileOptions) -> None:
    """Write into the scratch tree ``mirror`` each new ``.in`` of ``jobs``, and a copy of
    each existing lock that a re-lock keeps as the resolver's preference."""
    for job in jobs:
        if job.in_content is not None:
            (mirror / job.in_path.relative_to(real_root)).write_bytes(job.in_content)
        elif not options.upgrade and job.txt_path.exists():
            # re-lock an existing pair: its lock is pip-compile's preference, as when a
            # person runs pip-compile again (a copy: never a link to the real file)
            (mirror / job.txt_path.relative_to(real_root)).write_bytes(job.txt_path.read_bytes())


def _runner_warnings(runner: _Runner, collector: Collector) -> None:
    """The warnings of a run: the constraints it left out, and the files it resolved for a
    newer Python than this one (one warning per Python)."""
    for origin, text in runner.dropped:
        collector.warning("layering-conflict", text, origin)
    for needed in sorted({version for _, version in runner.notes}):
        origins = sorted((origin for origin, version in runner.notes if version == needed), key=str)
        collector.warning(
            "python-version-derived",
            f"resolved for Python {needed}, which the ranges need (this interpreter is "
            f"older): {', '.join(o.path for o in origins)}; pass --python-version to "
            "choose another",
            origins[0],
        )


@dataclass(slots=True, kw_only=True)
class _Outcome:
    """What a run comes to: the file changes of the locks compiled (as shown), and the files
    that failed, each with its lock in ``failed``."""

    failures: list[Failure]
    failed: set[Path]
    changes: list[FileChange] = field(default_factory=list)
    compiled: list[str] = field(default_factory=list)


def _outcome(
    jobs: list[_Job], runner: _Runner, *, variables: set[str], keep_going: bool
) -> _Outcome:
    """The changes and failures of a finished run, taken in dependency order. Raises
    :class:`ExternalToolError` for the first failure unless ``keep_going``."""
    failures = [_failure(job, error, runner) for job, error in runner.failures]
    if failures and not keep_going:
        job, _ = runner.failures[0]
        first = failures[0]
        lock = display_path(job.txt_path)
        # the lock compiled, unless the origin names it already (a file compiled in place)
        where = f"{first.origin}" if first.origin.path == lock else f"{first.origin}: {lock}"
        raise ExternalToolError(
            f"{where} (service {display_path(service_dir_for(job.txt_path))}): "
            f"{first.message}{NOTHING_WRITTEN}"
        )
    outcome = _Outcome(failures=failures, failed={job.txt_path for job, _ in runner.failures})
    for job in _dependency_order(jobs):
        if job.txt_path not in outcome.failed:
            _take_changes(job, outcome, runner, variables=variables, keep_going=keep_going)
    return outcome


def _take_changes(
    job: _Job, outcome: _Outcome, runner: _Runner, *, variables: set[str], keep_going: bool
) -> None:
    """Add ``job``'s changes to ``outcome``, or its failure: a lock layered on one that
    failed is not taken, and neither, with ``keep_going``, is one that fails its checks."""
    broken = [dep for dep in job.depends_on if dep in outcome.failed]
    if broken:
        outcome.failed.add(job.txt_path)
        outcome.failures.append(
            Failure(
                file=job.source.file.display,
                origin=_include_of(job.source.file, broken[0]),
                message=f"not compiled: it is layered on {display_path(broken[0])}, "
                "which could not be compiled",
            )
        )
        return
    try:
        outcome.changes += _changes_for(
            job,
            runner=runner,
            options=runner.options,
            mirror=runner.mirror,
            real_root=runner.real_root,
            variables=variables,
        )
    except ExternalToolError as error:
        if not keep_going:
            raise
        outcome.failed.add(job.txt_path)
        outcome.failures.append(_failure(job, error, runner))
        return
    outcome.compiled.append(display_path(job.txt_path))


def _changes_for(
    job: _Job,
    *,
    runner: _Runner,
    options: CompileOptions,
    mirror: Path,
    real_root: Path,
    variables: set[str],
) -> list[FileChange]:
    """The ``.in`` (when new) and the lock ``job`` produced in the scratch tree, checked."""
    produced = runner.mirrored(job.txt_path).read_text(encoding="utf-8")
    produced = _relativize(produced, mirror, real_root, job.txt_path.parent)
    # the digest reads the scratch tree: there, included locks are the new ones
    digest = inputs_digest(runner.mirrored(job.in_path), parse=runner.readers.requirements)
    produced = with_input_digest(produced, digest)
    shown = display_path(job.txt_path)
    produced = _unexpanded(produced, variables)
    _check_secrets(shown, produced, variables)
    layout = job.source.file.layout
    before_lock = job.txt_path.read_bytes() if job.txt_path.exists() else None
    if job.in_content is None and before_lock is not None:
        layout = runner.readers.requirements(before_lock, path=job.txt_path).layout
    lock = layout.encode(produced.replace("\n", layout.newline))
    # files layered on this lock digest it as it will be written
    runner.mirrored(job.txt_path).write_bytes(lock)
    changes: list[FileChange] = []
    if job.source.format is not FileFormat.PIP_TOOLS_LOCK:
        _verify_ranges(job, lock, runner.readers)
    if job.in_content is not None:
        before_in = job.in_path.read_bytes() if job.in_path.exists() else None
        changes.append(
            FileChange(
                path=job.in_path,
                display=display_path(job.in_path),
                before=before_in,
                after=job.in_content,
                reason=f"the ranges of {shown}, as written",
            )
        )
    source = display_path(job.in_path)
    reason = f"exact pins compiled by {options.backend.value}"
    if job.in_content is None and job.source.kept is not None:
        reason += f" from {source}, which stays as written ({job.source.kept})"
    changes.append(
        FileChange(path=job.txt_path, display=shown, before=before_lock, after=lock, reason=reason)
    )
    return changes
