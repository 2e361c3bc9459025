"""What people see: tables on a real (pseudo-)terminal, plain text in pipes and with
``NO_COLOR``, and user text printed as written, never read as markup."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from terminal import on_a_terminal

from lockmigrate.cli import main
from lockmigrate.reporters._text import Column, cell_width, printable, table_lines

# Text rich would read as markup or emoji, an escape sequence, a tab, wide characters.
TRICKY_COMMENT = "# see [/docs] [bold]x[/bold] :fire: \x1b[31mred\x1b[0m\ttab 日本"


def write_tricky_tree(root: Path) -> Path:
    service = root / "svc[/x]"
    service.mkdir(parents=True)
    (service / "requirements.txt").write_text(
        f"numpy~=1.26.4  {TRICKY_COMMENT}\nbleach[css]~=6.0 ; python_version < '3.12'\n",
        encoding="utf-8",
    )
    return service


def test_scan_prints_user_text_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write_tricky_tree(tmp_path)
    monkeypatch.chdir(tmp_path)

    assert main(["scan", "."]) == 0

    out = capsys.readouterr().out
    assert "Service svc[/x]" in out
    assert "# see [/docs] [bold]x[/bold] :fire: \\x1b[31mred\\x1b[0m" in out
    assert "tab 日本" in out  # folded onto the next line at 120 columns
    assert "bleach[css]" in out
    assert "\x1b" not in out  # the file's escape sequence is shown, not obeyed
    assert not [line for line in out.splitlines() if line != line.rstrip()]


def test_diff_prints_paths_that_look_like_markup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder called ``svc[/x]`` made rich raise MarkupError (exit 1, a traceback)."""
    for name in ("svc[/x]", ":fire:"):
        service = tmp_path / name
        service.mkdir(parents=True)
        (service / "requirements.in").write_text("six~=1.16\n")
        (service / "requirements.txt").write_text("six==1.16.0\n    # via -r requirements.in\n")
    monkeypatch.chdir(tmp_path)

    assert main(["diff", "--offline", "."]) == 0

    out = capsys.readouterr().out
    assert "\nsvc[/x]/requirements.in\n  lock: svc[/x]/requirements.txt (pip-compile)" in out
    assert ":fire:/requirements.in\n  lock: :fire:/requirements.txt (pip-compile)" in out
    assert out.count("  requirements.in:1\n") == 2  # where, from each section's folder


def test_scan_on_a_terminal_is_coloured_and_fits_its_width(tmp_path: Path) -> None:
    service = write_tricky_tree(tmp_path)
    long_comment = "# " + " ".join(["word"] * 40)
    with (service / "requirements.txt").open("a", encoding="utf-8") as file:
        file.write(f"pandas~=2.2  {long_comment}\n")

    shown = on_a_terminal(["scan", "."], cwd=tmp_path, columns=80)

    assert shown.returncode == 0, shown.screen
    assert "\x1b[1mService svc[/x]\x1b[0m" in shown.screen
    assert "\x1b[1mline  package" in shown.screen  # the header
    assert "[/docs] [bold]x[/bold] :fire: \\x1b[31mred" in " ".join(shown.screen.split())
    lines = [line for line in shown.screen.splitlines() if "\x1b" not in line]
    assert max(cell_width(line) for line in lines if "word" in line) <= 80
    assert sum("word" in line for line in lines) > 1  # the long comment folded


def test_scan_with_no_color_on_a_terminal_is_plain(tmp_path: Path) -> None:
    write_tricky_tree(tmp_path)

    shown = on_a_terminal(["scan", "."], cwd=tmp_path, env={**os.environ, "NO_COLOR": "1"})

    assert shown.returncode == 0, shown.screen
    assert "\x1b[" not in shown.screen
    assert "Service svc[/x]" in shown.screen


def test_scan_in_a_pipe_is_plain(tmp_path: Path) -> None:
    write_tricky_tree(tmp_path)
    env = {key: value for key, value in os.environ.items() if key != "NO_COLOR"}

    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "scan", "."],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout
    assert "Service svc[/x]" in done.stdout


def test_columns_align_and_only_the_last_folds() -> None:
    columns = [Column(header="n", right=True), Column(header="name"), Column(header="comment")]
    rows = [
        ("1", "a-very-long-package-name", "short"),
        ("10", "b", "a comment long enough to fold at twenty"),
    ]

    lines = table_lines(columns, rows, width=50, color=False)

    assert lines == [
        " n  name                      comment",
        " 1  a-very-long-package-name  short",
        "10  b                         a comment long",
        "                              enough to fold at",
        "                              twenty",
    ]


def test_no_room_to_fold_keeps_lines_whole() -> None:
    lines = table_lines(
        [Column(header="package"), Column(header="comment")],
        [("x" * 60, "a comment that does not fit")],
        width=40,
        color=False,
    )
    assert lines[1] == "x" * 60 + "  a comment that does not fit"


def test_printable_shows_control_characters() -> None:
    assert printable("a\x1b[2Jb\rc\td\x7f") == "a\\x1b[2Jb\\x0dc d\\x7f"
    assert printable("[bold] stays") == "[bold] stays"
    assert cell_width("日本x") == 5
