"""``lockmigrate check``: the CI gate after migration, against the local index with the
real pip-compile."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "pip_tools"


@pytest.fixture
def migrated(use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURES / "three-services", tree)
    monkeypatch.chdir(tree)
    assert main(["to-pip-tools", "churn"]) == 0
    return tree


@pytest.mark.slow
def test_a_fresh_migration_passes_without_resolving(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["check", "churn"]) == 0
    out = capsys.readouterr().out
    assert "ok: 2 lock(s) checked: 2 trusted by their input digest, 0 re-resolved" in out


@pytest.mark.slow
def test_full_re_resolves_and_passes(migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capsys.readouterr()
    assert main(["check", "--full", "churn"]) == 0
    assert "0 trusted by their input digest, 2 re-resolved" in capsys.readouterr().out


@pytest.mark.slow
def test_an_edited_range_fails_with_the_precise_place(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = migrated / "churn" / "requirements-prod.in"
    source.write_text(source.read_text().replace("numpy~=1.26.4", "numpy~=1.27.0"))
    capsys.readouterr()

    assert main(["check", "churn"]) == 1

    out = capsys.readouterr().out
    lock_lines = (migrated / "churn" / "requirements-prod.txt").read_text().splitlines()
    numpy_line = next(i for i, line in enumerate(lock_lines, 1) if line.startswith("numpy=="))
    assert (
        f"churn/requirements-prod.txt:{numpy_line}: churn/requirements-prod.txt is not what its "
        ".in locks to now (expected numpy==1.27.0, found numpy==1.26.9) [stale]"
    ) in out
    assert (
        "churn/requirements-prod.in:4: numpy==1.26.9 in churn/requirements-prod.txt is outside "
        "the declared range (expected numpy~=1.27.0, found numpy==1.26.9"
    ) in out


@pytest.mark.slow
def test_layered_files_must_agree(migrated: Path, capsys: pytest.CaptureFixture[str]) -> None:
    dev = migrated / "churn" / "requirements-dev.txt"
    dev.write_text(dev.read_text().replace("numpy==1.26.9", "numpy==1.26.4"))
    capsys.readouterr()
    assert main(["check", "--format", "json", "churn"]) == 1
    document = json.loads(capsys.readouterr().out)
    codes = {(f["code"], f["path"]) for f in document["findings"]}
    assert ("layering", "churn/requirements-dev.txt") in codes
    layering = next(f for f in document["findings"] if f["code"] == "layering")
    assert layering["expected"].startswith("numpy==1.26.9 (churn/requirements-prod.txt:")
    assert layering["found"] == "numpy==1.26.4"


@pytest.mark.slow
def test_committed_credentials_are_found(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = migrated / "churn" / "requirements-prod.in"
    lines = source.read_text().splitlines(keepends=True)
    source.write_text("".join(lines) + "# mirror: https://ci:hunter22@pypi.example.com/simple\n")
    capsys.readouterr()
    assert main(["check", "--format", "markdown", "churn"]) == 1
    out = capsys.readouterr().out
    assert f"`churn/requirements-prod.in:{len(lines) + 1}`" in out
    assert "credentials" in out
    assert "hunter22" not in out
