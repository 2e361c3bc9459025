"""The compiled test wheels of :mod:`index.extensions` are what they claim: real extension
modules whose binaries name the NumPy 1.x or 2.x module, served by the local index, which
answers byte ranges (or, told not to, whole files)."""

from __future__ import annotations

import subprocess
import sys
import urllib.request
import zipfile
from pathlib import Path

import pytest

from .catalog import DEFAULT_CATALOG
from .extensions import CTYPES, NUMPY1, NUMPY2, AbiWheels
from .fixtures import LocalIndexFactory

NEW_NAME = b"numpy._core._multiarray_umath"
OLD_NAME = b"numpy.core._multiarray_umath"


def _binary(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as archive:
        (member,) = (name for name in archive.namelist() if name.endswith(".so"))
        return archive.read(member)


def test_binaries_name_the_numpy_module_their_headers_import(abi_wheels: AbiWheels) -> None:
    old = _binary(abi_wheels.extension("oldext", "1.0", NUMPY1).prebuilt or Path())
    new = _binary(abi_wheels.extension("newext", "1.0", NUMPY2).prebuilt or Path())
    plain = _binary(abi_wheels.extension("plainext", "1.0", CTYPES).prebuilt or Path())
    assert OLD_NAME in old and NEW_NAME not in old
    assert NEW_NAME in new and OLD_NAME in new  # the 2.x headers fall back to the old name
    assert OLD_NAME not in plain and NEW_NAME not in plain and b"_ARRAY_API" not in plain


def test_wheels_carry_the_numpy_requirement_and_this_platform(abi_wheels: AbiWheels) -> None:
    release = abi_wheels.extension("oldext", "1.0", NUMPY1)
    assert release.prebuilt is not None
    assert release.prebuilt.name == f"oldext-1.0-{abi_wheels.tag}.whl"
    with zipfile.ZipFile(release.prebuilt) as archive:
        metadata = archive.read("oldext-1.0.dist-info/METADATA").decode()
        wheel = archive.read("oldext-1.0.dist-info/WHEEL").decode()
    assert "Requires-Dist: numpy\n" in metadata
    assert "Root-Is-Purelib: false" in wheel


@pytest.mark.slow
def test_the_old_build_fails_to_import_beside_numpy_2(
    abi_wheels: AbiWheels, local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    """Installed with the real numpy 2.x, the 1.x build fails at import; the others work."""
    index = local_index_factory(
        [
            *abi_wheels.numpy_releases(numpy1=False),
            abi_wheels.extension("oldext", "1.0", NUMPY1),
            abi_wheels.extension("newext", "1.0", NUMPY2),
            abi_wheels.extension("plainext", "1.0", CTYPES),
        ]
    )
    target = tmp_path / "site"
    install = [sys.executable, "-m", "pip", "install", "--quiet", "--target", str(target)]
    env = index.env(cache_dir=tmp_path / "cache")
    subprocess.run([*install, "oldext", "newext", "plainext"], env=env, check=True)
    probe = "import sys; sys.path.insert(0, sys.argv[1]); import {0}; print({0}.zeros())"
    for name, works in (("newext", True), ("plainext", True), ("oldext", False)):
        done = subprocess.run(
            [sys.executable, "-c", probe.format(name), str(target)],
            check=False,
            capture_output=True,
            text=True,
            env=env,
        )
        assert (done.returncode == 0) is works, (name, done.stderr)
        if works:
            assert done.stdout.strip() == "[0. 0. 0.]"


def _get(url: str, range_: str | None = None) -> tuple[int, dict[str, str], bytes]:
    headers = {"Range": range_} if range_ else {}
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 (http://127.0.0.1 only)
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(request) as answer:
        return answer.status, dict(answer.headers), answer.read()


@pytest.mark.parametrize("serve_ranges", [True, False])
def test_the_index_answers_byte_ranges_unless_told_not_to(
    local_index_factory: LocalIndexFactory, serve_ranges: bool
) -> None:
    index = local_index_factory(DEFAULT_CATALOG, serve_ranges=serve_ranges)
    wheel = index.wheel("numpy", "2.0.0")
    url = f"{index.base_url}/files/{wheel.filename}"
    whole = wheel.path.read_bytes()
    with index.recording() as served:
        status, headers, tail = _get(url, "bytes=-22")
    if serve_ranges:
        assert (status, tail) == (206, whole[-22:])
        assert headers["Content-Range"] == f"bytes {len(whole) - 22}-{len(whole) - 1}/{len(whole)}"
        assert _get(url, "bytes=0-3")[2] == b"PK\x03\x04"
    else:
        assert (status, tail) == (200, whole)
        assert "Accept-Ranges" not in headers
    (record,) = served
    assert record.range == "bytes=-22"
    assert record.sent == len(tail)
