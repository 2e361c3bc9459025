"""The index client (:mod:`lockmigrate.index`) against real servers on 127.0.0.1.

* Differential: on the local index of real wheels (JSON and HTML-only) and its find-links
  folder, every project gives the same versions, yanks and Requires-Python as unearth, pip's
  finder logic as a library, reading the same pages.
* The client, against small scripted HTTP/1.1 servers (``tests/index/scripted.py``):
  keep-alive, chunked and gzip bodies, redirects, HTTP caching (max-age, ETag revalidation),
  errors as rows, answers that are not quite HTTP, closing a fetcher under way.

pip's network configuration (certificates, proxies, retries, keyring...) is tested in
``tests/test_index_transport.py``.
"""

from __future__ import annotations

import json
import posixpath
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from index.catalog import DEFAULT_CATALOG
from index.fixtures import LocalIndexFactory
from index.scripted import JSON_TYPE, Reply, Scripted, json_page
from index.server import LocalIndex
from packaging.version import Version

from lockmigrate.index import IndexSources, ProjectVersions, fetch_versions
from lockmigrate.index.pages import ACCEPT, PageError, parse_page, version_of

PROJECTS = sorted({release.project for release in DEFAULT_CATALOG})


# -- the oracle ------------------------------------------------------------------------------


def unearth_versions(sources: IndexSources, name: str) -> list[tuple[str, bool, tuple[str, ...]]]:
    """(version, yanked, Requires-Python of its files) for ``name``, as unearth finds them."""
    from unearth import PackageFinder

    finder = PackageFinder(
        index_urls=sources.index_urls,
        find_links=sources.find_links,
        trusted_hosts=sources.trusted_hosts,
        ignore_compatibility=True,
    )
    files: dict[str, list[tuple[bool, str]]] = {}
    for package in finder.find_all_packages(name, allow_yanked=True):
        link = package.link
        yanked = link.yank_reason is not None and link.yank_reason is not False
        files.setdefault(str(package.version), []).append((yanked, link.requires_python or ""))
    return sorted(
        (
            (version, all(f[0] for f in entries), tuple(sorted({f[1] for f in entries})))
            for version, entries in files.items()
        ),
        key=lambda row: row[0],
    )


def ours(found: ProjectVersions) -> list[tuple[str, bool, tuple[str, ...]]]:
    return sorted(
        ((str(v.version), v.yanked, v.requires_python) for v in found.versions),
        key=lambda row: row[0],
    )


@pytest.mark.parametrize("serve_json", [True, False], ids=["json", "html"])
def test_same_answers_as_unearth_on_the_local_index(
    local_index_factory: LocalIndexFactory, serve_json: bool
) -> None:
    index = local_index_factory(serve_json=serve_json)
    sources = IndexSources(index_urls=(index.url,))
    found = fetch_versions(PROJECTS, sources=sources)
    assert set(found) == set(PROJECTS)
    for name in PROJECTS:
        assert found[name].error is None
        assert ours(found[name]) == unearth_versions(sources, name), name


def test_same_answers_as_unearth_on_a_find_links_folder(local_index: LocalIndex) -> None:
    sources = IndexSources(index_urls=(), find_links=(str(local_index.find_links_dir),))
    found = fetch_versions(PROJECTS, sources=sources)
    for name in PROJECTS:
        assert ours(found[name]) == unearth_versions(sources, name), name


class _Anchors(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[dict[str, str | None]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self.found.append(dict(attrs))


def html_parser_anchors(page: str) -> list[dict[str, str | None]]:
    """The attributes of each ``<a>`` on ``page`` as html.parser (pip's reader) sees them."""
    parser = _Anchors()
    parser.feed(page)
    parser.close()
    return parser.found


# -- file names and pages -----------------------------------------------------------------------


def test_a_source_archive_whose_name_has_dashes() -> None:
    # the version starts after the first "-" whose prefix is the project's name, as in pip
    assert str(version_of("foo-bar-1.0-beta.zip", "foo-bar")) == "1.0b0"  # type: ignore[arg-type]
    assert version_of("foo-bar-1.0.tar.gz", "foo") is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("filename", "version"),
    [
        ("numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.whl", "1.26.4"),
        ("numpy-1.26.4.tar.gz", "1.26.4"),
        ("NumPy-1.26.4.zip", "1.26.4"),
        ("numpy-2.0.0rc1.tar.bz2", "2.0.0rc1"),
        ("numpy-1.0.tgz", "1.0"),
        ("numpy_quaternion-2024.0.tar.gz", None),  # another project
        ("numpy-1.26.4.exe", None),  # not an archive pip reads
        ("numpy-latest.tar.gz", None),  # not a version
        ("numpy-1.0-2.tar.gz", "1.0.post2"),  # pip: the version starts after the name
        ("numpy-1.0-beta.zip", "1.0b0"),
        ("numpy-1.0-py3-none-any.whl.metadata", None),
    ],
)
def test_version_of_a_file_name(filename: str, version: str | None) -> None:
    found = version_of(filename, "numpy")  # type: ignore[arg-type]
    assert (str(found) if found else None) == version


def test_html_page_attributes() -> None:
    page = (
        b"<html><body>"
        b'<a href="../../files/a-1.0-py3-none-any.whl#sha256=00" '
        b'data-requires-python="&gt;=3.8">a-1.0-py3-none-any.whl</a>'
        b'<a href="a-1.1.tar.gz" data-yanked>a-1.1.tar.gz</a>'
        b'<a href="a-1.2.tar.gz" data-yanked="broken">a-1.2.tar.gz</a>'
        b"<a>no href</a></body></html>"
    )
    files = parse_page(page, "text/html; charset=utf-8")
    assert [(f.filename, f.requires_python, f.yanked) for f in files] == [
        ("a-1.0-py3-none-any.whl", ">=3.8", None),
        ("a-1.1.tar.gz", None, None),  # valueless: pip's html.parser reading gives None
        ("a-1.2.tar.gz", None, "broken"),
    ]


def test_json_page_and_what_is_not_a_page() -> None:
    page = {
        "meta": {"api-version": "1.1"},
        "files": [
            {"filename": "a-1.0.tar.gz", "url": "x", "hashes": {}, "yanked": True},
            {"filename": "a-1.1.tar.gz", "url": "x", "hashes": {}, "requires-python": ">=3"},
        ],
    }
    files = parse_page(json.dumps(page).encode(), JSON_TYPE)
    assert [(f.yanked, f.requires_python) for f in files] == [("", None), (None, ">=3")]
    with pytest.raises(PageError, match="Content-Type: application/octet-stream"):
        parse_page(b"\x00", "application/octet-stream")
    with pytest.raises(PageError, match=r"version 2\.0 is not supported"):
        parse_page(b'{"meta": {"api-version": "2.0"}, "files": []}', JSON_TYPE)


def test_a_local_file_index(tmp_path: Path) -> None:
    # pip reads file: index URLs as <folder>/<project>/index.html
    (tmp_path / "simple" / "tiny").mkdir(parents=True)
    (tmp_path / "simple" / "tiny" / "index.html").write_text(
        '<a href="tiny-0.1.tar.gz">tiny-0.1.tar.gz</a><a href="tiny-0.2.tar.gz">x</a>'
    )
    url = (tmp_path / "simple").as_uri() + "/"
    found = fetch_versions(["tiny", "absent"], sources=IndexSources(index_urls=(url,)))
    assert [str(v.version) for v in found["tiny"].versions] == ["0.1", "0.2"]
    assert found["absent"].found is False and found["absent"].error is None


# -- the client against scripted servers -----------------------------------------------------


def test_keep_alive_chunked_and_gzip(scripted: Callable[..., Scripted]) -> None:
    server = scripted(
        {
            "/simple/a/": replace(json_page("a-1.0.tar.gz"), chunked=True),
            "/simple/b/": replace(json_page("b-2.0.tar.gz"), gzipped=True),
            "/simple/c/": replace(json_page("c-3.0.zip"), chunked=True, gzipped=True),
        }
    )
    found = fetch_versions(
        ["a", "b", "c"], sources=IndexSources(index_urls=(f"{server.url}/simple/",)), workers=1
    )
    assert [str(found[n].versions[0].version) for n in "abc"] == ["1.0", "2.0", "3.0"]
    assert len(server.connections) == 1  # one connection, kept alive for all three
    assert all(headers["accept"] == ACCEPT for _, headers in server.seen)


def test_a_keep_alive_connection_the_server_closed_is_retried(
    scripted: Callable[..., Scripted],
) -> None:
    server = scripted(
        {
            "/simple/a/": replace(json_page("a-1.0.tar.gz"), hang_up=True),
            "/simple/b/": replace(json_page("b-2.0.tar.gz"), hang_up=True),
            "/simple/c/": json_page("c-3.0.tar.gz"),
        }
    )
    found = fetch_versions(
        ["a", "b", "c"], sources=IndexSources(index_urls=(f"{server.url}/simple/",)), workers=1
    )
    assert [str(found[n].versions[0].version) for n in "abc"] == ["1.0", "2.0", "3.0"]
    assert all(found[n].error is None for n in "abc")
    assert len(server.connections) == 3


def test_redirects_are_followed(scripted: Callable[..., Scripted]) -> None:
    server = scripted(
        {
            "/simple/a/": Reply(status=301, headers={"Location": "/elsewhere/a/"}),
            "/elsewhere/a/": json_page("a-1.0.tar.gz"),
        }
    )
    found = fetch_versions(["a"], sources=IndexSources(index_urls=(f"{server.url}/simple/",)))
    assert [str(v.version) for v in found["a"].versions] == ["1.0"]


def test_http_cache_max_age_and_etag(scripted: Callable[..., Scripted], tmp_path: Path) -> None:
    def etagged(handler: BaseHTTPRequestHandler) -> Reply:
        if handler.headers.get("If-None-Match") == '"v1"':
            return Reply(status=304, headers={"ETag": '"v1"'})
        page = json_page("b-1.0.tar.gz")
        return Reply(body=page.body, headers={**page.headers, "ETag": '"v1"'})

    page = json_page("a-1.0.tar.gz")
    server = scripted(
        {
            "/simple/a/": Reply(
                body=page.body, headers={**page.headers, "Cache-Control": "max-age=600"}
            ),
            "/simple/b/": etagged,
        }
    )
    sources = IndexSources(index_urls=(f"{server.url}/simple/",))
    for _ in range(2):
        found = fetch_versions(["a", "b"], sources=sources, cache_dir=tmp_path)
        assert [str(found[n].versions[0].version) for n in "ab"] == ["1.0", "1.0"]
    # a: fresh for 10 minutes, asked once; b: revalidated, answered 304 the second time
    assert [path for path, _ in server.seen].count("/simple/a/") == 1
    assert [h.get("if-none-match") for p, h in server.seen if p == "/simple/b/"] == [None, '"v1"']


def test_freshness_and_digest_of_the_pages_an_answer_comes_from(
    scripted: Callable[..., Scripted], tmp_path: Path
) -> None:
    """What a cached answer derived from pages (diff's re-lock verdict) checks them by."""
    a = json_page("a-1.0.tar.gz")
    server = scripted(
        {
            "/simple/a/": Reply(body=a.body, headers={**a.headers, "Cache-Control": "max-age=600"}),
            "/simple/b/": json_page("b-1.0.tar.gz"),  # no Cache-Control: not to be stored
        }
    )
    sources = IndexSources(index_urls=(f"{server.url}/simple/",))
    before = time.time()
    fetched = fetch_versions(["a", "b"], sources=sources, cache_dir=tmp_path)
    reused = fetch_versions(["a"], sources=sources, cache_dir=tmp_path)["a"]
    assert fetched["a"].fresh_until is not None
    assert before + 599 < fetched["a"].fresh_until < time.time() + 601
    assert fetched["a"].pages_digest is not None
    assert (reused.fresh_until, reused.pages_digest) == (
        fetched["a"].fresh_until,
        fetched["a"].pages_digest,
    )  # from the cache: the same page, the same freshness
    assert (fetched["b"].fresh_until, fetched["b"].pages_digest) == (None, None)
    uncached = fetch_versions(["a"], sources=sources, cache_dir=None)["a"]
    assert uncached.fresh_until is None  # no cache folder: nothing may outlive the run


def test_pages_say_where_the_core_metadata_is() -> None:
    html = (
        b'<a href="../../files/a-1.0-py3-none-any.whl#sha256=00" '
        b'data-core-metadata="sha256=ABC">x</a>'
        b'<a href="https://files.example/a-1.1-py3-none-any.whl" '
        b'data-dist-info-metadata="true">x</a>'
        b'<a href="a-1.2-py3-none-any.whl">x</a>'
    )
    page = "https://index.example/simple/a/"
    files = parse_page(html, "text/html", page=page)
    assert [(f.metadata_sha256, f.metadata_url()) for f in files] == [
        ("abc", "https://index.example/files/a-1.0-py3-none-any.whl.metadata"),
        ("", "https://files.example/a-1.1-py3-none-any.whl.metadata"),
        (None, None),
    ]
    document = {
        "meta": {"api-version": "1.1"},
        "files": [
            {"filename": "a-1.0.tar.gz", "url": "a-1.0.tar.gz", "hashes": {}},
            {
                "filename": "a-1.0-py3-none-any.whl",
                "url": "/f/a-1.0-py3-none-any.whl",
                "hashes": {},
                "core-metadata": {"sha256": "def"},
            },
            {"filename": "a-1.1-py3-none-any.whl", "url": "x.whl", "dist-info-metadata": True},
        ],
    }
    files = parse_page(json.dumps(document).encode(), JSON_TYPE, page=page)
    assert [f.metadata_sha256 for f in files] == [None, "def", ""]
    assert files[1].metadata_url() == "https://index.example/f/a-1.0-py3-none-any.whl.metadata"


def test_which_file_metadata_is_read_from() -> None:
    """The compatible wheels' metadata when they all serve the same; else none (pip then)."""
    from lockmigrate.environment import target_environment
    from lockmigrate.index import AvailableVersion
    from lockmigrate.index.pages import IndexFile

    linux = target_environment(python_version="3.11", lock_python=None, lowest_python=None)

    def version(*files: IndexFile) -> AvailableVersion:
        return AvailableVersion(version=Version("1.0"), distributions=files)

    pure = IndexFile(filename="a-1.0-py3-none-any.whl", href="p", page="u", metadata_sha256="1")
    sdist = IndexFile(filename="a-1.0.tar.gz", href="s", page="u")
    windows = IndexFile(filename="a-1.0-cp311-cp311-win_amd64.whl", metadata_sha256="2")
    linux_wheel = IndexFile(
        filename="a-1.0-cp311-cp311-manylinux_2_17_x86_64.whl", metadata_sha256="3"
    )
    newer = IndexFile(
        filename="a-1.0-py3-none-any.whl", metadata_sha256="1", requires_python=">=3.12"
    )
    assert version(pure, sdist, windows).metadata_file("3.11", linux.installs_wheel) == pure
    assert version(sdist).metadata_file("3.11", linux.installs_wheel) is None
    assert version(newer, sdist).metadata_file("3.11", linux.installs_wheel) is None
    without = replace(pure, metadata_sha256=None)
    assert version(without).metadata_file("3.11", linux.installs_wheel) is None
    # two wheels that install here, with different metadata: which pip takes decides
    both = version(pure, linux_wheel)
    assert both.metadata_file("3.11", linux.installs_wheel) is None
    same = version(pure, replace(linux_wheel, metadata_sha256="1"))
    assert same.metadata_file("3.11", linux.installs_wheel) is not None


def test_metadata_files_are_fetched_and_checked_against_their_hash(
    local_index: LocalIndex,
) -> None:
    from lockmigrate.index import fetch_metadata

    sources = IndexSources(index_urls=(local_index.url,))
    (name, project), *_ = fetch_versions(
        [DEFAULT_CATALOG[0].name], sources=sources, cache_dir=None
    ).items()
    wheel = next(
        file
        for entry in project.versions
        for file in entry.distributions
        if file.filename.endswith(".whl") and file.metadata_sha256
    )
    found = fetch_metadata(
        {"good": wheel, "bad hash": replace(wheel, metadata_sha256="0" * 64)}, sources=sources
    )
    assert list(found) == ["good"]
    assert wheel.page == f"{local_index.url}{name}/"
    assert b"Name: " in found["good"]
    assert f"Name: {name}".lower().encode() in found["good"].lower()


def test_failures_are_rows(scripted: Callable[..., Scripted]) -> None:
    server = scripted(
        {
            "/simple/broken/": Reply(status=503, body=b"down"),
            "/simple/binary/": Reply(body=b"\x00", headers={"Content-Type": "application/zip"}),
            "/simple/a/": json_page("a-1.0.tar.gz"),
        }
    )
    sources = IndexSources(
        index_urls=(f"{server.url}/simple/", "http://127.0.0.1:9/simple/"), timeout=5, retries=0
    )
    found = fetch_versions(["broken", "binary", "a", "gone"], sources=sources)
    assert "HTTP 503" in (found["broken"].error or "")
    assert "not a simple-API page (Content-Type: application/zip)" in (found["binary"].error or "")
    # an unreachable extra index is an error beside what the other index offers
    assert [str(v.version) for v in found["a"].versions] == ["1.0"]
    assert "127.0.0.1:9" in (found["a"].error or "")
    assert found["gone"].found is False


def test_plain_http_is_only_asked_of_trusted_hosts() -> None:
    found = fetch_versions(
        ["a"], sources=IndexSources(index_urls=("http://example.invalid/simple/",))
    )
    assert "was not asked: it is plain HTTP and not a trusted host" in (found["a"].error or "")


def test_credentials_from_url_and_netrc(
    local_index_factory: LocalIndexFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private = local_index_factory(auth=("deploy", "s3cr3t"))
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(private.authenticated_url,)))
    assert found["numpy"].error is None and found["numpy"].versions
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(private.url,)))
    assert "HTTP 401" in (found["numpy"].error or "")
    netrc = tmp_path / "netrc"
    netrc.write_text("machine 127.0.0.1 login deploy password s3cr3t\n")
    netrc.chmod(0o600)
    monkeypatch.setenv("NETRC", str(netrc))
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(private.url,)))
    assert found["numpy"].error is None and found["numpy"].versions


@pytest.mark.parametrize(
    "filename",
    [
        "numpy-1.26.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
        "numpy-1.26.4-1-cp311-cp311-win_amd64.whl",
        "numpy-1.26.4-x1-py3-none-any.whl",  # a build tag must start with a digit
        "numpy__x-1.0-py3-none-any.whl",
        "num-py-1.0-py3-none-any.whl",
        "numpy-1.0-py3-none.whl",
        "numpy-one-py3-none-any.whl",
        "Numpy.Quaternion-2024.0-py3-none-any.whl",
        "-1.0-py3-none-any.whl",
    ],
)
def test_wheel_names_as_packaging_reads_them(filename: str) -> None:
    from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename

    try:
        name, version, _, _ = parse_wheel_filename(filename)
        expected = str(version)
    except InvalidWheelFilename:
        name, expected = canonicalize_name(filename.split("-", maxsplit=1)[0] or "x"), None
    found = version_of(filename, name)
    assert (str(found) if found else None) == expected


def test_html_anchors_as_html_parser_reads_them() -> None:
    """The regex scan of PEP 503 pages gives what pip's html.parser reading gives."""
    page = (
        "<!DOCTYPE html><html><head><title>Links for a</title></head><body>\n"
        "<!-- <a href='a-0.1.tar.gz'>commented out</a> -->\n"
        '<a href="../../files/a-1.0-py3-none-any.whl#sha256=ab" '
        'data-requires-python=">=3.8">x</a>\n'
        "<A HREF='a-1.1.tar.gz' DATA-YANKED>upper case, single quotes</A>\n"
        '<a href=a-1.2.zip data-yanked="bad &amp; broken">unquoted</a>\n'
        '<a\n  href="https://files.example/a%2B-1.3.tar.gz?x=1"\n'
        '  data-requires-python="&gt;=3.9,&lt;4">'
        "split over lines</a>\n"
        '<a href="a-1.4.tar.gz" href="a-1.5.tar.gz">repeated</a>\n'
        '<abbr href="a-9.tar.gz">not an anchor</abbr><a>no href</a><a href="">empty</a>\n'
        "</body></html>"
    )
    expected = [
        (
            str(anchor["href"]).split("#")[0].split("?")[0].rsplit("/", 1)[-1].replace("%2B", "+"),
            anchor.get("data-requires-python") or None,
            anchor.get("data-yanked"),  # pip: Link(yanked_reason=anchor.get("data-yanked"))
        )
        for anchor in html_parser_anchors(page)
        if anchor.get("href")
    ]
    found = parse_page(page.encode(), "text/html")
    assert [(f.filename, f.requires_python, f.yanked) for f in found] == expected
    assert [f.filename for f in found] == [
        "a-1.0-py3-none-any.whl",
        "a-1.1.tar.gz",
        "a-1.2.zip",
        "a+-1.3.tar.gz",
        "a-1.5.tar.gz",
    ]


@pytest.mark.parametrize(
    "raw",
    [
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-6\r\nabcdef\r\n0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabcde",
        b"HTTP/1.1 2\xc2\xb20 OK\r\nContent-Length: 0\r\n\r\n",
        b"not http at all\r\n\r\n",
    ],
    ids=["negative-chunk", "negative-length", "unicode-digit-status", "garbage"],
)
def test_malformed_answers_are_errors_not_hangs(
    scripted: Callable[..., Scripted], raw: bytes
) -> None:
    server = scripted({"/simple/a/": Reply(raw=raw), "/simple/b/": json_page("b-1.0.tar.gz")})
    started = time.monotonic()
    found = fetch_versions(
        ["a", "b"],
        sources=IndexSources(index_urls=(f"{server.url}/simple/",), timeout=5, retries=0),
    )
    assert time.monotonic() - started < 4
    assert found["a"].error and not found["a"].versions
    assert [str(v.version) for v in found["b"].versions] == ["1.0"]


def test_a_redirect_to_a_url_that_does_not_parse_is_a_row(
    scripted: Callable[..., Scripted],
) -> None:
    bad = Reply(status=302, headers={"Location": "http://127.0.0.1:99999/simple/a/"})
    server = scripted({"/simple/a/": bad, "/simple/b/": json_page("b-1.0.tar.gz")})
    found = fetch_versions(["a", "b"], sources=IndexSources(index_urls=(f"{server.url}/simple/",)))
    assert "Port out of range" in (found["a"].error or "")
    assert found["b"].versions


def test_a_page_that_cannot_be_read_is_a_row(scripted: Callable[..., Scripted]) -> None:
    deep = b'{"files": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    server = scripted(
        {
            "/simple/deep/": Reply(body=deep, headers={"Content-Type": JSON_TYPE}),
            "/simple/idna/": Reply(
                body=b"<a href='idna-1.0.tar.gz'>x</a>",
                headers={"Content-Type": "text/html; charset=idna"},
            ),
        }
    )
    found = fetch_versions(
        ["deep", "idna"], sources=IndexSources(index_urls=(f"{server.url}/simple/",))
    )
    assert found["deep"].error
    assert [str(v.version) for v in found["idna"].versions] == ["1.0"]


def test_closing_the_fetcher_stops_a_running_batch(scripted: Callable[..., Scripted]) -> None:
    from lockmigrate.index import VersionFetcher

    slow = {f"/simple/p{n}/": replace(json_page(f"p{n}-1.0.tar.gz"), delay=0.2) for n in range(40)}
    server = scripted(slow)
    fetcher = VersionFetcher(IndexSources(index_urls=(f"{server.url}/simple/",)), workers=2)
    fetcher.submit(f"p{n}" for n in range(40))
    time.sleep(0.3)
    started = time.monotonic()
    fetcher.close(wait=False)
    threads = [t for t in threading.enumerate() if t.name == "lockmigrate-index"]
    for thread in threads:
        thread.join(timeout=3)
    assert not any(thread.is_alive() for thread in threads)
    assert time.monotonic() - started < 2  # 40 pages at 0.2 s on 2 connections would be 4 s
    assert len(server.seen) < 20


def test_the_prefetch_makes_no_guess_when_an_include_may_change_the_index(
    tmp_path: Path,
) -> None:
    from lockmigrate.diff.prefetch import start_prefetch

    (tmp_path / "base.in").write_text("--index-url https://private.example/simple/\n")
    (tmp_path / "requirements.in").write_text("-r base.in\ncorp-secret~=1.0\n")
    (tmp_path / "requirements.txt").write_text("corp-secret==1.0\n    # via -r requirements.in\n")
    assert start_prefetch([tmp_path], lock=None, cache_dir=None, workers=1) is None
    (tmp_path / "base.in").write_text("numpy~=1.26\n")
    fetcher = start_prefetch([tmp_path], lock=None, cache_dir=None, workers=1)
    assert fetcher is not None  # a plain include: the guess is safe
    fetcher.close(wait=False)


def test_answers_that_arrive_a_few_bytes_at_a_time(scripted: Callable[..., Scripted]) -> None:
    """The loop frames responses from whatever has arrived: headers, chunk sizes and bodies
    split across many small reads."""
    body = json_page("a-1.0.tar.gz", "a-2.0-py3-none-any.whl").body
    chunked = b"".join(
        b"%x;ext=1\r\n%s\r\n" % (len(body[i : i + 5]), body[i : i + 5])
        for i in range(0, len(body), 5)
    )
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 200 OK\r\nContent-Type: " + JSON_TYPE.encode() + b"\r\n"
        b"Transfer-Encoding: chunked\r\n\r\n" + chunked + b"0\r\nX-Trailer: 1\r\n\r\n"
    )

    def trickle(handler: BaseHTTPRequestHandler) -> Reply:
        for start in range(0, len(raw), 7):
            handler.wfile.write(raw[start : start + 7])
            handler.wfile.flush()
            time.sleep(0.001)
        return Reply(raw=b"")

    server = scripted({"/simple/a/": trickle})
    found = fetch_versions(["a"], sources=IndexSources(index_urls=(f"{server.url}/simple/",)))
    assert found["a"].error is None
    assert [str(v.version) for v in found["a"].versions] == ["1.0", "2.0"]


_ATTRIBUTE_VALUES = st.lists(
    st.sampled_from([*"abc-1.0_=<>&;#?:% /'\"", "//", "&gt;", "&amp;", "&#62;", "%2B", "é"]),
    max_size=10,
).map("".join)


@st.composite
def _anchor(draw: st.DrawFn) -> str:
    names = draw(
        st.lists(
            st.sampled_from(["href", "HREF", "data-requires-python", "data-yanked", "title", "x"]),
            max_size=4,
        )
    )
    parts = []
    for name in names:
        value = draw(_ATTRIBUTE_VALUES)
        style = draw(st.sampled_from(["double", "single", "bare", "none"]))
        if style == "double" and '"' not in value:
            parts.append(f'{name}="{value}"')
        elif style == "single" and "'" not in value:
            parts.append(f"{name}='{value}'")
        elif style == "bare" and value and not any(c in value for c in " '\"=<>`"):
            parts.append(f"{name}={value}")
        else:
            parts.append(name)
    spacing = draw(st.sampled_from([" ", "\n  ", "\t"]))
    tag = draw(st.sampled_from(["a", "A"]))
    return f"<{tag}{spacing}{spacing.join(parts)}>{draw(_ATTRIBUTE_VALUES)}</{tag}>"


@given(st.lists(_anchor(), max_size=6), st.booleans())
@settings(max_examples=300, deadline=None)
def test_generated_anchors_read_as_html_parser_reads_them(
    anchors: list[str], commented: bool
) -> None:
    page = "<html><body>\n" + "\n".join(anchors)
    if commented:
        page += "\n<!-- <a href='hidden-1.0.tar.gz'>x</a> -->"
    page += "\n</body></html>"
    expected = [
        (
            # pip's Link.filename
            unquote(posixpath.basename(urlsplit(str(anchor["href"])).path)),
            anchor.get("data-requires-python") or None,
            anchor.get("data-yanked"),
        )
        for anchor in html_parser_anchors(page)
        if anchor.get("href")
    ]
    found = parse_page(page.encode(), "text/html")
    assert [(f.filename, f.requires_python, f.yanked) for f in found] == expected


@given(st.text(alphabet="aZ9-_.É", max_size=20))
def test_canonical_name_is_packagings(name: str) -> None:
    from packaging.utils import canonicalize_name

    from lockmigrate.index.pages import canonical_name

    assert canonical_name(name) == canonicalize_name(name)


def test_metadata_files_of_an_index_with_credentials(
    local_index_factory: LocalIndexFactory,
) -> None:
    """The files keep no credential; the metadata request gets the index's, as pip sends
    them to the index's host."""
    from lockmigrate.index import fetch_metadata

    index = local_index_factory(auth=("deploy", "s3cr3t-t0ken"))
    sources = IndexSources(index_urls=(index.authenticated_url,))
    project = fetch_versions([DEFAULT_CATALOG[0].name], sources=sources, cache_dir=None)
    files = {
        file.filename: file
        for entry in next(iter(project.values())).versions
        for file in entry.distributions
        if file.metadata_sha256
    }
    assert files
    assert "s3cr3t-t0ken" not in repr(project)
    assert all("s3cr3t-t0ken" not in (file.page or "") for file in files.values())
    with index.recording() as served:
        found = fetch_metadata(files, sources=sources)
    assert set(found) == set(files)
    assert {record.user for record in served} == {"deploy"}
