"""``lockmigrate to-poetry``: pyproject sections that Poetry reads exactly as pip read the
requirement files. Checked with poetry-core, and with the real Poetry (``poetry check``,
``poetry lock`` against the local 127.0.0.1 index, compared with pip-compile)."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit
from index.server import LocalIndex
from packaging.requirements import Requirement
from packaging.version import Version
from poetry.core.constraints.version import Version as PoetryVersion
from poetry.core.factory import Factory
from poetry.core.packages.dependency import Dependency

from lockmigrate.cli import main
from lockmigrate.sources.requirements import parse_bytes
from lockmigrate.specifiers import witness_versions

FIXTURES = Path(__file__).parents[1] / "fixtures"
SERVICES = ("churn", "nlp", "taxi")


def copy(name: str, tmp_path: Path) -> Path:
    target = tmp_path / Path(name).name
    shutil.copytree(FIXTURES / name, target)
    return target


def load(path: Path) -> dict[str, object]:
    return tomlkit.parse(path.read_text()).unwrap()


def run(*args: str) -> int:
    return main(["to-poetry", *args])


def poetry(*args: str, cwd: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "POETRY_CACHE_DIR": str(tmp_path / "poetry-cache"),
        "POETRY_CONFIG_DIR": str(tmp_path / "poetry-config"),
        "POETRY_DATA_DIR": str(tmp_path / "poetry-data"),
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "poetry", *args, "--no-interaction"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_three_services_pep621(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = copy("pip_tools/three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("--python", "3.11") == 0
    out = capsys.readouterr().out
    churn = load(tree / "churn" / "pyproject.toml")
    assert churn["project"] == {
        "name": "churn",
        "requires-python": ">=3.11",
        "dependencies": [
            "numpy~=1.26.4",
            "pandas~=2.2.3",
            "scikit-learn~=1.5.2",
            "shap~=0.46.0",
        ],
    }
    # the group holds only what dev adds on top of prod
    assert churn["dependency-groups"] == {"dev": ["pytest~=8.3.3"]}
    assert churn["tool"] == {"poetry": {"package-mode": False}}
    text = (tree / "churn" / "pyproject.toml").read_text()
    assert '"numpy~=1.26.4", # allows 1.26.x, blocks 2.x\n' in text  # comments carried
    nlp = load(tree / "nlp" / "pyproject.toml")
    assert nlp["project"]["dependencies"][1] == "requests[socks]~=2.32.3"  # type: ignore[index]
    assert "requires-python '>=3.11'" in out
    for service in SERVICES:
        data = load(tree / service / "pyproject.toml")
        assert Factory.validate(data, strict=True) == {"errors": [], "warnings": []}
        # the requirement files stay unless --remove-requirements
        assert (tree / service / "requirements-prod.txt").exists()


def test_every_written_dependency_allows_exactly_what_pip_allowed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = copy("pip_tools/three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run() == 0
    for service in SERVICES:
        data = load(tree / service / "pyproject.toml")
        written = [*data["project"]["dependencies"], *data["dependency-groups"]["dev"]]  # type: ignore[index]
        originals = {
            r.name: r
            for role in ("prod", "dev")
            for r in parse_bytes(
                (tree / service / f"requirements-{role}.txt").read_bytes(),
                path=tree / service / f"requirements-{role}.txt",
            ).requirements
        }
        for text in written:
            dependency = Dependency.create_from_pep_508(text)
            original = originals[dependency.name]
            assert dependency.extras == frozenset(original.extras)
            for version in witness_versions(original.specifier):
                assert Requirement(f"x{original.specifier}").specifier.contains(
                    version, prereleases=True
                ) == dependency.constraint.allows(PoetryVersion.parse(str(version))), (
                    text,
                    version,
                )


def test_poetry_layout_and_style_keep_zero_x_ranges(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = tmp_path / "svc"
    service.mkdir()
    (service / "requirements.txt").write_text(
        "shap~=0.46  # 0.x: any 0.y >= 0.46\nnumpy~=1.26.4\njoblib~=1.4\n"
        'pandas[performance]~=2.2.3 ; python_version >= "3.10"\n'
    )
    (service / "requirements-test.txt").write_text("-r requirements.txt\npytest~=8.3\n")
    monkeypatch.chdir(service)
    assert run("--layout", "poetry", "--constraint-style", "poetry") == 0
    data = load(service / "pyproject.toml")
    dependencies = data["tool"]["poetry"]["dependencies"]  # type: ignore[index]
    assert dependencies == {
        "python": f">={sys.version_info.major}.{sys.version_info.minor}",
        "shap": "~=0.46",  # never ^0.46 or ~0.46: those mean <0.47
        "numpy": "~1.26.4",
        "joblib": "^1.4",
        "pandas": {
            "version": "~2.2.3",
            "extras": ["performance"],
            "markers": 'python_version >= "3.10"',
        },
    }
    assert data["tool"]["poetry"]["group"] == {"test": {"dependencies": {"pytest": "^8.3"}}}  # type: ignore[index]
    assert "project" not in data
    for name, constraint in dependencies.items():  # type: ignore[union-attr]
        if name != "python":
            Factory.create_dependency(name, constraint)


def test_existing_pyproject_is_preserved_byte_for_byte_outside_the_entries_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = copy("poetry/existing-pyproject", tmp_path)
    before = (service / "pyproject.toml").read_text()
    monkeypatch.chdir(service)
    assert run() == 0
    after = (service / "pyproject.toml").read_text()
    removed = [
        line
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line.startswith("- ")
    ]
    assert removed == []  # only additions
    assert '  "requests>=2.31",\n' in after  # their entry, untouched (same requirement)
    data = load(service / "pyproject.toml")
    assert data["project"]["requires-python"] == ">=3.10"  # type: ignore[index]  # theirs kept
    assert data["project"]["version"] == "2.3.1"  # type: ignore[index]
    assert data["tool"]["black"]["line-length"] == 88  # type: ignore[index]
    assert "package-mode" not in data["tool"].get("poetry", {})  # type: ignore[union-attr]
    assert "numpy~=1.26.4" in data["project"]["dependencies"]  # type: ignore[index,operator]
    assert data["dependency-groups"] == {"dev": ["pytest~=8.3.3"]}
    assert "requires-python '>=3.10'" in capsys.readouterr().out


def test_crlf_pyproject_stays_crlf(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    service = copy("poetry/existing-pyproject", tmp_path)
    original = (service / "pyproject.toml").read_bytes().replace(b"\n", b"\r\n")
    (service / "pyproject.toml").write_bytes(original)
    monkeypatch.chdir(service)
    assert run() == 0
    after = (service / "pyproject.toml").read_bytes()
    assert b"\n" not in after.replace(b"\r\n", b"")
    assert after.startswith(original.split(b"dependencies")[0])


def test_conflicts_stop_the_run_unless_merge(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = copy("poetry/existing-pyproject", tmp_path)
    pyproject = service / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"requests>=2.31"', '"numpy>=1.20"'))
    before = pyproject.read_bytes()
    monkeypatch.chdir(service)

    assert run() == 2
    err = capsys.readouterr().err
    assert "requirements-prod.txt:1: numpy is 'numpy~=1.26.4' here" in err
    assert "'numpy>=1.20'" in err
    assert "--merge" in err
    assert pyproject.read_bytes() == before

    assert run("--merge") == 0
    data = load(pyproject)
    dependencies = data["project"]["dependencies"]  # type: ignore[index]
    assert "numpy>=1.20" in dependencies  # type: ignore[operator]
    assert "numpy~=1.26.4" not in dependencies  # type: ignore[operator]
    assert "requests>=2.31" in dependencies  # type: ignore[operator]


def test_second_run_changes_nothing_and_dry_run_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = copy("pip_tools/three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("--dry-run", "churn") == 0
    out = capsys.readouterr().out
    assert not (tree / "churn" / "pyproject.toml").exists()
    assert "--- /dev/null\n+++ b/churn/pyproject.toml\n" in out
    assert '+    "numpy~=1.26.4", # allows 1.26.x, blocks 2.x\n' in out

    assert run("churn") == 0
    first = (tree / "churn" / "pyproject.toml").read_bytes()
    capsys.readouterr()
    assert run("churn") == 0
    assert (tree / "churn" / "pyproject.toml").read_bytes() == first
    assert "Nothing to change." in capsys.readouterr().out


def test_what_poetry_cannot_express_is_reported_at_file_and_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = copy("poetry/constructs", tmp_path)
    # the local project with an in-tree build backend, shared with the pip-tools fixtures
    shutil.copytree(FIXTURES / "pip_tools" / "local-path" / "libs", service / "libs")
    monkeypatch.setenv("INDEX_TOKEN", "s3cr3t")
    monkeypatch.chdir(service)
    assert run("--strict") == 1  # warnings were found
    captured = capsys.readouterr()
    for expected in (
        "constraints.txt:1: warning: constraints.txt is a constraints file",
        "requirements.txt:3: warning: --only-binary :all: cannot be expressed in Poetry",
        "requirements.txt:4: warning: Poetry has no constraints files (-c constraints.txt)",
        "requirements.txt:5: warning: --hash pins cannot be written",
        "requirements.txt:9: warning: Poetry cannot express the arbitrary equality",
    ):
        assert expected in captured.err
    data = load(service / "pyproject.toml")
    assert data["project"]["dependencies"] == [  # type: ignore[index]
        "numpy~=1.26.4",
        'scikit-learn[alldeps]~=1.5 ; python_version >= "3.10"',
        "billing-tools @ git+https://github.com/example/billing-tools.git@v1.2#subdirectory=lib",
    ]
    tool = data["tool"]["poetry"]  # type: ignore[index]
    assert tool["dependencies"] == {"tiny": {"path": "./libs/tiny", "develop": True}}  # type: ignore[index]
    assert tool["source"] == [  # type: ignore[index]
        {
            "name": "pypi-internal-example",
            "url": "https://pypi.internal.example/simple/",
            "priority": "primary",
        },
        {
            "name": "mirror-example-org",
            "url": "https://mirror.example.org/simple",
            "priority": "supplemental",
        },
    ]
    assert "poetry config http-basic.pypi-internal-example deploy <password>" in captured.out
    assert "s3cr3t" not in (service / "pyproject.toml").read_text() + captured.out + captured.err
    assert "INDEX_TOKEN" not in (service / "pyproject.toml").read_text()


def test_remove_requirements(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tree = copy("pip_tools/three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("--remove-requirements", "taxi") == 0
    assert sorted(p.name for p in (tree / "taxi").iterdir()) == ["pyproject.toml"]


@pytest.mark.slow
def test_poetry_check_passes_on_every_generated_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = copy("pip_tools/three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run() == 0
    for service in SERVICES:
        result = poetry("check", cwd=tree / service, tmp_path=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        assert "All set!" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["pep621", "poetry"])
def test_poetry_lock_agrees_with_pip_compile(
    local_index: LocalIndex, layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ranges, locked by real Poetry and by real pip-compile against the same index,
    give the same version of every direct dependency."""
    for key, value in local_index.env(cache_dir=tmp_path / "pip-cache").items():
        if key.startswith("PIP_"):
            monkeypatch.setenv(key, value)
    tree = copy("pip_tools/three-services", tmp_path / "poetry")
    pip_tree = copy("pip_tools/three-services", tmp_path / "pip")
    for root in (tree, pip_tree):
        for service in SERVICES:
            prod = root / service / "requirements-prod.txt"
            prod.write_text(f"--index-url {local_index.url}\n" + prod.read_text())
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "poetry-cache"))
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "poetry-config"))
    monkeypatch.setenv("POETRY_DATA_DIR", str(tmp_path / "poetry-data"))
    monkeypatch.chdir(tree)
    assert run("--layout", layout, "--python", "3.11", "--lock") == 0
    monkeypatch.chdir(pip_tree)
    assert main(["to-pip-tools"]) == 0

    for service in SERVICES:
        lock = tomlkit.parse((tree / service / "poetry.lock").read_text()).unwrap()
        poetry_pins = {p["name"]: p["version"] for p in lock["package"]}
        pip_pins = {
            r.name: r.specifier.removeprefix("==")
            for r in parse_bytes(
                (pip_tree / service / "requirements-dev.txt").read_bytes(),
                path=pip_tree / service / "requirements-dev.txt",
            ).requirements
        }
        direct = {
            r.name
            for role in ("prod", "dev")
            for r in parse_bytes(
                (pip_tree / service / f"requirements-{role}.in").read_bytes(),
                path=pip_tree / service / f"requirements-{role}.in",
            ).requirements
        }
        for name in direct:
            assert Version(poetry_pins[name]) == Version(pip_pins[name]), (service, name)


def test_lock_without_poetry_is_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    import lockmigrate.poetry_tool as poetry_tool

    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(poetry_tool.shutil, "which", lambda _name: None)
    monkeypatch.setattr(
        poetry_tool.importlib.util,
        "find_spec",
        lambda name: None if name.startswith("poetry.console") else real_find_spec(name),
    )
    service = tmp_path / "svc"
    service.mkdir()
    (service / "requirements.txt").write_text("joblib~=1.4\n")
    monkeypatch.chdir(service)
    assert run("--lock") == 3
    assert "--lock needs Poetry, which is not installed" in capsys.readouterr().err


def test_git_requirements_keep_their_names(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "requirements.txt").write_text(
        "-e git+https://github.com/psf/requests.git@v2.32.3#egg=requests\n"
        "git+https://github.com/pallets/click.git@8.1.7#egg=click\n"
        "attrs @ git+https://github.com/python-attrs/attrs.git@24.2.0\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run("--layout", "poetry") == 0
    dependencies = load(tmp_path / "pyproject.toml")["tool"]["poetry"]["dependencies"]  # type: ignore[index]
    assert sorted(dependencies) == ["attrs", "click", "python", "requests"]  # type: ignore[arg-type]
    assert dependencies["requests"] == {  # type: ignore[index]
        "git": "https://github.com/psf/requests.git",
        "rev": "v2.32.3",
        "develop": True,
    }


def test_a_literal_token_in_a_url_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text(
        "mypkg @ https://tok3nABC@git.example.com/x.tar.gz\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run() == 2
    err = capsys.readouterr().err
    assert "requirements.txt:1: this line carries a literal password or token" in err
    assert "tok3nABC" not in err
    assert not (tmp_path / "pyproject.toml").exists()


def test_local_paths_in_a_requirements_folder_are_relative_to_that_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(FIXTURES / "pip_tools" / "local-path" / "libs", tmp_path / "libs")
    (tmp_path / "svc" / "requirements").mkdir(parents=True)
    (tmp_path / "svc" / "requirements" / "base.txt").write_text("-e ../../libs/tiny\n")
    monkeypatch.chdir(tmp_path)
    assert run("svc") == 0
    tool = load(tmp_path / "svc" / "pyproject.toml")["tool"]["poetry"]  # type: ignore[index]
    assert tool["dependencies"] == {"tiny": {"path": "../libs/tiny", "develop": True}}  # type: ignore[index]
