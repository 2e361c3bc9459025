"""What pip 26.3 itself makes of a requirements file, as JSON: the oracle for the differential
test (``tests/sources/test_pip_differential.py``).

This is the only file in the project that imports ``pip._internal``. It is never imported by
the test suite: the tests run it as a subprocess with the test venv's python (which has
``pip==26.3`` pinned by the ``dev`` extra), so pip's globals, logging and monkeypatches stay in
a process of their own.

Input, on stdin: a JSON list of jobs ``{"root": ABS_PATH, "constraint": bool,
"locale_encoding": str | null, "sandbox": ABS_DIR | null}``. Each job is parsed with the current
directory set to the root file's folder, so that pip's CWD-relative path lookups agree with
lockmigrate's file-relative ones. Output, on stdout: a JSON list with one result per job::

    {
      "files": [[abs_path, constraint], ...],      # every file pip opened, in order
      "requirements": [{"file", "line", "constraint", "editable", "name", "specifier",
                        "marker", "extras", "url", "hashes", "config_settings"}, ...],
      "option_lines": [{"file", "line", <every option pip parsed on that line>}, ...],
      "warnings": [str, ...],                      # what pip logged at WARNING and above
      "error": null | {"type", "message", "file", "line", "phase"},
      "pip_environment": {name: value}             # the PIP_*/UV_* variables it was given
    }

How each field is obtained:

* Requirements: pip's own ``parse_requirements(root, session=PipSession())``, each
  ``ParsedRequirement`` turned into an ``InstallRequirement`` by
  ``install_req_from_parsed_requirement`` right away, as ``pip install -r`` does (so errors
  surface in pip's order). The marker is ``ireq.markers`` (pip moves a line's ``; marker``
  there, and copies ``req.marker`` there for ``-e "name @ url ; marker"``); the URL is
  ``ireq.link.url``; extras are ``ireq.extras`` as pip stores them (not canonicalised).
* Global options: per line, from pip's own line parser. ``parse_requirements`` is called
  without a ``PackageFinder``, so each option line gets fresh defaults (no state carried over
  from earlier lines) and the values are exactly what that one line says: ``index_url``,
  ``extra_index_urls``, ``no_index``, ``find_links``, ``pre``, ``prefer_binary``,
  ``require_hashes``, ``no_require_hashes``, ``trusted_hosts``, ``features_enabled``,
  ``no_binary``/``only_binary`` (pip's ``FormatControl`` sets), ``all_releases``/
  ``only_final`` (pip's ``ReleaseControl`` sets) and ``hashes`` (ignored by pip on such a
  line). They are read by wrapping ``req_file.handle_line``, which pip looks up at call time;
  the wrapper only records the ``ParsedLine`` and calls the original. Folding lines into one
  finder state (``-i`` replaced, ``--no-index`` clearing indexes, ...) is pip's business
  after parsing and not what the reader records, so it is not compared. One adjustment:
  pip builds ``--use-feature`` from a ``functools.partial(..., default=[])``, so every parse
  in a process appends to one shared list and a line's ``features_enabled`` also holds the
  features of every earlier line (of every file). The oracle gives each parse a fresh list,
  so that a line reports its own features; the union pip applies is the same.
* Error location: ``preprocess`` and ``RequirementsFileParser._parse_file`` are wrapped to
  know the file and logical line pip was at when it raised. ``phase`` is ``"line"`` when the
  error is about that line, ``"open"`` when pip failed to open or decode a file (the location
  is then the ``-r``/``-c`` line that named it, or null for the root).

Environment: every variable that a ``${VAR}`` reference could name (``[A-Z0-9_]+``) is removed
from ``os.environ`` before parsing, so no reference expands. The parent process also passes
an environment without ``PIP_*``/``UV_*`` and with ``PIP_CONFIG_FILE=os.devnull``.

With ``sandbox`` set, the root file is pre-read with pip's own line parser, and what it names
on the disk is created when it lies inside the sandbox and is missing: an empty file for
every ``-r``/``-c`` target, an empty folder for every local ``-e`` path, and an empty project
(a folder with an empty ``pyproject.toml``) for every local folder on a requirement line.
Real-world files are tested standalone, without the repository around them.

``locale_encoding`` replaces what pip thinks the locale's encoding is, to show pip's fallback
for files that are not UTF-8 (lockmigrate refuses those instead).
"""

# This script reproduces pip's own string-based path handling (os.path.abspath is lexical,
# Path.resolve is not), so pathlib's rewrites do not apply here.
# ruff: noqa: PTH100, PTH103, PTH110, PTH118, PTH119, PTH120, PTH123

from __future__ import annotations

import contextlib
import json
import logging
import os
import re
import sys
from collections.abc import Iterator
from typing import Any

from pip._internal.cli import cmdoptions
from pip._internal.exceptions import CommandError
from pip._internal.network.session import PipSession
from pip._internal.req import req_file
from pip._internal.req.constructors import (
    _looks_like_path,
    install_req_from_parsed_requirement,
)
from pip._internal.req.req_file import ParsedLine, RequirementsFileParser, parse_requirements
from pip._internal.utils.filetypes import is_archive_file
from pip._internal.utils.urls import strip_extras, url_to_path
from pip._vendor.packaging.requirements import InvalidRequirement, Requirement
from pip._vendor.packaging.utils import canonicalize_name

_VARIABLE_NAME_RE = re.compile(r"^[A-Z0-9_]+$")
_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_LINE_SOURCE_RE = re.compile(r"line (\d+) of (.*)", re.DOTALL)


def _file_key(filename: str) -> str:
    """A file pip read, as an absolute path (pip reads ``-r file:///...`` through a URL)."""
    if filename.lower().startswith("file:"):
        return url_to_path(filename)
    return os.path.abspath(filename)


class _State:
    """What the wrappers around pip's functions saw for the job being run."""

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.frames: list[list[Any]] = []  # [filename, current logical line or None]
        self.files: list[list[Any]] = []
        self.option_lines: list[dict[str, Any]] = []
        self.error_at: tuple[str | None, int | None, str] | None = None

    def location(self) -> tuple[str | None, int | None, str]:
        if not self.frames:
            return None, None, "open"
        filename, line = self.frames[-1]
        if line is not None:
            return _file_key(filename), line, "line"
        for filename, line in reversed(self.frames[:-1]):
            if line is not None:
                return _file_key(filename), line, "open"
        return None, None, "open"


_state = _State()
_original_parse_file = RequirementsFileParser._parse_file
_original_preprocess = req_file.preprocess
_original_handle_line = req_file.handle_line


def _parse_file(
    self: RequirementsFileParser, filename: str, constraint: bool
) -> Iterator[ParsedLine]:
    _state.frames.append([filename, None])
    _state.files.append([_file_key(filename), constraint])
    try:
        yield from _original_parse_file(self, filename, constraint)
    except GeneratorExit:
        raise
    except BaseException:
        if _state.error_at is None:
            _state.error_at = _state.location()
        raise
    finally:
        _state.frames.pop()


def _preprocess(content: str) -> Iterator[tuple[int, str]]:
    frame = _state.frames[-1]
    for number, line in _original_preprocess(content):
        frame[1] = number
        yield number, line


def _handle_line(line: ParsedLine, *args: Any, **kwargs: Any) -> Any:
    if line.requirement is None:
        _state.option_lines.append(_option_values(line))
    return _original_handle_line(line, *args, **kwargs)


def _option_values(line: ParsedLine) -> dict[str, Any]:
    opts = line.opts
    format_control = opts.format_control
    release_control = opts.release_control
    return {
        "file": _file_key(line.filename),
        "line": line.lineno,
        "index_url": opts.index_url,
        "extra_index_urls": list(opts.extra_index_urls),
        "no_index": opts.no_index,
        "find_links": list(opts.find_links),
        "pre": opts.pre,
        "prefer_binary": opts.prefer_binary,
        "require_hashes": opts.require_hashes,
        "no_require_hashes": opts.no_require_hashes,
        "trusted_hosts": list(opts.trusted_hosts),
        "features_enabled": list(opts.features_enabled),
        "no_binary": sorted(format_control.no_binary),
        "only_binary": sorted(format_control.only_binary),
        "all_releases": sorted(release_control.all_releases),
        "only_final": sorted(release_control.only_final),
        "hashes": [f"{algo}:{d}" for algo, ds in (opts.hashes or {}).items() for d in ds],
    }


def _use_feature_with_fresh_default() -> Any:
    return cmdoptions.use_new_feature(default=[])


RequirementsFileParser._parse_file = _parse_file  # type: ignore[method-assign]
req_file.SUPPORTED_OPTIONS = [
    _use_feature_with_fresh_default if factory is cmdoptions.use_new_feature else factory
    for factory in req_file.SUPPORTED_OPTIONS
]
req_file.preprocess = _preprocess
req_file.handle_line = _handle_line


class _Warnings(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def _requirement(parsed: Any) -> dict[str, Any]:
    options = parsed.options or {}
    ireq = install_req_from_parsed_requirement(
        parsed,
        user_supplied=True,
        config_settings=options.get("config_settings"),
    )
    match = _LINE_SOURCE_RE.fullmatch(parsed.line_source)
    assert match is not None, parsed.line_source
    req = ireq.req
    marker = ireq.markers if ireq.markers is not None else (req.marker if req else None)
    url = ireq.link.url if ireq.link is not None else (req.url if req else None)
    return {
        "file": _file_key(match.group(2)),
        "line": int(match.group(1)),
        "constraint": parsed.constraint,
        "editable": ireq.editable,
        "name": canonicalize_name(req.name) if req is not None else None,
        "specifier": str(req.specifier) if req is not None else "",
        "marker": str(marker) if marker is not None else None,
        "extras": sorted(ireq.extras),
        "url": url,
        "hashes": [f"{a}:{d}" for a, ds in ireq.hash_options.items() for d in ds],
        "config_settings": ireq.config_settings,
    }


def _inside(path: str, folder: str) -> bool:
    return os.path.commonpath([os.path.abspath(path), folder]) == folder


def _stub_folder(path: str, sandbox: str, *, project: bool) -> None:
    """An empty folder at ``path`` (with an empty ``pyproject.toml`` when it must be an
    installable ``project``), if it lies inside the sandbox and is not there yet."""
    if not _inside(path, sandbox):
        return
    os.makedirs(path, exist_ok=True)
    markers = [os.path.join(path, name) for name in ("pyproject.toml", "setup.py")]
    if project and not any(os.path.exists(marker) for marker in markers):
        with open(markers[0], "wb"):
            pass


def _local_folder(text: str, folder: str) -> str | None:
    """The folder a local path names, or None for URLs, archives and ``#egg=`` paths."""
    local, _extras = strip_extras(text)
    if _SCHEME_RE.match(local) or "#" in local or is_archive_file(local):
        return None
    return os.path.normpath(os.path.join(folder, local))


def _create_stubs(root: str, sandbox: str) -> None:
    """Empty files for the root's ``-r``/``-c`` targets, empty folders for its local ``-e``
    paths and empty projects for the local folders its requirement lines name, found with
    pip's own decoder and line parser. Failures are left to the real run."""
    try:
        with open(root, "rb") as f:
            content = req_file._decode_req_file(f.read(), root)
        lines = list(_original_preprocess(content))
    except (OSError, UnicodeDecodeError, LookupError):
        return
    parse_line = req_file.get_line_parser(None)
    folder = os.path.dirname(os.path.abspath(root))
    for _number, text in lines:
        try:
            args, opts = parse_line(text)
        except (req_file.OptionParsingError, CommandError):
            continue
        for target in [*opts.requirements, *opts.constraints]:
            path = os.path.join(folder, target)
            if _SCHEME_RE.match(target) or not _inside(path, sandbox) or os.path.exists(path):
                continue
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "wb"):
                pass
        if args:
            name = args.split(";", 1)[0].strip()
            path = _local_folder(name, folder) if _looks_like_path(name) else None
            if path is not None:
                _stub_folder(path, sandbox, project=True)
            continue
        if not opts.editables:
            continue
        editable = opts.editables[0]
        try:
            if Requirement(editable).url:
                continue
        except InvalidRequirement:
            pass
        path = _local_folder(editable, folder)
        if path is not None and not os.path.exists(path):
            _stub_folder(path, sandbox, project=False)


def run(job: dict[str, Any], warnings: _Warnings, environment: dict[str, str]) -> dict[str, Any]:
    _state.reset()
    warnings.messages = []
    root = job["root"]
    os.chdir(os.path.dirname(root))
    if job.get("sandbox"):
        # a name no file can have (a NUL) is left to pip to meet
        with contextlib.suppress(OSError, ValueError):
            _create_stubs(root, os.path.abspath(job["sandbox"]))
    locale_encoding = job.get("locale_encoding")
    if locale_encoding:
        req_file.get_locale_encoding = lambda: locale_encoding
    requirements: list[dict[str, Any]] = []
    error: dict[str, Any] | None = None
    try:
        parsed_requirements = parse_requirements(
            os.path.basename(root), session=PipSession(), constraint=job.get("constraint", False)
        )
        for parsed in parsed_requirements:
            requirements.append(_requirement(parsed))
    except Exception as exc:  # noqa: BLE001 - any failure is pip rejecting the file
        file, line, phase = _state.error_at or _state.location()
        error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "file": file,
            "line": line,
            "phase": phase,
        }
    finally:
        req_file.get_locale_encoding = _original_get_locale_encoding
    return {
        "files": _state.files,
        "requirements": requirements,
        "option_lines": _state.option_lines,
        "warnings": list(warnings.messages),
        "error": error,
        "pip_environment": environment,
    }


_original_get_locale_encoding = req_file.get_locale_encoding


def main() -> int:
    jobs = json.load(sys.stdin)
    environment = {k: v for k, v in os.environ.items() if k.upper().startswith(("PIP_", "UV_"))}
    for name in [name for name in os.environ if _VARIABLE_NAME_RE.match(name)]:
        del os.environ[name]
    warnings = _Warnings()
    logging.getLogger().addHandler(warnings)
    logging.getLogger().setLevel(logging.WARNING)
    results = [run(job, warnings, environment) for job in jobs]
    json.dump(results, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
