"""Shared fixtures, and a test process that no machine's pip or uv configuration reaches.

Developer machines and CI images often carry ``PIP_FIND_LINKS``, ``PIP_INDEX_URL`` or a
``pip.conf`` with extra indexes. Any test that runs pip, pip-compile or uv would silently
resolve against them, so the environment is scrubbed when this module is imported: before
collection, before any test module is imported, and before pytest-xdist starts its workers
(which inherit it). The autouse session fixture checks that nothing put them back.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, MutableMapping
from pathlib import Path

import pytest

#: What every test (and every subprocess it starts) sees instead of the machine's settings.
ISOLATED_TOOL_ENV: dict[str, str] = {
    # os.devnull as the config file makes pip skip every other configuration file too.
    "PIP_CONFIG_FILE": os.devnull,
    "PIP_DISABLE_PIP_VERSION_CHECK": "1",
    "PIP_NO_INPUT": "1",
    "UV_NO_CONFIG": "1",
    # Anything that forgets to use the local index fails at once instead of quietly
    # resolving real packages from the internet: every proxy is a closed port on loopback.
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "NO_PROXY": "127.0.0.1,localhost,::1",
    "no_proxy": "127.0.0.1,localhost,::1",
    # No credentials from the machine's ~/.netrc reach an index client.
    "NETRC": os.devnull,
}

_SCRUBBED_PREFIXES = ("PIP_", "UV_")
#: A machine's CA bundle variables win over pip's --cert (requests reads them, and so does
#: lockmigrate diff): a test that gives a certificate must be the one that decides.
#: ``COLUMNS`` lays out piped tables (pytest-xdist sets ``COLUMNS=80`` in its workers): a
#: test that wants a width sets it.
_SCRUBBED_NAMES = (
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "ALL_PROXY", "all_proxy", "COLUMNS", "LINES",
)  # fmt: skip

# The local package index of real wheels on 127.0.0.1 (tests/index/).
pytest_plugins = ["index.fixtures", "index.scripted"]


def _scrub_tool_environment(environ: MutableMapping[str, str]) -> None:
    """Remove every ``PIP_*`` and ``UV_*`` variable and the CA bundle variables, then set
    the isolated ones."""
    for name in [name for name in environ if name.upper().startswith(_SCRUBBED_PREFIXES)]:
        del environ[name]
    for name in _SCRUBBED_NAMES:
        environ.pop(name, None)
    environ.update(ISOLATED_TOOL_ENV)


_scrub_tool_environment(os.environ)


@pytest.fixture(scope="session", autouse=True)
def _isolated_tool_environment() -> Iterator[None]:
    """Re-apply the scrub for the session and fail loudly if something leaks back in."""
    _scrub_tool_environment(os.environ)
    yield
    leaked = sorted(
        name
        for name in os.environ
        if name.upper().startswith(_SCRUBBED_PREFIXES) and name not in ISOLATED_TOOL_ENV
    )
    assert not leaked, f"tests left pip/uv variables in os.environ: {leaked}"


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The root of the lockmigrate checkout (the folder holding ``pyproject.toml``)."""
    root = Path(__file__).resolve().parent.parent
    assert (root / "pyproject.toml").is_file(), root
    return root


@pytest.fixture(scope="session")
def corpus_dir(repo_root: Path) -> Path:
    """The shared corpus of real-world requirements files, beside the checkout.

    It lives in ``../shared/corpus`` and is not part of the repository, so tests that need it
    are skipped (not failed) where it is absent.
    """
    corpus = repo_root.parent / "shared" / "corpus"
    if not corpus.is_dir():
        pytest.skip(f"shared corpus not found at {corpus}")
    return corpus
