"""uv: where its binary is, ``uv pip compile``'s command line, and ``uv lock``."""

from __future__ import annotations

import functools
import importlib.util
import os
import sys
import threading
from pathlib import Path

from lockmigrate.errors import ExternalToolError, UsageError
from lockmigrate.resolve.options import Backend, CompileJob, CompileOptions

__all__ = ["installed", "uv_argv", "uv_binary", "uv_command", "uv_lock", "uv_version"]

_UV_FLAGS = ("--quiet", "--no-progress")


_UV_LOOKUP = threading.Lock()


def installed(backend: Backend) -> bool:
    """Whether ``backend`` can run here (pip-tools is a dependency; uv is an extra)."""
    return backend is Backend.PIP_TOOLS or uv_binary() is not None


def uv_binary() -> str | None:
    """The uv executable: the one the ``uv`` package installed beside this interpreter (found
    as ``uv.find_uv_bin`` finds it), else ``uv`` on ``PATH``; ``None`` when there is none.
    Run directly: ``python -m uv`` would start a second Python only to find it.

    Looked up once, under a lock: the compile workers ask at the same moment, and
    ``find_uv_bin`` reads ``sysconfig``, whose first read is not thread-safe before Python
    3.13 (a second thread sees a half-filled table and ``EXE`` is ``None``)."""
    with _UV_LOOKUP:
        return _find_uv_binary()


@functools.lru_cache(maxsize=1)
def _find_uv_binary() -> str | None:
    if importlib.util.find_spec("uv") is not None:
        if sys.prefix != sys.base_prefix and os.name == "posix":
            # In a virtual environment on POSIX, find_uv_bin's first place to look is the
            # environment's bin folder: looked at first here, without importing sysconfig
            # and its data (2 ms of a warm diff that reads a kept re-lock verdict).
            beside = Path(sys.prefix, "bin", "uv")
            if beside.is_file():
                return str(beside)
        try:
            from uv import find_uv_bin

            return str(find_uv_bin())
        except (ImportError, FileNotFoundError):
            pass
    import shutil  # with bz2, lzma and fnmatch: only for the uv backend

    return shutil.which("uv")


def uv_version() -> str | None:
    """The version of the uv found here (``0.13.9``): the ``uv`` package's, else what the
    binary says (``uv 0.13.9 (...)``); ``None`` when there is no uv or it does not say."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("uv")
    except PackageNotFoundError:
        pass
    found = uv_binary()
    if found is None:
        return None
    import subprocess

    try:
        said = subprocess.run(
            [found, "--version"], capture_output=True, text=True, timeout=30, check=False
        ).stdout.split()
    except (OSError, subprocess.SubprocessError):
        return None
    return said[1] if len(said) >= 2 and said[0] == "uv" else None


def uv_command() -> list[str]:
    """The uv executable as a command line, or :class:`ExternalToolError` when there is none."""
    found = uv_binary()
    if found is None:
        raise ExternalToolError(
            "the uv backend needs uv: install it with  pip install 'lockmigrate[uv]'"
        )
    return [found]


def uv_argv(job: CompileJob, options: CompileOptions) -> list[str]:
    """``uv pip compile``'s command line for ``job``."""
    if options.python is not None:
        raise UsageError("--python is for the pip-tools backend; use --python-version with uv")
    argv = [*uv_command(), "pip", "compile", *_UV_FLAGS]
    if options.python_version:
        argv += ["--python-version", options.python_version]
    if options.generate_hashes:
        argv.append("--generate-hashes")
    if options.upgrade:
        argv.append("--upgrade")
    argv += [f"--upgrade-package={name}" for name in options.upgrade_packages]
    # one token, as for pip-compile: the header then reads unambiguously (a tool that
    # takes every *.txt on the command line for an input is not misled)
    argv += [f"--constraint={constraint}" for constraint in job.constraints]
    return [*argv, "--output-file", job.output, job.input]


def uv_lock(folder: Path, *, generation: int | None = None) -> None:
    """``uv lock`` in ``folder`` (a project, or a workspace root), in the user's
    environment but ``UV_NO_CONFIG`` (uv reads an index's credentials from
    ``UV_INDEX_<NAME>_USERNAME`` and ``_PASSWORD``); raises :class:`ExternalToolError`
    with uv's words, credentials hidden. Ctrl-C stops it
    (:func:`lockmigrate.resolve.stop_all`); given a ``generation`` older than the last stop,
    it starts nothing (:func:`lockmigrate.resolve.stop_generation`)."""
    from lockmigrate.redact import redact_text
    from lockmigrate.resolve.messages import distill_error
    from lockmigrate.resolve.processes import run

    argv = [*uv_command(), "lock", "--no-progress", "--color", "never"]
    # UV_NO_CONFIG would make uv ignore the [tool.uv] just written (its indexes, find-links,
    # constraints): the lock must be the project's
    # nor may an activated virtual environment choose the Python: uv takes the one VIRTUAL_ENV
    # names, and fails when the project excludes it (lockmigrate run from a Python 3.10 venv,
    # or a nox session, for a project that needs 3.11), where it would otherwise find one
    environment = {k: v for k, v in os.environ.items() if k not in {"UV_NO_CONFIG", "VIRTUAL_ENV"}}
    environment["NO_COLOR"] = "1"
    result = run(argv, str(folder), environment, generation=generation)
    if result.returncode != 0:
        message = distill_error(result.stderr or result.stdout)
        raise ExternalToolError(f"uv lock failed in {folder}:\n{redact_text(message)}")
