"""Compiling a lock: pip-compile or ``uv pip compile`` on one :class:`CompileJob`, and pip
itself reading what exact versions require (:func:`read_requirements`)."""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path

from lockmigrate.errors import ExternalToolError, UsageError
from lockmigrate.pipconfig import read_index_settings
from lockmigrate.redact import redact_text
from lockmigrate.resolve.messages import distill_error, index_hint, python_hint, shorten_versions
from lockmigrate.resolve.options import Backend, CompileJob, CompileOptions, ResolverError
from lockmigrate.resolve.pip_tools import pip_compile_argv
from lockmigrate.resolve.processes import run
from lockmigrate.resolve.uv import uv_argv

__all__ = [
    "compile_requirements",
    "read_requirements",
    "resolver_argv",
    "resolver_environment",
]


def resolver_argv(job: CompileJob, options: CompileOptions) -> list[str]:
    """The command line that compiles ``job``."""
    if options.python_version is not None and not re.fullmatch(
        r"3\.\d{1,2}(\.\d{1,2})?", options.python_version
    ):
        raise UsageError(
            f"--python-version takes a Python version such as 3.11, not {options.python_version!r}"
        )
    if options.backend is Backend.UV:
        return uv_argv(job, options)
    return pip_compile_argv(job, options)


def resolver_environment(options: CompileOptions) -> dict[str, str]:
    """The environment a resolver runs in: pip's indexes handed to uv, no prompts, no colour."""
    environment = dict(os.environ)
    if options.backend is Backend.UV:
        # uv does not read pip's configuration: hand it the same indexes through its own
        # variables (not argv, so they never reach the output's header).
        settings = read_index_settings()
        if settings.index_url and "UV_INDEX_URL" not in environment:
            environment["UV_INDEX_URL"] = settings.index_url
        if settings.extra_index_urls and "UV_EXTRA_INDEX_URL" not in environment:
            environment["UV_EXTRA_INDEX_URL"] = " ".join(settings.extra_index_urls)
        if settings.find_links and "UV_FIND_LINKS" not in environment:
            environment["UV_FIND_LINKS"] = ",".join(settings.find_links)
        if settings.no_index and "UV_NO_INDEX" not in environment:
            environment["UV_NO_INDEX"] = "1"
        # pip compares the candidates of every index; uv by default takes a package from the
        # first index that has it. Resolve as pip does, so both backends give the same pins.
        environment.setdefault("UV_INDEX_STRATEGY", "unsafe-best-match")
        # --python-version X.Y needs no interpreter X.Y, but uv downloads one when none is
        # installed (seconds, and a request to GitHub) only to build source archives with it
        environment.setdefault("UV_PYTHON_DOWNLOADS", "never")
        # the interpreter to resolve for is this one, as for pip-compile: named, so uv does
        # not look for one (in the environment only: --python would put this machine's path
        # into the lock's header)
        environment.setdefault("UV_PYTHON", sys.executable)
    environment.setdefault("PIP_NO_INPUT", "1")
    environment["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    # The header's "by the following command" must show pip-compile's own command line, so
    # that Dependabot and Renovate can re-run it.
    environment.pop("CUSTOM_COMPILE_COMMAND", None)
    environment.pop("UV_CUSTOM_COMPILE_COMMAND", None)
    environment["NO_COLOR"] = "1"
    return environment


def compile_requirements(
    job: CompileJob, options: CompileOptions, *, generation: int | None = None
) -> None:
    """Run the resolver for ``job``; the output file is written in ``job.workdir``.

    Raises :class:`ExternalToolError` with the resolver's own message (credentials
    redacted) when it fails, and :class:`KeyboardInterrupt` when :func:`stop_all` stopped
    it, or ran since ``generation`` (:func:`stop_generation`) was taken: a run that is
    being interrupted starts no new resolver.
    """
    argv = resolver_argv(job, options)
    result = run(argv, job.workdir, resolver_environment(options), generation=generation)
    if result.returncode != 0:
        message = distill_error(result.stderr or result.stdout)
        if "No module named piptools" in message:
            message = f"{argv[0]} has no pip-tools installed"
        raise ResolverError(
            f"{options.backend.value} failed on {job.shown or job.input}:\n"
            f"{redact_text(shorten_versions(message))}"
            + python_hint(message, options)
            + index_hint(result.stderr + result.stdout),
            output=redact_text(message),
        )


def read_requirements(
    pins: Iterable[tuple[str, str]],
    *,
    index_lines: Sequence[str] = (),
    python_version: str | None = None,
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The ``Requires-Dist`` of each ``(name, version)`` in ``pins``, keyed by canonical name
    and version as given, read by pip from the index (the PEP 658 metadata file where the
    index serves one) without installing anything: ``pip install --dry-run --no-deps
    --ignore-installed --report``, one run for all. ``index_lines`` are a requirements file's
    index options (``--index-url ...``), applied over pip's configuration as pip applies
    them; ``python_version`` chooses the files for that Python.

    Raises :class:`ExternalToolError` (credentials redacted) when pip fails, on any of them.
    """
    import json
    import tempfile

    from packaging.utils import canonicalize_name

    wanted = {(canonicalize_name(name), version): (name, version) for name, version in pins}
    if not wanted:
        return {}
    with tempfile.TemporaryDirectory(prefix="lockmigrate-metadata-") as scratch:
        lines = [*index_lines, *(f"{name}=={version}" for name, version in sorted(wanted))]
        (Path(scratch) / "pins.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
        argv = [
            sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps",
            "--ignore-installed", "--quiet", "--report", "report.json", "-r", "pins.txt",
        ]  # fmt: skip
        if python_version is not None:
            argv += ["--python-version", python_version]
        # nothing is installed: a PIP_REQUIRE_VIRTUALENV meant for installs does not apply
        environment = {**resolver_environment(CompileOptions()), "PIP_REQUIRE_VIRTUALENV": "0"}
        result = run(argv, scratch, environment)
        if result.returncode != 0:
            message = distill_error(result.stderr or result.stdout)
            raise ExternalToolError(
                f"pip could not read the metadata of {len(wanted)} package(s):\n"
                f"{redact_text(shorten_versions(message))}"
                + index_hint(result.stderr + result.stdout)
            )
        report = json.loads((Path(scratch) / "report.json").read_text(encoding="utf-8"))
    found: dict[tuple[str, str], tuple[str, ...]] = {}
    for item in report.get("install", ()):
        metadata = item.get("metadata", {})
        key = (canonicalize_name(str(metadata.get("name", ""))), str(metadata.get("version", "")))
        asked = wanted.get(key)
        if asked is None:  # pip normalised the version (1.0 -> 1.0.0): match it by value
            asked = next(
                (
                    pin
                    for (name, _), pin in wanted.items()
                    if name == key[0] and _same(pin[1], key[1])
                ),
                None,
            )
        if asked is not None:
            requires = metadata.get("requires_dist") or ()
            found[(key[0], asked[1])] = tuple(str(text) for text in requires)
    return found


def _same(left: str, right: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right
