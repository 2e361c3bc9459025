"""Which Python a project targets, and where that came from: lockmigrate.python_target,
against the real local index (tests/index) for what the ranges need."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tomlkit
from index.catalog import DEFAULT_CATALOG, Release
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex
from io_trees import files_of

from lockmigrate.cli import main
from lockmigrate.model.requirements import Option, Origin
from lockmigrate.python_target import TargetSource, find_python_target, python_floor_of
from lockmigrate.sources.requirements import parse_bytes

HERE = f"{sys.version_info.major}.{sys.version_info.minor}"

#: Django 6 needs Python 3.12 (as on PyPI); 5.2 installs on 3.10.
DJANGO = [
    *DEFAULT_CATALOG,
    Release(name="Django", version="5.2.9", requires_python=">=3.10"),
    Release(name="Django", version="6.0.1", requires_python=">=3.12"),
    Release(name="Django", version="6.0.2", requires_python=">=3.12"),
    Release(name="Django", version="6.1.0", requires_python=">=3.13"),
    Release(name="Django", version="6.1.1", yanked="broken", requires_python=">=3.10"),
]


@pytest.fixture(autouse=True)
def _private_lockmigrate_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))


def _requirements(folder: Path, text: str, index: LocalIndex) -> tuple[list, list[Option]]:  # type: ignore[type-arg]
    path = folder / "requirements.txt"
    path.write_text(f"--index-url {index.url}\n{text}")
    parsed = parse_bytes(path.read_bytes(), path=path)
    return list(parsed.requirements), list(parsed.options)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Django>=6.0,<6.1", "3.12"),  # every 6.0.x needs 3.12
        ("Django>=5.2", "3.10"),  # 5.2.9 still installs on 3.10: the floor is the oldest
        ("Django>=6.1", "3.13"),  # 6.1.1 would allow 3.10, but it is yanked
        ("Django==6.1.1", "3.10"),  # an == pin still gets a yanked release, as pip does
    ],
)
def test_the_ranges_set_the_floor(
    line: str, expected: str, local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    index = local_index_factory(DJANGO)
    requirements, options = _requirements(tmp_path, f"{line}\nnumpy~=1.26.4\n", index)
    target = find_python_target(tmp_path, requirements=requirements, options=options)
    if expected > HERE:
        assert target.source is TargetSource.RANGES
        assert target.requires_python == f">={expected}"
        assert target.minimum == expected
        assert target.origin == Origin(path=(tmp_path / "requirements.txt").as_posix(), line=2)
        assert f"{line} needs Python >={expected} (Requires-Python on the index)" in target.reason
    else:  # the running interpreter is newer than what the ranges need: it is kept
        assert target.source is TargetSource.INTERPRETER
        assert target.requires_python == f">={HERE}"
        assert "the ranges need no newer Python" in target.reason
    assert target.warning is None


def test_a_requirement_for_some_pythons_only_does_not_raise_the_floor(
    local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    index = local_index_factory(DJANGO)
    requirements, options = _requirements(
        tmp_path, 'Django>=6.1 ; python_version >= "3.13"\n', index
    )
    target = find_python_target(tmp_path, requirements=requirements, options=options)
    assert target.source is TargetSource.INTERPRETER


@pytest.mark.parametrize(
    ("files", "expected", "source", "reason"),
    [
        (
            {"pyproject.toml": '[project]\nname = "x"\nrequires-python = ">=3.9,<3.14"\n'},
            "<3.14,>=3.9",
            TargetSource.PROJECT,
            "pyproject.toml:3 [project] requires-python",
        ),
        (
            {"pyproject.toml": '[tool.poetry.dependencies]\npython = "^3.10"\n'},
            "<4.0,>=3.10",
            TargetSource.PROJECT,
            "pyproject.toml:2 [tool.poetry.dependencies] python",
        ),
        (
            {"setup.cfg": "[metadata]\nname = x\n\n[options]\npython_requires = >=3.8\n"},
            ">=3.8",
            TargetSource.PROJECT,
            "setup.cfg:5 setup.cfg [options] python_requires",
        ),
        (
            {"setup.py": "from setuptools import setup\nsetup(\n\n    python_requires='>= 3.10')"},
            ">=3.10",
            TargetSource.PROJECT,
            "setup.py:4 setup.py python_requires",
        ),
        (
            {".python-version": "3.13.1\n"},
            ">=3.13",
            TargetSource.PYTHON_VERSION_FILE,
            ".python-version:1",
        ),
        ({"runtime.txt": "python-3.12.4\n"}, ">=3.12", TargetSource.RUNTIME_TXT, "runtime.txt:1"),
    ],
)
def test_what_the_project_says_comes_first(
    files: dict[str, str],
    expected: str,
    source: TargetSource,
    reason: str,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
) -> None:
    index = local_index_factory(DJANGO)
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    requirements, options = _requirements(tmp_path, "Django>=6.0,<6.1\n", index)
    with index.recording() as served:
        target = find_python_target(
            tmp_path,
            requirements=requirements,
            options=options,
            display=lambda path: path.relative_to(tmp_path).as_posix() or ".",
        )
    assert (target.requires_python, target.source) == (expected, source)
    assert target.reason.startswith(reason)
    assert not served  # the index is asked only when the project says nothing


def test_a_python_version_file_in_a_parent_folder_up_to_the_root(tmp_path: Path) -> None:
    service = tmp_path / "services" / "api"
    service.mkdir(parents=True)
    (tmp_path / ".python-version").write_text("3.12\n")
    assert find_python_target(service, root=tmp_path).requires_python == ">=3.12"
    # outside the root given, a parent's file is not this project's
    assert find_python_target(service, root=service).source is TargetSource.INTERPRETER


def test_the_option_wins(tmp_path: Path) -> None:
    (tmp_path / ".python-version").write_text("3.12\n")
    target = find_python_target(tmp_path, explicit="3.10")
    assert (target.requires_python, target.minimum, target.reason) == (">=3.10", "3.10", "--python")


def test_an_index_that_cannot_answer_falls_back_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the test environment routes pypi.org to a closed port: the default index cannot answer
    path = tmp_path / "requirements.txt"
    path.write_text("Django>=6.0,<6.1\n")
    requirements = list(parse_bytes(path.read_bytes(), path=path).requirements)
    target = find_python_target(tmp_path, requirements=requirements)
    assert target.source is TargetSource.INTERPRETER
    assert target.requires_python == f">={HERE}"
    assert target.warning is not None
    assert "the index could not say which Python the ranges need" in target.warning
    assert "pass --python" in target.warning


def test_python_floor_of() -> None:
    assert str(python_floor_of([">=3.12"])) == "3.12"
    assert str(python_floor_of([">=3.12", ">=3.9"])) == "3.9"  # the file that installs first
    assert str(python_floor_of([""])) == "3.0"
    assert str(python_floor_of(["~=3.10.2"])) == "3.10"
    assert python_floor_of([">=3.99"]) is None


def test_to_poetry_takes_requires_python_from_the_ranges_and_says_so(
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index = local_index_factory(DJANGO)
    (tmp_path / "requirements.txt").write_text(f"--index-url {index.url}\nDjango>=6.0,<6.1\n")
    monkeypatch.chdir(tmp_path)
    assert main(["to-poetry"]) == 0
    out = capsys.readouterr().out
    text = (tmp_path / "pyproject.toml").read_text()
    floor = "3.12" if sys.version_info < (3, 12) else HERE
    assert f'requires-python = ">={floor}"' in text
    if sys.version_info < (3, 12):  # on 3.12 the running interpreter gives it as well
        assert (
            "pyproject.toml: requires-python '>=3.12' (from requirements.txt:2 "
            "Django>=6.0,<6.1 needs Python >=3.12 (Requires-Python on the index))"
        ) in out


#: A release line that stops at Python 4, as many on PyPI do.
CAPPED = [
    *DEFAULT_CATALOG,
    Release(name="environ", version="0.11.0", requires_python=">=3.8,<4"),
    Release(name="environ", version="0.12.0", requires_python=">=3.9,<4"),
    Release(name="environ", version="0.13.0", requires_python=">=3.9"),
]


@pytest.mark.parametrize(
    ("line", "cap"),
    [
        ("environ==0.12.0", "4.0"),  # every release allowed stops at 4
        ("environ<0.13", "4.0"),
        ("environ>=0.12", None),  # 0.13.0 installs on every Python from 3.9 on
    ],
)
def test_with_cap_the_ranges_top_is_found(
    line: str, cap: str | None, local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    index = local_index_factory(CAPPED)
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\nrequires-python = ">=3.10"\n')
    requirements, options = _requirements(tmp_path, f"numpy~=1.26.4\n{line}\n", index)
    target = find_python_target(tmp_path, requirements=requirements, options=options, with_cap=True)
    assert target.requires_python == ">=3.10"  # from the project, never capped
    if cap is None:
        assert target.cap is None
    else:
        assert target.cap is not None
        assert (target.cap.below, target.cap.requirement) == (cap, line)
        assert target.cap.lock_range(target.requires_python) == "<4.0,>=3.10"
    # without with_cap, a project that names its Python never asks the index
    with index.recording() as served:
        find_python_target(tmp_path, requirements=requirements, options=options)
    assert not served


@pytest.mark.slow
def test_to_poetry_gives_poetry_the_capped_range_and_poetry_locks(
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index = local_index_factory(CAPPED)
    service = tmp_path / "svc"
    service.mkdir()
    (service / "pyproject.toml").write_text(
        '[project]\nname = "svc"\nrequires-python = ">=3.10"\ndynamic = ["dependencies"]\n'
    )
    (service / "requirements.txt").write_text(f"--index-url {index.url}\nenviron==0.12.0\n")
    monkeypatch.chdir(service)
    for key in ("POETRY_CACHE_DIR", "POETRY_CONFIG_DIR", "POETRY_DATA_DIR"):
        monkeypatch.setenv(key, str(tmp_path / key.lower()))
    assert main(["to-poetry", "--lock"]) == 0
    err = capsys.readouterr().err
    assert "requirements.txt:2: info: environ==0.12.0 allows only releases for Python <4.0" in err
    text = (service / "pyproject.toml").read_text()
    assert 'requires-python = ">=3.10"' in text  # what the package publishes: unchanged
    assert 'python = "<4.0,>=3.10"' in text
    assert (service / "poetry.lock").exists()


#: A direct requirement with no cap of its own whose dependency stops at Python 4 (spaCy 3.7
#: -> weasel -> smart-open on PyPI): only ``poetry lock`` finds that cap.
TRANSITIVE = [
    Release(name="nlpkit", version="1.0.0", requires_dist=("smartio>=1.0",)),
    Release(name="smartio", version="1.0.0", requires_python=">=3.8,<4.0"),
    Release(name="smartio", version="1.1.0", requires_python=">=3.8,<4.0"),
    Release(name="later", version="1.0.0", requires_python=">=3.99"),
]


def _transitive_service(
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    line: str,
    name: str = "svc",
) -> Path:
    """A service (``tmp_path / name``) whose requirements.txt says ``line``, on an index of
    :data:`TRANSITIVE`; Poetry's folders private, in ``tmp_path``."""
    index = local_index_factory(TRANSITIVE)
    service = tmp_path / name
    service.mkdir(parents=True)
    (service / ".git").mkdir()
    (service / "requirements.txt").write_text(f"--index-url {index.url}\n{line}\n")
    monkeypatch.chdir(service)
    for key in ("POETRY_CACHE_DIR", "POETRY_CONFIG_DIR", "POETRY_DATA_DIR"):
        monkeypatch.setenv(key, str(tmp_path / key.lower()))
    return service


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("layout", ["pep621", "poetry"])
def test_a_cap_only_poetry_lock_finds_is_written_and_poetry_locks(
    layout: str,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """``poetry lock`` refuses ``>=3.X`` for smartio, which nlpkit needs and whose every
    release says ``<4.0``: the pyproject.toml is written again with the cap where only
    Poetry reads it, and poetry lock run again; a second run changes nothing."""
    service = _transitive_service(local_index_factory, tmp_path, monkeypatch, "nlpkit~=1.0")
    assert main(["to-poetry", "--layout", layout, "--lock"]) == 0
    err = capsys.readouterr().err
    assert (
        "pyproject.toml:" in err
        and "info: smartio (a dependency of the ranges) allows only releases for Python <4.0 "
        "(poetry lock: smartio requires Python "
        in err
        and f"[tool.poetry.dependencies] python = '<4.0,>={HERE}'" in err
    ), err
    pyproject = tomlkit.parse((service / "pyproject.toml").read_text()).unwrap()
    assert pyproject["tool"]["poetry"]["dependencies"]["python"] == f"<4.0,>={HERE}"
    if layout == "pep621":  # what the package would publish: never capped
        assert pyproject["project"]["requires-python"] == f">={HERE}"
    lock = tomlkit.parse((service / "poetry.lock").read_text()).unwrap()
    assert {p["name"] for p in lock["package"]} == {"nlpkit", "smartio"}

    written = _files(service)
    assert main(["to-poetry", "--layout", layout, "--lock"]) == 0
    captured = capsys.readouterr()
    assert _files(service) == written
    assert "Nothing to change." in captured.out
    assert "poetry-python-cap" not in captured.err


@pytest.mark.slow
def test_a_package_that_needs_a_newer_python_is_an_error_that_says_what_to_run(
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A cap from above cannot help a package that needs Python 3.99: nothing is changed,
    and the error names it and what to run, without Poetry's whole derivation."""
    service = _transitive_service(
        local_index_factory, tmp_path, monkeypatch, "later==1.0.0\nnlpkit~=1.0"
    )
    before = _files(service)
    assert main(["to-poetry", "--python-version", HERE, "--lock"]) == 3
    err = capsys.readouterr().err
    assert _files(service) == before
    assert "later requires Python >=3.99" in err
    assert "--python-version '>=3.99'" in err
    assert "version solving failed" not in err


@pytest.mark.slow
@pytest.mark.parametrize("failing", ["a later lock", "the workflow files"])
def test_a_failure_after_a_capped_lock_puts_every_file_back(
    failing: str,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The pyproject.toml written again with a cap is put back with the rest when a later
    service's lock, or the workflow files after every lock, fail."""
    first = _transitive_service(
        local_index_factory, tmp_path, monkeypatch, "nlpkit~=1.0", name="tree/svc"
    )
    tree = first.parent
    (tree / ".git").mkdir()
    second = tree / "tvc"  # locked after svc
    second.mkdir()
    url = (first / "requirements.txt").read_text().splitlines()[0]
    missing = "no-such-project~=1.0" if failing == "a later lock" else "smartio~=1.0"
    (second / "requirements.txt").write_text(f"{url}\n{missing}\n")
    if failing == "the workflow files":
        (tree / ".github").write_text("not a folder\n")
    monkeypatch.chdir(tree)
    before = files_of(tree)
    assert main(["to-poetry", "--lock", "--with", "dependabot"]) != 0
    assert files_of(tree) == before
