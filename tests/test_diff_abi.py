"""The NumPy 2 ABI check (issue 16): ``diff`` and ``check`` read the compiled wheels a lock
installs and flag those built against NumPy 1.x headers when the lock has numpy 2.x.

Real extension modules, compiled here against numpy 1.26.4's and numpy 2.x's headers
(``abi_wheels``, :mod:`index.extensions`), and the real numpy 2.x wheel, served by the local
index with byte ranges (or, in one test, without):

* ``oldext`` 1.0 and 1.1 built for NumPy 1.x, 2.0 for NumPy 2 (so the fix is 2.0, which
  ``oldext~=1.0`` does not allow);
* ``newext`` 1.0 built for NumPy 2;
* ``plainext`` 1.0: a C library loaded with ctypes, as lightgbm and xgboost ship theirs.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from index.catalog import DEFAULT_CATALOG, Release
from index.extensions import CTYPES, NUMPY1, NUMPY2, AbiWheels
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex

from lockmigrate.cli import main

OLD_NAME = "numpy.core._multiarray_umath"


def _catalog(abi_wheels: AbiWheels) -> list[Release]:
    return [
        *(release for release in DEFAULT_CATALOG if release.project != "numpy"),
        *abi_wheels.numpy_releases(),
        abi_wheels.extension("oldext", "1.0", NUMPY1),
        abi_wheels.extension("oldext", "1.1", NUMPY1),
        abi_wheels.extension("oldext", "2.0", NUMPY2),
        abi_wheels.extension("newext", "1.0", NUMPY2),
        abi_wheels.extension("plainext", "1.0", CTYPES),
    ]


def _lock(pins: dict[str, str]) -> str:
    return "".join(
        f"{name}=={version}\n    # via -r requirements.in\n" for name, version in pins.items()
    )


def _project(folder: Path, numpy: str, **pins: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    ranges = {"oldext": "oldext~=1.0", "newext": "newext>=1.0", "plainext": "plainext>=1.0"}
    (folder / "requirements.in").write_text(
        "numpy>=1.26\n" + "".join(f"{ranges[name]}\n" for name in pins)
    )
    (folder / "requirements.txt").write_text(_lock({"numpy": numpy, **pins}))


def _point_at(index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in index.env(cache_dir=tmp_path / "tool-cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def index(
    abi_wheels: AbiWheels,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> LocalIndex:
    served = local_index_factory(_catalog(abi_wheels))
    _point_at(served, tmp_path, monkeypatch)
    return served


def _diff_json(capsys: pytest.CaptureFixture[str], *extra: str) -> dict[str, dict[str, object]]:
    code = main(["diff", "--format", "json", "--fail-on", "", "--no-relock-check", *extra])
    assert code == 0
    document = json.loads(capsys.readouterr().out)
    (section,) = document["sections"]
    return {"flags": document["flags"], "section": section} | {
        row["name"]: row for row in section["rows"]
    }


def test_a_numpy_1_build_with_numpy_2_locked_is_an_abi_break(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0", newext="1.0", plainext="1.0")
    rows = _diff_json(capsys)
    old = rows["oldext"]["abi"]
    assert isinstance(old, dict)
    assert old["breaks"] is True
    assert old["build"] == "numpy1"
    assert old["wheel"] == f"oldext-1.0-{abi_wheels.tag}.whl"
    assert str(old["member"]).startswith("oldext/_ext.") and old["symbol"] == OLD_NAME
    assert (old["fix"], old["fix_in_range"]) == ("2.0", False)  # oldext~=1.0 stops at 1.x
    assert rows["flags"]["abi-break"] == 1
    new = rows["newext"]["abi"]
    assert isinstance(new, dict)
    assert (new["build"], new["breaks"]) == ("numpy2", False)
    plain = rows["plainext"]["abi"]
    assert isinstance(plain, dict)
    assert (plain["build"], plain["breaks"]) == ("no-c-api", False)
    assert rows["pandas" if "pandas" in rows else "numpy"]["abi"] is None


def test_the_table_shows_the_break_with_its_evidence_and_fix(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0", newext="1.0")
    code = main(["diff", "--no-relock-check", "--fail-on", "abi-break"])
    out = capsys.readouterr().out
    assert code == 1
    assert "behind abi-break" in out  # 1.1 is in range, and built for 1.x too
    flat = " ".join(out.split())
    assert f"names {OLD_NAME}" in flat
    assert "fix: oldext 2.0, move the range to >=2.0" in flat
    assert "1 abi-break" in flat


def test_check_fails_on_an_abi_break_and_passes_numpy_2_and_ctypes_builds(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path / "broken", abi_wheels.numpy2_version, oldext="1.1", newext="1.0")
    _project(tmp_path / "fine", abi_wheels.numpy2_version, newext="1.0", plainext="1.0")
    assert main(["check", "broken"]) == 1
    out = capsys.readouterr().out
    assert "[abi-break]" in out and "oldext==1.1" in out
    assert main(["check", "fine"]) == 0
    with index.recording() as served:  # judged before: the cached verdicts answer
        assert main(["check", "fine"]) == 0
    assert served == []


def test_numpy_1_locked_with_a_numpy_2_build_says_nothing(
    index: LocalIndex, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, "1.26.4", newext="1.0", oldext="1.0")
    with index.recording() as served:
        rows = _diff_json(capsys)
    assert rows["newext"]["abi"] is None and rows["oldext"]["abi"] is None
    assert rows["flags"]["abi-break"] == 0
    assert not [r for r in served if r.path.startswith("/files/") and r.path.endswith(".whl")]


def test_offline_uses_cached_verdicts_and_names_what_it_could_not_judge(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0", newext="1.0")
    cold = _diff_json(capsys, "--offline")
    assert cold["section"]["abi_unjudged"] == [
        "newext: offline, and nothing cached for it",
        "oldext: offline, and nothing cached for it",
    ]
    assert main(["diff", "--offline", "--fail-on", ""]) == 0
    assert "NumPy ABI not judged for 2 package(s): newext, oldext" in capsys.readouterr().out

    _diff_json(capsys)  # online: reads the wheels, caches the verdicts
    with index.recording() as served:
        warm = _diff_json(capsys, "--offline")
    assert not served
    assert warm["section"]["abi_unjudged"] == []
    old = warm["oldext"]["abi"]
    assert isinstance(old, dict)
    assert old["breaks"] is True and old["fix"] is None  # offline: no search for a fix
    assert old["note"] == "offline: newer releases not searched"


def test_a_second_run_reads_no_wheel(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0", newext="1.0", plainext="1.0")
    _diff_json(capsys)
    with index.recording() as served:
        again = _diff_json(capsys)
    assert not [r for r in served if r.path.startswith("/files/")]
    assert again["oldext"]["abi"] == _diff_json(capsys)["oldext"]["abi"]


def test_only_the_end_of_the_wheel_and_its_extension_modules_are_read(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, abi_wheels.numpy2_version, newext="1.0")
    with index.recording() as served:
        rows = _diff_json(capsys)
    assert rows["newext"]["abi"] is not None
    wheel = index.wheel("newext", "1.0")
    asked = [r for r in served if r.path == f"/files/{wheel.filename}"]
    assert asked and all(r.status == 206 and r.range for r in asked)
    assert asked[0].range == "bytes=-65536"
    assert len(asked) <= 2  # the directory (and the module, when the tail did not hold it)


def test_an_index_without_ranges_is_read_whole(
    abi_wheels: AbiWheels,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = local_index_factory(_catalog(abi_wheels), serve_ranges=False)
    _point_at(served, tmp_path, monkeypatch)
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0")
    with served.recording() as seen:
        rows = _diff_json(capsys)
    old = rows["oldext"]["abi"]
    assert isinstance(old, dict)
    assert old["breaks"] is True and old["fix"] == "2.0"
    wheel = served.wheel("oldext", "1.0")
    (asked,) = [r for r in seen if r.path == f"/files/{wheel.filename}"]
    assert (asked.status, asked.sent) == (200, wheel.size)


def test_a_lock_to_lock_diff_crossing_to_numpy_2_lists_every_compiled_dependent(
    index: LocalIndex, abi_wheels: AbiWheels, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0", newext="1.0", plainext="1.0")
    old = tmp_path / "old.txt"
    old.write_text(_lock({"numpy": "1.26.4", "oldext": "1.0", "newext": "1.0", "plainext": "1.0"}))
    code = main(["diff", "--from", "old.txt", "--to", "requirements.txt", "--format", "json",
                 "--fail-on", "abi-break"])  # fmt: skip
    assert code == 1
    document = json.loads(capsys.readouterr().out)
    builds = {entry["name"]: (entry["build"], entry["breaks"]) for entry in document["abi"]}
    assert builds == {
        "newext": ("numpy2", False),
        "oldext": ("numpy1", True),
        "plainext": ("no-c-api", False),
    }
    assert document["flags"]["abi-break"] == 1
    assert main(["diff", "--from", "old.txt", "--to", "requirements.txt", "--fail-on", ""]) == 0
    table = " ".join(capsys.readouterr().out.split())
    assert "NumPy ABI of the compiled numpy dependents (numpy 1.26.4 ->" in table
    assert "oldext 1.0: abi-break: built for NumPy 1.x" in table
    assert "1 change(s), 3 unchanged; 1 package(s): 1 ok; 1 abi-break" in table


def test_without_served_metadata_the_wheels_own_metadata_decides(
    abi_wheels: AbiWheels,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """An index without PEP 658 files: the wheel's METADATA (read from the same tail as the
    zip directory) says whether it requires numpy; a compiled package that does not is not
    reported, and its modules are not read."""
    catalog = [
        *_catalog(abi_wheels),
        abi_wheels.extension("fastparse", "1.0", NUMPY1, requires_dist=()),
    ]
    served = local_index_factory(catalog, serve_metadata=False)
    _point_at(served, tmp_path, monkeypatch)
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0")
    lock = tmp_path / "requirements.txt"
    lock.write_text(lock.read_text() + "fastparse==1.0\n    # via oldext\n")
    with served.recording() as seen:
        rows = _diff_json(capsys)
    old = rows["oldext"]["abi"]
    assert isinstance(old, dict) and old["breaks"] is True
    assert rows["fastparse"]["abi"] is None  # compiled, built for 1.x, but needs no numpy
    fastparse = served.wheel("fastparse", "1.0").filename
    assert [r.range for r in seen if r.path == f"/files/{fastparse}"] == ["bytes=-65536"]


def test_credentials_reach_the_wheel_requests_but_never_the_output_or_the_cache(
    abi_wheels: AbiWheels,
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    served = local_index_factory(_catalog(abi_wheels), auth=("reader", "s3cr3t-pw"))
    _point_at(served, tmp_path, monkeypatch)
    monkeypatch.setenv("PIP_INDEX_URL", served.authenticated_url)
    _project(tmp_path, abi_wheels.numpy2_version, oldext="1.0")
    with served.recording() as seen:
        code = main(["diff", "--format", "json", "--fail-on", "abi-break", "--no-relock-check"])
    out = capsys.readouterr()
    assert code == 1
    wheel = served.wheel("oldext", "1.0").filename
    assert {(r.user, r.status) for r in seen if r.path == f"/files/{wheel}"} == {("reader", 206)}
    assert "s3cr3t-pw" not in out.out + out.err
    cache = tmp_path / "lockmigrate-cache" / "abi"
    written = [path for path in cache.rglob("*") if path.is_file()]
    assert written
    for path in written:
        assert "s3cr3t-pw" not in path.name and b"s3cr3t-pw" not in path.read_bytes()
        assert "127.0.0.1" not in path.read_text()


@pytest.mark.parametrize(
    ("member", "read"),
    [
        ("pandas/_libs/lib.cpython-311-x86_64-linux-gnu.so", True),  # a Python tag: a module
        ("numexpr/interpreter.cpython-311-darwin.so", True),
        ("pkg/_ext.abi3.so", True),
        ("pkg/_speedups.pyd", True),
        ("pkg/_plain.so", True),  # no tag, not lib*: may be a module
        ("lightgbm/lib/lib_lightgbm.so", False),  # ctypes' library
        ("xgboost/lib/libxgboost.so", False),
        ("scipy.libs/libscipy_openblas-c128ec02.so", False),  # auditwheel's vendored libraries
        ("numpy.libs/libgfortran-040039e1.so.5.0.0", False),
        ("pkg/.dylibs/libomp.dylib", False),
        ("pkg/data.json", False),
    ],
)
def test_which_members_may_be_extension_modules(member: str, read: bool) -> None:
    from lockmigrate.diff.abi import extension_members

    assert extension_members([member]) == ([member] if read else [])


def test_the_module_name_in_a_binary_says_which_headers_built_it() -> None:
    from lockmigrate.diff.abi import scan_binary
    from lockmigrate.diff.model import AbiBuild

    both = b"\0numpy._core._multiarray_umath\0numpy.core._multiarray_umath\0_ARRAY_API\0"
    assert scan_binary(both) == (AbiBuild.NUMPY2, "numpy._core._multiarray_umath", ("_ARRAY_API",))
    old = b"\0numpy.core._multiarray_umath\0_ARRAY_API\0_UFUNC_API\0"
    assert scan_binary(old) == (
        AbiBuild.NUMPY1, OLD_NAME, ("_ARRAY_API", "_UFUNC_API")
    )  # fmt: skip
    assert scan_binary(b"\0LGBM_BoosterCreate\0") == (AbiBuild.NO_C_API, None, ())


# --- the findings on a whole lock, kept by its bytes (check's fast path) -----------------


class KeptChecks:
    """``check`` of projects whose locks record their input digest, as lockmigrate's own
    locks do (so check trusts them without resolving), with the findings it keeps."""

    def __init__(
        self,
        index: LocalIndex,
        numpy: str,
        root: Path,
        capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        self.index, self.numpy, self.root = index, numpy, root
        self._capsys, self.monkeypatch = capsys, monkeypatch

    def project(self, folder: str = ".", **pins: str) -> Path:
        from lockmigrate.digest import inputs_digest, with_input_digest
        from lockmigrate.sources.requirements import parse_bytes

        where = self.root / folder
        _project(where, self.numpy, **pins)
        lock = where / "requirements.txt"
        digest = inputs_digest(where / "requirements.in", parse=parse_bytes)
        lock.write_text(with_input_digest(lock.read_text(), digest))
        return lock

    def check(self, *arguments: str) -> tuple[int, str, str]:
        """The exit code, standard output and standard error (less the summary's time)."""
        code = main(["check", *arguments])
        out = self._capsys.readouterr()
        return code, out.out, out.err.rsplit("(", 1)[0]

    def kept(self) -> list[Path]:
        folder = self.root / "lockmigrate-cache" / "abi" / "locks"
        return sorted(folder.iterdir()) if folder.is_dir() else []

    def never_judge_again(self) -> None:
        import lockmigrate.api

        def judged(*arguments: object) -> object:
            raise AssertionError("the lock was judged again")

        self.monkeypatch.setattr(lockmigrate.api, "_abi_findings", judged)


@pytest.fixture
def kept_checks(
    index: LocalIndex,
    abi_wheels: AbiWheels,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> KeptChecks:
    return KeptChecks(index, abi_wheels.numpy2_version, tmp_path, capsys, monkeypatch)


def test_check_keeps_a_clean_lock_s_verdict_and_asks_nothing_next_time(
    kept_checks: KeptChecks,
) -> None:
    kept_checks.project(newext="1.0", plainext="1.0")
    first = kept_checks.check()
    assert first[0] == 0 and "1 trusted by their input digest" in first[1]
    (entry,) = kept_checks.kept()
    assert entry.suffix == ".clean" and entry.read_bytes() == b""  # one stat answers it
    kept_checks.never_judge_again()
    with kept_checks.index.recording() as served:
        again = kept_checks.check()
    assert served == []
    assert again == first


def test_a_kept_break_fails_check_again_with_the_same_report(kept_checks: KeptChecks) -> None:
    kept_checks.project(oldext="1.1", newext="1.0")
    first = kept_checks.check()
    first_json = kept_checks.check("--format", "json")
    assert first[0] == 1
    assert "oldext==1.1: abi-break: built for NumPy 1.x" in first[1]
    assert "fix: oldext 2.0, move the range to >=2.0" in " ".join(first[1].split())
    assert [entry.suffix for entry in kept_checks.kept()] == [".json"]
    kept_checks.never_judge_again()
    with kept_checks.index.recording() as served:
        assert kept_checks.check() == first
        assert kept_checks.check("--format", "json") == first_json
        assert kept_checks.check("--format", "markdown")[0] == 1
    assert served == []


def test_a_kept_break_is_judged_again_once_its_lifetime_is_over(kept_checks: KeptChecks) -> None:
    """A release with a fix may appear: a break is replayed only as long as the index pages
    its fix was searched in may be reused."""
    import time

    from lockmigrate.diff import lock_abi_cache

    kept_checks.project(oldext="1.1")
    first = kept_checks.check()
    assert first[0] == 1
    later = time.time() + lock_abi_cache.BREAK_LIFETIME + 1
    kept_checks.monkeypatch.setattr(time, "time", lambda: later)
    with kept_checks.index.recording() as served:
        assert kept_checks.check() == first
    assert [r for r in served if r.path.startswith("/simple/oldext")]  # the fix searched again


def test_a_changed_lock_is_judged_again(kept_checks: KeptChecks) -> None:
    lock = kept_checks.project(newext="1.0")
    assert kept_checks.check()[0] == 0
    lock.write_text(lock.read_text() + "oldext==1.1\n    # via newext\n")  # same .in: trusted
    code, out, _ = kept_checks.check()
    assert code == 1 and "oldext==1.1: abi-break" in out
    assert len(kept_checks.kept()) == 2


def test_only_trusted_and_fully_judged_locks_are_kept(kept_checks: KeptChecks) -> None:
    """A lock without a recorded digest (its .in is not part of the key), and a judgement
    that could not judge a package (here: the index does not answer), are not kept."""
    _project(kept_checks.root / "untrusted", kept_checks.numpy, newext="1.0")
    kept_checks.project("unjudged", plainext="1.0")
    assert kept_checks.check("untrusted")[0] == 0
    assert kept_checks.kept() == []
    kept_checks.monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple/")  # no one
    kept_checks.monkeypatch.setenv("PIP_RETRIES", "0")
    code, _, err = kept_checks.check("unjudged")
    assert code == 0 and "the NumPy ABI check could not judge plainext" in err
    assert kept_checks.kept() == []


def test_check_of_a_kept_lock_imports_neither_the_abi_check_nor_the_index(
    kept_checks: KeptChecks,
) -> None:
    import os
    import subprocess
    import sys

    kept_checks.project(newext="1.0")
    program = (
        "import sys\nfrom lockmigrate.cli import main\ncode = main(['check'])\n"
        "print(code, sorted(m for m in sys.modules if m.startswith(('lockmigrate.diff.abi', "
        "'lockmigrate.index', 'urllib3'))))"
    )
    runs = [
        subprocess.run(
            [sys.executable, "-c", program],
            cwd=kept_checks.root,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.splitlines()[-1]
        for _ in range(2)
    ]
    assert runs[0].startswith("0 ['lockmigrate.diff.abi'")  # judged, with the index client
    assert runs[1] == "0 []"


def test_kept_findings_read_back_as_stored_until_they_expire(tmp_path: Path) -> None:
    from lockmigrate.diff.lock_abi_cache import (
        BREAK_LIFETIME,
        kept_findings,
        lock_key,
        store_findings,
    )

    clean, broken = lock_key(b"numpy==2.0.0\n"), lock_key(b"numpy==2.0.0\nold==1.0\n")
    assert clean != broken
    assert kept_findings(tmp_path, clean, now=0) is None
    store_findings(tmp_path, clean, [], now=0)
    store_findings(tmp_path, broken, [("old==1.0: abi-break: ...", 2, None)], now=0)
    assert kept_findings(tmp_path, clean, now=10**12) == []  # clean: kept for good
    assert kept_findings(tmp_path, broken, now=1) == [("old==1.0: abi-break: ...", 2, None)]
    assert kept_findings(tmp_path, broken, now=BREAK_LIFETIME) is None
    (tmp_path / "abi" / "locks" / f"{broken}.json").write_text("{not json")
    assert kept_findings(tmp_path, broken, now=1) is None
    store_findings(tmp_path, clean, [("new finding", 3, 4)], now=0)  # the clean entry goes
    assert kept_findings(tmp_path, clean, now=1) == [("new finding", 3, 4)]


def test_storing_findings_removes_those_past_their_time(tmp_path: Path) -> None:
    from lockmigrate.diff.lock_abi_cache import (
        BREAK_LIFETIME,
        kept_findings,
        lock_key,
        prune,
        store_findings,
    )

    folder = tmp_path / "abi" / "locks"
    old, clean, new = (lock_key(f"numpy==2.0.0\nold=={n}\n".encode()) for n in (1, 2, 3))
    store_findings(tmp_path, old, [("old==1: abi-break: ...", 2, None)], now=0)
    store_findings(tmp_path, clean, [], now=0)
    (folder / "damaged.json").write_text("{not json")
    store_findings(tmp_path, new, [("old==3: abi-break: ...", 2, None)], now=BREAK_LIFETIME)
    assert sorted(path.name for path in folder.iterdir()) == sorted(
        [f"{clean}.clean", f"{new}.json"]
    )  # the expired and the damaged findings went; the clean marker stays
    assert kept_findings(tmp_path, new, now=BREAK_LIFETIME + 1) == [
        ("old==3: abi-break: ...", 2, None)
    ]
    assert prune(tmp_path, now=2 * BREAK_LIFETIME) == 1
    assert prune(tmp_path / "nowhere", now=0) == 0
