"""Environments for the pip, pip-compile, uv and Poetry processes that tests start.

``tests/conftest.py`` scrubs the test process itself, but a subprocess gets whatever ``env``
it is handed, and a tool run with ``env=None`` inherits the parent's environment at the time
of the call. :func:`scrubbed_env` builds the environment explicitly instead, so nothing from
the machine's pip, uv or Poetry configuration (``PIP_FIND_LINKS``, ``/etc/pip.conf``, a user's
``poetry`` repositories, a ``~/.netrc``) can reach a resolution, and every cache is private.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

__all__ = ["BLACK_HOLE_PROXY", "LOOPBACK_HOSTS", "scrubbed_env"]

#: Variables of these tools are dropped from the inherited environment, whatever their case.
SCRUBBED_PREFIXES = ("PIP_", "UV_", "POETRY_")

#: A proxy on the discard port of loopback: nothing listens there, so any request that is not
#: for a loopback address (say, to PyPI because a test forgot ``--index-url``) fails at once
#: instead of quietly resolving against the internet.
BLACK_HOLE_PROXY = "http://127.0.0.1:9"

#: Hosts that bypass every proxy, so the local index is always reached directly.
LOOPBACK_HOSTS = "127.0.0.1,localhost,::1"

_PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")


def _private_cache_root() -> Path:
    """A temporary folder for one call's caches, removed when the interpreter exits."""
    root = Path(tempfile.mkdtemp(prefix="lockmigrate-tool-cache-"))
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    return root


def scrubbed_env(
    *,
    cache_dir: str | os.PathLike[str] | None = None,
    block_network: bool = True,
    **extra: str,
) -> dict[str, str]:
    """An environment for a pip/pip-compile/uv/Poetry subprocess that only sees the test's setup.

    Starts from :data:`os.environ`, drops every ``PIP_*``, ``UV_*`` and ``POETRY_*`` variable,
    then sets:

    * ``PIP_CONFIG_FILE=os.devnull`` (pip then reads no configuration file at all),
      ``PIP_NO_INPUT=1``, ``PIP_DISABLE_PIP_VERSION_CHECK=1``, ``UV_NO_CONFIG=1``,
      ``UV_PYTHON_DOWNLOADS=never``;
    * private caches under ``cache_dir`` (a fresh temporary folder when not given):
      ``PIP_CACHE_DIR``, ``PIP_TOOLS_CACHE_DIR``, ``UV_CACHE_DIR``, ``POETRY_CACHE_DIR``,
      ``POETRY_CONFIG_DIR``, ``POETRY_DATA_DIR``;
    * no credentials from the machine: ``NETRC=os.devnull``, a null keyring backend and
      Poetry's keyring switched off;
    * loopback in ``NO_PROXY``; and with ``block_network`` (the default) every proxy variable
      pointing at :data:`BLACK_HOLE_PROXY`, so only loopback is reachable.

    ``extra`` is applied last and wins: ``scrubbed_env(PIP_INDEX_URL=index.url)``.
    """
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.upper().startswith(SCRUBBED_PREFIXES)
    }
    cache_root = Path(cache_dir) if cache_dir is not None else _private_cache_root()
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "PIP_CACHE_DIR": str(cache_root / "pip"),
            # pip-compile's own cache (its default is ~/.cache/pip-tools, shared by all runs).
            "PIP_TOOLS_CACHE_DIR": str(cache_root / "pip-tools"),
            "UV_NO_CONFIG": "1",
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_CACHE_DIR": str(cache_root / "uv"),
            "POETRY_CACHE_DIR": str(cache_root / "poetry-cache"),
            "POETRY_CONFIG_DIR": str(cache_root / "poetry-config"),
            "POETRY_DATA_DIR": str(cache_root / "poetry-data"),
            "POETRY_KEYRING_ENABLED": "false",
            "PYTHON_KEYRING_BACKEND": "keyring.backends.null.Keyring",
            "NETRC": os.devnull,
        }
    )
    # Both spellings: requests reads the lower-case one first, other tools the upper-case one.
    env["NO_PROXY"] = env["no_proxy"] = LOOPBACK_HOSTS
    if block_network:
        for name in _PROXY_VARIABLES:
            env[name] = env[name.lower()] = BLACK_HOLE_PROXY
    env.update(extra)
    return env
