"""``check`` and ``diff`` on a folder (issue 11, item 8): the resolver a lock's header names
re-resolves it; every input resolved now gets its own result, an unresolvable one an error
section; progress on stderr, none with ``--format json``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main


@pytest.fixture
def tree(use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    root = tmp_path / "repo"
    for service, text in {
        "api": "pandas~=2.2.3\n",
        "worker": "joblib>=1.4\n",
        "broken": "no-such-package-anywhere>=1.0\n",
    }.items():
        (root / service).mkdir(parents=True)
        (root / service / "requirements.txt").write_text(text)
    monkeypatch.chdir(root)
    return root


@pytest.mark.slow
def test_one_unresolvable_input_does_not_fail_the_others(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", ".", "--format", "json"]) == 3  # something failed
    captured = capsys.readouterr()
    assert "diff: resolving" not in captured.err  # quiet for programs reading JSON
    sections = {s["title"]: s for s in json.loads(captured.out)["sections"]}
    assert set(sections) == {
        "api/requirements.txt",
        "broken/requirements.txt",
        "worker/requirements.txt",
    }
    broken = sections["broken/requirements.txt"]
    assert broken["rows"] == []
    assert "no-such-package-anywhere" in broken["error"]
    assert "Nothing was written" not in broken["error"]
    for title in ("api/requirements.txt", "worker/requirements.txt"):
        assert sections[title]["error"] is None
        assert sections[title]["resolved"] is True
        assert sections[title]["rows"], title
    assert "the resolver failed on 1 input(s)" in captured.err


@pytest.mark.slow
def test_a_service_whose_dev_file_fails_still_reports_its_prod_file(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """prod and dev of one service resolve together (dev layered on prod, as to-pip-tools
    does); when that fails, each is tried alone, so prod still has its result."""
    (tree / "worker" / "requirements-dev.txt").write_text(
        "-r requirements.txt\nno-such-package-anywhere>=1.0\n"
    )
    assert main(["diff", "worker", "--format", "json"]) == 3
    sections = {s["title"]: s for s in json.loads(capsys.readouterr().out)["sections"]}
    assert sections["worker/requirements.txt"]["error"] is None
    assert [r["name"] for r in sections["worker/requirements.txt"]["rows"]] == ["joblib"]
    assert "no-such-package-anywhere" in sections["worker/requirements-dev.txt"]["error"]


@pytest.mark.slow
def test_progress_is_a_line_per_input_on_stderr(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", "."]) == 3
    captured = capsys.readouterr()
    progress = [line for line in captured.err.splitlines() if line.startswith("diff: ")]
    for title in ("api", "worker", "broken"):
        assert f"diff: resolving {title}/requirements.txt ..." in progress
    assert sum(line.startswith("diff: resolved ") for line in progress) == 2
    assert any(line.startswith("diff: could not resolve broken/") for line in progress)
    assert "could not resolve: " in captured.out  # the table's section for the broken input
    assert "api/requirements.txt" in captured.out and "pandas" in captured.out


@pytest.mark.slow
def test_a_tree_locked_by_uv_is_resolved_and_checked_with_uv(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tree / "broken" / "requirements.txt").unlink()
    assert main(["to-pip-tools", "--resolver", "uv", "api"]) == 0
    capsys.readouterr()

    # worker is not migrated: resolved now, with the resolver the tree's locks were made by
    assert main(["diff", ".", "--format", "json"]) == 0
    sections = {s["title"]: s for s in json.loads(capsys.readouterr().out)["sections"]}
    assert sections["api/requirements.in"]["made_by"] == "uv pip compile"
    assert sections["api/requirements.in"]["resolved"] is False
    assert sections["worker/requirements.txt"]["made_by"] == "uv pip compile"
    assert sections["worker/requirements.txt"]["resolved"] is True

    # --resolver says otherwise
    assert main(["diff", "worker", "--resolver", "pip-tools", "--format", "json"]) == 0
    (section,) = json.loads(capsys.readouterr().out)["sections"]
    assert section["made_by"] == "pip-compile"

    # check re-locks a uv lock with uv, not pip-compile
    assert main(["check", "--full", "api", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["resolvers"] == {"api/requirements.txt": "uv"}
    assert main(["check", "--full", "--resolver", "pip-tools", "api", "--format", "json"]) in {0, 1}
    assert json.loads(capsys.readouterr().out)["resolvers"] == {"api/requirements.txt": "pip-tools"}
