"""A real package index on 127.0.0.1, served from a thread, for tests that run real tools.

:class:`LocalIndex` builds a catalogue (:mod:`index.catalog`) into wheels and serves them the
way PyPI does, so pip, pip-compile, uv and Poetry resolve against it with no mocks:

* ``/simple/`` and ``/simple/<project>/``: the simple repository API, as PEP 503 HTML or PEP
  691 JSON (``application/vnd.pypi.simple.v1+json``) by the request's ``Accept`` header, with
  ``sha256`` hashes, ``requires-python`` (PEP 503 / PEP 345), yanks (PEP 592), core metadata
  hashes (PEP 658 / PEP 714) and sizes, versions and upload times (PEP 700).
* ``/simple/<Not-Normalised>/`` and ``/simple/<project>`` redirect (301) to
  ``/simple/<normalised>/``, as PyPI does. An unknown project is a 404.
* ``/files/<wheel>`` and ``/files/<wheel>.metadata``: the wheels and their ``METADATA``, so a
  resolver reads dependencies without downloading the wheel.

With ``auth=(user, password)`` every request needs HTTP basic auth and is otherwise answered
401, for tests that check credentials reach the index but never a file or a log.

The server binds to 127.0.0.1 only, opens no connection of its own, writes nothing to stderr
(requests are kept in :attr:`LocalIndex.requests`, failures in :attr:`LocalIndex.errors`), and
:meth:`LocalIndex.stop` closes the listening socket and every open connection.
"""

from __future__ import annotations

import base64
import hmac
import html
import json
import shutil
import socket
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import cast
from urllib.parse import unquote, urlsplit

from packaging.utils import NormalizedName, canonicalize_name
from packaging.version import Version

from .catalog import DEFAULT_CATALOG, CatalogError, Release
from .environment import scrubbed_env
from .wheels import SDIST, BuiltWheel, build_sdist, build_wheel_with_metadata, read_wheel

__all__ = ["LocalIndex", "RequestRecord", "negotiate_content_type"]

#: The PEP 691 media types this index serves.
JSON_V1 = "application/vnd.pypi.simple.v1+json"
HTML_V1 = "application/vnd.pypi.simple.v1+html"
TEXT_HTML = "text/html"

#: Accept-able media type -> the Content-Type answered (the ``latest`` aliases answer v1).
_MEDIA_TYPES: dict[str, str] = {
    JSON_V1: JSON_V1,
    "application/vnd.pypi.simple.latest+json": JSON_V1,
    HTML_V1: HTML_V1,
    "application/vnd.pypi.simple.latest+html": HTML_V1,
    TEXT_HTML: TEXT_HTML,
    "*/*": TEXT_HTML,
}

#: PEP 629 repository version; 1.1 because PEP 700's ``versions``/``size``/``upload-time`` are.
API_VERSION = "1.1"

_REALM = "lockmigrate test index"


@dataclass(frozen=True, kw_only=True, slots=True)
class RequestRecord:
    """One request the index answered. The password of an authenticated request is not kept."""

    method: str
    path: str
    status: int
    accept: str | None
    user: str | None
    user_agent: str | None
    #: The ``Range`` header asked (``bytes=-65536``), ``None`` for a whole-file request.
    range: str | None = None
    #: How many body bytes were sent (0 for ``HEAD``).
    sent: int = 0


@dataclass(frozen=True, kw_only=True, slots=True)
class _ServedFile:
    release: Release
    wheel: BuiltWheel


@dataclass(frozen=True, kw_only=True, slots=True)
class _Project:
    name: str
    files: tuple[_ServedFile, ...]

    @property
    def versions(self) -> list[str]:
        return sorted({served.wheel.version for served in self.files}, key=Version)


def negotiate_content_type(accept: str | None, *, serve_json: bool = True) -> str | None:
    """The Content-Type to answer a simple-API request with, or ``None`` for 406.

    Follows PEP 691: media ranges are ranked by their ``q`` (1 when absent; ties keep the
    client's order), and no ``Accept`` header at all means HTML.
    """
    if not accept or not accept.strip():
        return TEXT_HTML
    ranked: list[tuple[float, int, str]] = []
    for position, media_range in enumerate(accept.split(",")):
        media_type, *parameters = (part.strip() for part in media_range.split(";"))
        quality = 1.0
        for parameter in parameters:
            key, _, value = parameter.partition("=")
            if key.strip().lower() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        ranked.append((-quality, position, media_type.lower()))
    for negative_quality, _, media_type in sorted(ranked):
        answer = _MEDIA_TYPES.get(media_type)
        if negative_quality >= 0 or answer is None:
            continue
        if answer == JSON_V1 and not serve_json:
            continue
        return answer
    return None


def _file_url(filename: str) -> str:
    return f"/files/{filename}"


def _render_root(projects: Iterable[_Project], content_type: str) -> bytes:
    if content_type == JSON_V1:
        return json.dumps(
            {
                "meta": {"api-version": API_VERSION},
                "projects": [{"name": project.name} for project in projects],
            },
            indent=2,
        ).encode()
    links = "".join(
        f'    <a href="/simple/{canonicalize_name(project.name)}/">'
        f"{html.escape(project.name)}</a><br>\n"
        for project in projects
    )
    return _html_page("Simple index", links)


def _render_project(project: _Project, content_type: str, *, serve_metadata: bool) -> bytes:
    if content_type == JSON_V1:
        return json.dumps(
            {
                "meta": {"api-version": API_VERSION},
                "name": canonicalize_name(project.name),
                "versions": project.versions,
                "files": [
                    _json_file(served, serve_metadata=serve_metadata) for served in project.files
                ],
            },
            indent=2,
        ).encode()
    links = "".join(
        f"    {_html_anchor(served, serve_metadata=serve_metadata)}<br>\n"
        for served in project.files
    )
    return _html_page(f"Links for {project.name}", links)


def _json_file(served: _ServedFile, *, serve_metadata: bool) -> dict[str, object]:
    wheel, release = served.wheel, served.release
    entry: dict[str, object] = {
        "filename": wheel.filename,
        "url": _file_url(wheel.filename),
        "hashes": {"sha256": wheel.sha256},
        "size": wheel.size,
        # PEP 691: a yank with no reason is ``true``; a reason is a non-empty string.
        "yanked": release.yanked or False,
    }
    if release.requires_python is not None:
        entry["requires-python"] = release.requires_python
    if serve_metadata and not wheel.sdist:
        entry["core-metadata"] = {"sha256": wheel.metadata_sha256}
        entry["dist-info-metadata"] = {"sha256": wheel.metadata_sha256}  # PEP 714's old name
    if release.upload_time is not None:
        entry["upload-time"] = release.upload_time
    return entry


def _html_anchor(served: _ServedFile, *, serve_metadata: bool) -> str:
    wheel, release = served.wheel, served.release
    attributes = [("href", f"{_file_url(wheel.filename)}#sha256={wheel.sha256}")]
    if release.requires_python is not None:
        attributes.append(("data-requires-python", release.requires_python))
    if release.yanked is not False:
        attributes.append(("data-yanked", "" if release.yanked is True else release.yanked))
    if serve_metadata and not wheel.sdist:
        attributes.append(("data-core-metadata", f"sha256={wheel.metadata_sha256}"))
        attributes.append(("data-dist-info-metadata", f"sha256={wheel.metadata_sha256}"))
    rendered = " ".join(f'{key}="{html.escape(value, quote=True)}"' for key, value in attributes)
    return f"<a {rendered}>{html.escape(wheel.filename)}</a>"


def _html_page(title: str, body: str) -> bytes:
    return (
        "<!DOCTYPE html>\n<html>\n  <head>\n"
        f'    <meta name="pypi:repository-version" content="{API_VERSION}">\n'
        f"    <title>{html.escape(title)}</title>\n  </head>\n  <body>\n"
        f"    <h1>{html.escape(title)}</h1>\n{body}  </body>\n</html>\n"
    ).encode()


class _IndexServer(ThreadingHTTPServer):
    """The HTTP server, holding the state that handlers read and the log they write."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, index: LocalIndex) -> None:
        self.index = index
        self.open_connections: set[socket.socket] = set()
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """Keep tracebacks off stderr; a client hanging up mid-response is not an error."""
        if isinstance(sys.exc_info()[1], ConnectionResetError | BrokenPipeError):
            return
        with self.lock:
            self.index.errors.append(traceback.format_exc())


class _Handler(BaseHTTPRequestHandler):
    """Answers one connection's requests (keep-alive: HTTP/1.1 with Content-Length always)."""

    protocol_version = "HTTP/1.1"
    server_version = "lockmigrate-test-index/1"
    sys_version = ""
    timeout = 30  # an idle keep-alive connection is dropped after this many seconds

    @property
    def _server(self) -> _IndexServer:
        return cast("_IndexServer", self.server)

    def setup(self) -> None:
        super().setup()
        with self._server.lock:
            self._server.open_connections.add(self.connection)

    def finish(self) -> None:
        with self._server.lock:
            self._server.open_connections.discard(self.connection)
        super().finish()

    def log_message(self, format: str, *args: object) -> None:
        """Log nothing: the request log is :attr:`LocalIndex.requests`."""

    def do_GET(self) -> None:
        self._answer(head=False)

    def do_HEAD(self) -> None:
        self._answer(head=True)

    def _answer(self, *, head: bool) -> None:
        try:
            status, body, headers = self._route()
            if status == HTTPStatus.OK and headers.get("Content-Type") == "application/zip":
                status, body, headers = self._ranged(body, headers)
        except Exception:  # noqa: BLE001 (a bug here must show as a 500 and in .errors)
            with self._server.lock:
                self._server.index.errors.append(traceback.format_exc())
            status, body, headers = _plain(HTTPStatus.INTERNAL_SERVER_ERROR)
        self._server.index._record(
            RequestRecord(
                method=self.command,
                path=self.path,
                status=int(status),
                accept=self.headers.get("Accept"),
                user=self._basic_auth_user(),
                user_agent=self.headers.get("User-Agent"),
                range=self.headers.get("Range"),
                sent=0 if head else len(body),
            )
        )
        self.send_response(status)
        for name, value in {
            **headers,
            "Content-Length": str(len(body)),
            "Cache-Control": self._server.index.cache_control,
        }.items():
            self.send_header(name, value)
        self.end_headers()
        if not head:
            self.wfile.write(body)

    def _ranged(self, body: bytes, headers: dict[str, str]) -> tuple[int, bytes, dict[str, str]]:
        """A file answered whole, or the one byte range asked (RFC 9110) when the index serves
        ranges: ``bytes=A-B``, ``bytes=A-`` or ``bytes=-N``. Several ranges are answered whole,
        as a server may."""
        if not self._server.index.serve_ranges:
            return HTTPStatus.OK, body, headers
        headers = {**headers, "Accept-Ranges": "bytes"}
        asked = self.headers.get("Range")
        unit, _, spec = (asked or "").partition("=")
        if asked is None or unit.strip() != "bytes" or "," in spec:
            return HTTPStatus.OK, body, headers
        first, _, last = spec.strip().partition("-")
        size = len(body)
        try:
            if first:
                start, end = int(first), min(int(last) if last else size - 1, size - 1)
            else:
                start, end = max(size - int(last), 0), size - 1
        except ValueError:
            return HTTPStatus.OK, body, headers
        if start >= size or start > end:
            status, answer, plain = _plain(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            return status, answer, {**plain, "Content-Range": f"bytes */{size}"}
        content_range = f"bytes {start}-{end}/{size}"
        part = body[start : end + 1]
        return HTTPStatus.PARTIAL_CONTENT, part, {**headers, "Content-Range": content_range}

    def _basic_auth_user(self) -> str | None:
        credentials = self._basic_auth_credentials()
        return credentials.partition(":")[0] if credentials is not None else None

    def _basic_auth_credentials(self) -> str | None:
        scheme, _, encoded = (self.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            return base64.b64decode(encoded.strip(), validate=True).decode()
        except (ValueError, UnicodeDecodeError):
            return None

    def _route(self) -> tuple[int, bytes, dict[str, str]]:
        index = self._server.index
        if index.auth is not None:
            expected = ":".join(index.auth)
            presented = self._basic_auth_credentials() or ""
            if not hmac.compare_digest(presented.encode(), expected.encode()):
                status, body, headers = _plain(HTTPStatus.UNAUTHORIZED)
                return status, body, {**headers, "WWW-Authenticate": f'Basic realm="{_REALM}"'}

        url = urlsplit(self.path)
        path = unquote(url.path)
        query = f"?{url.query}" if url.query else ""
        segments = path.strip("/").split("/")

        if segments[0] == "simple" and len(segments) <= 2:
            content_type = negotiate_content_type(
                self.headers.get("Accept"), serve_json=index.serve_json
            )
            if content_type is None:
                return _plain(HTTPStatus.NOT_ACCEPTABLE)
            headers = {"Content-Type": _with_charset(content_type), "Vary": "Accept"}
            if len(segments) == 1 or segments[1] == "":
                if not path.endswith("/"):
                    return _redirect("/simple/" + query)
                return HTTPStatus.OK, _render_root(index.projects.values(), content_type), headers
            requested = segments[1]
            project = index.projects.get(canonicalize_name(requested))
            if project is None:
                return _plain(HTTPStatus.NOT_FOUND)
            if requested != canonicalize_name(requested) or not path.endswith("/"):
                return _redirect(f"/simple/{canonicalize_name(requested)}/{query}")
            page = _render_project(project, content_type, serve_metadata=index.serve_metadata)
            return HTTPStatus.OK, page, headers

        if len(segments) == 2 and segments[0] == "files":
            filename = segments[1]
            wheel = index.wheels.get(filename)
            if wheel is not None:
                return HTTPStatus.OK, wheel.path.read_bytes(), {"Content-Type": "application/zip"}
            metadata_of = index.wheels.get(filename.removesuffix(".metadata"))
            if filename.endswith(".metadata") and metadata_of is not None and index.serve_metadata:
                return HTTPStatus.OK, metadata_of.metadata, {"Content-Type": "text/plain"}
        return _plain(HTTPStatus.NOT_FOUND)


def _with_charset(content_type: str) -> str:
    return f"{content_type}; charset=utf-8" if content_type == TEXT_HTML else content_type


def _plain(status: HTTPStatus) -> tuple[int, bytes, dict[str, str]]:
    body = f"{status.value} {status.phrase}\n".encode()
    return status.value, body, {"Content-Type": "text/plain; charset=utf-8"}


def _redirect(location: str) -> tuple[int, bytes, dict[str, str]]:
    status, body, headers = _plain(HTTPStatus.MOVED_PERMANENTLY)
    return status, body, {**headers, "Location": location}


def _copy_prebuilt(source: Path, dest_dir: Path, release: Release) -> BuiltWheel:
    """A wheel built elsewhere, copied among the served files, as the index serves it."""
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / source.name
    shutil.copyfile(source, target)
    wheel = read_wheel(target, requires_python=release.requires_python)
    if canonicalize_name(wheel.name) != release.project or Version(wheel.version) != Version(
        release.version
    ):
        raise CatalogError(f"{source.name} is not {release.name} {release.version}")
    return wheel


class LocalIndex:
    """A package index on ``127.0.0.1`` serving a catalogue of real wheels; a context manager.

    >>> with LocalIndex() as index:  # doctest: +SKIP
    ...     run(["pip", "download", "--index-url", index.url, "numpy==1.26.4"],
    ...         env=index.env(cache_dir=tmp_path))

    ``root`` is where the wheels are written (a temporary folder, removed on stop, when not
    given). ``serve_json=False`` makes it an HTML-only (PEP 503) index and
    ``serve_metadata=False`` drops PEP 658, so a client has to download wheels to read them.
    ``cache_control`` is sent with every answer (``no-store`` unless told).
    ``serve_ranges=False`` answers every file whole, ignoring ``Range`` (as some mirrors do);
    by default a file request with one byte range is answered ``206 Partial Content``.
    """

    def __init__(
        self,
        catalog: Iterable[Release] = DEFAULT_CATALOG,
        *,
        root: Path | None = None,
        auth: tuple[str, str] | None = None,
        serve_json: bool = True,
        serve_metadata: bool = True,
        cache_control: str = "no-store",
        serve_ranges: bool = True,
    ) -> None:
        self.catalog = tuple(catalog)
        self.serve_ranges = serve_ranges
        #: The ``Cache-Control`` of every answer: ``no-store`` keeps every client's cache
        #: empty; PyPI's ``max-age=600, public`` lets clients reuse pages (benchmarks).
        self.cache_control = cache_control
        self.auth = auth
        self.serve_json = serve_json
        self.serve_metadata = serve_metadata
        #: Tracebacks of failures inside the server (always empty when all is well).
        self.errors: list[str] = []
        self.projects: dict[NormalizedName, _Project] = {}
        self.wheels: dict[str, BuiltWheel] = {}
        self._root = root
        self._owned_root: Path | None = None
        self._server: _IndexServer | None = None
        self._thread: threading.Thread | None = None
        self._requests: list[RequestRecord] = []
        self._recorders: list[list[RequestRecord]] = []
        self._log_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------

    def __enter__(self) -> LocalIndex:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Build every wheel, then serve them from a background thread."""
        if self._server is not None:
            raise RuntimeError("LocalIndex is already running")
        if self._root is None:
            self._owned_root = Path(tempfile.mkdtemp(prefix="lockmigrate-index-"))
        try:
            self._build()
            self._server = _IndexServer(self)
        except BaseException:
            self.stop()
            raise
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"LocalIndex {self.url}",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving, close every connection and remove a temporary wheel folder."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.shutdown()
            with server.lock:
                connections = list(server.open_connections)
            for connection in connections:
                with suppress(OSError):  # the client may have closed it already
                    connection.shutdown(socket.SHUT_RDWR)
            server.server_close()
        if thread is not None:
            thread.join(timeout=5)
        if self._owned_root is not None:
            shutil.rmtree(self._owned_root, ignore_errors=True)
            self._owned_root = None

    def _build(self) -> None:
        files: dict[NormalizedName, list[_ServedFile]] = {}
        names: dict[NormalizedName, str] = {}
        self.wheels = {}
        for release in self.catalog:
            wheel = (
                _copy_prebuilt(release.prebuilt, self.find_links_dir, release)
                if release.prebuilt is not None
                else build_sdist(
                    self.find_links_dir,
                    release.name,
                    release.version,
                    requires_dist=release.requires_dist,
                    requires_python=release.requires_python,
                    extras=release.extras,
                )
                if release.tag == SDIST
                else build_wheel_with_metadata(
                    self.find_links_dir,
                    release.name,
                    release.version,
                    requires_dist=release.requires_dist,
                    requires_python=release.requires_python,
                    extras=release.extras,
                    tag=release.tag,
                    files={path: source.encode() for path, source in release.files.items()},
                )
            )
            if wheel.filename in self.wheels:
                raise CatalogError(f"two catalogue entries build {wheel.filename}")
            self.wheels[wheel.filename] = wheel
            names.setdefault(release.project, release.name)
            files.setdefault(release.project, []).append(_ServedFile(release=release, wheel=wheel))
        self.projects = {
            project: _Project(
                name=names[project],
                files=tuple(
                    sorted(
                        served_files,
                        key=lambda s: (Version(s.wheel.version), s.wheel.filename),
                    )
                ),
            )
            for project, served_files in sorted(files.items())
        }

    # -- where it is ---------------------------------------------------------------------------

    @property
    def port(self) -> int:
        """The ephemeral port the index listens on."""
        if self._server is None:
            raise RuntimeError("LocalIndex is not running: use it as a context manager")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` with no path and no credentials."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The simple API root, ``http://127.0.0.1:PORT/simple/``, for ``--index-url``."""
        return f"{self.base_url}/simple/"

    @property
    def authenticated_url(self) -> str:
        """:attr:`url` with the basic-auth credentials in it (``http://user:pw@...``)."""
        if self.auth is None:
            raise RuntimeError("this LocalIndex was started without auth=")
        user, password = self.auth
        return f"http://{user}:{password}@127.0.0.1:{self.port}/simple/"

    @property
    def find_links_dir(self) -> Path:
        """The folder of wheels, usable as ``--find-links`` (which knows nothing of yanks)."""
        root = self._root if self._root is not None else self._owned_root
        if root is None:
            raise RuntimeError("LocalIndex is not running: use it as a context manager")
        return root / "files"

    def wheel(self, name: str, version: str) -> BuiltWheel:
        """The wheel served for ``name`` ``version`` (say, to compare a lockfile's hash)."""
        project = self.projects.get(canonicalize_name(name))
        for served in project.files if project is not None else ():
            if Version(served.wheel.version) == Version(version):
                return served.wheel
        raise KeyError(f"{name} {version} is not in this index")

    def env(
        self, *, cache_dir: Path | None = None, block_network: bool = True, **extra: str
    ) -> dict[str, str]:
        """:func:`~index.environment.scrubbed_env` with pip and uv pointed at this index.

        Sets ``PIP_INDEX_URL`` and ``UV_DEFAULT_INDEX`` to :attr:`url`; ``extra`` wins.
        """
        env = scrubbed_env(cache_dir=cache_dir, block_network=block_network)
        env.update({"PIP_INDEX_URL": self.url, "UV_DEFAULT_INDEX": self.url, **extra})
        return env

    # -- what it saw ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RequestRecord]:
        """Every request answered since the index started, oldest first (a copy)."""
        with self._log_lock:
            return list(self._requests)

    @contextmanager
    def recording(self) -> Iterator[list[RequestRecord]]:
        """Collect the requests answered inside a ``with`` block into the list it yields."""
        seen: list[RequestRecord] = []
        with self._log_lock:
            self._recorders.append(seen)
        try:
            yield seen
        finally:
            with self._log_lock:
                self._recorders.remove(seen)

    def _record(self, record: RequestRecord) -> None:
        with self._log_lock:
            self._requests.append(record)
            for recorder in self._recorders:
                recorder.append(record)

    def __repr__(self) -> str:
        where = self.url if self._server is not None else "stopped"
        return f"<LocalIndex {where} ({len(self.catalog)} releases)>"
