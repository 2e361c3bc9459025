"""The only package that writes files: a plan applied all or nothing, even across crashes.

:func:`apply` writes every new content to a temporary file beside its target
(``.NAME.lockmigrate-ID.tmp``, so ``os.replace`` is atomic) and flushes it, keeps each
original as a backup beside it (``.NAME.lockmigrate-ID.orig``, a hard link), and only then
moves the new files into place. A journal, written and flushed before the first temporary
file and again at the commit point, lets any later run finish or undo a commit that a crash
(SIGKILL, power loss) stopped half way: :func:`recover_interrupted`, which every command runs
first at the cost of a few ``stat`` calls. One run writes a tree at a time (a lock); a
second waits. Files changed on disk since the plan was made stop the commit, under the lock,
before anything is written.

Modules: :mod:`~lockmigrate.io.commit` (the commit and its recovery),
:mod:`~lockmigrate.io.journal` (the journal's format), :mod:`~lockmigrate.io.tree` (where a
tree's lock and journal live), :mod:`~lockmigrate.io.checkpoints` (interrupts, and the
test-only crash hooks). This module imports none of them until it is called, so commands
that only read pay nothing but the ``stat`` calls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.errors import LockmigrateError

if TYPE_CHECKING:
    from lockmigrate.plan import FileChange, Plan

__all__ = ["ApplyError", "apply", "recover_interrupted", "revert"]


class ApplyError(LockmigrateError, OSError):
    """Writing the plan failed; every file was left (or put back) as it was."""


def apply(plan: Plan, *, report: Callable[[str], None] | None = None) -> tuple[FileChange, ...]:
    """Write every effective change of ``plan``, all or nothing; returns the changes
    written. A symbolic link stays a link: the file it points to is written.

    Raises :class:`ApplyError` (nothing changed) when a file was modified since the plan
    was made, cannot be written, or another run held the tree's lock too long.
    ``report`` hears the lines meant for people (waiting for the lock, an interrupted
    earlier run settled); by default they go to standard error.
    """
    from lockmigrate.io import commit

    return commit.apply(plan, report=report)


def revert(written: Sequence[FileChange], *, report: Callable[[str], None] | None = None) -> None:
    """Put back the files of an applied plan (when a step after the write failed), all or
    nothing as :func:`apply` writes. Raises :class:`ApplyError` when one was changed since."""
    from lockmigrate.io import commit

    commit.revert(written, report=report)


def recover_interrupted(
    paths: Iterable[Path], *, report: Callable[[str], None] | None = None
) -> None:
    """Complete or undo a commit that an earlier run left half done in the tree holding
    ``paths`` (a git work tree, or the folder of a ``.lockmigrate/`` above them), and say
    which on ``report`` (standard error by default). Costs a few ``stat`` calls when there
    is none. Raises :class:`ApplyError` when it cannot be settled (a file changed since)."""
    from lockmigrate.io.tree import interrupted

    found = interrupted(paths)
    if found:
        from lockmigrate.io import commit

        for state in found:
            commit.recover_locked(state, report=report)
