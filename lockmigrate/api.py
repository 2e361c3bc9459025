"""The library entry points: what the CLI calls, usable without a terminal."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.resolve import CompileOptions
from lockmigrate.scan import ScanReport, scan_services
from lockmigrate.sources.discover import discover
from lockmigrate.targets.pip_tools import MigrationResult, Progress, plan_pip_tools
from lockmigrate.targets.poetry import PoetryOptions, PoetryResult, plan_poetry

__all__ = ["scan", "to_pip_tools", "to_poetry"]


def _existing(paths: Sequence[Path]) -> list[Path]:
    missing = [path for path in paths if not path.exists()]
    if missing:
        raise InputError(f"{missing[0]}: no such file or directory")
    return list(paths)


def scan(paths: Sequence[Path] = (Path(),), *, collector: Collector | None = None) -> ScanReport:
    """Find the requirement files under ``paths``, read them, and describe each service.

    Raises :class:`~lockmigrate.errors.InputError` for a malformed or unreadable file.
    """
    found = discover(_existing(paths))
    return scan_services(found, collector=collector if collector is not None else Collector())


def to_pip_tools(
    paths: Sequence[Path] = (Path(),),
    *,
    options: CompileOptions | None = None,
    collector: Collector | None = None,
    progress: Progress | None = None,
) -> MigrationResult:
    """Plan the migration of every ranged requirements file under ``paths`` to pip-compile
    ``.in``/``.txt`` pairs. Runs the real resolver in a scratch tree; writes nothing (apply
    the returned plan with :func:`lockmigrate.io.apply`).
    """
    collector = collector if collector is not None else Collector()
    report = scan(paths, collector=collector)
    return plan_pip_tools(
        report, options=options or CompileOptions(), collector=collector, progress=progress
    )


def to_poetry(
    paths: Sequence[Path] = (Path(),),
    *,
    options: PoetryOptions | None = None,
    collector: Collector | None = None,
) -> PoetryResult:
    """Plan each service's ``pyproject.toml`` with Poetry dependencies and groups from its
    requirement files. Writes nothing (apply the plan with :func:`lockmigrate.io.apply`)."""
    collector = collector if collector is not None else Collector()
    report = scan(paths, collector=collector)
    return plan_poetry(report, options=options or PoetryOptions(), collector=collector)
