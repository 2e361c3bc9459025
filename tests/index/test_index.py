"""The local index is a real index: real pip-compile, pip, uv and Poetry resolve against it.

The first tests read the wheels and the HTTP answers directly; the ``slow`` ones run the real
tools as subprocesses, each with a scrubbed environment and private caches.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Mapping
from contextlib import closing
from http.client import HTTPConnection
from pathlib import Path

import pytest
from packaging.metadata import Metadata
from packaging.utils import canonicalize_name, parse_wheel_filename

from .catalog import DEFAULT_CATALOG, CatalogError, Release
from .environment import BLACK_HOLE_PROXY, scrubbed_env
from .fixtures import LocalIndexFactory
from .server import HTML_V1, JSON_V1, TEXT_HTML, LocalIndex, negotiate_content_type
from .wheels import ZIP_EPOCH, build_wheel, wheel_filename

#: What pip 22.2+ sends when it asks an index for a project page.
PIP_ACCEPT = f"{JSON_V1}, {HTML_V1}; q=0.1, {TEXT_HTML}; q=0.01"


# -- helpers ---------------------------------------------------------------------------------


def _get(
    index: LocalIndex,
    path: str,
    *,
    accept: str | None = None,
    credentials: tuple[str, str] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    """One request to the index: status, headers (lower-case names) and body."""
    headers = {"Accept": accept} if accept is not None else {}
    if credentials is not None:
        token = base64.b64encode(":".join(credentials).encode()).decode()
        headers["Authorization"] = f"Basic {token}"
    with closing(HTTPConnection("127.0.0.1", index.port, timeout=10)) as connection:
        connection.request(method, path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, body


_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;\\]+)", re.MULTILINE)


def _pins(lockfile: str) -> dict[str, str]:
    """``{normalised name: version}`` from pip-compile or ``uv pip compile`` output."""
    return {canonicalize_name(name): version for name, version in _PIN.findall(lockfile)}


def _run(
    argv: list[str], *, cwd: Path, env: Mapping[str, str], check: bool = True
) -> subprocess.CompletedProcess[str]:
    completed = subprocess.run(
        argv,
        cwd=cwd,
        env=dict(env),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    if check:
        assert completed.returncode == 0, (
            f"{argv} exited {completed.returncode}\n"
            f"--- stdout\n{completed.stdout}\n--- stderr\n{completed.stderr}"
        )
    return completed


def _pip_compile(
    index_url: str,
    requirements: str,
    tmp_path: Path,
    *options: str,
    env: Mapping[str, str],
    check: bool = True,
) -> tuple[subprocess.CompletedProcess[str], str]:
    """Run the real pip-compile on ``requirements``; return the process and the lockfile."""
    source = tmp_path / "requirements.in"
    output = tmp_path / "requirements.txt"
    source.write_text(requirements)
    completed = _run(
        [
            sys.executable,
            "-m",
            "piptools",
            "compile",
            "--index-url",
            index_url,
            "--no-emit-index-url",
            "--strip-extras",
            "--cache-dir",
            str(tmp_path / "pip-tools-cache"),
            "--output-file",
            str(output),
            *options,
            str(source),
        ],
        # cwd matters: pip-compile reads [tool.pip-tools] from ./pyproject.toml.
        cwd=tmp_path,
        env=env,
        check=check,
    )
    return completed, output.read_text() if output.exists() else ""


def _tool(name: str) -> str:
    """The ``uv``/``poetry`` executable beside this Python or on PATH; skip the test if none."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed here (pip install {name} to run this test)")
    return found


# -- wheels ----------------------------------------------------------------------------------


def test_same_inputs_build_byte_identical_wheels(tmp_path: Path) -> None:
    def build(folder: str) -> Path:
        return build_wheel(
            tmp_path / folder,
            "requests",
            "2.32.3",
            requires_dist=["idna>=2.5,<4"],
            requires_python=">=3.8",
            extras={"socks": ["PySocks!=1.5.7,>=1.5.6"]},
        )

    first, second = build("a"), build("b")
    assert first.name == second.name == "requests-2.32.3-py3-none-any.whl"
    first_digest = hashlib.sha256(first.read_bytes()).hexdigest()
    assert first_digest == hashlib.sha256(second.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("name", "version", "tag", "expected"),
    [
        ("scikit-learn", "1.5.2", "py3-none-any", "scikit_learn-1.5.2-py3-none-any.whl"),
        ("PySocks", "1.7.1", "py3-none-any", "pysocks-1.7.1-py3-none-any.whl"),
        ("zope.interface", "7.1", "py3-none-any", "zope_interface-7.1-py3-none-any.whl"),
        ("numpy", "2.2.0-rc.1", "py3-none-any", "numpy-2.2.0rc1-py3-none-any.whl"),
        ("numpy", "1.26.4", "cp311-cp311-manylinux_2_17_x86_64", None),
    ],
)
def test_wheel_file_names_follow_the_binary_distribution_format(
    name: str, version: str, tag: str, expected: str | None
) -> None:
    filename = wheel_filename(name, version, tag)
    assert filename == (expected or f"numpy-1.26.4-{tag}.whl")
    parsed_name, parsed_version, _, _ = parse_wheel_filename(filename)
    assert parsed_name == canonicalize_name(name)
    assert str(parsed_version) == filename.split("-")[1]


def test_wheel_holds_valid_metadata_and_a_verifiable_record(tmp_path: Path) -> None:
    path = build_wheel(
        tmp_path,
        "requests",
        "2.32.3",
        requires_dist=['idna>=2.5; python_version >= "3" or os_name == "nt"'],
        requires_python=">=3.8",
        extras={"socks": ["PySocks!=1.5.7,>=1.5.6"]},
    )
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        files = {info.filename: archive.read(info) for info in infos}

    dist_info = "requests-2.32.3.dist-info"
    assert [info.filename for info in infos] == [
        "requests/__init__.py",
        f"{dist_info}/METADATA",
        f"{dist_info}/WHEEL",
        f"{dist_info}/RECORD",
    ]
    assert {info.date_time for info in infos} == {ZIP_EPOCH}

    metadata = Metadata.from_email(files[f"{dist_info}/METADATA"], validate=True)
    assert metadata.metadata_version == "2.1"
    assert (metadata.name, str(metadata.version)) == ("requests", "2.32.3")
    assert str(metadata.requires_python) == ">=3.8"
    assert metadata.provides_extra == ["socks"]
    assert [str(req) for req in metadata.requires_dist or []] == [
        'idna>=2.5; python_version >= "3" or os_name == "nt"',
        'PySocks!=1.5.7,>=1.5.6; extra == "socks"',
    ]
    assert b"Tag: py3-none-any\n" in files[f"{dist_info}/WHEEL"]

    record = files[f"{dist_info}/RECORD"].decode().splitlines()
    assert record[-1] == f"{dist_info}/RECORD,,"
    for line in record[:-1]:
        recorded_path, digest, size = line.split(",")
        data = files[recorded_path]
        expected = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        assert (digest, int(size)) == (f"sha256={expected}", len(data)), recorded_path


@pytest.mark.slow
def test_built_wheels_install_and_import(local_index: LocalIndex, tmp_path: Path) -> None:
    target = tmp_path / "site"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--no-index",
            "--find-links",
            str(local_index.find_links_dir),
            "--target",
            str(target),
            "requests[socks]==2.32.3",
        ],
        cwd=tmp_path,
        env=scrubbed_env(cache_dir=tmp_path / "cache"),
    )
    probe = (
        f"import sys; sys.path.insert(0, {str(target)!r}); import requests, pysocks; "
        "print(requests.__version__, pysocks.__version__, requests.__file__)"
    )
    imported = _run(
        [sys.executable, "-I", "-c", probe],
        cwd=tmp_path,
        env=scrubbed_env(cache_dir=tmp_path / "cache"),
    )
    requests_version, pysocks_version, location = imported.stdout.split()
    assert (requests_version, pysocks_version) == ("2.32.3", "1.7.1")
    assert Path(location).is_relative_to(target)


# -- the catalogue ---------------------------------------------------------------------------


def test_release_from_dict_builds_a_release_and_names_a_bad_key() -> None:
    release = Release.from_dict(
        {"name": "tomli", "version": "2.0.1", "requires_python": ">=3.7", "extras": {}}
    )
    assert release == Release(name="tomli", version="2.0.1", requires_python=">=3.7")

    with pytest.raises(CatalogError, match="'requires_dist'"):
        Release.from_dict({"name": "tomli", "version": "2.0.1", "requires_dist": "packaging"})
    with pytest.raises(CatalogError, match="'yanked'"):
        Release.from_dict({"name": "tomli", "version": "2.0.1", "yanked": 1})
    with pytest.raises(CatalogError, match="unknown release key"):
        Release.from_dict({"name": "tomli", "version": "2.0.1", "requires": []})


def test_two_releases_building_the_same_file_are_refused() -> None:
    duplicate = Release(name="NumPy", version="1.26.4")
    with (
        pytest.raises(CatalogError, match=r"numpy-1\.26\.4-py3-none-any\.whl"),
        LocalIndex([*DEFAULT_CATALOG, duplicate]),
    ):
        pass


def test_default_catalogue_has_the_scenarios_the_tests_rely_on() -> None:
    numpy = {release.version: release for release in DEFAULT_CATALOG if release.name == "numpy"}
    assert numpy["1.26.5"].yanked
    assert numpy["2.1.0"].requires_python == ">=3.99"
    assert "2.2.0rc1" in numpy
    pandas = [release for release in DEFAULT_CATALOG if release.name == "pandas"]
    assert all(release.requires_dist == ("numpy>=1.26",) for release in pandas)


# -- the HTTP API ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        (PIP_ACCEPT, JSON_V1),
        (f"{JSON_V1}, */*;q=0.1", JSON_V1),  # Poetry
        (f"{TEXT_HTML}; q=0.5, application/vnd.pypi.simple.latest+json", JSON_V1),
        (f"{HTML_V1}, {JSON_V1}", HTML_V1),  # a tie keeps the client's order
        (f"{JSON_V1}; q=0, {TEXT_HTML}", TEXT_HTML),
        (None, TEXT_HTML),
        ("*/*", TEXT_HTML),
        ("application/xml", None),
    ],
)
def test_content_negotiation_follows_pep_691(accept: str | None, expected: str | None) -> None:
    assert negotiate_content_type(accept) == expected


def test_json_project_page_lists_versions_hashes_and_yanks(local_index: LocalIndex) -> None:
    status, headers, body = _get(local_index, "/simple/numpy/", accept=PIP_ACCEPT)

    assert status == 200
    assert headers["content-type"] == JSON_V1
    page = json.loads(body)
    assert page["meta"] == {"api-version": "1.1"}
    assert page["name"] == "numpy"
    assert page["versions"] == [
        "1.26.4",
        "1.26.5",
        "1.26.9",
        "1.27.0",
        "2.0.0",
        "2.1.0",
        "2.2.0rc1",
    ]
    files = {entry["filename"]: entry for entry in page["files"]}
    yanked = files["numpy-1.26.5-py3-none-any.whl"]
    assert yanked["yanked"] == "Broken ABI: built against the wrong CPython headers; use 1.26.9"
    assert files["numpy-1.26.4-py3-none-any.whl"]["yanked"] is False
    assert files["numpy-2.1.0-py3-none-any.whl"]["requires-python"] == ">=3.99"
    for filename, entry in files.items():
        wheel = local_index.wheels[filename]
        assert entry["hashes"] == {"sha256": wheel.sha256}
        assert entry["core-metadata"] == {"sha256": wheel.metadata_sha256}
        assert entry["size"] == wheel.size
        assert entry["upload-time"].endswith("Z")


def test_a_version_may_have_several_wheels_and_a_source_archive(
    local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    import tarfile

    index = local_index_factory(
        [
            Release(name="fast-pkg", version="1.1", tag="cp313-cp313-manylinux_2_17_x86_64"),
            Release(name="fast-pkg", version="1.1", tag="cp313-cp313-win_amd64"),
            Release(name="fast-pkg", version="1.1", tag="sdist", requires_dist=("numpy>=1",)),
        ]
    )
    status, _, body = _get(index, "/simple/fast-pkg/", accept=PIP_ACCEPT)
    assert status == 200
    page = json.loads(body)
    assert page["versions"] == ["1.1"]
    files = {entry["filename"]: entry for entry in page["files"]}
    assert set(files) == {
        "fast_pkg-1.1-cp313-cp313-manylinux_2_17_x86_64.whl",
        "fast_pkg-1.1-cp313-cp313-win_amd64.whl",
        "fast_pkg-1.1.tar.gz",
    }
    assert "core-metadata" not in files["fast_pkg-1.1.tar.gz"]  # PEP 658 is for wheels
    sdist = index.wheels["fast_pkg-1.1.tar.gz"]
    assert files["fast_pkg-1.1.tar.gz"]["hashes"] == {"sha256": sdist.sha256}
    with tarfile.open(sdist.path) as archive:
        names = archive.getnames()
        pkg_info = archive.extractfile("fast_pkg-1.1/PKG-INFO")
        assert pkg_info is not None
        metadata = pkg_info.read().decode()
    assert names == [
        "fast_pkg-1.1/PKG-INFO",
        "fast_pkg-1.1/pyproject.toml",
        "fast_pkg-1.1/fast_pkg/__init__.py",
    ]
    assert "Requires-Dist: numpy>=1" in metadata


def test_html_project_page_escapes_requires_python_and_marks_yanks(
    local_index: LocalIndex,
) -> None:
    status, headers, body = _get(local_index, "/simple/numpy/")

    assert status == 200
    assert headers["content-type"] == "text/html; charset=utf-8"
    page = body.decode()
    assert '<meta name="pypi:repository-version" content="1.1">' in page
    assert 'data-requires-python="&gt;=3.99"' in page
    assert ">=3.99" not in page
    yanked = local_index.wheel("numpy", "1.26.5")
    reason = "Broken ABI: built against the wrong CPython headers; use 1.26.9"
    assert (
        f'<a href="/files/{yanked.filename}#sha256={yanked.sha256}" '
        'data-requires-python="&gt;=3.9" '
        f'data-yanked="{html.escape(reason)}" '
        f'data-core-metadata="sha256={yanked.metadata_sha256}" '
        f'data-dist-info-metadata="sha256={yanked.metadata_sha256}">{yanked.filename}</a>'
    ) in page


def test_root_index_lists_every_project_in_both_formats(local_index: LocalIndex) -> None:
    _, _, json_body = _get(local_index, "/simple/", accept=JSON_V1)
    _, _, html_body = _get(local_index, "/simple/", accept=TEXT_HTML)

    names = {project["name"] for project in json.loads(json_body)["projects"]}
    assert {"numpy", "scikit-learn", "PySocks", "colorama"} <= names
    assert '<a href="/simple/scikit-learn/">scikit-learn</a>' in html_body.decode()
    assert '<a href="/simple/pysocks/">PySocks</a>' in html_body.decode()


def test_wheel_and_its_metadata_file_match_their_advertised_hashes(
    local_index: LocalIndex,
) -> None:
    wheel = local_index.wheel("scikit-learn", "1.5.2")

    status, _, data = _get(local_index, f"/files/{wheel.filename}")
    assert status == 200
    assert hashlib.sha256(data).hexdigest() == wheel.sha256
    status, _, metadata = _get(local_index, f"/files/{wheel.filename}.metadata")
    assert status == 200
    assert hashlib.sha256(metadata).hexdigest() == wheel.metadata_sha256
    assert b"Requires-Dist: scipy>=1.6\n" in metadata
    status, headers, body = _get(local_index, f"/files/{wheel.filename}", method="HEAD")
    assert (status, int(headers["content-length"]), body) == (200, wheel.size, b"")


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/simple/Scikit_Learn/", "/simple/scikit-learn/"),
        ("/simple/scikit-learn", "/simple/scikit-learn/"),
        ("/simple/PySocks/?format=json", "/simple/pysocks/?format=json"),
        ("/simple", "/simple/"),
    ],
)
def test_non_normalised_project_urls_redirect(
    local_index: LocalIndex, path: str, location: str
) -> None:
    status, headers, _ = _get(local_index, path)
    assert (status, headers["location"]) == (301, location)


@pytest.mark.parametrize(
    "path", ["/simple/no-such-project/", "/files/no-such-1.0-py3-none-any.whl", "/", "/x/y/z"]
)
def test_unknown_paths_are_404(local_index: LocalIndex, path: str) -> None:
    assert _get(local_index, path)[0] == 404


def test_a_request_for_no_served_format_is_406(local_index: LocalIndex) -> None:
    assert _get(local_index, "/simple/numpy/", accept="application/xml")[0] == 406


def test_auth_mode_answers_401_without_the_right_credentials(
    local_index_factory: LocalIndexFactory,
) -> None:
    index = local_index_factory(auth=("alice", "s3cret"))

    status, headers, _ = _get(index, "/simple/numpy/")
    assert status == 401
    assert headers["www-authenticate"].startswith("Basic ")
    assert _get(index, "/simple/numpy/", credentials=("alice", "wrong"))[0] == 401
    assert _get(index, "/simple/numpy/", credentials=("alice", "s3cret"))[0] == 200
    assert index.authenticated_url == f"http://alice:s3cret@127.0.0.1:{index.port}/simple/"
    # The log keeps who asked, never the password.
    assert [(record.status, record.user) for record in index.requests] == [
        (401, None),
        (401, "alice"),
        (200, "alice"),
    ]
    assert "s3cret" not in repr(index.requests)


def test_html_only_mode_answers_html_even_to_a_json_first_client(
    local_index_factory: LocalIndexFactory,
) -> None:
    index = local_index_factory(serve_json=False, serve_metadata=False)

    status, headers, body = _get(index, "/simple/numpy/", accept=PIP_ACCEPT)
    assert (status, headers["content-type"]) == (200, HTML_V1)
    assert b"data-core-metadata" not in body
    wheel = index.wheel("numpy", "1.26.4")
    assert _get(index, f"/files/{wheel.filename}.metadata")[0] == 404


def test_the_index_stops_cleanly() -> None:
    with LocalIndex([Release(name="tiny", version="1.0")]) as index:
        port, root = index.port, index.find_links_dir
        assert _get(index, "/simple/tiny/")[0] == 200
    assert not root.exists()
    assert not index.errors
    with pytest.raises(ConnectionRefusedError), closing(HTTPConnection("127.0.0.1", port)) as c:
        c.request("GET", "/simple/")


def test_scrubbed_env_drops_machine_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PIP_FIND_LINKS", "/opt/wheels")
    monkeypatch.setenv("pip_extra_index_url", "https://mirror.invalid/simple")
    monkeypatch.setenv("UV_INDEX_URL", "https://mirror.invalid/simple")
    monkeypatch.setenv("POETRY_HTTP_BASIC_PRIVATE_PASSWORD", "hunter2")

    env = scrubbed_env(cache_dir="/tmp/cache", PIP_INDEX_URL="http://127.0.0.1:1/simple/")

    assert "PIP_FIND_LINKS" not in env
    assert "pip_extra_index_url" not in env
    assert "UV_INDEX_URL" not in env
    assert "POETRY_HTTP_BASIC_PRIVATE_PASSWORD" not in env
    assert env["PIP_CONFIG_FILE"] == env["NETRC"] == os.devnull
    assert env["PIP_CACHE_DIR"] == str(Path("/tmp/cache/pip"))
    assert env["PIP_TOOLS_CACHE_DIR"] == str(Path("/tmp/cache/pip-tools"))
    assert env["PIP_INDEX_URL"] == "http://127.0.0.1:1/simple/"
    assert env["HTTPS_PROXY"] == env["https_proxy"] == BLACK_HOLE_PROXY
    assert "127.0.0.1" in env["NO_PROXY"]


# -- real pip-compile and pip ----------------------------------------------------------------


@pytest.mark.slow
def test_pip_compile_stays_inside_the_compatible_release(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    """``~=1.26.4`` is ``>=1.26.4, ==1.26.*``: 1.26.9, never 1.27.0 or 2.x."""
    with local_index.recording() as served:
        _, lockfile = _pip_compile(
            local_index.url,
            "numpy~=1.26.4\n",
            tmp_path,
            env=local_index.env(cache_dir=tmp_path / "cache"),
        )

    assert _pins(lockfile) == {"numpy": "1.26.9"}
    # PEP 658: pip read the dependencies from the .metadata file and downloaded no wheel.
    assert [record.path for record in served] == [
        "/simple/numpy/",
        "/files/numpy-1.26.9-py3-none-any.whl.metadata",
    ]
    assert served[0].accept == PIP_ACCEPT


@pytest.mark.slow
def test_pip_compile_takes_a_yanked_release_only_when_pinned_with_double_equals(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    completed, lockfile = _pip_compile(
        local_index.url,
        "numpy==1.26.5\n",
        tmp_path,
        env=local_index.env(cache_dir=tmp_path / "cache"),
    )

    assert _pins(lockfile) == {"numpy": "1.26.5"}
    assert "yanked version" in completed.stderr
    assert "Reason for being yanked: Broken ABI" in completed.stderr


@pytest.mark.slow
def test_unguarded_pandas_lets_numpy_slip_to_2_0(local_index: LocalIndex, tmp_path: Path) -> None:
    """pandas asks for ``numpy>=1.26``; 2.1.0 needs Python >=3.99 and 2.2.0rc1 is a pre-release."""
    with local_index.recording() as served:
        _, lockfile = _pip_compile(
            local_index.url,
            "pandas~=2.2.3\n",
            tmp_path,
            env=local_index.env(cache_dir=tmp_path / "cache"),
        )

    assert _pins(lockfile) == {"pandas": "2.2.4", "numpy": "2.0.0"}
    # Excluded by requires-python on the index page, before its metadata was even read.
    assert not [record for record in served if "numpy-2.1.0" in record.path]


@pytest.mark.slow
def test_extras_are_followed_and_markers_evaluated(local_index: LocalIndex, tmp_path: Path) -> None:
    _, lockfile = _pip_compile(
        local_index.url,
        "requests[socks]==2.32.3\npytest~=8.3.3\n",
        tmp_path,
        env=local_index.env(cache_dir=tmp_path / "cache"),
    )

    # colorama is pytest's dependency on Windows only.
    assert _pins(lockfile) == {
        "requests": "2.32.3",
        "pysocks": "1.7.1",
        "pytest": "8.3.5",
        "iniconfig": "2.0.0",
        "pluggy": "1.5.0",
    }


@pytest.mark.slow
def test_pip_compile_reads_an_html_only_index_without_pep_658(
    local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    index = local_index_factory(serve_json=False, serve_metadata=False)

    with index.recording() as served:
        _, lockfile = _pip_compile(
            index.url, "pandas~=2.2.3\n", tmp_path, env=index.env(cache_dir=tmp_path / "cache")
        )

    assert _pins(lockfile) == {"pandas": "2.2.4", "numpy": "2.0.0"}
    # With no .metadata to read, pip had to download the wheels themselves.
    assert {record.path for record in served} >= {
        "/simple/pandas/",
        "/simple/numpy/",
        "/files/pandas-2.2.4-py3-none-any.whl",
        "/files/numpy-2.0.0-py3-none-any.whl",
    }


@pytest.mark.slow
def test_pip_compile_hashes_are_the_index_hashes(local_index: LocalIndex, tmp_path: Path) -> None:
    _, lockfile = _pip_compile(
        local_index.url,
        "pandas~=2.2.3\n",
        tmp_path,
        "--generate-hashes",
        env=local_index.env(cache_dir=tmp_path / "cache"),
    )

    hashes = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", lockfile))
    assert hashes == {
        local_index.wheel("pandas", "2.2.4").sha256,
        local_index.wheel("numpy", "2.0.0").sha256,
    }


@pytest.mark.slow
def test_pip_download_checks_the_wheel_hash(local_index: LocalIndex, tmp_path: Path) -> None:
    wheel = local_index.wheel("numpy", "1.26.4")
    env = local_index.env(cache_dir=tmp_path / "cache")

    def download(requirement_line: str, folder: str) -> subprocess.CompletedProcess[str]:
        requirements = tmp_path / f"{folder}.txt"
        requirements.write_text(requirement_line + "\n")
        return _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-deps",
                "--index-url",
                local_index.url,
                "--dest",
                str(tmp_path / folder),
                "--requirement",
                str(requirements),
            ],
            cwd=tmp_path,
            env=env,
            check=False,
        )

    good = download(f"numpy==1.26.4 --hash=sha256:{wheel.sha256}", "good")
    assert good.returncode == 0, good.stderr
    downloaded = tmp_path / "good" / wheel.filename
    assert hashlib.sha256(downloaded.read_bytes()).hexdigest() == wheel.sha256

    bad = download(f"numpy==1.26.4 --hash=sha256:{'0' * 64}", "bad")
    assert bad.returncode != 0
    assert "THESE PACKAGES DO NOT MATCH THE HASHES" in bad.stderr
    assert wheel.sha256 in bad.stderr  # pip names the hash it actually got


@pytest.mark.slow
def test_credentials_reach_the_index_but_not_the_lockfile(
    local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    index = local_index_factory(auth=("alice", "s3cret"))
    env = index.env(cache_dir=tmp_path / "cache")

    refused, _ = _pip_compile(index.url, "numpy~=1.26.4\n", tmp_path, env=env, check=False)
    assert refused.returncode != 0
    assert [record.status for record in index.requests] == [401]

    completed, lockfile = _pip_compile(
        index.authenticated_url, "numpy~=1.26.4\n", tmp_path, env=env
    )
    assert _pins(lockfile) == {"numpy": "1.26.9"}
    assert {record.user for record in index.requests[1:]} == {"alice"}
    # --no-emit-index-url keeps the URL out; the command in the header shows "****".
    assert "s3cret" not in lockfile + completed.stdout + completed.stderr
    assert "alice:****@127.0.0.1" in lockfile


@pytest.mark.slow
def test_a_request_outside_loopback_never_leaves_the_machine(tmp_path: Path) -> None:
    """A forgotten ``--index-url`` fails against the black-hole proxy, not PyPI."""
    completed = _run(
        [sys.executable, "-m", "pip", "download", "-vv", "--no-deps", "--retries", "0", "numpy"],
        cwd=tmp_path,
        env=scrubbed_env(cache_dir=tmp_path / "cache"),
        check=False,
    )
    assert completed.returncode != 0
    assert "Could not fetch URL https://pypi.org/simple/numpy/" in completed.stdout
    assert "Unable to connect to proxy" in completed.stdout
    assert not list(tmp_path.glob("*.whl"))


# -- real uv and Poetry (skipped where they are not installed) -------------------------------


@pytest.mark.slow
def test_uv_pip_compile_resolves_against_the_index(local_index: LocalIndex, tmp_path: Path) -> None:
    uv = _tool("uv")
    env = local_index.env(cache_dir=tmp_path / "cache")

    def compile_(requirements: str, *options: str) -> str:
        (tmp_path / "requirements.in").write_text(requirements)
        argv = [uv, "pip", "compile", "--index-url", local_index.url, "--python-version", "3.11"]
        return _run([*argv, *options, "requirements.in"], cwd=tmp_path, env=env).stdout

    assert _pins(compile_("pandas~=2.2.3\n")) == {"pandas": "2.2.4", "numpy": "2.0.0"}
    # A universal resolution keeps colorama under its marker, and forks numpy on the Python
    # version: 2.1.0 is not dropped but locked for the Pythons that it accepts.
    universal = compile_("numpy\npytest~=8.3.3\n", "--universal")
    assert "colorama==0.4.6 ; sys_platform == 'win32'" in universal
    assert "numpy==2.0.0 ; python_full_version < '3.99'" in universal
    assert "numpy==2.1.0 ; python_full_version >= '3.99'" in universal
    # PEP 700 upload times: 1.27.0 and 2.0.0 were uploaded after this date.
    assert _pins(compile_("numpy\n", "--exclude-newer", "2024-06-01T00:00:00Z")) == {
        "numpy": "1.26.9"
    }


@pytest.mark.slow
def test_poetry_lock_resolves_against_the_index(local_index: LocalIndex, tmp_path: Path) -> None:
    poetry = _tool("poetry")
    (tmp_path / "pyproject.toml").write_text(
        f"""\
[project]
name = "demo"
version = "0.1.0"
requires-python = ">=3.10,<4"
dependencies = ["numpy~=1.26.4", "pandas~=2.2.3", "requests[socks]==2.32.3"]

[tool.poetry]
package-mode = false

[[tool.poetry.source]]
name = "local"
url = "{local_index.url}"
priority = "primary"
"""
    )

    _run(
        [poetry, "lock", "--no-interaction"],
        cwd=tmp_path,
        env=local_index.env(cache_dir=tmp_path / "cache"),
    )

    lock = (tmp_path / "poetry.lock").read_text()
    locked = dict(re.findall(r'\[\[package\]\]\nname = "([^"]+)"\nversion = "([^"]+)"', lock))
    assert locked == {
        "numpy": "1.26.9",
        "pandas": "2.2.4",
        "pysocks": "1.7.1",
        "requests": "2.32.3",
    }
    assert local_index.wheel("numpy", "1.26.9").sha256 in lock
