"""Shapes real repositories have (issue 11), each on a minimal input: files that are not
requirement files, files that package metadata reads, locks under other names, and a tree
where one file cannot be resolved. ``to-pip-tools`` runs the real resolver against the local
index; nothing is mocked."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from index.catalog import DEFAULT_CATALOG, Release
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex

from lockmigrate.cli import main
from lockmigrate.sources.requirements import parse_bytes


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def pins(path: Path) -> dict[str, str]:
    lock = parse_bytes(path.read_bytes(), path=path)
    return {r.name: r.specifier.removeprefix("==") for r in lock.requirements if r.name}


def point_at(index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """What the ``use_index`` fixture does, for an index a test started itself."""
    for key, value in index.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)


def scan_json(tree: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    assert main(["scan", "--format", "json", str(tree)]) == 0
    result: dict[str, object] = json.loads(capsys.readouterr().out)
    return result


def scanned_files(report: dict[str, object]) -> dict[str, dict[str, object]]:
    services = report["services"]
    assert isinstance(services, list)
    return {f["path"]: f for s in services for f in s["files"]}


# --- discovery ----------------------------------------------------------------------------


def test_manifest_in_and_templates_are_not_requirement_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "proj",
        {
            "MANIFEST.in": "include requirements.txt\nrecursive-include src *.py\n",
            "config.h.in": "#define VERSION @VERSION@\n",
            "setup.cfg.in": "[metadata]\nname = @NAME@\n",
            "requirements.txt": "numpy~=1.26.4\n",
            "requirements-dev.in": "-r requirements.txt\npytest\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    files = scanned_files(scan_json(tree, capsys))
    assert sorted(files) == ["proj/requirements-dev.in", "proj/requirements.txt"]


def test_a_walked_file_that_does_not_parse_is_skipped_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "proj",
        {
            "requirements.txt": "numpy~=1.26.4\n",
            "requirements-notes.txt": "numpy is pinned because of ABI\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(tree)]) == 0
    captured = capsys.readouterr()
    assert "proj/requirements-notes.txt" in captured.out
    assert "[unreadable-file]" in captured.out
    assert "proj/requirements.txt  role=main" in captured.out
    # named by the user, the same file is read strictly
    assert main(["scan", str(tree / "requirements-notes.txt")]) == 2
    assert "requirements-notes.txt:1:" in capsys.readouterr().err


def test_files_below_a_requirements_folder_belong_to_the_service(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "proj",
        {
            "requirements/default.txt": "joblib~=1.4\n",
            "requirements/extras/sqs.txt": "numpy~=1.26.4\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    report = scan_json(tree, capsys)
    services = report["services"]
    assert isinstance(services, list)
    assert [s["path"] for s in services] == ["proj"]
    assert "proj/requirements/extras/sqs.txt" in scanned_files(report)


def test_a_txt_in_input_is_paired_with_its_txt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "proj",
        {
            "constraints-dev.txt.in": "numpy<2\n",
            "constraints-dev.txt": "numpy==1.26.9\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert ".txt.txt" not in out
    assert "already a lock of constraints-dev.txt.in" in out
    assert "already compiled to constraints-dev.txt" in out


def test_a_lock_with_hashes_is_one_note(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    digest = "sha256:" + "0" * 64
    lock = "".join(f"pkg{i}==1.0 \\\n    --hash={digest}\n" for i in range(5))
    tree = write(
        tmp_path / "proj", {"requirements-lock.txt": "# autogenerated by pip-compile\n" + lock}
    )
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert out.count("[hashes]") == 1
    assert "5 requirement(s) carry 5 --hash value(s)" in out


# --- locks under other names --------------------------------------------------------------

BOTO_LOCK = """\
#
# This file is autogenerated by pip-compile with Python 3.11
# by the following command:
#
#    pip-compile --output-file=requirements-dev-lock.txt requirements-dev.txt
#
joblib==1.4.2
    # via -r requirements-dev.txt
"""


def test_an_existing_lock_under_another_name_is_used(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(
        tmp_path / "proj",
        {"requirements-dev.txt": "joblib~=1.4\n", "requirements-dev-lock.txt": BOTO_LOCK},
    )
    before = snapshot(tree)
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "already compiled to requirements-dev-lock.txt" in out
    assert "already a lock of requirements-dev.txt" in out
    assert main(["to-pip-tools", str(tree)]) == 0
    assert "Nothing to change." in capsys.readouterr().out
    assert snapshot(tree) == before  # no second lock, no .in


# --- files that package metadata reads ----------------------------------------------------

PYPROJECT_DYNAMIC = """\
[build-system]
requires = ["setuptools>=70"]
build-backend = "setuptools.build_meta"

[project]
name = "svc"
version = "1.0"
dynamic = ["dependencies"]

[tool.setuptools.dynamic]
dependencies = { file = ["requirements.txt"] }
"""


@pytest.mark.slow
def test_a_file_that_metadata_reads_stays_as_written(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(
        tmp_path / "svc",
        {
            "pyproject.toml": PYPROJECT_DYNAMIC,
            "requirements.txt": "# runtime\nnumpy~=1.26.4  # blocks 2.x\n",
            "requirements-dev.txt": "-r requirements.txt\njoblib~=1.4\n",
        },
    )
    metadata_input = (tree / "requirements.txt").read_bytes()
    monkeypatch.chdir(tree)
    assert main(["scan"]) == 0
    out = capsys.readouterr().out
    assert "package metadata reads it: [tool.setuptools.dynamic] dependencies at " in out
    assert "pyproject.toml:11" in out

    assert main(["to-pip-tools"]) == 0
    out = capsys.readouterr().out
    assert "created requirements-lock.txt: exact pins compiled by pip-tools from " in out
    assert (tree / "requirements.txt").read_bytes() == metadata_input  # what the build reads
    assert not (tree / "requirements.in").exists()
    lock = tree / "requirements-lock.txt"
    assert pins(lock) == {"numpy": "1.26.9"}
    command = next(line for line in lock.read_text().splitlines() if "#    pip-compile " in line)
    assert " --output-file=requirements-lock.txt " in command
    assert command.endswith(" requirements.txt")
    dev_in = (tree / "requirements-dev.in").read_text()
    assert "-r requirements.txt\n-c requirements-lock.txt\n" in dev_in
    assert pins(tree / "requirements-dev.txt")["numpy"] == "1.26.9"  # layered on the lock

    before = snapshot(tree)
    assert main(["to-pip-tools"]) == 0
    assert "Nothing to change." in capsys.readouterr().out
    assert snapshot(tree) == before


SETUP_PY = """\
import glob
import json
import os

_PATH_REQUIRE = os.path.join(os.path.dirname(__file__), "requirements")


def _load(name):
    with open(os.path.join(_PATH_REQUIRE, name)) as fp:
        lines = [line.split("#")[0].strip() for line in fp]
    return [line for line in lines if line and not line.startswith("-")]


def requirements():
    found = sorted(os.path.basename(p) for p in glob.glob(os.path.join(_PATH_REQUIRE, "*.txt")))
    extras = {name[:-4]: _load(name) for name in found if name != "base.txt"}
    return {"install_requires": _load("base.txt"), "extras_require": extras}


if __name__ == "__main__":
    print(json.dumps(requirements(), sort_keys=True))
"""


def computed_by_setup_py(tree: Path) -> str:
    return subprocess.run(
        [sys.executable, "setup.py"],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
        stdin=subprocess.DEVNULL,
    ).stdout


@pytest.mark.slow
def test_a_folder_setup_py_globs_keeps_what_setup_py_computes(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(
        tmp_path / "pkg",
        {
            "setup.py": SETUP_PY,
            "requirements/base.txt": "numpy~=1.26.4\n",
            "requirements/ml.txt": "joblib~=1.4  # strict\n",
            "requirements/_devel.txt": "-r base.txt\n-r ml.txt\npytest~=8.3.3\n",
            "requirements.txt": "-r requirements/base.txt\n",
        },
    )
    computed = computed_by_setup_py(tree)
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools"]) == 0

    capsys.readouterr()
    assert computed_by_setup_py(tree) == computed  # Requires-Dist is unchanged
    locks = tree / "requirements" / "locks"
    assert pins(locks / "base-lock.txt") == {"numpy": "1.26.9"}
    devel = pins(locks / "_devel-lock.txt")
    assert devel["numpy"] == "1.26.9"
    header = (locks / "_devel-lock.txt").read_text()
    assert "--constraint=locks/base-lock.txt" in header  # layered from the command line
    # an extra is installed on top of the main requirements: its lock is layered on theirs
    assert "--constraint=locks/base-lock.txt" in (locks / "ml-lock.txt").read_text()
    assert (
        "-r requirements/base.txt\n-c requirements/locks/base-lock.txt\n"
        in (tree / "requirements.in").read_text()
    )


# --- one broken file does not hold the tree hostage ---------------------------------------


@pytest.mark.slow
def test_keep_going_writes_every_file_that_compiles(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(
        tmp_path / "mono",
        {
            "good/requirements.txt": "joblib~=1.4\n",
            "broken/requirements.txt": (
                "numpy~=1.26.4\ntiny @ http://127.0.0.1:9/tiny-1.0-py3-none-any.whl\n"
            ),
        },
    )
    before = snapshot(tree)
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools"]) == 3  # all or nothing by default
    assert "broken/requirements.txt:2 (service broken): " in capsys.readouterr().err
    assert snapshot(tree) == before

    assert main(["to-pip-tools", "--keep-going"]) == 4
    captured = capsys.readouterr()
    assert "broken/requirements.txt:2: error: " in captured.err
    assert "1 file(s) could not be migrated" in captured.err
    assert "hint: this line needs a host that cannot be reached from here" in captured.err
    assert pins(tree / "good" / "requirements.txt") == {"joblib": "1.5.0"}
    assert (tree / "broken" / "requirements.txt").read_bytes() == before["broken/requirements.txt"]
    assert not (tree / "broken" / "requirements.in").exists()

    assert main(["to-pip-tools", "--keep-going", "--format", "json"]) == 4
    captured = capsys.readouterr()
    (failure,) = json.loads(captured.out)["failures"]
    assert (failure["path"], failure["line"]) == ("broken/requirements.txt", 2)
    assert "hint: " in failure["message"]
    assert "Nothing to change." not in captured.out


# --- ranges that need a newer Python than the one running ----------------------------------


@pytest.mark.slow
def test_ranges_that_need_a_newer_python_resolve_for_it_with_uv(
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index = local_index_factory(
        [*DEFAULT_CATALOG, Release(name="futurepkg", version="1.0", requires_python=">=3.99")]
    )
    point_at(index, tmp_path, monkeypatch)
    tree = write(tmp_path / "svc", {"requirements.txt": "futurepkg>=1.0,<2\n"})
    monkeypatch.chdir(tree)

    # pip-compile resolves for the interpreter it runs under: a clear error and a hint
    assert main(["to-pip-tools"]) == 3
    err = capsys.readouterr().err
    assert "hint: the ranges need Python >= 3.99. Resolve for it with --resolver uv " in err

    # uv can resolve for another Python: it does, and says so
    assert main(["to-pip-tools", "--resolver", "uv"]) == 0
    captured = capsys.readouterr()
    assert "resolved for Python 3.99, which the ranges need" in captured.err
    assert "[python-version-derived]" in captured.err
    lock = (tree / "requirements.txt").read_text()
    assert "--python-version 3.99" in lock
    assert pins(tree / "requirements.txt") == {"futurepkg": "1.0"}


def test_long_version_lists_are_shortened() -> None:
    from lockmigrate.resolve import CompileOptions, python_hint
    from lockmigrate.resolve.messages import shorten_versions

    message = (
        "ERROR: Could not find a version (from versions: "
        + ", ".join(f"1.{i}" for i in range(140))
        + ")\nERROR: Ignored versions: 6.0 Requires-Python >=3.12; 6.0.1 Requires-Python >=3.12"
    )
    short = shorten_versions(message)
    assert "(from versions: 140 in all; the newest: 1.136, 1.137, 1.138, 1.139)" in short
    assert "--python-version 3.12" in python_hint(message, CompileOptions())
    assert python_hint(message, CompileOptions(python_version="3.12")) == ""


def test_dynamic_dependencies_from_an_unknown_reader_are_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "svc",
        {
            "pyproject.toml": (
                '[project]\nname = "svc"\nversion = "1"\ndynamic = ["dependencies"]\n'
            ),
            "requirements.txt": "numpy~=1.26.4\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "svc/pyproject.toml:4: warning: the package's dependencies are dynamic" in out
    assert "[metadata-unknown]" in out


def test_setup_cfg_file_directive_is_a_reader(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "svc",
        {
            "setup.cfg": (
                "[metadata]\nname = svc\n\n[options]\n"
                "install_requires = file: requirements.txt\n"
                "\n[options.extras_require]\ntest = file: requirements-test.txt\n"
            ),
            "requirements.txt": "numpy~=1.26.4\n",
            "requirements-test.txt": "pytest\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    files = scanned_files(scan_json(tree, capsys))
    assert sorted(files) == ["svc/requirements-test.txt", "svc/requirements.txt"]
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "setup.cfg install_requires at svc/setup.cfg:5" in out
    assert "setup.cfg extras_require.test at svc/setup.cfg:8" in out
    assert "pins compiled to requirements-test-lock.txt" in out


# --- check on locks made elsewhere --------------------------------------------------------

LOCK_FOR_39 = """\
#
# This file is autogenerated by pip-compile with Python 3.9
# by the following command:
#
#    pip-compile --output-file=requirements-lock.txt requirements.txt
#
joblib==1.5.0
    # via -r requirements.txt
pluggy==1.5.0
    # via -r requirements.txt
"""


@pytest.mark.slow
def test_check_relocks_a_lock_for_the_python_its_header_names(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(
        tmp_path / "svc",
        {
            "requirements.txt": 'joblib~=1.4\npluggy>=1; python_version < "3.10"\n',
            "requirements-lock.txt": LOCK_FOR_39,
        },
    )
    monkeypatch.chdir(tree)
    # pluggy is needed on 3.9 only: re-locked for this interpreter it would look stale
    assert main(["check"]) == 0
    captured = capsys.readouterr()
    assert "assumed environment: Python 3.9" in captured.out
    assert "re-resolved with uv: requirements-lock.txt" in captured.out


def test_check_does_not_re_resolve_a_lock_no_resolver_wrote(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "svc",
        {
            "constraints-dev.txt.in": "joblib<1.5\n",
            "constraints-dev.txt": "joblib==1.4.2  # via -r constraints-dev.txt.in\n",
        },
    )
    monkeypatch.chdir(tree)
    assert main(["check"]) == 0
    captured = capsys.readouterr()
    assert "1 lock(s) checked" in captured.out
    assert "0 re-resolved" in captured.out
    assert "constraints-dev.txt:1: info: " in captured.err
    assert "[freshness-unknown]" in captured.err
    (tree / "constraints-dev.txt").write_text("joblib==1.5.0\n")
    assert main(["check"]) == 1  # out of the range the input declares
    assert "joblib==1.5.0" in capsys.readouterr().out


def test_a_lock_header_names_files_relative_to_where_the_command_ran(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = write(
        tmp_path / "svc",
        {
            "requirements/prod.in": "joblib<1.5\n",
            "requirements/lock/prod.txt": (
                "#\n# This file is autogenerated by pip-compile with Python 3.11\n"
                "# by the following command:\n#\n"
                "#    pip-compile --output-file=requirements\\lock\\prod.txt "
                "requirements\\prod.in\n#\njoblib==1.4.2\n"
            ),
        },
    )
    monkeypatch.chdir(tmp_path)
    assert main(["scan", str(tree)]) == 0
    out = capsys.readouterr().out
    assert "already a lock of ../prod.in" in out
    assert "already compiled to lock/prod.txt" in out


@pytest.mark.slow
def test_an_extra_that_cannot_share_the_main_pins_is_compiled_from_its_ranges(
    local_index_factory: LocalIndexFactory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    index = local_index_factory(
        [*DEFAULT_CATALOG, Release(name="oldnp", version="1.0", requires_dist=("numpy<1.26.5",))]
    )
    point_at(index, tmp_path, monkeypatch)
    tree = write(
        tmp_path / "pkg",
        {
            "pyproject.toml": PYPROJECT_DYNAMIC.replace(
                'dependencies = { file = ["requirements.txt"] }',
                'dependencies = { file = ["requirements.txt"] }\n'
                'optional-dependencies.old = { file = ["requirements-old.txt"] }',
            ),
            "requirements.txt": "numpy~=1.26.4\n",
            "requirements-old.txt": "oldnp\n",
        },
    )
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools"]) == 0

    err = capsys.readouterr().err
    assert "requirements-old-lock.txt is not layered on requirements-lock.txt" in err
    assert "[layering-conflict]" in err
    assert pins(tree / "requirements-lock.txt")["numpy"] == "1.26.9"
    assert pins(tree / "requirements-old-lock.txt")["numpy"] == "1.26.4"
    assert main(["check"]) == 0  # re-locked as it was made


@pytest.mark.slow
def test_a_second_keep_going_run_retries_only_what_failed(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(
        tmp_path / "pkg",
        {
            "pyproject.toml": PYPROJECT_DYNAMIC.replace(
                'dependencies = { file = ["requirements.txt"] }',
                'dependencies = { file = ["requirements.txt"] }\n'
                'optional-dependencies.hw = { file = ["requirements/hw.txt"] }',
            ),
            "requirements.txt": "numpy~=1.26.4\n",
            # in a folder of its own: the main lock lies outside the folders compiled again
            "requirements/hw.txt": "tiny @ http://127.0.0.1:9/tiny-1.0-py3-none-any.whl\n",
        },
    )
    monkeypatch.chdir(tree)
    assert main(["to-pip-tools", "--keep-going"]) == 4
    written = snapshot(tree)
    assert "requirements-lock.txt" in written
    capsys.readouterr()
    # the extra is layered on a lock that exists now: retried, failing the same way
    assert main(["to-pip-tools", "--keep-going"]) == 4
    err = capsys.readouterr().err
    assert "requirements/hw.txt:1: error: " in err
    assert "Traceback" not in err
    assert snapshot(tree) == written


@pytest.mark.slow
def test_a_symlinked_requirements_file_and_its_target_stay_as_written(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = write(tmp_path / "mono", {"shared/requirements.txt": "joblib~=1.4\n"})
    (tree / "svc").mkdir()
    (tree / "svc" / "requirements.txt").symlink_to("../shared/requirements.txt")
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools"]) == 0

    capsys.readouterr()
    link = tree / "svc" / "requirements.txt"
    assert link.is_symlink()  # not replaced by a file
    assert (tree / "shared" / "requirements.txt").read_text() == "joblib~=1.4\n"
    assert pins(tree / "svc" / "requirements-lock.txt") == {"joblib": "1.5.0"}
    assert pins(tree / "shared" / "requirements-lock.txt") == {"joblib": "1.5.0"}


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_an_unreachable_index_is_named_not_blamed_on_the_package(
    resolver: str,
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    dead = "http://user:s3cret@127.0.0.1:9/simple/"  # nothing listens on port 9
    for name in ("PIP_INDEX_URL", "UV_INDEX_URL", "UV_DEFAULT_INDEX"):
        monkeypatch.setenv(name, dead)
    monkeypatch.setenv("UV_HTTP_RETRIES", "0")  # pip's retries are what show the cause
    tree = write(tmp_path / "svc", {"requirements.txt": "joblib~=1.4\n"})
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools", "--resolver", resolver]) == 3

    err = capsys.readouterr().err
    assert "hint: the package index http://" in err
    assert "127.0.0.1:9/simple/ could not be reached (Connection refused" in err
    assert "s3cret" not in err
    assert "the index has no release of this package" not in err
