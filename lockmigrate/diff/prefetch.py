"""A head start for ``lockmigrate diff``: ask the index about the packages of the locks it is
about to read, before reading anything properly.

The index answers in parallel with the rest of the run (importing, parsing, checking), so
its latency mostly disappears behind that work. The guess is cheap and only a guess: lock
files are found the way :mod:`lockmigrate.diff.inputs` finds them, names are taken with a
regular expression, and the sources are pip's configuration alone (no guess is made for an
input whose lines may carry index options). :func:`lockmigrate.diff.inputs.run_diff` then
works as it would without it, collecting prefetched answers where its real sources match
the guess and asking for anything else, so a wrong guess costs requests, never results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from lockmigrate.index import IndexSources, VersionFetcher
from lockmigrate.sources.discover import Exclude, walk
from lockmigrate.sources.locks.find import pyproject_lock

__all__ = ["start_prefetch"]

_SKIP_DIRS = frozenset(
    {".git", ".hg", ".svn", ".tox", ".nox", ".venv", "venv", "node_modules", "__pycache__",
     "site-packages", "build", "dist"}
)  # fmt: skip
# A pin in a pip-compile lock, and a package name in poetry.lock or pylock.toml.
_PIN = re.compile(rb"(?m)^([A-Za-z0-9][A-Za-z0-9._-]*)[ \t]*(?:\[[^\]\n]*\])?[ \t]*==")
_TOML_NAME = re.compile(rb'(?m)^name[ \t]*=[ \t]*"([^"\n]+)"')
# A line that is an option other than an include, an editable or a hash: it may change
# where versions come from, so no guess is made for that input.
_INDEX_OPTION = re.compile(
    rb"(?m)^[ \t]*-(?!-hash[ \t=])(?![rce][ \t])(?!-(?:requirement|constraint|editable)[ \t=])"
)


def _lock_for(path: Path) -> Path | None:
    """The lock that diff compares ``path`` with, when it has one beside it."""
    if path.name == "pyproject.toml":
        return pyproject_lock(path.parent)
    if path.suffix == ".in":
        lock = path.with_suffix(".txt")
        return lock if lock.is_file() else None
    if path.suffix == ".txt" and path.with_suffix(".in").is_file():
        return path
    return None


def _inputs(paths: Sequence[Path], exclude: Exclude | None) -> list[Path]:
    """The inputs under ``paths`` that may have a lock, walked as the run walks them."""
    found: list[Path] = []
    for path in paths:
        if path.is_file():
            found.append(path)
            continue
        for folder, names in walk(path, exclude):
            found += [folder / name for name in names if name.endswith(".in")]
            if "pyproject.toml" in names:
                found.append(folder / "pyproject.toml")
    return found


# An include line: -r/-c/--requirement/--constraint and the file it names.
_INCLUDE = re.compile(rb"(?m)^[ \t]*(?:-[rc]|--requirement|--constraint)(?:[ \t]*=?[ \t]*)(\S+)")


def _may_change_index(path: Path, seen: set[Path] | None = None) -> bool:
    """Whether ``path`` or a file it includes has a line that may change where versions
    come from. An include that cannot be followed here (a URL, a ``${VAR}``, a missing
    file) counts as one: guessing then could send the lock's names to the wrong index."""
    seen = set() if seen is None else seen
    resolved = path.resolve()
    if resolved in seen:
        return False
    seen.add(resolved)
    data = path.read_bytes()
    if _INDEX_OPTION.search(data):
        return True
    for target in _INCLUDE.findall(data):
        text = target.decode("utf-8", "replace")
        included = path.parent / text
        if "://" in text or "${" in text or not included.is_file():
            return True
        if _may_change_index(included, seen):
            return True
    return False


def _names(lock: Path) -> set[str]:
    data = lock.read_bytes()
    pattern = _PIN if lock.suffix == ".txt" else _TOML_NAME
    return {match.decode("utf-8", "replace") for match in pattern.findall(data)}


def start_prefetch(
    paths: Sequence[Path],
    *,
    lock: Path | None,
    cache_dir: Path | None,
    workers: int,
    exclude: Exclude | None = None,
) -> VersionFetcher | None:
    """A fetcher already asking for the packages of the locks under ``paths`` (or of
    ``lock``), or ``None`` when there is nothing safe to guess. Never raises: any problem
    is left for the real run to report."""
    try:
        names: set[str] = set()
        for source in _inputs(paths, exclude):
            found = lock if lock is not None else _lock_for(source)
            if found is None or not found.is_file():
                continue
            if source.suffix in {".in", ".txt"} and _may_change_index(source):
                return None
            if found.suffix == ".txt" and _may_change_index(found):
                return None
            names |= _names(found)
        if not names:
            return None
        fetcher = VersionFetcher(IndexSources.from_pip(), cache_dir=cache_dir, workers=workers)
    except (OSError, ValueError):
        return None
    fetcher.submit(names)
    return fetcher
