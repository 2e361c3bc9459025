"""What a person sees while a command works, and the line it ends with (issue 13, item 6):
rich's live display on a (pseudo-)terminal with what runs now and how many of how many are
done; plain lines with ``NO_COLOR``; nothing but the closing summary in a pipe. Real
pip-compile against the local index; nothing is mocked."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from index.server import LocalIndex
from summary import summary_line
from terminal import on_a_terminal

from lockmigrate.cli import main
from lockmigrate.cli.common import Verbosity
from lockmigrate.cli.progress import Mode, Progress

FIXTURES = Path(__file__).parent / "fixtures"
ESCAPES = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
LOCKS = [
    f"{service}/requirements-{role}.txt" for service in ("churn", "nlp", "taxi")
    for role in ("prod", "dev")
]  # fmt: skip


@pytest.fixture
def index_env(local_index: LocalIndex, tmp_path: Path) -> dict[str, str]:
    """This process's environment, with pip and uv pointed at the local index."""
    return {**os.environ, **local_index.env(cache_dir=tmp_path / "tool-cache")}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    target = tmp_path / "three-services"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", target)
    return target


def plain(screen: str) -> list[str]:
    """The lines a terminal is left showing, roughly: escapes dropped, carriage returns and
    erased lines resolved to what was written last."""
    return [line for line in ESCAPES.sub("", screen).splitlines() if line.strip()]


def test_to_pip_tools_on_a_terminal_shows_what_compiles_and_how_many_are_done(
    index_env: dict[str, str], tree: Path
) -> None:
    shown = on_a_terminal(["to-pip-tools", "."], cwd=tree, env=index_env, columns=80, timeout=600)

    assert shown.returncode == 0, shown.screen
    screen = shown.screen
    assert "\x1b[?25l" in screen and screen.rstrip().count("\x1b[?25h")  # live, then put back
    text = ESCAPES.sub("", screen)
    assert "compiling locks" in text
    assert re.search(r"compiling locks +[0-6] of 6 done", text), text
    assert re.search(r"now: (churn|nlp|taxi)/requirements-(prod|dev)\.txt", text), text
    assert "(4 files)" not in text and "compiled churn" not in text  # no per-file counts
    assert plain(screen)[-1].startswith(
        "lockmigrate: 3 services, 6 locks compiled, 12 files written ("
    )


def test_to_pip_tools_with_no_color_prints_plain_progress_lines(
    index_env: dict[str, str], tree: Path
) -> None:
    shown = on_a_terminal(
        ["to-pip-tools", "."], cwd=tree, env={**index_env, "NO_COLOR": "1"}, timeout=600
    )

    assert shown.returncode == 0, shown.screen
    assert "\x1b" not in shown.screen
    lines = shown.screen.splitlines()
    for lock in LOCKS:
        assert f"  compiling {lock} ..." in lines
    done = [line for line in lines if line.startswith("  compiled ")]
    assert [re.sub(r".* \((\d) of 6 done\)$", r"\1", line) for line in done] == list("123456")
    assert summary_line(shown.screen) == "3 services, 6 locks compiled, 12 files written"


def test_to_pip_tools_piped_prints_no_progress_and_ends_with_the_summary(
    index_env: dict[str, str], tree: Path
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "to-pip-tools", "--dry-run", "."],
        cwd=tree, env=index_env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    assert "\x1b" not in done.stdout + done.stderr
    assert summary_line(done.stderr) == (
        "3 services, 6 locks compiled, 12 files would change (--dry-run: nothing written)"
    )
    assert done.stderr.count("\n") == 1  # the summary alone: no progress in a pipe


def test_quiet_has_no_summary(index_env: dict[str, str], tree: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "scan", "-q", "."],
        cwd=tree, env=index_env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""


def test_check_full_on_a_terminal_shows_each_lock_re_resolved(
    index_env: dict[str, str], tmp_path: Path
) -> None:
    tree = tmp_path / "migrated"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated", tree)

    shown = on_a_terminal(["check", "--full"], cwd=tree, env=index_env, columns=100, timeout=600)

    assert shown.returncode == 0, shown.screen
    text = ESCAPES.sub("", shown.screen)
    assert re.search(r"re-resolving locks +[0-6] of 6 done", text), text
    assert summary_line(text) == "6 locks checked, 3 services, 6 re-resolved, ok"


def test_check_on_fresh_locks_never_imports_rich_even_on_a_terminal(tmp_path: Path) -> None:
    """The digest path is what a pre-commit hook runs on every commit: it has nothing to
    show progress of, so the display's library is never loaded."""
    import pty

    tree = tmp_path / "migrated"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated", tree)
    script = (
        "import sys\n"
        "from lockmigrate.cli import main\n"
        "code = main(['check'])\n"
        "print(code, sys.stderr.isatty(), 'rich' in sys.modules, file=sys.stdout)\n"
    )
    controller, terminal = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-c", script], cwd=tree, stdout=subprocess.PIPE,
            stderr=terminal, text=True, check=False, timeout=120,
        )  # fmt: skip
        screen = os.read(controller, 65536).decode()
    finally:
        os.close(terminal)
        os.close(controller)

    assert done.stdout.splitlines()[-1] == "0 True False", done.stdout + screen
    assert "6 locks checked, 3 services, ok (" in screen


def test_progress_lines_count_what_is_done_of_all(capsys: pytest.CaptureFixture[str]) -> None:
    """In logs, each item as it starts and as it ends, with how many of all are done."""
    with Progress(mode=Mode.LINES, doing="compiling", done="compiled", noun="lock") as progress:
        progress.planned(2)
        report = progress.callback()
        report("a/requirements.txt", "compiling")
        report("b/requirements.txt", "compiling")
        report("b/requirements.txt", "done")
        report("a/requirements.txt", "failed")

    assert capsys.readouterr().err.splitlines() == [
        "  compiling a/requirements.txt ...",
        "  compiling b/requirements.txt ...",
        "  compiled b/requirements.txt (1 of 2 done)",
        "  failed: a/requirements.txt (2 of 2 done)",
    ]


def test_in_a_pipe_progress_is_silent_unless_verbose() -> None:
    from lockmigrate.cli.progress import choose_mode

    assert not sys.stderr.isatty()  # pytest captures it
    assert choose_mode(Verbosity.NORMAL) is Mode.SILENT
    assert choose_mode(Verbosity.NORMAL, in_logs=True) is Mode.LINES
    assert choose_mode(Verbosity.VERBOSE) is Mode.LINES
    assert choose_mode(Verbosity.QUIET, in_logs=True) is Mode.SILENT


def test_every_command_ends_with_a_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "migrated"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated", tree)
    monkeypatch.chdir(tree)

    assert main(["scan"]) == 0
    assert summary_line(capsys.readouterr().err) == "3 services, 12 files"
    assert main(["check"]) == 0
    assert summary_line(capsys.readouterr().err) == "6 locks checked, 3 services, ok"
    assert main(["diff", "--offline", "--fail-on", ""]) == 0
    assert summary_line(capsys.readouterr().err) == "6 inputs, 41 packages"
    assert main(["to-pip-tools"]) == 0
    assert (
        summary_line(capsys.readouterr().err) == "3 services, 6 already locked, nothing to change"
    )


@pytest.mark.slow
def test_to_poetry_lock_on_a_terminal_shows_each_service_locked(
    index_env: dict[str, str], local_index: LocalIndex, tree: Path, tmp_path: Path
) -> None:
    """``poetry lock`` takes seconds a service: the display names the one locking now."""
    for service in ("churn", "nlp", "taxi"):
        prod = tree / service / "requirements-prod.txt"
        prod.write_text(f"--index-url {local_index.url}\n" + prod.read_text())
    env = {
        **index_env,
        "POETRY_CACHE_DIR": str(tmp_path / "poetry-cache"),
        "POETRY_CONFIG_DIR": str(tmp_path / "poetry-config"),
        "POETRY_DATA_DIR": str(tmp_path / "poetry-data"),
    }
    running = f"{sys.version_info.major}.{sys.version_info.minor}"

    shown = on_a_terminal(
        ["to-poetry", "--python-version", running, "--lock", "."],
        cwd=tree, env=env, columns=100, timeout=900,
    )  # fmt: skip

    assert shown.returncode == 0, shown.screen
    text = ESCAPES.sub("", shown.screen)
    assert re.search(r"locking services +[0-3] of 3 done", text), text
    assert re.search(r"now: poetry lock for (churn|nlp|taxi)/pyproject\.toml", text), text
    assert summary_line(text) == "3 services, 3 files written, 3 lock files written by poetry lock"


def test_a_dry_run_with_stat_lists_the_files_and_ends_with_the_summary(
    index_env: dict[str, str], tree: Path
) -> None:
    """The README's first command: what would change and where, in a screenful."""
    done = subprocess.run(
        [sys.executable, "-m", "lockmigrate", "to-pip-tools", "--dry-run", "--stat", "."],
        cwd=tree, env=index_env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip

    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert len(lines) == 12  # one a file, no diff
    assert re.fullmatch(
        r"would create churn/requirements-prod\.in \(\+\d+ -0\): the ranges of "
        r"churn/requirements-prod\.txt, as written",
        lines[0],
    ), lines[0]
    assert re.fullmatch(
        r"would update churn/requirements-prod\.txt \(\+\d+ -\d+\): exact pins compiled by "
        r"pip-tools",
        lines[1],
    ), lines[1]
    assert summary_line(done.stderr) == (
        "3 services, 6 locks compiled, 12 files would change (--dry-run: nothing written)"
    )


def test_diff_resolving_on_a_terminal_shows_the_resolve_that_runs_now(
    index_env: dict[str, str], tmp_path: Path
) -> None:
    tree = tmp_path / "migrated"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated", tree)

    shown = on_a_terminal(
        ["diff", "--resolve", "--fail-on", ""], cwd=tree, env=index_env, columns=100, timeout=600
    )

    assert shown.returncode == 0, shown.screen
    assert "\x1b[?25l" in shown.screen  # the live display, not lines
    text = ESCAPES.sub("", shown.screen)
    assert re.search(r"diff +[0-6] of 6 done", text), text
    assert re.search(r"now: resolving (churn|nlp|taxi)/requirements-(prod|dev)\.txt", text), text
    assert "diff: resolv" not in text  # the log lines are for logs
    assert summary_line(text) == "6 inputs, 41 packages"
