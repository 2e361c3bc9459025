"""Plans, diffs and the atomic, all-or-nothing writer."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from lockmigrate.io import ApplyError, apply
from lockmigrate.plan import FileChange, Plan, render_diff


def change(path: Path, before: bytes | None, after: bytes | None) -> FileChange:
    return FileChange(path=path, display=path.name, before=before, after=after, reason="test")


def listing(folder: Path) -> list[str]:
    """The names in ``folder``, but for lockmigrate's state folder outside git, which must
    hold nothing but its lock and ``.gitignore`` once a commit is over."""
    state = folder / ".lockmigrate"
    if state.exists():
        assert sorted(p.name for p in state.iterdir()) == [".gitignore", "lock"]
    return sorted(p.name for p in folder.iterdir() if p != state)


def test_apply_writes_every_change(tmp_path: Path) -> None:
    existing = tmp_path / "requirements.txt"
    existing.write_bytes(b"numpy~=1.26.4\n")
    existing.chmod(0o640)
    new = tmp_path / "sub" / "requirements.in"
    plan = Plan(
        (
            change(existing, b"numpy~=1.26.4\n", b"numpy==1.26.4\n"),
            change(new, None, b"numpy~=1.26.4\n"),
        )
    )
    written = apply(plan)
    assert [c.path for c in written] == [existing, new]
    assert existing.read_bytes() == b"numpy==1.26.4\n"
    assert existing.stat().st_mode & 0o777 == 0o640
    assert new.read_bytes() == b"numpy~=1.26.4\n"
    assert listing(tmp_path) == ["requirements.txt", "sub"]
    assert listing(tmp_path / "sub") == ["requirements.in"]


def test_a_failing_write_leaves_every_file_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = tmp_path / "a.txt"
    first.write_bytes(b"a\n")
    second = tmp_path / "b.txt"
    real_replace = Path.replace

    def failing_replace(self: Path, target: Path) -> Path:
        if Path(target).name == "b.txt":
            raise OSError(28, "No space left on device", str(target))
        return real_replace(self, target)

    monkeypatch.setattr(Path, "replace", failing_replace)
    plan = Plan((change(first, b"a\n", b"A\n"), change(second, None, b"B\n")))
    with pytest.raises(ApplyError, match="No space left on device; nothing was changed"):
        apply(plan)
    monkeypatch.undo()
    assert first.read_bytes() == b"a\n"
    assert listing(tmp_path) == ["a.txt"]


def test_a_directory_in_the_way_stops_everything(tmp_path: Path) -> None:
    (tmp_path / "requirements.in").mkdir()
    plan = Plan((change(tmp_path / "requirements.in", None, b"x\n"),))
    with pytest.raises(ApplyError, match="is a directory"):
        apply(plan)


def test_a_file_changed_since_planning_stops_everything(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_bytes(b"edited by someone else\n")
    other = tmp_path / "other.in"
    plan = Plan((change(other, None, b"x\n"), change(target, b"original\n", b"new\n")))
    with pytest.raises(ApplyError, match="changed on disk"):
        apply(plan)
    assert not other.exists()
    assert target.read_bytes() == b"edited by someone else\n"


def test_unchanged_files_are_not_written(tmp_path: Path) -> None:
    target = tmp_path / "requirements.txt"
    target.write_bytes(b"same\n")
    plan = Plan((change(target, b"same\n", b"same\n"),))
    assert not plan
    assert apply(plan) == ()


def test_diff_of_a_new_file_and_an_update() -> None:
    diff = render_diff(
        [
            change(Path("requirements.in"), None, b"numpy~=1.26.4\n"),
            change(Path("requirements.txt"), b"numpy~=1.26.4\n", b"numpy==1.26.4\n"),
        ]
    )
    assert diff == (
        "--- /dev/null\n+++ b/requirements.in\n@@ -0,0 +1 @@\n+numpy~=1.26.4\n"
        "--- a/requirements.txt\n+++ b/requirements.txt\n@@ -1 +1 @@\n"
        "-numpy~=1.26.4\n+numpy==1.26.4\n"
    )


def test_a_readable_diff_shows_crlf_and_missing_final_newline() -> None:
    diff = render_diff([change(Path("r.txt"), b"a\r\nb", b"a\r\nc")], readable=True)
    assert "-b\n\\ No newline at end of file\n" in diff
    assert "+c\n\\ No newline at end of file\n" in diff
    assert " a\\r\n" in diff


ENDINGS = {"lf": b"\n", "crlf": b"\r\n", "cr": b"\r"}


@pytest.mark.parametrize("ending", ENDINGS)
@pytest.mark.parametrize("final_newline", [True, False], ids=["final-newline", "no-final-newline"])
def test_the_diff_applies_with_git_apply_and_patch(
    tmp_path: Path, ending: str, final_newline: bool
) -> None:
    if shutil.which("git") is None or shutil.which("patch") is None:
        pytest.skip("git and patch are needed")
    eol = ENDINGS[ending]

    def text(*lines: str) -> bytes:
        body = eol.join(line.encode() for line in lines)
        return body + (eol if final_newline else b"")

    files = {
        "update.txt": (
            text("# keep", "numpy~=1.26.4", "pandas~=2.2"),
            text("# keep", "numpy==1.26.4", "pandas==2.2.3"),
        ),
        "svc/create.in": (None, text("numpy~=1.26.4  # allows 1.26.x")),
        "delete.txt": (text("gone~=1.0"), None),
    }
    diff = render_diff(
        [
            FileChange(path=Path(name), display=name, before=before, after=after, reason="test")
            for name, (before, after) in files.items()
        ]
    )
    patch_file = tmp_path / "change.patch"
    patch_file.write_bytes(diff.encode("utf-8", "surrogateescape"))
    for tool in ("git", "patch"):
        tree = tmp_path / tool
        for name, (before, _) in files.items():
            if before is not None:
                (tree / name).parent.mkdir(parents=True, exist_ok=True)
                (tree / name).write_bytes(before)
        tree.mkdir(exist_ok=True)
        command = (
            ["git", "apply", "--whitespace=nowarn", str(patch_file)]
            if tool == "git"
            else ["patch", "-p1", "--batch", "--binary", "-i", str(patch_file)]
        )
        done = subprocess.run(command, cwd=tree, capture_output=True, text=True, check=False)
        assert done.returncode == 0, (tool, done.stdout, done.stderr, diff)
        for name, (_, after) in files.items():
            path = tree / name
            if after is None:
                assert not path.exists() or path.read_bytes() == b"", (tool, name)
            else:
                assert path.read_bytes() == after, (tool, name)
