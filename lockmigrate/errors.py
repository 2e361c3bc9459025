"""The exceptions lockmigrate raises and the exit codes they map to.

Every exception subclasses :class:`LockmigrateError` *and* a builtin, so callers can catch
either (``except ValueError`` keeps working for bad input). The CLI maps each class to an
:class:`ExitCode` and prints ``str(error)``; no traceback reaches the user.
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # keeps `lockmigrate --version` and `--help` from importing the model
    from collections.abc import Sequence

    from lockmigrate.model.requirements import Origin

__all__ = [
    "ExitCode",
    "ExternalToolError",
    "FindingsError",
    "InputError",
    "InputErrors",
    "LockmigrateError",
    "PartialError",
    "UsageError",
    "raise_all",
]


class ExitCode(enum.IntEnum):
    """Process exit codes; documented in the README and ``docs/reference/exit-codes.md``."""

    OK = 0
    FINDINGS = 1  # --strict with warnings, or a check/diff gate that failed
    BAD_INPUT = 2  # malformed files, bad usage
    EXTERNAL = 3  # pip-compile, Poetry or a package index failed
    PARTIAL = 4  # --keep-going: what resolved was written, the files that failed were not
    INTERNAL = 70  # a bug in lockmigrate (EX_SOFTWARE): never 1, which CI reads as findings
    INTERRUPTED = 130  # Ctrl-C: nothing was written


class LockmigrateError(Exception):
    """Base of every error lockmigrate raises on purpose."""

    exit_code: ExitCode = ExitCode.BAD_INPUT


class InputError(LockmigrateError, ValueError):
    """A file lockmigrate was asked to read is malformed or unreadable.

    ``str()`` gives ``path:line: message`` followed by the offending text, indented.
    """

    exit_code = ExitCode.BAD_INPUT

    def __init__(
        self, message: str, *, origin: Origin | None = None, text: str | None = None
    ) -> None:
        self.message = message
        self.origin = origin
        self.text = text
        super().__init__(self._render())

    def _render(self) -> str:
        from lockmigrate.redact import redact_text

        where = f"{self.origin}: " if self.origin is not None else ""
        rendered = f"{where}{redact_text(self.message)}"
        if self.text is not None and self.text.strip():
            # the offending line is shown as written, except for its credentials
            rendered += f"\n    {redact_text(self.text.strip())}"
        return rendered

    @property
    def problems(self) -> tuple[InputError, ...]:
        """Each thing wrong, one per bad line: this error alone, or those an
        :class:`InputErrors` holds."""
        return (self,)


class InputErrors(InputError):
    """Several bad lines (in one file or in several), each an :class:`InputError`, in the
    order pip would meet them. Its ``origin``, ``message`` and ``text`` are the first's;
    ``str()`` gives them all, one after the other."""

    def __init__(self, errors: Sequence[InputError]) -> None:
        problems = tuple(problem for error in errors for problem in error.problems)
        if not problems:
            raise ValueError("InputErrors needs at least one error")
        self.errors = problems
        first = problems[0]
        self.message, self.origin, self.text = first.message, first.origin, first.text
        Exception.__init__(self, "\n".join(str(problem) for problem in problems))

    @property
    def problems(self) -> tuple[InputError, ...]:
        return self.errors


def raise_all(errors: Sequence[InputError]) -> None:
    """Raise ``errors`` (without repeats) as one exception, if there are any: the error
    itself when there is one, else an :class:`InputErrors`."""
    unique = list(
        {str(problem): problem for error in errors for problem in error.problems}.values()
    )
    if len(unique) == 1:
        raise unique[0]
    if unique:
        raise InputErrors(unique)


class UsageError(LockmigrateError, ValueError):
    """The command line asked for something that cannot be done."""

    exit_code = ExitCode.BAD_INPUT


class ExternalToolError(LockmigrateError, RuntimeError):
    """pip-compile, uv, Poetry or a package index failed; the message carries its own words."""

    exit_code = ExitCode.EXTERNAL


class PartialError(LockmigrateError, RuntimeError):
    """``--keep-going`` wrote what it could; some files failed and were left as they were."""

    exit_code = ExitCode.PARTIAL


class FindingsError(LockmigrateError, RuntimeError):
    """Warnings were found and ``--strict`` turns them into a failure."""

    exit_code = ExitCode.FINDINGS
