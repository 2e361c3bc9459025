"""``lockmigrate to-poetry``: pyproject sections that Poetry reads exactly as pip read the
requirement files. Checked with poetry-core, and with the real Poetry (``poetry check``,
``poetry lock`` against the local 127.0.0.1 index, compared with pip-compile)."""

from __future__ import annotations

import difflib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import tomlkit
from index.server import LocalIndex
from io_trees import files_of
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
    # Not the activated virtual environment of a nox session: Poetry would lock with its
    # Python even where the project's requires-python excludes it (3.10 for >=3.11)
    environ = {key: value for key, value in os.environ.items() if key != "VIRTUAL_ENV"}
    env = {
        **environ,
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
    # outside git, lockmigrate's lock stays in .lockmigrate/ (ignored by git) at the folder
    # holding every file it wrote
    assert sorted(p.name for p in (tree / "taxi").iterdir()) == [".lockmigrate", "pyproject.toml"]


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


#: Poetry locks for the Python it runs on, and refuses a project that excludes it.
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"


def _indexed_copies(
    local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *folders: str
) -> list[Path]:
    """Copies of the three services (in ``tmp_path / folder`` each) whose requirement
    files name the local index, with pip and Poetry asking it and Poetry's folders private."""
    for key, value in local_index.env(cache_dir=tmp_path / "pip-cache").items():
        if key.startswith("PIP_"):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("POETRY_CACHE_DIR", str(tmp_path / "poetry-cache"))
    monkeypatch.setenv("POETRY_CONFIG_DIR", str(tmp_path / "poetry-config"))
    monkeypatch.setenv("POETRY_DATA_DIR", str(tmp_path / "poetry-data"))
    trees = [copy("pip_tools/three-services", tmp_path / folder) for folder in folders]
    for root in trees:
        for service in SERVICES:
            prod = root / service / "requirements-prod.txt"
            prod.write_text(f"--index-url {local_index.url}\n" + prod.read_text())
    return trees


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["pep621", "poetry"])
def test_poetry_lock_agrees_with_pip_compile(
    local_index: LocalIndex, layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same ranges, locked by real Poetry and by real pip-compile against the same index,
    give the same version of every direct dependency."""
    tree, pip_tree = _indexed_copies(local_index, tmp_path, monkeypatch, "poetry", "pip")
    monkeypatch.chdir(tree)
    assert run("--layout", layout, "--python", RUNNING, "--lock") == 0
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


@pytest.mark.slow
def test_a_second_lock_with_workflow_files_changes_nothing(
    local_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``--lock --with``: the workflow files are planned once poetry lock has written each
    poetry.lock, so what it locks is in Dependabot's and Renovate's groups from the first
    run, and a second run finds every file as it would write it."""
    (tree,) = _indexed_copies(local_index, tmp_path, monkeypatch, "tree")
    (tree / ".git").mkdir()
    monkeypatch.chdir(tree)
    workflow = "dependabot,renovate,make,pre-commit,github-actions"
    args = ("--python-version", RUNNING, "--lock", "--with", workflow)
    assert run(*args, "--format", "json") == 0
    locked = json.loads(capsys.readouterr().out)["locked"]
    assert sorted(entry["path"] for entry in locked) == [
        f"{service}/poetry.lock" for service in ("churn", "nlp", "taxi")
    ]
    assert {entry["reason"] for entry in locked} == {"poetry lock"}

    # scipy: locked (scikit-learn needs it), declared by no service
    renovate = json.loads((tree / "renovate.json").read_text())
    group = next(r for r in renovate["packageRules"] if r.get("groupName") == "numpy-stack")
    assert "scipy" in group["matchPackageNames"]
    assert "          - scipy\n" in (tree / ".github" / "dependabot.yml").read_text()
    written = files_of(tree)
    assert run(*args) == 0
    captured = capsys.readouterr()
    assert files_of(tree) == written
    assert "workflow-differs" not in captured.err
    assert "Nothing to change." in captured.out


@pytest.mark.slow
@pytest.mark.parametrize("failing", ["a lock", "the workflow files"])
def test_a_failure_after_the_first_lock_leaves_every_file_as_it_was(
    failing: str, local_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``--lock --with``: when the last service's ``poetry lock`` fails, or the workflow
    files (planned once every poetry.lock is written) cannot be written, every
    ``pyproject.toml`` and every ``poetry.lock`` written before is put back."""
    (tree,) = _indexed_copies(local_index, tmp_path, monkeypatch, "tree")
    (tree / ".git").mkdir()
    if failing == "a lock":  # taxi, locked last, asks for a project the index does not have
        prod = tree / "taxi" / "requirements-prod.txt"
        prod.write_text(prod.read_text() + "no-such-project~=1.0\n")
    else:  # .github/dependabot.yml cannot be written: .github is a file
        (tree / ".github").write_text("not a folder\n")
    monkeypatch.chdir(tree)
    before = files_of(tree)
    assert run("--python-version", RUNNING, "--lock", "--with", "dependabot,renovate") != 0
    assert files_of(tree) == before


def test_lock_without_poetry_is_exit_3(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import importlib.util

    import lockmigrate.resolve.poetry as poetry_tool

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


# --- issue 11 item 4: the same package on several lines -------------------------------------


@pytest.fixture(autouse=True)
def _private_lockmigrate_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """to-poetry may ask the index which Python the ranges need: never in the user's cache."""
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))


#: Environments where the lines of one name are compared, pip's reading against Poetry's.
ENVIRONMENTS = [
    {"python_version": python, "python_full_version": f"{python}.0", "sys_platform": platform,
     "platform_system": system}
    for python in ("3.9", "3.11", "3.12")
    for platform, system in (("linux", "Linux"), ("win32", "Windows"))
]  # fmt: skip

SEVERAL_LINES = (
    "requests[socks]~=2.32.3  # for the proxy\n"
    'requests~=2.32 ; sys_platform == "win32"\n'
    'numpy==1.26.9 ; python_version >= "3.10"\n'
    'numpy==1.26.4 ; python_version < "3.10"\n'
    "pytest[dev]>=8.3\n"
    "pytest[testing]<8.4\n"
)


def _pip_reading(lines: list[str], environment: dict[str, str]) -> tuple[str, frozenset[str]]:
    """What pip installs for one name here: the intersection of the specifiers of every
    line whose marker holds, and the union of their extras ("" and {} when none holds)."""
    from packaging.markers import default_environment

    env = {**default_environment(), **environment}
    applying = [r for r in map(Requirement, lines) if r.marker is None or r.marker.evaluate(env)]
    specifier = ",".join(str(r.specifier) for r in applying if str(r.specifier))
    extras = frozenset(e for r in applying for e in r.extras)
    return (specifier if applying else "none"), extras


def _assert_same_reading(
    original: list[str], poetry_dependencies: list[Dependency], *, one_per_environment: bool
) -> None:
    """Poetry allows exactly what pip allows, with the same extras, in every environment."""
    for environment in ENVIRONMENTS:
        specifier, extras = _pip_reading(original, environment)
        applying = [d for d in poetry_dependencies if d.marker.validate(environment)]
        if specifier == "none":
            assert not applying, environment
            continue
        if one_per_environment:
            assert len(applying) == 1, (environment, [d.to_pep_508() for d in applying])
        assert frozenset(e for d in applying for e in d.extras) == extras, environment
        for version in witness_versions(specifier or ">=0"):
            pip_allows = Requirement(f"x{specifier}").specifier.contains(version, prereleases=True)
            poetry = PoetryVersion.parse(str(version))
            assert pip_allows == all(d.constraint.allows(poetry) for d in applying), (
                environment,
                version,
            )


def _lines_of(name: str, text: str) -> list[str]:
    lines = [line.split("#")[0].strip() for line in text.splitlines()]
    return [line for line in lines if line and Requirement(line).name == name]


def test_a_name_on_several_lines_is_written_line_by_line_in_pep621(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text(SEVERAL_LINES)
    monkeypatch.chdir(tmp_path)
    assert run("--python", "3.9") == 0
    written = load(tmp_path / "pyproject.toml")["project"]["dependencies"]  # type: ignore[index]
    for name in ("numpy", "pytest"):  # markers that never overlap, or none: every line as is
        assert [str(Requirement(d)) for d in written if Requirement(d).name == name] == [  # type: ignore[union-attr]
            str(Requirement(line)) for line in _lines_of(name, SEVERAL_LINES)
        ]
    # requests: an unmarked line and a Windows one overlap, which Poetry misreads as
    # alternatives; written as cases that never overlap
    requests = [d for d in written if Requirement(d).name == "requests"]  # type: ignore[union-attr]
    assert requests == [
        'requests[socks]~=2.32,~=2.32.3 ; sys_platform == "win32"',
        'requests[socks]~=2.32.3 ; sys_platform != "win32"',
    ]
    for name in ("numpy", "pytest", "requests"):
        _assert_same_reading(
            _lines_of(name, SEVERAL_LINES),
            [Dependency.create_from_pep_508(d) for d in written if Requirement(d).name == name],  # type: ignore[union-attr]
            one_per_environment=False,
        )
    assert main(["to-poetry", "--python", "3.9"]) == 0  # a second run changes nothing
    assert load(tmp_path / "pyproject.toml")["project"]["dependencies"] == written  # type: ignore[index]


def test_a_name_on_several_lines_becomes_poetry_multiple_constraints(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text(SEVERAL_LINES)
    monkeypatch.chdir(tmp_path)
    assert run("--python", "3.9", "--layout", "poetry") == 0
    dependencies = load(tmp_path / "pyproject.toml")["tool"]["poetry"]["dependencies"]  # type: ignore[index]
    assert dependencies["numpy"] == [  # type: ignore[index]
        {"version": "==1.26.9", "markers": 'python_version >= "3.10"'},
        {"version": "==1.26.4", "markers": 'python_version < "3.10"'},
    ]
    assert dependencies["pytest"] == {"version": "<8.4,>=8.3", "extras": ["dev", "testing"]}  # type: ignore[index]
    for name in ("numpy", "pytest", "requests"):
        value = dependencies[name]  # type: ignore[index]
        values = value if isinstance(value, list) else [value]
        _assert_same_reading(
            _lines_of(name, SEVERAL_LINES),
            [Factory.create_dependency(name, v) for v in values],
            one_per_environment=True,
        )


def test_merge_reports_every_line_it_does_not_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nrequires-python = ">=3.10"\ndependencies = ["numpy>=1.20"]\n'
    )
    (tmp_path / "requirements.txt").write_text(
        'numpy==1.26.9 ; python_version >= "3.10"\nnumpy==1.26.4 ; python_version < "3.10"\n'
        "joblib~=1.4\n"
    )
    monkeypatch.chdir(tmp_path)
    assert run() == 2
    err = capsys.readouterr().err
    assert "requirements.txt:1: numpy is 'numpy==1.26.9 ; python_version >= \"3.10\"'" in err
    assert "requirements.txt:2: numpy is 'numpy==1.26.4 ; python_version < \"3.10\"'" in err

    assert run("--merge", "--strict") == 1  # a line not written is a warning
    err = capsys.readouterr().err
    for line in (1, 2):
        assert f"requirements.txt:{line}: warning: not written: pyproject.toml" in err
    assert err.count("[poetry-merge-kept]") == 2
    assert load(tmp_path / "pyproject.toml")["project"]["dependencies"] == [  # type: ignore[index]
        "numpy>=1.20",
        "joblib~=1.4",
    ]


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["pep621", "poetry"])
def test_poetry_locks_lines_with_overlapping_markers_as_pip_reads_them(
    local_index: LocalIndex, layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``requests[socks]`` everywhere and ``requests`` on Windows: Poetry, reading the two
    lines as they are, would lock requests for Windows only; as written it locks it (and
    PySocks) everywhere."""
    service = tmp_path / "svc"
    service.mkdir()
    (service / "requirements.txt").write_text(
        f"--index-url {local_index.url}\n"
        "requests[socks]~=2.32.3\n"
        'requests~=2.32 ; sys_platform == "win32"\n'
    )
    monkeypatch.chdir(service)
    assert run("--python", "3.11", "--layout", layout) == 0
    result = poetry("lock", cwd=service, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    lock = tomlkit.parse((service / "poetry.lock").read_text()).unwrap()
    packages = {p["name"]: p for p in lock["package"]}
    assert packages["requests"]["version"] == "2.32.3"
    assert "markers" not in packages["requests"], packages["requests"]
    assert "pysocks" in packages
    assert "markers" not in packages["pysocks"], packages["pysocks"]
    assert poetry("check", cwd=service, tmp_path=tmp_path).returncode == 0


# --- issue 11 item 5: smaller refusals --------------------------------------------------------


@pytest.mark.parametrize("layout", ["pep621", "poetry"])
def test_not_equal_beside_another_bound_is_written_as_written(
    layout: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("numpy>=1.26.4,!=1.26.9\n")
    monkeypatch.chdir(tmp_path)
    assert run("--python", "3.11", "--layout", layout) == 0
    data = load(tmp_path / "pyproject.toml")
    if layout == "pep621":
        assert data["project"]["dependencies"] == ["numpy!=1.26.9,>=1.26.4"]  # type: ignore[index]
    else:
        assert data["tool"]["poetry"]["dependencies"]["numpy"] == "!=1.26.9,>=1.26.4"  # type: ignore[index]
    err = capsys.readouterr().err
    assert "requirements.txt:1: info: Poetry reads '!=1.26.9,>=1.26.4' as also leaving out" in err
    assert "1.26.9.post1" in err
    assert "[poetry-not-equal-post]" in err
    # the only difference: Poetry is narrower, on post-releases of the excluded version
    constraint = Dependency.create_from_pep_508("numpy!=1.26.9,>=1.26.4").constraint
    for version in witness_versions("!=1.26.9,>=1.26.4"):
        pip_allows = Requirement("numpy!=1.26.9,>=1.26.4").specifier.contains(
            version, prereleases=True
        )
        if constraint.allows(PoetryVersion.parse(str(version))) != pip_allows:
            assert pip_allows and version.post is not None and version.release == (1, 26, 9)


DYNAMIC_PYPROJECT = """\
[build-system]
requires = ["setuptools>=70"]
build-backend = "setuptools.build_meta"

[project]
name = "shop"
requires-python = ">=3.10"
dynamic = ["version", "dependencies"]

[tool.setuptools.dynamic]
version = {attr = "shop.__version__"}
dependencies = {file = ["requirements.txt"]}
"""


def _dynamic_service(tmp_path: Path) -> Path:
    service = tmp_path / "shop"
    service.mkdir()
    (service / "pyproject.toml").write_text(DYNAMIC_PYPROJECT)
    (service / "requirements.txt").write_text("numpy~=1.26.4\n")
    (service / "requirements-dev.txt").write_text("-r requirements.txt\npytest~=8.3.3\n")
    return service


def test_dynamic_dependencies_leave_the_package_metadata_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _dynamic_service(tmp_path)
    monkeypatch.chdir(service)
    assert run() == 0
    captured = capsys.readouterr()
    data = load(service / "pyproject.toml")
    assert data["project"] == tomlkit.parse(DYNAMIC_PYPROJECT).unwrap()["project"]  # untouched
    assert (service / "pyproject.toml").read_text().startswith(DYNAMIC_PYPROJECT)
    assert data["tool"]["poetry"] == {  # type: ignore[index]
        "package-mode": False,
        "dependencies": {"numpy": "~=1.26.4"},
    }
    assert data["dependency-groups"] == {"dev": ["pytest~=8.3.3"]}
    assert Factory.validate(data, strict=False)["errors"] == []
    assert "pyproject.toml:8: info: the package's dependencies come from its build" in captured.err
    assert "reading requirements.txt" in captured.err
    assert "[poetry-metadata-kept]" in captured.err
    assert "pyproject.toml:8: info: Poetry cannot read this package's version" in captured.err
    assert "requires-python '>=3.10' (from pyproject.toml:7 [project] requires-python)" in (
        captured.out
    )

    # --no-package-mode: the same, never `dependencies` both static and dynamic
    assert run("--no-package-mode") == 0
    assert "dependencies" not in load(service / "pyproject.toml")["project"]  # type: ignore[operator]

    # the build reads requirements.txt: --remove-requirements keeps it and says why
    assert run("--remove-requirements") == 0
    err = capsys.readouterr().err
    assert (service / "requirements.txt").exists()
    assert not (service / "requirements-dev.txt").exists()
    assert "requirements.txt:1: warning: requirements.txt was not removed" in err
    assert "[poetry-metadata-reads]" in err


def test_package_mode_with_a_dynamic_version_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    service = _dynamic_service(tmp_path)
    monkeypatch.chdir(service)
    assert run("--package-mode") == 2
    err = capsys.readouterr().err
    assert err.startswith("lockmigrate: error: pyproject.toml:8: Poetry's package mode needs a ")
    assert "its version is dynamic" in err
    assert "--no-package-mode" in err
    assert "Traceback" not in err
    assert (service / "pyproject.toml").read_text() == DYNAMIC_PYPROJECT


@pytest.mark.slow
def test_poetry_check_passes_with_dynamic_dependencies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = _dynamic_service(tmp_path)
    monkeypatch.chdir(service)
    assert run() == 0
    result = poetry("check", cwd=service, tmp_path=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_full_line_comments_are_carried_into_the_toml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text(
        "#\n# Common requirements\n#\n\n# Application\nnumpy~=1.26.4  # the array\n"
        "joblib~=1.4\n\n# AWS\n#boto3\n\n# REST API\npandas~=2.2.3\n# the end\n"
    )
    (tmp_path / "requirements-dev.txt").write_text("-r requirements.txt\n# Tests\npytest~=8.3\n")
    monkeypatch.chdir(tmp_path)
    assert run("--python", "3.11") == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert (
        "dependencies = [\n"
        "    # Common requirements\n"
        "    # Application\n"
        '    "numpy~=1.26.4", # the array\n'
        '    "joblib~=1.4",\n'
        "    # AWS\n"
        "    # boto3\n"
        "    # REST API\n"
        '    "pandas~=2.2.3",\n'
        "    # the end\n"
        "]\n"
    ) in text
    assert 'dev = [\n    # Tests\n    "pytest~=8.3",\n]\n' in text
    assert run("--python", "3.11") == 0
    assert (tmp_path / "pyproject.toml").read_text() == text  # a second run adds none again

    (tmp_path / "pyproject.toml").unlink()
    assert run("--python", "3.11", "--layout", "poetry") == 0
    text = (tmp_path / "pyproject.toml").read_text()
    assert '# Application\nnumpy = "~=1.26.4" # the array\njoblib = "~=1.4"\n# AWS\n' in text
    assert '# REST API\npandas = "~=2.2.3"\n# the end\n' in text
    assert load(tmp_path / "pyproject.toml")["tool"]["poetry"]["dependencies"] == {  # type: ignore[index]
        "python": ">=3.11",
        "numpy": "~=1.26.4",
        "joblib": "~=1.4",
        "pandas": "~=2.2.3",
    }


def test_a_setup_py_package_keeps_what_it_publishes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """torchmetrics' shape: setup.py reads requirements/*.txt, pyproject.toml has no
    [project]. Creating [project] would make setuptools publish it instead."""
    service = tmp_path / "metrics"
    (service / "requirements").mkdir(parents=True)
    (service / "setup.py").write_text(
        "import os\nfrom setuptools import setup\n"
        "_PATH_REQUIRE = os.path.join(os.path.dirname(__file__), 'requirements')\n"
        "setup(name='metrics', python_requires='>=3.10', install_requires=load('base.txt'))\n"
    )
    (service / "pyproject.toml").write_text('[build-system]\nrequires = ["setuptools"]\n')
    (service / "requirements.txt").write_text("-r requirements/base.txt\n")
    (service / "requirements" / "base.txt").write_text("numpy~=1.26.4\n")
    (service / "requirements" / "test.txt").write_text("pytest~=8.3.3\n")
    monkeypatch.chdir(service)
    assert run("--remove-requirements") == 0
    captured = capsys.readouterr()
    data = load(service / "pyproject.toml")
    assert "project" not in data
    assert data["tool"]["poetry"]["package-mode"] is False  # type: ignore[index]
    assert data["tool"]["poetry"]["dependencies"] == {  # type: ignore[index]
        "python": ">=3.10",
        "numpy": "~=1.26.4",
    }
    assert "requires-python '>=3.10' (from setup.py:4 setup.py python_requires)" in captured.out
    assert "setup.py:1: info: the package's dependencies come from its build" in captured.err
    # setup.py names the requirements folder: its files stay; the root file is not read
    assert (service / "requirements" / "base.txt").exists()
    assert (service / "requirements" / "test.txt").exists()
    assert not (service / "requirements.txt").exists()
    assert "requirements/base.txt:1: warning: base.txt was not removed" in captured.err


def test_dynamic_dependencies_without_a_build_system_are_never_also_static(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "x"\nversion = "1.0"\ndynamic = ["dependencies"]\n'
    )
    (tmp_path / "requirements.txt").write_text("numpy~=1.26.4\n")
    monkeypatch.chdir(tmp_path)
    assert run("--python", "3.11") == 0
    data = load(tmp_path / "pyproject.toml")
    assert data["project"] == {"name": "x", "version": "1.0", "dynamic": ["dependencies"]}
    assert data["tool"]["poetry"]["dependencies"] == {  # type: ignore[index]
        "python": ">=3.11",
        "numpy": "~=1.26.4",
    }
    assert "package-mode" not in data["tool"]["poetry"]  # type: ignore[operator]  # a version
    assert Factory.validate(data, strict=False)["errors"] == []


def test_the_project_name_from_a_folder_name_is_valid(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    service = tmp_path / "_my_app_"
    service.mkdir()
    (service / "requirements.txt").write_text("numpy~=1.26.4\n")
    monkeypatch.chdir(service)
    assert run("--python", "3.11") == 0
    assert load(service / "pyproject.toml")["project"]["name"] == "my-app"  # type: ignore[index]
