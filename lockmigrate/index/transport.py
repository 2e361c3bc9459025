"""GET requests to package indexes, as pip 26.3 makes them: urllib3 and the OS trust store.

The only module that imports urllib3 (what pip runs on, vendored) and truststore (the
system's certificates, pip's default since 24.2). :class:`Transport` applies pip's network
configuration (:class:`~lockmigrate.index.sources.IndexSources`) the way pip's
``PipSession`` (``pip._internal.network.session``, built in ``cli/index_command.py``) and
the requests library under it do:

* **certificates**: the OS trust store (truststore's, see :func:`_system_store_context`)
  plus certifi's bundle, as pip loads them; ``--cert`` (or, unless
  ``--proxy``/``--no-proxy-env`` is given, ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, which
  then win over ``--cert`` as requests makes them) is trusted beside them;
  ``--use-deprecated=legacy-certs`` trusts certifi, or that bundle, alone. A
  ``--trusted-host`` is not verified. ``--client-cert`` is presented to every server.
* **proxies**: ``--proxy`` for every request; else, as requests reads the environment,
  ``<scheme>_proxy``/``all_proxy`` (lower case first) unless ``no_proxy`` lists the host,
  its domain, its ``host:port``, or a CIDR range holding its IPv4 address. ``http://`` and
  ``https://`` proxies (CONNECT for HTTPS), and ``socks4``/``socks5``/``socks5h`` ones with
  PySocks installed (``lockmigrate[socks]``).
* **retries**: ``--retries`` (5) attempts more on a refused or broken connection or an
  answer 500, 502, 503, 520 or 527, with pip's back-off (0.25 s doubling, after the second);
  ``--timeout`` (15 s) to connect and between bytes. An origin that could not be reached
  after its retries is not dialled again for each remaining page: they fail at once.
* **credentials**: :mod:`.auth` (URL, index URL, netrc, keyring after a 401); never in an
  error message (URLs are redacted and known secrets masked).
* redirects (30 at most), gzip and deflate bodies, and URLs with characters outside ASCII
  percent-encoded as requests encodes them.

Every method may be called from several threads at once: one :class:`urllib3.PoolManager`
per proxy keeps up to ``connections`` connections to each host.
"""

from __future__ import annotations

import base64
import re
import threading
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    MaxRetryError,
    NewConnectionError,
    ProxyError,
    SSLError,
)

from lockmigrate import __version__
from lockmigrate.index.auth import Credentials, netrc_credentials, split_credentials
from lockmigrate.redact import redact_text, redact_url

if TYPE_CHECKING:
    import ssl

    from urllib3._base_connection import BaseHTTPConnection

    from lockmigrate.index.sources import IndexSources

__all__ = ["FetchError", "Response", "Transport"]

_USER_AGENT = f"lockmigrate/{__version__}"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_MAX_REDIRECTS = 30  # requests' DEFAULT_REDIRECT_LIMIT
_RETRIED_STATUSES = (500, 502, 503, 520, 527)  # pip's PipSession status_forcelist
_BACKOFF_FACTOR = 0.25
_DEFAULT_PORTS = {"http": 80, "https": 443}
# requests' requote_uri: characters left as they are ("%" keeps escapes already made)
_URI_SAFE = "!#$%&'()*+,/:;=?@[]~"
# the parts of urllib3's messages that name its objects rather than the problem
_NOISE = re.compile(r"<[\w.]+ object at 0x[0-9a-f]+>: |\w+Connection(?:Pool)?\(host=[^)]*\): ")
#: errors that mean the origin could not be reached at all (not one page's trouble)
_UNREACHABLE = (NewConnectionError, ConnectTimeoutError, SSLError, ProxyError)


class FetchError(Exception):
    """A request got no answer: refused, timed out, TLS, a proxy, too many redirects. The
    message starts with the redacted URL and holds no credential."""


@dataclass(frozen=True, slots=True, kw_only=True)
class Response:
    """A whole response: status, headers with lower-case names, the decoded body, and the
    URL it came from after redirects (without credentials)."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes
    url: str


def requote(url: str) -> str:
    """``url`` with what may not go on the wire percent-encoded as UTF-8 (requests'
    ``requote_uri``): a path or query with characters outside ASCII, spaces, quotes."""
    parts = urllib.parse.urlsplit(url)
    path = urllib.parse.quote(parts.path, safe=_URI_SAFE)
    query = urllib.parse.quote(parts.query, safe=_URI_SAFE)
    if path == parts.path and query == parts.query:
        return url
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


def _basic(credentials: tuple[str, str]) -> str:
    """An ``Authorization: Basic`` value (Latin-1 as requests encodes it, UTF-8 where
    Latin-1 cannot hold a character)."""
    text = f"{credentials[0]}:{credentials[1]}"
    try:
        raw = text.encode("latin-1")
    except UnicodeEncodeError:
        raw = text.encode("utf-8")
    return "Basic " + base64.b64encode(raw).decode("ascii")


def _describe(error: BaseException, proxy: str | None = None) -> str:
    """What went wrong, in words, without urllib3's object names; a proxy's trouble names
    the proxy (redacted)."""
    if isinstance(error, MaxRetryError) and error.reason is not None:
        return _describe(error.reason, proxy)
    if isinstance(error, ProxyError) and len(error.args) > 1:
        inner = error.args[1]
        cause = _describe(inner) if isinstance(inner, BaseException) else str(inner)
        where = f" {redact_url(proxy)}" if proxy else ""
        return f"{error.args[0]}{where}: {cause}"
    text = _NOISE.sub("", str(error))
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


# --- proxies, as requests chooses them ---------------------------------------------------------


def _in_network(address: str, network: str) -> bool:
    """requests' ``address_in_network``: whether IPv4 ``address`` is in ``network``
    (``a.b.c.d/bits``, already checked by :func:`_is_cidr`)."""
    import socket

    base, _, bits = network.partition("/")
    mask = (0xFFFFFFFF << (32 - int(bits))) & 0xFFFFFFFF
    host = int.from_bytes(socket.inet_aton(address), "big")
    net = int.from_bytes(socket.inet_aton(base), "big")
    return host & mask == net & mask


def _is_ipv4(text: str) -> bool:
    import socket

    try:
        socket.inet_aton(text)
    except OSError:
        return False
    return True


def _is_cidr(entry: str) -> bool:
    """requests' ``is_valid_cidr``: an IPv4 address, ``/``, and 1 to 32 bits."""
    address, separator, bits = entry.partition("/")
    if not separator or "/" in bits or not bits.isdigit() or not 1 <= int(bits) <= 32:
        return False
    return _is_ipv4(address)


def bypasses_proxy(url: str, no_proxy: str | None) -> bool:
    """Whether ``url`` goes direct, by requests' ``should_bypass_proxies``: ``no_proxy``
    (comma-separated) names its host, a parent domain (``example.org`` or
    ``.example.org``), its ``host:port``, or, for an IPv4 host, its address or a CIDR
    range holding it; then the platform's own rules (:func:`urllib.request.proxy_bypass`:
    ``*``, and on macOS and Windows the system's exceptions)."""
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname
    if host is None:
        return True
    if no_proxy:
        entries = [entry for entry in no_proxy.replace(" ", "").split(",") if entry]
        if _is_ipv4(host):
            for entry in entries:
                if (_is_cidr(entry) and _in_network(host, entry)) or host == entry:
                    return True
        else:
            with_port = f"{host}:{parts.port}" if parts.port else host
            for entry in entries:
                name = entry.lstrip(".")
                if name in {host, with_port}:
                    return True
                if host.endswith("." + name) or with_port.endswith("." + name):
                    return True
    import socket
    from urllib.request import proxy_bypass

    try:
        return bool(proxy_bypass(host))
    except (TypeError, socket.gaierror):
        return False


def select_proxy(url: str, proxies: Mapping[str, str]) -> str | None:
    """requests' ``select_proxy``: ``scheme://host``, ``scheme``, ``all://host``, ``all``."""
    parts = urllib.parse.urlsplit(url)
    if parts.hostname is None:
        return proxies.get(parts.scheme, proxies.get("all"))
    for key in (f"{parts.scheme}://{parts.hostname}", parts.scheme, f"all://{parts.hostname}"):
        if key in proxies:
            return proxies[key]
    return proxies.get("all")


# --- the transport -------------------------------------------------------------------------------


class Transport:
    """GET requests with pip's configuration ``sources`` (see the module's docstring), at
    most ``connections`` at once to each host. ``environ`` (default: the process's) is read
    for ``REQUESTS_CA_BUNDLE``/``CURL_CA_BUNDLE``, ``NETRC`` and ``HOME``; proxies are
    read from the process's environment (and the system's settings on macOS and Windows)
    by :mod:`urllib.request`, as requests reads them."""

    def __init__(
        self,
        sources: IndexSources,
        *,
        connections: int = 16,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        import os

        env = os.environ if environ is None else environ
        self._sources = sources
        self._connections = max(1, connections)
        # requests' trust_env: pip turns it off with --proxy (even "") or --no-proxy-env
        self._trust_env = sources.proxy is None and not sources.no_proxy_env
        self._environ = dict(env)
        bundle = env.get("REQUESTS_CA_BUNDLE") or env.get("CURL_CA_BUNDLE")
        self._ca_bundle = (bundle if self._trust_env else None) or sources.cert
        self._timeout = urllib3.Timeout(connect=sources.timeout, read=sources.timeout)
        self._retry = urllib3.Retry(
            total=sources.retries,
            status_forcelist=_RETRIED_STATUSES,
            backoff_factor=_BACKOFF_FACTOR,
            raise_on_status=False,  # the last answer is kept, to be reported as it is
            raise_on_redirect=False,
        )
        self.credentials = Credentials(
            index_urls=sources.index_urls,
            keyring_provider=sources.keyring_provider,
            # pip asks keyring under "auto" only while it could prompt (MultiDomainBasicAuth)
            use_keyring=not sources.no_input or sources.keyring_provider != "auto",
            environ=self._environ,
        )
        self._proxies: dict[str, str] | None = None
        self._no_proxy: str | None = None
        self._bypass: dict[str, bool] = {}
        self._managers: dict[tuple[str, bool, bool], urllib3.PoolManager] = {}
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._unreachable: dict[tuple[str, str, int, str], str] = {}
        self._secrets = _secrets_of(sources)
        self._lock = threading.RLock()  # managers make their contexts under it

    # -- requests ---------------------------------------------------------------------------

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        """``GET url``, following redirects and answering a 401 with credentials when some
        are found; raises :class:`FetchError` when there is no answer. Every HTTP status is
        an answer (after the retries, for those retried)."""
        try:
            return self._get(url, dict(headers or {}))
        except FetchError:
            raise
        except (HTTPError, OSError, ValueError, UnicodeError, AssertionError) as error:
            # ValueError: a URL urllib3 cannot use (a port out of range, a bad host name);
            # AssertionError: urllib3's ProxySchemeUnknown
            raise FetchError(self._message(url, _describe(error))) from None

    def get_range(self, url: str, first: int | None, last: int) -> Response:
        """``GET url`` for one byte range: bytes ``first`` to ``last`` (inclusive), or the
        last ``last`` bytes when ``first`` is ``None``; unencoded, so that the offsets are
        the file's. A server that serves ranges answers 206 with a ``Content-Range``; one
        that does not answers 200 with the whole file, which the caller then has."""
        spec = f"-{last}" if first is None else f"{first}-{last}"
        return self.get(url, headers={"Range": f"bytes={spec}", "Accept-Encoding": "identity"})

    def _get(self, url: str, headers: dict[str, str]) -> Response:
        bare, found = self.credentials.for_request(requote(url))
        authorization = _basic(found) if found is not None else None
        current = bare
        for _ in range(_MAX_REDIRECTS + 1):
            response = self._send(current, headers, authorization, asked=url)
            if response.status == 401:
                retry_with = self.credentials.after_401(current)
                if retry_with is not None:
                    response = self._send(current, headers, _basic(retry_with), asked=url)
            if response.status == 401 and self.credentials.warnings:
                reason = f"HTTP 401 {response.reason}".rstrip()
                raise FetchError(
                    self._message(url, f"{reason} ({'; '.join(self.credentials.warnings)})")
                )
            location = response.headers.get("location")
            if response.status not in _REDIRECTS or not location:
                return response
            target = requote(urllib.parse.urljoin(current, location))
            if urllib.parse.urlsplit(target).scheme.lower() not in _DEFAULT_PORTS:
                raise FetchError(
                    self._message(url, f"not following a redirect to {redact_url(target)}")
                )
            # requests' rebuild_auth: no Authorization for another origin, then netrc's
            if authorization is not None and _strips_auth(current, target):
                authorization = None
            if self._trust_env:
                from_netrc = netrc_credentials(target, self._environ)
                if from_netrc is not None:
                    authorization = _basic(from_netrc)
            current = target
        raise FetchError(self._message(url, f"more than {_MAX_REDIRECTS} redirects"))

    def _send(
        self, url: str, headers: Mapping[str, str], authorization: str | None, *, asked: str
    ) -> Response:
        """One request (userinfo left out of the URL), retried as pip retries it; errors
        name the URL ``asked`` (redacted), the one the caller knows."""
        parts = urllib.parse.urlsplit(url)
        wire_url = split_credentials(url)[0] if "@" in parts.netloc else url
        parts = urllib.parse.urlsplit(wire_url)
        scheme = parts.scheme.lower()
        if scheme not in _DEFAULT_PORTS:
            raise FetchError(self._message(asked, f"unsupported URL scheme {parts.scheme!r}"))
        proxy = self._proxy_for(wire_url)
        origin = (scheme, (parts.hostname or "").lower(), parts.port or _DEFAULT_PORTS[scheme])
        key = (*origin, proxy or "")
        unreachable = self._unreachable.get(key)
        if unreachable is not None:
            raise FetchError(self._message(asked, unreachable))
        request_headers = {
            "User-Agent": _USER_AGENT,
            "Accept-Encoding": "gzip, deflate",  # pip's, so that answers do not vary
            **headers,
        }
        if authorization is not None:
            request_headers["Authorization"] = authorization
        tls = scheme == "https" or (proxy or "").lower().startswith("https:")
        manager = self._manager(proxy, verified=not self._is_trusted(parts), tls=tls)
        try:
            answer = manager.urlopen(
                "GET",
                wire_url,
                headers=request_headers,
                retries=self._retry,
                redirect=False,
                timeout=self._timeout,
                preload_content=True,
                decode_content=True,
            )
        except MaxRetryError as error:
            reason = _describe(error, proxy)
            if isinstance(error.reason, _UNREACHABLE):
                self._unreachable.setdefault(key, reason)
            raise FetchError(self._message(asked, reason)) from None
        except _UNREACHABLE as error:
            reason = _describe(error, proxy)
            self._unreachable.setdefault(key, reason)
            raise FetchError(self._message(asked, reason)) from None
        return Response(
            status=answer.status,
            reason=answer.reason or "",
            headers={name.lower(): value for name, value in answer.headers.items()},
            body=answer.data,
            url=wire_url,
        )

    def close(self) -> None:
        """Close every idle connection (requests under way finish on theirs)."""
        with self._lock:
            managers = list(self._managers.values())
        for manager in managers:
            manager.clear()

    # -- messages ---------------------------------------------------------------------------

    def _message(self, url: str, reason: str) -> str:
        text = f"{redact_url(url)}: {redact_text(reason)}"
        for secret in self._secrets:
            text = text.replace(secret, "****")
        return text

    # -- where a request goes -----------------------------------------------------------------

    def _is_trusted(self, parts: urllib.parse.SplitResult) -> bool:
        """A ``--trusted-host`` (``host`` or ``host:port``), whose certificate pip does not
        check."""
        host = (parts.hostname or "").lower()
        for entry in self._sources.trusted_hosts:
            name, _, port = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
            if name.strip("[]").lower() == host and (not port or port == str(parts.port)):
                return True
        return False

    def _proxy_for(self, url: str) -> str | None:
        """The proxy URL for ``url`` (with its scheme), ``None`` to go direct."""
        if not self._trust_env:
            proxy = self._sources.proxy
            return _with_scheme(proxy) if proxy else None
        proxies = self._proxies
        if proxies is None:
            with self._lock:
                if self._proxies is None:
                    import os
                    from urllib.request import getproxies

                    # requests' get_proxy("no_proxy"): the lower-case one unless it is empty
                    self._no_proxy = os.environ.get("no_proxy") or os.environ.get("NO_PROXY")
                    self._proxies = getproxies()
                proxies = self._proxies
        if not proxies:
            return None
        parts = urllib.parse.urlsplit(url)
        host_key = f"{parts.scheme}://{parts.netloc}"
        bypass = self._bypass.get(host_key)
        if bypass is None:
            bypass = self._bypass[host_key] = bypasses_proxy(url, self._no_proxy)
        if bypass:
            return None
        proxy = select_proxy(url, proxies)
        return _with_scheme(proxy) if proxy else None

    def _manager(self, proxy: str | None, *, verified: bool, tls: bool) -> urllib3.PoolManager:
        key = (proxy or "", verified, tls)
        manager = self._managers.get(key)
        if manager is None:
            with self._lock:
                manager = self._managers.get(key)
                if manager is None:
                    manager = self._new_manager(proxy, verified=verified, tls=tls)
                    self._managers[key] = manager
        return manager

    def _new_manager(self, proxy: str | None, *, verified: bool, tls: bool) -> urllib3.PoolManager:
        """A pool manager for one proxy (or none), with the TLS context pip would use when
        ``tls`` (plain HTTP through a plain proxy never loads a certificate)."""
        context = self._context("verified" if verified else "unverified") if tls else None
        options: dict[str, Any] = {"num_pools": 32, "maxsize": self._connections}
        if context is not None:
            options["ssl_context"] = context
        if proxy is None:
            manager = urllib3.PoolManager(**options)
        elif proxy.lower().startswith("socks"):
            manager = _socks_manager(proxy, options)
        else:
            bare, _, (user, password) = split_credentials(proxy)
            headers = {}
            if user:
                headers["Proxy-Authorization"] = _basic((user, password or ""))
            parsed = urllib.parse.urlsplit(bare)
            if not parsed.hostname:
                raise FetchError(f"{redact_url(proxy)}: a proxy URL without a host")
            if context is not None:
                options["proxy_ssl_context"] = context
                if verified and self._ca_bundle and not self._sources.legacy_certs:
                    # pip: with a custom bundle, urllib3 checks an HTTPS proxy against it alone
                    options["proxy_ssl_context"] = self._context("bundle")
            manager = urllib3.ProxyManager(bare, proxy_headers=headers, **options)
        if not verified:
            manager.pool_classes_by_scheme = {
                **manager.pool_classes_by_scheme,
                "https": _unwarned(manager.pool_classes_by_scheme["https"]),
            }
        return manager

    def _context(self, kind: str) -> ssl.SSLContext:
        """The TLS contexts, made once: ``verified`` (pip's truststore context),
        ``unverified`` (trusted hosts), ``bundle`` (the custom bundle alone)."""
        with self._lock:
            context = self._contexts.get(kind)
            if context is None:
                context = self._contexts[kind] = self._new_context(kind)
            return context

    def _new_context(self, kind: str) -> ssl.SSLContext:
        import ssl

        from urllib3.util.ssl_ import create_urllib3_context

        context: ssl.SSLContext
        if kind == "unverified":
            context = create_urllib3_context(cert_reqs=ssl.CERT_NONE)
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        elif kind == "bundle" or self._sources.legacy_certs:
            # pip without truststore: requests' bundle (certifi's), or the custom one alone
            context = create_urllib3_context()
            _load_bundle(context, self._ca_bundle or _certifi_bundle())
        else:
            # pip's _create_truststore_ssl_context, plus the bundle urllib3 would load
            context = _system_store_context()
            certifi = _certifi_bundle()
            if certifi is not None:
                context.load_verify_locations(certifi)
            _load_bundle(context, self._ca_bundle)
        if self._sources.client_cert and kind != "bundle":
            try:
                context.load_cert_chain(self._sources.client_cert)
            except (OSError, ssl.SSLError) as error:
                raise OSError(
                    f"the client certificate {self._sources.client_cert} cannot be used: "
                    f"{_describe(error)}"
                ) from None
        return context


#: truststore's list of bundles (truststore/_openssl.py) for an OpenSSL without usable defaults
_CA_FILE_CANDIDATES = (
    "/etc/ssl/cert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/pki/tls/cert.pem",
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/ssl/ca-bundle.pem",
)


def _system_store_context() -> ssl.SSLContext:
    """A TLS context that verifies against the operating system's trust store, as
    truststore does (pip's default since 24.2).

    On macOS and Windows that is truststore's context, which asks the platform's verifier.
    Elsewhere truststore verifies with OpenSSL itself, against OpenSSL's default paths
    (``SSL_CERT_FILE``/``SSL_CERT_DIR`` or the build's), else the first of its candidate
    bundles; but it loads them again for every connection, under a lock that also holds
    the handshake: 30-75 ms of CPU per connection on the machine measured, 2.1 s instead
    of 0.95 s for 48 PyPI pages on 16 connections. The same store is loaded here once.
    """
    import ssl
    import sys

    if sys.platform in {"darwin", "win32"}:  # pragma: no cover - platform verifiers
        import truststore

        return truststore.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    from pathlib import Path

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    defaults = ssl.get_default_verify_paths()
    capath = Path(defaults.capath) if defaults.capath else None
    hashed = re.compile(r"^[0-9a-fA-F]{8}\.[0-9]$")
    if defaults.cafile or (
        capath is not None
        and capath.is_dir()
        and any(hashed.match(entry.name) for entry in capath.iterdir())
    ):
        context.set_default_verify_paths()
    else:
        found = next((path for path in _CA_FILE_CANDIDATES if Path(path).is_file()), None)
        if found is not None:
            context.load_verify_locations(cafile=found)
    return context


def _load_bundle(context: ssl.SSLContext, bundle: str | None) -> None:
    """Trust the certificates of ``bundle`` (a file, or a folder as ``c_rehash`` makes)."""
    if not bundle:
        return
    from pathlib import Path

    try:
        if Path(bundle).is_dir():
            context.load_verify_locations(capath=bundle)
        else:
            context.load_verify_locations(cafile=bundle)
    except OSError as error:
        raise OSError(f"the CA bundle {bundle} cannot be read: {_describe(error)}") from None


def _certifi_bundle() -> str | None:
    try:
        import certifi
    except ImportError:  # pragma: no cover - certifi is a dependency, as it is pip's
        return None
    return str(certifi.where())


def _socks_manager(proxy: str, options: dict[str, Any]) -> urllib3.PoolManager:
    """urllib3's SOCKS proxy manager, which needs PySocks; without it, an error that says
    what to install."""
    import importlib.util

    if importlib.util.find_spec("socks") is None:
        raise FetchError(
            f"{redact_url(proxy)}: a SOCKS proxy needs PySocks: "
            "pip install 'lockmigrate[socks]' (or PySocks) beside lockmigrate"
        )
    from urllib3.contrib.socks import SOCKSProxyManager

    bare, _, (user, password) = split_credentials(proxy)
    return SOCKSProxyManager(bare, username=user, password=password, **options)


class _QuietUnverifiedPool(urllib3.HTTPSConnectionPool):
    """A ``--trusted-host``'s connections are not verified because the user said so: pip
    silences urllib3's InsecureRequestWarning for them, and so does this pool, without
    changing the process's warning filters."""

    def _validate_conn(self, conn: BaseHTTPConnection) -> None:
        urllib3.HTTPConnectionPool._validate_conn(self, conn)
        if conn.is_closed:
            conn.connect()


_QUIET_POOLS: dict[type[Any], type[Any]] = {}


def _unwarned(pool_class: type[Any]) -> type[Any]:
    """``pool_class`` (urllib3's HTTPS pool, or the SOCKS one) without the warning."""
    if pool_class is urllib3.HTTPSConnectionPool:
        return _QuietUnverifiedPool
    quiet = _QUIET_POOLS.get(pool_class)
    if quiet is None:
        quiet = _QUIET_POOLS[pool_class] = type(
            f"Quiet{pool_class.__name__}",
            (pool_class,),
            {"_validate_conn": _QuietUnverifiedPool._validate_conn},
        )
    return quiet


def _with_scheme(proxy: str) -> str:
    """requests' ``prepend_scheme_if_needed(proxy, "http")``."""
    return proxy if "://" in proxy else f"http://{proxy}"


def _strips_auth(old_url: str, new_url: str) -> bool:
    """requests' ``should_strip_auth``: another host, port or scheme (http to https on the
    default ports excepted)."""
    old = urllib.parse.urlsplit(old_url)
    new = urllib.parse.urlsplit(new_url)
    if old.hostname != new.hostname:
        return True
    upgraded = (old.scheme, new.scheme) == ("http", "https")
    if upgraded and old.port in {80, None} and new.port in {443, None}:
        return False
    changed_port = old.port != new.port
    changed_scheme = old.scheme != new.scheme
    default = (_DEFAULT_PORTS.get(old.scheme), None)
    if not changed_scheme and old.port in default and new.port in default:
        return False
    return changed_port or changed_scheme


def _secrets_of(sources: IndexSources) -> tuple[str, ...]:
    """The passwords and tokens written in the configured URLs (and the proxy's), raw and
    percent-encoded, to be masked in any message that might quote them."""
    found: set[str] = set()
    for url in (*sources.index_urls, *sources.find_links, sources.proxy or ""):
        _, _, (user, password) = split_credentials(url)
        for secret in (password, user if password is None else None):
            if secret and len(secret) > 3:
                found |= {secret, urllib.parse.quote(secret, safe="")}
    return tuple(sorted(found, key=len, reverse=True))
