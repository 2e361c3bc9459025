"""``to-poetry`` and ``to-uv`` on a tree ``to-pip-tools`` migrated (they read the ``.in``
files then): what ``to-pip-tools`` itself wrote there, the header of each ``.in`` and the
``-c`` that layers dev on prod's lock, stays out of ``pyproject.toml`` and is not reported
as a loss; every line a user wrote is carried or reported as before."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import tomlkit
from index.server import LocalIndex
from poetry.core.factory import Factory

from lockmigrate.cli import main
from lockmigrate.sources.requirements import parse_bytes
from lockmigrate.targets.pip_tools_in import generated_header, in_header_lines

FIXTURES = Path(__file__).parents[1] / "fixtures"
SERVICES = ("churn", "nlp", "taxi")
USER_COMMENT = "# our own note: pytest moves with the CI image"


def header_text(in_name: str) -> tuple[str, ...]:
    """The header lines of ``in_name`` as TOML comments would hold them (no ``#``)."""
    txt_name = in_name.removesuffix(".in") + ".txt"
    return tuple(line.removeprefix("#").strip() for line in in_header_lines(in_name, txt_name))


def add_user_lines(service: Path, dev: str) -> None:
    """A comment and a ``-c`` of a file of the user's own, above the first dev range."""
    (service / "other.txt").write_text("numpy<2\n")
    path = service / dev
    text = path.read_text()
    path.write_text(
        text.replace("pytest~=8.3.3", f"{USER_COMMENT}\n-c other.txt\npytest~=8.3.3", 1)
    )


def assert_only_lockmigrates_lines_left_out(service: Path, err: str) -> None:
    text = (service / "pyproject.toml").read_text()
    for name in ("requirements-prod.in", "requirements-dev.in"):
        for line in header_text(name):
            assert line not in text
    assert f"    {USER_COMMENT}\n" in text  # the user's comment is carried
    dev_in = (service / "requirements-dev.in").read_text().splitlines()
    layering = dev_in.index("-c requirements-prod.txt") + 1
    users = dev_in.index("-c other.txt") + 1
    shown = f"{service.name}/requirements-dev.in"
    assert f"{shown}:{layering}: warning" not in err
    assert f"{shown}:{users}: warning: Poetry has no constraints files (-c other.txt)" in err
    assert err.count("[poetry-constraints]") == 1
    data = tomlkit.parse(text).unwrap()
    assert Factory.validate(data, strict=True) == {"errors": [], "warnings": []}
    assert data["dependency-groups"]["dev"] == ["pytest~=8.3.3"]


def test_to_poetry_on_a_migrated_tree_leaves_out_what_to_pip_tools_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated", tree)
    add_user_lines(tree / "churn", "requirements-dev.in")
    monkeypatch.chdir(tree)
    assert main(["to-poetry", "--python", "3.11", "-v", "churn"]) == 0
    err = capsys.readouterr().err
    assert_only_lockmigrates_lines_left_out(tree / "churn", err)
    assert (
        "churn/requirements-dev.in:4: info: -c requirements-prod.txt keeps this file's "
        "pip-compile lock in step with that of requirements-prod.in"
    ) in err
    assert "[poetry-layered-lock]" in err


def test_to_uv_on_a_migrated_tree_leaves_out_the_header_and_keeps_the_users_comment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated", tree)
    add_user_lines(tree / "churn", "requirements-dev.in")
    monkeypatch.chdir(tree)
    assert main(["to-uv", "--python-version", "3.11", "churn"]) == 0
    capsys.readouterr()
    text = (tree / "churn" / "pyproject.toml").read_text()
    for name in ("requirements-prod.in", "requirements-dev.in"):
        for line in header_text(name):
            assert line not in text
    assert f"    {USER_COMMENT}\n" in text
    data = tomlkit.parse(text).unwrap()
    assert data["tool"]["uv"]["constraint-dependencies"] == ["numpy<2"]


def test_a_layering_line_the_user_moved_is_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``-c`` of prod's lock, but not right below the ``-r`` of prod's input: not the shape
    ``to-pip-tools`` writes, so it is reported as any ``-c`` is."""
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "workflow" / "three-services-migrated" / "churn", tree)
    dev = tree / "requirements-dev.in"
    dev.write_text(
        dev.read_text().replace(
            "-r requirements-prod.in\n-c requirements-prod.txt\n",
            "-r requirements-prod.in\n# pinned as in production\n-c requirements-prod.txt\n",
        )
    )
    monkeypatch.chdir(tree)
    assert main(["to-poetry", "--python", "3.11"]) == 0
    err = capsys.readouterr().err
    assert (
        "requirements-dev.in:5: warning: Poetry has no constraints files (-c requirements-prod.txt)"
    ) in err
    assert "# pinned as in production" in (tree / "pyproject.toml").read_text()


# --- the header, recognised exactly ---------------------------------------------------


def read_in(tmp_path: Path, name: str, text: str) -> tuple[str, ...]:
    path = tmp_path / name
    path.write_text(text)
    file = parse_bytes(path.read_bytes(), path=path)
    return tuple(line.comment or "" for line in generated_header(file))


HEADER = "\n".join(in_header_lines("requirements-dev.in", "requirements-dev.txt")) + "\n"


def test_the_header_is_the_template_written_for_this_file(tmp_path: Path) -> None:
    expected = in_header_lines("requirements-dev.in", "requirements-dev.txt")
    assert read_in(tmp_path, "requirements-dev.in", HEADER + "pytest~=8.3\n") == expected
    coding = "# -*- coding: utf-8 -*-\n"
    assert read_in(tmp_path, "requirements-dev.in", coding + HEADER + "pytest~=8.3\n") == expected


@pytest.mark.parametrize(
    ("name", "text"),
    [
        # another file's header, copied
        ("requirements-test.in", HEADER),
        # not at the top
        ("requirements-dev.in", "pytest~=8.3\n" + HEADER),
        ("requirements-dev.in", "\n" + HEADER),
        # edited by its user
        ("requirements-dev.in", HEADER.replace("Change a range here", "Change ranges here")),
        ("requirements-dev.in", HEADER.replace("lockmigrate).", "lockmigrate), then edited.")),
        # one line of it only
        ("requirements-dev.in", HEADER.splitlines(keepends=True)[0] + "pytest~=8.3\n"),
        # not a .in
        ("requirements-dev.txt", HEADER),
    ],
)
def test_a_header_lockmigrate_did_not_write_as_is_the_users(
    tmp_path: Path, name: str, text: str
) -> None:
    assert read_in(tmp_path, name, text) == ()


# --- the real chain: to-pip-tools, then to-poetry --------------------------------------


@pytest.mark.slow
def test_to_pip_tools_then_to_poetry(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(FIXTURES / "pip_tools" / "three-services", tree)
    add_user_lines(tree / "churn", "requirements-dev.txt")
    monkeypatch.chdir(tree)
    assert main(["to-pip-tools"]) == 0
    capsys.readouterr()
    for service in SERVICES:
        for role in ("prod", "dev"):
            written = (tree / service / f"requirements-{role}.in").read_text().splitlines()
            header = in_header_lines(f"requirements-{role}.in", f"requirements-{role}.txt")
            assert tuple(written[: len(header)]) == header
    assert main(["to-poetry", "--python", "3.11"]) == 0
    err = capsys.readouterr().err
    assert_only_lockmigrates_lines_left_out(tree / "churn", err)
    for service in ("nlp", "taxi"):
        text = (tree / service / "pyproject.toml").read_text()
        assert "moved here by lockmigrate" not in text
        assert f"{service}/requirements-dev.in" not in err
