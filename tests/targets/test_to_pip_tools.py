"""``lockmigrate to-pip-tools`` against a real index of real wheels on 127.0.0.1, with the
real pip-compile (and uv). Nothing is mocked."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from lockmigrate.cli import main
from lockmigrate.sources.requirements import parse_bytes

FIXTURES = Path(__file__).parents[1] / "fixtures" / "pip_tools"
SERVICES = ("churn", "nlp", "taxi")


def copy_fixture(name: str, tmp_path: Path) -> Path:
    target = tmp_path / name
    shutil.copytree(FIXTURES / name, target)
    return target


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def pins(path: Path) -> dict[str, str]:
    lock = parse_bytes(path.read_bytes(), path=path)
    return {r.name: r.specifier.removeprefix("==") for r in lock.requirements if r.name}


def run(*args: str) -> int:
    return main(["to-pip-tools", *args])


@pytest.mark.slow
def test_three_services_become_layered_pairs(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    originals = snapshot(tree)
    monkeypatch.chdir(tree)

    assert run() == 0

    out = capsys.readouterr().out
    for service in SERVICES:
        folder = tree / service
        for role in ("prod", "dev"):
            original = originals[f"{service}/requirements-{role}.txt"]
            source = (folder / f"requirements-{role}.in").read_bytes()
            # the .in is the original, byte for byte, under a two-line header (plus layering)
            assert source.startswith(b"# requirements-" + role.encode() + b".in: the ranges")
            if role == "prod":
                assert source.split(b"\n", 2)[2] == original
        dev_in = (folder / "requirements-dev.in").read_text()
        assert "-r requirements-prod.in\n-c requirements-prod.txt\n" in dev_in
        prod, dev = pins(folder / "requirements-prod.txt"), pins(folder / "requirements-dev.txt")
        assert prod, f"{service}: no pins"
        # layering: every package the dev lock shares with prod has exactly prod's pin
        assert {name: dev[name] for name in prod} == prod
        assert f"created {service}/requirements-prod.in" in out
        assert f"updated {service}/requirements-dev.txt" in out

    churn = pins(tree / "churn" / "requirements-prod.txt")
    assert churn["numpy"] == "1.26.9"  # newest 1.26.x; 1.26.5 is yanked, 1.27/2.x blocked
    assert churn["shap"] == "0.46.1"
    taxi = pins(tree / "taxi" / "requirements-prod.txt")
    assert taxi["numpy"] == "2.0.0"  # no range guards numpy here: pandas lets 2.0 in
    nlp = pins(tree / "nlp" / "requirements-prod.txt")
    assert "pysocks" in nlp  # the socks extra was resolved, then stripped from the pin


@pytest.mark.slow
def test_every_pin_is_inside_every_declared_range(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    originals = {
        path: parse_bytes((tree / path).read_bytes(), path=tree / path)
        for path in (f"{s}/requirements-{r}.txt" for s in SERVICES for r in ("prod", "dev"))
    }
    monkeypatch.chdir(tree)
    assert run() == 0
    for path, original in originals.items():
        locked = pins(tree / path)
        for requirement in original.requirements:
            assert requirement.name is not None
            assert SpecifierSet(requirement.specifier).contains(Version(locked[requirement.name]))


@pytest.mark.slow
def test_second_run_changes_nothing_and_says_so(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run() == 0
    migrated = snapshot(tree)
    capsys.readouterr()

    assert run() == 0

    assert snapshot(tree) == migrated
    assert "Nothing to change. 6 file(s) are already pip-compile locks" in capsys.readouterr().out


@pytest.mark.slow
def test_output_is_deterministic(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = copy_fixture("three-services", tmp_path / "one")
    second = copy_fixture("three-services", tmp_path / "two")
    for tree in (first, second):
        monkeypatch.chdir(tree)
        assert run("churn") == 0
    assert snapshot(first / "churn") == snapshot(second / "churn")
    assert str(tmp_path) not in (first / "churn" / "requirements-dev.txt").read_text()


@pytest.mark.slow
def test_dry_run_shows_the_exact_diff_and_writes_nothing(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    before = snapshot(tree)
    monkeypatch.chdir(tree)

    assert run("--dry-run", "churn") == 0

    out = capsys.readouterr().out
    assert snapshot(tree) == before
    assert "would create churn/requirements-prod.in" in out
    assert "--- /dev/null\n+++ b/churn/requirements-prod.in\n" in out
    assert "+numpy~=1.26.4        # allows 1.26.x, blocks 2.x\n" in out
    assert "--- a/churn/requirements-prod.txt\n+++ b/churn/requirements-prod.txt\n" in out
    assert "+numpy==1.26.9\n" in out


@pytest.mark.slow
def test_a_piped_dry_run_applies_with_git_apply_to_what_a_real_run_writes(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is needed")
    dry = copy_fixture("three-services", tmp_path / "dry")
    real = copy_fixture("three-services", tmp_path / "real")
    for tree in (dry, real):  # one CRLF file and one old-Mac CR file among the LF ones
        for name, ending in (
            ("churn/requirements-prod.txt", b"\r\n"),
            ("nlp/requirements-dev.txt", b"\r"),
        ):
            path = tree / name
            path.write_bytes(path.read_bytes().replace(b"\n", ending))
    monkeypatch.chdir(dry)
    assert run("--dry-run") == 0
    patch = tmp_path / "dry-run.patch"
    patch.write_bytes(capsys.readouterr().out.encode("utf-8", "surrogateescape"))
    monkeypatch.chdir(real)
    assert run() == 0

    subprocess.run(["git", "apply", "--whitespace=nowarn", str(patch)], cwd=dry, check=True)

    # outside git, the real run keeps its lock in .lockmigrate/ (io's state folder)
    written = {
        name: data for name, data in snapshot(real).items() if not name.startswith(".lockmigrate/")
    }
    assert snapshot(dry) == written


@pytest.mark.slow
def test_an_include_through_a_variable_is_read_and_the_value_never_written(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "requirements-base.txt").write_text("numpy~=1.26.4\n")
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "requirements.txt").write_text(
        "-r ${SHARED_REQS}/requirements-base.txt\npandas~=2.2.3\n"
    )
    monkeypatch.setenv("SHARED_REQS", "../shared")
    monkeypatch.chdir(tmp_path)

    assert run() == 0

    lock = (tmp_path / "svc" / "requirements.txt").read_text()
    assert "numpy==1.26." in lock
    assert "../shared" not in lock
    assert "${SHARED_REQS}/requirements-base.in" in lock  # pip-compile's "# via" line
    assert (
        "-r ${SHARED_REQS}/requirements-base.in"
        in (tmp_path / "svc" / "requirements.in").read_text()
    )
    capsys.readouterr()
    assert main(["check", "."]) == 0
    assert run() == 0
    assert "Nothing to change" in capsys.readouterr().out

    monkeypatch.delenv("SHARED_REQS")
    assert main(["check", "."]) == 2
    assert "${SHARED_REQS} is not set" in capsys.readouterr().err


@pytest.mark.slow
def test_a_failure_in_one_service_leaves_every_file_as_it_was(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    with (tree / "taxi" / "requirements-prod.txt").open("a") as handle:
        handle.write("no-such-package~=1.0\n")
    before = snapshot(tree)
    monkeypatch.chdir(tree)

    assert run() == 3

    err = capsys.readouterr().err
    assert snapshot(tree) == before
    assert "taxi/requirements-prod.txt" in err
    assert "no-such-package" in err
    assert "Nothing was written." in err
    assert "Traceback" not in err


@pytest.mark.slow
def test_an_unresolvable_set_is_exit_3_with_the_resolver_message(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    (tmp_path / "requirements.txt").write_text("numpy~=1.26.4\nnumpy>=2\n")
    monkeypatch.chdir(tmp_path)
    assert run() == 3
    err = capsys.readouterr().err
    assert "requirements.txt" in err
    assert "numpy" in err
    assert not (tmp_path / "requirements.in").exists()


@pytest.mark.slow
def test_bom_and_crlf_are_kept(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = b"\xef\xbb\xbfnumpy~=1.26.4  # windows\r\njoblib~=1.4\r\n"
    (tmp_path / "requirements.txt").write_bytes(original)
    monkeypatch.chdir(tmp_path)
    assert run() == 0
    source = (tmp_path / "requirements.in").read_bytes()
    lock = (tmp_path / "requirements.txt").read_bytes()
    assert source.startswith(b"\xef\xbb\xbf# requirements.in: ")
    assert source.endswith(original[3:])
    assert lock.startswith(b"\xef\xbb\xbf#\r\n")
    assert b"\n" not in lock.replace(b"\r\n", b"")
    assert b"numpy==1.26.9\r\n" in lock


@pytest.mark.slow
def test_upgrade_relocks_and_plain_run_keeps_pins(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("churn") == 0
    lock = tree / "churn" / "requirements-prod.txt"
    lock.write_text(lock.read_text().replace("numpy==1.26.9", "numpy==1.26.4"))
    held = lock.read_text()

    assert run("churn") == 0
    assert lock.read_text() == held  # its own inputs did not change: its pins are kept
    # the dev lock, layered on it (-c), follows it, as make lock would re-lock it
    assert pins(tree / "churn" / "requirements-dev.txt")["numpy"] == "1.26.4"

    assert run("--upgrade", "churn") == 0
    assert pins(lock)["numpy"] == "1.26.9"
    assert pins(tree / "churn" / "requirements-dev.txt")["numpy"] == "1.26.9"


@pytest.mark.slow
def test_a_plain_run_relocks_what_an_edited_range_made_stale_keeping_pins(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Edit a range in the .in, run to-pip-tools again: the lock (and the dev lock layered
    on it) is re-locked as pip-compile run again would, its other pins kept, and its input
    digest recorded again, so check trusts it without resolving."""
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("churn") == 0
    lock, dev = tree / "churn" / "requirements-prod.txt", tree / "churn" / "requirements-dev.txt"
    lock.write_text(lock.read_text().replace("pandas==2.2.4", "pandas==2.2.3"))
    source = tree / "churn" / "requirements-prod.in"
    source.write_text(source.read_text().replace("numpy~=1.26.4", "numpy~=1.26.5"))
    dev_before = dev.read_text()
    capsys.readouterr()

    assert run("churn") == 0

    out = capsys.readouterr().out
    assert "updated churn/requirements-prod.txt" in out
    assert "updated churn/requirements-dev.txt" in out  # layered on it: re-locked after it
    assert pins(lock)["pandas"] == "2.2.3"  # kept: the existing lock is the preference
    assert dev.read_text() != dev_before
    held = snapshot(tree)
    assert run("churn") == 0
    assert snapshot(tree) == held  # a second run changes nothing
    capsys.readouterr()
    assert main(["check", "churn"]) == 0
    assert "2 trusted by their input digest, 0 re-resolved" in capsys.readouterr().out


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_upgrade_package_moves_one_package_and_keeps_the_other_pins(
    resolver: str,
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("--resolver", resolver, "churn") == 0
    lock = tree / "churn" / "requirements-prod.txt"
    assert (pins(lock)["numpy"], pins(lock)["pandas"]) == ("1.26.9", "2.2.4")
    held = lock.read_text().replace("numpy==1.26.9", "numpy==1.26.4")
    lock.write_text(held.replace("pandas==2.2.4", "pandas==2.2.3"))
    capsys.readouterr()

    assert run("--resolver", resolver, "-P", "numpy", "churn") == 0

    assert pins(lock)["numpy"] == "1.26.9"  # moved within ~=1.26.4
    assert pins(lock)["pandas"] == "2.2.3"  # held: the existing lock is the preference
    assert "upgrade-package" not in lock.read_text()  # not in the header's command
    assert "updated churn/requirements-prod.txt" in capsys.readouterr().out


@pytest.mark.slow
def test_upgrade_package_of_a_package_no_lock_pins_is_a_warning(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("churn") == 0
    capsys.readouterr()

    assert run("--upgrade-package", "nunpy", "--strict", "churn") == 1

    err = capsys.readouterr().err
    assert "--upgrade-package nunpy: no lock being re-locked pins nunpy" in err
    assert "[upgrade-package-unlocked]" in err


def test_upgrade_package_is_passed_to_each_resolver() -> None:
    from lockmigrate.resolve import Backend, CompileJob, CompileOptions, resolver_argv

    job = CompileJob(workdir=".", input="requirements.in", output="requirements.txt")
    for backend in Backend:
        options = CompileOptions(backend=backend, upgrade_packages=("numpy", "pandas==2.2.4"))
        argv = resolver_argv(job, options)
        assert "--upgrade-package=numpy" in argv
        assert "--upgrade-package=pandas==2.2.4" in argv
        assert "--upgrade" not in argv


def test_upgrade_and_upgrade_package_together_are_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run("--upgrade", "-P", "numpy") == 2
    assert run("-P", "not a name") == 2
    err = capsys.readouterr().err
    assert "give --upgrade or --upgrade-package, not both" in err
    assert "--upgrade-package takes a package name, or NAME==VERSION, not 'not a name'" in err


@pytest.mark.slow
def test_generate_hashes(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "requirements.txt").write_text("joblib~=1.4\n")
    monkeypatch.chdir(tmp_path)
    assert run("--generate-hashes") == 0
    lock = parse_bytes((tmp_path / "requirements.txt").read_bytes(), path=tmp_path / "r.txt")
    (joblib,) = lock.requirements
    assert joblib.hashes and joblib.hashes[0].startswith("sha256:")


@pytest.mark.slow
def test_uv_backend_gives_the_same_layered_pins(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("--resolver", "uv", "churn") == 0
    prod = pins(tree / "churn" / "requirements-prod.txt")
    dev = pins(tree / "churn" / "requirements-dev.txt")
    assert prod["numpy"] == "1.26.9"
    assert {name: dev[name] for name in prod} == prod
    assert "uv pip compile" in (tree / "churn" / "requirements-prod.txt").read_text()


@pytest.mark.slow
def test_json_report(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = copy_fixture("three-services", tmp_path)
    monkeypatch.chdir(tree)
    assert run("--format", "json", "--dry-run", "nlp") == 0
    document = json.loads(capsys.readouterr().out)
    assert document["dry_run"] is True
    assert [(c["path"], c["action"]) for c in document["changes"]] == [
        ("nlp/requirements-prod.in", "create"),
        ("nlp/requirements-prod.txt", "update"),
        ("nlp/requirements-dev.in", "create"),
        ("nlp/requirements-dev.txt", "update"),
    ]


# --- secrets -------------------------------------------------------------------------------
# A secret can enter through the file's own --index-url (as ${VAR}), through pip's
# configuration (PIP_INDEX_URL, a pip.conf), or be written literally in the file. None of
# them may reach a .in, a .txt or the output.

SECRET = "s3cr3t-t0ken"


@pytest.fixture
def private_index(local_index_factory: LocalIndexFactory) -> LocalIndex:
    return local_index_factory(auth=("deploy", SECRET))


def assert_no_secret(tree: Path, *outputs: str) -> None:
    for path, content in snapshot(tree).items():
        assert SECRET.encode() not in content, path
    for output in outputs:
        assert SECRET not in output


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_variable_in_the_files_index_url_stays_a_variable(
    private_index: LocalIndex,
    resolver: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("INDEX_TOKEN", SECRET)
    monkeypatch.setenv("PIP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    url = private_index.url.replace("http://", "http://deploy:${INDEX_TOKEN}@")
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements.txt").write_text(f"--index-url {url}\njoblib~=1.4\n")
    monkeypatch.chdir(tree)

    assert run("--resolver", resolver) == 0

    captured = capsys.readouterr()
    assert_no_secret(tree, captured.out, captured.err)
    assert "${INDEX_TOKEN}" in (tree / "requirements.in").read_text()
    assert pins(tree / "requirements.txt") == {"joblib": "1.5.0"}
    assert "127.0.0.1" not in (tree / "requirements.txt").read_text()


@pytest.mark.slow
@pytest.mark.parametrize("resolver", ["pip-tools", "uv"])
def test_credentials_from_pip_configuration_are_honoured_and_never_written(
    private_index: LocalIndex,
    resolver: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = tmp_path / "pip.conf"
    config.write_text(f"[global]\nindex-url = {private_index.authenticated_url}\n")
    monkeypatch.setenv("PIP_CONFIG_FILE", str(config))
    monkeypatch.setenv("PIP_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "uv-cache"))
    monkeypatch.delenv("UV_NO_CONFIG", raising=False)
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements.txt").write_text("joblib~=1.4\n")
    monkeypatch.chdir(tree)

    assert run("--resolver", resolver) == 0

    captured = capsys.readouterr()
    assert_no_secret(tree, captured.out, captured.err)
    assert pins(tree / "requirements.txt") == {"joblib": "1.5.0"}


def test_a_literal_credential_in_a_requirements_file_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text(
        f"joblib~=1.4\n--extra-index-url https://deploy:{SECRET}@pypi.example.com/simple\n"
    )
    before = snapshot(tmp_path)
    monkeypatch.chdir(tmp_path)

    assert run() == 2

    captured = capsys.readouterr()
    assert captured.err.startswith("lockmigrate: error: requirements.txt:2: ")
    assert "${VARIABLE}" in captured.err
    assert SECRET not in captured.out + captured.err
    assert snapshot(tmp_path) == before  # only the user's own file holds it, untouched


@pytest.mark.slow
def test_the_machines_find_links_are_not_written(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    wheels = tmp_path / "machine-wheels"
    wheels.mkdir()
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheels))
    (tmp_path / "requirements.txt").write_text("joblib~=1.4\n")
    monkeypatch.chdir(tmp_path)
    assert run() == 0
    assert "machine-wheels" not in (tmp_path / "requirements.txt").read_text()


@pytest.mark.slow
def test_local_paths_are_written_relative_not_absolute(
    use_index: LocalIndex, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # pip-compile writes `-e file:///absolute/path`; the lock must not depend on the machine.
    tree = copy_fixture("local-path", tmp_path)
    monkeypatch.chdir(tree)
    assert run() == 0
    lock = (tree / "requirements.txt").read_text()
    assert "-e ./libs/tiny\n" in lock
    assert "file://" not in lock
    assert str(tmp_path) not in lock


def test_the_uv_binary_is_found_by_workers_that_ask_at_once() -> None:
    """Every compile worker asks for the uv binary as it starts; uv's ``find_uv_bin`` reads
    ``sysconfig``, whose first read is not thread-safe before Python 3.13 (a worker saw
    ``EXE`` as ``None`` and the run ended in a traceback). Run in a fresh interpreter, so the
    first read is the one the threads race for."""
    script = (
        "import threading\n"
        "from lockmigrate.resolve import uv_binary\n"
        "barrier = threading.Barrier(16)\n"
        "found, errors = [], []\n"
        "def ask():\n"
        "    barrier.wait()\n"
        "    try:\n"
        "        found.append(uv_binary())\n"
        "    except Exception as error:\n"
        "        errors.append(repr(error))\n"
        "threads = [threading.Thread(target=ask) for _ in range(16)]\n"
        "[t.start() for t in threads]\n"
        "[t.join() for t in threads]\n"
        "assert not errors, errors\n"
        "assert len(set(found)) == 1 and None not in found, found\n"
    )
    for _ in range(5):
        done = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stderr


def test_the_uv_binary_is_the_one_find_uv_bin_finds() -> None:
    """In a virtual environment, ``uv_binary`` looks in the environment's ``bin`` folder
    before importing ``sysconfig`` (2 ms of a warm diff): the answer must be the one uv's own
    ``find_uv_bin`` gives. Run in a fresh interpreter, so neither answer is cached."""
    pytest.importorskip("uv")
    script = (
        "import sys\n"
        "from lockmigrate.resolve import uv_binary\n"
        "found = uv_binary()\n"
        "assert 'sysconfig' not in sys.modules or sys.prefix == sys.base_prefix, found\n"
        "from uv import find_uv_bin\n"
        "assert found == str(find_uv_bin()), (found, find_uv_bin())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr


def test_the_uv_version_is_what_the_uv_binary_says() -> None:
    """``uv_version`` (the pre-commit hook's ``uv~=X.Y.Z``) reads the ``uv`` package's
    metadata; the binary that package installed must say the same."""
    pytest.importorskip("uv")
    from lockmigrate.resolve import uv_binary, uv_version

    found = uv_binary()
    assert found is not None
    said = subprocess.run([found, "--version"], capture_output=True, text=True, check=True)
    assert said.stdout.split()[:2] == ["uv", uv_version()]
