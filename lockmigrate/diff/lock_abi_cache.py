"""The NumPy ABI check's findings on a whole pip-compile lock, kept on disk so that ``check``
of an unchanged lock neither judges it again nor imports the ABI check or the index client
(``check`` is what a pre-commit hook runs on every commit).

An entry is keyed by the lock's bytes (SHA-256), lockmigrate's version and the interpreter
and machine that choose the wheels judged (:func:`lock_key`). ``check`` keeps and reads
entries only for a lock whose recorded input digest it has just found matching: the lock's
bytes then name the bytes of its ``.in`` and of every file that includes, whose ranges say
whether a fix is in range. A lock judged with no finding is kept for good (the wheels a pin
installs do not change); one with findings (``abi-break``) for :data:`BREAK_LIFETIME`, as
long as PyPI lets the index pages its fix was searched in be reused, so that a release with
a fix is found as soon as a fresh judgement would find it; each store removes the findings
past their time (:func:`prune`), so the folder does not grow by a file per numpy-2 lock for
ever. A judgement that could not judge a package (offline, an index error) is not kept.

Entries live under the cache folder (:func:`lockmigrate.paths.default_cache_dir`,
``abi/locks/``): a clean lock is an empty ``<key>.clean`` (the usual answer costs one
``stat``), findings a ``<key>.json`` with each finding's message and lock line only (no path,
URL or credential). They are written through a temporary file and ``os.replace``; a damaged
entry is a miss.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path

from lockmigrate import __version__
from lockmigrate.digest import sha256_hex

__all__ = [
    "BREAK_LIFETIME",
    "KeptFinding",
    "kept_findings",
    "lock_key",
    "prune",
    "store_findings",
]

_FORMAT = 1
#: How long, in seconds, findings on a lock are replayed before it is judged again.
BREAK_LIFETIME = 600.0

#: One finding: its message, and the line span of the lock line it is about.
KeptFinding = tuple[str, int, int | None]


def _machine() -> str:
    """What besides the interpreter decides which wheel pip installs here: the machine, and
    the C library's version (manylinux tags)."""
    machine = os.uname().machine if hasattr(os, "uname") else ""
    try:
        libc = os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (AttributeError, ValueError, OSError):
        libc = ""
    return f"{machine} {libc}"


def lock_key(lock_bytes: bytes) -> str:
    """The key of the findings on a lock of these bytes, judged by this lockmigrate with
    this interpreter on this machine (the Python the lock is for is in its header)."""
    identity = f"{_FORMAT}\0{__version__}\0{sys.version}\0{sys.platform}\0{_machine()}\0"
    return sha256_hex(identity.encode() + lock_bytes)


def _folder(cache_dir: Path) -> Path:
    return cache_dir / "abi" / "locks"


def kept_findings(cache_dir: Path, key: str, *, now: float) -> list[KeptFinding] | None:
    """The findings kept under ``key`` (an empty list: the lock was judged clean), or
    ``None`` when there is no usable entry."""
    folder = _folder(cache_dir)
    if os.path.isfile(folder / f"{key}.clean"):  # noqa: PTH113 - the usual answer: one stat
        return []
    import json  # only for a lock with findings

    try:
        entry = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        if entry["format"] != _FORMAT or float(entry["expires"]) <= now:
            return None
        return [
            (str(message), int(line), None if end is None else int(end))
            for message, line, end in entry["findings"]
        ]
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store_findings(
    cache_dir: Path, key: str, findings: Sequence[KeptFinding], *, now: float
) -> None:
    """Keep ``findings`` under ``key``: none (the lock is clean) as an empty
    ``<key>.clean``, else ``<key>.json`` with the time they expire. A folder that cannot be
    written only costs the next run the judgement."""
    import json

    from lockmigrate.index.cache import write_atomically  # a judgement imported it already

    folder = _folder(cache_dir)
    if findings:
        name, other = f"{key}.json", f"{key}.clean"
        entry = {
            "format": _FORMAT,
            "expires": now + BREAK_LIFETIME,
            "findings": [list(finding) for finding in findings],
        }
        data = json.dumps(entry).encode()
    else:
        name, other, data = f"{key}.clean", f"{key}.json", b""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomically(folder / name, data)
        (folder / other).unlink(missing_ok=True)
    except OSError:
        return
    prune(cache_dir, now=now)


def prune(cache_dir: Path, *, now: float) -> int:
    """Remove the findings no run may replay any more (past their time, unreadable, or of
    another format); returns how many were removed. A clean lock's empty marker stays: it
    is never wrong for the lock, interpreter and lockmigrate its key names."""
    from lockmigrate.index.cache import remove_expired

    return remove_expired(_folder(cache_dir), entry_format=_FORMAT, now=now)
