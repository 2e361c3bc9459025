"""The only module that talks HTTP: which versions of a project a package index offers.

Pages are found and parsed by `unearth <https://pypi.org/project/unearth/>`_ (pip's finder
logic as a library: PEP 691 JSON with PEP 503 HTML fallback, ``--find-links`` folders and
pages, trusted hosts, credentials in index URLs and from ``.netrc``). lockmigrate adds:

* the index configuration pip would use (:func:`lockmigrate.pipconfig.read_index_settings`)
  overridden by a requirements file's own ``--index-url``/``--extra-index-url``/
  ``--find-links``/``--no-index``/``--trusted-host``, as pip applies them;
* a small on-disk HTTP cache (ETag/Last-Modified revalidation, ``max-age`` freshness,
  ``no-store`` honoured) under the user cache folder, or ``$LOCKMIGRATE_CACHE_DIR``;
* concurrent queries on a bounded thread pool, where a project that fails becomes a
  :class:`ProjectVersions` with an ``error`` instead of failing the run;
* credentials redacted in every message (URLs are redacted where they are shown).

unearth is imported only when a page has to be fetched, so ``--offline`` and ``--help``
never pay for it.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import os
import posixpath
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from lockmigrate.model import Option
from lockmigrate.pipconfig import IndexSettings, read_index_settings
from lockmigrate.redact import redact_text, redact_url

if TYPE_CHECKING:
    from unearth import PackageFinder
    from unearth.fetchers import PyPIClient, Response

__all__ = [
    "CACHE_ENV",
    "DEFAULT_INDEX_URL",
    "AvailableVersion",
    "IndexSources",
    "ProjectVersions",
    "default_cache_dir",
    "fetch_versions",
]

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
CACHE_ENV = "LOCKMIGRATE_CACHE_DIR"
_DEFAULT_TIMEOUT = 15.0
_DEFAULT_WORKERS = 32  # as many requests in flight as uv allows downloads, near enough
_LOOPBACK = ("localhost",)
_CACHE_FORMAT = 1


# --- configuration ----------------------------------------------------------------------


def default_cache_dir(environ: Mapping[str, str] | None = None) -> Path:
    """Where the HTTP cache lives: ``$LOCKMIGRATE_CACHE_DIR``, else the platform's user
    cache folder (``$XDG_CACHE_HOME/lockmigrate``, ``~/Library/Caches/lockmigrate``,
    ``%LOCALAPPDATA%\\lockmigrate\\Cache``)."""
    env = os.environ if environ is None else environ
    override = env.get(CACHE_ENV)
    if override:
        return Path(override)
    home = Path(env.get("HOME") or Path.home())
    if sys.platform == "win32":  # pragma: no cover - Windows only
        return Path(env.get("LOCALAPPDATA") or home / "AppData" / "Local") / "lockmigrate" / "Cache"
    if sys.platform == "darwin":  # pragma: no cover - macOS only
        return home / "Library" / "Caches" / "lockmigrate"
    return Path(env.get("XDG_CACHE_HOME") or home / ".cache") / "lockmigrate"


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSources:
    """Where versions are looked up, in pip's order. URLs keep their credentials (they are
    needed to authenticate); :attr:`shown` is the redacted form for messages."""

    index_urls: tuple[str, ...] = (DEFAULT_INDEX_URL,)
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None
    timeout: float = _DEFAULT_TIMEOUT

    @property
    def shown(self) -> tuple[str, ...]:
        """Every source, redacted, for messages and reports."""
        return tuple(redact_url(url) for url in (*self.index_urls, *self.find_links))

    @classmethod
    def from_settings(
        cls,
        settings: IndexSettings,
        options: Sequence[Option] = (),
        *,
        base: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> IndexSources:
        """pip's configuration, then a requirements file's own options on top of it, as pip
        applies them: ``--index-url`` replaces the configured index, ``--extra-index-url``,
        ``--find-links`` and ``--trusted-host`` add to it, ``--no-index`` drops every index.
        ``${VAR}`` in option values is expanded; relative ``--find-links`` paths are taken
        relative to ``base`` (the requirements file's folder) when they exist there."""
        from lockmigrate.sources.requirements import expand_variables

        env = os.environ if environ is None else environ
        index_url = settings.index_url or DEFAULT_INDEX_URL
        extra = list(settings.extra_index_urls)
        find_links = list(settings.find_links)
        trusted = list(settings.trusted_hosts)
        no_index = settings.no_index
        for option in options:
            value = expand_variables(option.value, env) if option.value is not None else None
            if option.name == "--index-url" and value:
                index_url = value
            elif option.name == "--extra-index-url" and value:
                extra.append(value)
            elif option.name == "--find-links" and value:
                local = base / value if base is not None and "://" not in value else None
                find_links.append(str(local) if local is not None and local.exists() else value)
            elif option.name == "--trusted-host" and value:
                trusted.append(value)
            elif option.name == "--no-index":
                no_index = True
        urls = () if no_index else tuple(dict.fromkeys([index_url, *extra]))
        return cls(
            index_urls=urls,
            find_links=tuple(dict.fromkeys(find_links)),
            trusted_hosts=tuple(dict.fromkeys(trusted)),
            cert=settings.cert,
            timeout=settings.timeout or _DEFAULT_TIMEOUT,
        )

    @classmethod
    def from_pip(cls, options: Sequence[Option] = (), *, base: Path | None = None) -> IndexSources:
        """The sources pip would use here (its configuration files and ``PIP_*``
        variables), with ``options`` from a requirements file applied."""
        return cls.from_settings(read_index_settings(), options, base=base)


# --- results ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _specifier(text: str) -> SpecifierSet | None:
    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailableVersion:
    """One version of a project on the index, summarised over its files.

    A version is yanked when every file of it is (PEP 592). ``requires_python`` holds the
    distinct ``Requires-Python`` of its files, ``""`` for a file without one.
    """

    version: Version
    yanked: bool = False
    yank_reason: str | None = None
    requires_python: tuple[str, ...] = ("",)

    def allows_python(self, python: str | None) -> bool:
        """Whether some file of this version installs on Python ``python`` (any when
        ``None``). An unparsable ``Requires-Python`` is ignored, as pip ignores it."""
        if python is None:
            return True
        for text in self.requires_python:
            specifier = _specifier(text) if text else None
            if specifier is None or specifier.contains(python, prereleases=True):
                return True
        return False


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectVersions:
    """What the index said about one project.

    ``found`` is False when every index answered 404 (the project does not exist there);
    ``error`` is set (credentials redacted) when some source failed: a server error, a
    refused connection, a timeout, a page that is not a simple-API page.
    """

    name: str
    versions: tuple[AvailableVersion, ...] = ()  # ascending
    found: bool = True
    error: str | None = None


# --- the HTTP cache -------------------------------------------------------------------------


@dataclass(slots=True, kw_only=True)
class _CachedResponse:
    """A response rebuilt from the cache; enough of httpx's for unearth's collector
    (mutable, as unearth's Response protocol declares its attributes)."""

    status_code: int
    headers: Mapping[str, str]
    content: bytes
    encoding: str | None
    url: str | None

    @property
    def reason_phrase(self) -> str:
        return "OK"

    def json(self) -> dict[str, Any]:
        loaded = json.loads(self.content)
        return loaded if isinstance(loaded, dict) else {}

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        yield self.content

    def raise_for_status(self) -> None:
        return None


def _cache_control(headers: Mapping[str, str]) -> dict[str, str | None]:
    directives: dict[str, str | None] = {}
    for part in headers.get("cache-control", "").split(","):
        key, sep, value = part.strip().partition("=")
        if key:
            directives[key.lower()] = value.strip('"') if sep else None
    return directives


@dataclass(slots=True)
class _HttpCache:
    """Responses of simple-API pages on disk: ``<key>.json`` (headers, validators, expiry)
    beside ``<key>.body``. Written through a temporary file and ``os.replace``, so a reader
    never sees half an entry; a damaged entry is a miss."""

    root: Path

    def _key(self, url: str, accept: str) -> str:
        parts = urllib.parse.urlsplit(url)
        netloc = parts.netloc.rpartition("@")[2]  # credentials never reach the key or disk
        bare = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        return hashlib.sha256(f"{_CACHE_FORMAT}\n{bare}\n{accept}".encode()).hexdigest()

    def load(self, url: str, accept: str) -> tuple[dict[str, Any], bytes] | None:
        key = self._key(url, accept)
        try:
            meta = json.loads((self.root / f"{key}.json").read_text(encoding="utf-8"))
            body = (self.root / f"{key}.body").read_bytes()
        except (OSError, ValueError):
            return None
        if not isinstance(meta, dict) or hashlib.sha256(body).hexdigest() != meta.get("sha256"):
            return None
        return meta, body

    def store(self, url: str, accept: str, meta: dict[str, Any], body: bytes) -> None:
        key = self._key(url, accept)
        meta = {**meta, "sha256": hashlib.sha256(body).hexdigest()}
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            self._write(self.root / f"{key}.body", body)
            self._write(self.root / f"{key}.json", json.dumps(meta).encode())
        except OSError:
            return  # a read-only or full cache folder only costs speed

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        descriptor, name = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(content)
            Path(name).replace(path)
        except BaseException:
            Path(name).unlink(missing_ok=True)
            raise


def _freshness(headers: Mapping[str, str], now: float) -> float | None:
    """Until when a response may be reused without asking, or ``None`` when it must not be
    stored at all."""
    directives = _cache_control(headers)
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


class IndexFetchError(Exception):
    """A source failed in a way that is not "no such project" (internal to this module)."""


@dataclass(slots=True)
class _CachingFetcher:
    """unearth's Fetcher protocol over an httpx client, with the cache in front of ``get``
    and a record of what each URL answered (unearth turns 4xx/5xx into "no links")."""

    sources: IndexSources
    cache: _HttpCache | None
    statuses: dict[str, int] = field(default_factory=dict)
    _client: PyPIClient | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def client(self) -> PyPIClient:
        with self._lock:
            if self._client is None:
                self._client = _make_client(self.sources)
            return self._client

    def get(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        accept = (headers or {}).get("Accept", "")
        now = time.time()
        cached = self.cache.load(url, accept) if self.cache is not None else None
        request_headers = dict(headers or {})
        if cached is not None:
            meta, body = cached
            if float(meta.get("expires", 0)) > now:
                self.statuses[url] = 200
                return _response(meta, body)
            if meta.get("etag"):
                request_headers["If-None-Match"] = str(meta["etag"])
            if meta.get("last-modified"):
                request_headers["If-Modified-Since"] = str(meta["last-modified"])
        try:
            response = self.client().get(url, headers=request_headers)
        except Exception as error:  # noqa: BLE001 - httpx's errors, whatever their class
            raise IndexFetchError(f"{redact_url(url)}: {_describe(error)}") from None
        status = int(response.status_code)
        self.statuses[url] = status
        if status == 304 and cached is not None:
            meta, body = cached
            fresh = _freshness(response.headers, now)
            meta = {**meta, "expires": fresh if fresh is not None else now}
            if self.cache is not None:
                self.cache.store(url, accept, meta, body)
            self.statuses[url] = 200
            return _response(meta, body)
        if status in {404, 410}:
            return cast("Response", response)
        if status >= 400:
            raise IndexFetchError(
                f"{redact_url(url)}: HTTP {status} {redact_text(str(response.reason_phrase))}"
            )
        if self.cache is not None and status == 200:
            fresh = _freshness(response.headers, now)
            if fresh is not None:
                meta = {
                    "url": redact_url(str(response.url)),
                    "status": status,
                    "content-type": response.headers.get("content-type", ""),
                    "encoding": response.encoding,
                    "etag": response.headers.get("etag"),
                    "last-modified": response.headers.get("last-modified"),
                    "expires": fresh,
                }
                self.cache.store(url, accept, meta, response.content)
        return cast("Response", response)

    def head(self, url: str, *, headers: Mapping[str, str] | None = None) -> Response:
        try:
            return cast("Response", self.client().head(url, headers=headers))
        except Exception as error:  # noqa: BLE001
            raise IndexFetchError(f"{redact_url(url)}: {_describe(error)}") from None

    def get_stream(
        self, url: str, *, headers: Mapping[str, str] | None = None
    ) -> AbstractContextManager[Response]:
        stream = self.client().get_stream(url, headers=headers)
        return cast("AbstractContextManager[Response]", stream)

    def iter_secure_origins(self) -> Iterable[tuple[str, str, str]]:
        return self.client().iter_secure_origins()

    def __hash__(self) -> int:
        return id(self)

    def close(self) -> None:
        if self._client is not None:
            self._client.close()


def _response(meta: Mapping[str, Any], body: bytes) -> Response:
    return _CachedResponse(
        status_code=200,
        headers={"Content-Type": str(meta.get("content-type") or "text/html")},
        content=body,
        encoding=meta.get("encoding"),
        url=str(meta.get("url") or ""),
    )


def _describe(error: BaseException) -> str:
    text = str(error) or type(error).__name__
    return redact_text(f"{type(error).__name__}: {text}" if str(error) else text)


def _make_client(sources: IndexSources) -> PyPIClient:
    import ssl

    from unearth.auth import MultiDomainBasicAuth
    from unearth.fetchers import PyPIClient

    verify: ssl.SSLContext | bool = True
    if sources.cert:
        verify = ssl.create_default_context(cafile=sources.cert)
    client = PyPIClient(
        trusted_hosts=sources.trusted_hosts,
        verify=verify,
        timeout=sources.timeout,
        follow_redirects=True,
    )
    client.auth = MultiDomainBasicAuth(prompting=False, index_urls=sources.index_urls)
    return client


# --- querying -----------------------------------------------------------------------------


def _is_secure(url: str, trusted: Sequence[str]) -> bool:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in {"https", "file"} or not parts.scheme:
        return True
    host = parts.hostname or ""
    if host in _LOOPBACK or any(host == t.split(":")[0] for t in trusted):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _page_url(index_url: str, name: str) -> str:
    return posixpath.join(index_url, name) + "/"


def _summarise(name: str, packages: Iterable[Any]) -> tuple[AvailableVersion, ...]:
    files: dict[Version, list[tuple[bool, str | None, str]]] = {}
    for package in packages:
        if package.version is None:
            continue
        try:
            version = Version(package.version)
        except InvalidVersion:
            continue
        link = package.link
        reason = link.yank_reason
        yanked = reason is not None and reason is not False
        files.setdefault(version, []).append(
            (
                yanked,
                reason if isinstance(reason, str) and reason else None,
                link.requires_python or "",
            )
        )
    summary = []
    for version in sorted(files):
        entries = files[version]
        yanked = all(entry[0] for entry in entries)
        reasons = [entry[1] for entry in entries if entry[1]]
        summary.append(
            AvailableVersion(
                version=version,
                yanked=yanked,
                yank_reason=reasons[0] if yanked and reasons else None,
                requires_python=tuple(sorted({entry[2] for entry in entries})),
            )
        )
    return tuple(summary)


def _query(
    finder: PackageFinder, fetcher: _CachingFetcher, sources: IndexSources, name: str
) -> ProjectVersions:
    try:
        packages = list(finder.find_all_packages(name, allow_yanked=True))
    except IndexFetchError as error:
        return ProjectVersions(name=name, found=False, error=str(error))
    except Exception as error:  # noqa: BLE001 - one project's failure is a row, not a crash
        return ProjectVersions(name=name, found=False, error=_describe(error))
    versions = _summarise(name, packages)
    statuses = [fetcher.statuses.get(_page_url(url, name)) for url in sources.index_urls]
    errors = [
        f"{redact_url(url)} was not asked: it is plain HTTP and not a trusted host (--trusted-host)"
        for url, status in zip(sources.index_urls, statuses, strict=True)
        if status is None and not _is_secure(url, sources.trusted_hosts)
    ]
    found = bool(versions) or any(status == 200 for status in statuses)
    return ProjectVersions(
        name=name, versions=versions, found=found, error="; ".join(errors) or None
    )


def fetch_versions(
    names: Iterable[str],
    *,
    sources: IndexSources,
    cache_dir: Path | None = None,
    workers: int = _DEFAULT_WORKERS,
) -> dict[str, ProjectVersions]:
    """Every version the sources offer for each project in ``names`` (canonicalised),
    with yanks and Requires-Python, queried concurrently on at most ``workers`` threads.

    Never raises for a failing project: its :class:`ProjectVersions` carries the error.
    ``cache_dir`` ``None`` disables the HTTP cache.
    """
    wanted = sorted({canonicalize_name(name) for name in names})
    if not wanted:
        return {}
    if not sources.index_urls and not sources.find_links:
        return {name: ProjectVersions(name=name, found=False) for name in wanted}
    from unearth import PackageFinder

    logging.getLogger("unearth").addHandler(logging.NullHandler())
    fetcher = _CachingFetcher(
        sources=sources, cache=_HttpCache(cache_dir / "http") if cache_dir else None
    )
    finder = PackageFinder(
        session=fetcher,
        index_urls=sources.index_urls,
        find_links=sources.find_links,
        trusted_hosts=sources.trusted_hosts,
        ignore_compatibility=True,
    )
    try:
        with ThreadPoolExecutor(max_workers=max(1, min(workers, len(wanted)))) as pool:
            results = pool.map(lambda name: _query(finder, fetcher, sources, name), wanted)
            return {result.name: result for result in results}
    finally:
        fetcher.close()
