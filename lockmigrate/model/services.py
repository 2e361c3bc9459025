"""What a scan found in a tree, as data: each service, its requirements files, their format
and what each target would do with them. The rules that decide it are :mod:`lockmigrate.scan`."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from lockmigrate.diagnostics import Diagnostic
    from lockmigrate.model.requirements import IncludeGraph, RequirementFile

__all__ = ["FileFormat", "ScanReport", "ScannedFile", "ScannedService"]


class FileFormat(str, enum.Enum):
    RANGES = "requirements"  # hand-written ranges: what lockmigrate migrates
    PIP_TOOLS_IN = "pip-tools-in"  # a pip-compile input (.in)
    PIP_TOOLS_LOCK = "pip-tools-lock"  # pip-compile output: exact pins, left alone
    CONSTRAINTS = "constraints"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannedFile:
    """One requirements file of a service, read, with what each target would do.

    ``lock`` is, for an input, the lock it is (or will be) compiled to; ``input`` is, for a
    lock, the file it was compiled from. ``kept`` says why an input must stay as written
    (package metadata reads it, or such a file includes it), in which case ``to-pip-tools``
    compiles it as it is into a lock beside it instead of turning it into a ``.in``.
    """

    file: RequirementFile
    role: str
    format: FileFormat
    pip_tools: str
    poetry: str
    lock: Path | None = None
    input: Path | None = None
    kept: str | None = None

    @property
    def path(self) -> Path:
        return self.file.path


@dataclass(frozen=True, slots=True, kw_only=True)
class ScannedService:
    """One service folder as the scan read it: its requirement files, classified."""

    path: Path
    display: str
    files: tuple[ScannedFile, ...]
    #: Every file read for this service, includes followed (for callers that walk them).
    graph: IncludeGraph | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ScanReport:
    """What a scan found: every service, and the diagnostics of reading them."""

    services: tuple[ScannedService, ...]
    diagnostics: tuple[Diagnostic, ...]
