"""What a resolver run is given: the input and output of a :class:`CompileJob`, the
:class:`CompileOptions` of a run, and the :class:`ResolverError` it raises. Data only."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from lockmigrate.errors import ExternalToolError, UsageError

__all__ = ["Backend", "CompileJob", "CompileOptions", "ResolverError"]


class ResolverError(ExternalToolError):
    """The resolver failed: ``str()`` is its message for people (long version lists
    shortened, hints added); :attr:`output` its distilled words in full, for callers that
    explain the failure (credentials redacted in both)."""

    def __init__(self, message: str, *, output: str) -> None:
        super().__init__(message)
        self.output = output


class Backend(str, enum.Enum):
    PIP_TOOLS = "pip-tools"
    UV = "uv"


@dataclass(frozen=True, slots=True, kw_only=True)
class CompileOptions:
    backend: Backend = Backend.PIP_TOOLS
    generate_hashes: bool = False
    upgrade: bool = False
    #: ``-P``: the only packages a re-lock may move (``NAME`` or ``NAME==VERSION``); the
    #: others keep the pins of the existing lock
    upgrade_packages: tuple[str, ...] = ()
    python: str | None = None  # interpreter to run pip-tools with (must have pip-tools)
    python_version: str | None = None  # uv only: resolve for this Python version

    def __post_init__(self) -> None:
        if self.upgrade and self.upgrade_packages:
            raise UsageError("give --upgrade or --upgrade-package, not both")
        for name in self.upgrade_packages:
            if not _UPGRADE_PACKAGE.fullmatch(name):
                raise UsageError(
                    f"--upgrade-package takes a package name, or NAME==VERSION, not {name!r}"
                )


# a project name, optionally with a version specifier: what pip-compile's and uv's -P take
_UPGRADE_PACKAGE = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?(?:\s*(?:===|==|~=|!=|<=|>=|<|>)\s*[\w.*+!-]+)?"
)


@dataclass(frozen=True, slots=True, kw_only=True)
class CompileJob:
    workdir: str
    input: str  # relative to workdir
    output: str  # relative to workdir
    #: constraints files passed on the command line (relative to workdir), for an input that
    #: must stay as written and so cannot carry its own ``-c`` lines
    constraints: tuple[str, ...] = ()
    #: the user's file ``input`` is made from, as errors name it (``input`` may be a scratch
    #: ``.in`` that does not exist outside the scratch tree)
    shown: str | None = None
