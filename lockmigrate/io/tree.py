"""Where lockmigrate keeps what it needs to write a tree safely: a lock and, while a commit is
under way, its journal.

In a git work tree both live in the git folder, ``.git/lockmigrate/`` (a worktree's or
submodule's own git folder when ``.git`` is a file): git never shows nor commits what is
there, and it lives as long as the clone. Outside git they live in a ``.lockmigrate/`` folder
at the folder holding every written file, with a ``.gitignore`` of ``*`` so that a later
``git init`` does not pick it up either.

Finding an interrupted commit costs one ``stat`` per folder above the paths a command was
given (two below the work tree's top level); nothing is read but a worktree's ``.git`` file
unless a journal is there.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "FALLBACK_FOLDER",
    "JOURNAL",
    "LOCK",
    "TreeState",
    "git_folder",
    "interrupted",
    "state_for_writing",
]

#: The files a tree's state folder holds.
JOURNAL = "journal.json"
LOCK = "lock"
#: The state folder inside a git folder, and outside git.
GIT_STATE_FOLDER = "lockmigrate"
FALLBACK_FOLDER = ".lockmigrate"


@dataclass(frozen=True, slots=True)
class TreeState:
    """The state of one tree: ``root``, which the journal's paths are relative to, and the
    ``folder`` holding its lock and journal."""

    root: Path
    folder: Path

    @property
    def journal(self) -> Path:
        return self.folder / JOURNAL

    @property
    def lock(self) -> Path:
        return self.folder / LOCK

    @property
    def in_git(self) -> bool:
        """Whether the folder is inside a git folder (else it needs its own ``.gitignore``)."""
        return self.folder.name == GIT_STATE_FOLDER


def git_folder(level: Path) -> Path | None:
    """The git folder of the work tree whose top level is ``level``, or ``None`` when
    ``level`` holds no ``.git``. One ``stat``; a ``.git`` file (``gitdir: PATH``, as a
    worktree or a submodule has) is read as well."""
    found = _git_folder(str(level))
    return None if found is None else Path(found)


def _git_folder(level: str) -> str | None:
    dot_git = os.path.join(level, ".git")  # noqa: PTH118 - strings: every command runs this
    try:
        if stat.S_ISDIR(os.stat(dot_git).st_mode):  # noqa: PTH116
            return dot_git
        with open(dot_git, encoding="utf-8", errors="replace") as handle:  # noqa: PTH123
            first = handle.readline()
    except OSError:
        return None
    if not first.startswith("gitdir:"):
        return None
    folder = os.path.join(level, first.removeprefix("gitdir:").strip())  # noqa: PTH118
    return folder if os.path.isdir(folder) else None  # noqa: PTH112


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # noqa: PTH100 - normalised, links left as they are


def state_for_writing(paths: Iterable[Path]) -> TreeState:
    """Where the lock and journal of a commit writing ``paths`` (absolute) go: the git work
    tree holding the folder common to all of them, else that folder itself."""
    folders = sorted({str(path.parent) for path in paths})
    try:
        common = Path(os.path.commonpath(folders))
    except ValueError:  # Windows: files on several drives
        common = Path(folders[0])
    while not common.exists() and common.parent != common:  # new folders are not made yet
        common = common.parent
    for level in (common, *common.parents):
        git = git_folder(level)
        if git is not None:
            return TreeState(root=level, folder=git / GIT_STATE_FOLDER)
    return TreeState(root=common, folder=common / FALLBACK_FOLDER)


def interrupted(paths: Iterable[Path]) -> list[TreeState]:
    """The trees holding ``paths`` (or above them) whose journal says a commit was
    interrupted. Looks in every folder from each path up to the file system's root: its
    ``.lockmigrate/``, and the git folder of the nearest work tree. Plain strings and
    ``os.stat``: every command runs this, and usually finds nothing."""
    found: dict[str, TreeState] = {}
    for path in paths:
        level = os.path.abspath(path)  # noqa: PTH100
        in_git = False
        while True:
            journal = os.path.join(level, FALLBACK_FOLDER, JOURNAL)  # noqa: PTH118
            if os.path.exists(journal):  # noqa: PTH110
                found.setdefault(journal, TreeState(Path(level), Path(level, FALLBACK_FOLDER)))
            if not in_git:
                git = _git_folder(level)
                if git is not None:
                    in_git = True
                    journal = os.path.join(git, GIT_STATE_FOLDER, JOURNAL)  # noqa: PTH118
                    if os.path.exists(journal):  # noqa: PTH110
                        state = TreeState(Path(level), Path(git, GIT_STATE_FOLDER))
                        found.setdefault(journal, state)
            parent = os.path.dirname(level)  # noqa: PTH120
            if parent == level:
                break
            level = parent
    return list(found.values())
