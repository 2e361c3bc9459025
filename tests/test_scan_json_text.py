"""``scan --format json`` writes each requirement as text, without a dictionary: the same
text as the JSON encoder makes of the documented dictionary, whatever the values hold."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path

import pytest

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import DeclaredRequirement, Line, Origin, RequirementKind
from lockmigrate.reporters.scan_json import _requirement, _requirement_json
from lockmigrate.sources.requirements import read_file

FIXTURES = Path(__file__).parent / "fixtures"
_ENCODE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


def _fixture_lines() -> list[Line]:
    lines: list[Line] = []
    for path in sorted(FIXTURES.rglob("*.txt")) + sorted(FIXTURES.rglob("*.in")):
        with contextlib.suppress(InputError):  # a file that cannot be decoded
            file = read_file(path, errors=[])
            lines.extend(line for line in file.lines if line.requirement is not None)
    return lines


def test_every_fixture_requirement_is_written_as_the_encoder_writes_it() -> None:
    lines = _fixture_lines()
    assert len(lines) > 100
    for line in lines:
        assert line.requirement is not None
        expected = _ENCODE(_requirement(line.requirement, line))
        assert _requirement_json(line.requirement, line) == expected


@pytest.mark.parametrize(
    "text",
    [
        "plain",
        'quote " and backslash \\ and slash /',
        "tab\tnewline\ncarriage\rform\x0cbell\x07nul\x00",
        "non-ASCII: é ü ß ☃ 日本 \U0001f600",
        "line separators \u2028 \u2029 and \x7f \x85",
        "",
    ],
)
def test_strings_of_every_kind(text: str) -> None:
    origin = Origin(path="r.txt", line=123456, end_line=123458)
    requirement = DeclaredRequirement(
        text=text, name=text, written_name=text, specifier=text, extras=(text, "b"),
        marker=text, url=text, kind=RequirementKind.VCS, editable=True, constraint=True,
        hashes=(text,), config_settings=((text, text),), variables=(text, text),
        origin=origin,
    )  # fmt: skip
    line = Line(origin=origin, content=text, comment=text, requirement=requirement)
    assert _requirement_json(requirement, line) == _ENCODE(_requirement(requirement, line))
    bare = DeclaredRequirement(
        text=text, name=None, written_name=None, specifier="", extras=(), marker=None,
        url=None, kind=RequirementKind.NAMED, editable=False, constraint=False, hashes=(),
        config_settings=(), variables=(), origin=origin,
    )  # fmt: skip
    line = Line(origin=origin, content=text, comment=None, requirement=bare)
    assert _requirement_json(bare, line) == _ENCODE(_requirement(bare, line))
