"""Small servers on 127.0.0.1 for the index client's tests, and the pytest fixtures that start
them (registered from ``tests/conftest.py`` with ``pytest_plugins``):

* ``scripted(routes, tls=None)``: an HTTP/1.1 server (HTTPS with an ``ssl.SSLContext``)
  answering each path with its :class:`Reply`, or with what a function of the request returns;
  it records the paths, headers and client addresses it saw. A reply can be chunked, gzipped,
  slow, hang up, reset the connection, or be raw bytes (a server that is not quite HTTP).
* ``http_proxy``: a forward proxy (absolute-URI ``GET`` and ``CONNECT`` tunnels) that
  records the request lines and ``Proxy-Authorization`` headers it saw; ``https_proxy``, the
  same spoken to over TLS.
* ``socks_proxy()``: a SOCKS5 proxy (no authentication, or username/password) that records
  the destinations it was asked for.
* ``certificate_authority``: a trustme CA for the module.

Every server binds 127.0.0.1 on an ephemeral port and stops when the test ends.
"""

from __future__ import annotations

import gzip
import json
import select
import socket
import socketserver
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from http.client import HTTPConnection
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme

__all__ = [
    "JSON_TYPE",
    "Proxy",
    "Reply",
    "Scripted",
    "certificate_authority",
    "http_proxy",
    "https_proxy",
    "json_page",
    "scripted",
    "serve",
    "socks_proxy",
]

JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    chunked: bool = False
    gzipped: bool = False
    hang_up: bool = False  # close the connection after answering, without saying so
    raw: bytes | None = None  # written as is instead of a response, then the connection closes
    reset: bool = False  # no answer: the connection is reset (TCP RST)
    delay: float = 0.0  # seconds before answering


Route = Reply | Callable[[BaseHTTPRequestHandler], Reply]


@dataclass
class Scripted:
    """An HTTP/1.1 server on 127.0.0.1 answering each path with its :class:`Reply`."""

    routes: dict[str, Route]
    seen: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    connections: set[tuple[str, int]] = field(default_factory=set)
    url: str = ""

    def paths(self) -> list[str]:
        return [path for path, _ in self.seen]


def json_page(*filenames: str) -> Reply:
    """A PEP 691 page listing ``filenames``."""
    files = [{"filename": name, "url": name, "hashes": {}} for name in filenames]
    body = json.dumps({"meta": {"api-version": "1.0"}, "name": "x", "files": files})
    return Reply(body=body.encode(), headers={"Content-Type": JSON_TYPE})


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (a timeout, a refused certificate) is part of the test."""


@contextmanager
def serve(
    handler: type[BaseHTTPRequestHandler], context: ssl.SSLContext | None = None
) -> Iterator[str]:
    """Serve ``handler`` on 127.0.0.1 (HTTPS with ``context``); yields the base URL."""
    server = _QuietServer(("127.0.0.1", 0), handler)
    if context is not None:
        server.socket = context.wrap_socket(
            server.socket, server_side=True, do_handshake_on_connect=False
        )
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    scheme = "https" if context is not None else "http"
    try:
        yield f"{scheme}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _reset(connection: socket.socket) -> None:
    """Close with a TCP RST instead of a FIN."""
    connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    connection.close()


@pytest.fixture
def scripted() -> Iterator[Callable[..., Scripted]]:
    stack = ExitStack()

    def start(routes: dict[str, Route], *, tls: ssl.SSLContext | None = None) -> Scripted:
        state = Scripted(routes=routes)

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: object) -> None:
                pass

            def handle(self) -> None:
                if isinstance(self.connection, ssl.SSLSocket):
                    try:  # the handshake, here rather than in the accepting thread
                        self.connection.do_handshake()
                    except (ssl.SSLError, OSError):
                        return  # the client refused the certificate, or had none
                super().handle()

            def do_GET(self) -> None:
                state.seen.append((self.path, {k.lower(): v for k, v in self.headers.items()}))
                state.connections.add(self.client_address)
                route = state.routes.get(self.path, Reply(status=404, body=b"not found"))
                reply = route(self) if callable(route) else route
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.reset:
                    self.close_connection = True
                    _reset(self.connection)
                    return
                if reply.raw is not None:
                    self.wfile.write(reply.raw)
                    self.close_connection = True
                    return
                body = gzip.compress(reply.body) if reply.gzipped else reply.body
                self.send_response(reply.status)
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                if reply.gzipped:
                    self.send_header("Content-Encoding", "gzip")
                if reply.chunked:
                    self.send_header("Transfer-Encoding", "chunked")
                    self.end_headers()
                    for start in range(0, len(body), 7):
                        piece = body[start : start + 7]
                        self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
                    self.wfile.write(b"0\r\n\r\n")
                else:
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                self.close_connection = reply.hang_up

        state.url = stack.enter_context(serve(Handler, tls))
        return state

    with stack:
        yield start


@dataclass
class Proxy:
    """A proxy on 127.0.0.1: its URL and what it was asked."""

    url: str
    seen: list[str] = field(default_factory=list)  # "GET http://..." / "CONNECT host:port"
    authorizations: list[str | None] = field(default_factory=list)


def _relay(client: socket.socket, upstream: socket.socket) -> None:
    """Copy bytes both ways until either side closes (or 5 s of silence)."""
    sockets = [client, upstream]
    while True:
        readable, _, _ = select.select(sockets, [], [], 5)
        if not readable:
            return
        for sock in readable:
            try:
                data = sock.recv(65536)
            except OSError:
                return
            if not data:
                return
            (upstream if sock is client else client).sendall(data)


def _start_proxy(stack: ExitStack, tls: ssl.SSLContext | None = None) -> Proxy:
    """A forward proxy (TLS to the proxy itself with ``tls``)."""
    state = Proxy(url="")

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def handle(self) -> None:
            if isinstance(self.connection, ssl.SSLSocket):
                try:
                    self.connection.do_handshake()
                except (ssl.SSLError, OSError):
                    return
            super().handle()

        def do_GET(self) -> None:
            state.seen.append(f"GET {self.path}")
            state.authorizations.append(self.headers.get("Proxy-Authorization"))
            target = self.path.split("://", 1)[1]
            host, _, path = target.partition("/")
            upstream = HTTPConnection(host, timeout=10)
            forwarded = {
                name: value
                for name, value in self.headers.items()
                if name.lower() not in {"proxy-authorization", "connection", "host"}
            }
            upstream.request("GET", "/" + path, headers=forwarded)
            answer = upstream.getresponse()
            body = answer.read()
            self.send_response(answer.status)
            self.send_header("Content-Type", answer.getheader("Content-Type", ""))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            upstream.close()

        def do_CONNECT(self) -> None:
            state.seen.append(f"CONNECT {self.path}")
            state.authorizations.append(self.headers.get("Proxy-Authorization"))
            host, _, port = self.path.rpartition(":")
            upstream = socket.create_connection((host, int(port)), timeout=10)
            self.send_response(200, "Connection established")
            self.end_headers()
            try:
                _relay(self.connection, upstream)
            finally:
                upstream.close()
                self.close_connection = True

    state.url = stack.enter_context(serve(Handler, tls))
    return state


@pytest.fixture
def http_proxy() -> Iterator[Proxy]:
    """A forward proxy: absolute-URI GETs and CONNECT tunnels."""
    with ExitStack() as stack:
        yield _start_proxy(stack)


@pytest.fixture
def https_proxy(certificate_authority: trustme.CA) -> Iterator[Proxy]:
    """The same proxy, spoken to over TLS (an ``https://`` proxy URL), its certificate
    signed by ``certificate_authority``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    certificate_authority.issue_cert("127.0.0.1").configure_cert(context)
    with ExitStack() as stack:
        yield _start_proxy(stack, context)


class _SocksServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away is part of the test."""


@pytest.fixture
def socks_proxy() -> Iterator[Callable[..., Proxy]]:
    """A SOCKS5 proxy (RFC 1928), with username/password authentication (RFC 1929) when
    started with ``credentials=(user, password)``. ``seen`` holds ``host:port`` asked for,
    the host as the client sent it (a name for socks5h, an address for socks5)."""
    stack = ExitStack()

    def start(credentials: tuple[str, str] | None = None) -> Proxy:
        state = Proxy(url="")

        class Handler(socketserver.BaseRequestHandler):
            def _exactly(self, size: int) -> bytes:
                data = b""
                while len(data) < size:
                    more = self.request.recv(size - len(data))
                    if not more:
                        raise ConnectionError("the client went away")
                    data += more
                return data

            def handle(self) -> None:
                sock: socket.socket = self.request
                _, count = self._exactly(2)
                methods = self._exactly(count)
                wanted = 2 if credentials is not None else 0
                if wanted not in methods:
                    sock.sendall(b"\x05\xff")
                    return
                sock.sendall(bytes([5, wanted]))
                if credentials is not None:
                    _, size = self._exactly(2)
                    user = self._exactly(size).decode()
                    (size,) = self._exactly(1)
                    password = self._exactly(size).decode()
                    state.authorizations.append(f"{user}:{password}")
                    ok = (user, password) == credentials
                    sock.sendall(b"\x01\x00" if ok else b"\x01\x01")
                    if not ok:
                        return
                _, command, _, kind = self._exactly(4)
                if kind == 1:
                    host = socket.inet_ntoa(self._exactly(4))
                elif kind == 3:
                    (size,) = self._exactly(1)
                    host = self._exactly(size).decode()
                else:
                    host = socket.inet_ntop(socket.AF_INET6, self._exactly(16))
                (port,) = struct.unpack("!H", self._exactly(2))
                state.seen.append(f"{host}:{port}")
                if command != 1:
                    sock.sendall(b"\x05\x07\x00\x01" + bytes(6))
                    return
                try:
                    upstream = socket.create_connection((host, port), timeout=10)
                except OSError:
                    sock.sendall(b"\x05\x05\x00\x01" + bytes(6))
                    return
                sock.sendall(b"\x05\x00\x00\x01" + socket.inet_aton("127.0.0.1") + b"\x00\x00")
                try:
                    _relay(sock, upstream)
                finally:
                    upstream.close()

        server = _SocksServer(("127.0.0.1", 0), Handler)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()

        def stop() -> None:
            server.shutdown()
            server.server_close()
            thread.join()

        stack.callback(stop)
        state.url = f"127.0.0.1:{server.server_address[1]}"
        return state

    with stack:
        yield start


@pytest.fixture(scope="module")
def certificate_authority() -> trustme.CA:
    return trustme.CA()
