"""The whole story a maintainer walks through, as issue 6 tells it, on a copy of the
three-service fixture against the local index: scan, to-pip-tools --with dependabot,make,
check (passes), edit a range, check (fails precisely), make lock, check (passes), diff as
Markdown for the pull request."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "pip_tools"


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_the_whole_pip_tools_story(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    repo = tmp_path / "repo"
    shutil.copytree(FIXTURES / "three-services", repo)
    (repo / ".git").mkdir()  # the repository root for the rendered workflow files
    monkeypatch.chdir(repo)

    assert main(["scan"]) == 0
    assert "Service churn" in capsys.readouterr().out

    assert main(["to-pip-tools", "--with", "dependabot,make"]) == 0
    capsys.readouterr()
    assert (repo / ".github" / "dependabot.yml").is_file()
    assert (repo / "Makefile").is_file()

    assert main(["check"]) == 0
    assert capsys.readouterr().out.startswith("ok: 6 lock(s) checked")

    prod_in = repo / "churn" / "requirements-prod.in"
    prod_in.write_text(prod_in.read_text().replace("numpy~=1.26.4 ", "numpy~=1.26.4,!=1.26.9"))
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "churn/requirements-prod.in:4: numpy==1.26.9 in churn/requirements-prod.txt" in out
    assert "expected numpy!=1.26.9,~=1.26.4, found numpy==1.26.9" in out

    made = subprocess.run(
        ["make", "lock", f"PIPCOMPILE={sys.executable} -m piptools compile"],
        cwd=repo,
        env=os.environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert main(["check"]) == 0, capsys.readouterr().out
    capsys.readouterr()

    assert main(["diff", "--format", "markdown", "churn"]) == 0
    markdown = capsys.readouterr().out
    assert "numpy" in markdown
    assert "|" in markdown  # a table a pull-request comment can show
