"""Crashes and faults, each in a process of its own: a migration killed (SIGKILL) after every
step of its commit, then recovered by the next command (``scan``) and run again, ends as the
tree before or after it, byte for byte and mode for mode, with no file left over; so does a
recovery killed after every one of its steps. Also: a file too large for the process
(RLIMIT_FSIZE: EFBIG), a folder the process may not write, and two runs at once.

The kills use the test-only hook ``LOCKMIGRATE_TEST_CRASH_AT=step-N`` (``recover-N``) of
``lockmigrate/io/checkpoints.py``. ENOSPC itself needs a full file system, which an
unprivileged test cannot mount; ``test_io_commit.py`` injects it after every step instead
(``LOCKMIGRATE_TEST_FAIL_AT``), and the file-size limit here takes the same write path.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from filelock import FileLock
from index.environment import scrubbed_env
from index.server import LocalIndex
from io_trees import (
    after_snapshot,
    count_steps,
    make_tree,
    plan_for,
    snapshot,
    state_files,
    without_state,
)
from summary import without_summary

from lockmigrate.cli import main
from lockmigrate.io import apply
from lockmigrate.io.checkpoints import CRASH_VARIABLE

MIGRATE = str(Path(__file__).parent / "io_trees.py")
KILLED = -signal.SIGKILL


def run(
    arguments: list[str], *, cwd: Path, crash_at: str | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    env = scrubbed_env(**extra)
    env.pop(CRASH_VARIABLE, None)
    if crash_at is not None:
        env[CRASH_VARIABLE] = crash_at
    return subprocess.run(
        arguments,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def migrate(tree: Path, *, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    """The migration of ``tree`` in a process of its own."""
    return run([sys.executable, MIGRATE, str(tree)], cwd=tree, crash_at=crash_at)


def scan(tree: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """``lockmigrate scan`` (in this process): its standard error, less its summary line."""
    capsys.readouterr()
    assert main(["scan", "--format", "json", str(tree)]) == 0
    return without_summary(capsys.readouterr().err)


@pytest.mark.parametrize("git", [True, pytest.param(False, marks=pytest.mark.slow)])
def test_a_kill_after_any_step_is_recovered_by_the_next_command(
    git: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    steps, commit_point = count_steps(tmp_path / "counted", git=git)
    for step in range(1, steps + 1):
        tree = make_tree(tmp_path / f"repo-{step}", git=git)
        before = snapshot(tree)
        after = after_snapshot(before)
        crashed = migrate(tree, crash_at=f"step-{step}")
        assert crashed.returncode == KILLED, (step, crashed.stderr)
        if step == steps:  # killed once the journal was gone: nothing left to settle
            assert state_files(tree) == ["lock"]
            assert scan(tree, capsys) == ""
        else:
            assert state_files(tree) == ["journal.json", "lock"], step
            said = scan(tree, capsys)
            if step < commit_point:
                assert "[interrupted-write-undone]" in said, said
            else:
                assert "; completed it: every file has its new content" in said, said
        assert without_state(snapshot(tree)) == (before if step < commit_point else after), step
        assert state_files(tree) == ["lock"], step
        assert scan(tree, capsys) == ""  # settled once

        rerun = apply(plan_for(tree))  # the migration again: nothing left to do once completed
        assert (rerun == ()) == (step >= commit_point), step
        assert without_state(snapshot(tree)) == after, step
        assert state_files(tree) == ["lock"], step
    # and the same migration, never killed, ends the same
    assert migrate(make_tree(tmp_path / "whole", git=git)).returncode == 0


def test_the_recovery_message_says_what_it_did(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    steps, commit_point = count_steps(tmp_path / "counted")
    tree = make_tree(tmp_path / "repo")
    monkeypatch.chdir(tree)
    assert migrate(tree, crash_at=f"step-{commit_point + 2}").returncode == KILLED
    assert scan(tree, capsys).splitlines() == [
        f"lockmigrate: an earlier lockmigrate run was interrupted while writing 6 file(s) in "
        f"{tree}; completed it: every file has its new content [interrupted-write-completed]",
        "    updated svc-b/requirements.txt",
        "    deleted svc-b/requirements-dev.txt",
        "    updated shared/constraints.txt",
        "    created svc-c/deep/requirements.in",
    ]
    tree = make_tree(tmp_path / "repo-2")
    monkeypatch.chdir(tree)
    assert migrate(tree, crash_at="step-6").returncode == KILLED
    assert scan(tree, capsys).splitlines() == [
        f"lockmigrate: an earlier lockmigrate run was interrupted while writing 6 file(s) in "
        f"{tree} before it had changed any; removed the temporary files it left "
        "[interrupted-write-undone]"
    ]
    assert steps > commit_point + 2


def crashed(tmp_path: Path, name: str, step: int) -> Iterator[Path]:
    """Trees whose migration was killed after ``step``, one after another."""
    for attempt in range(1, 1000):
        tree = make_tree(tmp_path / f"{name}-{attempt}")
        assert migrate(tree, crash_at=f"step-{step}").returncode == KILLED
        yield tree


@pytest.mark.slow
@pytest.mark.parametrize("where", ["staging", "renaming"])
def test_a_kill_during_recovery_is_recovered_by_the_next_run(
    where: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Recovery is idempotent: killed after any of its steps, the next command finishes it."""
    _, commit_point = count_steps(tmp_path / "counted")
    step = commit_point - 3 if where == "staging" else commit_point + 3
    expected_after = where == "renaming"
    trees = crashed(tmp_path, where, step)
    expected = snapshot(make_tree(tmp_path / "reference"))
    if expected_after:
        expected = after_snapshot(expected)
    for recovery_step in range(1, 100):
        tree = next(trees)
        scanning = [sys.executable, "-m", "lockmigrate", "scan", str(tree)]
        killed = run(scanning, cwd=tree, crash_at=f"recover-{recovery_step}")
        if killed.returncode == 0:  # pragma: no cover - the last step kills once it is done
            pytest.fail(f"recovery took fewer than {recovery_step} steps")
        assert killed.returncode == KILLED, killed.stderr
        said = scan(tree, capsys)
        assert snapshot(tree) == expected, recovery_step
        assert state_files(tree) == ["lock"]
        if not said:  # killed after its last step, the journal removed: it was all done
            break
        assert ("completed it" in said) == expected_after, said
    else:  # pragma: no cover
        pytest.fail("recovery never finished")
    assert recovery_step > 3


def test_a_file_changed_after_the_crash_is_left_for_a_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed half way through the renames, then someone edits a file that was already
    replaced: lockmigrate cannot tell which content to keep, so it changes nothing, every
    command says so (exit 2), and the way out is in the message."""
    _, commit_point = count_steps(tmp_path / "counted")
    tree = make_tree(tmp_path / "repo")
    monkeypatch.chdir(tree)
    assert migrate(tree, crash_at=f"step-{commit_point + 2}").returncode == KILLED
    (tree / "svc-a" / "requirements.txt").write_text("edited after the crash\n")
    left = snapshot(tree)
    capsys.readouterr()
    assert main(["scan", "."]) == 2
    err = capsys.readouterr().err
    assert "svc-a/requirements.txt was changed since" in err
    assert "lockmigrate cannot tell which content to keep and changed nothing" in err
    assert snapshot(tree) == left
    assert state_files(tree) == ["journal.json", "lock"]
    # the way out the message gives: keep the files as wanted, delete lockmigrate's
    journal_id = next(tree.rglob("*.lockmigrate-*")).name.split("lockmigrate-")[1][:8]
    for own in tree.rglob(f"*.lockmigrate-{journal_id}.*"):
        own.unlink()
    (tree / ".git" / "lockmigrate" / "journal.json").unlink()
    assert main(["scan", "."]) == 0


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs chown")
def test_the_journal_of_another_user_is_left_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree(tmp_path / "repo")
    assert migrate(tree, crash_at="step-8").returncode == KILLED
    journal = tree / ".git" / "lockmigrate" / "journal.json"
    os.chown(journal, 65534, 65534)
    left = snapshot(tree)
    said = scan(tree, capsys)
    assert "the journal of an interrupted run, belongs to another user: left alone" in said
    assert snapshot(tree) == left
    os.chown(journal, 0, 0)
    assert "[interrupted-write-undone]" in scan(tree, capsys)


def test_a_file_too_large_for_the_process_changes_nothing(tmp_path: Path) -> None:
    """EFBIG, the way ENOSPC reaches lockmigrate too: a write that fails part way. The limit
    (``ulimit -f``, with SIGXFSZ ignored so that the write fails instead of the process)
    lets the journal and the small files through and stops the large one."""
    tree = make_tree(tmp_path / "repo")
    large = tree / "svc-a" / "requirements.txt"
    large.write_bytes(b"# comment\n" * 10_000)  # 100 kB, so its new content is large too
    before = snapshot(tree)
    code = (
        "import sys; sys.path.insert(0, sys.argv[1]); import io_trees;"
        "from pathlib import Path; from lockmigrate.io import apply;"
        "from lockmigrate.plan import FileChange, Plan;"
        "tree = Path(sys.argv[2]); plan = io_trees.plan_for(tree);"
        "big = FileChange(path=tree / 'svc-a/requirements.txt', display='svc-a/requirements.txt',"
        " before=(tree / 'svc-a/requirements.txt').read_bytes(), after=b'x' * 200_000, reason='');"
        "changes = (big,) + tuple(c for c in plan.changes if c.display != big.display);"
        "from lockmigrate.errors import LockmigrateError\n"
        "try:\n    apply(Plan(changes))\n"
        "except LockmigrateError as error:\n"
        "    print(f'lockmigrate: error: {error}', file=sys.stderr); sys.exit(int(error.exit_code))"
    )
    limited = run(
        [
            "bash",
            "-c",
            'ulimit -f 64 && trap "" XFSZ && exec "$@"',
            "limited",
            sys.executable,
            "-c",
            code,
            str(Path(__file__).parent),
            str(tree),
        ],
        cwd=tree,
        PYTHONDONTWRITEBYTECODE="1",
    )
    assert limited.returncode == 2, limited.stderr
    assert "cannot write svc-a/requirements.txt: File too large; nothing was changed" in (
        limited.stderr
    )
    assert snapshot(tree) == before
    assert state_files(tree) == ["lock"]


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` made so that no file can be created in it, even by root (who ignores
    permissions): ``chattr +i`` then, where the file system and the container allow it."""
    as_root = hasattr(os, "geteuid") and os.geteuid() == 0
    if as_root:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True, check=False)
        if done.returncode != 0 or (os.access(folder, os.W_OK) and _can_create(folder)):
            subprocess.run(["chattr", "-i", str(folder)], capture_output=True, check=False)
            pytest.skip("running as root, and chattr +i is not available here")
    else:
        folder.chmod(0o555)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            folder.chmod(0o755)


def _can_create(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.touch()
    except OSError:
        return False
    probe.unlink()
    return True


def test_a_folder_the_run_may_not_write_changes_nothing(tmp_path: Path) -> None:
    """A target whose folder cannot be written: the commit stops part way through staging
    (svc-a's new files are staged by then) and undoes itself, naming the file."""
    tree = make_tree(tmp_path / "repo")
    before = snapshot(tree)
    with read_only(tree / "svc-b"):
        result = migrate(tree)
    assert result.returncode == 2, result.stderr
    assert "cannot write svc-b/requirements.txt: " in result.stderr
    assert "; nothing was changed" in result.stderr
    assert snapshot(tree) == before
    assert state_files(tree) == ["lock"]


ON_A_SMALL_DISK = r"""
import json, os, sys
from pathlib import Path
sys.path.insert(0, sys.argv[1])
import io_trees
from lockmigrate.errors import LockmigrateError
from lockmigrate.io import apply
from lockmigrate.plan import FileChange, Plan

disk, free = Path(sys.argv[2]), int(sys.argv[3])
tree = io_trees.make_tree(disk / "repo")
plan = io_trees.plan_for(tree)
large = FileChange(path=tree / "svc-a" / "large.txt", display="svc-a/large.txt", before=None,
                   after=b"x" * 96 * 1024, reason="")
filler = disk / "filler"
with filler.open("wb", buffering=0) as handle:  # the disk filled, but for `free` bytes
    try:
        while True:
            handle.write(b"\0" * 4096)
    except OSError:
        pass
os.truncate(filler, max(0, filler.stat().st_size - free))
before = io_trees.snapshot(tree)
try:
    apply(Plan((*plan.changes, large)))
    error = ""
except LockmigrateError as failure:
    error = str(failure)
same = io_trees.snapshot(tree) == before
print(json.dumps({"error": error, "same": same, "state": io_trees.state_files(tree)}))
"""


@pytest.mark.parametrize("free", [48 * 1024, 0])
def test_a_full_disk_changes_nothing(free: int, tmp_path: Path) -> None:
    """A real ENOSPC: the tree on a 256 kB tmpfs mounted in a mount namespace of the test's
    own (root only: elsewhere the file-size limit above and the injected ENOSPC of
    test_io_commit.py stand in). With a little room the large new file does not fit; with
    none, not even the journal does."""
    import json

    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "bash",
            "-c",
            'mount -t tmpfs -o size=256k lockmigrate-test "$1" && shift && exec "$@"',
            "full-disk",
            str(disk),
            sys.executable,
            "-c",
            ON_A_SMALL_DISK,
            str(Path(__file__).parent),
            str(disk),
            str(free),
        ],
        cwd=tmp_path,
        PYTHONDONTWRITEBYTECODE="1",
    )
    if mounted.returncode != 0 and ("unshare" in mounted.stderr or "mount" in mounted.stderr):
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    assert mounted.returncode == 0, mounted.stderr
    verdict = json.loads(mounted.stdout)
    assert "No space left on device; nothing was changed" in verdict["error"]
    assert ("svc-a/large.txt" if free else "the journal") in verdict["error"]
    assert verdict["same"]
    assert verdict["state"] in (["lock"], [])


def wait_for(predicate: object, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


@pytest.mark.parametrize("other_run_writes", [True, False])
def test_a_second_run_waits_for_the_first(other_run_writes: bool, tmp_path: Path) -> None:
    """A run that finds the tree's lock taken says so and waits; the files it planned from
    are checked once the lock is its own: changed by the first run, it stops (exit 2,
    naming the file, nothing written); unchanged, it writes."""
    tree = make_tree(tmp_path / "repo")
    (tree / ".git" / "lockmigrate").mkdir()
    lock = FileLock(str(tree / ".git" / "lockmigrate" / "lock"))
    lock.acquire()
    stderr = tmp_path / "stderr"
    with stderr.open("w") as err:
        second = subprocess.Popen(
            [sys.executable, MIGRATE, str(tree)],
            cwd=tree,
            env=scrubbed_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    try:
        wait_for(lambda: "waiting for another lockmigrate run" in stderr.read_text())
        assert "(up to 30 s)" in stderr.read_text()
        if other_run_writes:
            (tree / "svc-b" / "requirements.txt").write_text("pandas==2.2.3\n")
        before = snapshot(tree)
    finally:
        lock.release()
        second.wait(60)
    if other_run_writes:
        assert second.returncode == 2
        assert "svc-b/requirements.txt changed on disk while lockmigrate was working" in (
            stderr.read_text()
        )
        assert snapshot(tree) == before
    else:
        assert second.returncode == 0, stderr.read_text()
        assert snapshot(tree) == after_snapshot(before)
    assert state_files(tree) == ["lock"]


def test_two_runs_at_once_leave_one_migration(tmp_path: Path) -> None:
    """Two processes migrate one tree at the same moment, again and again: each time the
    tree ends migrated once, every file whole, nothing left over; the later one either
    finds nothing to change or stops because the first changed its files (exit 2)."""
    for attempt in range(5):
        tree = make_tree(tmp_path / f"repo-{attempt}")
        after = after_snapshot(snapshot(tree))
        runs = [
            subprocess.Popen(
                [sys.executable, MIGRATE, str(tree)],
                cwd=tree,
                env=scrubbed_env(),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for _ in range(2)
        ]
        results = [(process.wait(60), process.stderr.read()) for process in runs]  # type: ignore[union-attr]
        for process in runs:
            process.stderr.close()  # type: ignore[union-attr]
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 2]), results
        for code, err in results:
            if code == 2:
                assert "changed on disk while lockmigrate was working" in err
        assert snapshot(tree) == after
        assert state_files(tree) == ["lock"]


@pytest.mark.slow
def test_a_real_migration_killed_after_any_step_is_recovered(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    """``lockmigrate to-pip-tools`` itself, on the churn service against the local index,
    killed after every step of its commit; then ``lockmigrate scan`` and the migration
    again, each a process of its own: the tree ends exactly as one uninterrupted run leaves
    it, and after the scan it was exactly the tree before or that one."""
    env = local_index.env(cache_dir=tmp_path / "cache", PYTHONDONTWRITEBYTECODE="1")
    fixture = Path(__file__).parent / "fixtures" / "pip_tools" / "three-services" / "churn"
    migration = [sys.executable, "-m", "lockmigrate", "to-pip-tools", "--resolver", "uv"]

    def fresh(name: str) -> Path:
        tree = tmp_path / name
        shutil.copytree(fixture, tree / "churn")
        (tree / ".git").mkdir()
        return tree

    def lockmigrate(
        tree: Path, arguments: list[str], crash_at: str | None = None
    ) -> subprocess.CompletedProcess[str]:
        env.pop(CRASH_VARIABLE, None)
        if crash_at is not None:
            env[CRASH_VARIABLE] = crash_at
        return subprocess.run(
            arguments, cwd=tree, env=env, capture_output=True, text=True, check=False, timeout=300
        )

    reference = fresh("reference")
    before = snapshot(reference)
    assert lockmigrate(reference, migration).returncode == 0
    after = snapshot(reference)
    assert after != before
    for step in range(1, 200):
        tree = fresh(f"tree-{step}")
        killed = lockmigrate(tree, migration, crash_at=f"step-{step}")
        if killed.returncode == 0:
            break  # past the last step
        assert killed.returncode == KILLED, killed.stderr
        scanned = lockmigrate(tree, [sys.executable, "-m", "lockmigrate", "scan"])
        assert scanned.returncode == 0, scanned.stderr
        assert snapshot(tree) in (before, after), step
        said = without_summary(scanned.stderr)
        assert ("completed it" in said) == (snapshot(tree) == after) or not said, said
        assert state_files(tree) == ["lock"]
        again = lockmigrate(tree, migration)
        assert again.returncode == 0, again.stderr
        assert snapshot(tree) == after, step
    else:  # pragma: no cover
        pytest.fail("the migration never finished")
    assert step > 20


def test_a_git_clean_after_the_crash_is_left_for_a_person(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Killed half way through the renames, then every hidden file of the run removed (as
    ``git clean -fd`` would): neither way is possible, so nothing changes and it says why."""
    _, commit_point = count_steps(tmp_path / "counted")
    tree = make_tree(tmp_path / "repo")
    monkeypatch.chdir(tree)
    assert migrate(tree, crash_at=f"step-{commit_point + 2}").returncode == KILLED
    for own in tree.rglob("*.lockmigrate-*"):
        own.unlink()
    left = snapshot(tree)
    capsys.readouterr()
    assert main(["check", "."]) == 2
    err = capsys.readouterr().err
    assert "the backup of svc-a/requirements.txt was removed since" in err
    assert snapshot(tree) == left
