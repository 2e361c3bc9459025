"""The re-lock check's verdicts, kept on disk so that a second ``diff`` of the same inputs
runs no resolver (and no metadata reader) while the index has not changed.

A verdict is the :class:`~lockmigrate.diff.Relock` of one input: what a re-lock with upgrades
locked, and the ``Requires-Dist`` read to name what holds rows back. It is stored under a
key that digests everything the resolver's answer depends on that lockmigrate can see
(:func:`relock_key`): the input and every file its service reads, the lock compared, the
resolver (its executable, its version's files, its options and the Python it resolves
for), the index options, the ``PIP_*``/``UV_*`` variables and pip's and uv's configuration
files. Change any of them and the key is another, so the verdict is not found.

The index is the other input. A verdict records, for every project the diff read or the
re-lock pins, the digest of the index pages it was made from and the time until which every
one of those pages may be reused without asking the index (HTTP's ``max-age``; PyPI: ten
minutes). It is used only before that time and only when the pages this run read are the
same bytes: a verdict lives no longer than the pages it was made from, so it is never staler
than the resolver's own HTTP cache would make a fresh re-lock. An index that answers
``no-store`` (or a ``--find-links`` location, or a local file) gives no verdict to keep.

Entries are JSON, written through a temporary file and ``os.replace``; a damaged entry is a
miss. Keys and entries hold no credential: URLs are redacted before they are digested.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lockmigrate import __version__
from lockmigrate.diff.model import Relock
from lockmigrate.model.locks import Lock, LockHeader, LockKind, PinnedPackage
from lockmigrate.model.requirements import Origin

if TYPE_CHECKING:
    from lockmigrate.hashes import Hasher
    from lockmigrate.index import ProjectVersions
    from lockmigrate.resolve import CompileOptions

__all__ = ["RelockCache", "Verdict", "pages_needed", "relock_key"]

_FORMAT = 1


def _update(hasher: Hasher, label: str, data: bytes) -> None:
    hasher.update(f"{label}\0{len(data)}\0".encode() + data + b"\0")


def _file_identity(path: str | None) -> bytes:
    """A file's path, size and modification time: an upgraded executable or package is
    another file."""
    if not path:
        return b"-"
    try:
        status = os.stat(path)  # noqa: PTH116 - one call, no Path object
    except OSError:
        return f"{path}:missing".encode()
    return f"{path}:{status.st_size}:{status.st_mtime_ns}".encode()


def _resolver_identity(options: CompileOptions) -> bytes:
    import importlib.util

    from lockmigrate.resolve import Backend, uv_binary

    if options.backend is Backend.UV:
        return b"uv " + _file_identity(uv_binary())
    parts = [_file_identity(options.python or sys.executable)]
    if options.python is None:
        for module in ("piptools", "pip"):
            spec = importlib.util.find_spec(module)
            parts.append(_file_identity(spec.origin if spec is not None else None))
    return b"pip-tools " + b" ".join(parts)


def _redacted(data: bytes) -> bytes:
    """``data`` with the credentials in its URLs masked: a key never depends on a secret."""
    from lockmigrate.redact import redact_text

    text = data.decode("utf-8", "surrogateescape")
    return redact_text(text).encode("utf-8", "surrogateescape")


def _lock_text(lock: Lock) -> bytes:
    """What of a lock a re-lock's verdict depends on, as text."""
    packages = [
        (p.name, p.version, p.parents, p.sources, p.marker, p.url, p.groups) for p in lock.packages
    ]
    return _redacted(
        repr(
            (
                lock.kind.value,
                packages,
                lock.requires_python,
                [(o.name, o.value) for o in lock.index_options],
                lock.header.resolver,
                lock.header.python_version,
            )
        ).encode()
    )


def relock_key(
    *,
    files: Iterable[Path],
    lock: Lock,
    options: CompileOptions,
    python_version: str | None,
    index_lines: Sequence[str],
) -> str | None:
    """The key of the verdict on a re-lock of an input made with ``options`` for Python
    ``python_version``: a digest of the bytes of ``files`` (the input, what it includes, its
    service's other files and locks), of ``lock`` (the lock compared), of the resolver and its
    options, of ``index_lines``, of every ``PIP_*`` and ``UV_*`` variable (URLs redacted) and
    of pip's and uv's configuration files, and of the working folder (paths are shown
    relative to it). ``None`` when a file cannot be read (no verdict is then kept or used)."""
    from lockmigrate.hashes import sha256
    from lockmigrate.redact import redact_text

    hasher = sha256()
    _update(hasher, "format", f"{_FORMAT} {__version__} {sys.version} {sys.platform}".encode())
    _update(hasher, "resolver", _resolver_identity(options))
    _update(hasher, "options", repr(options).encode())
    _update(hasher, "python", str(python_version).encode())
    # the paths the verdict shows (-c FILE among a package's sources) are relative to it
    _update(hasher, "cwd", os.fsencode(Path.cwd()))
    _update(hasher, "index", redact_text("\n".join(index_lines)).encode())
    variables = sorted(
        (name, value) for name, value in os.environ.items() if name.startswith(("PIP_", "UV_"))
    )
    _update(hasher, "environment", redact_text(repr(variables)).encode())
    from lockmigrate.pipconfig import resolver_config_files

    for path in resolver_config_files():
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b"(none)"
        except OSError:
            return None
        _update(hasher, f"config {path}", _redacted(data))
    for path in sorted(set(files)):
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            data = b"(none)"
        except OSError:
            return None
        _update(hasher, f"file {path}", _redacted(data))
    _update(hasher, "lock", _lock_text(lock))
    return hasher.hexdigest()


def _relock_to_json(relock: Relock) -> dict[str, Any]:
    lock = relock.lock
    return {
        "made_by": relock.made_by,
        "lock": {
            "path": str(lock.path),
            "display": lock.display,
            "kind": lock.kind.value,
            "requires_python": lock.requires_python,
            "has_graph": lock.has_graph,
            "resolver": lock.header.resolver,
            "python_version": lock.header.python_version,
            "packages": [
                {
                    "name": p.name,
                    "version": p.version,
                    "origin": [p.origin.path, p.origin.line, p.origin.end_line],
                    "parents": list(p.parents),
                    "sources": list(p.sources),
                    "marker": p.marker,
                    "url": p.url,
                    "groups": list(p.groups),
                }
                for p in lock.packages
            ],
        },
        "requirements": [
            [name, version, list(texts)] for (name, version), texts in relock.requirements.items()
        ],
    }


def _relock_from_json(data: Mapping[str, Any]) -> Relock:
    lock = data["lock"]
    packages = tuple(
        PinnedPackage(
            name=str(p["name"]),
            version=p["version"],
            origin=Origin(path=p["origin"][0], line=p["origin"][1], end_line=p["origin"][2]),
            parents=tuple(p["parents"]),
            sources=tuple(p["sources"]),
            marker=p["marker"],
            url=p["url"],
            groups=tuple(p["groups"]),
        )
        for p in lock["packages"]
    )
    return Relock(
        lock=Lock(
            path=Path(lock["path"]),
            display=str(lock["display"]),
            kind=LockKind(lock["kind"]),
            packages=packages,
            requires_python=lock["requires_python"],
            has_graph=bool(lock["has_graph"]),
            header=LockHeader(resolver=lock["resolver"], python_version=lock["python_version"]),
        ),
        requirements={
            (str(name), str(version)): tuple(texts) for name, version, texts in data["requirements"]
        },
        made_by=data["made_by"],
    )


def pages_needed(relock: Relock, available: Mapping[str, ProjectVersions]) -> set[str]:
    """The projects whose pages a verdict depends on: every one the diff read, and every
    one the re-lock pins."""
    return set(available) | {package.name for package in relock.lock.packages}


@dataclass(frozen=True, slots=True, kw_only=True)
class Verdict:
    """A kept verdict: the re-lock, and the index pages it was made from (their digests by
    project, and until when all of them may be reused)."""

    relock: Relock
    pages: Mapping[str, str]
    expires: float

    def still_good(self, pages: Mapping[str, ProjectVersions], now: float) -> bool:
        """Whether the verdict may be used at ``now``, when the index gives ``pages``: each
        page it was made from is still fresh and is the same bytes. ``pages`` must hold
        every project of :attr:`pages`."""
        if self.expires <= now:
            return False
        for name, digest in self.pages.items():
            project = pages.get(name)
            if project is None or project.fresh_until is None or project.fresh_until <= now:
                return False
            if project.pages_digest != digest:
                return False
        return True


@dataclass(frozen=True, slots=True)
class RelockCache:
    """Verdicts under ``root``, one ``<key>.json`` each."""

    root: Path

    def load(self, key: str) -> Verdict | None:
        """The verdict kept under ``key`` (still to be checked: :meth:`Verdict.still_good`)."""
        try:
            entry = json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))
            if entry.get("format") != _FORMAT:
                return None
            return Verdict(
                relock=_relock_from_json(entry["relock"]),
                pages={str(name): str(digest) for name, digest in entry["pages"].items()},
                expires=float(entry["expires"]),
            )
        except (OSError, ValueError, KeyError, TypeError, IndexError, AttributeError):
            return None

    def store(
        self, key: str, relock: Relock, pages: Mapping[str, ProjectVersions], now: float
    ) -> bool:
        """Keep ``relock`` under ``key``, with the digest and freshness of ``pages`` (every
        project it depends on: :func:`pages_needed`). Nothing is kept when some page may not
        be reused; returns whether it was kept."""
        expiries = [p.fresh_until for p in pages.values()]
        if not pages or any(e is None or e <= now for e in expiries):
            return False
        digests = {name: project.pages_digest for name, project in pages.items()}
        if any(digest is None for digest in digests.values()):
            return False
        entry = {
            "format": _FORMAT,
            "expires": min(e for e in expiries if e is not None),
            "pages": digests,
            "relock": _relock_to_json(relock),
        }
        try:
            from lockmigrate.index.cache import write_atomically  # only after a re-lock ran

            self.root.mkdir(parents=True, exist_ok=True)
            write_atomically(self.root / f"{key}.json", json.dumps(entry).encode())
        except OSError:
            return False  # a read-only or full cache folder only costs speed
        self.prune(now)
        return True

    def prune(self, now: float) -> int:
        """Remove the verdicts no run may use any more (past their time, unreadable, or of
        another format), so the folder holds only what can still save a re-lock; returns
        how many were removed. Run after each store: a verdict lives minutes, the folder
        would otherwise grow by one file per re-lock for ever."""
        from lockmigrate.index.cache import remove_expired

        return remove_expired(self.root, entry_format=_FORMAT, now=now)
