"""The HTTP cache of simple-API pages, on disk under the user cache folder.

Responses are reused as HTTP says they may be: fresh for ``max-age`` (PyPI: 10 minutes),
then revalidated with ``If-None-Match``/``If-Modified-Since``; ``no-store`` and ``private``
responses are never written. Credentials never reach a key or a file.
"""

from __future__ import annotations

import json
import os
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lockmigrate.hashes import sha256_hex

__all__ = ["HttpCache", "cache_control", "freshness", "remove_expired", "write_atomically"]

_CACHE_FORMAT = 2


def cache_control(headers: Mapping[str, str]) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in headers.get("cache-control", "").split(","):
        key, sep, value = part.strip().partition("=")
        if key:
            directives[key.lower()] = value.strip('"') if sep else None
    return directives


@dataclass(slots=True)
class HttpCache:
    """Responses of simple-API pages on disk: ``<key>.json`` (headers, validators, expiry)
    beside ``<key>.body``. Written through a temporary file and ``os.replace``, so a reader
    never sees half an entry; a damaged entry is a miss."""

    root: Path
    _present: bool | None = None  # whether root exists (checked once: a cold cache is free)

    def _key(self, url: str, accept: str) -> str:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]  # credentials never reach the key or disk
        bare = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        return sha256_hex(f"{_CACHE_FORMAT}\n{bare}\n{accept}".encode())

    def load(self, url: str, accept: str) -> tuple[dict[str, Any], bytes] | None:
        if self._present is None:
            self._present = self.root.is_dir()
        if not self._present:
            return None
        key = self._key(url, accept)
        try:
            meta = json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))
            body = (self.root / f"{key}.body").read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or sha256_hex(body) != meta.get("sha256"):
            return None
        return meta, body

    def store(self, url: str, accept: str, meta: dict[str, Any], body: bytes) -> str:
        """Keep ``body`` with ``meta``; returns the body's SHA-256 (hex), also when the
        folder cannot be written."""
        key = self._key(url, accept)
        digest = sha256_hex(body)
        meta = {**meta, "sha256": digest}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._present = True
            write_atomically(self.root / f"{key}.body", body)
            write_atomically(self.root / f"{key}.json", json.dumps(meta).encode())
        except OSError:
            pass  # a read-only or full cache folder only costs speed
        return digest


def freshness(headers: Mapping[str, str], now: float) -> float | None:
    """Until when a response may be reused without asking, or ``None`` when it must not be
    stored at all."""
    directives = cache_control(headers)
    if "no-store" in directives or "private" in directives:
        return None
    has_validator = "etag" in headers or "last-modified" in headers
    if "no-cache" in directives:
        return now if has_validator else None
    max_age = directives.get("s-maxage") or directives.get("max-age")
    if max_age is not None:
        try:
            age = float(headers.get("age", "0") or 0)
            return now + max(0.0, float(max_age) - age)
        except ValueError:
            pass
    return now if has_validator else None


def write_atomically(path: Path, content: bytes) -> None:
    """Write ``content`` to ``path`` through a temporary file beside it, so that a reader
    sees the old file or the new one, never part of one (cache entries shared by runs)."""
    import tempfile

    descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        Path(name).replace(path)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def remove_expired(folder: Path, *, entry_format: int, now: float) -> int:
    """Remove the JSON entries in ``folder`` no run may use any more: past their
    ``expires``, of another ``format`` than ``entry_format``, or unreadable; returns how
    many were removed. The caches whose entries live minutes call it after each store, so
    their folder does not grow by a file per run for ever."""
    removed = 0
    try:
        entries = list(folder.glob("*.json"))
    except OSError:
        return 0
    for path in entries:
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            if entry.get("format") == entry_format and float(entry["expires"]) > now:
                continue
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            pass  # unreadable: of no use to anyone
        try:
            path.unlink()
            removed += 1
        except OSError:
            continue  # another run removed it, or the folder is read-only
    return removed
