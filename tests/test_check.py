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


def edit_numpy_range(tree: Path, numpy_range: str) -> None:
    """Edit churn's prod ``.in``: ``numpy~=1.26.4`` becomes ``numpy_range``."""
    source = tree / "churn" / "requirements-prod.in"
    source.write_text(source.read_text().replace("numpy~=1.26.4", numpy_range))


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
    edit_numpy_range(migrated, "numpy~=1.27.0")
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
def test_a_range_no_release_satisfies_is_named_at_its_input_line(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The re-lock of a stale lock fails: the error names the range of the .in it is
    re-locked from, not the lock's own pin of the package."""
    edit_numpy_range(migrated, "numpy~=9.1")
    capsys.readouterr()

    assert main(["check", "churn"]) == 3

    captured = capsys.readouterr()
    error = next(line for line in captured.err.splitlines() if "error:" in line)
    assert error.startswith("lockmigrate: error: churn/requirements-prod.in:4: "), error
    assert "no release of numpy satisfies numpy~=9.1" in error
    # what the check found besides stands: the lock's numpy is outside the edited range
    assert "churn/requirements-prod.in:4: numpy==1.26.9 in churn/requirements-prod.txt is " in (
        captured.out
    )
    assert "1 re-lock(s) failed: whether those locks are stale is not known" in captured.out
    assert "1 re-lock failed" in captured.err
    assert "Nothing was written" not in captured.err  # check writes nothing anyway


@pytest.mark.slow
def test_a_failed_re_lock_is_in_the_json_report(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    edit_numpy_range(migrated, "numpy~=9.1")
    capsys.readouterr()

    assert main(["check", "--format", "json", "churn"]) == 3

    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    (error,) = document["relock_errors"]
    assert error.startswith("churn/requirements-prod.in:4: ")
    assert "churn/requirements-prod.txt" not in document["resolved"]
    assert "out-of-range" in {finding["code"] for finding in document["findings"]}


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


# --- a gate that checked nothing must not pass (issue 13, item 1) ---------------------------


def test_an_empty_folder_is_an_error_naming_what_was_searched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.chdir(tmp_path)

    assert main(["check", "empty"]) == 2

    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.startswith("lockmigrate: error: nothing to check in empty: ")
    assert "no pip-compile lock" in captured.err
    assert "poetry.lock" in captured.err


def test_a_tree_never_migrated_fails_with_each_ranged_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "three-services", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")

    assert main(["check", "--format", "json"]) == 1

    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is False
    assert document["locks"] == []
    expected = sorted(
        f"{service}/requirements-{role}.txt"
        for service in ("churn", "nlp", "taxi")
        for role in ("prod", "dev")
    )
    assert sorted(document["unlocked"]) == expected
    # each at its first range (after the comments and the -r line)
    first_range = {
        path: 1 if path.endswith(("nlp/requirements-prod.txt", "taxi/requirements-prod.txt")) else 2
        for path in expected
    }
    assert sorted((f["code"], f["path"], f["line"]) for f in document["findings"]) == [
        ("unlocked", path, first_range[path]) for path in expected
    ]
    message = document["findings"][0]["message"]
    assert "lockmigrate to-pip-tools" in message
    assert "--exclude" in message


@pytest.mark.parametrize("beside", [True, False], ids=["beside-a-lock", "alone"])
def test_a_requirements_file_that_does_not_parse_is_a_finding(
    beside: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A gate must not pass over a file it could not read: found by walking, it is skipped
    by the scan (a warning) and is an ``unreadable`` finding here, exit 1; never "nothing to
    check"."""
    tree = tmp_path / "repo"
    tree.mkdir()
    if beside:
        shutil.copytree(
            Path(__file__).parent / "fixtures" / "workflow" / "three-services-migrated" / "churn",
            tree / "churn",
        )
    (tree / "new").mkdir()
    (tree / "new" / "requirements-prod.txt").write_text("numpy~=1.26.4\nscikit-learn~=1\n")
    monkeypatch.chdir(tree)

    assert main(["check", "--format", "json"]) == 1

    document = json.loads(capsys.readouterr().out)
    assert [(f["code"], f["path"], f["line"]) for f in document["findings"]] == [
        ("unreadable", "new/requirements-prod.txt", 2)
    ]
    assert "--exclude" in document["findings"][0]["message"]
    assert len(document["locks"]) == (2 if beside else 0)
    assert main(["check", "--exclude", "new/*"]) == (0 if beside else 2)


def test_a_lock_with_merge_conflict_markers_is_bad_input_at_its_relative_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The prod lock, which the dev input includes (-c), read for the dev lock's digest:
    its bad lines are shown as the paths given are, not from the root of the file system."""
    shutil.copytree(
        Path(__file__).parent / "fixtures" / "workflow" / "three-services-migrated" / "churn",
        tmp_path / "repo" / "churn",
    )
    lock = tmp_path / "repo" / "churn" / "requirements-prod.txt"
    lock.write_text(lock.read_text() + "<<<<<<< HEAD\nnumpy==1.26.4\n=======\n>>>>>>> main\n")
    monkeypatch.chdir(tmp_path)

    assert main(["check", "repo"]) == 2

    err = capsys.readouterr().err
    assert err.startswith("lockmigrate: error: repo/churn/requirements-prod.txt:"), err
    assert str(tmp_path) not in err


def test_excluding_every_file_leaves_nothing_to_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copytree(FIXTURES / "three-services", tmp_path / "repo")
    monkeypatch.chdir(tmp_path / "repo")

    assert main(["check", "--exclude", "requirements-*.txt"]) == 2

    err = capsys.readouterr().err
    assert "nothing to check in .: " in err
    assert "--exclude left out 6 file(s): churn/requirements-prod.txt" in err


def test_files_of_exact_pins_need_no_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\nsix===1.16.0\n")
    monkeypatch.chdir(tmp_path)

    assert main(["check"]) == 2

    assert "pin exact versions or are constraints: requirements.txt" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("pattern", "path", "excluded"),
    [
        ("requirements-docs.txt", "svc/requirements-docs.txt", True),
        ("*-docs.txt", "svc/requirements-docs.txt", True),
        ("docs", "docs/requirements.txt", True),
        ("docs", "svc/docs/requirements.txt", True),
        ("docs/", "docs/requirements.txt", True),
        ("svc/requirements-*.txt", "svc/requirements-dev.txt", True),
        ("./svc/requirements-dev.txt", "svc/requirements-dev.txt", True),
        ("legacy/*", "legacy/a/requirements.txt", True),
        ("svc/requirements-*.txt", "other/svc/requirements-dev.txt", False),
        ("requirements-docs.txt", "svc/requirements-dev.txt", False),
        ("doc", "docs/requirements.txt", False),
        # one matcher for --exclude and [tool.lockmigrate] exclude: * stays in one folder
        ("legacy/*.txt", "legacy/a/requirements.txt", False),
        ("legacy/**/*.txt", "legacy/a/requirements.txt", True),
    ],
)
def test_exclude_globs(pattern: str, path: str, excluded: bool, tmp_path: Path) -> None:
    """``--exclude`` is matched by the same :class:`Exclude` as ``[tool.lockmigrate]
    exclude``, from the current folder (which ``check`` passes as the root)."""
    from lockmigrate.sources.discover import Exclude

    assert Exclude(root=tmp_path, patterns=(pattern,)).matches(tmp_path / path) is excluded


def test_command_line_excludes_add_to_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``check --exclude`` adds to ``[tool.lockmigrate] exclude``: both leave files out, in
    the typer-free reading and in typer's (``-q`` before the command's name). The table's
    patterns are from its folder, the command line's from the current one."""
    (tmp_path / "pyproject.toml").write_text('[tool.lockmigrate]\nexclude = ["/legacy"]\n')
    for folder in ("legacy", "docs", "svc", "svc/legacy"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "requirements.txt").write_text("six~=1.16\n")
    monkeypatch.chdir(tmp_path / "svc")

    assert main(["check", "--format", "json", ".."]) == 1
    document = json.loads(capsys.readouterr().out)
    assert [Path(p).name for p in document["excluded"]] == ["requirements.txt"]
    assert document["excluded"][0].endswith("/legacy/requirements.txt")
    assert not document["excluded"][0].endswith("svc/legacy/requirements.txt")
    assert len(document["unlocked"]) == 3  # docs, svc, svc/legacy

    for command in (["check"], ["-q", "check"]):
        arguments = ["--exclude", "docs", "--exclude", "/legacy", "--exclude", "requirements.txt"]
        assert main([*command, *arguments, ".."]) == 2
        err = capsys.readouterr().err
        assert "[tool.lockmigrate] exclude or --exclude left out 4 file(s)" in err


@pytest.mark.slow
def test_the_services_not_migrated_fail_until_excluded(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    capsys.readouterr()
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "nlp/requirements-prod.txt:1: ranges with no lock" in out
    assert "taxi/requirements-dev.txt:2: ranges with no lock" in out  # after its -r line
    assert "churn/" not in out.split("problem(s)")[0]  # the migrated service holds

    assert main(["check", "--exclude", "nlp", "--exclude", "taxi"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("ok: 2 lock(s) checked: 2 trusted by their input digest, 0 re-resolved")
    assert "4 file(s) left out by --exclude" in out


@pytest.mark.slow
def test_a_pip_compile_input_without_its_lock_is_unlocked(
    migrated: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (migrated / "churn" / "requirements-docs.in").write_text("numpy~=1.26.4\n")
    capsys.readouterr()

    assert main(["check", "churn"]) == 1

    out = capsys.readouterr().out
    assert (
        "churn/requirements-docs.in:1: a pip-compile input whose lock "
        "churn/requirements-docs.txt does not exist: compile it"
    ) in out


@pytest.mark.slow
def test_a_poetry_project_without_requirement_files_is_checked(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """After ``to-poetry --lock --remove-requirements`` no requirements file is left: check
    finds the poetry.lock by walking, instead of finding nothing."""
    for key, value in local_index.env(cache_dir=tmp_path / "pip-cache").items():
        if key.startswith("PIP_"):
            monkeypatch.setenv(key, value)
    for name in ("CACHE", "CONFIG", "DATA"):
        monkeypatch.setenv(f"POETRY_{name}_DIR", str(tmp_path / f"poetry-{name.lower()}"))
    tree = tmp_path / "repo"
    shutil.copytree(FIXTURES / "three-services" / "taxi", tree / "taxi")
    prod = tree / "taxi" / "requirements-prod.txt"
    prod.write_text(f"--index-url {local_index.url}\n" + prod.read_text())
    monkeypatch.chdir(tree)
    assert main(["to-poetry", "--python", "3.11", "--lock", "--remove-requirements"]) == 0
    assert not list((tree / "taxi").glob("requirements*"))
    capsys.readouterr()

    assert main(["check", "--format", "json"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert document["locks"] == ["taxi/poetry.lock"]


@pytest.mark.slow
def test_a_uv_project_is_checked_with_uv_lock_check(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A ``pyproject.toml`` with a ``uv.lock`` (what ``to-uv --lock`` leaves) is checked with
    ``uv lock --check``: fresh passes, an edited range is a ``uv-lock`` finding."""
    import subprocess

    from lockmigrate.resolve.uv import uv_binary

    uv = uv_binary()
    if uv is None:
        pytest.skip("uv is not installed (the dev extra installs it)")
    env = local_index.env(cache_dir=tmp_path / "cache")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    project = tmp_path / "svc"
    project.mkdir()
    pyproject = project / "pyproject.toml"
    pyproject.write_text(
        '[project]\nname = "svc"\nversion = "0.1.0"\nrequires-python = ">=3.10"\n'
        'dependencies = ["numpy~=1.26.4"]\n'
    )
    subprocess.run(
        [uv, "lock", "--quiet"], cwd=project, env=env, stdin=subprocess.DEVNULL, check=True
    )
    monkeypatch.chdir(tmp_path)
    capsys.readouterr()

    assert main(["check", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["locks"] == ["svc/uv.lock"]

    pyproject.write_text(pyproject.read_text().replace("~=1.26.4", "~=1.27"))
    assert main(["check", "--format", "json"]) == 1
    (finding,) = json.loads(capsys.readouterr().out)["findings"]
    assert finding["code"] == "uv-lock"
    assert (finding["path"], finding["line"]) == ("svc/uv.lock", 1)
    assert finding["message"].startswith("uv lock --check: The lockfile at `uv.lock` needs to")
