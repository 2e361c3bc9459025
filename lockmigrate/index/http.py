"""A small HTTP client for simple-API pages, many at once from one thread.

It does what fetching index pages needs and nothing more: ``GET`` with keep-alive (up to a
given number of connections per origin, one reopened when the server closed it while idle),
redirects, gzip, basic auth from the URL, from another configured URL of the same host or
from ``~/.netrc`` (as pip's ``MultiDomainBasicAuth`` finds them), the ``*_proxy``/
``no_proxy`` variables (CONNECT tunnels for HTTPS), and TLS verified against the system's
certificates plus certifi's (or pip's ``cert`` setting alone). The bytes on the wire are
:mod:`.wire`'s.

Why not httpx (through unearth), requests or ``http.client``: importing either of the first
two costs more than the whole time budget of ``lockmigrate diff`` on a 200-package lock (see
``benchmarks/bench_diff.py``), and ``http.client`` spends about 0.4 ms of Python per
response parsing headers with the ``email`` package.
"""

from __future__ import annotations

import base64
import collections
import contextlib
import errno
import io
import os
import selectors
import socket
import threading
import time
import urllib.parse
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from lockmigrate import __version__
from lockmigrate.index.wire import (
    Reply,
    WireError,
    complete_length,
    connect,
    open_tunnel,
    read_reply,
    request_bytes,
    resolvable,
)
from lockmigrate.redact import redact_text, redact_url

if TYPE_CHECKING:
    import ssl
    from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["FetchError", "Response", "Transport"]

#: What a non-blocking socket raises when it has nothing to give or take yet; the ssl
#: module's two are added when TLS is first used (importing ssl costs ~7 ms that a plain
#: HTTP index never needs).
_WOULD_BLOCK: tuple[type[OSError], ...] = (BlockingIOError,)


def _load_ssl() -> None:
    global _WOULD_BLOCK  # noqa: PLW0603 - set once, before any TLS socket exists
    import ssl

    _WOULD_BLOCK = (BlockingIOError, ssl.SSLWantReadError, ssl.SSLWantWriteError)


_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 10
_USER_AGENT = f"lockmigrate/{__version__}"
_DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A request failed: no answer (refused, timed out, TLS) or too many redirects. The
    message starts with the redacted URL."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """A whole response: status, headers with lower-case names, the decoded body, and the
    URL it came from after redirects (credentials kept: redact before showing it)."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    url: str


def _describe(error: BaseException) -> str:
    text = str(error)
    return redact_text(f"{type(error).__name__}: {text}" if text else type(error).__name__)


def _origin(parts: urllib.parse.SplitResult) -> tuple[str, str, int]:
    scheme = parts.scheme.lower()
    return scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS.get(scheme, 80)


def _credentials_of(parts: urllib.parse.SplitResult) -> tuple[str, str] | None:
    if parts.username is None and parts.password is None:
        return None
    return (
        urllib.parse.unquote(parts.username or ""),
        urllib.parse.unquote(parts.password or ""),
    )


def _basic(credentials: tuple[str, str]) -> str:
    token = base64.b64encode(f"{credentials[0]}:{credentials[1]}".encode()).decode("ascii")
    return f"Basic {token}"


# --- proxies (the rules of urllib.request.getproxies_environment and proxy_bypass) ---------


def environment_proxies(environ: Mapping[str, str]) -> dict[str, str]:
    """``scheme -> proxy URL`` from ``<scheme>_proxy`` (lower case first, then upper) and
    ``all_proxy``; ``no`` holds ``no_proxy``."""
    proxies: dict[str, str] = {}
    for name, value in environ.items():
        lower = name.lower()
        if value and lower.endswith("_proxy") and lower == name:
            proxies[lower[: -len("_proxy")]] = value
    for name, value in environ.items():
        lower = name.lower()
        if value and lower.endswith("_proxy") and lower != name:
            proxies.setdefault(lower[: -len("_proxy")], value)
    return proxies


def bypasses_proxy(host: str, port: int, no_proxy: str) -> bool:
    """Whether ``host`` is listed in ``no_proxy`` (``*``, a host, ``.domain`` or
    ``domain`` for it and its subdomains, optionally with ``:port``)."""
    for entry in (part.strip().lower() for part in no_proxy.split(",")):
        if not entry:
            continue
        if entry == "*":
            return True
        name, _, wanted_port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
        if wanted_port and wanted_port != str(port):
            continue
        name = name.strip("[]").lstrip(".")
        if host == name or host.endswith("." + name):
            return True
    return False


# --- the transport --------------------------------------------------------------------------


@dataclass(slots=True)
class _Route:
    """An open connection to one origin, direct or through a proxy."""

    sock: socket.socket
    absolute: bool  # through a plain-HTTP proxy: the request line names the whole URL
    proxy_headers: dict[str, str]


class Transport:
    """GET requests, many at once (:meth:`get_many`); :meth:`close` stops the batches
    under way. Each batch keeps its own connections and closes them when it ends."""

    def __init__(
        self,
        *,
        urls: Sequence[str] = (),
        trusted_hosts: Sequence[str] = (),
        cert: str | None = None,
        timeout: float = 15.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self._timeout = timeout
        # pip's cert setting, else the variables requests (inside pip) reads
        self._cert = cert or env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE") or None
        self._context: ssl.SSLContext | None = None
        self._unverified: ssl.SSLContext | None = None
        self._trusted = frozenset(
            entry.rpartition(":")[0] if entry.count(":") == 1 else entry.strip("[]")
            for entry in trusted_hosts
        )
        home = env.get("HOME") or os.path.expanduser("~")  # noqa: PTH111
        self._netrc_path = env.get("NETRC") or os.path.join(home, ".netrc")  # noqa: PTH118
        self._netrc: dict[str, tuple[str, str] | None] = {}
        self._lock = threading.Lock()
        self.generation = 0  # close() moves it on; a batch started before stops
        proxies = environment_proxies(env)
        self._no_proxy = proxies.pop("no", "")
        self._proxies = proxies
        self._netlocs: dict[tuple[str, str], tuple[tuple[str, str, int], str, str | None]] = {}
        # Credentials written in any configured URL serve every request to the same origin.
        self._known: dict[tuple[str, str, int], tuple[str, str]] = {}
        for url in urls:
            parts = urllib.parse.urlsplit(url)
            credentials = _credentials_of(parts)
            if credentials is not None:
                self._known.setdefault(_origin(parts), credentials)

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """``GET url``, following redirects; raises :class:`FetchError` when there is no
        answer. Every HTTP status is an answer."""
        answer = self.get_many([(url, headers or {})], connections=1)[0]
        if isinstance(answer, FetchError):
            raise answer
        return answer

    def get_many(
        self,
        requests: Sequence[tuple[str, Mapping[str, str]]],
        *,
        connections: int = 16,
        on_answer: Callable[[int, Response | FetchError], None] | None = None,
    ) -> list[Response | FetchError]:
        """``GET`` each ``(url, headers)``, following redirects, with at most ``connections``
        open to each origin: one thread waits on every socket at once (see :class:`_Loop`).
        Answers come back in the order asked; a request without one gets its
        :class:`FetchError`. ``on_answer(position, answer)`` is called as each arrives, so
        that it can be read while the others are on their way."""
        return _Loop(self, max(1, connections), on_answer).run(requests)

    def close(self) -> None:
        """Make every running :meth:`get_many` stop: it answers what is left with an error
        and closes its own connections (within a quarter of a second). The transport can
        be used again afterwards."""
        with self._lock:
            self.generation += 1

    # -- credentials, TLS, proxies ---------------------------------------------------------

    def _credentials(self, parts: urllib.parse.SplitResult) -> tuple[str, str] | None:
        own = _credentials_of(parts)
        if own is not None:
            return own
        origin = _origin(parts)
        return self._known.get(origin) or self._from_netrc(origin[1])

    def _from_netrc(self, host: str) -> tuple[str, str] | None:
        with self._lock:
            if host not in self._netrc:
                self._netrc[host] = _read_netrc(self._netrc_path, host)
            return self._netrc[host]

    def _ssl_context(self, host: str) -> ssl.SSLContext:
        """TLS verified against pip's certificates, except for a ``--trusted-host``, whose
        certificate pip does not check either."""
        import ssl

        _load_ssl()
        with self._lock:
            if host in self._trusted:
                if self._unverified is None:
                    self._unverified = ssl.create_default_context()
                    self._unverified.check_hostname = False
                    self._unverified.verify_mode = ssl.CERT_NONE
                return self._unverified
            if self._context is None:
                self._context = _ssl_context(self._cert)
            return self._context

    def _proxy_for(self, scheme: str, host: str, port: int) -> urllib.parse.SplitResult | None:
        proxy = self._proxies.get(scheme) or self._proxies.get("all")
        if not proxy or bypasses_proxy(host, port, self._no_proxy):
            return None
        return urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")

    def _connect(self, origin: tuple[str, str, int]) -> _Route:
        """A connection to ``origin``, direct or through its proxy, blocking (the loop's
        helper threads open proxied connections with it)."""
        scheme, host, port = origin
        proxy = self._proxy_for(scheme, host, port)
        if proxy is not None and proxy.scheme not in {"http", ""}:
            raise FetchError(
                f"{redact_url(proxy.geturl())}: only http:// proxies are supported "
                "(HTTPS to the index still goes through them, in a CONNECT tunnel)"
            )
        headers: dict[str, str] = {}
        if proxy is not None:
            credentials = _credentials_of(proxy)
            if credentials is not None:
                headers["Proxy-Authorization"] = _basic(credentials)
        sock = (
            connect(host, port, self._timeout)
            if proxy is None
            else connect(proxy.hostname or "", proxy.port or 80, self._timeout)
        )
        try:
            if scheme == "https":
                if proxy is not None:
                    # The proxy is spoken to in plain HTTP; TLS to the origin goes inside.
                    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
                    open_tunnel(sock, authority, headers)
                sock = self._ssl_context(host).wrap_socket(sock, server_hostname=resolvable(host))
        except BaseException:
            sock.close()
            raise
        return _Route(
            sock=sock,
            absolute=proxy is not None and scheme == "http",
            proxy_headers=headers if proxy is not None and scheme == "http" else {},
        )

    # -- one request -----------------------------------------------------------------------

    def _prepare(
        self, url: str, headers: Mapping[str, str]
    ) -> tuple[tuple[str, str, int], str, str, dict[str, str]]:
        """Origin, request target (origin form), absolute form, and headers of a GET."""
        parts = urllib.parse.urlsplit(url)
        known = self._netlocs.get((parts.scheme, parts.netloc))
        if known is None:  # once per scheme and host: the pages of one index share them
            origin = _origin(parts)
            if origin[0] not in _DEFAULT_PORTS:
                raise FetchError(f"{redact_url(url)}: unsupported URL scheme {parts.scheme!r}")
            credentials = self._credentials(parts)
            known = (
                origin,
                parts.netloc.rpartition("@")[2],
                _basic(credentials) if credentials is not None else None,
            )
            self._netlocs[(parts.scheme, parts.netloc)] = known
        origin, netloc, authorization = known
        request_headers = {
            "Host": netloc,
            "User-Agent": _USER_AGENT,
            "Accept-Encoding": "gzip",
            **headers,
        }
        if authorization is not None:
            request_headers["Authorization"] = authorization
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        return origin, path, f"{parts.scheme}://{netloc}{path}", request_headers


def _response(url: str, reply: Reply) -> Response:
    try:
        body = _decode(reply.body, reply.headers.get("content-encoding", ""))
    except zlib.error as error:
        raise FetchError(f"{redact_url(url)}: undecodable body ({error})") from None
    return Response(
        status=reply.status, reason=reply.reason, headers=reply.headers, body=body, url=url
    )


# --- many requests, one thread ----------------------------------------------------------------


@dataclass(slots=True)
class _Job:
    index: int  # where its answer goes
    url: str  # as asked (answers are reported for it)
    current: str  # after redirects
    headers: Mapping[str, str]
    redirects: int = 0
    retried: bool = False
    prepared: tuple[tuple[str, str, int], str, str, dict[str, str]] | None = None


@dataclass(slots=True)
class _Slot:
    """A connection of the loop, with the job it is answering."""

    origin: tuple[str, str, int]
    route: _Route
    job: _Job | None = None
    outgoing: bytes = b""
    incoming: bytearray = field(default_factory=bytearray)
    used: bool = False  # a job was answered on it before (a keep-alive connection)
    deadline: float = 0.0
    closed: bool = False


@dataclass(slots=True)
class _Dialing:
    """A direct connection being opened by the loop: TCP connect, then the TLS handshake."""

    origin: tuple[str, str, int]
    sock: socket.socket
    addresses: list[tuple[int, tuple[Any, ...]]]  # the ones left to try after this one
    deadline: float
    tls: bool = False


class _Loop:
    """Many GETs at once from one thread: non-blocking sockets under a selector, so the
    answers cost a few tens of microseconds of Python each and no thread switches.

    Direct connections are opened by the loop itself (non-blocking connect, then the TLS
    handshake), trying each address of the host in turn as ``socket.create_connection``
    does; connections through a proxy are opened by a few helper threads with
    :meth:`Transport._connect`. A job whose keep-alive connection turns out to be closed by
    the server is sent again once on a new one.
    """

    def __init__(
        self,
        transport: Transport,
        per_origin: int,
        on_answer: Callable[[int, Response | FetchError], None] | None = None,
    ) -> None:
        self.transport = transport
        self.per_origin = per_origin
        self.on_answer = on_answer
        self.results: list[Response | FetchError | None] = []
        self.queues: dict[tuple[str, str, int], collections.deque[_Job]] = {}
        self.idle: dict[tuple[str, str, int], list[_Slot]] = {}
        self.counts: dict[tuple[str, str, int], int] = {}  # open or opening
        self.opening: dict[Future[_Route], tuple[str, str, int]] = {}
        self.opener: ThreadPoolExecutor | None = None
        self.dialing: list[_Dialing] = []
        self.addresses: dict[tuple[str, int], list[tuple[int, tuple[Any, ...]]]] = {}
        self.busy: list[_Slot] = []
        self.failures: dict[tuple[str, str, int], int] = {}
        self.left = 0

    def run(self, requests: Sequence[tuple[str, Mapping[str, str]]]) -> list[Response | FetchError]:
        generation = self.transport.generation
        self.results = [None] * len(requests)
        self.left = len(requests)
        for position, (url, headers) in enumerate(requests):
            self._enqueue(_Job(index=position, url=url, current=url, headers=headers))
        self.selector = selectors.DefaultSelector()
        try:
            while self.left:
                if self.transport.generation != generation:  # closed: nobody wants the answers
                    self._cancel_all()
                    break
                self._dispatch()
                timeout = 0.002 if self.opening else 0.25
                for key, mask in self.selector.select(timeout):
                    if isinstance(key.data, _Dialing):
                        self._on_dialing(key.data)
                    else:
                        self._on_ready(key.data, mask)
                self._collect_connections()
                self._expire()
        finally:
            for future in self.opening:
                future.cancel()
            if self.opener is not None:
                self.opener.shutdown(wait=True)
            for future in self.opening:
                if future.done() and future.exception() is None:
                    self._discard(future.result())
            for slot in [*self.busy, *(s for slots in self.idle.values() for s in slots)]:
                self._close(slot)
            for dialing in self.dialing:
                dialing.sock.close()
            self.selector.close()
        return [
            result if result is not None else FetchError("no answer") for result in self.results
        ]

    # -- jobs -----------------------------------------------------------------------------

    def _cancel_all(self) -> None:
        for queue in self.queues.values():
            while queue:
                job = queue.popleft()
                self._finish(job, FetchError(f"{redact_url(job.url)}: cancelled"))
        for slot in list(self.busy):
            running, slot.job = slot.job, None
            self.busy.remove(slot)
            self._close(slot)
            if running is not None:
                self._finish(running, FetchError(f"{redact_url(running.url)}: cancelled"))

    def _enqueue(self, job: _Job) -> None:
        try:
            job.prepared = self.transport._prepare(job.current, job.headers)
        except FetchError as error:
            self._finish(job, error)
            return
        except ValueError as error:  # a URL that does not parse (a port out of range...)
            self._finish(job, FetchError(f"{redact_url(job.current)}: {_describe(error)}"))
            return
        origin = job.prepared[0]
        self.queues.setdefault(origin, collections.deque()).append(job)

    def _finish(self, job: _Job, result: Response | FetchError) -> None:
        if self.results[job.index] is not None:
            return  # answered already (a broken connection reported twice)
        self.results[job.index] = result
        self.left -= 1
        if self.on_answer is not None:
            self.on_answer(job.index, result)

    def _open_proxied(self, origin: tuple[str, str, int]) -> None:
        """Open a connection through a proxy in a helper thread (the proxy's own address
        lookup, connect and CONNECT tunnel block); direct ones are dialled by the loop."""
        if self.opener is None:
            from concurrent.futures import ThreadPoolExecutor  # only with a proxy

            self.opener = ThreadPoolExecutor(max_workers=min(self.per_origin, 8))
        self.opening[self.opener.submit(self.transport._connect, origin)] = origin

    def _dispatch(self) -> None:
        for origin, queue in self.queues.items():
            idle = self.idle.setdefault(origin, [])
            while queue and idle:
                self._start(idle.pop(), queue.popleft())
            if not queue:
                continue
            # one more connection per waiting job not already covered by one being opened,
            # within the limit (which counts the connections open and being opened)
            opening = sum(1 for o in self.opening.values() if o == origin)
            opening += sum(1 for d in self.dialing if d.origin == origin)
            wanted = min(len(queue) - opening, self.per_origin - self.counts.get(origin, 0))
            if self.failures.get(origin, 0) >= self.per_origin:
                wanted = 0 if self.counts.get(origin, 0) else wanted  # the open ones go on
            direct = self.transport._proxy_for(*origin) is None
            for _ in range(max(0, wanted)):
                self.counts[origin] = self.counts.get(origin, 0) + 1
                if direct:
                    self._dial(origin)
                else:
                    self._open_proxied(origin)
                if not self.queues.get(origin):
                    break  # the origin failed: every job waiting for it has its error

    def _start(self, slot: _Slot, job: _Job) -> None:
        assert job.prepared is not None  # noqa: S101 - set by _enqueue
        _, path, absolute, headers = job.prepared
        target = absolute if slot.route.absolute else path
        slot.job = job
        slot.outgoing = request_bytes(target, {**headers, **slot.route.proxy_headers})
        slot.incoming = bytearray()
        slot.deadline = time.monotonic() + self.transport._timeout
        self.busy.append(slot)
        self._send(slot)

    # -- sockets --------------------------------------------------------------------------

    def _unreachable(self, origin: tuple[str, str, int], error: BaseException) -> None:
        """A connection to ``origin`` could not be opened. While others to it are open or
        opening, the waiting jobs go to them (a server may refuse one connection of many);
        once none is left, or after ``per_origin`` failures, every job waiting fails with
        why (a dead host is not dialled once per job)."""
        self.counts[origin] -= 1
        self.failures[origin] = self.failures.get(origin, 0) + 1
        if self.counts[origin] > 0:
            return
        queue = self.queues.get(origin, collections.deque())
        while queue:
            job = queue.popleft()
            self._finish(job, FetchError(f"{redact_url(job.current)}: {_describe(error)}"))

    def _dial(self, origin: tuple[str, str, int]) -> None:
        _, host, port = origin
        try:
            if (host, port) not in self.addresses:
                found = socket.getaddrinfo(resolvable(host), port, type=socket.SOCK_STREAM)
                self.addresses[(host, port)] = [(info[0], info[4]) for info in found]
            addresses = list(self.addresses[(host, port)])
        except (OSError, UnicodeError) as error:
            self._unreachable(origin, error)
            return
        self._try_next(origin, addresses, None)

    def _try_next(
        self,
        origin: tuple[str, str, int],
        addresses: list[tuple[int, tuple[Any, ...]]],
        error: BaseException | None,
    ) -> None:
        """Start connecting to the next address, or give up with the last error."""
        while addresses:
            family, address = addresses.pop(0)
            try:  # as socket.create_connection: an address that cannot be used is skipped
                sock = socket.socket(family, socket.SOCK_STREAM)
            except OSError as refused:
                error = refused
                continue
            sock.setblocking(False)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            code = sock.connect_ex(address)
            if code in {0, errno.EINPROGRESS, errno.EWOULDBLOCK}:
                deadline = time.monotonic() + self.transport._timeout
                dialing = _Dialing(origin=origin, sock=sock, addresses=addresses, deadline=deadline)
                self.dialing.append(dialing)
                self.selector.register(sock, selectors.EVENT_WRITE, dialing)
                return
            sock.close()
            error = OSError(code, os.strerror(code))
        self._unreachable(origin, error or OSError("no address"))

    def _on_dialing(self, dialing: _Dialing) -> None:
        scheme, host, _ = dialing.origin
        if not dialing.tls:
            code = dialing.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if code:
                self._drop_dialing(dialing)
                self._try_next(dialing.origin, dialing.addresses, OSError(code, os.strerror(code)))
                return
            if scheme == "https":
                self.selector.unregister(dialing.sock)
                try:
                    dialing.sock = self.transport._ssl_context(host).wrap_socket(
                        dialing.sock,
                        server_hostname=resolvable(host),
                        do_handshake_on_connect=False,
                    )
                except (OSError, ValueError) as error:
                    self.dialing.remove(dialing)
                    dialing.sock.close()
                    self._unreachable(dialing.origin, error)
                    return
                dialing.tls = True
                self.selector.register(dialing.sock, selectors.EVENT_WRITE, dialing)
        if dialing.tls:
            import ssl  # loaded already: the socket was wrapped by _ssl_context's context

            assert isinstance(dialing.sock, ssl.SSLSocket)  # noqa: S101 - wrapped above
            try:
                dialing.sock.do_handshake()
            except ssl.SSLWantReadError:
                self.selector.modify(dialing.sock, selectors.EVENT_READ, dialing)
                return
            except ssl.SSLWantWriteError:
                self.selector.modify(dialing.sock, selectors.EVENT_WRITE, dialing)
                return
            except (OSError, ValueError) as error:  # ssl.SSLError is an OSError
                self._drop_dialing(dialing)
                self._unreachable(dialing.origin, error)
                return
        self._drop_dialing(dialing, close=False)
        route = _Route(sock=dialing.sock, absolute=False, proxy_headers={})
        self._connected(dialing.origin, route)

    def _drop_dialing(self, dialing: _Dialing, *, close: bool = True) -> None:
        self.dialing.remove(dialing)
        self.selector.unregister(dialing.sock)
        if close:
            dialing.sock.close()

    def _collect_connections(self) -> None:
        for future in [f for f in self.opening if f.done()]:
            origin = self.opening.pop(future)
            try:
                route = future.result()
            except Exception as error:  # noqa: BLE001 - whatever the opening raised
                self._unreachable(origin, error)
                continue
            self._connected(origin, route)

    def _connected(self, origin: tuple[str, str, int], route: _Route) -> None:
        """Put a new connection to work: on the next waiting job, else with the idle."""
        route.sock.setblocking(False)
        slot = _Slot(origin=origin, route=route)
        self.selector.register(route.sock, selectors.EVENT_READ, slot)
        waiting = self.queues.get(origin)
        if waiting:
            self._start(slot, waiting.popleft())
        else:
            self.idle.setdefault(origin, []).append(slot)

    def _send(self, slot: _Slot) -> None:
        try:
            sent = slot.route.sock.send(slot.outgoing)
        except _WOULD_BLOCK:
            sent = 0
        except OSError as error:
            self._broken(slot, error, stale=True)
            return
        slot.outgoing = slot.outgoing[sent:]
        writing = bool(self.selector.get_key(slot.route.sock).events & selectors.EVENT_WRITE)
        if bool(slot.outgoing) != writing:  # wait for room to write only while there is more
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if slot.outgoing else 0)
            self.selector.modify(slot.route.sock, events, slot)

    def _on_ready(self, slot: _Slot, mask: int) -> None:
        if mask & selectors.EVENT_WRITE and slot.outgoing:
            self._send(slot)
        if slot.closed or not mask & selectors.EVENT_READ:
            return
        eof = False
        sock = slot.route.sock
        while True:
            try:
                data = sock.recv(262144)
            except _WOULD_BLOCK:
                break
            except OSError as error:
                self._broken(slot, error, stale=not slot.incoming)
                return
            if not data:
                eof = True
                break
            slot.incoming += data
        if slot.job is None:
            if eof:  # an idle keep-alive connection the server closed
                self.idle[slot.origin].remove(slot)
                self._close(slot)
            return
        slot.deadline = time.monotonic() + self.transport._timeout
        framed = complete_length(slot.incoming, eof=eof)
        if framed is None:
            if eof:
                self._broken(
                    slot,
                    WireError(
                        "the server closed the connection mid-answer", stale=not slot.incoming
                    ),
                    stale=not slot.incoming,
                )
            return
        self._answered(slot, *framed)

    def _answered(self, slot: _Slot, length: int, reply: Reply | None) -> None:
        job = slot.job
        assert job is not None  # noqa: S101 - only called with a job
        try:
            if reply is None:  # chunked, or not quite HTTP: the careful reading
                reply = read_reply(io.BytesIO(bytes(slot.incoming[:length])))
            response = _response(job.url, reply)  # answered for the URL asked
        except (WireError, FetchError) as error:
            self._release(slot, reusable=False)
            self._finish(
                job,
                error
                if isinstance(error, FetchError)
                else FetchError(f"{redact_url(job.current)}: {error}"),
            )
            return
        self._release(slot, reusable=reply.reusable and length == len(slot.incoming))
        location = response.headers.get("location")
        if response.status in _REDIRECTS and location:
            if job.redirects >= _MAX_REDIRECTS:
                self._finish(
                    job, FetchError(f"{redact_url(job.url)}: more than {_MAX_REDIRECTS} redirects")
                )
                return
            job.current = urllib.parse.urljoin(job.current, location)
            job.redirects += 1
            self._enqueue(job)
            return
        self._finish(job, response)

    def _release(self, slot: _Slot, *, reusable: bool) -> None:
        self.busy.remove(slot)
        slot.job = None
        slot.used = True
        slot.incoming = bytearray()
        if reusable:
            self.idle.setdefault(slot.origin, []).append(slot)
        else:
            self._close(slot)

    def _broken(self, slot: _Slot, error: BaseException, *, stale: bool) -> None:
        job, slot.job = slot.job, None
        used = slot.used
        if slot in self.busy:
            self.busy.remove(slot)
        self._close(slot)
        if job is None:
            return
        if stale and used and not job.retried:
            job.retried = True  # the server had closed an idle keep-alive connection
            self.queues.setdefault(slot.origin, collections.deque()).appendleft(job)
            return
        message = str(error) if isinstance(error, WireError) else _describe(error)
        self._finish(job, FetchError(f"{redact_url(job.current)}: {redact_text(message)}"))

    def _expire(self) -> None:
        now = time.monotonic()
        for slot in [s for s in self.busy if s.deadline < now]:
            self._broken(slot, TimeoutError("timed out"), stale=False)
        for dialing in [d for d in self.dialing if d.deadline < now]:
            self._drop_dialing(dialing)
            self._try_next(dialing.origin, dialing.addresses, TimeoutError("timed out"))

    def _close(self, slot: _Slot) -> None:
        if slot.closed:
            return
        slot.closed = True
        self.counts[slot.origin] -= 1
        with contextlib.suppress(KeyError, ValueError):
            self.selector.unregister(slot.route.sock)
        self._discard(slot.route)

    @staticmethod
    def _discard(route: _Route) -> None:
        route.sock.close()  # the loop's own: Transport.close never touches it


def _read_netrc(path: str, host: str) -> tuple[str, str] | None:
    if not os.path.isfile(path):  # noqa: PTH113
        return None
    import netrc

    try:
        entry = netrc.netrc(path).authenticators(host)
    except (OSError, netrc.NetrcParseError):
        return None
    return None if entry is None else (entry[0] or "", entry[2] or "")


def _ssl_context(cert: str | None) -> ssl.SSLContext:
    """pip's ``cert`` alone when it is set; else the system's certificates plus certifi's
    (so a corporate CA in the system store works, and so does an interpreter that has no
    system store, such as python.org's macOS builds)."""
    import ssl

    if cert:
        return ssl.create_default_context(cafile=cert)
    context = ssl.create_default_context()
    try:
        import certifi

        context.load_verify_locations(certifi.where())
    except (ImportError, OSError):  # pragma: no cover - certifi is a dependency
        pass
    return context


def _decode(body: bytes, encoding: str) -> bytes:
    coding = encoding.strip().lower()
    if coding in {"gzip", "x-gzip"}:
        parts = []
        while body:  # a gzip body may hold several members, one after the other
            member = zlib.decompressobj(16 + zlib.MAX_WBITS)
            parts.append(member.decompress(body))
            if not member.eof:
                raise zlib.error("the gzip body is cut short")
            body = member.unused_data
        return b"".join(parts)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body
