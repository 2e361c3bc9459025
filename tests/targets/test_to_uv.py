"""``lockmigrate to-uv``: each service's ``pyproject.toml`` for uv.

Scenario folders under ``fixtures/uv/`` hold the input tree (``input/``), the command's
arguments (``args.txt``), every file the run writes (``expected/``) and its standard error
(``expected_stderr.txt``), compared whole; ``LOCKMIGRATE_REGENERATE=1`` rewrites them (read
the diff before committing it). The real uv locks against the local 127.0.0.1 index."""

from __future__ import annotations

import difflib
import json
import os
import re
import shlex
import shutil
import sys
from pathlib import Path

import pytest
import tomlkit
from index.server import LocalIndex
from packaging.requirements import Requirement
from packaging.version import Version

from lockmigrate.cli import main
from lockmigrate.sources.requirements import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures"
SCENARIOS = sorted(p.name for p in (FIXTURES / "uv").iterdir() if p.is_dir())
REGENERATE = os.environ.get("LOCKMIGRATE_REGENERATE") == "1"
SERVICES = ("churn", "nlp", "taxi")


@pytest.fixture(autouse=True)
def _private_lockmigrate_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """to-uv may ask the index which Python the ranges need: never in the user's cache."""
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))


def run(*args: str) -> int:
    return main(["to-uv", *args])


def load(path: Path) -> dict[str, object]:
    return tomlkit.parse(path.read_text()).unwrap()


def _tree(root: Path) -> dict[str, bytes]:
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and ".lockmigrate" not in path.relative_to(root).parts
    }


def _stable(stderr: str) -> str:
    """Standard error without what changes from run to run (the time taken)."""
    return re.sub(r"\(\d+(\.\d+)? s\)", "(TIME)", stderr)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_scenario(
    scenario: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    fixture = FIXTURES / "uv" / scenario
    work = tmp_path / scenario
    shutil.copytree(fixture / "input", work)
    before = _tree(work)
    monkeypatch.chdir(work)
    monkeypatch.setenv("INDEX_TOKEN", "s3cr3t-index")
    monkeypatch.setenv("ARTIFACT_TOKEN", "s3cr3t-artifact")
    args = shlex.split((fixture / "args.txt").read_text())

    code = run(*args)

    captured = capsys.readouterr()
    written = {name: data for name, data in _tree(work).items() if before.get(name) != data}
    stderr = _stable(captured.err)
    if REGENERATE:
        shutil.rmtree(fixture / "expected", ignore_errors=True)
        for name, data in written.items():
            (fixture / "expected" / name).parent.mkdir(parents=True, exist_ok=True)
            (fixture / "expected" / name).write_bytes(data)
        (fixture / "expected_stderr.txt").write_text(stderr, encoding="utf-8")
    expected = _tree(fixture / "expected") if (fixture / "expected").is_dir() else {}
    assert code == 0, captured.err
    assert {n: d.decode() for n, d in written.items()} == {
        n: d.decode() for n, d in expected.items()
    }
    assert stderr == (fixture / "expected_stderr.txt").read_text(encoding="utf-8")
    assert "Traceback" not in captured.err
    everything = captured.out + captured.err + "".join(d.decode() for d in written.values())
    assert "s3cr3t" not in everything  # no secret reaches the output or a file

    # a second run changes nothing
    assert run(*args) == 0
    assert _tree(work) == {**before, **written}
    assert "Nothing to change." in capsys.readouterr().out


def test_layering_is_written_as_groups_that_include_others(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "uv" / "layered" / "input", tmp_path / "svc")
    monkeypatch.chdir(tmp_path / "svc")
    assert run("--python-version", "3.11") == 0
    data = load(tmp_path / "svc" / "pyproject.toml")
    groups = data["dependency-groups"]
    assert groups["dev"] == [{"include-group": "test"}, "ruff~=0.6"]  # type: ignore[index]
    # -r requirements.txt adds nothing: [project] dependencies are under every group
    assert groups["test"] == ["pytest[testing]~=8.3.3", "pytest<8.4"]  # type: ignore[index]
    # a file of no group of this service is written into the group that includes it
    assert groups["docs"] == ["markdown~=3.7", "mkdocs~=1.6"]  # type: ignore[index]


# --- lossless: every package allows exactly the versions it allowed ----------------------

ENVIRONMENTS = [
    {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": platform}
    for python in ("3.9", "3.11", "3.13")
    for platform in ("linux", "win32")
]


def _reading(lines: list[str], environment: dict[str, str]) -> tuple[str | None, frozenset[str]]:
    """What pip (and uv) install for one name here: the specifiers of every line whose marker
    holds, intersected, and their extras, together (``None``: no line applies)."""
    from packaging.markers import default_environment

    env = {**default_environment(), **environment}
    applying = [r for r in map(Requirement, lines) if r.marker is None or r.marker.evaluate(env)]
    if not applying:
        return None, frozenset()
    specifier = ",".join(str(r.specifier) for r in applying if str(r.specifier))
    return specifier, frozenset(e for r in applying for e in r.extras)


def assert_same_versions(before: list[str], after: list[str]) -> None:
    """In every environment, the same extras and exactly the same versions of a grid."""
    from packaging.specifiers import SpecifierSet

    from lockmigrate.specifiers import witness_versions

    names = {Requirement(line).name for line in before} | {Requirement(line).name for line in after}
    for name in names:
        old = [line for line in before if Requirement(line).name == name]
        new = [line for line in after if Requirement(line).name == name]
        for environment in ENVIRONMENTS:
            (old_spec, old_extras), (new_spec, new_extras) = (
                _reading(old, environment),
                _reading(new, environment),
            )
            assert (old_spec is None) == (new_spec is None), (name, environment)
            assert old_extras == new_extras, (name, environment)
            grid = {*witness_versions(old_spec or ">=0"), *witness_versions(new_spec or ">=0")}
            grid |= {Version(v) for v in ("0.1", "1.0", "1.2.9", "1.3", "1.5.0", "2.0", "2.0rc1")}
            for version in grid:
                assert SpecifierSet(old_spec or "").contains(version, prereleases=True) == (
                    SpecifierSet(new_spec or "").contains(version, prereleases=True)
                ), (name, environment, version)


def test_the_fixtures_allow_the_same_versions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", tree)
    monkeypatch.chdir(tree)
    assert run("--python-version", "3.11") == 0
    for service in SERVICES:
        data = load(tree / service / "pyproject.toml")
        for role, written in (
            ("prod", data["project"]["dependencies"]),  # type: ignore[index]
            ("dev", data["dependency-groups"]["dev"]),  # type: ignore[index]
        ):
            path = tree / service / f"requirements-{role}.txt"
            original = [
                r.text.split(" #")[0].strip()
                for r in parse_bytes(path.read_bytes(), path=path).requirements
            ]
            assert_same_versions(original, list(written))  # type: ignore[arg-type]


# --- dry run, idempotence, failures ----------------------------------------------------------


def test_dry_run_prints_exactly_the_diff_it_would_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = tmp_path / "churn"
    shutil.copytree(FIXTURES / "poetry" / "existing-pyproject", service)
    monkeypatch.chdir(service)
    before = (service / "pyproject.toml").read_text()
    assert run("--dry-run") == 0
    out = capsys.readouterr().out
    assert (service / "pyproject.toml").read_text() == before  # nothing written
    assert not (service / ".lockmigrate").exists()
    assert run() == 0
    after = (service / "pyproject.toml").read_text()
    diff = "".join(
        difflib.unified_diff(
            before.splitlines(keepends=True),
            after.splitlines(keepends=True),
            fromfile="a/pyproject.toml",
            tofile="b/pyproject.toml",
        )
    )
    assert diff in out
    removed = [
        line
        for line in diff.splitlines()
        if line.startswith("-") and line != "--- a/pyproject.toml"
    ]
    assert removed == []  # an existing file is only added to


def test_crlf_and_bom_stay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = tmp_path / "churn"
    shutil.copytree(FIXTURES / "poetry" / "existing-pyproject", service)
    original = b"\xef\xbb\xbf" + (service / "pyproject.toml").read_bytes().replace(b"\n", b"\r\n")
    (service / "pyproject.toml").write_bytes(original)
    monkeypatch.chdir(service)
    assert run() == 0
    after = (service / "pyproject.toml").read_bytes()
    assert after.startswith(original.split(b"dependencies")[0])
    assert b"\n" not in after.replace(b"\r\n", b"")


def test_a_conflict_stops_the_run_and_writes_nothing_anywhere(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", tree)
    (tree / "taxi" / "pyproject.toml").write_text(
        '[project]\nname = "taxi"\nversion = "1"\ndependencies = ["pandas>=1"]\n'
    )
    before = _tree(tree)
    monkeypatch.chdir(tree)
    assert run("--python-version", "3.11") == 2
    err = capsys.readouterr().err
    assert "taxi/requirements-prod.txt:3: 'pandas~=2.2.3' here, but taxi/pyproject.toml" in err
    assert "[project.dependencies] already has 'pandas>=1'" in err
    assert "Traceback" not in err
    assert _tree(tree) == before  # churn and nlp, planned before taxi, were not written either


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        (
            {"pyproject.toml": "[project\nname = 'x'\n", "requirements.txt": "numpy~=1.26\n"},
            "lockmigrate: error: pyproject.toml:1: invalid TOML",
        ),
        (
            {"requirements.txt": "numpy~=1.26\nmypkg @ https://tok3nABC@git.example.com/x.tgz\n"},
            "lockmigrate: error: requirements.txt:2: this line carries a literal password or token",
        ),
        (
            {"requirements.txt": "numpy~=1.26\nnumpy~=\n"},
            "lockmigrate: error: requirements.txt:2: ",
        ),
    ],
    ids=["bad-toml", "literal-token", "bad-line"],
)
def test_bad_input_is_file_and_line_and_exit_2(
    files: dict[str, str],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    before = _tree(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert run("--python-version", "3.11", "requirements.txt") == 2
    err = capsys.readouterr().err
    assert err.startswith(expected), err
    assert "Traceback" not in err
    assert "tok3nABC" not in err
    assert _tree(tmp_path) == before


def test_lock_without_uv_is_exit_3_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import lockmigrate.resolve.uv as uv_tool

    monkeypatch.setattr(uv_tool, "uv_binary", lambda: None)
    (tmp_path / "requirements.txt").write_text("joblib~=1.4\n")
    monkeypatch.chdir(tmp_path)
    assert run("--lock", "--python-version", "3.11") == 3
    assert "needs uv" in capsys.readouterr().err
    assert not (tmp_path / "pyproject.toml").exists()


def test_workspace_lists_every_service(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", tree)
    monkeypatch.chdir(tree)
    assert run("--python-version", "3.11", "--workspace") == 0
    assert load(tree / "pyproject.toml") == {
        "tool": {"uv": {"workspace": {"members": ["churn", "nlp", "taxi"]}}}
    }
    assert run("--python-version", "3.11", "--workspace") == 0  # a second run changes nothing
    assert load(tree / "pyproject.toml")["tool"]["uv"]["workspace"]["members"] == [  # type: ignore[index]
        "churn",
        "nlp",
        "taxi",
    ]


# --- --lock: the real uv against the local index ----------------------------------------------


#: The Python running the tests: uv lock runs with it (UV_PYTHON), so a project locked here
#: must allow it (the floor session runs 3.10)
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def _uv_environment(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """uv and pip-compile against the local index, with private caches."""
    for key, value in local_index.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")) and key != "UV_DEFAULT_INDEX":
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    # uv lock reads the project's [tool.uv] (lockmigrate drops UV_NO_CONFIG for it): no
    # user-level uv.toml of this machine may join in
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("UV_PYTHON", sys.executable)


def _with_local_index(tree: Path, local_index: LocalIndex) -> None:
    for service in SERVICES:
        prod = tree / service / "requirements-prod.txt"
        prod.write_text(f"--index-url {local_index.url}\n" + prod.read_text())


def _indexed_tree(local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three services, asking the local index (uv too), as the current directory."""
    _uv_environment(local_index, tmp_path, monkeypatch)
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", tree)
    _with_local_index(tree, local_index)
    monkeypatch.chdir(tree)
    return tree


@pytest.mark.slow
def test_uv_lock_agrees_with_pip_compile(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """pip-compile locks the tree first (to-pip-tools); to-uv --lock then locks the same
    ranges with the real uv and finds the same version of every direct dependency."""
    tree = _indexed_tree(local_index, tmp_path, monkeypatch)
    assert main(["to-pip-tools"]) == 0
    capsys.readouterr()
    running = f"{sys.version_info.major}.{sys.version_info.minor}"
    assert run("--python-version", running, "--lock", "--strict") == 0, capsys.readouterr().err
    captured = capsys.readouterr()
    assert "uv-lock-differs" not in captured.err
    for service in SERVICES:
        lock = tomlkit.parse((tree / service / "uv.lock").read_text()).unwrap()
        assert any(p["name"] == "pytest" for p in lock["package"])  # the dev group is locked
        assert f"created {service}/uv.lock" in captured.out
        text = (tree / service / "pyproject.toml").read_text()
        assert "moved here by lockmigrate" not in text  # to-pip-tools' header of the .in
        assert "constraint-dependencies" not in text  # -c of its own lock: uv locks all at once
        data = load(tree / service / "pyproject.toml")
        assert data["tool"]["uv"]["index"] == [  # type: ignore[index]
            {"name": "127-0-0-1", "url": local_index.url, "default": True}
        ]

    # a pip-compile pin uv would not choose is reported at its line
    lock_txt = tree / "churn" / "requirements-prod.txt"
    lock_txt.write_text(lock_txt.read_text().replace("numpy==1.26.9", "numpy==1.26.4"))
    (tree / "churn" / "uv.lock").unlink()
    assert run("--python-version", running, "--lock", "churn") == 0
    err = capsys.readouterr().err
    line = lock_txt.read_text().splitlines().index("numpy==1.26.4") + 1
    assert f"churn/requirements-prod.txt:{line}: warning: numpy: uv.lock has 1.26.9 where" in err
    assert "[uv-lock-differs]" in err


@pytest.mark.slow
def test_a_failed_lock_puts_every_file_back(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _uv_environment(local_index, tmp_path, monkeypatch)
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", tree)
    _with_local_index(tree, local_index)
    # taxi, locked last, asks for a numpy the index does not have
    prod = tree / "taxi" / "requirements-prod.txt"
    prod.write_text(prod.read_text() + "numpy~=9.0\n")
    before = _tree(tree)
    monkeypatch.chdir(tree)
    assert run("--python-version", RUNNING, "--lock") == 3
    err = capsys.readouterr().err
    assert "uv lock failed in" in err
    assert "numpy" in err
    assert "Traceback" not in err
    assert _tree(tree) == before  # no pyproject.toml, and churn's and nlp's uv.lock undone


@pytest.mark.slow
def test_a_workspace_is_locked_once_at_its_root(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = _indexed_tree(local_index, tmp_path, monkeypatch)
    assert run("--python-version", RUNNING, "--workspace", "--lock") == 0
    assert (tree / "uv.lock").exists()
    assert not any((tree / service / "uv.lock").exists() for service in SERVICES)
    lock = tomlkit.parse((tree / "uv.lock").read_text()).unwrap()
    assert {"churn", "nlp", "taxi"} <= {p["name"] for p in lock["package"]}
    # the members' index is the root's too: uv reads indexes from the root only
    root = load(tree / "pyproject.toml")
    assert root["tool"]["uv"]["index"] == [  # type: ignore[index]
        {"name": "127-0-0-1", "url": local_index.url, "default": True}
    ]
    before = _tree(tree)
    assert run("--python-version", RUNNING, "--workspace") == 0  # a second run changes nothing
    assert _tree(tree) == before


@pytest.mark.slow
def test_json_lists_each_uv_lock_written(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _indexed_tree(local_index, tmp_path, monkeypatch)

    assert run("--python-version", RUNNING, "--lock", "--format", "json") == 0

    document = json.loads(capsys.readouterr().out)
    assert [c["path"] for c in document["changes"]] == [
        f"{service}/pyproject.toml" for service in SERVICES
    ]
    assert document["locked"] == [
        {"path": f"{service}/uv.lock", "action": "create", "reason": "uv lock"}
        for service in SERVICES
    ]
    # a second run: uv lock leaves every uv.lock as it was, so none is listed
    assert run("--python-version", RUNNING, "--lock", "--format", "json") == 0
    assert json.loads(capsys.readouterr().out)["locked"] == []


@pytest.mark.slow
def test_a_workspace_with_its_workflow_files_passes_their_check(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The gate the generated files run, ``lockmigrate check .`` at the workspace root,
    passes: the members' requirement files are locked by the root's one uv.lock."""
    tree = _indexed_tree(local_index, tmp_path, monkeypatch)
    (tree / ".git").mkdir()

    workflow = "dependabot,renovate,make,github-actions"
    args = ("--python-version", RUNNING, "--workspace", "--lock", "--with", workflow)
    assert run(*args, "--format", "json") == 0

    document = json.loads(capsys.readouterr().out)
    assert document["locked"] == [{"path": "uv.lock", "action": "create", "reason": "uv lock"}]
    assert "renovate.json" in [change["path"] for change in document["changes"]]
    # planned once uv.lock was written: what it locks joins the groups, as in any later run
    renovate = json.loads((tree / "renovate.json").read_text())
    group = next(r for r in renovate["packageRules"] if r.get("groupName") == "numpy-stack")
    assert "scipy" in group["matchPackageNames"]  # locked, declared by no service
    written = _tree(tree)
    assert run(*args) == 0
    assert _tree(tree) == written
    assert "Nothing to change." in capsys.readouterr().out
    assert "\tuv lock --check\n" not in (tree / "Makefile").read_text()  # $(UV), not uv
    assert "\t$(LOCKMIGRATE) check .\n" in (tree / "Makefile").read_text()
    assert main(["check", "."]) == 0, capsys.readouterr().out
    assert "unlocked" not in capsys.readouterr().out
    # a stale member is still found: its range changed, the root's uv.lock did not
    churn = tree / "churn" / "pyproject.toml"
    churn.write_text(churn.read_text().replace('"shap~=0.46.0"', '"shap~=0.46.0", "joblib~=1.4"'))
    assert main(["check", "."]) == 1
    assert "[uv-lock]" in capsys.readouterr().out


@pytest.mark.slow
def test_workflow_files_that_cannot_be_written_after_uv_lock_leave_every_file_as_it_was(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--lock --with``: the workflow files are written once each uv.lock is; when they
    cannot be (.github is a file here), every pyproject.toml and uv.lock is put back."""
    tree = _indexed_tree(local_index, tmp_path, monkeypatch)
    (tree / ".git").mkdir()
    (tree / ".github").write_text("not a folder\n")
    before = _tree(tree)
    assert run("--python-version", RUNNING, "--lock", "--with", "dependabot,renovate") != 0
    assert {path: data for path, data in _tree(tree).items() if ".git/" not in path} == before


def test_what_uv_cannot_hold_is_a_warning_at_its_line_never_silent(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text(
        "https://example.com/x/archive.zip\nnumpy~=1.26\nsvn+https://svn.example.com/repo#egg=old\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run("--python-version", "3.11", "--strict") == 1  # warnings, written anyway
    err = capsys.readouterr().err
    assert (
        "requirements.txt:1: warning: uv needs a name for https://example.com/x/archive.zip" in err
    )
    assert "requirements.txt:3: warning: uv supports git only, not svn" in err
    assert load(tmp_path / "pyproject.toml")["project"]["dependencies"] == ["numpy~=1.26"]  # type: ignore[index]
