"""Trees and plans for the tests of lockmigrate's writer (``tests/test_io_*.py``): a small
monorepo, the plan a migration of it writes, and snapshots that compare every file, folder,
link and mode. ``python tests/io_trees.py TREE`` writes the migration of TREE, as a command
would, in a process the crash tests can kill."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from lockmigrate.plan import FileChange, Plan

#: What a full snapshot holds for each path: ("file", bytes, mode), ("dir", b"", mode) or
#: ("link", target, 0).
Snapshot = dict[str, tuple[str, bytes | str, int]]

BEFORE: dict[str, bytes] = {
    "svc-a/requirements.txt": b"numpy~=1.26.4\n",
    "svc-b/requirements.txt": b"pandas~=2.2.3\n# s3cr3t-looking comment\n",
    "svc-b/requirements-dev.txt": b"-r requirements.txt\npytest\n",
    "shared/constraints.txt": b"numpy<2\n",
}

#: The new content of each path (``None``: deleted). ``svc-b/constraints.txt`` is a link to
#: ``../shared/constraints.txt``, written through.
AFTER: dict[str, bytes | None] = {
    "svc-a/requirements.txt": b"numpy==1.26.9\n",
    "svc-a/requirements.in": b"numpy~=1.26.4\n",
    "svc-b/requirements.txt": b"pandas==2.2.4\nnumpy==2.0.0\n",
    "svc-b/requirements-dev.txt": None,
    "svc-b/constraints.txt": b"numpy<3\n",
    "svc-c/deep/requirements.in": b"joblib~=1.4\n",
}


def make_tree(root: Path, *, git: bool = True) -> Path:
    """The tree before the migration; a git work tree (an empty ``.git`` folder is enough
    for lockmigrate) unless ``git`` is false."""
    root.mkdir(parents=True, exist_ok=True)
    if git:
        (root / ".git").mkdir()
    for name, content in BEFORE.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
    (root / "svc-a" / "requirements.txt").chmod(0o640)
    (root / "svc-b" / "constraints.txt").symlink_to(Path("..") / "shared" / "constraints.txt")
    return root


def plan_for(root: Path) -> Plan:
    """The plan of the migration, made from what ``root`` holds now (as a command makes it:
    a second run after a completed one plans nothing)."""
    changes = []
    for name, after in AFTER.items():
        path = root / name
        before = path.read_bytes() if path.exists() else None
        changes.append(
            FileChange(path=path, display=name, before=before, after=after, reason="migration")
        )
    return Plan(tuple(changes))


def snapshot(root: Path) -> Snapshot:
    """Every file, folder and symbolic link below ``root`` with its content and mode, but
    for ``.git`` (whose ``lockmigrate/`` folder :func:`state_files` checks)."""
    found: Snapshot = {}
    for folder, folders, files in os.walk(root):
        base = Path(folder)
        folders[:] = [name for name in folders if not (base == root and name == ".git")]
        for name in [*folders, *files]:
            path = base / name
            key = path.relative_to(root).as_posix()
            if path.is_symlink():
                found[key] = ("link", str(path.readlink()), 0)
            elif path.is_dir():
                found[key] = ("dir", b"", stat.S_IMODE(path.stat().st_mode))
            else:
                found[key] = ("file", path.read_bytes(), stat.S_IMODE(path.stat().st_mode))
    return found


def without_state(tree: Snapshot) -> Snapshot:
    """``tree`` without the lock (and its ``.gitignore``) lockmigrate keeps outside git."""
    return {
        key: value
        for key, value in tree.items()
        if key not in {".lockmigrate", ".lockmigrate/lock", ".lockmigrate/.gitignore"}
    }


def state_files(root: Path) -> list[str]:
    """What lockmigrate's state folder holds (it must be the lock alone between runs)."""
    for folder in (root / ".git" / "lockmigrate", root / ".lockmigrate"):
        if folder.is_dir():
            return sorted(p.name for p in folder.iterdir() if p.name != ".gitignore")
    return []


def after_snapshot(before: Snapshot) -> Snapshot:
    """What ``before`` becomes once the migration is written."""
    expected = dict(before)
    for name, after in AFTER.items():
        shown = "shared/constraints.txt" if name == "svc-b/constraints.txt" else name
        if after is None:
            del expected[shown]
            continue
        mode = expected[shown][2] if shown in expected else 0o666 & ~current_umask()
        expected[shown] = ("file", after, mode)
    for folder in ("svc-c", "svc-c/deep"):
        expected[folder] = ("dir", b"", 0o777 & ~current_umask())
    return expected


def current_umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def count_steps(scratch: Path, *, git: bool = True) -> tuple[int, int]:
    """How many steps a commit of the migration takes, and which one ends at its commit
    point (a crash there or later is completed; before it, undone)."""
    from lockmigrate.io import apply
    from lockmigrate.io.checkpoints import Checkpoints

    seen: list[bool] = []
    real = Checkpoints.__call__

    def counting(self: Checkpoints, path: Path | None = None) -> None:
        if self.kind == "step":
            seen.append(self.interruptible)
        real(self, path)

    Checkpoints.__call__ = counting  # type: ignore[method-assign]
    try:
        apply(plan_for(make_tree(scratch, git=git)))
    finally:
        Checkpoints.__call__ = real  # type: ignore[method-assign]
    return len(seen), seen.index(False) + 1


def migrate(root: Path) -> int:
    """Write the migration of ``root`` as a command does (errors on standard error, the
    command's exit code): what the crash tests run in a process of its own."""
    import sys

    from lockmigrate.errors import LockmigrateError
    from lockmigrate.io import apply

    try:
        apply(plan_for(root))
    except LockmigrateError as error:
        sys.stderr.write(f"lockmigrate: error: {error}\n")
        return int(error.exit_code)
    return 0


if __name__ == "__main__":  # python tests/io_trees.py TREE
    import sys

    sys.exit(migrate(Path(sys.argv[1])))


def files_of(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` by its relative path, but for ``.git``: what a failed
    migration must leave as it was (folders it made may stay, empty)."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".git" not in path.relative_to(root).parts
    }
