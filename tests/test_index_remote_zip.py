"""``lockmigrate.index.remote_zip``: the members of a wheel on an index, read with byte ranges
(the zip directory from the end, then one range per member) or, from a server that ignores
``Range``, from the whole file checked against its hash. On the real numpy 2.x wheel (16 MB,
hundreds of members), served by the local index."""

from __future__ import annotations

import zipfile
from collections.abc import Iterator

import pytest
from index.extensions import AbiWheels
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex

from lockmigrate.index import IndexSources
from lockmigrate.index.remote_zip import RemoteZip, RemoteZipError
from lockmigrate.index.transport import Transport


@pytest.fixture
def transport() -> Iterator[Transport]:
    client = Transport(IndexSources(index_urls=()))
    yield client
    client.close()


def _served(abi_wheels: AbiWheels, factory: LocalIndexFactory, *, ranges: bool) -> LocalIndex:
    return factory(abi_wheels.numpy_releases(numpy1=False), serve_ranges=ranges)


def test_a_member_is_read_with_two_ranges_of_a_large_wheel(
    abi_wheels: AbiWheels, local_index_factory: LocalIndexFactory, transport: Transport
) -> None:
    index = _served(abi_wheels, local_index_factory, ranges=True)
    wheel = index.wheel("numpy", abi_wheels.numpy2_version)
    with zipfile.ZipFile(wheel.path) as local:
        name = next(n for n in local.namelist() if n.endswith(".so") and "_umath_linalg" in n)
        expected_names, expected = local.namelist(), local.read(name)
    remote = RemoteZip(transport, f"{index.base_url}/files/{wheel.filename}", sha256=wheel.sha256)
    with index.recording() as served:
        infos = {info.filename: info for info in remote.infolist()}
        assert list(infos) == expected_names
        assert remote.read(infos[name]) == expected
    assert remote.ranged
    assert served[0].range == "bytes=-65536"
    assert all(r.status == 206 for r in served)
    assert sum(r.sent for r in served) < wheel.size // 4
    assert remote.fetched == sum(r.sent for r in served)


def test_a_server_without_ranges_gives_the_whole_file_checked_against_its_hash(
    abi_wheels: AbiWheels, local_index_factory: LocalIndexFactory, transport: Transport
) -> None:
    index = _served(abi_wheels, local_index_factory, ranges=False)
    wheel = index.wheel("numpy", abi_wheels.numpy2_version)
    url = f"{index.base_url}/files/{wheel.filename}"
    remote = RemoteZip(transport, url, sha256=wheel.sha256)
    with index.recording() as served:
        names = [info.filename for info in remote.infolist()]
        metadata = next(i for i in remote.infolist() if i.filename.endswith(".dist-info/METADATA"))
        assert remote.read(metadata).startswith(b"Metadata-Version:")
    assert not remote.ranged and len(names) > 100
    assert [(r.status, r.sent) for r in served] == [(200, wheel.size)]

    wrong = RemoteZip(transport, url, sha256="0" * 64)
    with pytest.raises(RemoteZipError, match="does not match the index's sha256"):
        wrong.infolist()


def test_a_missing_file_is_an_error_naming_the_status(
    local_index: LocalIndex, transport: Transport
) -> None:
    remote = RemoteZip(transport, f"{local_index.base_url}/files/nothing-1.0-py3-none-any.whl")
    with pytest.raises(RemoteZipError, match="HTTP 404"):
        remote.infolist()
