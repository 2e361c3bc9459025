"""The command a lock's header records (``# pip-compile ...``, ``# uv pip compile ...``):
the input files and the ``--constraint`` files it was made from, as absolute paths."""

from __future__ import annotations

import os
import re
from pathlib import Path

from lockmigrate.model.requirements import RequirementFile

__all__ = ["recorded_constraints", "recorded_inputs"]

# Options whose value is a file but not an input, in a resolver's recorded command.
_VALUED_OPTIONS = frozenset(
    {"-o", "--output-file", "-c", "--constraint", "--constraints", "--overrides", "-p",
     "--python", "--python-version", "-i", "--index-url", "--extra-index-url", "-f",
     "--find-links", "--cache-dir", "--pip-args", "-P", "--upgrade-package",
     "--unsafe-package", "--build-constraints", "--override"}
)  # fmt: skip
_COMMAND_RE = re.compile(
    r"^#\s+(?P<command>(?:pip-compile|uv pip compile|python -m piptools)\b.*)$"
)
_INPUT_SUFFIXES = (".in", ".txt", ".toml", ".cfg", ".py")


def _recorded_command(file: RequirementFile) -> tuple[list[Path], list[Path]]:
    """The input files and the ``--constraint`` files named by the command in a lock's
    header, as absolute paths. The names are relative to the folder the command ran in:
    the folder (the lock's, or one above it) where the recorded ``--output-file`` is the
    lock itself; the lock's own folder when no output is recorded."""
    for raw in file.physical_lines[:12]:
        match = _COMMAND_RE.match(raw.strip())
        if match is None:
            continue
        # a header written on Windows names requirements\dev.in
        command = match.group("command").replace("\\", "/")
        if any(quote in command for quote in "'\""):
            import shlex  # quoted names: rare, and shlex costs check's fast path 3 ms

            try:
                tokens = shlex.split(command)
            except ValueError:
                return [], []
        else:
            tokens = command.split()
        inputs: list[str] = []
        constraints: list[str] = []
        outputs: list[str] = []
        pending: str | None = None  # the option whose value comes next
        for token in tokens[1:]:
            if pending is not None:
                if pending in {"-c", "--constraint", "--constraints"}:
                    constraints.append(token)
                elif pending in {"-o", "--output-file"}:
                    outputs.append(token)
                pending = None
                continue
            if token.startswith("-"):
                name, _, value = token.partition("=")
                if value and name in {"-c", "--constraint", "--constraints"}:
                    constraints.append(value)
                elif value and name in {"-o", "--output-file"}:
                    outputs.append(value)
                elif not value and name in _VALUED_OPTIONS:
                    pending = name
                continue
            if token.endswith(_INPUT_SUFFIXES):
                inputs.append(token)
        base = _command_folder(file.path, outputs)
        return (
            [_absolute_in(base, name) for name in inputs],
            [_absolute_in(base, name) for name in constraints],
        )
    return [], []


def _command_folder(lock: Path, outputs: list[str]) -> Path:
    lock = Path(os.path.abspath(lock))  # noqa: PTH100
    for folder in [lock.parent, *lock.parent.parents][:8]:
        if any(_absolute_in(folder, output) == lock for output in outputs):
            return folder
    return lock.parent


def _absolute_in(folder: Path, name: str) -> Path:
    return Path(os.path.abspath(folder / name))  # noqa: PTH100


def recorded_inputs(file: RequirementFile) -> list[Path]:
    """The input files named by the command in a lock's header, as absolute paths."""
    return _recorded_command(file)[0]


def recorded_constraints(file: RequirementFile) -> list[Path]:
    """The ``--constraint`` files named by the command in a lock's header (how lockmigrate
    layers a file that stays as written), as absolute paths."""
    return _recorded_command(file)[1]
