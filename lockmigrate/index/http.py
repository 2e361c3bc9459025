"""A small HTTP client for simple-API pages, for many threads at once.

It does what fetching index pages needs and nothing more: ``GET`` with keep-alive (one
connection per origin per thread, reopened once when the server closed an idle one),
redirects, gzip, basic auth from the URL, from another configured URL of the same host or
from ``~/.netrc`` (as pip's ``MultiDomainBasicAuth`` finds them), the ``*_proxy``/
``no_proxy`` variables (CONNECT tunnels for HTTPS), and TLS verified against the system's
certificates plus certifi's (or pip's ``cert`` setting alone). The bytes on the wire are
:mod:`.wire`'s.

Why not httpx (through unearth), requests or ``http.client``: importing either of the first
two costs more than the whole time budget of ``lockmigrate diff`` on a 200-package lock (see
``benchmarks/bench_diff.py``), and ``http.client`` spends about 0.4 ms of Python per
response parsing headers with the ``email`` package, which threads then queue for.
"""

from __future__ import annotations

import base64
import os
import threading
import urllib.parse
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lockmigrate import __version__
from lockmigrate.index.wire import Connection, WireError, connect, open_tunnel
from lockmigrate.redact import redact_text, redact_url

if TYPE_CHECKING:
    import ssl

__all__ = ["FetchError", "Response", "Transport"]

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

    connection: Connection
    absolute: bool  # through a plain-HTTP proxy: the request line names the whole URL
    proxy_headers: dict[str, str]


class _Routes(threading.local):
    def __init__(self) -> None:
        self.by_origin: dict[tuple[str, str, int], _Route] = {}


class Transport:
    """GET requests for many threads at once; each thread keeps its own connections, and
    :meth:`close` closes every connection any thread opened."""

    def __init__(
        self,
        *,
        urls: Sequence[str] = (),
        cert: str | None = None,
        timeout: float = 15.0,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        env = os.environ if environ is None else environ
        self._timeout = timeout
        self._cert = cert
        self._context: ssl.SSLContext | None = None
        home = env.get("HOME") or os.path.expanduser("~")  # noqa: PTH111
        self._netrc_path = env.get("NETRC") or os.path.join(home, ".netrc")  # noqa: PTH118
        self._netrc: dict[str, tuple[str, str] | None] = {}
        self._lock = threading.Lock()
        self._routes = _Routes()
        self._opened: list[Connection] = []
        proxies = environment_proxies(env)
        self._no_proxy = proxies.pop("no", "")
        self._proxies = proxies
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
        current = url
        for _ in range(_MAX_REDIRECTS + 1):
            response = self._request(current, headers or {})
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                return response
            current = urllib.parse.urljoin(current, location)
        raise FetchError(f"{redact_url(url)}: more than {_MAX_REDIRECTS} redirects")

    def close(self) -> None:
        """Close every connection opened so far, by any thread."""
        with self._lock:
            opened, self._opened = self._opened, []
            self._routes = _Routes()  # no thread reuses a closed connection
        for connection in opened:
            connection.close()

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

    def _ssl_context(self) -> ssl.SSLContext:
        with self._lock:
            if self._context is None:
                self._context = _ssl_context(self._cert)
            return self._context

    def _proxy_for(self, scheme: str, host: str, port: int) -> urllib.parse.SplitResult | None:
        proxy = self._proxies.get(scheme) or self._proxies.get("all")
        if not proxy or bypasses_proxy(host, port, self._no_proxy):
            return None
        return urllib.parse.urlsplit(proxy if "://" in proxy else f"http://{proxy}")

    def _connect(self, origin: tuple[str, str, int]) -> _Route:
        scheme, host, port = origin
        proxy = self._proxy_for(scheme, host, port)
        headers: dict[str, str] = {}
        if proxy is not None:
            credentials = _credentials_of(proxy)
            if credentials is not None:
                headers["Proxy-Authorization"] = _basic(credentials)
        sock = (
            connect(host, port, self._timeout)
            if proxy is None
            else connect(proxy.hostname or "", proxy.port or 8080, self._timeout)
        )
        try:
            if scheme == "https":
                if proxy is not None:
                    # The proxy is spoken to in plain HTTP; TLS to the origin goes inside.
                    open_tunnel(sock, f"{host}:{port}", headers)
                sock = self._ssl_context().wrap_socket(sock, server_hostname=host)
        except BaseException:
            sock.close()
            raise
        route = _Route(
            connection=Connection(sock),
            absolute=proxy is not None and scheme == "http",
            proxy_headers=headers if proxy is not None and scheme == "http" else {},
        )
        with self._lock:
            self._opened.append(route.connection)
        return route

    # -- one request -----------------------------------------------------------------------

    def _request(self, url: str, headers: Mapping[str, str]) -> Response:
        parts = urllib.parse.urlsplit(url)
        origin = _origin(parts)
        if origin[0] not in _DEFAULT_PORTS:
            raise FetchError(f"{redact_url(url)}: unsupported URL scheme {parts.scheme!r}")
        netloc = parts.netloc.rpartition("@")[2]
        request_headers = {
            "Host": netloc,
            "User-Agent": _USER_AGENT,
            "Accept-Encoding": "gzip",
            **headers,
        }
        credentials = self._credentials(parts)
        if credentials is not None:
            request_headers["Authorization"] = _basic(credentials)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        routes = self._routes.by_origin
        for attempt in (1, 2):
            route = routes.get(origin)
            reused = route is not None
            try:
                if route is None:
                    route = routes[origin] = self._connect(origin)
                target = f"{parts.scheme}://{netloc}{path}" if route.absolute else path
                reply = route.connection.get(target, {**request_headers, **route.proxy_headers})
            except WireError as error:
                self._drop(origin)
                if error.stale and reused and attempt == 1:
                    continue  # the server had closed an idle keep-alive connection: once more
                raise FetchError(f"{redact_url(url)}: {redact_text(str(error))}") from None
            except OSError as error:
                self._drop(origin)
                raise FetchError(f"{redact_url(url)}: {_describe(error)}") from None
            if not reply.reusable:
                self._drop(origin)
            try:
                body = _decode(reply.body, reply.headers.get("content-encoding", ""))
            except zlib.error as error:
                raise FetchError(f"{redact_url(url)}: undecodable body ({error})") from None
            return Response(
                status=reply.status,
                reason=reply.reason,
                headers=reply.headers,
                body=body,
                url=url,
            )
        raise AssertionError("unreachable")  # pragma: no cover - the loop returns or raises

    def _drop(self, origin: tuple[str, str, int]) -> None:
        route = self._routes.by_origin.pop(origin, None)
        if route is not None:
            route.connection.close()
            with self._lock:
                self._opened.remove(route.connection)


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
        return zlib.decompress(body, 16 + zlib.MAX_WBITS)
    if coding == "deflate":
        try:
            return zlib.decompress(body)
        except zlib.error:
            return zlib.decompress(body, -zlib.MAX_WBITS)
    return body
