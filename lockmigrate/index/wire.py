"""HTTP/1.1 bytes (RFC 9112): a ``GET`` request, and the responses read back.

Just what fetching index pages needs: a status line and headers, then a body framed by
``Transfer-Encoding: chunked``, by ``Content-Length``, or by the server closing the
connection; interim ``1xx`` responses skipped; whether the connection may be reused; and a
``CONNECT`` tunnel through a proxy. :func:`complete_length` frames a response from the bytes
received so far (and reads the common Content-Length case in the same pass);
:func:`read_reply` reads the others from a buffer. A response costs tens of microseconds of
Python, where ``http.client`` (which parses headers with the ``email`` package) costs
several hundred, and ``diff`` reads hundreds of pages in one run.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import BinaryIO, cast

__all__ = [
    "Reply",
    "WireError",
    "complete_length",
    "connect",
    "open_tunnel",
    "read_reply",
    "request_bytes",
]

_MAX_LINE = 65536
_MAX_HEADERS = 200
_NO_BODY = frozenset({204, 304})


class WireError(OSError):
    """The connection broke or the peer did not speak HTTP/1.x. ``stale`` is set when the
    peer closed the connection before answering at all: on a reused keep-alive connection
    that is the server having timed it out, and the request may be sent again."""

    def __init__(self, message: str, *, stale: bool = False) -> None:
        super().__init__(message)
        self.stale = stale


@dataclass(frozen=True, slots=True)
class Reply:
    """One response as read off the wire (header names in lower case, the body undecoded)."""

    status: int
    reason: str
    headers: dict[str, str]
    body: bytes
    reusable: bool


_HEX = frozenset(b"0123456789abcdefABCDEF")


def _is_status(text: str) -> bool:
    return len(text) == 3 and text.isascii() and text.isdigit()


def _length(text: str) -> int | None:
    """A Content-Length: ASCII digits (repeated equal values allowed), else ``None``."""
    values = {value.strip() for value in text.split(",")}
    if len(values) != 1:
        return None
    value = values.pop()
    return int(value) if value and value.isascii() and value.isdigit() else None


def _chunk_size(line: bytes) -> int | None:
    """A chunk's size line (extensions after ``;`` ignored): hex digits, else ``None``."""
    digits = line.split(b";", 1)[0].strip()
    return int(digits, 16) if digits and set(digits) <= _HEX else None


def _reusable(version: str, headers: dict[str, str]) -> bool:
    """Whether the connection may carry another request after this response."""
    if "transfer-encoding" in headers and "content-length" in headers:
        return False  # ambiguous framing: never trust what follows
    tokens = {token.strip().lower() for token in headers.get("connection", "").split(",")}
    return "close" not in tokens if version == "HTTP/1.1" else "keep-alive" in tokens


def request_bytes(target: str, headers: dict[str, str]) -> bytes:
    """A ``GET`` request for ``target`` with ``headers`` (``Host`` among them)."""
    lines = [f"GET {target} HTTP/1.1\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
    lines.append("\r\n")
    return "".join(lines).encode("latin-1")


def complete_length(buffer: bytes | bytearray, *, eof: bool) -> tuple[int, Reply | None] | None:
    """How many bytes at the start of ``buffer`` make one whole response (interim ``1xx``
    responses included), or ``None`` while more must be read; with the response itself when
    it was framed by ``Content-Length`` (or has no body), read in the same pass. A chunked
    or malformed one is left to :func:`read_reply`. At ``eof`` a response without framing
    ends where the buffer does."""
    start = 0
    while True:
        end = buffer.find(b"\r\n\r\n", start)
        if end < 0:
            return None
        head = bytes(buffer[start:end]).decode("latin-1").split("\r\n")
        fields = head[0].split(" ", 2)
        status = int(fields[1]) if len(fields) > 1 and _is_status(fields[1]) else 0
        headers: dict[str, str] = {}
        for line in head[1:]:
            name, separator, value = line.partition(":")
            if separator:
                key = name.strip().lower()
                value = value.strip()
                headers[key] = f"{headers[key]}, {value}" if key in headers else value
        body = end + 4
        if 100 <= status < 200:
            start = body
            continue
        if not fields[0].startswith("HTTP/1.") or not status:
            return (len(buffer) if eof else body), None  # read_reply says what is wrong
        reusable = _reusable(fields[0], headers)
        reason = fields[2].strip() if len(fields) > 2 else ""
        if status in _NO_BODY:
            return body, Reply(status, reason, headers, b"", reusable)
        if "chunked" in headers.get("transfer-encoding", "").lower():
            found = _chunked_end(buffer, body)
            return None if found is None else (found, None)
        if "content-length" in headers:
            length = _length(headers["content-length"])
            if length is None:
                return (len(buffer) if eof else body), None  # read_reply says what is wrong
            total = body + length
            if len(buffer) < total:
                return None
            return total, Reply(status, reason, headers, bytes(buffer[body:total]), reusable)
        if not eof:
            return None
        return len(buffer), Reply(status, reason, headers, bytes(buffer[body:]), False)


def _chunked_end(buffer: bytes | bytearray, position: int) -> int | None:
    while True:
        line_end = buffer.find(b"\r\n", position)
        if line_end < 0:
            return None
        size = _chunk_size(bytes(buffer[position:line_end]))
        if size is None:
            return line_end + 2  # read_reply reports the bad size
        if size == 0:
            position = line_end + 2
            while True:  # trailer fields, then the blank line
                trailer_end = buffer.find(b"\r\n", position)
                if trailer_end < 0:
                    return None
                if trailer_end == position:
                    return position + 2
                position = trailer_end + 2
        position = line_end + 2 + size + 2
        if position > len(buffer):
            return None


def _line(reader: BinaryIO) -> bytes:
    line = reader.readline(_MAX_LINE + 1)
    if len(line) > _MAX_LINE:
        raise WireError("response line too long")
    return line


def _head(reader: BinaryIO) -> tuple[str, int, str, dict[str, str]]:
    """Status line and headers of the next response."""
    try:
        first = _line(reader)
    except ConnectionResetError as error:
        raise WireError(f"ConnectionResetError: {error}", stale=True) from None
    if not first:
        raise WireError("the server closed the connection without answering", stale=True)
    version, _, rest = first.decode("latin-1").rstrip("\r\n").partition(" ")
    code, _, reason = rest.partition(" ")
    if not version.startswith("HTTP/1.") or not _is_status(code):
        raise WireError(f"not an HTTP/1.x response: {first[:80]!r}")
    headers: dict[str, str] = {}
    for _ in range(_MAX_HEADERS):
        line = _line(reader)
        if line in {b"\r\n", b"\n", b""}:
            return version, int(code), reason.strip(), headers
        name, separator, value = line.decode("latin-1").partition(":")
        if not separator:
            continue  # an obsolete folded or malformed line: ignored, as clients do
        key = name.strip().lower()
        headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
    raise WireError(f"more than {_MAX_HEADERS} header lines")


def _exactly(reader: BinaryIO, size: int) -> bytes:
    data = reader.read(size)
    if len(data) != size:
        raise WireError(f"the body ended after {len(data)} of {size} bytes")
    return data


def _chunked(reader: BinaryIO) -> bytes:
    parts: list[bytes] = []
    while True:
        size_line = _line(reader)
        size = _chunk_size(size_line.rstrip(b"\r\n"))
        if size is None:
            raise WireError(f"bad chunk size {size_line[:40]!r}")
        if size == 0:
            while _line(reader) not in {b"\r\n", b"\n", b""}:
                pass  # trailer fields
            return b"".join(parts)
        parts.append(_exactly(reader, size))
        _line(reader)  # the CRLF after the chunk


def read_reply(reader: BinaryIO, *, body: bool = True) -> Reply:
    """The next final response on ``reader`` (``1xx`` interim responses skipped)."""
    while True:
        version, status, reason, headers = _head(reader)
        if not 100 <= status < 200:
            break
    reusable = _reusable(version, headers)
    if not body or status in _NO_BODY:
        return Reply(status=status, reason=reason, headers=headers, body=b"", reusable=reusable)
    if "chunked" in headers.get("transfer-encoding", "").lower():
        content = _chunked(reader)
    elif "content-length" in headers:
        length = _length(headers["content-length"])
        if length is None:
            raise WireError(f"bad Content-Length {headers['content-length']!r}")
        content = _exactly(reader, length)
    else:
        content = reader.read()  # framed by the server closing the connection
        reusable = False
    return Reply(status=status, reason=reason, headers=headers, body=content, reusable=reusable)


def resolvable(host: str) -> str | bytes:
    """``host`` as :func:`socket.getaddrinfo` and ``server_hostname`` take it without the
    ``idna`` codec when it is ASCII: given a str, the socket and ssl modules encode it with
    that codec, whose first use imports ``stringprep`` and ``unicodedata`` (13 ms here).
    An internationalised name keeps the codec."""
    return host.encode("ascii") if host.isascii() else host


def connect(host: str, port: int, timeout: float) -> socket.socket:
    """A TCP connection, with Nagle's algorithm off (a request is one small write)."""
    # create_connection hands the host to getaddrinfo, which takes bytes too (typeshed: str)
    address = cast("str", resolvable(host))
    sock = socket.create_connection((address, port), timeout=timeout)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return sock


def open_tunnel(sock: socket.socket, authority: str, headers: dict[str, str]) -> None:
    """Ask the proxy at the other end of ``sock`` for a tunnel to ``authority``
    (``host:port``); raises :class:`WireError` unless it answers 2xx."""
    lines = [f"CONNECT {authority} HTTP/1.1\r\n", f"Host: {authority}\r\n"]
    lines += [f"{name}: {value}\r\n" for name, value in headers.items()]
    sock.sendall(("".join(lines) + "\r\n").encode("latin-1"))
    # Read the answer a byte at a time: nothing after its blank line may be consumed, as
    # the TLS handshake with the origin starts right there.
    received = bytearray()
    while not received.endswith(b"\r\n\r\n"):
        byte = sock.recv(1)
        if not byte or len(received) > _MAX_LINE:
            raise WireError("the proxy closed the connection while opening a tunnel")
        received += byte
    status_line = bytes(received).split(b"\r\n", 1)[0].decode("latin-1")
    parts = status_line.split(" ", 2)
    if len(parts) < 2 or not parts[1].startswith("2"):
        raise WireError(f"the proxy refused the tunnel: {status_line}")
