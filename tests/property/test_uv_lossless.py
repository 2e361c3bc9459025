"""Property: ``to-uv`` is lossless. Whatever lines a requirements file holds for a package
(``~=`` with two and three parts, ranges, exclusions, pins, markers, extras, several lines of
one name), the ``pyproject.toml`` it writes lets uv install exactly what pip installed: in
every environment, the same extras and the same versions of a grid around every bound.

packaging is the oracle for both sides: pip applies every line whose marker holds
(intersecting their specifiers, joining their extras), and so does uv, which reads the
``[project] dependencies`` and ``[dependency-groups]`` strings with PEP 508 as pip does.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st
from packaging.markers import default_environment
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from lockmigrate.cli import main
from lockmigrate.specifiers import witness_versions

SPECIFIERS = [
    "~=1.2", "~=1.2.3", "~=0.46", ">=1.0", "<2.0", ">=1.4,<1.9", "==1.5.0", "!=1.3",
    "==1.*", "~=1.2,!=1.2.5", "",
]  # fmt: skip
MARKERS = [
    None,
    'sys_platform == "win32"',
    'sys_platform != "win32"',
    'python_version >= "3.10"',
    'python_version < "3.12" and sys_platform == "linux"',
    'python_version < "3.10" or sys_platform == "win32"',
]
ENVIRONMENTS = [
    {**default_environment(), "python_version": python, "python_full_version": f"{python}.0",
     "sys_platform": platform}
    for python in ("3.9", "3.11", "3.13")
    for platform in ("linux", "win32", "darwin")
]  # fmt: skip
GRID = [Version(v) for v in ("0.45", "0.46", "0.47", "1.0", "1.2", "1.2.3", "1.2.5", "1.3",
                             "1.3.1", "1.5.0", "1.9", "2.0", "2.0rc1", "1.3.post1")]  # fmt: skip

line = st.tuples(
    st.sampled_from(SPECIFIERS),
    st.sampled_from(MARKERS),
    st.sets(st.sampled_from(["a", "b"]), max_size=2),
    st.sampled_from(["pkg", "Pkg_Name", "other"]),
).map(
    lambda parts: (
        parts[3]
        + (f"[{','.join(sorted(parts[2]))}]" if parts[2] else "")
        + parts[0]
        + (f" ; {parts[1]}" if parts[1] else "")
    )
)


def _reading(lines: list[str], env: dict[str, str]) -> tuple[str | None, frozenset[str]]:
    applying = [r for r in map(Requirement, lines) if r.marker is None or r.marker.evaluate(env)]
    if not applying:
        return None, frozenset()
    specifier = ",".join(str(r.specifier) for r in applying if str(r.specifier))
    return specifier, frozenset(e for r in applying for e in r.extras)


def _of(name: str, lines: list[str]) -> list[str]:
    from packaging.utils import canonicalize_name

    return [x for x in lines if canonicalize_name(Requirement(x).name) == name]


def _assert_same(before: list[str], after: list[str]) -> None:
    from packaging.utils import canonicalize_name

    for name in {canonicalize_name(Requirement(x).name) for x in before + after}:
        old, new = _of(name, before), _of(name, after)
        for env in ENVIRONMENTS:
            (old_spec, old_extras), (new_spec, new_extras) = _reading(old, env), _reading(new, env)
            assert (old_spec is None) == (new_spec is None), (name, env, after)
            assert old_extras == new_extras, (name, env, after)
            versions = {*GRID, *witness_versions(old_spec or ">=0")}
            for version in versions:
                assert SpecifierSet(old_spec or "").contains(version, prereleases=True) == (
                    SpecifierSet(new_spec or "").contains(version, prereleases=True)
                ), (name, env, version, after)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    prod=st.lists(line, min_size=1, max_size=4),
    dev=st.lists(line, min_size=0, max_size=3),
)
def test_uv_allows_exactly_what_pip_allowed(prod: list[str], dev: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder) / "svc"
        root.mkdir()
        (root / "requirements.txt").write_text("\n".join(prod) + "\n")
        (root / "requirements-dev.txt").write_text(
            "-r requirements.txt\n" + "".join(f"{x}\n" for x in dev)
        )
        assert main(["to-uv", "-q", "--python-version", "3.9", str(root)]) == 0
        data = tomlkit.parse((root / "pyproject.toml").read_text()).unwrap()
        written = list(data["project"]["dependencies"])
        # every line kept, as written (packaging's normal form), in order
        assert [str(Requirement(x)) for x in written] == [str(Requirement(x)) for x in prod]
        _assert_same(prod, written)
        group = list(data.get("dependency-groups", {}).get("dev", []))
        assert all(isinstance(x, str) for x in group)
        # dev as uv installs it: [project] dependencies under the group
        _assert_same(prod + dev, written + group)
        # a second run changes nothing
        text = (root / "pyproject.toml").read_text()
        assert main(["to-uv", "-q", "--python-version", "3.9", str(root)]) == 0
        assert (root / "pyproject.toml").read_text() == text
