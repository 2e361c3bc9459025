"""``lockmigrate check --import`` (issue 16): each lock installed exactly into a throwaway
environment by the real uv, from the local index, and every module it installs imported.

The wheels are built for these tests (``Release.files``): a package whose module raises
ImportError at import time (it asks NumPy for a name NumPy 2 removed), one that provides
two top-level modules, and one whose import never ends (for Ctrl-C).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
from index.catalog import DEFAULT_CATALOG, Release
from index.extensions import NUMPY1, NUMPY2, AbiWheels
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex
from test_interrupt import SilentIndex

from lockmigrate.cli import main
from lockmigrate.resolve import uv_binary

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(uv_binary() is None, reason="check --import needs uv (the dev extra)"),
]

#: Imports a name NumPy 2 removed: an ImportError at import time, naming it.
OLDAPI = Release(
    name="oldapi",
    version="1.0",
    requires_dist=("numpy>=1.26",),
    files={"oldapi/__init__.py": '"""Written for NumPy 1."""\n\nfrom numpy import float_\n'},
)
#: What the service asks for; oldapi comes in through it (``# via mytool``).
MYTOOL = Release(name="mytool", version="2.0", requires_dist=("oldapi>=1.0",))
#: One distribution, two top-level modules (read from its RECORD: it has no top_level.txt).
TWOMODS = Release(
    name="twomods",
    version="1.0",
    files={"alpha/__init__.py": "VALUE = 1\n", "beta.py": "from alpha import VALUE\n"},
)
#: Its top_level.txt names a module it does not ship (as some old setuptools builds do).
LISTED = Release(
    name="listed",
    version="1.0",
    files={"gamma.py": "", "listed-1.0.dist-info/top_level.txt": "gamma\nghost\n"},
)
#: An import that never ends.
SLEEPER = Release(
    name="sleeper",
    version="1.0",
    files={"sleeper/__init__.py": "import time\n\ntime.sleep(600)\n"},
)
#: A second top-level module that needs an integration its distribution does not require
#: (duckdb's ``adbc_driver_duckdb`` needs ``adbc_driver_manager``): an optional part.
WITHPLUGIN = Release(
    name="withplugin",
    version="1.0",
    files={
        "withplugin/__init__.py": "VALUE = 1\n",
        "withplugin_adbc/__init__.py": "import adbc_driver_manager\n",
    },
)
#: Its main module needs a module nothing installs: a real break, whatever its name.
NEEDSGONE = Release(
    name="needsgone",
    version="1.0",
    files={"needsgone/__init__.py": "import pkg_resources_gone\n"},
)
CATALOG = (*DEFAULT_CATALOG, OLDAPI, MYTOOL, TWOMODS, LISTED, SLEEPER, WITHPLUGIN, NEEDSGONE)


@pytest.fixture
def index(
    local_index_factory: LocalIndexFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalIndex:
    """The catalogue above, served; pip and uv of this test pointed at it."""
    served = local_index_factory(CATALOG)
    for key, value in served.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    return served


def _hand_written(folder: Path, ranges: str, lock: str) -> Path:
    """A ``.in`` and the lock beside it, written by hand: no header names a resolver, so
    ``check`` compares the pins with the ranges and does not re-resolve."""
    folder.mkdir(parents=True)
    (folder / "requirements.in").write_text(ranges)
    (folder / "requirements.txt").write_text(lock)
    return folder


def _line_of(lock: Path, start: str) -> int:
    lines = lock.read_text().splitlines()
    return next(number for number, line in enumerate(lines, 1) if line.startswith(start))


def test_a_module_that_fails_to_import_is_reported_at_its_pin_and_its_parents_pin(
    index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = tmp_path / "repo"
    (tree / "svc").mkdir(parents=True)
    (tree / "svc" / "requirements.txt").write_text("mytool~=2.0\ntwomods~=1.0\n")
    monkeypatch.chdir(tree)
    assert main(["to-pip-tools", "svc"]) == 0
    capsys.readouterr()

    assert main(["check", "--import", "svc"]) == 1

    out = capsys.readouterr().out
    lock = tree / "svc" / "requirements.txt"
    oldapi, mytool = _line_of(lock, "oldapi=="), _line_of(lock, "mytool==")
    assert (
        f"svc/requirements.txt:{oldapi}: oldapi (from oldapi 1.0) does not import: "
        "ImportError: cannot import name 'float_' from 'numpy'"
    ) in out
    assert f"    pulled in by mytool, pinned at svc/requirements.txt:{mytool}" in out
    # where it was raised, inside the environment (removed by now) as from site-packages
    assert "    (raised at oldapi/__init__.py:3)" in out
    # numpy, mytool, alpha and beta import; oldapi does not
    assert "imports: 4 module(s) imported, 1 failed, 0 skipped" in out


def test_a_clean_lock_passes_and_every_top_level_module_is_imported(
    index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _hand_written(
        tmp_path / "svc",
        "twomods~=1.0\nnumpy~=1.26.4\n",
        "numpy==1.26.9\n    # via -r requirements.in\ntwomods==1.0\n    # via -r requirements.in\n",
    )
    monkeypatch.chdir(tmp_path)

    assert main(["check", "--import", "--format", "json", "svc"]) == 0

    document = json.loads(capsys.readouterr().out)
    assert document["ok"] is True
    assert document["imports"]["imported"] == 3  # numpy, and twomods' alpha and beta
    assert document["imports"]["failed"] == 0
    assert document["imports"]["pythons"] == {"svc/requirements.txt": sys.version.split()[0]}


def test_a_module_top_level_txt_names_but_nothing_provides_is_skipped(
    index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _hand_written(tmp_path / "svc", "listed~=1.0\n", "listed==1.0\n    # via -r requirements.in\n")
    monkeypatch.chdir(tmp_path)

    assert main(["check", "--import", "svc"]) == 0

    captured = capsys.readouterr()
    assert "imports: 1 module(s) imported, 0 failed, 1 skipped" in captured.out
    assert "1 module imported, 0 failed, 1 skipped, ok" in captured.err  # the summary line


def test_the_locks_own_index_url_is_used(
    index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # pip's configuration points nowhere: only the lock's --index-url line can install it
    dead = "http://127.0.0.1:9/simple/"
    for name in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX"):
        monkeypatch.setenv(name, dead)
    _hand_written(
        tmp_path / "svc",
        f"--index-url {index.url}\ntwomods~=1.0\n",
        f"--index-url {index.url}\n\ntwomods==1.0\n    # via -r requirements.in\n",
    )
    monkeypatch.chdir(tmp_path)

    assert main(["check", "--import", "svc"]) == 0

    assert "imports: 2 module(s) imported, 0 failed, 0 skipped" in capsys.readouterr().out


def test_a_module_built_against_numpy_1_fails_with_numpys_own_error_under_numpy_2(
    abi_wheels: AbiWheels,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # real numpy 2.x, and two real extension modules calling import_array(): one compiled
    # against numpy 1.26's headers, one against 2.x's (abi_wheels skips, saying why, without
    # the wheels of scripts/fetch_test_wheels.py or a C compiler)
    served = local_index_factory(
        [
            *(release for release in DEFAULT_CATALOG if release.project != "numpy"),
            *abi_wheels.numpy_releases(numpy1=False),
            abi_wheels.extension("oldext", "1.0", NUMPY1),
            abi_wheels.extension("newext", "1.0", NUMPY2),
        ]
    )
    for key, value in served.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    numpy2 = abi_wheels.numpy2_version
    for name in ("oldext", "newext"):
        _hand_written(
            tmp_path / name,
            f"{name}~=1.0\n",
            f"{name}==1.0\n    # via -r requirements.in\nnumpy=={numpy2}\n    # via {name}\n",
        )
    monkeypatch.chdir(tmp_path)

    assert main(["check", "--import", "oldext"]) == 1

    out = capsys.readouterr().out
    assert (
        "oldext/requirements.txt:1: oldext (from oldext 1.0) does not import: "
        "A module that was compiled using NumPy 1.x cannot be run in"
    ) in out
    assert f"NumPy {numpy2} as it may crash." in out
    assert "newext" not in out

    assert main(["check", "--import", "newext"]) == 0

    out = capsys.readouterr().out
    assert "imports: 2 module(s) imported, 0 failed, 0 skipped" in out  # newext, numpy


def test_a_locks_relative_find_links_is_read_from_its_folder(
    index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("PIP_INDEX_URL", "UV_DEFAULT_INDEX"):
        monkeypatch.setenv(name, "http://127.0.0.1:9/simple/")  # nothing there
    folder = _hand_written(
        tmp_path / "svc",
        "--no-index\n--find-links wheels\ntwomods~=1.0\n",
        "--no-index\n--find-links wheels\n\ntwomods==1.0\n    # via -r requirements.in\n",
    )
    (folder / "wheels").mkdir()
    wheel = index.wheel("twomods", "1.0").path
    (folder / "wheels" / wheel.name).write_bytes(wheel.read_bytes())
    monkeypatch.chdir(tmp_path)  # not the lock's folder

    assert main(["check", "--import", "svc"]) == 0

    assert "imports: 2 module(s) imported, 0 failed, 0 skipped" in capsys.readouterr().out


def _children(pid: int) -> set[int]:
    found = set()
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                stat = Path(entry.path, "stat").read_text()
            except OSError:
                continue
            if int(stat[stat.rindex(")") + 2 :].split()[1]) == pid:
                found.add(int(entry.name))
    return found


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Path]:
    folder = tmp_path / "tmp"
    folder.mkdir()
    yield folder


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from /proc")
@pytest.mark.parametrize("stage", ["installing", "importing"])
def test_ctrl_c_stops_within_a_second_and_removes_the_environment(
    stage: str, index: LocalIndex, tmp_path: Path, scratch: Path
) -> None:
    silent = SilentIndex()  # installing: uv pip sync waits on an index that never answers
    lock = "sleeper==1.0\n    # via -r requirements.in\n"  # importing: sleeper never ends
    if stage == "installing":
        lock = f"--index-url {silent.url}\n\n{lock}"
    folder = _hand_written(tmp_path / "svc", "sleeper~=1.0\n", lock)
    env = {**os.environ, "TMPDIR": str(scratch), "PYTHONUNBUFFERED": "1"}
    running = "pip sync" if stage == "installing" else " -I -c "
    child = pexpect.spawn(
        sys.executable,
        ["-m", "lockmigrate", "check", "--import", "."],
        cwd=str(folder),
        env=env,
        encoding="utf-8",
        timeout=60,
    )
    try:
        deadline = time.monotonic() + 60
        started_by_it: set[int] = set()
        while time.monotonic() < deadline and not started_by_it:
            assert child.isalive(), child.read()
            started_by_it = {p for p in _children(child.pid) if running in _command_line(p)}
            time.sleep(0.05)
        time.sleep(0.3)
        assert list(scratch.glob("lockmigrate-import-*")), "no environment was made"
        started = time.monotonic()
        child.sendintr()
        child.expect(pexpect.EOF, timeout=10)
        elapsed = time.monotonic() - started
        child.close()
        output = child.before
    finally:
        if child.isalive():
            child.kill(9)
        silent.close()
    assert child.exitstatus == 130, output
    assert elapsed < 1.0, f"took {elapsed:.2f} s to stop:\n{output}"
    assert "Traceback" not in output
    assert not [pid for pid in started_by_it if _alive(pid)], f"{stage} still runs"
    assert not list(scratch.glob("lockmigrate-import-*")), "the environment was left behind"


def _command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_an_optional_second_module_is_skipped_and_a_main_module_is_not(
    index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _hand_written(
        tmp_path / "svc",
        "withplugin~=1.0\nneedsgone~=1.0\n",
        "needsgone==1.0\n    # via -r requirements.in\n"
        "withplugin==1.0\n    # via -r requirements.in\n",
    )
    monkeypatch.chdir(tmp_path)

    assert main(["check", "--import", "--format", "json", "svc"]) == 1

    document = json.loads(capsys.readouterr().out)
    (finding,) = document["findings"]
    assert finding["code"] == "import"
    assert (finding["path"], finding["line"]) == ("svc/requirements.txt", 1)
    assert "No module named 'pkg_resources_gone'" in finding["message"]
    assert document["imports"]["imported"] == 1  # withplugin
    assert document["imports"]["skipped"] == 1
    assert document["imports"]["skipped_why"] == [
        "withplugin_adbc (withplugin 1.0): an optional part of withplugin: it needs "
        "adbc_driver_manager, which withplugin does not require and nothing installed provides"
    ]
