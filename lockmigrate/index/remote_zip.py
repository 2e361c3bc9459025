"""Members of a wheel on an index, read with HTTP byte ranges where the server allows them.

A wheel is a zip archive, whose table of contents (the central directory) is at its end. So
:class:`RemoteZip` asks for the last 64 KiB first (``Range: bytes=-65536``), reads the
central directory from them (asking for more when it is longer), and then only the members
it is asked for: one range each, the member's local header and its compressed bytes. A server
that ignores ``Range`` answers the first request with the whole file, which is then read
locally, and checked against the page's SHA-256. :mod:`zipfile` does the reading, on a
file-like view of the ranges fetched, so ZIP64 and every compression it knows work as they
do locally.
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockmigrate.index.transport import Transport

__all__ = ["RemoteZip", "RemoteZipError"]

_TAIL = 64 * 1024  # the end-of-archive record and, for most wheels, the whole directory
_HEADER_SLACK = 1024  # a local header's extra field may be longer than the directory's copy
_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+)", re.IGNORECASE)


class RemoteZipError(Exception):
    """The archive could not be read: no answer, an HTTP error, a body that is not a zip
    archive or not the file the page's hash names. The message holds no credential."""


@dataclass(slots=True)
class _Ranges:
    """The byte ranges of one remote file fetched so far."""

    size: int
    spans: list[tuple[int, bytes]] = field(default_factory=list)

    def has(self, start: int, end: int) -> bool:
        return any(s <= start and end <= s + len(d) for s, d in self.spans)

    def read_at(self, start: int, end: int) -> bytes:
        for span_start, data in self.spans:
            if span_start <= start and end <= span_start + len(data):
                return data[start - span_start : end - span_start]
        raise RemoteZipError(f"bytes {start}-{end} were not fetched")


class _View(io.RawIOBase):
    """A seekable read-only file over the ranges of ``owner``, fetching what is missing (at
    least 64 KiB at a time, so that zipfile's small reads do not each cost a request)."""

    def __init__(self, owner: RemoteZip) -> None:
        super().__init__()
        self._owner = owner
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        size = self._owner.size
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: size}
        self._position = max(0, base[whence] + offset)
        return self._position

    def read(self, size: int | None = -1) -> bytes:
        total = self._owner.size
        start = self._position
        end = total if size is None or size < 0 else min(start + size, total)
        if end <= start:
            return b""
        data = self._owner.read_span(start, end, minimum=_TAIL)
        self._position = end
        return data

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


class RemoteZip:
    """A zip archive at ``url``, read through ``transport`` (pip's network settings and
    credentials). ``sha256`` is the page's hash of the file, checked when the whole file is
    downloaded. :attr:`ranged` says whether the server served ranges; :attr:`fetched` how
    many bytes came."""

    def __init__(self, transport: Transport, url: str, *, sha256: str | None = None) -> None:
        self._transport, self._url, self._sha256 = transport, url, sha256
        self.ranges: _Ranges | None = None
        self.ranged = False
        self.fetched = 0
        self.requests = 0
        self._archive: zipfile.ZipFile | None = None

    # -- HTTP ----------------------------------------------------------------------------

    def _get(self, first: int | None, last: int) -> tuple[int, dict[str, str], bytes]:
        from lockmigrate.index.transport import FetchError
        from lockmigrate.redact import redact_url

        try:
            response = self._transport.get_range(self._url, first, last)
        except FetchError as error:
            raise RemoteZipError(str(error)) from None
        self.requests += 1
        self.fetched += len(response.body)
        if response.status not in {200, 206}:
            reason = f"HTTP {response.status} {response.reason}".rstrip()
            raise RemoteZipError(f"{redact_url(self._url)}: {reason}")
        return response.status, dict(response.headers), response.body

    @property
    def size(self) -> int:
        """The file's size (known after the first request)."""
        return self.ranges.size if self.ranges is not None else 0

    def read_span(self, start: int, end: int, *, minimum: int = 0) -> bytes:
        """Bytes ``start`` to ``end`` (exclusive), fetched first when missing: at least
        ``minimum`` bytes from ``start``, up to the end of the file."""
        ranges = self.ranges
        assert ranges is not None  # noqa: S101 - set by the first request
        if not ranges.has(start, end):
            last = min(max(end, start + minimum), ranges.size) - 1
            status, _, body = self._get(start, last)
            if status == 206:
                ranges.spans.append((start, body))
            else:  # the server changed its mind: keep the whole file
                self._keep_whole(body)
        assert self.ranges is not None  # noqa: S101
        return self.ranges.read_at(start, end)

    def _keep_whole(self, body: bytes) -> None:
        from lockmigrate.redact import redact_url

        if self._sha256 and hashlib.sha256(body).hexdigest() != self._sha256:
            raise RemoteZipError(
                f"{redact_url(self._url)}: the file does not match the index's sha256"
            )
        self.ranges = _Ranges(size=len(body), spans=[(0, body)])

    def _open(self) -> zipfile.ZipFile:
        if self._archive is not None:
            return self._archive
        status, headers, body = self._get(None, _TAIL)
        match = _CONTENT_RANGE.match(headers.get("content-range", ""))
        if status == 206 and match is not None:
            self.ranged = True
            self.ranges = _Ranges(size=int(match.group(3)), spans=[(int(match.group(1)), body)])
        elif status == 206:
            raise RemoteZipError("a partial answer without a Content-Range: cannot place it")
        else:  # the server ignores ranges: this is the whole file
            self._keep_whole(body)
        try:
            self._archive = zipfile.ZipFile(_View(self))
        except (zipfile.BadZipFile, ValueError, EOFError) as error:
            raise RemoteZipError(f"not a zip archive ({error})") from None
        return self._archive

    # -- reading -------------------------------------------------------------------------

    def infolist(self) -> list[zipfile.ZipInfo]:
        """The archive's members, from its central directory."""
        return self._open().infolist()

    def read(self, info: zipfile.ZipInfo) -> bytes:
        """One member, uncompressed: its bytes asked for in one range first."""
        archive = self._open()
        assert self.ranges is not None  # noqa: S101 - set by _open
        start = info.header_offset
        end = min(
            start + 30 + len(info.orig_filename.encode()) + _HEADER_SLACK + info.compress_size,
            self.ranges.size,
        )
        self.read_span(start, end)
        try:
            return archive.read(info)
        except (zipfile.BadZipFile, ValueError, EOFError, OSError, zlib.error) as error:
            raise RemoteZipError(f"{info.filename}: cannot be read ({error})") from None
