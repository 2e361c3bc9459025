"""Hostile trees and files: each ends with a clear error (exit 2) or a warning, never a
traceback, a hang, or exit 1 (which ``check`` and ``diff`` use for findings)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lockmigrate.cli import main

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="FIFOs and symlinks are POSIX")


def hostile_tree(root: Path) -> Path:
    service = root / "svc"
    service.mkdir()
    (service / "requirements.txt").write_text("numpy~=1.26.4\n")
    (service / "requirements-loop.txt").symlink_to("requirements-loop.txt")  # ELOOP
    (service / "requirements-gone.txt").symlink_to("nowhere.txt")  # dangling
    os.mkfifo(service / "requirements-fifo.txt")
    (root / "folder-loop").mkdir()
    (root / "folder-loop" / "again").symlink_to("..", target_is_directory=True)
    return root


COMMANDS = [
    ["scan", "."],
    ["scan", ".", "--format", "json"],
    ["check", "."],
    ["to-poetry", "--dry-run", "."],
    ["to-uv", "--dry-run", "."],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_links_loops_and_fifos_under_a_tree_are_warnings(
    command: list[str], tmp_path: Path
) -> None:
    hostile_tree(tmp_path)
    # a subprocess with a timeout: a reader that opened the FIFO would hang for ever
    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", *command],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PIP_CONFIG_FILE": os.devnull},
        check=False,
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output
    assert done.returncode in {0, 2} or (command[0] == "check" and done.returncode == 1)
    if "json" not in command:
        assert "svc/requirements-fifo.txt is named like a requirements file but is a FIFO" in output
        assert (
            "svc/requirements-loop.txt is named like a requirements file but is a symlink loop"
            in output
        )
        assert (
            "svc/requirements-gone.txt is named like a requirements file but is a link to nothing"
            in output
        )


@pytest.mark.parametrize("target", ["fifo", "/dev/zero", "loop"])
def test_a_named_file_that_is_not_regular_is_refused_by_name(target: str, tmp_path: Path) -> None:
    if target == "fifo":
        os.mkfifo(tmp_path / "requirements.txt")
        path, kind = "requirements.txt", "is a FIFO (named pipe)"
    elif target == "loop":
        (tmp_path / "requirements.txt").symlink_to("requirements.txt")
        path, kind = "requirements.txt", ""
    else:
        path, kind = target, "is a character device"
    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "scan", path],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"lockmigrate: error: {path}")
    assert kind in done.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads folders whatever their mode")
def test_a_folder_that_cannot_be_searched_is_a_warning_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hidden = tmp_path / "locked"
    hidden.mkdir()
    (tmp_path / "requirements.txt").write_text("numpy~=1.26.4\n")
    hidden.chmod(0)
    monkeypatch.chdir(tmp_path)
    try:
        assert main(["scan", "."]) == 0
    finally:
        hidden.chmod(0o755)
    assert "locked: cannot be searched" in capsys.readouterr().out


def test_a_bug_is_reported_as_one_with_its_own_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import lockmigrate.scan

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a deliberate bug")

    (tmp_path / "requirements.txt").write_text("numpy~=1.26.4\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(lockmigrate.scan, "scan_services", broken)

    assert main(["scan", "."]) == 70

    err = capsys.readouterr().err
    assert err.startswith("lockmigrate: internal error (a bug in lockmigrate, not in your files)")
    assert "RuntimeError: a deliberate bug" in err
