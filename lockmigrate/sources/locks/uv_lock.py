"""``uv.lock``: the versions it locked, by package.

uv locks once for every environment, and forks where environments need different versions,
so one name may be locked at several versions (each for its own markers): all are given.
"""

from __future__ import annotations

from collections.abc import Mapping

from packaging.utils import canonicalize_name

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin
from lockmigrate.sources.toml_files import load_toml

__all__ = ["uv_lock_versions"]


def uv_lock_versions(data: bytes, *, display: str) -> dict[str, tuple[str, ...]]:
    """Canonical name -> the versions ``uv.lock`` locks it at, in file order (a package
    without a version, such as the virtual project itself, is left out). Raises
    :class:`InputError` for a file that is not a ``uv.lock``."""
    document = load_toml(data, display=display)
    entries = document.get("package", [])
    if not isinstance(entries, list):
        raise InputError(
            "'package' must be an array of tables", origin=Origin(path=display, line=1)
        )
    versions: dict[str, list[str]] = {}
    for entry in entries:
        if not isinstance(entry, Mapping) or not isinstance(entry.get("name"), str):
            raise InputError(
                "a [[package]] entry needs a name", origin=Origin(path=display, line=1)
            )
        version = entry.get("version")
        if isinstance(version, str):
            found = versions.setdefault(canonicalize_name(entry["name"]), [])
            if version not in found:
                found.append(version)
    return {name: tuple(found) for name, found in versions.items()}
