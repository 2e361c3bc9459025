"""A warm ``diff``'s answer, kept: the same ``lockmigrate diff`` run again, on the same files,
while every index page it read may still be reused, prints what the first run printed.

A ``diff`` whose index pages all come fresh from the HTTP cache (HTTP's ``max-age``: ten
minutes on PyPI) asks the index nothing, so its answer is a function of its files and of
those pages alone. Working it out again costs a warm run about 100 ms, nearly all of it
Python importing the model and readers it needs; replaying it costs a few milliseconds. The
answer is kept under the cache folder (``diff-reports/``, see
:func:`lockmigrate.paths.default_cache_dir`) and replayed only when all of this holds:

- the same command line, working folder, environment (every variable but ``_``, ``PWD``,
  ``OLDPWD`` and ``SHLVL``), interpreter, lockmigrate version, and standard streams (a
  terminal or not, and its size): the key of the entry is a digest of them, so a change is
  another key;
- every file the first run read (requirements files and what they include, locks,
  ``pyproject.toml``, pip's and uv's configuration files) has the same bytes; the pip and
  uv configuration files that did not exist still do not, nor any file the run looked for
  and did not find (a ``pyproject.toml`` with a ``[tool.lockmigrate]`` table above the
  tree); no entry was added to or removed from any folder the run listed, any folder
  holding a file it read (a new lock beside an ``.in``), the interpreter's folder or a folder
  on ``PATH`` (an installed resolver); the files of lockmigrate and of every module it
  loaded are the same (an upgrade, an edited checkout);
- it is before the time until which every cached page, re-lock verdict and NumPy ABI
  verdict the first run read may be reused (ten minutes after the first run when it read
  none).

What the first run read is recorded as it happens, with a Python audit hook (:pep:`578`):
every file opened and every folder listed outside the import system. A run is not kept when
it wrote a file (a page or a verdict stored: the next run reads them and is kept), opened a
connection or started a process (a resolver, git), showed the live progress display, or
ended with an error other than its findings (exit 1). ``LOCKMIGRATE_NO_KEPT_DIFF=1`` turns
keeping and replaying off. Entries hold the output, which lockmigrate has already redacted,
and file names; the environment is only digested. Used by the command line only
(:func:`lockmigrate.cli.run`): a program calling :func:`lockmigrate.cli.main` or
:mod:`lockmigrate.api` always gets a fresh answer.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from lockmigrate import __version__
from lockmigrate.hashes import sha256, sha256_hex
from lockmigrate.paths import default_cache_dir

__all__ = ["DISABLE_ENV", "Recorder", "replay"]

DISABLE_ENV = "LOCKMIGRATE_NO_KEPT_DIFF"
_FORMAT = 1
_FOLDER = "diff-reports"
#: Variables a shell changes between two runs of the same command.
_VOLATILE = frozenset({"_", "OLDPWD", "PWD", "SHLVL"})
#: How long an answer that read no cached page (nothing asked of an index) is kept.
_DEFAULT_LIFE = 600.0
_SUMMARY = re.compile(r"lockmigrate: (?P<parts>.*) \([0-9]+\.[0-9] s\)\n")
_WRITES = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC
#: Events that make a run's answer depend on more than its files and cached pages.
_SPOILERS = frozenset(
    {"socket.connect", "socket.getaddrinfo", "subprocess.Popen", "os.system", "os.exec",
     "os.posix_spawn", "os.fork", "os.spawn"}
)  # fmt: skip
_UNREAD = ("/proc/", "/sys/", "/dev/")


def _disabled() -> bool:
    return os.environ.get(DISABLE_ENV, "") not in {"", "0"}


def _terminal(stream: TextIO) -> list[int] | None:
    try:
        if not stream.isatty():
            return None
        size = os.get_terminal_size(stream.fileno())
    except (AttributeError, OSError, ValueError):
        return None
    return [size.columns, size.lines]


def _key(arguments: Sequence[str]) -> str:
    """The digest of what the answer depends on besides files and pages (see the module)."""
    environment = sorted(
        (name, value) for name, value in os.environ.items() if name not in _VOLATILE
    )
    facts = [
        _FORMAT, __version__, sys.version, sys.executable, sys.platform, str(Path.cwd()),
        list(arguments), environment, _terminal(sys.stdout), _terminal(sys.stderr),
    ]  # fmt: skip
    text = json.dumps(facts, ensure_ascii=True)
    return sha256_hex(text.encode("ascii"))


def _entry_path(key: str) -> Path:
    return default_cache_dir() / _FOLDER / f"{key}.json"


def _digest(path: str) -> str | None:
    """The SHA-256 of the file at ``path``, ``""`` when there is none, ``None`` when it
    cannot be read."""
    try:
        with open(path, "rb") as handle:  # noqa: PTH123 - one call, no Path object
            return sha256(handle.read()).hexdigest()
    except FileNotFoundError:
        return ""
    except OSError:
        return None


def _identity(path: str) -> list[int] | None:
    """What tells a file written by renaming another over it (a cache entry, an installed
    module) from the one before: inode, size and modification time."""
    try:
        status = os.stat(path)  # noqa: PTH116 - one call, no Path object
    except OSError:
        return None
    return [status.st_ino, status.st_size, status.st_mtime_ns]


def _listing(path: str) -> str | None:
    """A digest of the names in the folder at ``path`` (``None`` when it cannot be listed):
    its entries themselves, not its modification time, which some file systems keep to a
    few milliseconds."""
    try:
        names = sorted(os.listdir(path))  # noqa: PTH208 - names only, no Path objects
    except OSError:
        return None
    return sha256_hex("\0".join(names).encode("utf-8", "surrogateescape"))


def _still_valid(entry: dict[str, Any]) -> bool:
    if entry.get("format") != _FORMAT or not time.time() < float(entry["expires"]):
        return False
    if any(_listing(path) != listing for path, listing in entry["folders"]):
        return False
    if any(os.path.lexists(path) for path in entry["absent"]):
        return False
    if any(_identity(path) != identity for path, identity in entry["identities"]):
        return False
    return all(_digest(path) == digest for path, digest in entry["files"])


def replay(arguments: Sequence[str]) -> int | None:
    """Print the kept answer of ``lockmigrate diff ARGUMENTS`` and return its exit code, or
    ``None`` when there is none that still holds (the caller then runs the diff)."""
    if _disabled():
        return None
    try:
        entry = json.loads(_entry_path(_key(arguments)).read_bytes())
        if not isinstance(entry, dict) or not _still_valid(entry):
            return None
        chunks = [(str(stream), str(text)) for stream, text in entry["chunks"]]
        code = int(entry["code"])
        made = time.strftime("%H:%M:%S", time.localtime(float(entry["made"])))
    except (OSError, ValueError, KeyError, TypeError):
        return None  # no entry, or a damaged one: a miss
    from lockmigrate.cli import elapsed

    for stream, text in chunks:
        if stream == "summary":
            sys.stdout.flush()
            sys.stderr.write(f"lockmigrate: {text}, as found at {made} ({elapsed():.1f} s)\n")
        else:
            (sys.stdout if stream == "out" else sys.stderr).write(text)
    return code


class _Tee:
    """A standard stream that also records what is written to it."""

    def __init__(self, stream: TextIO, name: str, chunks: list[list[str]]) -> None:
        self._stream, self._name, self._chunks = stream, name, chunks

    def write(self, text: str) -> int:
        self._chunks.append([self._name, text])
        written: int = self._stream.write(text)
        return written

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - whatever the stream has
        return getattr(self._stream, name)


class Recorder:
    """Watches one ``diff`` run (its files, its output) and keeps its answer when
    :meth:`finish` finds it may be replayed. Use :meth:`start`."""

    def __init__(self, arguments: Sequence[str]) -> None:
        self.key = _key(arguments)
        self.opened: dict[str, None] = {}
        self.listed: dict[str, None] = {}
        self.spoiled: str | None = None
        self.chunks: list[list[str]] = []
        self.active = True
        self._streams = (sys.stdout, sys.stderr)

    @classmethod
    def start(cls, arguments: Sequence[str]) -> Recorder | None:
        """A recorder watching from now on (standard streams included), or ``None`` when
        keeping is turned off."""
        if _disabled():
            return None
        recorder = cls(arguments)
        sys.addaudithook(recorder._audit)
        sys.stdout = _Tee(sys.stdout, "out", recorder.chunks)
        sys.stderr = _Tee(sys.stderr, "err", recorder.chunks)
        return recorder

    def spoil(self, reason: str) -> None:
        """This run's answer is not to be kept (``reason`` is for debugging)."""
        if self.spoiled is None:
            self.spoiled = reason

    def _audit(self, event: str, arguments: tuple[Any, ...]) -> None:
        """The audit hook. It must never raise: an exception in a hook fails the operation
        it audits (the open, the listing) instead; anything unexpected spoils the run."""
        if not self.active:
            return
        if event in _SPOILERS:
            self.spoil(event)
        elif event in {"open", "os.listdir", "os.scandir"}:
            try:
                self._record(event, arguments)
            except Exception as error:  # noqa: BLE001 - see the docstring
                self.spoil(f"{event}: {error!r}")

    def _record(self, event: str, arguments: tuple[Any, ...]) -> None:
        if sys._getframe(2).f_code.co_filename.startswith("<frozen importlib"):
            return  # the import system reading a module: see _modules()
        target = arguments[0] if arguments else None
        if target is None or isinstance(target, int):
            return
        path = os.path.abspath(os.fsdecode(target))  # noqa: PTH100
        if event != "open":
            self.listed[path] = None
            return
        mode, flags = arguments[1], arguments[2]
        writes = isinstance(mode, str) and any(c in mode for c in "wax+")
        if writes or (isinstance(flags, int) and flags & _WRITES):
            self.spoil(f"wrote {path}")
        elif not path.startswith(_UNREAD):
            self.opened[path] = None

    def finish(self, code: int, error: str | None = None) -> None:
        """The run ended with exit ``code`` (after ``error`` printed, if any): stop watching
        and keep its answer when it may be replayed. Never raises: a cache that cannot be
        written only costs the next run its speed."""
        self.active = False
        sys.stdout, sys.stderr = self._streams
        if "rich.live" in sys.modules:  # the live display was shown: not an answer to replay
            self.spoil("live display")
        if self.spoiled is not None:
            return
        try:
            entry = self._entry(code, error)
            if entry is None:
                return
            from lockmigrate.index.cache import remove_expired, write_atomically

            path = _entry_path(self.key)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, json.dumps(entry).encode("utf-8"))
            remove_expired(path.parent, entry_format=_FORMAT, now=time.time())
        except (OSError, ValueError):
            pass

    def abandon(self) -> None:
        """The run failed: stop watching, keep nothing."""
        self.spoil("failed")
        self.finish(code=-1)

    def _entry(self, code: int, error: str | None) -> dict[str, Any] | None:
        cache = os.path.abspath(default_cache_dir())  # noqa: PTH100
        now = time.time()
        expires = now + _DEFAULT_LIFE
        files: list[list[Any]] = []
        identities: list[list[Any]] = []
        for path in list(self.opened):  # copied: a late worker thread may still add
            if path.startswith(cache + os.sep):
                identity = _identity(path)  # None: looked for, not there, and must not be
                identities.append([path, identity])
                if identity is not None and path.endswith(".json"):
                    until = _expires(path)
                    if until is not None:
                        expires = min(expires, until)
            else:
                digest = _digest(path)  # "" for a file looked for (opened) and not found
                if digest is None:
                    return None
                files.append([path, digest])
        if expires <= now:
            return None
        for path in _modules():
            identity = _identity(path)
            if identity is not None:
                identities.append([path, identity])
        from lockmigrate.pipconfig import resolver_config_files

        absent = [str(path) for path in resolver_config_files() if not path.exists()]
        # a file found by looking whether it exists, not by opening it (a lock beside its
        # .in), shows as a change of its folder: the folders listed and those of the files
        # read (a file looked for and not found was opened: its absence is checked itself)
        folders = dict.fromkeys(list(self.listed))
        for path, digest in files:
            if digest:
                folders.setdefault(str(Path(path).parent))
        # the resolver a kept re-lock verdict was made with: uv or pip-compile beside this
        # interpreter or on PATH, looked for without opening anything
        for folder in [str(Path(sys.executable).parent), *os.get_exec_path()]:
            if folder:
                folders.setdefault(str(Path(folder).absolute()))
        listings = [[folder, _listing(folder)] for folder in folders]
        chunks = [_chunk(stream, text) for stream, text in self.chunks]
        if error is not None:
            chunks.append(["err", error])
        return {
            "format": _FORMAT,
            "expires": expires,
            "made": now,
            "code": code,
            "chunks": chunks,
            "files": files,
            "identities": identities,
            "absent": absent,
            "folders": listings,
        }


def _chunk(stream: str, text: str) -> list[str]:
    """A recorded write; the closing summary's time is left out (a replay prints its own)."""
    summary = _SUMMARY.fullmatch(text) if stream == "err" else None
    return ["summary", summary["parts"]] if summary is not None else [stream, text]


def _expires(path: str) -> float | None:
    """The ``expires`` of a JSON entry of one of lockmigrate's caches (an HTTP page's
    headers, a re-lock verdict, an ABI verdict), if it has one."""
    try:
        with open(path, "rb") as handle:  # noqa: PTH123 - one call, no Path object
            entry = json.loads(handle.read())
        return float(entry["expires"]) if isinstance(entry, dict) and "expires" in entry else None
    except (OSError, ValueError, TypeError):
        return None


def _modules() -> list[str]:
    """The files of every module loaded: lockmigrate's own and its libraries'."""
    found: dict[str, None] = {}
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if isinstance(path, str):
            found[path] = None
    return list(found)
