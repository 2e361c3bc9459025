"""A plan written all or nothing, across crashes: the commit, and the recovery of one that a
crash left half done.

A commit, under the tree's lock:

1. a journal saying "staging", listing every target with its temporary file and backup
   (written and flushed, with its folder, before anything else);
2. each new content written to a temporary file beside its target and flushed; each file
   that exists gets a backup beside it (a hard link, else a copy); their folders flushed;
3. the journal rewritten to say "committing" (the commit point);
4. each temporary file renamed over its target (or the target removed); folders flushed;
5. the backups removed, then the journal.

Whatever happens, a later run finds the journal and settles the commit (:func:`settle`): a
commit that reached the commit point is completed, one that did not is undone. Both are
idempotent: a crash during recovery is recovered by the next run. Before acting, recovery
checks that each target still holds what the journal says it held (its content before or
after); if someone changed one since, it changes nothing and says so.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePath
from typing import Literal

from lockmigrate.io import ApplyError
from lockmigrate.io.checkpoints import Checkpoints
from lockmigrate.io.journal import (
    OWN_FILE,
    Entry,
    Journal,
    JournalError,
    State,
    backup_name,
    fingerprint,
    new_id,
    temp_name,
)
from lockmigrate.io.tree import TreeState, state_for_writing
from lockmigrate.plan import FileChange, Plan

__all__ = ["LOCK_TIMEOUT", "Report", "apply", "recover", "recover_locked", "revert", "settle"]

#: Seconds a run waits for another run writing in the same tree before it gives up. A
#: commit holds the lock for milliseconds; only a stopped process holds it this long.
LOCK_TIMEOUT = 30.0

#: Where messages for people go: one line each, without the ``lockmigrate:`` prefix.
Report = Callable[[str], None]

#: The codes of the lines recovery prints (documented in docs/reference/diagnostics.md).
COMPLETED = "interrupted-write-completed"
UNDONE = "interrupted-write-undone"
STRAY = "stray-temp-removed"
CODES = (COMPLETED, UNDONE, STRAY)

_CREATE_FLAGS = (
    os.O_WRONLY
    | os.O_CREAT
    | os.O_EXCL
    | getattr(os, "O_CLOEXEC", 0)
    | getattr(os, "O_NOFOLLOW", 0)
    | getattr(os, "O_BINARY", 0)
)
#: A flush quicker than this (seconds) waited for no disk: the others go one by one.
_QUICK_FLUSH = 0.0005
#: A temporary file of lockmigrate before this journal existed: ``.NAME.XXXXXXXX.tmp``
#: (``tempfile.mkstemp``), removed when lockmigrate writes NAME again.
_OLD_TEMP = r"\.[a-z0-9_]{8}\.tmp"


def _to_stderr(line: str) -> None:
    sys.stderr.write(f"lockmigrate: {line}\n")
    sys.stderr.flush()


def _absolute(path: Path) -> Path:
    return Path(os.path.abspath(path))  # noqa: PTH100 - normalised, links left as they are


def _shown(path: Path) -> str:
    """``path`` as messages show it: relative to the current folder when below it."""
    try:
        relative = os.path.relpath(path)
    except ValueError:  # Windows: another drive
        return str(path)
    return str(path) if relative.startswith("..") else relative


def _place(folder: Path) -> str:
    """A folder as messages show it: relative to the current folder when below it, else
    (and when it is the current folder) in full."""
    shown = _shown(folder)
    return str(folder) if shown == "." else shown


class _Physical:
    """Where files really are, every symbolic link of their folders followed (the final
    name is not followed: a link is where it is). Folders are resolved once each."""

    def __init__(self, root: Path) -> None:
        self._folders: dict[str, str] = {}
        self.root = self.folder(str(root))

    def folder(self, folder: str) -> str:
        real = self._folders.get(folder)
        if real is None:
            real = self._folders[folder] = os.path.realpath(folder)
        return real

    def of(self, path: Path) -> str:
        return os.path.join(self.folder(str(path.parent)), path.name)  # noqa: PTH118 - str

    def inside(self, real: str) -> bool:
        """Whether ``real`` (from :meth:`of`) is in the tree."""
        return real == self.root or real.startswith(self.root.rstrip(os.sep) + os.sep)


# -- the file system, flushed -------------------------------------------------------------


def _open_folder(folder: Path) -> int | None:
    """A descriptor to flush ``folder``'s names with (POSIX; Windows has no handle on a
    folder, and journals its metadata itself)."""
    if os.name != "posix":
        return None
    return os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))


def _fsync(descriptor: int) -> None:
    try:
        os.fsync(descriptor)
    except OSError as error:  # some file systems cannot flush a folder, and need not
        if error.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise


def _flush(descriptors: Sequence[int]) -> None:
    """Flush every descriptor to disk. Where a flush waits for a disk, the rest go in
    parallel threads: file systems commit flushes that wait together at once (ext4, XFS and
    APFS group them), so fifty files and their folders cost about what two do one after the
    other. Where the first is quick (tmpfs, a disk cache that lies), threads would only add
    their own cost."""
    if not descriptors:
        return
    started = time.perf_counter()
    _fsync(descriptors[0])
    rest = descriptors[1:]
    if len(rest) < 2 or time.perf_counter() - started < _QUICK_FLUSH:
        for descriptor in rest:
            _fsync(descriptor)
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(16, len(rest))) as pool:
        for _ in pool.map(_fsync, rest):
            pass


class _Opened:
    """Descriptors of files written and folders changed, flushed together, then closed."""

    def __init__(self) -> None:
        self.descriptors: list[int] = []

    def folders(self, folders: Iterable[Path]) -> _Opened:
        for folder in sorted(set(folders)):
            descriptor = _open_folder(folder)
            if descriptor is not None:
                self.descriptors.append(descriptor)
        return self

    def flush(self) -> None:
        _flush(self.descriptors)

    def close(self) -> None:
        while self.descriptors:
            os.close(self.descriptors.pop())


def _create(
    path: Path, content: bytes, *, mode: int | None, checkpoint: Checkpoints | None = None
) -> int:
    """Write ``content`` to a new file ``path``; returns its open descriptor, not flushed
    yet. ``mode`` None: the umask's default for a new file. ``checkpoint`` is passed once
    the file exists, empty."""
    descriptor = os.open(path, _CREATE_FLAGS, 0o666 if mode is None else 0o600)
    try:
        if checkpoint is not None:
            checkpoint(path)
        view = memoryview(content)
        while view:
            view = view[os.write(descriptor, view) :]
        if mode is not None:
            if hasattr(os, "fchmod"):
                os.fchmod(descriptor, mode)
            else:  # Windows
                path.chmod(mode)
    except BaseException as error:
        os.close(descriptor)
        if isinstance(error, OSError) and error.filename is None:  # os.write names no file
            raise OSError(error.errno, error.strerror, str(path)) from None
        raise
    return descriptor


def _write_new(path: Path, content: bytes) -> None:
    """Write and flush a new file (the journal)."""
    descriptor = _create(path, content, mode=None)
    try:
        _fsync(descriptor)
    finally:
        os.close(descriptor)


def _flush_folders(folders: Iterable[Path]) -> None:
    opened = _Opened().folders(folders)
    try:
        opened.flush()
    finally:
        opened.close()


def _write_journal(state: TreeState, journal: Journal, *, first: bool) -> None:
    """The journal, durably: the first one written in place (a torn first journal means
    nothing was staged yet), every later one renamed over it whole."""
    if first:
        _write_new(state.journal, journal.to_json())
    else:
        scratch = state.journal.with_name(state.journal.name + ".tmp")
        scratch.unlink(missing_ok=True)
        _write_new(scratch, journal.to_json())
        scratch.replace(state.journal)
    _flush_folders([state.folder])


@contextlib.contextmanager
def _locked(state: TreeState, report: Report) -> Iterator[None]:
    """Hold the tree's lock: one writer at a time. A second run waits (it says so) up to
    :data:`LOCK_TIMEOUT` seconds, then stops with :class:`ApplyError`."""
    from filelock import FileLock, Timeout

    lock = FileLock(str(state.lock))
    try:
        state.folder.mkdir(parents=True, exist_ok=True)
        if not state.in_git:
            _ignore_folder(state.folder)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            report(
                f"waiting for another lockmigrate run to finish writing in "
                f"{_place(state.root)} (up to {LOCK_TIMEOUT:.0f} s)"
            )
            lock.acquire(timeout=LOCK_TIMEOUT, poll_interval=0.05)
    except Timeout:  # an OSError too: first
        raise ApplyError(
            f"another lockmigrate run has been writing in {_place(state.root)} for "
            f"{LOCK_TIMEOUT:.0f} s (it holds {_shown(state.lock)}); nothing was written, "
            "run again once it has finished"
        ) from None
    except OSError as error:
        raise ApplyError(
            f"cannot write {_shown(state.lock)}: {error.strerror or error}; nothing was changed"
        ) from None
    try:
        yield
    finally:
        lock.release()


_IGNORE_ALL = b"# lockmigrate's lock and journal: never commit them\n*\n"


def _ignore_folder(folder: Path) -> None:
    """A ``.gitignore`` in ``folder`` that ignores the folder itself, whole (a torn one is
    written again: it is what keeps the journal out of a later ``git add -A``)."""
    ignore = folder / ".gitignore"
    try:
        if ignore.read_bytes() == _IGNORE_ALL:
            return
    except FileNotFoundError:
        pass
    scratch = folder / ".gitignore.tmp"
    scratch.write_bytes(_IGNORE_ALL)
    scratch.replace(ignore)


# -- applying a plan ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Target:
    """A change and the file it touches: the file a symbolic link points to when new
    content is written through the link (the link stays a link), else the path itself."""

    change: FileChange
    file: Path


def _follow(path: Path, display: str) -> Path:
    """The file that writing to ``path`` changes: a final symbolic link followed."""
    file = path
    for _ in range(40):
        if not file.is_symlink():
            return file
        file = _absolute(file.parent / file.readlink())
    raise ApplyError(f"{display} is a loop of symbolic links; nothing was written")


def _check_folders(file: Path, display: str) -> None:
    """Raise :class:`ApplyError` when a folder ``file`` needs is a file (``.github`` a file,
    ``.github/dependabot.yml`` to be written): no write could make it."""
    shown = [str(folder) for folder in PurePath(display).parents]
    for depth, folder in enumerate(file.parents):
        if folder.is_dir():
            return
        if folder.exists() or folder.is_symlink():
            name = shown[depth] if depth < len(shown) and shown[depth] != "." else str(folder)
            raise ApplyError(f"{display}: {name} is a file, not a folder; nothing was written")


def _targets(changes: Sequence[FileChange]) -> tuple[list[_Target], TreeState]:
    """The files the changes touch, and the tree they are in.
    Raises :class:`ApplyError` for a folder in the way (or a file where a folder must be), a
    file named twice, or a file outside the tree."""
    files: list[tuple[FileChange, Path, bool]] = []
    for change in changes:
        path = _absolute(change.path)
        file = path if change.after is None else _follow(path, change.display)
        if file.is_dir():
            raise ApplyError(f"{change.display} is a directory; nothing was written")
        if change.after is not None:
            _check_folders(file, change.display)
        files.append((change, file, file != path))
    state = state_for_writing(file for _, file, _ in files)
    physical = _Physical(state.root)
    targets: list[_Target] = []
    seen: dict[str, FileChange] = {}
    for change, file, through_link in files:
        real = physical.of(file)
        if not physical.inside(real):
            raise ApplyError(
                f"{change.display} leads out of {_place(state.root)} through a symbolic "
                "link; lockmigrate writes only inside one tree, nothing was written"
            )
        if through_link and real != os.path.realpath(change.path):
            raise ApplyError(
                f"{change.display} is a symbolic link whose '..' leads through another "
                "link; lockmigrate cannot follow it safely, nothing was written"
            )
        other = seen.setdefault(real, change)
        if other is not change:
            raise ApplyError(
                f"{other.display} and {change.display} are the same file; nothing was written"
            )
        targets.append(_Target(change, file))
    return targets, state


def _holds(path: Path, content: bytes | None) -> bool:
    """Whether ``path`` holds ``content`` (``None``: there is no file)."""
    try:
        return path.read_bytes() == content
    except FileNotFoundError:
        return content is None
    except OSError:  # a folder now, or unreadable: not what the plan was made from
        return False


def _check_unchanged(plan: Plan, targets: Sequence[_Target]) -> None:
    """Under the lock, right before the commit: every file the plan was made from, and
    every target, still holds what it held when the plan was made."""
    expected = [(t.change.path, t.change.display, t.change.before) for t in targets]
    expected += [(path, _shown(path), content) for path, content in plan.made_from]
    for path, shown, content in expected:
        if not _holds(path, content):
            raise ApplyError(
                f"{shown} changed on disk while lockmigrate was working; "
                "nothing was written, run again"
            )


def _sweep(targets: Sequence[_Target], commit: str, report: Report) -> None:
    """Remove the temporary files an interrupted lockmigrate left beside the files about to
    be written, whose journal is gone: lockmigrate's own names only (``.NAME.lockmigrate-
    ID.tmp``, and an older lockmigrate's ``.NAME.XXXXXXXX.tmp`` beside a NAME it writes).
    Backups (``.orig``) are never removed without their journal."""
    by_folder: dict[Path, set[str]] = {}
    for target in targets:
        by_folder.setdefault(target.file.parent, set()).add(target.file.name)
    for folder, names in by_folder.items():
        old = re.compile(
            "|".join(rf"\.{re.escape(name)}{_OLD_TEMP}" for name in sorted(names)) + r"\Z"
        )
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # a folder the commit creates
        for entry in entries:
            own = OWN_FILE.match(entry.name)
            stray = (own is not None and own["kind"] == "tmp" and own["id"] != commit) or (
                old.match(entry.name) is not None
            )
            if stray and entry.is_file(follow_symlinks=False):
                path = folder / entry.name
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()
                    report(
                        f"removed {_shown(path)}, a temporary file an interrupted run left "
                        f"[{STRAY}]"
                    )


def _missing_folders(targets: Sequence[_Target]) -> list[Path]:
    """The folders a commit creates for its new files, parents first."""
    missing: set[Path] = set()
    for target in targets:
        folder = target.file.parent
        while not folder.exists() and folder not in missing:
            missing.add(folder)
            folder = folder.parent
    return sorted(missing, key=lambda folder: len(folder.parts))


def _relative(path: Path, root: Path) -> str:
    """``path`` below ``root`` (both absolute and normalised), written with ``/``."""
    text, top = str(path), str(root).rstrip(os.sep) + os.sep
    rest = text[len(top) :] if text.startswith(top) else os.path.relpath(text, root)
    return rest.replace(os.sep, "/")


def apply(plan: Plan, *, report: Report | None = None) -> tuple[FileChange, ...]:
    """Write every effective change of ``plan``, all or nothing; returns the changes
    written. See :mod:`lockmigrate.io`."""
    changes = plan.effective
    if not changes:
        return ()
    say = report or _to_stderr
    targets, state = _targets(changes)
    with _locked(state, say):
        checkpoint = Checkpoints("step")
        with checkpoint.holding_interrupts():
            recover(state, report=say)
            _check_unchanged(plan, targets)
            commit = new_id()
            _sweep(targets, commit, say)
            _commit(state, targets, commit, checkpoint)
        if checkpoint.held:
            say("interrupted while the files were being written: they were written")
    return changes


def _commit(
    state: TreeState, targets: Sequence[_Target], commit: str, checkpoint: Checkpoints
) -> None:
    folders = _missing_folders(targets)
    journal = Journal(
        id=commit,
        state=State.STAGING,
        pid=os.getpid(),
        entries=tuple(
            Entry(
                path=_relative(target.file, state.root),
                before=fingerprint(target.change.before),
                after=fingerprint(target.change.after),
                temp=None if target.change.after is None else temp_name(target.file.name, commit),
                backup=None
                if target.change.before is None
                else backup_name(target.file.name, commit),
            )
            for target in targets
        ),
        folders=tuple(_relative(folder, state.root) for folder in folders),
    )
    doing = f"the journal {_shown(state.journal)}"
    try:
        _write_journal(state, journal, first=True)
    except FileExistsError as error:  # another user's journal, which recovery left alone
        raise _failed(doing, error) from None
    except OSError as error:
        state.journal.unlink(missing_ok=True)  # no staging began: nothing else to undo
        raise _failed(doing, error) from None
    touched = {target.file.parent for target in targets} | {f.parent for f in folders}
    try:
        checkpoint()
        opened = _Opened()
        try:
            for folder in folders:
                doing = _shown(folder)
                folder.mkdir()
                checkpoint(folder)
            for target, entry in zip(targets, journal.entries, strict=True):
                doing = target.change.display
                _stage(target, entry, checkpoint, opened.descriptors)
            doing = "the new files"
            opened.folders(touched).flush()
        finally:
            opened.close()
        checkpoint()
        doing = f"the journal {_shown(state.journal)}"
        journal = journal.with_state(State.COMMITTING)
        _write_journal(state, journal, first=False)
        checkpoint.interruptible = False  # the commit point: from here on it is completed
        checkpoint()
        for target, entry in zip(targets, journal.entries, strict=True):
            doing = target.change.display
            if entry.temp is None:
                target.file.unlink()
            else:
                (target.file.parent / entry.temp).replace(target.file)
            checkpoint(target.file)
    except BaseException as error:
        _undo(state, journal, error, doing)
        raise  # a KeyboardInterrupt (an OSError became an ApplyError in _undo)
    with contextlib.suppress(OSError):  # done: what is left is tidying, which a later run redoes
        _flush_folders(touched)  # the new names are durable before the backups go
        checkpoint()
        for target, entry in zip(targets, journal.entries, strict=True):
            if entry.backup is not None:
                (target.file.parent / entry.backup).unlink(missing_ok=True)
                checkpoint()
        state.journal.unlink()
        checkpoint()


def _stage(target: _Target, entry: Entry, checkpoint: Checkpoints, written: list[int]) -> None:
    """The new content beside the target, and the original's backup; the descriptors of
    what was written go to ``written``, to be flushed (and closed)."""
    change, file = target.change, target.file
    mode = None
    if change.before is not None:
        mode = stat.S_IMODE(file.stat().st_mode)
    if entry.temp is not None and change.after is not None:
        written.append(
            _create(file.parent / entry.temp, change.after, mode=mode, checkpoint=checkpoint)
        )
        checkpoint(file)
    if entry.backup is not None and change.before is not None:
        backup = file.parent / entry.backup
        if file.is_symlink():  # a link being deleted: its backup is a link to the same file
            backup.symlink_to(file.readlink())
        else:
            try:
                backup.hardlink_to(file)
            except OSError:  # no hard links here (FAT, some network shares): a copy
                written.append(_create(backup, change.before, mode=mode))
        checkpoint(backup)


def _failed(doing: str, error: OSError) -> ApplyError:
    return ApplyError(f"cannot write {doing}: {error.strerror or error}; nothing was changed")


def _undo(state: TreeState, journal: Journal, error: BaseException, doing: str) -> None:
    """Put everything back after ``error`` stopped a commit in this process; raises
    :class:`ApplyError` for an OS error. If putting back fails too, the journal stays and
    the next run finishes the job."""
    try:
        if journal.state is State.COMMITTING:
            with contextlib.suppress(OSError):  # a full disk: recovery decides by the files
                journal = journal.with_state(State.ROLLING_BACK)
                _write_journal(state, journal, first=False)
        settle(state, journal, Checkpoints("undo"), undo_only=True)
    except (OSError, ApplyError) as second:
        reason = error.strerror if isinstance(error, OSError) else "interrupted"
        raise ApplyError(
            f"cannot write {doing}: {reason}; putting the files back failed too ({second}): "
            f"the next lockmigrate run in {_place(state.root)} puts them back"
        ) from None
    if isinstance(error, OSError):
        raise _failed(doing, error) from None


def revert(written: Sequence[FileChange], *, report: Report | None = None) -> None:
    """Put back the files of an applied plan (when a step after the write failed), as one
    commit of its own. Raises :class:`ApplyError` (and puts back nothing) when one of them
    was changed since."""
    apply(
        Plan(
            tuple(
                dataclasses.replace(change, before=change.after, after=change.before)
                for change in reversed(written)
            )
        ),
        report=report,
    )


# -- settling an interrupted commit -------------------------------------------------------


def recover(state: TreeState, *, report: Report | None = None) -> None:
    """Complete or undo the commit whose journal is in ``state``, if there is one; the
    caller holds the lock. Says which on ``report``. Raises :class:`ApplyError` when the
    journal cannot be read or its files were changed since."""
    say = report or _to_stderr
    try:
        if os.name == "posix" and state.journal.stat().st_uid != os.geteuid():
            say(
                f"{_shown(state.journal)}, the journal of an interrupted run, belongs to "
                "another user: left alone; that user's next lockmigrate run settles it"
            )
            return
        text = state.journal.read_bytes()
    except FileNotFoundError:
        return
    except OSError as error:
        raise ApplyError(
            f"cannot read {_shown(state.journal)}: {error.strerror or error}"
        ) from None
    try:
        journal = Journal.from_json(text, _shown(state.journal))
    except JournalError as error:
        if not text.strip() or not text.rstrip().endswith(b"}"):
            # torn while the first journal was written: staging had not begun
            state.journal.unlink(missing_ok=True)
            say(
                f"an earlier run was interrupted in {_place(state.root)} before it changed "
                f"anything; removed its unfinished journal [{UNDONE}]"
            )
            return
        raise ApplyError(
            f"{error}; lockmigrate cannot tell what the interrupted run it belongs to did. "
            f"Check the files named in it, then delete it"
        ) from None
    outcome = settle(state, journal, Checkpoints("recover"))
    say(outcome)


def recover_locked(state: TreeState, *, report: Report | None = None) -> None:
    """:func:`recover` under the tree's lock (another run may be writing right now: its
    journal is then gone when the lock is ours). An interrupt arriving meanwhile stops the
    command once the recovery is done."""
    say = report or _to_stderr
    with _locked(state, say):
        checkpoint = Checkpoints("recover")
        with checkpoint.holding_interrupts():
            recover(state, report=say)
    if checkpoint.held:
        raise KeyboardInterrupt


def _state_of(file: Path, entry: Entry) -> Literal["before", "after", "other"]:
    """``before``, ``after``, or ``other``: what ``file`` holds, by the journal."""
    try:
        content = file.read_bytes()
    except FileNotFoundError:
        content = None
    except OSError:
        return "other"
    digest = fingerprint(content)
    if digest == entry.before:
        return "before"
    return "after" if digest == entry.after else "other"


def settle(
    state: TreeState,
    journal: Journal,
    checkpoint: Checkpoints,
    *,
    undo_only: bool = False,
) -> str:
    """Complete the commit of ``journal`` if it reached "committing", else undo it; then
    remove the journal. Returns what was done, for people.

    What each target holds now decides whether either is possible: a file still as it was
    before needs its temporary file to be completed, one already replaced needs its backup
    to be undone. When the wanted one is not possible the other is done (a crash while an
    earlier failure was being undone); ``undo_only`` never completes. Raises
    :class:`ApplyError`, changing nothing, when neither is possible (someone changed a
    target since) or a path leads out of the tree."""
    root = state.root
    _refuse_outside(state, journal)
    files = [
        _Settled(file=root / entry.path, entry=entry, now=_state_of(root / entry.path, entry))
        for entry in journal.entries
    ]
    complete = _decide(files, journal, undo_only=undo_only)
    if complete is None:
        raise ApplyError(_unsettleable(state, journal, files))
    done = _complete(files, checkpoint) if complete else _undo_files(files, checkpoint)
    if not complete:
        for created in reversed(journal.folders):
            with contextlib.suppress(OSError):  # not empty: someone put a file there
                (root / created).rmdir()
                checkpoint()
    _flush_folders(f.file.parent for f in files if f.file.parent.exists())
    state.journal.with_name(state.journal.name + ".tmp").unlink(missing_ok=True)
    state.journal.unlink()
    checkpoint()
    return _outcome(state, journal, complete=complete, done=done)


def _refuse_outside(state: TreeState, journal: Journal) -> None:
    """Refuse a journal that names a path leading out of the tree (a symlink, ``..``)."""
    physical = _Physical(state.root)
    for relative in (*(entry.path for entry in journal.entries), *journal.folders):
        if not physical.inside(physical.of(state.root / relative)):
            raise ApplyError(
                f"{_shown(state.journal)} names {relative}, which leads out of "
                f"{_place(state.root)}; lockmigrate left it alone: check it, then delete it"
            )


def _decide(files: Sequence[_Settled], journal: Journal, *, undo_only: bool) -> bool | None:
    """``True`` to complete the commit, ``False`` to undo it, ``None`` when neither is
    possible."""
    can_complete = all(
        f.now == "after" or (f.now == "before" and f.has(f.entry.temp, or_none=True)) for f in files
    )
    can_undo = all(
        f.now == "before"
        or (f.now == "after" and f.has(f.entry.backup, or_none=True))
        or (f.now == "other" and journal.state is State.STAGING)  # untouched by the commit
        for f in files
    )
    if undo_only:
        complete = False
    elif journal.state is State.COMMITTING:
        complete = can_complete
    else:
        complete = can_complete and not can_undo
    if not complete and not can_undo:
        return None
    return complete


def _unsettleable(state: TreeState, journal: Journal, files: Sequence[_Settled]) -> str:
    """Why an interrupted commit can be neither completed nor undone, and what to do."""
    changed = [f for f in files if f.now == "other"]
    if changed:
        what = f"{_shown(changed[0].file)} was changed since"
    else:  # both contents are there, but the files to go back or forward are not
        gone = next(f for f in files if f.now == "after" and not f.has(f.entry.backup))
        what = f"the backup of {_shown(gone.file)} was removed since"
    return (
        f"an earlier run was interrupted while writing files in {_place(state.root)}, and "
        f"{what}: lockmigrate cannot tell which content to "
        f"keep and changed nothing. The originals are the .NAME.lockmigrate-{journal.id}"
        f".orig files beside the files {_shown(state.journal)} names, the new contents "
        "the .tmp ones; put each file as you want it, then delete those files and the "
        "journal"
    )


@dataclass(frozen=True, slots=True)
class _Settled:
    """One target of a commit being settled, and what it holds now (by the journal)."""

    file: Path
    entry: Entry
    now: Literal["before", "after", "other"]

    def has(self, name: str | None, *, or_none: bool = False) -> bool:
        """Whether the file ``name`` (a temporary file or backup) is beside the target."""
        return or_none if name is None else (self.file.parent / name).exists()

    def remove_own_files(self, checkpoint: Checkpoints) -> None:
        for name in (self.entry.temp, self.entry.backup):
            if name is not None and self.has(name):
                (self.file.parent / name).unlink()
                checkpoint(self.file)


def _complete(files: Sequence[_Settled], checkpoint: Checkpoints) -> list[str]:
    done: list[str] = []
    for f in files:
        if f.now != "before":
            continue
        if f.entry.temp is not None:
            (f.file.parent / f.entry.temp).replace(f.file)
            done.append(f"{'updated' if f.entry.before else 'created'} {_shown(f.file)}")
        else:
            f.file.unlink(missing_ok=True)
            done.append(f"deleted {_shown(f.file)}")
        checkpoint(f.file)
    _flush_folders(
        f.file.parent for f in files
    )  # the new files are durable before their backups go
    for f in files:
        f.remove_own_files(checkpoint)
    return done


def _undo_files(files: Sequence[_Settled], checkpoint: Checkpoints) -> list[str]:
    done: list[str] = []
    for f in reversed(files):
        if f.now == "after" and f.entry.backup is not None:
            (f.file.parent / f.entry.backup).replace(f.file)
            done.append(f"restored {_shown(f.file)}")
            checkpoint(f.file)
        elif f.now == "after":
            f.file.unlink(missing_ok=True)
            done.append(f"removed {_shown(f.file)}")
            checkpoint(f.file)
        f.remove_own_files(checkpoint)
    return done


def _outcome(state: TreeState, journal: Journal, *, complete: bool, done: list[str]) -> str:
    where = f"an earlier lockmigrate run was interrupted while writing {len(journal.entries)}"
    where += f" file(s) in {_place(state.root)}"
    if complete:
        summary = f"{where}; completed it: every file has its new content [{COMPLETED}]"
    elif done:
        summary = f"{where}; undone: every file is as it was before that run [{UNDONE}]"
    else:
        summary = (
            f"{where} before it had changed any; removed the temporary files it left [{UNDONE}]"
        )
    return "\n".join([summary, *(f"    {line}" for line in done)])
