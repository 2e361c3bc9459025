"""``lockmigrate check --import``: does every module a lock installs import?

A lock can be fresh, in range and still broken at run time: an extension module built
against NumPy 1.x refuses NumPy 2.x, a package removed a name another one imports. Each
pip-compile lock is installed exactly into a throwaway environment for the Python its
header names and every top-level module of every installed distribution is imported in a
fresh interpreter (:func:`lockmigrate.resolve.import_lock`). A failure is traced back to the
lock: the line that pins the distribution, and for a package only another one requires, the
lines that pin those (its ``# via`` parents).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.utils import canonicalize_name

from lockmigrate.model.locks import Lock
from lockmigrate.model.requirements import Origin
from lockmigrate.sources.locks.pip_compile import parse_lock_txt

if TYPE_CHECKING:
    from lockmigrate.resolve import PackageSources

__all__ = ["ImportFailure", "ImportHooks", "ImportReport", "check_imports"]


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportFailure:
    """A module that does not import: the first lines of its error, the lock line that pins
    its distribution (``None`` when the lock does not name it), and, for a package pulled
    in by others, each ``# via`` parent with the line that pins it."""

    lock: str
    module: str
    distribution: str
    version: str
    error: tuple[str, ...]
    pin: Origin | None
    via: tuple[tuple[str, Origin], ...] = ()

    @property
    def detail(self) -> tuple[str, ...]:
        """The error lines, then where the package came from, for people."""
        lines = list(self.error)
        lines += [f"pulled in by {name}, pinned at {origin}" for name, origin in self.via]
        return tuple(lines)


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportReport:
    """Every lock installed and imported: the Python each was installed for, and how many
    modules imported, failed (each a :class:`ImportFailure`) or were skipped."""

    pythons: tuple[tuple[str, str], ...] = ()
    imported: int = 0
    skipped: int = 0
    failures: tuple[ImportFailure, ...] = ()
    #: why each skipped module was skipped: ``adbc_driver_duckdb (duckdb 1.1.3): an optional
    #: part of duckdb: it needs adbc_driver_manager, ...``, once per module
    skipped_why: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class ImportHooks:
    """What a display hears while the imports run (each optional): ``stage`` what is being
    done, ``planned`` how many modules a lock will import, ``module`` ``(name, state)`` with
    state ``importing``, ``imported`` or ``failed``."""

    stage: Callable[[str], None] | None = None
    planned: Callable[[int], None] | None = None
    module: Callable[[str, str], None] | None = None


@dataclass(slots=True)
class _Tally:
    pythons: list[tuple[str, str]] = field(default_factory=list)
    imported: int = 0
    skipped: int = 0
    failures: list[ImportFailure] = field(default_factory=list)
    skipped_why: dict[str, None] = field(default_factory=dict)  # ordered, once each


def _failure(
    lock: Lock, module: str, distribution: str, version: str, error: tuple[str, ...]
) -> ImportFailure:
    pinned = lock.by_name()
    package = pinned.get(canonicalize_name(distribution))
    via: list[tuple[str, Origin]] = []
    if package is not None and not package.sources:  # required by other packages only
        via = [(name, pinned[name].origin) for name in package.parents if name in pinned]
    return ImportFailure(
        lock=lock.display,
        module=module,
        distribution=distribution,
        version=version,
        error=error,
        pin=package.origin if package is not None else None,
        via=tuple(via),
    )


def _sources(lock: Lock) -> PackageSources | None:
    """The indexes to install ``lock`` from when it names its own (pip's configuration with
    the lock's options on top, as pip applies them); ``None`` when it names none."""
    if not lock.index_options:
        return None
    from lockmigrate.index import IndexSources
    from lockmigrate.resolve import PackageSources

    merged = IndexSources.from_pip(lock.index_options, base=lock.path.parent)
    return PackageSources(
        index_urls=merged.index_urls,
        find_links=merged.find_links,
        trusted_hosts=merged.trusted_hosts,
    )


def _staged(stage: Callable[[str], None] | None, shown: str) -> Callable[[str], None] | None:
    """``stage`` with each text prefixed by the lock it is about."""
    if stage is None:
        return None
    return lambda text: stage(f"{shown}: {text}")


def check_imports(
    locks: Sequence[tuple[Path, str]],
    *,
    jobs: int | None = None,
    hooks: ImportHooks = ImportHooks(),
) -> ImportReport:
    """Install each lock of ``locks`` (``(path, shown)``) into a throwaway environment and
    import every module it installs, ``jobs`` at a time (the core count by default).

    Raises :class:`~lockmigrate.errors.ExternalToolError` when uv is missing or cannot make
    or fill an environment (the check could not be made)."""
    from lockmigrate.resolve import ImportStatus, import_lock

    tally = _Tally()
    for path, shown in locks:
        # absolute: a relative --find-links is found from the lock's folder, where uv runs
        lock = parse_lock_txt(path.read_bytes(), path=path.absolute(), display=shown)
        run = import_lock(
            lock.path,
            python=lock.header.python_version,
            sources=_sources(lock),
            jobs=jobs,
            on_stage=_staged(hooks.stage, shown),
            on_planned=hooks.planned,
            on_module=hooks.module,
        )
        tally.pythons.append((shown, run.python))
        for outcome in run.outcomes:
            if outcome.status is ImportStatus.IMPORTED:
                tally.imported += 1
            elif outcome.status is ImportStatus.SKIPPED:
                tally.skipped += 1
                why = outcome.error[0] if outcome.error else "skipped"
                tally.skipped_why[
                    f"{outcome.module} ({outcome.distribution} {outcome.version}): {why}"
                ] = None
            else:
                tally.failures.append(
                    _failure(
                        lock, outcome.module, outcome.distribution, outcome.version, outcome.error
                    )
                )
    return ImportReport(
        pythons=tuple(tally.pythons),
        imported=tally.imported,
        skipped=tally.skipped,
        failures=tuple(tally.failures),
        skipped_why=tuple(tally.skipped_why),
    )
