"""The only place that runs a resolver: pip-compile (pip-tools) or ``uv pip compile``,
always as a subprocess, never through pip's internals; and pip itself, to read what exact
versions require (:func:`read_requirements`).

A :class:`CompileJob` names an input and an output file relative to a working folder; the
resolver runs there with relative paths, so its header and ``# via`` annotations contain no
machine-specific path.
"""

from __future__ import annotations

import contextlib
import enum
import functools
import importlib.util
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from lockmigrate.errors import ExternalToolError, UsageError
from lockmigrate.pipconfig import read_index_settings
from lockmigrate.redact import redact_text

__all__ = [
    "Backend",
    "CompileJob",
    "CompileOptions",
    "ResolverError",
    "compile_requirements",
    "ignored_for_python",
    "installed",
    "is_running_python",
    "needed_python",
    "read_requirements",
    "resolver_argv",
    "stop_all",
    "stop_generation",
    "uv_binary",
]

# Options that keep machine- and secret-bearing lines out of the output. pip-compile writes
# index URLs from pip.conf with their credentials otherwise (pip-tools #1367, #2063).
_PIP_TOOLS_FLAGS = (
    "--quiet",
    "--allow-unsafe",
    "--strip-extras",
    "--no-emit-index-url",
    "--no-emit-trusted-host",
    "--no-emit-find-links",
)
_UV_FLAGS = ("--quiet", "--no-progress")


class ResolverError(ExternalToolError):
    """The resolver failed: ``str()`` is its message for people (long version lists
    shortened, hints added); :attr:`output` its distilled words in full, for callers that
    explain the failure (credentials redacted in both)."""

    def __init__(self, message: str, *, output: str) -> None:
        super().__init__(message)
        self.output = output


class Backend(str, enum.Enum):
    PIP_TOOLS = "pip-tools"
    UV = "uv"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompileOptions:
    backend: Backend = Backend.PIP_TOOLS
    generate_hashes: bool = False
    upgrade: bool = False
    #: ``-P``: the only packages a re-lock may move (``NAME`` or ``NAME==VERSION``); the
    #: others keep the pins of the existing lock
    upgrade_packages: tuple[str, ...] = ()
    python: str | None = None  # interpreter to run pip-tools with (must have pip-tools)
    python_version: str | None = None  # uv only: resolve for this Python version

    def __post_init__(self) -> None:
        if self.upgrade and self.upgrade_packages:
            raise UsageError("give --upgrade or --upgrade-package, not both")
        for name in self.upgrade_packages:
            if not _UPGRADE_PACKAGE.fullmatch(name):
                raise UsageError(
                    f"--upgrade-package takes a package name, or NAME==VERSION, not {name!r}"
                )


# a project name, optionally with a version specifier: what pip-compile's and uv's -P take
_UPGRADE_PACKAGE = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\s*(?:===|==|~=|!=|<=|>=|<|>)\s*[\w.*+!-]+)?"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompileJob:
    workdir: str
    input: str  # relative to workdir
    output: str  # relative to workdir
    #: constraints files passed on the command line (relative to workdir), for an input that
    #: must stay as written and so cannot carry its own ``-c`` lines
    constraints: tuple[str, ...] = ()
    #: the user's file ``input`` is made from, as errors name it (``input`` may be a scratch
    #: ``.in`` that does not exist outside the scratch tree)
    shown: str | None = None


_UV_LOOKUP = threading.Lock()


def uv_binary() -> str | None:
    """The uv executable: the one the ``uv`` package installed beside this interpreter (found
    as ``uv.find_uv_bin`` finds it), else ``uv`` on ``PATH``; ``None`` when there is none.
    Run directly: ``python -m uv`` would start a second Python only to find it.

    Looked up once, under a lock: the compile workers ask at the same moment, and
    ``find_uv_bin`` reads ``sysconfig``, whose first read is not thread-safe before Python
    3.13 (a second thread sees a half-filled table and ``EXE`` is ``None``)."""
    with _UV_LOOKUP:
        return _find_uv_binary()


@functools.lru_cache(maxsize=1)
def _find_uv_binary() -> str | None:
    if importlib.util.find_spec("uv") is not None:
        try:
            from uv import find_uv_bin

            return str(find_uv_bin())
        except (ImportError, FileNotFoundError):
            pass
    import shutil  # with bz2, lzma and fnmatch: only for the uv backend

    return shutil.which("uv")


def _uv_command() -> list[str]:
    found = uv_binary()
    if found is None:
        raise ExternalToolError(
            "the uv backend needs uv: install it with  pip install 'lockmigrate[uv]'"
        )
    return [found]


def installed(backend: Backend) -> bool:
    """Whether ``backend`` can run here (pip-tools is a dependency; uv is an extra)."""
    return backend is Backend.PIP_TOOLS or uv_binary() is not None


def resolver_argv(job: CompileJob, options: CompileOptions) -> list[str]:
    """The command line that compiles ``job``."""
    if options.python_version is not None and not re.fullmatch(
        r"3\.\d{1,2}(\.\d{1,2})?", options.python_version
    ):
        raise UsageError(
            f"--python-version takes a Python version such as 3.11, not {options.python_version!r}"
        )
    if options.backend is Backend.UV:
        if options.python is not None:
            raise UsageError("--python is for the pip-tools backend; use --python-version with uv")
        argv = [*_uv_command(), "pip", "compile", *_UV_FLAGS]
        if options.python_version:
            argv += ["--python-version", options.python_version]
        if options.generate_hashes:
            argv.append("--generate-hashes")
        if options.upgrade:
            argv.append("--upgrade")
        argv += [f"--upgrade-package={name}" for name in options.upgrade_packages]
        # one token, as for pip-compile: the header then reads unambiguously (a tool that
        # takes every *.txt on the command line for an input is not misled)
        argv += [f"--constraint={constraint}" for constraint in job.constraints]
        return [*argv, "--output-file", job.output, job.input]
    if options.python_version is not None and not (
        options.python is None and is_running_python(options.python_version)
    ):
        raise UsageError(
            f"pip-compile resolves for the interpreter it runs under, not for Python "
            f"{options.python_version}: use --python PATH (an interpreter of that version "
            "with pip-tools installed) without --python-version, or --resolver uv"
        )
    argv = [options.python or sys.executable, "-m", "piptools", "compile", *_PIP_TOOLS_FLAGS]
    if options.generate_hashes:
        argv.append("--generate-hashes")
    if options.upgrade:
        argv.append("--upgrade")
    argv += [f"--upgrade-package={name}" for name in options.upgrade_packages]
    argv += [f"--constraint={constraint}" for constraint in job.constraints]
    return [*argv, "--output-file", job.output, job.input]


def is_running_python(version: str) -> bool:
    """Whether ``version`` (``3.11`` or ``3.11.7``) is this interpreter's."""
    parts = version.split(".")
    return parts == [str(part) for part in sys.version_info[: len(parts)]]


def _environment(options: CompileOptions) -> dict[str, str]:
    environment = dict(os.environ)
    if options.backend is Backend.UV:
        # uv does not read pip's configuration: hand it the same indexes through its own
        # variables (not argv, so they never reach the output's header).
        settings = read_index_settings()
        if settings.index_url and "UV_INDEX_URL" not in environment:
            environment["UV_INDEX_URL"] = settings.index_url
        if settings.extra_index_urls and "UV_EXTRA_INDEX_URL" not in environment:
            environment["UV_EXTRA_INDEX_URL"] = " ".join(settings.extra_index_urls)
        if settings.find_links and "UV_FIND_LINKS" not in environment:
            environment["UV_FIND_LINKS"] = ",".join(settings.find_links)
        if settings.no_index and "UV_NO_INDEX" not in environment:
            environment["UV_NO_INDEX"] = "1"
        # pip compares the candidates of every index; uv by default takes a package from the
        # first index that has it. Resolve as pip does, so both backends give the same pins.
        environment.setdefault("UV_INDEX_STRATEGY", "unsafe-best-match")
        # --python-version X.Y needs no interpreter X.Y, but uv downloads one when none is
        # installed (seconds, and a request to GitHub) only to build source archives with it
        environment.setdefault("UV_PYTHON_DOWNLOADS", "never")
        # the interpreter to resolve for is this one, as for pip-compile: named, so uv does
        # not look for one (in the environment only: --python would put this machine's path
        # into the lock's header)
        environment.setdefault("UV_PYTHON", sys.executable)
    environment.setdefault("PIP_NO_INPUT", "1")
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # The header's "by the following command" must show pip-compile's own command line, so
    # that Dependabot and Renovate can re-run it.
    environment.pop("CUSTOM_COMPILE_COMMAND", None)
    environment.pop("UV_CUSTOM_COMPILE_COMMAND", None)
    environment["NO_COLOR"] = "1"
    return environment


_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w]*\.)+(?P<name>[A-Z]\w*): (?P<message>.*)$")
_CHAIN_LINES = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)


def distill_error(output: str) -> str:
    """The resolver's own words without Python tracebacks: pip-compile prints the whole
    chain of pip's exceptions when a resolution fails."""
    kept: list[str] = []
    in_traceback = False
    for line in output.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        in_traceback = False
        if not line.strip() or line.strip() in _CHAIN_LINES:
            continue
        match = _EXCEPTION_LINE.match(line)
        text = f"{match.group('name')}: {match.group('message')}" if match else line.rstrip()
        if text not in kept:
            kept.append(text)
    errors = [line.strip() for line in kept if line.strip().startswith("ERROR:")]
    if errors:  # pip's own explanation; the exception chain after it only repeats it
        return "\n".join([*errors, kept[-1]] if kept[-1].strip() not in errors else errors)
    return "\n".join(kept) or output.strip()


_RUNNING: set[subprocess.Popen[str]] = set()
_RUNNING_LOCK = threading.Lock()
#: how many times stop_all() ran: a run started before a stop starts nothing after it
_STOPS = [0]
#: How long a resolver has to end after SIGTERM before its process group is killed.
_GRACE_SECONDS = 0.4


def stop_generation() -> int:
    """A token for :func:`compile_requirements`: once :func:`stop_all` has run, a compile
    given an older token starts no resolver (it raises :class:`KeyboardInterrupt`)."""
    return _STOPS[0]


def _signal_group(process: subprocess.Popen[str], signum: int) -> None:
    """Send ``signum`` to ``process`` and every process it started (its process group: each
    resolver is started in a session of its own), or to the process alone on Windows."""
    if os.name != "posix":
        if process.poll() is None:
            process.terminate()  # TerminateProcess: at once, as SIGKILL
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signum)


def stop_all() -> None:
    """Stop every resolver still running, with the processes each one started (Ctrl-C, a
    cancelled CI job), and make sure that no compile of a run started before this call
    starts another one (:func:`stop_generation`). Returns within about half a second:
    SIGTERM to each resolver's process group, then SIGKILL to whatever is left."""
    with _RUNNING_LOCK:
        _STOPS[0] += 1
        running = list(_RUNNING)
    for process in running:
        _signal_group(process, signal.SIGTERM)
    deadline = time.monotonic() + _GRACE_SECONDS
    for process in running:
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=max(0.0, deadline - time.monotonic()))
    for process in running:  # the resolver, or a build backend it started, ignored SIGTERM
        _signal_group(process, getattr(signal, "SIGKILL", signal.SIGTERM))


def _run(
    argv: list[str],
    workdir: str,
    environment: dict[str, str],
    *,
    generation: int | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``workdir`` where :func:`stop_all` can stop it; its output is kept.

    It runs in a process group of its own: :func:`stop_all` ends it with everything it
    started, and Ctrl-C at the terminal reaches lockmigrate alone, which stops it. Given a
    ``generation`` (:func:`stop_generation`) older than the last stop, it starts nothing and
    raises :class:`KeyboardInterrupt`, as it does when it was stopped while running. pip
    checks out ``-e git+...`` requirements into <the running venv>/src by default: they go to
    a scratch folder instead, out of the user's environment."""
    import tempfile

    src = tempfile.TemporaryDirectory(prefix="lockmigrate-src-")
    environment = {**environment, "PIP_SRC": src.name}
    try:
        with _RUNNING_LOCK:
            if generation is not None and generation != _STOPS[0]:
                raise KeyboardInterrupt  # interrupted: start nothing new
            started = _STOPS[0]
            process = subprocess.Popen(
                argv,
                cwd=workdir,
                env=environment,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                errors="replace",
                start_new_session=os.name == "posix",
            )
            _RUNNING.add(process)
    except FileNotFoundError as error:
        src.cleanup()
        raise ExternalToolError(f"cannot run {argv[0]}: {error.strerror}") from None
    except BaseException:
        src.cleanup()
        raise
    try:
        stdout, stderr = process.communicate()
    finally:
        with _RUNNING_LOCK:
            _RUNNING.discard(process)
            stopped = started != _STOPS[0]
        src.cleanup()
    if stopped:
        raise KeyboardInterrupt  # stop_all() ended it: its output means nothing
    return subprocess.CompletedProcess(argv, process.returncode, stdout, stderr)


def compile_requirements(
    job: CompileJob, options: CompileOptions, *, generation: int | None = None
) -> None:
    """Run the resolver for ``job``; the output file is written in ``job.workdir``.

    Raises :class:`ExternalToolError` with the resolver's own message (credentials
    redacted) when it fails, and :class:`KeyboardInterrupt` when :func:`stop_all` stopped
    it, or ran since ``generation`` (:func:`stop_generation`) was taken: a run that is
    being interrupted starts no new resolver.
    """
    argv = resolver_argv(job, options)
    result = _run(argv, job.workdir, _environment(options), generation=generation)
    if result.returncode != 0:
        message = distill_error(result.stderr or result.stdout)
        if "No module named piptools" in message:
            message = f"{argv[0]} has no pip-tools installed"
        raise ResolverError(
            f"{options.backend.value} failed on {job.shown or job.input}:\n"
            f"{redact_text(_shorten_versions(message))}"
            + python_hint(message, options)
            + index_hint(result.stderr + result.stdout),
            output=redact_text(message),
        )


def read_requirements(
    pins: Iterable[tuple[str, str]],
    *,
    index_lines: Sequence[str] = (),
    python_version: str | None = None,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The ``Requires-Dist`` of each ``(name, version)`` in ``pins``, keyed by canonical name
    and version as given, read by pip from the index (the PEP 658 metadata file where the
    index serves one) without installing anything: ``pip install --dry-run --no-deps
    --ignore-installed --report``, one run for all. ``index_lines`` are a requirements file's
    index options (``--index-url ...``), applied over pip's configuration as pip applies
    them; ``python_version`` chooses the files for that Python.

    Raises :class:`ExternalToolError` (credentials redacted) when pip fails, on any of them.
    """
    import json
    import tempfile

    from packaging.utils import canonicalize_name

    wanted = {(canonicalize_name(name), version): (name, version) for name, version in pins}
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory(prefix="lockmigrate-metadata-") as scratch:
        lines = [*index_lines, *(f"{name}=={version}" for name, version in sorted(wanted))]
        (Path(scratch) / "pins.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        argv = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
            "--ignore-installed", "--quiet", "--report", "report.json", "-r", "pins.txt",
        ]  # fmt: skip
        if python_version is not None:
            argv += ["--python-version", python_version]
        # nothing is installed: a PIP_REQUIRE_VIRTUALENV meant for installs does not apply
        environment = {**_environment(CompileOptions()), "PIP_REQUIRE_VIRTUALENV": "0"}
        result = _run(argv, scratch, environment)
        if result.returncode != 0:
            message = distill_error(result.stderr or result.stdout)
            raise ExternalToolError(
                f"pip could not read the metadata of {len(wanted)} package(s):\n"
                f"{redact_text(_shorten_versions(message))}"
                + index_hint(result.stderr + result.stdout)
            )
        report = json.loads((Path(scratch) / "report.json").read_text(encoding="utf-8"))
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for item in report.get("install", ()):
        metadata = item.get("metadata", {})
        key = (canonicalize_name(str(metadata.get("name", ""))), str(metadata.get("version", "")))
        asked = wanted.get(key)
        if asked is None:  # pip normalised the version (1.0 -> 1.0.0): match it by value
            asked = next(
                (
                    pin
                    for (name, _), pin in wanted.items()
                    if name == key[0] and _same(pin[1], key[1])
                ),
                None,
            )
        if asked is not None:
            requires = metadata.get("requires_dist") or ()
            found[(key[0], asked[1])] = tuple(str(text) for text in requires)
    return found


def _same(left: str, right: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


_NEEDS_PYTHON = re.compile(
    r"(?:depends on Python\s*>=\s*|Requires-Python\s*>=\s*)(?P<version>3\.\d+)", re.IGNORECASE
)


_FROM_VERSIONS = re.compile(
    r"(?:satisfies the requirement (?P<requirement>[^\s(]+)[^\n]*?)?"
    r"\(from versions: (?P<versions>[^)]*)\)"
)
_IGNORED_FOR_PYTHON = re.compile(
    r"(?P<lead>Ignored the following versions that require a different python version: )"
    r"(?P<entries>[^\n]*)"
)
_SHOWN = 4  # versions shown of a long list


def _specifier_of(requirement: str | None) -> str:
    """The version specifier of a requirement as pip prints it (``django~=9.0``)."""
    if not requirement:
        return ""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return str(Requirement(requirement).specifier)
    except InvalidRequirement:
        return ""


def _shorten_versions(message: str) -> str:
    """pip lists every version it saw (about 400 for Django) and every one it ignored for
    another Python: keep the few nearest the failing range, and the count."""
    from packaging.version import InvalidVersion, Version

    from lockmigrate.specifiers import nearest_versions

    def shorten(match: re.Match[str]) -> str:
        texts = [v.strip() for v in match.group("versions").split(",") if v.strip()]
        if len(texts) <= 2 * _SHOWN:
            return match.group(0)
        versions = []
        for text in texts:
            try:
                versions.append(Version(text))
            except InvalidVersion:
                continue
        specifier = _specifier_of(match.group("requirement"))
        nearest = nearest_versions(versions, specifier, _SHOWN) if specifier else versions[-_SHOWN:]
        lead = match.group(0)[: match.start("versions") - match.start(0)]
        shown = ", ".join(str(version) for version in nearest)
        which = "nearest the range" if specifier else "the newest"
        return f"{lead}{len(texts)} in all; {which}: {shown})"

    def shorten_ignored(match: re.Match[str]) -> str:
        entries = [e.strip() for e in match.group("entries").split(";") if e.strip()]
        if len(entries) <= 2 * _SHOWN:
            return match.group(0)
        needs = sorted({entry.partition(" ")[2] for entry in entries})
        versions = [entry.partition(" ")[0] for entry in entries]
        return (
            f"{match.group('lead')}{', '.join(versions[:2])}, ..., {', '.join(versions[-2:])} "
            f"({len(entries)} versions; {', '.join(needs)})"
        )

    return _IGNORED_FOR_PYTHON.sub(shorten_ignored, _FROM_VERSIONS.sub(shorten, message))


_PIP_UNREACHABLE = re.compile(
    r"HTTP(?P<tls>S?)Connection\(host='(?P<host>[^']+)', port=(?P<port>\d+)\)"
    r"[^\n]*?(?P<why>\[Errno [^\]]+\] [^\"')]+|timed out|Name or service not known)"
    r"[^\n]*?: (?P<path>/\S*?)(?P<project>[^/\s]+)/\s*$",
    re.MULTILINE,
)
# a project page ends with "/" (a file to download does not)
_UV_UNREACHABLE = re.compile(
    r"Failed to fetch: `?(?P<url>https?://\S+/)(?P<project>[^/\s`]+)/(?=[`\s]|$)", re.MULTILINE
)
_UV_CAUSE = re.compile(r"^\s*cause: (?P<why>.+)$", re.MULTILINE)


def index_hint(output: str) -> str:
    """When the resolver's output shows that the package index itself could not be reached
    (pip reports this as "from versions: none"), a hint that says which index and why."""
    match = _PIP_UNREACHABLE.search(output)
    if match is not None:
        scheme = "https" if match.group("tls") else "http"
        url = f"{scheme}://{match.group('host')}:{match.group('port')}{match.group('path')}"
        why = match.group("why").split("] ", 1)[-1]
    else:
        uv = _UV_UNREACHABLE.search(output)
        if uv is None:
            return ""
        url = uv.group("url")
        causes = _UV_CAUSE.findall(output)
        why = causes[-1] if causes else "no answer"
    return (
        f"\nhint: the package index {redact_text(url)} could not be reached ({why.strip()}): "
        "the packages may well exist; check the index URL (--index-url, PIP_INDEX_URL, "
        "pip.conf), the proxy settings and the network"
    )


def ignored_for_python(message: str) -> list[tuple[str, str]]:
    """The releases pip says it ignored because they need another Python, each with what it
    needs: ``[("6.0", "Requires-Python >=3.12"), ...]``."""
    ignored = _IGNORED_FOR_PYTHON.search(message)
    if ignored is None:
        return []
    entries = (entry.strip().partition(" ") for entry in ignored.group("entries").split(";"))
    return [(version, needs.strip()) for version, _, needs in entries if version]


def needed_python(message: str) -> str | None:
    """The newest ``X.Y`` a resolver's message says the allowed releases need, if any.

    pip lists every release it ignored for another Python, whatever the range: when it
    names the requirement it could not satisfy, only the releases that requirement allows
    count (``django~=9.0`` is not helped by Django 6.0 needing Python 3.12)."""
    failing = _FROM_VERSIONS.search(message)
    ignored = _IGNORED_FOR_PYTHON.search(message)
    specifier = _specifier_of(failing.group("requirement")) if failing else ""
    if ignored is not None and specifier:
        from packaging.specifiers import SpecifierSet
        from packaging.version import InvalidVersion, Version

        allowed = SpecifierSet(specifier)
        kept = []
        for version, needs in ignored_for_python(message):
            try:
                if allowed.contains(Version(version), prereleases=True):
                    kept.append(needs)
            except InvalidVersion:
                continue
        message = message.replace(ignored.group(0), "; ".join(kept))
    needed = sorted(
        {match.group("version") for match in _NEEDS_PYTHON.finditer(message)},
        key=lambda v: tuple(int(p) for p in v.split(".")),
    )
    return needed[-1] if needed else None


def python_hint(message: str, options: CompileOptions) -> str:
    """A hint when the resolver failed because every allowed release needs a newer Python
    than the one it resolved for (Django 6 needs 3.12): how to resolve for that one."""
    version = needed_python(message)
    if version is None:
        return ""
    if options.python_version is not None and tuple(
        int(p) for p in options.python_version.split(".")[:2]
    ) >= tuple(int(p) for p in version.split(".")):
        return ""
    return (
        f"\nhint: the ranges need Python >= {version}. Resolve for it with "
        f"--resolver uv --python-version {version}, or --python with a Python {version} "
        "interpreter that has pip-tools installed."
    )
