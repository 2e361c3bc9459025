"""pip's effective index configuration (``pip.conf`` files and ``PIP_*`` variables), read
by asking pip itself (``python -m pip config list``), so it is exactly what pip-compile
sees. Used to give uv, which does not read pip's configuration, the same indexes."""

from __future__ import annotations

import ast
import subprocess
import sys
from dataclasses import dataclass
from functools import cache

__all__ = ["IndexSettings", "pip_index_settings"]

# pip's precedence: later sources override earlier ones.
_SOURCE_ORDER = ("global", "user", "site", "install", ":env:")


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSettings:
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_index: bool = False


def _parse(listing: str) -> dict[str, str]:
    values: dict[str, tuple[int, str]] = {}
    for line in listing.splitlines():
        key, sep, raw = line.partition("=")
        if not sep or "." not in key:
            continue
        section, _, name = key.rpartition(".")
        try:
            value = ast.literal_eval(raw)
        except (SyntaxError, ValueError):
            continue
        rank = _SOURCE_ORDER.index(section) if section in _SOURCE_ORDER else 0
        if name not in values or rank >= values[name][0]:
            values[name] = (rank, str(value))
    return {name: value for name, (_, value) in values.items()}


@cache
def pip_index_settings(python: str | None = None) -> IndexSettings:
    """The index settings pip would use (empty when pip cannot be asked)."""
    try:
        result = subprocess.run(
            [python or sys.executable, "-m", "pip", "config", "list"],
            capture_output=True,
            text=True,
            check=False,
            stdin=subprocess.DEVNULL,
        )
    except OSError:
        return IndexSettings()
    values = _parse(result.stdout)
    return IndexSettings(
        index_url=values.get("index-url"),
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        find_links=tuple(values.get("find-links", "").split()),
        trusted_hosts=tuple(values.get("trusted-host", "").split()),
        no_index=values.get("no-index", "").lower() in {"1", "true", "yes", "on"},
    )
