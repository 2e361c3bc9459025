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

import hashlib
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import SpecifierSet
from packaging.version import InvalidVersion, Version

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import ExternalToolError, InputError
from lockmigrate.model import IncludeKind, Origin, RequirementFile, RequirementKind
from lockmigrate.plan import FileChange, Plan
from lockmigrate.redact import contains_credentials
from lockmigrate.resolve import CompileJob, CompileOptions, compile_requirements, stop_all
from lockmigrate.resources import read_template
from lockmigrate.scan import FileFormat, ScannedFile, ScanReport
from lockmigrate.sources.discover import service_dir_for
from lockmigrate.sources.includes import display_path, load_graph
from lockmigrate.sources.requirements import ENV_VAR_RE, parse_bytes
from lockmigrate.targets.common import refuse_literal_credentials

__all__ = [
    "MigrationResult",
    "Progress",
    "inputs_digest",
    "plan_pip_tools",
    "recorded_digest",
    "with_input_digest",
]

Progress = Callable[[str, str], None]  # (file shown to the user, state)

_PEP263_RE = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")


@dataclass(frozen=True, slots=True, kw_only=True)
class _Job:
    source: ScannedFile
    in_path: Path
    txt_path: Path
    in_content: bytes | None  # None: the .in already exists and stays as it is
    depends_on: tuple[Path, ...]  # .txt files that must be compiled first


@dataclass(frozen=True, slots=True, kw_only=True)
class MigrationResult:
    plan: Plan
    compiled: tuple[str, ...]  # .txt files compiled, as shown
    already_migrated: tuple[str, ...]  # .in/.txt pairs left alone (no --upgrade)


def _header(file: RequirementFile, in_name: str, txt_name: str) -> str:
    text = read_template("pip-tools/in-header.txt").format(input=in_name, output=txt_name)
    return "".join(line + file.layout.newline for line in text.splitlines())


def render_in(
    file: RequirementFile,
    migrated: set[Path],
    unlayerable: frozenset[Path] = frozenset(),
    collector: Collector | None = None,
) -> tuple[str, tuple[Path, ...]]:
    """The text of the ``.in`` for ``file`` and the locks it is layered on.

    ``migrated`` holds the absolute paths of the ranged ``.txt`` files that have (or will
    have) a ``.in``: includes of those are rewritten and layered. A lock in ``unlayerable``
    holds editables or direct references, which pip refuses in a constraints file: the
    include is rewritten but not layered, and a warning says so.
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
    for line in file.lines:
        raw = "".join(file.physical_lines[max(line.first, keep_first) : line.first + line.count])
        include = line.include
        if (
            include is not None
            and include.kind is IncludeKind.REQUIREMENT
            and include.resolved is not None
            and include.resolved.absolute() in migrated
            and include.target.endswith(".txt")
        ):
            target_in = include.target[: -len(".txt")] + ".in"
            raw = raw.replace(include.target, target_in, 1)
            if include.resolved.absolute() in unlayerable:
                if collector is not None:
                    collector.warning(
                        "layering-skipped",
                        f"{include.target} holds editable or direct (URL/path) requirements, "
                        "which pip refuses in a -c constraints file: this file is compiled from "
                        f"{target_in}'s ranges without being layered on its lock, so shared "
                        "packages may be pinned differently (lockmigrate check reports it)",
                        include.origin,
                    )
            else:
                if not raw.endswith(("\n", "\r")):
                    raw += newline
                raw += f"-c {include.target}{newline}"
                layered.append(include.resolved.absolute())
        out.append(raw)
    return "".join(out), tuple(layered)


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


_DIGEST_PREFIX = "# lockmigrate: inputs "
_DIGEST_RE = re.compile(r"^# lockmigrate: inputs (?P<digest>sha256:[0-9a-f]{64})", re.MULTILINE)


def inputs_digest(in_path: Path, in_content: bytes | None = None) -> str:
    """A digest of a ``.in`` and every file it includes (``-r``/``-c``, recursively), so
    that ``lockmigrate check`` can tell a lock is fresh without resolving again."""
    digest = hashlib.sha256()
    pending = [(in_path.absolute(), in_content)]
    seen: set[Path] = set()
    while pending:
        path, content = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        data = content if content is not None else path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data + b"\0")
        file = parse_bytes(data, path=path)
        for include in file.includes:
            if include.resolved is not None and include.resolved.absolute().is_file():
                pending.append((include.resolved.absolute(), None))
    return "sha256:" + digest.hexdigest()


def recorded_digest(lock_text: str) -> str | None:
    """The input digest recorded in a lock's header, if lockmigrate wrote one."""
    match = _DIGEST_RE.search(lock_text)
    return match.group("digest") if match else None


def with_input_digest(text: str, digest: str) -> str:
    """``text`` with the digest line placed right after the resolver's header block."""
    lines = text.splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(_DIGEST_PREFIX)]
    end = 0
    while end < len(lines) and lines[end].startswith("#"):
        end += 1
    note = f"{_DIGEST_PREFIX}{digest} (lockmigrate check trusts this lock while it matches)\n"
    return "".join([*lines[:end], note, *lines[end:]])


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


def _pins(content: bytes, path: Path) -> dict[str, str]:
    lock = parse_bytes(content, path=path)
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
    failures: list[tuple[_Job, ExternalToolError]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def mirrored(self, path: Path) -> Path:
        return self.mirror / path.relative_to(self.real_root)

    def run_one(self, job: _Job) -> None:
        shown = display_path(job.txt_path)
        if self.progress:
            self.progress(shown, "compiling")
        in_mirror = self.mirrored(job.in_path)
        compile_requirements(
            CompileJob(
                workdir=str(in_mirror.parent),
                input=in_mirror.name,
                output=self.mirrored(job.txt_path).name,
            ),
            self.options,
        )
        if self.progress:
            self.progress(shown, "done")

    def run(self) -> None:
        pending = dict(self.jobs)
        done: set[Path] = set()
        running: dict[Future[None], _Job] = {}
        with ThreadPoolExecutor(max_workers=self.workers) as pool:
            try:
                self._schedule(pool, pending, done, running)
            except BaseException:
                stop_all()  # interrupted: stop the resolvers before waiting for threads
                raise

    def _schedule(
        self,
        pool: ThreadPoolExecutor,
        pending: dict[Path, _Job],
        done: set[Path],
        running: dict[Future[None], _Job],
    ) -> None:
        while pending or running:
            if not self.failures:
                for key, job in list(pending.items()):
                    if all(dep in done or dep not in self.jobs for dep in job.depends_on):
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
                else:
                    raise error
            if self.failures:
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


def _plan_jobs(
    report: ScanReport, options: CompileOptions, collector: Collector, *, refresh: bool = False
) -> tuple[list[_Job], list[str]]:
    files = [f for service in report.services for f in service.files]
    ranged = [f for f in files if f.format is FileFormat.RANGES and f.path.suffix == ".txt"]
    locks = [f for f in files if f.format is FileFormat.PIP_TOOLS_LOCK]
    migrated = {f.path.absolute() for f in ranged} | {
        f.path.absolute() for f in locks if f.path.with_suffix(".in").exists()
    }
    unlayerable = frozenset(
        f.path.absolute()
        for f in (*ranged, *locks)
        if any(r.editable or r.kind is not RequirementKind.NAMED for r in f.file.requirements)
    )
    jobs: list[_Job] = []
    for scanned in ranged:
        file = scanned.file
        refuse_literal_credentials(file)
        in_path = file.path.with_suffix(".in").absolute()
        text, layered = render_in(file, migrated, unlayerable, collector)
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
        jobs.append(
            _Job(
                source=scanned,
                in_path=in_path,
                txt_path=file.path.absolute(),
                in_content=content,
                depends_on=layered,
            )
        )
    already = [display_path(f.path) for f in locks if f.path.with_suffix(".in").exists()]
    if not (options.upgrade or refresh):
        for scanned in locks:
            in_path = scanned.path.with_suffix(".in")
            recorded = recorded_digest("".join(scanned.file.physical_lines))
            if in_path.exists() and recorded is not None and recorded != inputs_digest(in_path):
                collector.warning(
                    "stale-lock",
                    f"{in_path.name} (or a file it includes) changed since this lock was "
                    "written: re-lock it with the command in its header, or --upgrade "
                    "(lockmigrate check shows what differs)",
                    Origin(path=scanned.file.display, line=1),
                )
    if options.upgrade or refresh:
        for scanned in locks:
            in_path = scanned.path.with_suffix(".in").absolute()
            if not in_path.exists():
                continue
            source = parse_bytes(in_path.read_bytes(), path=in_path)
            depends = tuple(
                include.resolved.absolute().with_suffix(".txt")
                for include in source.includes
                if include.resolved is not None and include.target.endswith(".in")
            )
            jobs.append(
                _Job(
                    source=scanned,
                    in_path=in_path,
                    txt_path=scanned.path.absolute(),
                    in_content=None,
                    depends_on=depends,
                )
            )
        already = []
    return jobs, already


def _verify_ranges(job: _Job, lock: bytes) -> None:
    """Every pin must satisfy every range the source file declared for the lock's
    environment (a violation is a bug in the resolver run and aborts the migration).

    A range whose marker is false for the Python the lock was made for (its header says,
    else this interpreter) does not apply: ``six==1.16.0; python_version < "3.10"`` beside
    ``six==1.17.0; python_version >= "3.10"``."""
    from lockmigrate.environment import target_environment
    from lockmigrate.sources.lock_txt import read_header

    header = read_header(lock[:4096].decode("utf-8", errors="replace"))
    environment = target_environment(lock_python=header.python_version)
    pins = _pins(lock, job.txt_path)
    graph = load_graph([job.source.path], collector=Collector())
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


def plan_pip_tools(
    report: ScanReport,
    *,
    options: CompileOptions,
    collector: Collector,
    progress: Progress | None = None,
    workers: int | None = None,
    refresh: bool = False,
) -> MigrationResult:
    """Compile every ranged file of ``report`` and return the plan of file changes.

    Raises :class:`ExternalToolError` naming the file and the resolver's message when any
    compile fails; nothing is written either way.
    """
    jobs, already = _plan_jobs(report, options, collector, refresh=refresh)
    if not jobs:
        return MigrationResult(plan=Plan(()), compiled=(), already_migrated=tuple(already))
    # the scratch tree must hold every file the compiles read, includes of includes too
    involved: list[Path] = []
    for job in jobs:
        involved += [job.in_path, job.txt_path]
        graph = load_graph([job.source.path], collector=Collector())
        involved += [path for path, _ in graph.files]
    real_root = _common_root(Path(os.path.normpath(p.parent)) for p in involved)
    hidden = {job.txt_path for job in jobs} | {j.in_path for j in jobs if j.in_content}
    variables = {
        match.group("name")
        for job in jobs
        for raw in job.source.file.physical_lines
        for match in ENV_VAR_RE.finditer(raw)
    }
    with tempfile.TemporaryDirectory(prefix="lockmigrate-") as scratch:
        mirror = Path(scratch) / "tree"
        _overlay(real_root, mirror, hidden)
        for job in jobs:
            if job.in_content is not None:
                (mirror / job.in_path.relative_to(real_root)).write_bytes(job.in_content)
            elif not options.upgrade:
                # re-lock an existing pair: its lock is pip-compile's preference, as when a
                # person runs pip-compile again (a copy: never a link to the real file)
                (mirror / job.txt_path.relative_to(real_root)).write_bytes(
                    job.txt_path.read_bytes()
                )
        runner = _Runner(
            jobs={job.txt_path: job for job in jobs},
            mirror=mirror,
            real_root=real_root,
            options=options,
            progress=progress,
            workers=workers or min(len(jobs), os.cpu_count() or 1),
        )
        runner.run()
        if runner.failures:
            job, error = runner.failures[0]
            raise ExternalToolError(
                f"{display_path(job.txt_path)} "
                f"(service {display_path(service_dir_for(job.txt_path))}): "
                f"{error}\nNothing was written."
            )
        changes: list[FileChange] = []
        compiled: list[str] = []
        for job in _dependency_order(jobs):
            produced = runner.mirrored(job.txt_path).read_text(encoding="utf-8")
            produced = _relativize(produced, mirror, real_root, job.txt_path.parent)
            # the digest reads the scratch tree: there, included locks are the new ones
            produced = with_input_digest(produced, inputs_digest(runner.mirrored(job.in_path)))
            shown = display_path(job.txt_path)
            _check_secrets(shown, produced, variables)
            layout = job.source.file.layout
            if job.in_content is None:
                layout = parse_bytes(job.txt_path.read_bytes(), path=job.txt_path).layout
            lock = layout.encode(produced.replace("\n", layout.newline))
            # files layered on this lock digest it as it will be written
            runner.mirrored(job.txt_path).write_bytes(lock)
            if job.in_content is not None:
                _verify_ranges(job, lock)
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
            changes.append(
                FileChange(
                    path=job.txt_path,
                    display=shown,
                    before=job.txt_path.read_bytes(),
                    after=lock,
                    reason=f"exact pins compiled by {options.backend.value}",
                )
            )
            compiled.append(shown)
    return MigrationResult(
        plan=Plan(tuple(changes)), compiled=tuple(compiled), already_migrated=tuple(already)
    )
