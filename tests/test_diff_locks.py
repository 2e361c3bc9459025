"""``lockmigrate diff --from OLD --to NEW``: two locks of each kind, and ``--from HEAD~1``
in a real git repository. Never asks an index."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from lockmigrate.cli import main

OLD_TXT = """\
joblib==1.4.2
    # via scikit-learn
numpy==1.26.4
    # via
    #   -r requirements.in
    #   pandas
pandas==2.2.3
    # via -r requirements.in
scikit-learn==1.5.2
    # via -r requirements.in
slicer==0.0.8
    # via -r requirements.in
"""

NEW_TXT = """\
joblib==1.5.0
    # via scikit-learn
numpy==1.26.9
    # via
    #   -r requirements.in
    #   pandas
pandas==2.3.0
    # via -r requirements.in
pyarrow==19.0.0
    # via pandas
scikit-learn==1.5.9
    # via -r requirements.in
scipy==1.15.0
    # via scikit-learn
"""

IN = "numpy~=1.26.4\npandas~=2.2.3\nscikit-learn~=1.5.2\nslicer==0.0.8\n"


def lock_json(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, object]]:
    code = main(["diff", *args, "--format", "json", "--fail-on", ""])
    return code, json.loads(capsys.readouterr().out)


def by_name(document: dict[str, object]) -> dict[str, dict[str, object]]:
    rows = document["rows"]
    assert isinstance(rows, list)
    return {row["name"]: row for row in rows}


@pytest.fixture
def refresh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A weekly lock refresh in the current folder: ``old.txt`` and the new
    ``requirements.txt`` beside its ``requirements.in``."""
    monkeypatch.chdir(tmp_path)
    Path("old.txt").write_text(OLD_TXT)
    Path("requirements.txt").write_text(NEW_TXT)
    Path("requirements.in").write_text(IN)
    return tmp_path


@pytest.mark.usefixtures("refresh")
def test_pip_compile_lock_to_lock(capsys: pytest.CaptureFixture[str]) -> None:
    code, document = lock_json(capsys, "--from", "old.txt", "--to", "requirements.txt")
    assert code == 0
    rows = by_name(document)
    assert document["kind"] == "lock-diff"
    assert document["unchanged"] == 0
    assert document["declared_files"] == ["requirements.in"]
    assert rows["numpy"] == {
        "name": "numpy",
        "old": "1.26.4",
        "new": "1.26.9",
        "change": "upgraded",
        "level": "patch",
        "declared": "~=1.26.4",
        "origin": "requirements.in:1",
        "in_range": True,
        "status": "ok",
        "via": [],
    }
    assert rows["joblib"]["level"] == "minor"
    assert rows["joblib"]["via"] == ["scikit-learn"]
    assert rows["pandas"]["status"] == "out-of-range"  # 2.3.0 is outside ~=2.2.3
    assert rows["pyarrow"]["change"] == "added"
    assert rows["scipy"]["change"] == "added"
    assert rows["slicer"]["change"] == "removed"
    assert rows["slicer"]["status"] == "missing"  # declared, gone from the new lock
    # the default --fail-on (out-of-range,missing) fails this refresh
    assert main(["diff", "--from", "old.txt", "--to", "requirements.txt"]) == 1
    assert "diff found 1 out-of-range, 1 missing" in capsys.readouterr().err


@pytest.mark.usefixtures("refresh")
def test_a_new_lock_without_ranges_beside_it_is_warned_about(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the locks given the wrong way round: old.txt has no .in beside it
    assert main(["diff", "--from", "requirements.txt", "--to", "old.txt", "--fail-on", ""]) == 0
    err = capsys.readouterr().err
    assert "no-ranges" in err and "no .in or pyproject.toml beside old.txt" in err
    main(["diff", "--from", "old.txt", "--to", "requirements.txt", "--fail-on", ""])
    assert "no-ranges" not in capsys.readouterr().err


def test_transitive_major_upgrade_is_unguarded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("requirements.in").write_text("pandas~=2.2.3\n")
    Path("old.txt").write_text("numpy==1.26.9\n    # via pandas\npandas==2.2.4\n")
    Path("requirements.txt").write_text("numpy==2.0.0\n    # via pandas\npandas==2.2.4\n")
    _, document = lock_json(capsys, "--from", "old.txt", "--to", "requirements.txt")
    rows = by_name(document)
    assert rows["numpy"]["level"] == "major"
    assert rows["numpy"]["status"] == "unguarded"
    assert rows["numpy"]["via"] == ["pandas"]
    assert document["unchanged"] == 1
    assert (
        main(["diff", "--from", "old.txt", "--to", "requirements.txt", "--fail-on", "unguarded"])
        == 1
    )


POETRY_TEMPLATE = """\
[[package]]
name = "numpy"
version = "{numpy}"
description = ""
optional = false
python-versions = ">=3.9"
groups = ["main"]
files = []

[[package]]
name = "pandas"
version = "{pandas}"
description = ""
optional = false
python-versions = ">=3.9"
groups = ["main"]
files = []

[package.dependencies]
numpy = ">=1.26"

[metadata]
lock-version = "2.1"
python-versions = "^3.10"
content-hash = "0"
"""

PYPROJECT = """\
[tool.poetry]
name = "taxi"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.10"
pandas = "~2.2"
"""


def test_poetry_lock_to_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "old").mkdir()  # a lock's kind comes from its name: keep "poetry.lock"
    Path("old/poetry.lock").write_text(POETRY_TEMPLATE.format(numpy="1.26.9", pandas="2.2.3"))
    Path("poetry.lock").write_text(POETRY_TEMPLATE.format(numpy="2.0.0", pandas="2.2.4"))
    _, document = lock_json(capsys, "--from", "old/poetry.lock", "--to", "poetry.lock")
    rows = by_name(document)
    assert rows["pandas"]["declared"] == "<2.3,>=2.2"
    assert rows["pandas"]["origin"] == "pyproject.toml:7"
    assert rows["pandas"]["in_range"] is True
    assert rows["pandas"]["level"] == "patch"
    assert rows["numpy"]["status"] == "unguarded"
    assert rows["numpy"]["via"] == ["pandas"]


PYLOCK_TEMPLATE = """\
lock-version = "1.0"
created-by = "uv"

[[packages]]
name = "numpy"
version = "{numpy}"
wheels = [
    {{ url = "https://f.example/numpy-{numpy}-py3-none-any.whl", hashes = {{ sha256 = "aa" }} }},
]

[[packages]]
name = "pandas"
version = "2.2.4"
dependencies = [{{ name = "numpy" }}]
wheels = [
    {{ url = "https://f.example/pandas-2.2.4-py3-none-any.whl", hashes = {{ sha256 = "bb" }} }},
]
"""


def test_pylock_to_lock_and_markdown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "old").mkdir()
    Path("old/pylock.toml").write_text(PYLOCK_TEMPLATE.format(numpy="1.26.4"))
    Path("pylock.toml").write_text(PYLOCK_TEMPLATE.format(numpy="1.27.0"))
    Path("pyproject.toml").write_text('[project]\nname = "x"\ndependencies = ["numpy~=1.26.4"]\n')
    _, document = lock_json(capsys, "--from", "old/pylock.toml", "--to", "pylock.toml")
    rows = by_name(document)
    assert rows["numpy"]["level"] == "minor"
    assert rows["numpy"]["in_range"] is False
    assert rows["numpy"]["status"] == "out-of-range"
    assert (
        main(["diff", "--from", "old/pylock.toml", "--to", "pylock.toml", "--format", "markdown"])
        == 1
    )
    out = capsys.readouterr().out
    assert "## Lock changes: `old/pylock.toml` -> `pylock.toml`" in out
    assert (
        "| numpy | `1.26.4` | `1.27.0` | upgraded | minor | `~=1.26.4` | pyproject.toml:3 | NO "
        "| **out-of-range** |" in out
    )


def git(*args: str, cwd: Path) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.invalid", *args],
        cwd=cwd,
        check=True,
        capture_output=True,
        stdin=subprocess.DEVNULL,
    )


def test_from_a_git_revision(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    repo = tmp_path / "repo"
    service = repo / "svc"
    service.mkdir(parents=True)
    git("init", "-q", cwd=repo)
    (service / "requirements.in").write_text(IN)
    (service / "requirements.txt").write_text(OLD_TXT)
    git("add", ".", cwd=repo)
    git("commit", "-q", "-m", "old lock", cwd=repo)
    (service / "requirements.txt").write_text(NEW_TXT)
    git("commit", "-q", "-am", "weekly refresh", cwd=repo)
    monkeypatch.chdir(repo)
    _, document = lock_json(capsys, "--from", "HEAD~1", "--to", "svc/requirements.txt")
    assert document["from"] == "HEAD~1:svc/requirements.txt"
    assert by_name(document)["numpy"]["old"] == "1.26.4"
    assert by_name(document)["numpy"]["new"] == "1.26.9"
    # the table names the change and the two sides
    assert main(["diff", "--from", "HEAD~1", "svc/requirements.txt", "--fail-on", ""]) == 0
    out = capsys.readouterr().out
    assert "HEAD~1:svc/requirements.txt -> svc/requirements.txt" in out
    assert "upgraded" in out
    # a revision that does not exist is bad input, said by git
    assert main(["diff", "--from", "HEAD~5", "--to", "svc/requirements.txt"]) == 2
    assert "cannot read HEAD~5:svc/requirements.txt from git" in capsys.readouterr().err


def test_usage_errors(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("requirements.txt").write_text("numpy==1.26.4\n")
    assert main(["diff", "--to", "requirements.txt"]) == 2
    assert "--to needs --from" in capsys.readouterr().err
    assert main(["diff", "--from", "x.txt", "--to", "requirements.txt", "--lock", "y"]) == 2
    capsys.readouterr()
    assert main(["diff", "--from", "nothing-here.txt", "--to", "requirements.txt"]) == 2
    assert "cannot read nothing-here.txt:requirements.txt from git" in capsys.readouterr().err


UV_TEMPLATE = """\
version = 1
revision = 3
requires-python = ">=3.10"

[[package]]
name = "numpy"
version = "{numpy}"
source = {{ registry = "https://pypi.org/simple" }}

[[package]]
name = "pandas"
version = "{pandas}"
source = {{ registry = "https://pypi.org/simple" }}
dependencies = [
    {{ name = "numpy" }},
]

[[package]]
name = "taxi"
version = "0.1.0"
source = {{ virtual = "." }}
dependencies = [
    {{ name = "pandas" }},
]
"""

UV_PYPROJECT = """\
[project]
name = "taxi"
version = "0.1.0"
requires-python = ">=3.10"
dependencies = [
    "pandas~=2.2.3",  # allows 2.2.x
]
"""


def test_uv_lock_to_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text(UV_PYPROJECT)
    (tmp_path / "old").mkdir()  # a lock's kind comes from its name: keep "uv.lock"
    Path("old/uv.lock").write_text(UV_TEMPLATE.format(numpy="1.26.4", pandas="2.2.3"))
    Path("uv.lock").write_text(UV_TEMPLATE.format(numpy="2.0.0", pandas="2.2.4"))
    _, document = lock_json(capsys, "--from", "old/uv.lock", "--to", "uv.lock")
    rows = by_name(document)
    assert set(rows) == {"numpy", "pandas"}  # the project itself is not a pin
    assert rows["pandas"]["declared"] == "~=2.2.3"
    assert rows["pandas"]["origin"] == "pyproject.toml:6"
    assert rows["pandas"]["in_range"] is True
    assert rows["pandas"]["level"] == "patch"
    assert rows["numpy"]["status"] == "unguarded"
    assert rows["numpy"]["level"] == "major"
    assert rows["numpy"]["via"] == ["pandas"]


def test_a_uv_project_is_compared_with_its_uv_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("pyproject.toml").write_text(UV_PYPROJECT)
    Path("uv.lock").write_text(UV_TEMPLATE.format(numpy="2.0.0", pandas="2.3.0"))
    _, document = lock_json(capsys, ".", "--offline")
    (section,) = document["sections"]  # type: ignore[misc]
    assert section["lock"] == "uv.lock"
    assert section["lock_kind"] == "uv.lock"
    rows = by_name(section)
    assert rows["pandas"]["status"] == "out-of-range"
    assert rows["numpy"]["via"] == ["pandas"]
