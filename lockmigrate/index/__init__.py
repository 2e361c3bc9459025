"""Which versions of a project a package index offers: the only package that talks HTTP.

A client of the simple repository API (PEP 691 JSON, PEP 503 HTML fallback) and of
``--find-links`` folders and pages, with pip's rules for choosing pages and reading files
(:mod:`.pages`), over urllib3 with pip's network behaviour (:mod:`.transport`) and an
on-disk HTTP cache (:mod:`.cache`). On top, lockmigrate adds:

* the index and network configuration pip would use (:mod:`.sources`:
  :func:`lockmigrate.pipconfig.read_index_settings`) overridden by a requirements file's own
  ``--index-url``/``--extra-index-url``/``--find-links``/``--no-index``/``--trusted-host``,
  as pip applies them;
* concurrent queries on a pool of worker threads sharing one connection pool (at most
  ``workers`` connections to each host), where a project that fails becomes a
  :class:`ProjectVersions` with an ``error`` instead of failing the run;
* credentials redacted in every message and kept out of the cache.

Why urllib3 and truststore: they are what pip runs on (vendored in pip; truststore by
default since pip 24.2), so the certificates, proxies (``NO_PROXY`` ranges, HTTPS and SOCKS
proxies), client certificates, retries and HTTP/1.1 leniency that work for ``pip install``
work here, maintained by others, where the first releases' client of our own (~1,100 lines
of HTTP, TLS and proxy code) had to re-learn each. The price, measured: importing urllib3,
http.client, ssl and urllib.request's proxy rules takes about 60 ms (about 40 ms more than
the former client's modules), paid only by a run that asks an index (``--help``, ``scan``
and ``diff --offline`` never import them); and each response costs about 0.5 ms of CPU
instead of 0.25 ms. requests would add about 20 ms to the import and nothing pip's
behaviour needs (:mod:`.transport` and :mod:`.auth` carry requests' few rules that pip
relies on); unearth or httpx cost 0.3 s and more. :mod:`.pages` follows pip's rules for
pages and file names, and ``tests/test_index_client.py`` checks it against unearth (pip's
finder logic as a library) on the same index, page by page.
"""

from __future__ import annotations

import functools
import ipaddress
import posixpath
import queue
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from packaging.version import Version

from lockmigrate.hashes import sha256_hex
from lockmigrate.index.cache import HttpCache, freshness
from lockmigrate.index.pages import (
    ACCEPT,
    IndexFile,
    PageError,
    canonical_name,
    parse_page,
    projects_of,
    version_of,
    wheel_tags,
)
from lockmigrate.index.sources import DEFAULT_INDEX_URL, IndexSources
from lockmigrate.paths import CACHE_ENV, default_cache_dir
from lockmigrate.redact import redact_url

if TYPE_CHECKING:
    from packaging.specifiers import SpecifierSet
    from packaging.utils import NormalizedName

    from lockmigrate.index.transport import Response, Transport

__all__ = [
    "CACHE_ENV",
    "DEFAULT_INDEX_URL",
    "AvailableVersion",
    "IndexSources",
    "ProjectVersions",
    "VersionFetcher",
    "default_cache_dir",
    "fetch_metadata",
    "fetch_versions",
    "read_metadata",
]

_DEFAULT_WORKERS = 16  # requests at once, and connections to one host
_LOOPBACK = ("localhost",)


# --- results ------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _specifier(text: str) -> SpecifierSet | None:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        return SpecifierSet(text)
    except InvalidSpecifier:
        return None


@lru_cache(maxsize=4096)
def _python_allowed(requires_python: str, python: str) -> bool:
    """Whether one ``Requires-Python`` (``""`` for none) lets ``python`` install; the same
    few recur across a whole index, so each is decided once."""
    specifier = _specifier(requires_python) if requires_python else None
    return specifier is None or specifier.contains(python, prereleases=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class AvailableVersion:
    """One version of a project on the index, summarised over its files.

    A version is yanked when every file of it is (PEP 592). ``requires_python`` holds the
    distinct ``Requires-Python`` of its files, ``""`` for a file without one.
    ``distributions`` are its files as the index lists them (empty when not known: a version
    made by hand), whose wheel tags :meth:`installable` reads when asked.
    """

    version: Version
    yanked: bool = False
    yank_reason: str | None = None
    requires_python: tuple[str, ...] = ("",)
    distributions: tuple[IndexFile, ...] = ()

    def allows_python(self, python: str | None) -> bool:
        """Whether some file of this version installs on Python ``python`` (any when
        ``None``). An unparsable ``Requires-Python`` is ignored, as pip ignores it."""
        if python is None:
            return True
        return any(_python_allowed(text, python) for text in self.requires_python)

    @property
    def files(self) -> frozenset[tuple[str, str]]:
        """The distinct kinds of file of this version: ``Requires-Python`` and wheel tags as
        the wheel's name writes them (``cp311-cp311-manylinux_2_17_x86_64``; ``""`` for a
        source archive)."""
        return frozenset(
            (file.requires_python or "", tags)
            for file in self.distributions
            if (tags := wheel_tags(file.filename)) is not None
        )

    def installable(
        self, python: str | None, installs_wheel: Callable[[str], bool] | None = None
    ) -> bool:
        """Whether some one file of this version installs on Python ``python`` (any when
        ``None``) and, when ``installs_wheel`` is given, is a source archive or a wheel whose
        tags it accepts: a version with only ``cp313`` wheels, or only ``win_amd64`` ones,
        is not installable on Linux CPython 3.11. Without its files, ``Requires-Python``
        alone decides."""
        if installs_wheel is None or not self.distributions:
            return self.allows_python(python)
        wheels: list[str] = []
        for file in self.distributions:
            if python is not None and not _python_allowed(file.requires_python or "", python):
                continue
            tags = wheel_tags(file.filename)
            if tags == "":
                return True  # a source archive: no wheel's tags need deciding
            if tags is not None:
                wheels.append(tags)
        return any(installs_wheel(tags) for tags in dict.fromkeys(wheels))

    def metadata_file(
        self, python: str | None, installs_wheel: Callable[[str], bool]
    ) -> IndexFile | None:
        """The file whose core metadata (PEP 658) is the metadata pip would read for this
        version on Python ``python`` and the platform ``installs_wheel`` stands for: the
        wheels that install there (pip prefers any of them to a source archive) when all
        of them serve the same metadata, by its hash; ``None`` when that cannot be known
        without building or downloading (no such wheel, metadata not served, or two wheels
        whose metadata may differ)."""
        candidates = [
            file
            for file in self.distributions
            if (python is None or _python_allowed(file.requires_python or "", python))
            and (tags := wheel_tags(file.filename))
            and installs_wheel(tags)
        ]
        hashes = {file.metadata_sha256 for file in candidates}
        if not candidates or None in hashes:
            return None
        if len(candidates) > 1 and (len(hashes) != 1 or "" in hashes):
            return None
        return candidates[0]


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
    #: Until when (epoch seconds) every page this answer was read from may be reused
    #: without asking its server again, as HTTP caching allows; ``None`` when some page
    #: may not be reused at all (``no-store``, a local file, a ``--find-links`` location,
    #: no cache folder): answers derived from it must not outlive the run.
    fresh_until: float | None = None
    #: A digest of the pages' bodies (set with ``fresh_until``): the same pages, the same
    #: digest, so a cached answer derived from them can tell that the index has changed.
    pages_digest: str | None = None


# --- asking the sources ---------------------------------------------------------------------


def _is_secure(url: str, trusted: Sequence[str]) -> bool:
    """pip's secure origins: HTTPS, files, loopback, and ``--trusted-host`` hosts."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme in {"https", "file"} or not parts.scheme:
        return True
    host = parts.hostname or ""
    if host in _LOOPBACK or any(_trusts(entry, host, parts.port) for entry in trusted):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _trusts(entry: str, host: str, port: int | None) -> bool:
    name, _, wanted = entry.rpartition(":") if entry.count(":") == 1 else (entry, "", "")
    return name.lower() == host.lower() and (not wanted or wanted == str(port))


def _without_userinfo(url: str) -> str:
    """``url`` without the ``user:password@`` of its authority, if any."""
    scheme, separator, rest = url.partition("://")
    authority, slash, path = rest.partition("/")
    if not separator or "@" not in authority:
        return url
    return f"{scheme}://{authority.rpartition('@')[2]}{slash}{path}"


def _page_url(index_url: str, name: str) -> str:
    return posixpath.join(index_url, urllib.parse.quote(name)) + "/"


def _local_path(location: str) -> Path | None:
    """The path of a ``file:`` URL or a plain path; ``None`` for a remote URL."""
    if location.startswith("file:"):
        from urllib.request import url2pathname

        return Path(url2pathname(urllib.parse.urlsplit(location).path))
    if "://" in location:
        return None
    return Path(location)


@dataclass(slots=True, kw_only=True)
class _Answer:
    """What one source said about one project: its files, or that it has no such project
    (``found`` False), or an error."""

    files: list[IndexFile]
    found: bool = True
    error: str | None = None
    #: until when the page may be reused, and the SHA-256 of its body (see
    #: :attr:`ProjectVersions.fresh_until`); ``None`` when it may not be stored
    expires: float | None = None
    digest: str | None = None


class _Workers:
    """Daemon threads that run requests, at most ``count`` at once.

    Not a ``ThreadPoolExecutor``: its threads are joined when the interpreter exits, so an
    interrupted ``diff`` would wait for every request under way to time out. Here
    :meth:`close` drops what has not started (each job is told it was cancelled) and the
    requests under way end with the process.
    """

    def __init__(self, count: int) -> None:
        self._count = count
        self._jobs: queue.SimpleQueue[Callable[[bool], None] | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._closed = False

    def submit(self, job: Callable[[bool], None]) -> None:
        """Run ``job(cancelled)`` on a worker; at once with ``cancelled`` after close()."""
        with self._lock:
            closed = self._closed
            if not closed:
                if len(self._threads) < self._count:
                    thread = threading.Thread(
                        target=self._work, name="lockmigrate-http", daemon=True
                    )
                    self._threads.append(thread)
                    thread.start()
                self._jobs.put(job)
        if closed:
            job(True)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job(self._closed)

    def close(self) -> None:
        """Cancel the jobs not started; the workers end after the ones under way."""
        with self._lock:
            self._closed = True
            threads = len(self._threads)
        while True:
            try:
                job = self._jobs.get_nowait()
            except queue.Empty:
                break
            if job is not None:
                job(True)
        for _ in range(threads):
            self._jobs.put(None)


class _Client:
    """Pages from the sources, through the cache; shared by the background batches."""

    def __init__(
        self, sources: IndexSources, cache: HttpCache | None, *, connections: int = 16
    ) -> None:
        self.sources = sources
        self.cache = cache
        self.connections = connections
        self._transport: Transport | None = None
        self._transport_lock = threading.Lock()
        self._workers = _Workers(connections)
        self._find_links: dict[str, dict[NormalizedName, list[IndexFile]] | None] = {}
        self._find_links_lock = threading.Lock()
        #: A find-links location that failed, with its error (read after find_links()).
        self.find_links_errors: dict[str, str | None] = {}

    @property
    def transport(self) -> Transport:
        """The HTTP client, made on the first remote page (urllib3 is imported then)."""
        with self._transport_lock:
            if self._transport is None:
                from lockmigrate.index.transport import Transport

                self._transport = Transport(self.sources, connections=self.connections)
            return self._transport

    def close(self) -> None:
        """Cancel the pages not asked for yet and close the idle connections."""
        self._workers.close()
        with self._transport_lock:
            if self._transport is not None:
                self._transport.close()

    def get(self, url: str) -> _Answer:
        """The files of the page at ``url``: HTTP(S) through the cache, or a local file."""
        return self.get_many([url])[0]

    def get_many(
        self, urls: Sequence[str], on_page: Callable[[int, _Answer], None] | None = None
    ) -> list[_Answer]:
        """The files of each page, in order: local files read, fresh cached pages reused,
        and the rest asked for on the workers (revalidating stale cached pages).
        ``on_page(position, answer)`` is called as each page is read, one call at a time."""
        now = time.time()
        answers: list[_Answer | None] = [None] * len(urls)
        finished = threading.Condition()  # guards answers, waiting and on_page's calls
        waiting = 0

        def done(position: int, answer: _Answer) -> None:
            with finished:
                answers[position] = answer
                if on_page is not None:
                    on_page(position, answer)

        cached: dict[int, tuple[dict[str, Any], bytes]] = {}
        asked: list[tuple[int, str, dict[str, str]]] = []
        for position, url in enumerate(urls):
            local = _local_path(url)
            if local is not None:
                done(position, self._read_local(url, local))
                continue
            entry = self.cache.load(url, ACCEPT) if self.cache is not None else None
            headers = {"Accept": ACCEPT}
            if entry is not None:
                meta, body = entry
                expires = float(meta.get("expires", 0))
                if expires > now:
                    answer = self._parse(url, body, str(meta.get("content-type", "")))
                    answer.expires, answer.digest = expires, str(meta["sha256"])
                    done(position, answer)
                    continue
                cached[position] = entry
                if meta.get("etag"):
                    headers["If-None-Match"] = str(meta["etag"])
                if meta.get("last-modified"):
                    headers["If-Modified-Since"] = str(meta["last-modified"])
            asked.append((position, url, headers))

        def fetch(position: int, url: str, headers: dict[str, str], cancelled: bool) -> None:
            nonlocal waiting
            if cancelled:
                answer = _Answer(files=[], found=False, error=f"{redact_url(url)}: cancelled")
            else:
                answer = self._fetch(url, headers, cached.get(position), now)
            done(position, answer)
            with finished:
                waiting -= 1
                if not waiting:
                    finished.notify_all()

        with finished:
            waiting = len(asked)
        for position, url, headers in asked:
            self._workers.submit(functools.partial(fetch, position, url, headers))
        with finished:
            finished.wait_for(lambda: waiting == 0)
        return [answer if answer is not None else _Answer(files=[]) for answer in answers]

    def _fetch(
        self,
        url: str,
        headers: dict[str, str],
        cached: tuple[dict[str, Any], bytes] | None,
        now: float,
    ) -> _Answer:
        """One page asked of its server; every failure becomes the answer's error."""
        from lockmigrate.index.transport import FetchError

        try:
            response = self.transport.get(url, headers=headers)
        except FetchError as error:
            return _Answer(files=[], found=False, error=str(error))
        try:
            return self._answer(url, response, cached, now)
        except Exception as error:  # noqa: BLE001 - one page's trouble is its row's error
            return _Answer(files=[], found=False, error=f"{redact_url(url)}: {error!r}")

    def _answer(
        self,
        url: str,
        response: Response,
        cached: tuple[dict[str, Any], bytes] | None,
        now: float,
    ) -> _Answer:
        if response.status == 304 and cached is not None:
            meta, body = cached
            fresh = freshness(response.headers, now)
            if self.cache is not None:
                self.cache.store(url, ACCEPT, {**meta, "expires": fresh or now}, body)
            answer = self._parse(url, body, str(meta.get("content-type", "")))
            answer.expires, answer.digest = fresh, str(meta.get("sha256"))
            return answer
        if response.status in {404, 410}:
            return _Answer(files=[], found=False)
        if response.status != 200:
            reason = f"HTTP {response.status} {response.reason}".rstrip()
            return _Answer(files=[], found=False, error=f"{redact_url(url)}: {reason}")
        content_type = response.headers.get("content-type", "")
        answer = self._parse(url, response.body, content_type)
        fresh = freshness(response.headers, now)
        if self.cache is not None and fresh is not None and answer.error is None:
            meta = {
                "content-type": content_type,
                "etag": response.headers.get("etag"),
                "last-modified": response.headers.get("last-modified"),
                "expires": fresh,
            }
            answer.expires = fresh
            answer.digest = self.cache.store(url, ACCEPT, meta, response.body)
        return answer

    @staticmethod
    def _parse(url: str, body: bytes, content_type: str) -> _Answer:
        try:
            return _Answer(files=parse_page(body, content_type, page=_without_userinfo(url)))
        except (PageError, RecursionError) as error:
            return _Answer(files=[], found=False, error=f"{redact_url(url)}: {error}")

    def _read_local(self, url: str, path: Path) -> _Answer:
        """A ``file:`` index page: ``<folder>/index.html`` when the URL names a folder, as
        pip reads it."""
        page = path / "index.html" if path.is_dir() else path
        try:
            return self._parse(url, page.read_bytes(), "text/html")
        except FileNotFoundError:
            return _Answer(files=[], found=False)
        except OSError as error:
            return _Answer(files=[], found=False, error=f"{redact_url(url)}: {error.strerror}")

    def find_links(self, location: str) -> dict[NormalizedName, list[IndexFile]] | None:
        """The files of a ``--find-links`` location by project, read once however many
        projects ask; ``None`` when it is plain HTTP and not a trusted host."""
        with self._find_links_lock:
            if location not in self._find_links:
                self._find_links[location] = self._read_find_links(location)
            return self._find_links[location]

    def _read_find_links(self, location: str) -> dict[NormalizedName, list[IndexFile]] | None:
        local = _local_path(location)
        files: list[IndexFile]
        if local is None:
            if not _is_secure(location, self.sources.trusted_hosts):
                return None
            answer = self.get(location)
            files = answer.files
            self.find_links_errors[location] = answer.error
        elif local.is_dir():
            # pip's find-links folder: every archive in it, and the links of its HTML pages
            files = []
            try:
                entries = sorted(entry.name for entry in local.iterdir())
            except OSError as error:
                entries = []
                self.find_links_errors[location] = f"{location}: {error.strerror}"
            for entry in entries:
                if entry.lower().endswith((".html", ".htm")):
                    files += self._read_local(location, local / entry).files
                else:
                    files.append(IndexFile(filename=entry))
        elif local.suffix.lower() in {".html", ".htm"}:
            answer = self._read_local(location, local)
            files = answer.files
            self.find_links_errors[location] = answer.error
        else:
            files = [IndexFile(filename=local.name)] if local.is_file() else []
        by_project: dict[NormalizedName, list[IndexFile]] = {}
        for file in files:
            for project in projects_of(file.filename):
                by_project.setdefault(project, []).append(file)
        return by_project


def _untrusted(url: str) -> str:
    return (
        f"{redact_url(url)} was not asked: it is plain HTTP and not a trusted host (--trusted-host)"
    )


def _query(client: _Client, names: Sequence[NormalizedName]) -> dict[str, ProjectVersions]:
    """What the sources offer for each of ``names``: the find-links locations first (each
    read once), then every index page asked for at once, each project summed up as soon as
    its last page is in."""
    sources = client.sources
    secure = [url for url in sources.index_urls if _is_secure(url, sources.trusted_hosts)]
    insecure = [_untrusted(url) for url in sources.index_urls if url not in secure]
    linked: dict[str, list[IndexFile]] = {name: [] for name in names}
    linked_errors: list[str] = []
    for location in sources.find_links:
        by_project = client.find_links(location)
        if by_project is None:
            linked_errors.append(_untrusted(location))
            continue
        error = client.find_links_errors.get(location)
        if error:
            linked_errors.append(error)
        for name in names:
            linked[name] += by_project.get(name, ())
    results: dict[str, ProjectVersions] = {}
    pages: dict[int, list[tuple[int, _Answer]]] = {}

    def summed_up(index: int, answers: Sequence[_Answer]) -> None:
        name = names[index]
        files = [file for answer in answers for file in answer.files] + linked[name]
        errors = [*insecure, *(a.error for a in answers if a.error), *linked_errors]
        versions = _summarise(name, files)
        reusable = bool(answers) and not sources.find_links and not insecure
        expiries = [answer.expires for answer in answers]
        digests = [answer.digest for answer in answers]
        fresh_until = (
            min(e for e in expiries if e is not None)
            if reusable and None not in expiries and None not in digests
            else None
        )
        results[name] = ProjectVersions(
            name=name,
            versions=versions,
            found=any(answer.found for answer in answers) or bool(versions),
            error="; ".join(dict.fromkeys(errors)) or None,
            fresh_until=fresh_until,
            pages_digest=" ".join(d or "" for d in digests) if fresh_until is not None else None,
        )

    def on_page(position: int, answer: _Answer) -> None:
        index, which = divmod(position, len(secure))
        arrived = pages.setdefault(index, [])
        arrived.append((which, answer))
        if len(arrived) == len(secure):
            summed_up(index, [page for _, page in sorted(arrived, key=lambda item: item[0])])

    answers = client.get_many([_page_url(url, n) for n in names for url in secure], on_page)
    for index, name in enumerate(names):
        if name not in results:  # no index to ask (or a page that never came back)
            summed_up(index, answers[index * len(secure) : (index + 1) * len(secure)])
    return results


def _summarise(name: NormalizedName, files: Iterable[IndexFile]) -> tuple[AvailableVersion, ...]:
    """One :class:`AvailableVersion` per version among ``files`` of project ``name``."""
    by_version: dict[Version, list[IndexFile]] = {}
    for file in files:
        version = version_of(file.filename, name)
        if version is not None:
            by_version.setdefault(version, []).append(file)
    summary = []
    for version in sorted(by_version):
        entries = by_version[version]
        yanked = all(entry.yanked is not None for entry in entries)
        reasons = [entry.yanked for entry in entries if entry.yanked]
        summary.append(
            AvailableVersion(
                version=version,
                yanked=yanked,
                yank_reason=reasons[0] if yanked and reasons else None,
                requires_python=tuple(sorted({entry.requires_python or "" for entry in entries})),
                distributions=tuple(entries),
            )
        )
    return tuple(summary)


class VersionFetcher:
    """Queries that start as soon as names are known and are collected later, so that a
    caller can go on reading its input while the index answers.

    Each :meth:`submit` asks for its names from one background thread, which hands their
    pages to the fetcher's ``workers`` threads (so at most ``workers`` requests at once, and
    as many connections to each host). Use as a context manager: leaving it waits for what
    is under way and closes every connection.
    """

    def __init__(
        self,
        sources: IndexSources,
        *,
        cache_dir: Path | None = None,
        workers: int = _DEFAULT_WORKERS,
    ) -> None:
        self.sources = sources
        self._cache = HttpCache(cache_dir / "http") if cache_dir else None
        self._workers = max(1, workers)
        self._client: _Client | None = None
        self._batches: dict[NormalizedName, _Batch] = {}

    def __enter__(self) -> VersionFetcher:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, *exc_info: object) -> None:
        self.close(wait=exc_type is None)

    def submit(self, names: Iterable[str]) -> None:
        """Start asking for ``names`` (canonicalised) that were not asked for yet."""
        if not self.sources.index_urls and not self.sources.find_links:
            return
        new = sorted({canonical_name(name) for name in names} - self._batches.keys())
        if not new:
            return
        if self._client is None:
            self._client = _Client(self.sources, self._cache, connections=self._workers)
        batch = _Batch(self._client, new)
        for name in new:
            self._batches[name] = batch

    def results(self, names: Iterable[str]) -> dict[str, ProjectVersions]:
        """What the sources offer for each of ``names``, waiting for the answers (asking
        first for any not asked for yet). Never raises for a failing project."""
        wanted = sorted({canonical_name(name) for name in names})
        if not self.sources.index_urls and not self.sources.find_links:
            return {name: ProjectVersions(name=name, found=False) for name in wanted}
        self.submit(wanted)
        return {name: self._batches[name].result(name) for name in wanted}

    def close(self, *, wait: bool = True) -> None:
        """Wait for the batches under way (unless ``wait`` is false: on an error or an
        interrupt nobody needs their answers), then close every connection."""
        if wait:
            for batch in set(self._batches.values()):
                batch.thread.join()
        if self._client is not None:
            self._client.close()
            self._client = None


class _Batch:
    """Names asked for together, answered by one background thread."""

    def __init__(self, client: _Client, names: list[NormalizedName]) -> None:
        self.answers: dict[str, ProjectVersions] = {}
        self.error: BaseException | None = None
        self.thread = threading.Thread(
            target=self._run, args=(client, names), name="lockmigrate-index", daemon=True
        )
        self.thread.start()

    def _run(self, client: _Client, names: list[NormalizedName]) -> None:
        try:
            self.answers = _query(client, names)
        except BaseException as error:  # noqa: BLE001 - re-raised in the caller's thread
            self.error = error

    def result(self, name: str) -> ProjectVersions:
        self.thread.join()
        if self.error is not None:
            raise self.error
        return self.answers[name]


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
    with VersionFetcher(sources, cache_dir=cache_dir, workers=workers) as fetcher:
        return fetcher.results(names)


_Key = TypeVar("_Key")


def fetch_metadata(
    files: Mapping[_Key, IndexFile],
    *,
    sources: IndexSources,
    workers: int = _DEFAULT_WORKERS,
) -> dict[_Key, bytes]:
    """The core metadata (``METADATA``) of each file, as its index serves it beside the
    file (PEP 658/714), checked against the SHA-256 the page gave for it; fetched
    concurrently on at most ``workers`` threads with pip's network settings from
    ``sources``. A file whose metadata is not served, does not come (no answer, a status
    other than 200) or does not match its hash is left out: the caller reads it another way.
    """
    client = _Client(sources, None, connections=max(1, workers))
    found: dict[_Key, bytes] = {}
    finished = threading.Condition()
    waiting = 0

    def fetch(key: _Key, url: str, expected: str, cancelled: bool) -> None:
        nonlocal waiting
        try:
            body = None if cancelled else _metadata_body(client, url)
            if body is not None and (not expected or sha256_hex(body) == expected):
                with finished:
                    found[key] = body
        finally:
            with finished:
                waiting -= 1
                finished.notify_all()

    asked: list[tuple[_Key, str, str]] = []
    for key, file in files.items():
        url = file.metadata_url()
        if url is None or file.metadata_sha256 is None:
            continue
        if _local_path(url) is None and not _is_secure(url, sources.trusted_hosts):
            continue
        asked.append((key, url, file.metadata_sha256))
    try:
        with finished:
            waiting = len(asked)
        for key, url, expected in asked:
            client._workers.submit(functools.partial(fetch, key, url, expected))
        with finished:
            finished.wait_for(lambda: waiting == 0)
    finally:
        client.close()
    return found


def read_metadata(file: IndexFile, transport: Transport) -> bytes | None:
    """The core metadata the index serves beside ``file`` (PEP 658), through an open
    ``transport``, checked against the page's hash; ``None`` when it is not served, does not
    come or does not match."""
    from lockmigrate.index.transport import FetchError

    url = file.metadata_url()
    if url is None or file.metadata_sha256 is None:
        return None
    try:
        response = transport.get(url)
    except FetchError:
        return None
    if response.status != 200:
        return None
    expected = file.metadata_sha256
    return response.body if not expected or sha256_hex(response.body) == expected else None


def _metadata_body(client: _Client, url: str) -> bytes | None:
    local = _local_path(url)
    if local is not None:
        try:
            return local.read_bytes()
        except OSError:
            return None
    from lockmigrate.index.transport import FetchError

    try:
        response = client.transport.get(url)
    except FetchError:
        return None
    return response.body if response.status == 200 else None
