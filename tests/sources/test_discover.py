"""File discovery and roles."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockmigrate.sources.discover import discover, is_requirements_name, role_for


@pytest.mark.parametrize(
    ("name", "role"),
    [
        ("requirements.txt", "main"),
        ("requirements-prod.txt", "main"),
        ("requirements_production.txt", "main"),
        ("requirements/base.txt", "main"),
        ("requirements-dev.txt", "dev"),
        ("dev-requirements.txt", "dev"),
        ("requirements/development.txt", "dev"),
        ("requirements_test.txt", "test"),
        ("requirements-tests.txt", "test"),
        ("requirements-docs.txt", "docs"),
        ("constraints.txt", "constraints"),
        ("requirements/constraints.txt", "constraints"),
        ("requirements-lint.txt", "lint"),
        ("requirements/test-ci-default.txt", "test-ci-default"),
        ("requirements-dev.in", "dev"),
    ],
)
def test_role_from_file_name(name: str, role: str) -> None:
    assert role_for(Path(name)) == role


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("requirements.txt", True),
        ("requirements-dev.txt", True),
        ("requirements/anything.txt", True),
        ("dev_requirements.txt", True),
        ("constraints-py311.txt", True),
        ("base.in", True),
        ("notes.txt", False),
        ("requirements.md", False),
    ],
)
def test_requirement_file_names(name: str, expected: bool) -> None:
    assert is_requirements_name(Path(name)) is expected


def test_requirements_folder_belongs_to_parent_service(tmp_path: Path) -> None:
    (tmp_path / "svc" / "requirements").mkdir(parents=True)
    (tmp_path / "svc" / "requirements" / "base.txt").write_text("numpy\n")
    (tmp_path / "svc" / "requirements-dev.txt").write_text("pytest\n")
    (services,) = discover([tmp_path])
    assert services.path == (tmp_path / "svc").absolute()
    assert [f.role for f in services.files] == ["main", "dev"]
