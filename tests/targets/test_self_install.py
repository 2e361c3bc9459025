"""How the files ``--with`` writes install lockmigrate: the release line of a release, the
commit of a build installed from git, a warning for any other development or local build."""

from __future__ import annotations

from typing import Any

import pytest
from packaging.requirements import Requirement

from lockmigrate.errors import UsageError
from lockmigrate.targets.self_install import self_requirement

GIT = {
    "url": "https://github.com/acme/lockmigrate.git",
    "vcs_info": {"vcs": "git", "commit_id": "4f1c2d3e", "requested_revision": "main"},
}


@pytest.mark.parametrize(
    ("version", "requirement"),
    [
        ("1.4.2", "lockmigrate~=1.4.2"),
        ("0.3.0", "lockmigrate~=0.3.0"),
        ("2.0", "lockmigrate~=2.0.0"),
        ("1.0.0rc1", "lockmigrate~=1.0.0rc1"),
        ("1.2.3.post1", "lockmigrate~=1.2.3.post1"),
    ],
)
def test_a_release_installs_its_patch_releases(version: str, requirement: str) -> None:
    chosen = self_requirement(version)

    assert chosen.requirement == requirement
    assert chosen.warning is None
    specifier = Requirement(chosen.requirement).specifier
    assert specifier.contains(version, prereleases=True)  # what the user ran
    assert not specifier.contains("99.0")


def test_a_release_installed_from_git_still_installs_from_the_index() -> None:
    assert self_requirement("1.4.2", direct_url=GIT).requirement == "lockmigrate~=1.4.2"


def test_a_development_build_from_git_installs_that_commit() -> None:
    chosen = self_requirement("0.2.0.dev3", direct_url=GIT)

    assert chosen.requirement == (
        "lockmigrate @ git+https://github.com/acme/lockmigrate.git@4f1c2d3e"
    )
    assert chosen.warning is None
    Requirement(chosen.requirement)


@pytest.mark.parametrize(
    "direct_url",
    [
        None,
        {"url": "file:///home/me/lockmigrate", "dir_info": {"editable": True}},
        {**GIT, "url": "file:///home/me/lockmigrate"},  # a clone CI cannot reach
        {**GIT, "url": "https://me:s3cret-token@git.example.com/lockmigrate.git"},
    ],
)
def test_another_development_build_warns_and_says_what_to_pass(
    direct_url: dict[str, Any] | None,
) -> None:
    chosen = self_requirement("0.2.0.dev3", direct_url=direct_url)

    assert chosen.requirement == "lockmigrate~=0.2.0"
    assert chosen.warning is not None
    assert "development build, which no package index has" in chosen.warning
    assert "--lockmigrate-requirement" in chosen.warning
    assert "s3cret" not in chosen.requirement + chosen.warning


def test_a_local_build_installs_its_release_from_the_index_with_a_warning() -> None:
    chosen = self_requirement("1.4.2+patched")

    assert chosen.requirement == "lockmigrate~=1.4.2"
    assert chosen.warning is not None
    assert "local build" in chosen.warning


def test_the_users_requirement_wins() -> None:
    given = "lockmigrate @ git+https://github.com/acme/lockmigrate@v1"
    assert self_requirement("0.1.0.dev0", given=given).requirement == given
    assert self_requirement("0.1.0.dev0", given=given).warning is None


def test_a_malformed_requirement_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="not a requirement"):
        self_requirement("1.0", given="lockmigrate ~= ~= 1")
