"""pip-tools: ``pip-compile``'s command line."""

from __future__ import annotations

import sys

from lockmigrate.errors import UsageError
from lockmigrate.resolve.options import CompileJob, CompileOptions

__all__ = ["is_running_python", "pip_compile_argv"]

# Options that keep machine- and secret-bearing lines out of the output. pip-compile writes
# index URLs from pip.conf with their credentials otherwise (pip-tools #1367, #2063).
_PIP_TOOLS_FLAGS = (
    "--quiet",
    "--allow-unsafe",
    "--strip-extras",
    "--no-emit-index-url",
    "--no-emit-trusted-host",
    "--no-emit-find-links",
)


def pip_compile_argv(job: CompileJob, options: CompileOptions) -> list[str]:
    """pip-compile's command line for ``job``: run by ``options.python``, else this
    interpreter, which must then be the Python ``options.python_version`` asks for."""
    if options.python_version is not None and not (
        options.python is None and is_running_python(options.python_version)
    ):
        raise UsageError(
            f"pip-compile resolves for the interpreter it runs under, not for Python "
            f"{options.python_version}: use --python PATH (an interpreter of that version "
            "with pip-tools installed) without --python-version, or --resolver uv"
        )
    argv = [options.python or sys.executable, "-m", "piptools", "compile", *_PIP_TOOLS_FLAGS]
    if options.generate_hashes:
        argv.append("--generate-hashes")
    if options.upgrade:
        argv.append("--upgrade")
    argv += [f"--upgrade-package={name}" for name in options.upgrade_packages]
    argv += [f"--constraint={constraint}" for constraint in job.constraints]
    return [*argv, "--output-file", job.output, job.input]


def is_running_python(version: str) -> bool:
    """Whether ``version`` (``3.11`` or ``3.11.7``) is this interpreter's."""
    parts = version.split(".")
    return parts == [str(part) for part in sys.version_info[: len(parts)]]
