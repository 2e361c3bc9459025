"""The only place that runs resolvers, always as subprocesses, never through their internals:
pip-compile (pip-tools) and ``uv pip compile`` for locks, pip to read what exact versions
require, and Poetry's ``poetry lock``.

- :mod:`~lockmigrate.resolve.options`: a run's job and options (data);
- :mod:`~lockmigrate.resolve.compile`: compiling one job, reading requirements with pip;
- :mod:`~lockmigrate.resolve.pip_tools`, :mod:`~lockmigrate.resolve.uv`: each resolver's
  command line;
- :mod:`~lockmigrate.resolve.processes`: the running processes, and stopping them all;
- :mod:`~lockmigrate.resolve.messages`: a failure's message for people;
- :mod:`~lockmigrate.resolve.poetry`: ``poetry lock`` and ``poetry check --lock``;
  :mod:`~lockmigrate.resolve.poetry_messages`: what ``poetry lock`` says of a project Python
  range wider than a package allows;
- :mod:`~lockmigrate.resolve.imports`: a lock installed into a throwaway environment, and
  its modules imported there (``check --import``).

A :class:`CompileJob` names an input and an output file relative to a working folder; the
resolver runs there with relative paths, so its header and ``# via`` annotations contain no
machine-specific path. This module is the package's interface for the rest of lockmigrate.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from lockmigrate.resolve.compile import (
        compile_requirements,
        read_requirements,
        resolver_argv,
    )
    from lockmigrate.resolve.imports import (
        ImportOutcome,
        ImportRun,
        ImportStatus,
        PackageSources,
        import_lock,
    )
    from lockmigrate.resolve.messages import ignored_for_python, needed_python, python_hint
    from lockmigrate.resolve.options import Backend, CompileJob, CompileOptions, ResolverError
    from lockmigrate.resolve.pip_tools import is_running_python
    from lockmigrate.resolve.processes import stop_all, stop_generation
    from lockmigrate.resolve.uv import installed, uv_binary, uv_version

#: Where each name of the interface lives. They are imported on first use (PEP 562), not
#: with the package: ``diff`` on a warm cache and ``check`` need a few of these names, or
#: none, and the whole set (``check --import``'s, with ``packaging.tags``) costs about 50 ms.
_HOMES = {
    "Backend": "options",
    "CompileJob": "options",
    "CompileOptions": "options",
    "ImportOutcome": "imports",
    "ImportRun": "imports",
    "ImportStatus": "imports",
    "PackageSources": "imports",
    "ResolverError": "options",
    "compile_requirements": "compile",
    "ignored_for_python": "messages",
    "import_lock": "imports",
    "installed": "uv",
    "is_running_python": "pip_tools",
    "needed_python": "messages",
    "python_hint": "messages",
    "read_requirements": "compile",
    "resolver_argv": "compile",
    "stop_all": "processes",
    "stop_generation": "processes",
    "uv_binary": "uv",
    "uv_version": "uv",
}


def __getattr__(name: str) -> object:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value  # the next access is a plain global lookup
    return value


__all__ = [
    "Backend",
    "CompileJob",
    "CompileOptions",
    "ImportOutcome",
    "ImportRun",
    "ImportStatus",
    "PackageSources",
    "ResolverError",
    "compile_requirements",
    "ignored_for_python",
    "import_lock",
    "installed",
    "is_running_python",
    "needed_python",
    "python_hint",
    "read_requirements",
    "resolver_argv",
    "stop_all",
    "stop_generation",
    "uv_binary",
    "uv_version",
]
