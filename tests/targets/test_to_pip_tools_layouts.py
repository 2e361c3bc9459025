"""to-pip-tools on monorepo layouts a new user tried: includes outside the folder given,
editable local packages under a layered dev file."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pip_tools"


@pytest.mark.slow
def test_one_service_of_a_monorepo_with_a_shared_constraints_file(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    (repo / "svc-a" / "requirements").mkdir(parents=True)
    (repo / "constraints.txt").write_text("joblib<1.5\n")
    (repo / "svc-a" / "requirements" / "base.txt").write_text(
        "-c ../../constraints.txt\njoblib~=1.4\n"
    )
    monkeypatch.chdir(repo)
    assert main(["to-pip-tools", "svc-a"]) == 0
    lock = (repo / "svc-a" / "requirements" / "base.txt").read_text()
    assert "joblib==1.4.2\n" in lock  # the shared constraint applied


@pytest.mark.slow
def test_an_editable_package_in_prod_does_not_break_the_dev_file(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    service = tmp_path / "svc"
    shutil.copytree(FIXTURES / "local-path", service)
    (service / "requirements-dev.txt").write_text("-r requirements.txt\npytest~=8.3.3\n")
    monkeypatch.chdir(service)

    assert main(["to-pip-tools"]) == 0

    err = capsys.readouterr().err
    assert "requirements-dev.txt:1: warning: requirements.txt holds editable" in err
    assert "[layering-skipped]" in err
    dev_in = (service / "requirements-dev.in").read_text()
    assert "-r requirements.in\n" in dev_in
    assert "-c requirements.txt" not in dev_in  # pip refuses editables in constraints
    assert "-e ./libs/tiny\n" in (service / "requirements-dev.txt").read_text()
