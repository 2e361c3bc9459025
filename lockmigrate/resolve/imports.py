"""``check --import``: a lock installed exactly into a throwaway environment, and every
top-level module of what it installed imported there, each in a fresh interpreter.

uv makes the environment (``uv venv --python X.Y``) and installs the lock into it (``uv pip
sync``), with pip's indexes from the user's configuration as :func:`resolver_environment`
hands them to uv; a lock that names its own indexes (``--index-url`` lines) is installed from
those applied over pip's configuration, as pip applies them (:class:`PackageSources`: uv
would prefer its variables to the file's lines).
The environment lives in a temporary folder that is removed however the run ends; uv's cache
is the user's, so a second run links the same wheels again in a second or two.

What each installed distribution provides is read inside the environment by
:mod:`importlib.metadata` (``top_level.txt``, else the ``RECORD``'s files): see
:data:`_LIST_MODULES`. Each module is then imported by ``python -I`` in a process of its own
(an import that crashes the interpreter or leaves it half-initialised touches no other),
as many at a time as there are cores.
"""

from __future__ import annotations

import contextlib
import enum
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from packaging.utils import canonicalize_name

from lockmigrate.errors import ExternalToolError
from lockmigrate.redact import redact_text
from lockmigrate.resolve.compile import resolver_environment
from lockmigrate.resolve.messages import distill_error
from lockmigrate.resolve.options import Backend, CompileOptions
from lockmigrate.resolve.processes import run, stop_all, stop_generation
from lockmigrate.resolve.uv import uv_binary, uv_command

__all__ = [
    "IMPORT_TIMEOUT",
    "ImportOutcome",
    "ImportRun",
    "ImportStatus",
    "InstalledModule",
    "PackageSources",
    "import_lock",
]

#: Seconds one module has to import before it counts as failed (an import that waits forever,
#: on a network or a lock, must not hold the gate).
IMPORT_TIMEOUT = 120.0
#: The exception of an import that needs a module nothing installed provides (a top-level
#: name: ``No module named 'a.b'`` is a module missing inside an installed package).
_MISSING_TOP_LEVEL = re.compile(r"^ModuleNotFoundError: No module named '(?P<name>[^'.]+)'$", re.M)
#: How many lines of a failure's output are kept (what was printed first, then the exception).
ERROR_LINES = 8

# Run inside the throwaway environment by its own interpreter (``python -I``): every
# distribution installed there, with the top-level modules it provides, as JSON. A name a
# distribution lists but that is not there to import is reported as missing (skipped).
_LIST_MODULES = r"""
import importlib.machinery, importlib.metadata, importlib.util, json, re, sys
suffixes = tuple(importlib.machinery.all_suffixes())
found = []
for dist in importlib.metadata.distributions():
    listed = dist.read_text("top_level.txt")
    names = set()
    if listed:
        names = {line.strip().split("/")[0] for line in listed.splitlines() if line.strip()}
    else:
        for file in dist.files or ():
            parts = file.parts
            if parts[0] == ".." or parts[0].endswith((".dist-info", ".data", ".egg-info")):
                continue
            # a package (numpy/), a module (six.py, _cffi_backend.cpython-311-....so); not a
            # folder of shared libraries (numpy.libs/) nor a .pth file
            if len(parts) > 1 and parts[-1].endswith(suffixes) and parts[0].isidentifier():
                names.add(parts[0])
            elif len(parts) == 1 and parts[0].endswith(suffixes):
                names.add(parts[0].split(".")[0])
    names.discard("__pycache__")
    modules, missing = [], []
    for name in sorted(names):
        if not name.isidentifier():
            missing.append(name)
            continue
        try:
            spec = importlib.util.find_spec(name)
        except (ImportError, ValueError):
            spec = None
        (modules if spec is not None else missing).append(name)
    requires = [re.match(r"[A-Za-z0-9._-]*", text).group() for text in dist.requires or ()]
    found.append({"name": dist.metadata["Name"], "version": dist.version,
                  "modules": modules, "missing": missing, "requires": requires})
json.dump({"python": sys.version.split()[0], "distributions": found}, sys.stdout)
"""

# Imports sys.argv[1]. On failure, what the exception says (and where it was raised) is
# written to standard output and the exit code is 1: standard error keeps what the import
# printed itself (NumPy's ABI message is printed there before its ImportError).
_IMPORT_MODULE = r"""
import importlib, sys, traceback
try:
    importlib.import_module(sys.argv[1])
except BaseException as error:
    sys.stderr.flush()
    frames = traceback.extract_tb(error.__traceback__)
    summary = "".join(traceback.format_exception_only(type(error), error)).strip()
    if frames:
        summary += f"\n(raised at {frames[-1].filename}:{frames[-1].lineno})"
    sys.stdout.write(summary)
    sys.exit(1)
"""


@dataclass(frozen=True, slots=True, kw_only=True)
class PackageSources:
    """Where uv installs from, when a lock names its own indexes: pip's configuration with
    the lock's ``--index-url`` (which replaces the configured one), ``--extra-index-url``,
    ``--find-links`` and ``--trusted-host`` applied as pip applies them. ``index_urls`` is
    empty after ``--no-index``."""

    index_urls: tuple[str, ...]
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()

    def environment(self, environment: dict[str, str]) -> dict[str, str]:
        """``environment`` with uv pointed at these sources and nothing else: uv prefers its
        variables to a requirements file's own lines, pip the other way round."""
        given = {
            name: value
            for name, value in environment.items()
            if name
            not in {
                "UV_INDEX_URL",
                "UV_EXTRA_INDEX_URL",
                "UV_DEFAULT_INDEX",
                "UV_INDEX",
                "UV_NO_INDEX",
            }
        }
        if self.index_urls:
            given["UV_DEFAULT_INDEX"] = self.index_urls[0]
            if self.index_urls[1:]:
                given["UV_INDEX"] = " ".join(self.index_urls[1:])
        else:
            given["UV_NO_INDEX"] = "1"
        if self.find_links:
            given["UV_FIND_LINKS"] = ",".join(self.find_links)
        if self.trusted_hosts:
            given["UV_INSECURE_HOST"] = " ".join(self.trusted_hosts)
        return given


@dataclass(frozen=True, slots=True, kw_only=True)
class InstalledModule:
    """A top-level module, and the distribution (as installed) that provides it."""

    module: str
    distribution: str
    version: str
    #: Whether it is its distribution's main module (named after it, or its only one). A
    #: second module that needs something nobody installed is an optional part, not a break:
    #: duckdb ships ``adbc_driver_duckdb``, which needs ``adbc_driver_manager``, an
    #: integration duckdb does not require.
    primary: bool = True


class ImportStatus(str, enum.Enum):
    """What became of one module."""

    IMPORTED = "imported"
    FAILED = "failed"
    # a distribution names it and nothing by that name is there to import; or it is an
    # optional part of its distribution (see InstalledModule.primary)
    SKIPPED = "skipped"


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportOutcome:
    """What importing one module gave (:class:`ImportStatus`);
    ``error`` the first lines of the failure (what the import printed, then the exception)
    or why it was skipped."""

    module: str
    distribution: str
    version: str
    status: ImportStatus
    error: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportRun:
    """One lock installed and imported: the environment's Python and every module's outcome
    (in module order)."""

    python: str
    outcomes: tuple[ImportOutcome, ...]


def _environment(sources: PackageSources | None) -> dict[str, str]:
    """uv's environment: pip's indexes handed over as for ``uv pip compile`` (or
    ``sources``, the lock's own), without the interpreter a compile names."""
    environment = resolver_environment(CompileOptions(backend=Backend.UV))
    environment.pop("UV_PYTHON", None)
    environment.pop("VIRTUAL_ENV", None)  # uv must not install into the user's environment
    return environment if sources is None else sources.environment(environment)


def _uv(
    arguments: list[str],
    workdir: Path,
    what: str,
    generation: int,
    sources: PackageSources | None = None,
) -> None:
    environment = _environment(sources)
    result = run([*uv_command(), *arguments], str(workdir), environment, generation=generation)
    if result.returncode != 0:
        message = distill_error(result.stderr or result.stdout)
        raise ExternalToolError(f"{what}:\n{redact_text(message)}")


def _interpreter(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _probe_environment() -> dict[str, str]:
    """The imports' environment: the user's, without what would point Python elsewhere
    (``python -I`` ignores ``PYTHON*`` itself; a process an import starts would not)."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("PYTHON") and name != "VIRTUAL_ENV"
    }


def _modules(
    python: Path, workdir: Path, generation: int
) -> tuple[str, list[InstalledModule], list[ImportOutcome]]:
    """The environment's Python version, the modules to import, and the names skipped (a
    distribution lists them, nothing by that name is there to import)."""
    result = run(
        [str(python), "-I", "-c", _LIST_MODULES],
        str(workdir),
        _probe_environment(),
        generation=generation,
    )
    if result.returncode != 0:
        raise ExternalToolError(
            "could not list the installed modules:\n" + redact_text(result.stderr.strip())
        )
    listing = json.loads(result.stdout)
    modules: dict[str, InstalledModule] = {}  # a namespace package shared is imported once
    skipped: list[ImportOutcome] = []
    for dist in sorted(listing["distributions"], key=lambda d: str(d["name"]).lower()):
        name, version = str(dist["name"]), str(dist["version"])
        for module in dist["modules"]:
            primary = len(dist["modules"]) == 1 or canonicalize_name(
                str(module)
            ) == canonicalize_name(name)
            modules.setdefault(
                str(module),
                InstalledModule(
                    module=str(module), distribution=name, version=version, primary=primary
                ),
            )
        skipped += [
            ImportOutcome(
                module=str(module),
                distribution=name,
                version=version,
                status=ImportStatus.SKIPPED,
                error=("listed by the distribution, but there is no such module to import",),
            )
            for module in dist["missing"]
        ]
    depth = _depths(
        {str(d["name"]): [str(r) for r in d["requires"]] for d in listing["distributions"]}
    )
    # what others require first: its bytecode, written by its own import, is then there for
    # theirs (compiling every file up front, uv's --compile-bytecode, takes longer than all
    # the imports together)
    ordered = sorted(
        modules.values(), key=lambda m: (depth.get(canonicalize_name(m.distribution), 0), m.module)
    )
    return str(listing["python"]), ordered, skipped


def _depths(requires: dict[str, list[str]]) -> dict[str, int]:
    """How deep each installed distribution sits: 0 for one that requires nothing
    installed, else one more than the deepest it requires (a cycle counts once)."""
    graph: dict[str, set[str]] = {
        canonicalize_name(name): {canonicalize_name(r) for r in wanted if r}
        for name, wanted in requires.items()
    }
    depth: dict[str, int] = {}

    def visit(name: str, path: frozenset[str]) -> int:
        if name not in depth:
            below = [
                visit(r, path | {name}) for r in graph.get(name, ()) if r in graph and r not in path
            ]
            depth[name] = 1 + max(below) if below else 0
        return depth[name]

    for name in graph:
        visit(name, frozenset())
    return depth


def _error_lines(result: subprocess.CompletedProcess[str], workdir: Path) -> tuple[str, ...]:
    """The first lines of a failed import: what it printed first, then the exception. Paths
    inside the environment (gone once the check ends) are shown from its site-packages."""
    import re

    inside = re.compile(
        re.escape(str(workdir)) + r"[/\\]env[/\\](?:lib[/\\]python[\d.]+[/\\])?(?:Lib[/\\])?"
        r"site-packages[/\\]"
    )
    printed = [inside.sub("", line) for line in result.stderr.splitlines() if line.strip()]
    raised = [inside.sub("", line) for line in result.stdout.splitlines() if line.strip()]
    if not raised:  # the interpreter died: a signal, or an exit from inside the import
        code = result.returncode
        raised = [f"the interpreter ended with exit code {code}"]
        if code < 0:
            import signal

            with contextlib.suppress(ValueError):  # not a signal Python knows
                raised = [f"the interpreter was killed by {signal.Signals(-code).name}"]
    keep = max(ERROR_LINES - len(raised), 3)
    return tuple(redact_text(line) for line in (*printed[:keep], *raised))[: ERROR_LINES + 2]


def _import_one(
    python: Path, installed: InstalledModule, workdir: Path, generation: int
) -> ImportOutcome:
    argv = [str(python), "-I", "-c", _IMPORT_MODULE, installed.module]
    try:
        result = run(
            argv, str(workdir), _probe_environment(), generation=generation, timeout=IMPORT_TIMEOUT
        )
    except subprocess.TimeoutExpired:
        error: tuple[str, ...] = (f"did not finish importing in {IMPORT_TIMEOUT:.0f} s",)
        status = ImportStatus.FAILED
    else:
        status = ImportStatus.IMPORTED if result.returncode == 0 else ImportStatus.FAILED
        error = () if result.returncode == 0 else _error_lines(result, workdir)
        needed = _MISSING_TOP_LEVEL.search(result.stdout) if result.returncode else None
        if needed is not None and not installed.primary:
            status = ImportStatus.SKIPPED
            error = (
                f"an optional part of {installed.distribution}: it needs "
                f"{needed.group('name')}, which {installed.distribution} does not require "
                "and nothing installed provides",
                *error,
            )
    return ImportOutcome(
        module=installed.module,
        distribution=installed.distribution,
        version=installed.version,
        status=status,
        error=error,
    )


def _import_all(
    python: Path,
    modules: Sequence[InstalledModule],
    workdir: Path,
    *,
    jobs: int,
    generation: int,
    on_module: Callable[[str, str], None] | None,
) -> list[ImportOutcome]:
    """Import each module in a process of its own, ``jobs`` at a time; ``on_module`` hears
    ``(module, "importing")`` and then ``"imported"`` or ``"failed"``."""
    from concurrent.futures import ThreadPoolExecutor

    def task(installed: InstalledModule) -> ImportOutcome:
        if on_module is not None:
            on_module(installed.module, "importing")
        outcome = _import_one(python, installed, workdir, generation)
        if on_module is not None:
            on_module(installed.module, outcome.status.value)
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = [pool.submit(task, installed) for installed in modules]
        try:
            return [future.result() for future in futures]
        except BaseException:
            stop_all()  # interrupted: end the imports running, start no other
            for future in futures:
                future.cancel()
            raise


def _base_interpreter(python: str | None) -> str:
    """What ``uv venv --python`` is given: this interpreter when ``python`` is its version
    (no search, and the interpreter the lock was most likely resolved with), else the
    version for uv to find (or download, where uv's settings allow it)."""
    running = (f"{sys.version_info[0]}.{sys.version_info[1]}", sys.version.split()[0])
    return sys.executable if python is None or python in running else python


def _cores() -> int:
    """The cores this process may run on (a container's share, not the machine's)."""
    if hasattr(os, "process_cpu_count"):  # Python 3.13
        return int(os.process_cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


def import_lock(
    lock: Path,
    *,
    python: str | None = None,
    sources: PackageSources | None = None,
    jobs: int | None = None,
    on_stage: Callable[[str], None] | None = None,
    on_planned: Callable[[int], None] | None = None,
    on_module: Callable[[str, str], None] | None = None,
) -> ImportRun:
    """Install ``lock`` (a requirements file of exact pins) into a new environment for
    ``python`` (``3.11``; this interpreter when ``None``) and import every top-level module
    of every distribution installed there; the environment is removed before returning.
    uv installs from ``sources`` when the lock names its own indexes, else from pip's
    configuration (and uv's own variables, which win over it).

    ``jobs`` imports run at a time (the core count by default). ``on_stage`` hears what is
    being done (creating the environment, installing), ``on_planned`` how many modules will
    be imported, ``on_module`` of each (see :func:`_import_all`). Raises
    :class:`~lockmigrate.errors.ExternalToolError` when uv is missing or fails (no such
    Python, a pin the index does not have), :class:`KeyboardInterrupt` when
    :func:`~lockmigrate.resolve.stop_all` stopped it."""
    if uv_binary() is None:
        raise ExternalToolError(
            "check --import needs uv to make the environment: install it with  "
            "pip install 'lockmigrate[uv]'"
        )
    generation = stop_generation()
    scratch = Path(tempfile.mkdtemp(prefix="lockmigrate-import-"))
    try:
        venv = scratch / "env"
        wanted = _base_interpreter(python)
        if on_stage is not None:
            on_stage(f"creating an environment for Python {python or sys.version.split()[0]}")
        _uv(
            ["venv", "--quiet", "--no-progress", "--no-project", "--python", wanted, str(venv)],
            scratch,
            f"uv could not create an environment for Python {wanted}",
            generation,
        )
        interpreter = _interpreter(venv)
        if on_stage is not None:
            on_stage("installing it exactly (uv pip sync)")
        _uv(
            [
                "pip",
                "sync",
                "--quiet",
                "--no-progress",
                "--python",
                str(interpreter),
                lock.name,
            ],
            lock.parent,
            f"uv pip sync could not install {lock.name}",
            generation,
            sources,
        )
        version, modules, skipped = _modules(interpreter, scratch, generation)
        if on_planned is not None:
            on_planned(len(modules))
        if on_stage is not None:
            on_stage(f"importing {len(modules)} modules")
        imported = _import_all(
            interpreter,
            modules,
            scratch,
            jobs=jobs or _cores(),
            generation=generation,
            on_module=on_module,
        )
        if on_stage is not None:
            on_stage("removing the environment")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    outcomes = sorted([*imported, *skipped], key=lambda o: (o.module.lower(), o.distribution))
    return ImportRun(python=version, outcomes=tuple(outcomes))
