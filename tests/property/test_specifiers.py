"""Property: every constraint lockmigrate writes for Poetry allows exactly the versions pip
allows. packaging is the oracle for pip; poetry-core's own parsers read what was written.

Where lockmigrate cannot prove equivalence it must refuse (``counterexamples`` non-empty):
the property is "written implies equivalent", checked on generated versions that the
witness set did not choose.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

# packaging before poetry.core (poetry.core puts its vendored packaging on sys.path)
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version
from poetry.core.constraints.version import Version as PoetryVersion
from poetry.core.constraints.version import parse_constraint
from poetry.core.packages.dependency import Dependency

from lockmigrate.specifiers import counterexamples, poetry_style

small = st.integers(min_value=0, max_value=4)
release = st.lists(small, min_size=1, max_size=4).map(lambda parts: ".".join(map(str, parts)))
pre = st.sampled_from(["", "a1", "b2", "rc1", ".dev0", ".post1", ".post1.dev0", "rc1.post1"])
local = st.sampled_from(["", "", "", "+local", "+ubuntu.1"])
epoch = st.sampled_from(["", "", "", "", "1!"])


@st.composite
def versions(draw: st.DrawFn) -> str:
    return f"{draw(epoch)}{draw(release)}{draw(pre)}{draw(local)}"


@st.composite
def single_specifiers(draw: st.DrawFn) -> str:
    kind = draw(
        st.sampled_from(
            ["~=2", "~=3", "~=4", "==", "==*", "!=", "!=*", ">=", ">", "<=", "<", "==="]
        )
    )
    if kind.startswith("~="):
        parts = int(kind[-1])
        numbers = [draw(small) for _ in range(parts)]
        version = ".".join(map(str, numbers)) + draw(
            st.sampled_from(["", "", "rc1", ".post1", ".dev0"])
        )
        return f"~={draw(epoch)}{version}"
    if kind in {"==*", "!=*"}:
        prefix = ".".join(map(str, [draw(small) for _ in range(draw(st.integers(1, 3)))]))
        return f"{kind[:2]}{draw(epoch)}{prefix}.*"
    if kind in {"==", "!=", "==="}:
        return f"{kind}{draw(versions())}"
    return f"{kind}{draw(epoch)}{draw(release)}{draw(pre)}"


@st.composite
def specifiers(draw: st.DrawFn) -> str:
    parts = draw(st.lists(single_specifiers(), min_size=1, max_size=3))
    text = ",".join(parts)
    try:
        SpecifierSet(text)
    except InvalidSpecifier:
        return "~=1.2"
    return text


def pip_allows(specifier: str, version: str) -> bool:
    return SpecifierSet(specifier).contains(Version(version), prereleases=True)


PROPERTY_SETTINGS = settings(
    max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@PROPERTY_SETTINGS
@given(specifier=specifiers(), probes=st.lists(versions(), min_size=8, max_size=8))
def test_pep508_strings_in_project_dependencies(specifier: str, probes: list[str]) -> None:
    """--layout pep621 writes `name<specifier>`; Poetry reads it with create_from_pep_508."""
    if counterexamples(specifier, specifier, as_pep508=True):
        return  # refused: reported, never written
    dependency = Dependency.create_from_pep_508(f"pkg{specifier}")
    for probe in probes:
        assert pip_allows(specifier, probe) == dependency.constraint.allows(
            PoetryVersion.parse(probe)
        ), (specifier, probe)


@PROPERTY_SETTINGS
@given(specifier=specifiers(), probes=st.lists(versions(), min_size=8, max_size=8))
def test_poetry_constraint_style(specifier: str, probes: list[str]) -> None:
    """--constraint-style poetry writes ^/~ only where provably equal."""
    written = poetry_style(specifier)
    if counterexamples(specifier, written):
        return  # refused: reported, never written
    constraint = parse_constraint(written)
    for probe in probes:
        assert pip_allows(specifier, probe) == constraint.allows(PoetryVersion.parse(probe)), (
            specifier,
            written,
            probe,
        )


@pytest.mark.parametrize(
    ("specifier", "expected"),
    [
        ("~=0.46", "~=0.46"),  # ^0.46 and ~0.46 would both mean <0.47
        ("~=0.46.0", "~0.46.0"),
        ("~=1.26.4", "~1.26.4"),
        ("~=1.5", "^1.5"),
        ("~=2.2.3.241126", "~=2.2.3.241126"),
        ("~=1.2rc1", "~=1.2rc1"),
        (">=1,<2", ">=1,<2"),
    ],
)
def test_caret_and_tilde_only_where_equal(specifier: str, expected: str) -> None:
    assert poetry_style(specifier) == expected
    assert counterexamples(specifier, expected) == []


def test_what_poetry_cannot_read_is_refused() -> None:
    assert counterexamples("===1.0", "===1.0", as_pep508=True)[0].startswith("(Poetry cannot")
    assert counterexamples("~=0.0,~=1!0.0", "~=0.0,~=1!0.0", as_pep508=True)


def test_the_known_wrong_translation_is_caught() -> None:
    # other converters shipped ~=0.46 -> ^0.46; the witness check finds 0.47 at once
    assert "0.47" in counterexamples("~=0.46", "^0.46")
    assert "0.47" in counterexamples("~=0.46", "~0.46")
