"""pytest plugin for the local index: ``local_index``, ``local_index_factory``.

Registered for the whole suite from ``tests/conftest.py``::

    pytest_plugins = ["index.fixtures"]

(``tests/`` is a rootdir without ``__init__.py``, so pytest puts it on ``sys.path`` and this
package imports as ``index``.) Subprocesses still need an explicit environment: use
``local_index.env(cache_dir=tmp_path / "cache")`` or :func:`index.environment.scrubbed_env`.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

import pytest

from .catalog import DEFAULT_CATALOG, Release
from .environment import scrubbed_env
from .extensions import AbiWheels, Unavailable, build_abi_wheels
from .server import LocalIndex

__all__ = [
    "LocalIndexFactory",
    "abi_wheels",
    "local_index",
    "local_index_factory",
    "scrubbed_env",
    "use_index",
]


class LocalIndexFactory(Protocol):
    """Starts a :class:`LocalIndex` that is stopped when the test ends."""

    def __call__(
        self,
        catalog: Iterable[Release] = DEFAULT_CATALOG,
        *,
        auth: tuple[str, str] | None = None,
        serve_json: bool = True,
        serve_metadata: bool = True,
        serve_ranges: bool = True,
    ) -> LocalIndex: ...


def _assert_no_server_errors(index: LocalIndex) -> None:
    assert not index.errors, "the local index failed while serving:\n" + "\n".join(index.errors)


@pytest.fixture(scope="session")
def local_index(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndex]:
    """The default catalogue, built once per session (once per xdist worker) and served.

    Shared by every test of the session: read it, never change it. A test that needs other
    releases, auth or an HTML-only index uses ``local_index_factory`` instead.
    """
    with LocalIndex(root=tmp_path_factory.mktemp("local-index")) as index:
        yield index
    _assert_no_server_errors(index)


@pytest.fixture
def local_index_factory(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalIndexFactory]:
    """A function that starts a private index (own catalogue, ``auth=``, ``serve_json=``...).

    ``local_index_factory([*DEFAULT_CATALOG, Release(name="tomli", version="2.0.1")])``
    """
    started: list[LocalIndex] = []

    def start(
        catalog: Iterable[Release] = DEFAULT_CATALOG,
        *,
        auth: tuple[str, str] | None = None,
        serve_json: bool = True,
        serve_metadata: bool = True,
        serve_ranges: bool = True,
    ) -> LocalIndex:
        index = LocalIndex(
            catalog,
            root=tmp_path_factory.mktemp("local-index"),
            auth=auth,
            serve_json=serve_json,
            serve_metadata=serve_metadata,
            serve_ranges=serve_ranges,
        )
        index.start()
        started.append(index)
        return index

    yield start
    for index in reversed(started):
        index.stop()
    for index in started:
        _assert_no_server_errors(index)


@pytest.fixture(scope="session")
def abi_wheels(tmp_path_factory: pytest.TempPathFactory) -> AbiWheels:
    """Real compiled wheels for the NumPy ABI tests (:mod:`index.extensions`), built once per
    session (per xdist worker). Skips, saying why, without the numpy wheels of
    ``scripts/fetch_test_wheels.py`` or a C compiler."""
    try:
        return build_abi_wheels(tmp_path_factory.mktemp("abi-wheels"))
    except Unavailable as missing:
        pytest.skip(str(missing))


@pytest.fixture
def use_index(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalIndex:
    """Point pip, pip-compile and uv of this test (and lockmigrate run in-process) at the
    local index, with private caches: its ``PIP_*``/``UV_*`` settings go into os.environ."""
    for key, value in local_index.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    return local_index
