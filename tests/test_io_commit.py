"""The writer's promise, in process: a plan is written whole or not at all, a failure at any
step of a commit leaves the tree exactly as it was, an interrupt at any step leaves it as it
was or as it would be, one writer at a time, and the check that nothing changed on disk runs
under the lock. The crash (SIGKILL) tests are in ``test_io_crash.py``."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path

import pytest
from filelock import FileLock
from io_trees import (
    after_snapshot,
    count_steps,
    make_tree,
    plan_for,
    snapshot,
    state_files,
    without_state,
)

from lockmigrate.cli import main
from lockmigrate.io import ApplyError, apply, recover_interrupted, revert
from lockmigrate.io import commit as commit_module
from lockmigrate.io.checkpoints import FAIL_VARIABLE, Checkpoints
from lockmigrate.io.journal import Journal, JournalError
from lockmigrate.io.tree import interrupted, state_for_writing
from lockmigrate.plan import FileChange, Plan


@pytest.fixture
def lines() -> list[str]:
    return []


def test_a_migration_is_written_whole(tmp_path: Path, lines: list[str]) -> None:
    tree = make_tree(tmp_path / "repo")
    before = snapshot(tree)
    written = apply(plan_for(tree), report=lines.append)
    assert len(written) == 6
    assert snapshot(tree) == after_snapshot(before)
    assert (tree / "svc-b" / "constraints.txt").is_symlink()  # written through, still a link
    assert state_files(tree) == ["lock"]
    assert lines == []
    # a second run plans nothing, and writes nothing
    assert apply(plan_for(tree), report=lines.append) == ()


def test_outside_git_the_lock_lives_in_a_self_ignored_folder(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "plain", git=False)
    before = snapshot(tree)
    apply(plan_for(tree))
    assert without_state(snapshot(tree)) == after_snapshot(before)
    assert (tree / ".lockmigrate" / ".gitignore").read_text().splitlines()[-1] == "*"
    assert state_files(tree) == ["lock"]


def test_nothing_to_write_takes_no_lock(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "repo")
    same = FileChange(
        path=tree / "svc-a" / "requirements.txt",
        display="svc-a/requirements.txt",
        before=b"numpy~=1.26.4\n",
        after=b"numpy~=1.26.4\n",
        reason="unchanged",
    )
    assert apply(Plan((same,))) == ()
    assert not (tree / ".git" / "lockmigrate").exists()


def test_the_state_folder_is_the_git_folder_of_a_worktree(tmp_path: Path) -> None:
    main_git = tmp_path / "main" / ".git"
    (main_git / "worktrees" / "wt").mkdir(parents=True)
    worktree = tmp_path / "wt"
    (worktree / "svc").mkdir(parents=True)
    (worktree / ".git").write_text(f"gitdir: {main_git / 'worktrees' / 'wt'}\n")
    state = state_for_writing([worktree / "svc" / "requirements.in"])
    assert state.root == worktree
    assert state.folder == main_git / "worktrees" / "wt" / "lockmigrate"


def test_a_failure_at_any_step_changes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ENOSPC injected after each step of the commit in turn (LOCKMIGRATE_TEST_FAIL_AT):
    before the commit point the tree is exactly as it was, with no temporary file, backup
    or journal left; after it, the files are written, and whatever tidying the failure
    stopped is finished by the next run."""
    steps, _ = count_steps(tmp_path / "counted")
    assert steps > 20
    outcomes = []
    for step in range(1, steps + 1):
        tree = make_tree(tmp_path / f"repo-{step}")
        before = snapshot(tree)
        monkeypatch.setenv(FAIL_VARIABLE, f"step-{step}")
        try:
            apply(plan_for(tree))
        except ApplyError as error:
            assert "No space left on device; nothing was changed" in str(error), step
            assert snapshot(tree) == before, step
            assert state_files(tree) == ["lock"], step
            outcomes.append("undone")
            continue
        finally:
            monkeypatch.delenv(FAIL_VARIABLE)
        assert snapshot(tree) == after_snapshot(before) or state_files(tree) == [
            "journal.json",
            "lock",
        ], step
        recover_interrupted([tree], report=lambda line: None)
        assert snapshot(tree) == after_snapshot(before), step
        assert state_files(tree) == ["lock"], step
        outcomes.append("written")
    # every step before the commit point undoes, every one after it writes
    first_written = outcomes.index("written")
    assert outcomes == ["undone"] * first_written + ["written"] * (steps - first_written)


def test_an_interrupt_at_any_step_leaves_the_tree_before_or_after(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl-C after each step in turn: before the commit point the commit is undone and the
    interrupt goes on (nothing changed); after it, the commit is completed first."""
    steps, _ = count_steps(tmp_path / "counted")
    real = Checkpoints.__call__
    for step in range(1, steps + 1):
        tree = make_tree(tmp_path / f"repo-{step}")
        before = snapshot(tree)

        def interrupting(self: Checkpoints, path: Path | None = None, at: int = step) -> None:
            if self.kind == "step" and self.count + 1 == at:
                signal.raise_signal(signal.SIGINT)
            real(self, path)

        lines: list[str] = []
        with monkeypatch.context() as patch:
            patch.setattr(Checkpoints, "__call__", interrupting)
            try:
                apply(plan_for(tree), report=lines.append)
            except KeyboardInterrupt:
                assert snapshot(tree) == before, step
            else:
                assert snapshot(tree) == after_snapshot(before), step
                assert lines == [
                    "interrupted while the files were being written: they were written"
                ]
        assert state_files(tree) == ["lock"], step


def test_a_file_changed_on_disk_is_found_under_the_lock(tmp_path: Path) -> None:
    """Another run holds the lock and changes a file this plan was made from: this run
    waits, then stops naming it, writing nothing."""
    tree = make_tree(tmp_path / "repo")
    plan = plan_for(tree)  # made before the other run writes
    lock = FileLock(str(tree / ".git" / "lockmigrate" / "lock"))
    (tree / ".git" / "lockmigrate").mkdir()
    lock.acquire()
    lines: list[str] = []
    result: list[BaseException | None] = []

    def run() -> None:
        try:
            apply(plan, report=lines.append)
            result.append(None)
        except BaseException as error:  # noqa: BLE001 - handed to the test's thread
            result.append(error)

    writer = threading.Thread(target=run)
    writer.start()
    waited = 0.0
    while not lines and waited < 10:
        threading.Event().wait(0.02)
        waited += 0.02
    assert lines and lines[0].startswith("waiting for another lockmigrate run to finish writing")
    (tree / "svc-b" / "requirements.txt").write_bytes(b"pandas==2.2.3\n")  # the other run
    before = snapshot(tree)
    lock.release()
    writer.join(10)
    assert isinstance(result[0], ApplyError)
    assert "svc-b/requirements.txt changed on disk" in str(result[0])
    assert snapshot(tree) == before
    assert state_files(tree) == ["lock"]


def test_a_lock_held_too_long_stops_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "repo")
    before = snapshot(tree)
    (tree / ".git" / "lockmigrate").mkdir()
    monkeypatch.setattr(commit_module, "LOCK_TIMEOUT", 0.2)
    with (
        FileLock(str(tree / ".git" / "lockmigrate" / "lock")),
        pytest.raises(ApplyError, match="another lockmigrate run has been writing in"),
    ):
        apply(plan_for(tree), report=lambda line: None)
    assert snapshot(tree) == before


def test_a_symlink_stays_a_link_and_a_deleted_link_goes_alone(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "repo")
    link = tree / "svc-a" / "shared.txt"
    link.symlink_to(Path("..") / "shared" / "constraints.txt")
    plan = Plan(
        (
            FileChange(
                path=link, display="svc-a/shared.txt", before=b"numpy<2\n", after=None, reason=""
            ),
        )
    )
    apply(plan)
    assert not link.is_symlink()
    assert not link.exists()
    assert (tree / "shared" / "constraints.txt").read_bytes() == b"numpy<2\n"


def test_the_same_file_twice_in_a_plan_is_refused(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "repo")
    via_link = tree / "svc-b" / "constraints.txt"
    direct = tree / "shared" / "constraints.txt"
    plan = Plan(
        tuple(
            FileChange(path=path, display=path.name, before=b"numpy<2\n", after=b"x\n", reason="")
            for path in (via_link, direct)
        )
    )
    with pytest.raises(ApplyError, match="are the same file"):
        apply(plan)


def test_a_directory_as_target_stops_everything(tmp_path: Path) -> None:
    """What a read-only target does where tests run as root (chmod does not stop root):
    the commit stops before writing anything."""
    tree = make_tree(tmp_path / "repo")
    before = snapshot(tree)
    plan = plan_for(tree)
    (tree / "svc-a" / "requirements.in").mkdir()
    with pytest.raises(ApplyError, match=r"svc-a/requirements\.in is a directory"):
        apply(plan)
    (tree / "svc-a" / "requirements.in").rmdir()
    assert snapshot(tree) == before


def test_a_file_where_a_folder_must_be_stops_everything(tmp_path: Path) -> None:
    """``.github`` a file when ``.github/dependabot.yml`` is to be written: said as it is,
    not as a file that changed on disk."""
    tree = make_tree(tmp_path / "repo")
    (tree / ".github").write_text("not a folder\n")
    before = snapshot(tree)
    plan = Plan(
        (
            *plan_for(tree).changes,
            FileChange(
                path=tree / ".github" / "workflows" / "lock.yml",
                display=".github/workflows/lock.yml",
                before=None,
                after=b"on: push\n",
                reason="",
            ),
        )
    )
    with pytest.raises(ApplyError, match=r"^\.github/workflows/lock\.yml: \.github is a file"):
        apply(plan)
    assert snapshot(tree) == before


def test_revert_puts_back_what_was_written(tmp_path: Path) -> None:
    """Every file as it was (the folders made for new files stay, empty)."""
    tree = make_tree(tmp_path / "repo")
    before = snapshot(tree)
    written = apply(plan_for(tree))
    revert(written)
    assert {k: v for k, v in snapshot(tree).items() if not k.startswith("svc-c")} == before
    assert not any((tree / "svc-c").rglob("*.*"))
    assert state_files(tree) == ["lock"]


def test_revert_refuses_a_file_changed_since(tmp_path: Path) -> None:
    tree = make_tree(tmp_path / "repo")
    written = apply(plan_for(tree))
    (tree / "svc-a" / "requirements.in").write_text("edited by hand\n")
    after = snapshot(tree)
    with pytest.raises(ApplyError, match=r"svc-a/requirements\.in changed on disk"):
        revert(written)
    assert snapshot(tree) == after


def test_stray_temporary_files_are_removed_and_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = make_tree(tmp_path / "repo")
    monkeypatch.chdir(tree)
    folder = tree / "svc-a"
    own = folder / ".requirements.txt.lockmigrate-0123abcd.tmp"
    older = folder / ".requirements.txt.k3j_x9q2.tmp"  # tempfile.mkstemp's, before the journal
    backup = folder / ".requirements.txt.lockmigrate-0123abcd.orig"
    someone_elses = folder / ".requirements.txt.swp"
    for path in (own, older, backup, someone_elses):
        path.write_text("left over\n")
    lines: list[str] = []
    apply(plan_for(tree), report=lines.append)
    assert not own.exists()
    assert not older.exists()
    assert backup.exists()  # an original: never removed without its journal
    assert someone_elses.exists()
    assert sorted(lines) == [
        "removed svc-a/.requirements.txt.k3j_x9q2.tmp, a temporary file an interrupted run "
        "left [stray-temp-removed]",
        "removed svc-a/.requirements.txt.lockmigrate-0123abcd.tmp, a temporary file an "
        "interrupted run left [stray-temp-removed]",
    ]


def test_finding_no_interrupted_commit_reads_nothing(tmp_path: Path) -> None:
    """The check every command makes: a few stat calls up the folders, no file opened, no
    folder listed (an audit hook sees every open and listing)."""
    tree = make_tree(tmp_path / "repo")
    deep = tree / "svc-c" / "a" / "b"
    deep.mkdir(parents=True)
    events: list[str] = []
    watching = [True]

    def audit(event: str, args: tuple[object, ...]) -> None:
        if watching[0] and event in {"open", "os.listdir", "os.scandir"}:
            events.append(f"{event} {args[0]!r}")

    sys_module = __import__("sys")
    sys_module.addaudithook(audit)
    try:
        assert interrupted([deep, tree / "svc-a" / "requirements.txt"]) == []
    finally:
        watching[0] = False
    assert events == []


def test_a_journal_naming_a_path_outside_the_tree_is_refused(tmp_path: Path) -> None:
    with pytest.raises(JournalError, match="expected a path inside the tree"):
        Journal.from_json(
            json.dumps(
                {
                    "lockmigrate-journal": 1,
                    "id": "0123abcd",
                    "state": "committing",
                    "pid": 1,
                    "entries": [
                        {
                            "path": "../../home/someone/.bashrc",
                            "before": "sha256:00",
                            "after": None,
                            "temp": None,
                            "backup": ".bashrc.lockmigrate-0123abcd.orig",
                        }
                    ],
                }
            ).encode(),
            "journal.json",
        )


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"temp": "../x"}, "entries\\[0\\]: temp: not this commit's temporary file"),
        ({"backup": ".r.txt.lockmigrate-ffffffff.orig"}, "entries\\[0\\]: backup: not this"),
        ({"path": "C:/Windows/x"}, "expected a path inside the tree"),
        ({"path": "a\\..\\..\\x"}, "expected a path inside the tree"),
        ({"before": 3}, "entries\\[0\\]: before: expected a string or null"),
    ],
)
def test_a_journal_is_read_strictly(entry: dict[str, object], message: str) -> None:
    base: dict[str, object] = {
        "path": "svc/r.txt",
        "before": "sha256:00",
        "after": "sha256:11",
        "temp": ".r.txt.lockmigrate-0123abcd.tmp",
        "backup": ".r.txt.lockmigrate-0123abcd.orig",
    }
    data = {
        "lockmigrate-journal": 1,
        "id": "0123abcd",
        "state": "committing",
        "pid": 1,
        "entries": [{**base, **entry}],
    }
    with pytest.raises(JournalError, match=message):
        Journal.from_json(json.dumps(data).encode(), "journal.json")


def test_the_dry_run_takes_no_lock_and_writes_no_journal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = make_tree(tmp_path / "repo", git=False)
    before = snapshot(tree)
    monkeypatch.chdir(tree)
    assert main(["to-poetry", "--dry-run", "--python", ">=3.10", "svc-a"]) == 0
    assert "would create svc-a/pyproject.toml" in capsys.readouterr().out
    assert snapshot(tree) == before  # no .lockmigrate/ either


def test_a_requirements_file_changed_while_the_plan_was_made_stops_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files a migration was made from are checked too, not only its targets: a run that
    rewrote svc-a/requirements.txt while this one was planning (resolving, for pip-tools)
    stops this one, which writes nothing, instead of being overwritten by it."""
    from lockmigrate import api
    from lockmigrate.targets.poetry import PoetryOptions

    tree = make_tree(tmp_path / "repo")
    monkeypatch.chdir(tree)
    result = api.to_poetry([Path("svc-a")], options=PoetryOptions(requires_python=">=3.10"))
    assert [c.display for c in result.plan.effective] == ["svc-a/pyproject.toml"]
    (tree / "svc-a" / "requirements.txt").write_text("numpy==1.26.9\n")  # the other run
    before = snapshot(tree)
    with pytest.raises(ApplyError, match=r"svc-a/requirements\.txt changed on disk"):
        apply(result.plan)
    assert snapshot(tree) == before


def test_the_codes_of_the_writer_s_lines_are_documented() -> None:
    """They are printed outside any collector (recovery runs before a command starts), so
    tests/test_docs.py's search of collector calls does not see them."""
    docs = Path(__file__).parents[1] / "docs" / "reference" / "diagnostics.md"
    text = docs.read_text(encoding="utf-8")
    assert commit_module.CODES
    for code in commit_module.CODES:
        assert f"| `{code}` |" in text, code
