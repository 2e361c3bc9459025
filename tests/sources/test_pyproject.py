"""Declared ranges from pyproject.toml: PEP 621, PEP 735 groups and Poetry constraints
(converted by poetry-core), each with the line it was written on."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockmigrate.errors import InputError
from lockmigrate.sources.pyproject import parse_pyproject

PEP621 = b"""\
[project]
name = "churn"
requires-python = ">=3.10"
dependencies = [
    "numpy~=1.26.4",
    "pandas~=2.2.3 ; python_version >= '3.10'",
]

[project.optional-dependencies]
socks = ["requests[socks]~=2.32"]

[dependency-groups]
test = ["pytest~=8.3.3"]
dev = [{include-group = "test"}, "ruff~=0.8.1"]
"""


def test_pep621_and_dependency_groups() -> None:
    project = parse_pyproject(PEP621, path=Path("pyproject.toml"))
    rows = [
        (
            item.group,
            item.requirement.name,
            item.requirement.specifier,
            item.requirement.origin.line,
        )
        for item in project.requirements
    ]
    assert rows == [
        ("main", "numpy", "~=1.26.4", 5),
        ("main", "pandas", "~=2.2.3", 6),
        ("extra:socks", "requests", "~=2.32", 10),
        ("group:test", "pytest", "~=8.3.3", 13),
        ("group:dev", "pytest", "~=8.3.3", 13),  # through include-group
        ("group:dev", "ruff", "~=0.8.1", 14),
    ]
    assert project.requires_python == ">=3.10"
    assert project.requirements[1].requirement.marker == 'python_version >= "3.10"'
    assert project.requirements[2].requirement.extras == ("socks",)


def test_include_group_cycle_is_an_error() -> None:
    data = b'[dependency-groups]\na = [{include-group = "b"}]\nb = [{include-group = "a"}]\n'
    with pytest.raises(
        InputError, match=r"pyproject.toml:1: dependency group include cycle: a -> b -> a"
    ):
        parse_pyproject(data, path=Path("pyproject.toml"))


POETRY = b"""\
[tool.poetry]
name = "taxi"
version = "0.1.0"

[tool.poetry.dependencies]
python = "^3.10"
numpy = "^1.26"
pandas = "~2.2"
scipy = "1.14.*"
xgboost = { version = ">=2.1,<3", markers = "sys_platform == 'linux'" }
requests = { version = "^2.32", extras = ["socks"], python = "<3.13" }

[tool.poetry.group.dev.dependencies]
pytest = "^8.3.3"
"""


def test_poetry_constraints_become_pep440_with_lines() -> None:
    project = parse_pyproject(POETRY, path=Path("pyproject.toml"))
    found = {
        item.requirement.name: (
            item.group,
            item.requirement.specifier,
            item.requirement.origin.line,
        )
        for item in project.requirements
    }
    assert found == {
        "numpy": ("main", "<2.0,>=1.26", 7),
        "pandas": ("main", "<2.3,>=2.2", 8),
        "scipy": ("main", "==1.14.*", 9),
        "xgboost": ("main", "<3,>=2.1", 10),
        "requests": ("main", "<3.0,>=2.32", 11),
        "pytest": ("group:dev", "<9.0.0,>=8.3.3", 14),
    }
    assert project.requires_python == ">=3.10,<4.0"
    requests = next(i.requirement for i in project.requirements if i.requirement.name == "requests")
    assert requests.marker == 'python_version < "3.13"'
    assert requests.extras == ("socks",)


def test_bad_poetry_constraint_names_the_line() -> None:
    data = b'[tool.poetry.dependencies]\npython = "^3.10"\nnumpy = "^^1"\n'
    with pytest.raises(InputError, match=r"pyproject.toml:3: numpy: invalid Poetry constraint"):
        parse_pyproject(data, path=Path("pyproject.toml"))
