"""lockmigrate's PEP 503 name normalisation is packaging's (lockmigrate.names avoids
importing packaging.utils, which imports packaging.tags), and the parser's quick path for
``name[extras]~=1.0`` reads a line as packaging's full parser does."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name as packaging_canonicalize_name

from lockmigrate.names import canonicalize_name
from lockmigrate.sources.requirements.interpret import _simple_pep508

NAME_CHARACTERS = st.sampled_from(list("aAbBzZ09._-"))


@settings(max_examples=500, deadline=None)
@given(st.text(NAME_CHARACTERS, min_size=1, max_size=12))
def test_names_are_normalised_as_packaging_does(name: str) -> None:
    assert canonicalize_name(name) == packaging_canonicalize_name(name)


LINES = st.builds(
    lambda name, extras, spec: (
        name + (f"[{','.join(extras)}]" if extras is not None else "") + spec
    ),
    st.text(NAME_CHARACTERS, min_size=1, max_size=6),
    st.none() | st.lists(st.text(NAME_CHARACTERS, min_size=1, max_size=5), max_size=3),
    st.sampled_from(["", "~=1.0", "==2.3.4", ">=1", "<3", "!=1.5", "==1.*", "~=1"]),
)


@settings(max_examples=500, deadline=None)
@given(LINES)
def test_the_quick_path_reads_a_line_as_packaging_does(text: str) -> None:
    quick = _simple_pep508(text, None)
    if quick is None:
        return  # the full parser reads it
    try:
        full = Requirement(text)
    except InvalidRequirement as error:
        raise AssertionError(f"the quick path accepts {text!r}, which packaging refuses") from error
    assert quick.name == packaging_canonicalize_name(full.name)
    assert quick.extras == tuple(sorted(packaging_canonicalize_name(e) for e in full.extras))
    assert quick.specifier == str(full.specifier)
