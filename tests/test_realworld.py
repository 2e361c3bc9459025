"""The five real repositories' dependency trees in ``../shared/realworld`` (when present):
what ``scan`` finds and plans for each, without the index. The migrations themselves are
tried against the real index by ``../shared/realworld/trial.sh`` (see the issue notes);
here the suite checks, offline, the decisions that made them fail before."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockmigrate import api
from lockmigrate.diagnostics import Collector
from lockmigrate.model.services import FileFormat, ScannedFile

REALWORLD = Path(__file__).resolve().parents[2] / "shared" / "realworld"
TREES = ("wger", "bakerydemo", "torchmetrics", "boto3", "instructlab")

pytestmark = pytest.mark.skipif(
    not REALWORLD.is_dir(), reason="../shared/realworld is not beside this checkout"
)


def scanned(tree: str) -> tuple[dict[str, ScannedFile], Collector]:
    collector = Collector()
    report = api.scan([REALWORLD / tree], collector=collector)
    root = REALWORLD / tree
    files = {
        f.path.relative_to(root).as_posix(): f for service in report.services for f in service.files
    }
    return files, collector


@pytest.mark.parametrize("tree", TREES)
def test_every_tree_scans_without_a_skipped_file(tree: str) -> None:
    files, collector = scanned(tree)
    assert files
    codes = {d.code for d in collector.items}
    assert "unreadable-file" not in codes
    assert not any(name.endswith(("MANIFEST.in", ".txt.txt")) for name in files)


def lock_of(file: ScannedFile, root: Path) -> str | None:
    return file.lock.relative_to(root).as_posix() if file.lock is not None else None


def test_wger_keeps_the_file_its_pyproject_reads() -> None:
    files, _ = scanned("wger")
    root = REALWORLD / "wger"
    main = files["requirements.txt"]
    assert main.kept is not None
    assert "pyproject.toml:45" in main.kept
    assert lock_of(main, root) == "requirements-lock.txt"
    for name in ("requirements_dev.txt", "requirements_prod.txt", "requirements_docker.txt"):
        assert files[name].kept is None
        assert lock_of(files[name], root) == name  # becomes the lock; ranges go to the .in


def test_torchmetrics_keeps_the_folder_setup_py_globs() -> None:
    files, _ = scanned("torchmetrics")
    root = REALWORLD / "torchmetrics"
    for name, file in files.items():
        if name.startswith("requirements/"):
            assert file.kept is not None, name
            assert "setup.py:" in file.kept
            stem = Path(name).stem
            assert lock_of(file, root) == f"requirements/locks/{stem}-lock.txt"
    # the root file is not read by setup.py: it becomes a .in and a lock
    assert files["requirements.txt"].kept is None


def test_boto3_locks_under_other_names_are_linked() -> None:
    files, _ = scanned("boto3")
    root = REALWORLD / "boto3"
    for role in ("dev", "docs"):
        source, lock = files[f"requirements-{role}.txt"], files[f"requirements-{role}-lock.txt"]
        assert lock.format is FileFormat.PIP_TOOLS_LOCK
        assert lock.input == root / f"requirements-{role}.txt"
        assert lock_of(source, root) == f"requirements-{role}-lock.txt"
        assert source.pip_tools.startswith("already compiled to ")


def test_instructlab_txt_in_input_and_extras_files() -> None:
    files, _ = scanned("instructlab")
    root = REALWORLD / "instructlab"
    assert files["constraints-dev.txt"].input == root / "constraints-dev.txt.in"
    assert lock_of(files["constraints-dev.txt.in"], root) == "constraints-dev.txt"
    for extra in ("cpu", "cuda", "hpu", "mps", "rocm"):
        file = files[f"requirements/{extra}.txt"]
        assert file.kept is not None
        assert f"optional-dependencies.{extra}" in file.kept
        assert lock_of(file, root) == f"requirements/{extra}-lock.txt"
