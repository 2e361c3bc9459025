"""What ``poetry lock`` says when the project's Python range is wider than a package allows:
lockmigrate.resolve.poetry_messages, on Poetry's own words (written by the installed Poetry's
failure writer, captured from a real run against PyPI, and as older Poetry printed them)."""

from __future__ import annotations

from pathlib import Path

import pytest
from poetry.core.packages.dependency import Dependency
from poetry.mixology.failure import SolveFailureError
from poetry.mixology.incompatibility import Incompatibility
from poetry.mixology.incompatibility_cause import PythonCauseError
from poetry.mixology.term import Term

from lockmigrate.resolve.poetry_messages import python_range_conflict

FIXTURES = Path(__file__).parent / "fixtures" / "poetry" / "lock-output"


def poetry_says(project: str, *packages: tuple[str, str]) -> str:
    """The message the installed Poetry writes when each package's ``Requires-Python``
    (``(name, requires_python)``) does not cover the project's range, with its console
    styles (``<fg=yellow>``) as its writer leaves them."""
    incompatibilities = [
        Incompatibility([Term(Dependency(name, "*"), True)], PythonCauseError(python, project))
        for name, python in packages
    ]
    return "\n".join(str(SolveFailureError(i)) for i in incompatibilities)


def test_a_package_that_stops_at_python_4_caps_the_range_there() -> None:
    conflict = python_range_conflict(poetry_says(">=3.12", ("smart-open", "<4.0,>=3.10")))
    assert conflict is not None
    assert (conflict.project, conflict.package, conflict.below) == (">=3.12", "smart-open", "4.0")
    assert conflict.requirements == (("smart-open", "<4.0,>=3.10"),)
    assert conflict.package_requires == "<4.0,>=3.10"
    assert conflict.capped == ">=3.12,<4.0"  # Poetry's own proposal, in its notation


def test_a_real_poetry_lock_against_pypi() -> None:
    """spaCy 3.7 -> weasel -> smart-open, every release ``<4.0``: the failure
    ``lockmigrate to-poetry --lock`` met on examples/adr (Poetry 2.5, 100 lines)."""
    output = (FIXTURES / "python-range-spacy.txt").read_text()
    conflict = python_range_conflict(output)
    assert conflict is not None
    assert (conflict.package, conflict.below, conflict.capped) == (
        "smart-open",
        "4.0",
        ">=3.12,<4.0",
    )
    assert {name for name, _ in conflict.requirements} == {"smart-open"}
    assert ("smart-open", ">=3.6,<4.0") in conflict.requirements


def test_the_lowest_cap_over_packages_and_the_least_of_one_package() -> None:
    """Each package needs one release for the whole range (its least cap); the range must
    stop below the lowest of those."""
    output = poetry_says(
        ">=3.10",
        ("smart-open", "<4.0,>=3.10"),
        ("llama-index-llms-ibm", "<3.13,>=3.10"),
        ("llama-index-llms-ibm", "<3.14,>=3.10"),
    )
    conflict = python_range_conflict(output)
    assert conflict is not None
    assert (conflict.package, conflict.below) == ("llama-index-llms-ibm", "3.14")


@pytest.mark.parametrize(
    ("project", "python"),
    [
        (">=3.10", ">=3.13,<4.0"),  # it would raise the floor: never
        (">=3.10", ">=3.13"),
        (">=3.10", "<3.8"),  # nothing of the range at all
    ],
)
def test_a_range_that_would_have_to_start_higher_is_never_capped(project: str, python: str) -> None:
    conflict = python_range_conflict(poetry_says(project, ("foo", python)))
    assert conflict is not None
    assert (conflict.package, conflict.below, conflict.capped) == ("foo", None, None)


def test_one_package_that_needs_a_higher_floor_stops_every_cap() -> None:
    output = poetry_says(">=3.10", ("smart-open", "<4.0,>=3.6"), ("foo", ">=3.12"))
    conflict = python_range_conflict(output)
    assert conflict is not None
    assert (conflict.package, conflict.below, conflict.suggested) == ("foo", None, ">=3.12")


def test_a_union_range_is_cut_above_its_last_part() -> None:
    conflict = python_range_conflict(poetry_says(">=3.8,<3.9 || >=3.10", ("foo", ">=3.6,<4")))
    assert conflict is not None
    assert conflict.below == "4"
    assert conflict.capped == ">=3.8,<3.9 || >=3.10,<4"


def test_older_poetry_words() -> None:
    """Poetry 1.7 and 1.8 said "will not be satisfied"; before 1.7 "Python requirement", and
    its proposal came from a separate solution provider."""
    satisfied = (
        "The current project's supported Python range (>=3.11,<4.0) is not compatible with "
        "some of the required packages Python requirement:\n"
        "  - snowflake-id requires Python <3.13,>=3.8, so it will not be satisfied for Python "
        ">=3.13,<4.0\n"
    )
    conflict = python_range_conflict(satisfied)
    assert conflict is not None
    assert (conflict.package, conflict.below, conflict.capped) == (
        "snowflake-id",
        "3.13",
        ">=3.11,<3.13",
    )
    requirement = (
        "The current project's Python requirement (>=3.7,<4.0) is not compatible with some of "
        "the required packages Python requirement:\n\n"
        "    For atproto, a possible solution would be to set the `python` property to "
        '">=3.7.1,<4.0"\n'
    )
    conflict = python_range_conflict(requirement)
    assert conflict is not None
    assert (conflict.package, conflict.below) == ("atproto", None)  # 3.7.1: a higher floor


def test_other_failures_are_not_read() -> None:
    assert (
        python_range_conflict("Because no versions of foo match >1.0, version solving failed.")
        is None
    )
    assert python_range_conflict("") is None
