"""The model's compact forms behave as the plain frozen data classes they replace: the
positional constructors, ``DeclaredRequirement``'s shared slot, ``Line``'s derived span and
``PhysicalLines``' offsets."""

from __future__ import annotations

import copy
import dataclasses
import pickle
import random
from typing import Any

import pytest

from lockmigrate.model import requirements as model
from lockmigrate.model.requirements import (
    DeclaredRequirement,
    Line,
    Option,
    Origin,
    PhysicalLines,
    RequirementKind,
    make_line,
    make_option,
    make_origin,
    make_requirement,
)

ORIGIN = Origin(path="requirements.txt", line=12, end_line=14)


FIELDS: dict[str, object] = {
    "text": "Django[bcrypt]>=4.2 ; python_version >= '3.10'",
    "name": "django",
    "written_name": "Django",
    "specifier": ">=4.2",
    "extras": ("bcrypt",),
    "marker": 'python_version >= "3.10"',
    "url": None,
    "kind": RequirementKind.NAMED,
    "editable": False,
    "constraint": False,
    "hashes": ("sha256:" + "0" * 64,),
    "config_settings": (),
    "variables": (),
    "origin": ORIGIN,
}


def _requirement(**changes: object) -> DeclaredRequirement:
    return DeclaredRequirement(**{**FIELDS, **changes})  # type: ignore[arg-type]


UNUSUAL = [
    {},
    {"url": "https://host/x.tar.gz", "kind": RequirementKind.URL},
    {"kind": RequirementKind.VCS, "url": "git+https://host/r", "editable": True},
    {"constraint": True},
    {"editable": True, "constraint": True},
    {"config_settings": (("k", "v"),)},
    {"variables": ("TOKEN",)},
]


@pytest.mark.parametrize("changes", UNUSUAL)
def test_a_requirement_reads_back_every_field(changes: dict[str, object]) -> None:
    requirement = _requirement(**changes)
    expected: dict[str, Any] = {**FIELDS, **changes}
    for field in dataclasses.fields(DeclaredRequirement):
        assert getattr(requirement, field.name) == expected[field.name], field.name
    positional = make_requirement(*(expected[f.name] for f in dataclasses.fields(requirement)))
    assert positional == requirement
    assert hash(positional) == hash(requirement)
    assert repr(positional) == repr(requirement)


def test_a_requirement_is_a_frozen_data_class_with_its_fourteen_fields() -> None:
    requirement = _requirement()
    assert dataclasses.is_dataclass(requirement)
    assert [f.name for f in dataclasses.fields(requirement)] == [
        "text", "name", "written_name", "specifier", "extras", "marker", "url", "kind",
        "editable", "constraint", "hashes", "config_settings", "variables", "origin",
    ]  # fmt: skip
    assert repr(requirement).startswith("DeclaredRequirement(text=")
    assert "url=None, kind=<RequirementKind.NAMED: 'named'>, editable=False" in repr(requirement)
    for name in ("name", "url", "kind", "editable", "_rare"):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(requirement, name, None)
    assert not hasattr(requirement, "__dict__")


def test_replace_copy_and_pickle_keep_every_field() -> None:
    requirement = _requirement(url="./pkg", kind=RequirementKind.PATH, variables=("X",))
    renamed = dataclasses.replace(requirement, name="other")
    assert renamed.name == "other"
    assert dataclasses.replace(renamed, name="django") == requirement
    assert renamed.url == "./pkg"
    assert renamed.kind is RequirementKind.PATH
    assert renamed.variables == ("X",)
    assert copy.copy(requirement) == requirement
    assert copy.deepcopy(requirement) == requirement
    assert pickle.loads(pickle.dumps(requirement)) == requirement  # noqa: S301 - our own bytes
    unusual = dataclasses.replace(requirement, kind=RequirementKind.NAMED, url=None, variables=())
    assert unusual == _requirement()


def test_the_usual_fields_are_shared_between_requirements() -> None:
    first = _requirement()
    second = _requirement(text="flask", name="flask", written_name="flask")
    assert first._rare is second._rare  # type: ignore[attr-defined]
    assert _requirement(constraint=True)._rare is not first._rare  # type: ignore[attr-defined]


def test_positional_constructors_make_the_same_objects() -> None:
    assert make_origin("r.txt", 3, None) == Origin(path="r.txt", line=3)
    assert make_origin("r.txt", 3, 5) == Origin(path="r.txt", line=3, end_line=5)
    option = make_option("--hash", "sha256:00", ORIGIN)
    assert option == Option(name="--hash", value="sha256:00", origin=ORIGIN)
    requirement = _requirement()
    line = make_line(ORIGIN, "x", "# c", requirement, (option,), None)
    assert line == Line(
        origin=ORIGIN, content="x", comment="# c", requirement=requirement, options=(option,)
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        line.content = "y"  # type: ignore[misc]


@pytest.mark.parametrize(("line", "end_line", "first", "count"), [(1, None, 0, 1), (7, 9, 6, 3)])
def test_a_line_spans_its_origin(line: int, end_line: int | None, first: int, count: int) -> None:
    parsed = Line(
        origin=Origin(path="r.txt", line=line, end_line=end_line), content="", comment=None
    )
    assert (parsed.first, parsed.count) == (first, count)
    assert dataclasses.replace(parsed, content="x").first == first


_BREAKS = ["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029"]


@pytest.mark.parametrize(("block", "block_lines"), [(1, 1), (2, 3), (7, 2), (1 << 20, 10_000)])
def test_physical_lines_are_str_splitlines(
    monkeypatch: pytest.MonkeyPatch, block: int, block_lines: int
) -> None:
    monkeypatch.setattr(model, "_BLOCK", block)
    monkeypatch.setattr(model, "_BLOCK_LINES", block_lines)
    rng = random.Random(block)  # noqa: S311 - test data
    for _ in range(300):
        pieces = [
            rng.choice(["", "a", "ab\\", "# c", "x y", "é", "\\"]) + rng.choice(_BREAKS)
            for _ in range(rng.randint(0, 12))
        ]
        text = "".join(pieces) + rng.choice(["", "tail", "\\"])
        physical = PhysicalLines(text)
        assert list(physical) == text.splitlines(keepends=True)
        assert list(physical.without_terminators()) == text.splitlines()
        assert physical.join() == text
