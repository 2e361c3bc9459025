"""Read a lock of any supported kind, from disk or from a git revision of a file."""

from __future__ import annotations

from pathlib import Path

from lockmigrate.errors import InputError
from lockmigrate.model.locks import Lock, LockKind, lock_kind_for
from lockmigrate.sources._files import read_input

__all__ = ["parse_lock", "read_lock", "read_lock_at_revision"]


def parse_lock(
    data: bytes, *, path: Path, display: str | None = None, kind: LockKind | None = None
) -> Lock:
    """Parse ``data`` as a lock of ``kind`` (default: the kind ``path``'s name says)."""
    kind = kind or lock_kind_for(path)
    if kind is LockKind.POETRY:
        from lockmigrate.sources.locks.poetry_lock import parse_poetry_lock

        return parse_poetry_lock(data, path=path, display=display)
    if kind is LockKind.UV:
        from lockmigrate.sources.locks.uv_lock import parse_uv_lock

        return parse_uv_lock(data, path=path, display=display)
    if kind is LockKind.PYLOCK:
        from lockmigrate.sources.locks.pylock import parse_pylock

        return parse_pylock(data, path=path, display=display)
    from lockmigrate.sources.locks.pip_compile import parse_lock_txt

    return parse_lock_txt(data, path=path, display=display)


def read_lock(path: Path, *, display: str | None = None) -> Lock:
    """Read the lock at ``path``; raises :class:`InputError` when it cannot be read."""
    shown = display or path.as_posix()
    return parse_lock(read_input(path, shown, "lock"), path=path, display=shown)


def read_lock_at_revision(path: Path, revision: str, *, display: str | None = None) -> Lock:
    """Read the lock at ``path`` as it was in git ``revision`` (``HEAD~1``, a tag, a hash).

    Runs ``git show REV:./PATH`` in the file's folder; raises :class:`InputError` when git
    is missing, the folder is not a work tree, or the file did not exist at that revision.
    """
    shown = f"{revision}:{display or path.as_posix()}"
    if revision.startswith("-"):
        raise InputError(f"{revision!r} is not a git revision")
    folder = path.parent if path.parent != Path() else Path.cwd()
    import subprocess  # only for a lock read from git: a plain diff or check never runs one

    try:
        result = subprocess.run(
            ["git", "show", f"{revision}:./{path.name}"],
            cwd=folder,
            capture_output=True,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except OSError as error:
        raise InputError(f"cannot run git to read {shown}: {error.strerror}") from None
    if result.returncode != 0:
        message = result.stderr.decode(errors="replace").strip().splitlines()
        raise InputError(
            f"cannot read {shown} from git: {message[-1] if message else 'git show failed'}"
        )
    return parse_lock(result.stdout, path=path, display=shown, kind=lock_kind_for(path))
