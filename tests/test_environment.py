"""The target environment (issue 11, item 1): markers are evaluated for the Python a lock is
for, never for the interpreter running lockmigrate, by to-pip-tools, check and diff.

``six==1.17.0; python_version >= "3.10"`` beside ``six==1.16.0; python_version < "3.10"``
(pins per Python version in one file) must migrate, check and diff cleanly."""

from __future__ import annotations

import json
import platform
import sys
from pathlib import Path

import pytest
from index.catalog import DEFAULT_CATALOG, Release
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex

from lockmigrate.cli import main
from lockmigrate.diff.compare import diff_against_lock
from lockmigrate.diff.model import DeclaredRange, Status
from lockmigrate.environment import EnvironmentSource, TargetEnvironment, target_environment
from lockmigrate.model.locks import Lock
from lockmigrate.model.requirements import Origin
from lockmigrate.sources.locks.pip_compile import parse_lock_txt, read_header

PER_PYTHON = 'six==1.17.0; python_version >= "3.10"\nsix==1.16.0; python_version < "3.10"\n'
RUNNING = f"{sys.version_info.major}.{sys.version_info.minor}"

# --- the module itself (pure) ------------------------------------------------------------


def test_the_first_source_given_wins() -> None:
    assert target_environment(python_version="3.9", lock_python="3.11").source is (
        EnvironmentSource.OPTION
    )
    from_lock = target_environment(lock_python="3.11", lowest_python="3.8")
    assert (from_lock.python_version, from_lock.source) == ("3.11", EnvironmentSource.LOCK_HEADER)
    assert target_environment(lowest_python="3.8").source is EnvironmentSource.REQUIRES_PYTHON
    running = target_environment()
    assert running.python_version == platform.python_version()
    assert running.source is EnvironmentSource.INTERPRETER
    assert running.platform == sys.platform


def test_markers_are_evaluated_for_the_target_not_for_this_interpreter() -> None:
    old = target_environment(lock_python="3.8")
    new = target_environment(lock_python="3.12")
    assert old.applies('python_version < "3.10"')
    assert not new.applies('python_version < "3.10"')
    assert new.applies(None) and new.applies("")
    assert not new.applies('extra == "socks"')  # no extra is requested of a requirements file
    assert new.applies("this is not a marker")  # the reader reported it already


def test_python_full_version_and_another_platform() -> None:
    windows = TargetEnvironment(
        python_version="3.11.4", platform="win32", source=EnvironmentSource.OPTION
    )
    values = windows.marker_values()
    assert values["python_full_version"] == "3.11.4"
    assert values["python_version"] == "3.11"
    assert (values["sys_platform"], values["platform_system"], values["os_name"]) == (
        "win32",
        "Windows",
        "nt",
    )
    assert windows.applies('sys_platform == "win32" and python_full_version >= "3.11.4"')
    other = "3.8" if RUNNING != "3.8" else "3.9"
    assert target_environment(lock_python=other).marker_values()["python_full_version"] == (
        f"{other}.0"
    )


def test_dependency_markers_with_extras() -> None:
    python_311 = target_environment(python_version="3.11")
    marker = 'extra == "redis" and python_version >= "3.8"'
    assert not python_311.applies_with_extras(marker, ())
    assert python_311.applies_with_extras(marker, ("redis",))
    assert not python_311.applies_with_extras('python_version < "3.10"', ("redis",))
    assert python_311.applies_with_extras(None, ())


@pytest.mark.parametrize(
    ("tags", "python", "installs"),
    [
        ("py3-none-any", "3.11", True),
        ("py2.py3-none-any", "3.11", True),
        ("py2-none-any", "3.11", False),
        ("py312-none-any", "3.11", False),
        ("py310-none-any", "3.11", True),
        ("cp311-none-any", "3.11", True),
        ("cp313-cp313-win_amd64", "3.13", sys.platform == "win32"),
    ],
)
def test_which_wheels_install_here(tags: str, python: str, installs: bool) -> None:
    assert target_environment(python_version=python).installs_wheel(tags) is installs


def test_wheels_for_this_machine_install_for_its_python_only() -> None:
    from packaging.tags import sys_tags

    here = next(iter(sys_tags()))  # the running interpreter's most specific tag
    running = target_environment(python_version=RUNNING)
    assert running.installs_wheel(str(here))
    other = "3.13" if RUNNING != "3.13" else "3.12"
    assert not target_environment(python_version=other).installs_wheel(str(here))
    nodot = other.replace(".", "")
    assert target_environment(python_version=other).installs_wheel(
        f"cp{nodot}-cp{nodot}-{here.platform}"
    )
    # another platform: nothing is known of its tags, so nothing is ruled out
    elsewhere = "win32" if sys.platform != "win32" else "linux"
    assert target_environment(python_version=RUNNING, platform=elsewhere).installs_wheel(
        "cp311-cp311-plan9_mips"
    )


def test_description_and_json() -> None:
    environment = target_environment(lock_python="3.11", platform="linux")
    assert environment.describe() == "Python 3.11, linux"
    assert environment.as_json() == {
        "python": "3.11",
        "platform": "linux",
        "source": "lock header",
    }


@pytest.mark.parametrize(
    ("header", "resolver", "python"),
    [
        (
            "# This file is autogenerated by pip-compile with Python 3.11\n"
            "# by the following command:\n#\n#    pip-compile\n#\nsix==1.17.0\n",
            "pip-tools",
            "3.11",
        ),
        (
            "# This file was autogenerated by uv via the following command:\n"
            "#    uv pip compile --python-version 3.9 --output-file r.txt r.in\nsix==1.16.0\n",
            "uv",
            "3.9",
        ),
        (
            "# This file was autogenerated by uv via the following command:\n"
            "#    uv pip compile --output-file r.txt r.in\nsix==1.16.0\n",
            "uv",
            None,
        ),
        ("six==1.16.0\n# autogenerated by pip-compile with Python 3.11\n", None, None),
    ],
)
def test_a_lock_header_names_its_resolver_and_python(
    header: str, resolver: str | None, python: str | None
) -> None:
    found = read_header(header)
    assert (found.resolver, found.python_version) == (resolver, python)


# --- to-pip-tools, check and diff on pins per Python version ------------------------------


@pytest.fixture
def six_index(
    local_index_factory: LocalIndexFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalIndex:
    index = local_index_factory(
        [
            *DEFAULT_CATALOG,
            Release(name="six", version="1.16.0", upload_time="2021-05-05T14:00:00Z"),
            Release(name="six", version="1.17.0", upload_time="2024-12-04T17:00:00Z"),
        ]
    )
    for key, value in index.env(cache_dir=tmp_path / "tool-cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    return index


def _tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    tree = tmp_path / "repo"
    (tree / "svc").mkdir(parents=True)
    (tree / "svc" / "requirements.txt").write_text(PER_PYTHON)
    monkeypatch.chdir(tree)
    return tree


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_pins_per_python_version_migrate_check_and_diff(
    six_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    resolver: str,
) -> None:
    tree = _tree(tmp_path, monkeypatch)
    assert main(["to-pip-tools", "--resolver", resolver, "svc"]) == 0
    expected = "1.17.0" if sys.version_info >= (3, 10) else "1.16.0"
    assert f"six=={expected}" in (tree / "svc" / "requirements.txt").read_text()
    capsys.readouterr()

    assert main(["check", "--full", "svc"]) == 0
    out = capsys.readouterr().out
    assert f"assumed environment: Python {RUNNING}" in out or (
        f"assumed environment: Python {platform.python_version()}" in out
    )
    assert f"re-resolved with {resolver}: svc/requirements.txt" in out

    assert main(["diff", "svc", "--format", "json"]) == 0
    (section,) = json.loads(capsys.readouterr().out)["sections"]
    assert section["environment"]["platform"] == sys.platform
    assert section["made_by"] == ("uv pip compile" if resolver == "uv" else "pip-compile")
    (row,) = section["rows"]
    assert (row["name"], row["locked"], row["in_range"], row["status"]) == (
        "six",
        expected,
        True,
        "ok",
    )
    assert row["declared"] == f"=={expected}"  # the range for the other Python is not shown


@pytest.mark.slow
def test_a_lock_for_another_python_is_checked_for_that_python(
    six_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """uv locks for --python-version 3.9 on any interpreter: six 1.16.0. check and diff read
    3.9 from the lock's header, so the 1.16.0 range is the one that applies."""
    tree = _tree(tmp_path, monkeypatch)
    code = main(["to-pip-tools", "--resolver", "uv", "--python-version", "3.9", "svc"])
    assert code == 0
    assert "six==1.16.0" in (tree / "svc" / "requirements.txt").read_text()
    capsys.readouterr()

    assert main(["check", "--full", "svc", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["environments"] == {
        "svc/requirements.txt": {"python": "3.9", "platform": sys.platform, "source": "lock header"}
    }
    assert document["resolvers"] == {"svc/requirements.txt": "uv"}

    assert main(["diff", "svc", "--offline"]) == 0
    out = capsys.readouterr().out
    assert "(uv pip compile)" in out  # not "(pip-compile)"
    assert f"assumed environment: Python 3.9, {sys.platform} (lock header)" in out


# --- diff's comparison (pure) ------------------------------------------------------------


def _lock(text: str) -> Lock:
    return parse_lock_txt(text.encode(), path=Path("requirements.txt"))


def _ranges(*lines: tuple[str, str, str | None]) -> list[DeclaredRange]:
    return [
        DeclaredRange(name=name, specifier=spec, origin=Origin(path="r.in", line=n), marker=m)
        for n, (name, spec, m) in enumerate(lines, start=1)
    ]


def test_diff_bounds_a_lock_only_by_the_ranges_for_its_environment() -> None:
    declared = _ranges(
        ("six", "==1.17.0", 'python_version >= "3.10"'),
        ("six", "==1.16.0", 'python_version < "3.10"'),
        ("packaging", "==24.1", 'python_version >= "3.12"'),
        ("setuptools", "==71.1.0", 'python_version >= "3.12"'),
        ("pytest", "", None),
    )
    lock = _lock(
        "# This file is autogenerated by pip-compile with Python 3.11\n"
        "packaging==26.4\n    # via pytest\npytest==9.0.3\n    # via -r r.in\n"
        "six==1.17.0\n    # via -r r.in\n"
    )
    environment = target_environment(lock_python=lock.header.python_version)
    section = diff_against_lock(
        title="r.in", declared=declared, lock=lock, available=None, python="3.11",
        environment=environment,
    )  # fmt: skip
    rows = {row.name: row for row in section.rows}
    assert (rows["six"].declared, rows["six"].in_range, rows["six"].status) == (
        "==1.17.0",
        True,
        Status.OK,
    )
    assert rows["six"].origin == "r.in:1"
    # a range only for Python 3.12 does not bound the 3.11 lock's packaging 26.4
    assert (rows["packaging"].in_range, rows["packaging"].status) == (None, Status.OK)
    assert rows["packaging"].note == 'declared only for: python_version >= "3.12"'
    assert rows["setuptools"].status is Status.OK  # not missing: not for 3.11
    assert rows["setuptools"].note == 'not locked here: python_version >= "3.12"'
    assert section.environment == environment
    assert section.made_by == "pip-compile"
    # the same lock read for Python 3.9: six 1.17.0 is outside the range that applies there
    old = diff_against_lock(
        title="r.in", declared=declared, lock=lock, available=None, python="3.9",
    )  # fmt: skip
    assert {row.name: row for row in old.rows}["six"].status is Status.OUT_OF_RANGE


@pytest.mark.slow
def test_the_same_package_twice_for_two_platforms(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """torchmetrics' pattern: one package, a range per platform. The lock is for this
    machine's platform, so only its range bounds the pin."""
    tree = tmp_path / "repo"
    (tree / "svc").mkdir(parents=True)
    (tree / "svc" / "requirements.txt").write_text(
        'numpy==1.26.4 ; sys_platform == "win32"\nnumpy>=2.0 ; sys_platform != "win32"\n'
    )
    monkeypatch.chdir(tree)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    assert main(["to-pip-tools", "svc"]) == 0
    assert "numpy==2.0.0" in (tree / "svc" / "requirements.txt").read_text()
    assert main(["check", "--full", "svc"]) == 0
    assert main(["diff", "svc", "--offline", "--format", "json"]) == 0
    out = capsys.readouterr().out
    (section,) = json.loads(out[out.index("{") :])["sections"]
    (row,) = section["rows"]
    assert (row["declared"], row["in_range"], row["status"]) == (">=2.0", True, "ok")
