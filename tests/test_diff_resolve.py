"""``lockmigrate diff`` with no lock: the ranges are resolved now by the real pip-compile,
through to-pip-tools' own plan, against the local index, and nothing is written."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main

FIXTURES = Path(__file__).parent / "fixtures" / "pip_tools" / "three-services"


def snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
def test_unmigrated_ranges_are_resolved_now_and_nothing_is_written(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in local_index.env(cache_dir=tmp_path / "tool-cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "cache"))
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "taxi", tree / "taxi")
    before = snapshot(tree)
    monkeypatch.chdir(tree)
    code = main(["diff", "taxi/requirements-prod.txt", "--format", "json"])
    document = json.loads(capsys.readouterr().out)
    assert code == 0
    assert snapshot(tree) == before  # diff writes nothing
    (section,) = document["sections"]
    assert section["resolved"] is True
    assert section["lock"] == "taxi/requirements-prod.txt"
    rows = {row["name"]: row for row in section["rows"]}
    # what to-pip-tools would lock: pandas~=2.2.3 lets numpy 2.0.0 in
    assert rows["pandas"]["locked"] == "2.2.4"
    assert rows["numpy"]["locked"] == "2.0.0"
    assert rows["numpy"]["declared"] is None
    assert rows["numpy"]["status"] == "ok"  # already on the newest major
    assert rows["xgboost"]["status"] == "held"  # 3.0.0 is outside ~=2.1.3
    assert all(row["in_range"] is not False for row in section["rows"])
