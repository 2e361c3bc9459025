"""What ``to-uv`` is asked to do and what it answers: options, the entries, indexes and
sources it writes, and the results per service."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lockmigrate.model.requirements import Origin
from lockmigrate.plan import Plan

__all__ = [
    "PYPI_HOSTS",
    "UNSUPPORTED_OPTIONS",
    "ServiceResult",
    "UvEntry",
    "UvIndex",
    "UvOptions",
    "UvResult",
    "UvSettings",
    "UvSource",
    "credential_variables",
]

PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})

#: pip options with no ``[tool.uv]`` counterpart that ``uv lock`` reads, and what to do.
UNSUPPORTED_OPTIONS = {
    "--trusted-host": "uv reads it from  [tool.uv] allow-insecure-host  or "
    "UV_INSECURE_HOST; left for you to set, since it turns TLS checks off",
    "--all-releases": "uv allows pre-releases per package: [tool.uv] prerelease = 'allow'",
    "--only-final": "uv excludes pre-releases by default",
    "--only-binary": "uv locks for every platform; set  [tool.uv] no-build-package = [...]  "
    "(or no-build = true for :all:) if the installs must never build",
    "--no-binary": "uv locks for every platform; set  [tool.uv] no-binary-package = [...]  "
    "(or no-binary = true for :all:) if the installs must build from source",
    "--prefer-binary": "uv has no prefer-binary: it picks the newest allowed version",
    "--require-hashes": "uv.lock always records the hashes of what it locks",
    "--no-require-hashes": "uv.lock always records the hashes of what it locks",
    "--use-feature": "a pip feature flag; uv has no equivalent",
    "--config-settings": "set  [tool.uv] config-settings-package  by hand if the build needs it",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class UvOptions:
    """``requires_python``: ``None`` for the project's own (:mod:`lockmigrate.python_target`).
    ``workspace``: also write a root ``pyproject.toml`` whose ``[tool.uv.workspace]`` lists
    every service (``workspace_root``: where, by default the common folder of the paths)."""

    requires_python: str | None = None
    workspace: bool = False
    workspace_root: Path | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UvEntry:
    """One item of a ``[project] dependencies`` or ``[dependency-groups]`` array: a PEP 508
    string (``key`` its canonical name), or ``{include-group = ...}`` (``include_group``)."""

    key: str
    pep508: str | None
    origin: Origin
    include_group: str | None = None
    comment: str | None = None
    leading: tuple[str, ...] = ()  # full-line comments written above it
    trailing: tuple[str, ...] = ()  # full-line comments at the end of its file


@dataclass(frozen=True, slots=True, kw_only=True)
class UvSource:
    """A ``[tool.uv.sources]`` entry: where ``name`` comes from (git, url, path)."""

    name: str
    table: dict[str, Any]
    origin: Origin


@dataclass(frozen=True, slots=True, kw_only=True)
class UvIndex:
    """A ``[[tool.uv.index]]`` entry; ``url`` never carries credentials, and ``username``
    says whether the requirements file gave one (``${VAR}`` or a user name)."""

    name: str
    url: str
    default: bool
    origin: Origin
    has_credentials: bool = False


def credential_variables(index_name: str) -> tuple[str, str]:
    """The environment variables uv reads an index's user name and password from."""
    variable = "".join(c if c.isalnum() else "_" for c in index_name).upper()
    return f"UV_INDEX_{variable}_USERNAME", f"UV_INDEX_{variable}_PASSWORD"


@dataclass(slots=True)
class UvSettings:
    """What a service's requirement files ask of ``[tool.uv]`` beyond dependencies."""

    indexes: list[UvIndex] = field(default_factory=list)
    find_links: list[tuple[str, Origin]] = field(default_factory=list)
    no_index: Origin | None = None
    prerelease: Origin | None = None
    constraints: list[UvEntry] = field(default_factory=list)
    sources: list[UvSource] = field(default_factory=list)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceResult:
    """One service's ``pyproject.toml`` as written: its Python, groups and indexes, the
    direct dependencies (canonical names), and the pip-compile locks found beside its
    files (``--lock`` compares them with ``uv.lock``)."""

    path: str
    folder: Path
    pyproject: str
    requires_python: str
    requires_python_from: str
    groups: tuple[str, ...]
    indexes: tuple[UvIndex, ...]
    direct: tuple[str, ...]
    pip_compile_locks: tuple[Path, ...] = ()
    settings: UvSettings | None = None  # what [tool.uv] was given (a workspace lifts it)


@dataclass(frozen=True, slots=True, kw_only=True)
class UvResult:
    plan: Plan
    services: tuple[ServiceResult, ...]
    workspace: str | None = None  # the root pyproject.toml of --workspace
