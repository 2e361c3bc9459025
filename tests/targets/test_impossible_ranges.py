"""An impossible range is reported at its own ``file:line`` with the conflict in a few words
(issue 13, item 5), not against the scratch ``requirements.in`` with every version the index
has. Against the local index with the real pip-compile and uv, and on the resolvers' own
words for the pure part."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main
from lockmigrate.model.requirements import Origin
from lockmigrate.resolve import needed_python
from lockmigrate.specifiers import nearest_versions
from lockmigrate.targets.conflicts import Declared, Pinned, explain


def _declared(name: str, specifier: str, path: str, line: int) -> Declared:
    return Declared(name=name, specifier=specifier, origin=Origin(path=path, line=line))


def _run(tmp_path: Path, files: dict[str, str], *args: str) -> int:
    """``to-pip-tools`` in a folder holding ``files``; it must write nothing."""
    tree = tmp_path / "repo"
    tree.mkdir()
    for name, text in files.items():
        (tree / name).write_text(text)
    os.chdir(tree)
    code = main(["to-pip-tools", *args])
    assert sorted(p.name for p in tree.iterdir()) == sorted(files)  # no scratch .in left
    return code


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_two_ranges_of_one_file_that_allow_nothing(
    resolver: str,
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code = _run(
        tmp_path,
        {"requirements.txt": "numpy~=1.26.4\npandas~=2.2.3\nnumpy>=2\n"},
        "--resolver",
        resolver,
    )

    assert code == 3
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first == (
        "lockmigrate: error: requirements.txt:3 (service .): numpy>=2 "
        "conflicts with numpy~=1.26.4 at requirements.txt:1: no version satisfies both"
    )
    assert f"{resolver} failed on requirements.txt:" in err
    assert "requirements.in" not in err


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_a_range_against_the_file_it_includes(
    resolver: str,
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The dev file's own line is named, and the base's line it conflicts with; with
    --keep-going the base is written and the dev file is reported at that line."""
    tree = tmp_path / "repo"
    tree.mkdir()
    monkeypatch.chdir(tree)
    (tree / "requirements.txt").write_text("numpy~=1.26.4\n")
    (tree / "requirements-dev.txt").write_text("-r requirements.txt\nnumpy>=2\n")

    assert main(["to-pip-tools", "--resolver", resolver, "--keep-going"]) == 4

    err = capsys.readouterr().err
    assert (
        "requirements-dev.txt:2: error: numpy>=2 conflicts with numpy~=1.26.4 at "
        "requirements.txt:1: no version satisfies both"
    ) in err
    assert "requirements-dev.in" not in err.replace("requirements-dev.in:", "")
    assert (tree / "requirements.in").is_file()  # the base was migrated
    assert not (tree / "requirements-dev.in").exists()


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_a_range_no_release_satisfies(
    resolver: str,
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    code = _run(
        tmp_path, {"requirements.txt": "pandas~=2.2.3\nnumpy~=3.1\n"}, "--resolver", resolver
    )

    assert code == 3
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith(
        "lockmigrate: error: requirements.txt:2 (service .): no release of "
        "numpy satisfies numpy~=3.1"
    )
    if resolver == "pip-tools":  # pip lists the versions: the nearest few and a count
        assert first.endswith("the nearest are 1.26.9, 1.27.0, 2.0.0, 2.2.0rc1 (5 releases in all)")
    else:  # uv names the newest, pre-releases included
        assert first.endswith("the newest is 2.2.0rc1")


# --- the pure part, on the resolvers' own words ------------------------------------------------

PIP_CONFLICT = (
    "ERROR: Cannot install django>=5 and django~=4.2 because these package versions have "
    "conflicting dependencies.\nDistributionNotFound: ResolutionImpossible: ..."
)
UV_CONFLICT = (
    "error: No solution found when resolving dependencies\n  cause: Because you require "
    "django>=4.2,<5.dev0 and django>=5, we can conclude that your requirements are "
    "unsatisfiable."
)


@pytest.mark.parametrize("message", [PIP_CONFLICT, UV_CONFLICT])
def test_the_later_of_two_conflicting_ranges_is_named(message: str) -> None:
    explained = explain(
        message,
        declared=[
            _declared("requests", ">=2", "requirements.txt", 1),
            _declared("django", "~=4.2", "base.txt", 3),
            _declared("django", ">=5", "requirements.txt", 4),
        ],
    )

    assert explained is not None
    assert explained.origin == Origin(path="requirements.txt", line=4)
    assert explained.summary == (
        "django>=5 conflicts with django~=4.2 at base.txt:3: no version satisfies both"
    )


def test_ranges_that_overlap_are_not_called_a_conflict() -> None:
    declared = [_declared("django", ">=4.2", "a.txt", 1), _declared("django", "<4.2.1", "a.txt", 2)]
    assert explain(PIP_CONFLICT, declared=declared) is None


def test_a_range_that_excludes_the_pin_of_the_lock_it_is_layered_on() -> None:
    message = (
        "  cause: Because you require django>=5 and django==4.2.30, we can conclude that your "
        "requirements are unsatisfiable."
    )
    explained = explain(
        message,
        declared=[_declared("django", ">=5", "requirements-dev.txt", 2)],
        pinned=[
            Pinned(
                name="django",
                version="4.2.30",
                lock="requirements.txt",
                origin=Origin(path="requirements-dev.txt", line=1),
            )
        ],
    )

    assert explained is not None
    assert explained.origin == Origin(path="requirements-dev.txt", line=2)
    assert explained.summary.startswith(
        "django>=5 excludes django==4.2.30, which requirements.txt pins (this file is layered "
        "on it at requirements-dev.txt:1)"
    )


def test_a_range_no_listed_version_satisfies_shows_the_nearest_and_a_count() -> None:
    versions = [f"1.{minor}.{patch}" for minor in range(12) for patch in range(12)]
    message = (
        "ERROR: Could not find a version that satisfies the requirement django~=9.0 (from "
        f"versions: {', '.join(versions)})\nDistributionNotFound: No matching distribution"
    )
    explained = explain(message, declared=[_declared("django", "~=9.0", "r.txt", 2)])

    assert explained is not None
    assert explained.summary == (
        "no release of django satisfies django~=9.0: the nearest are 1.11.8, 1.11.9, 1.11.10, "
        "1.11.11 (144 releases in all)"
    )


def test_a_range_whose_bounds_exclude_each_other_is_said_to_be_empty() -> None:
    message = (
        "ERROR: Could not find a version that satisfies the requirement requests<2,>=3 (from "
        "versions: 1.2.2, 1.2.3, 2.0.0, 2.0.1)\nDistributionNotFound: No matching distribution"
    )
    explained = explain(message, declared=[_declared("requests", ">=3,<2", "r.txt", 4)])

    assert explained is not None
    assert explained.origin == Origin(path="r.txt", line=4)
    assert explained.summary == ("requests>=3,<2 allows no version: its bounds exclude each other")


def test_releases_that_need_another_python_are_said_to_be_the_cause() -> None:
    message = (
        "ERROR: Ignored the following versions that require a different python version: "
        "6.0 Requires-Python >=3.12; 6.0.1 Requires-Python >=3.12\n"
        "ERROR: Could not find a version that satisfies the requirement django~=6.0 (from "
        "versions: 5.2.18, 5.2.19)"
    )
    explained = explain(message, declared=[_declared("django", "~=6.0", "r.txt", 1)])

    assert explained is not None
    assert explained.summary == (
        "every release of django that django~=6.0 allows needs another Python "
        "(Requires-Python >=3.12)"
    )
    assert needed_python(message) == "3.12"


def test_releases_for_another_python_outside_the_range_are_not_blamed() -> None:
    """pip lists Django 6.0's Requires-Python whatever the range: for django~=9.0 the cause
    is the range, and no hint to change Python is given."""
    message = (
        "ERROR: Ignored the following versions that require a different python version: "
        "6.0 Requires-Python >=3.12\nERROR: Could not find a version that satisfies the "
        "requirement django~=9.0 (from versions: 5.2.18, 5.2.19)"
    )
    assert needed_python(message) is None


def test_a_package_the_index_does_not_have() -> None:
    message = (
        "  cause: Because no-such-package was not found in the package registry and you "
        "require no-such-package~=1.0, we can conclude that your requirements are unsatisfiable."
    )
    explained = explain(message, declared=[_declared("no-such-package", "~=1.0", "r.txt", 3)])

    assert explained is not None
    assert explained.summary == "the index has no release of no-such-package (no-such-package~=1.0)"


def test_nearest_versions_sit_around_the_range() -> None:
    from packaging.version import Version

    versions = [Version(f"1.{minor}") for minor in range(20)]
    assert [str(v) for v in nearest_versions(versions, ">=1.10,<1.10.1", 4)] == [
        "1.8",
        "1.9",
        "1.10",
        "1.11",
    ]
    assert [str(v) for v in nearest_versions(versions, "~=3.0", 3)] == ["1.17", "1.18", "1.19"]
