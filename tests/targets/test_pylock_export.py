"""``to-pip-tools --also-pylock``: a PEP 751 ``pylock.NAME.toml`` beside each lock, exported
by the real uv from the lock's pins against the local index, valid for ``packaging`` and
installable by ``uv pip install``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from index.server import LocalIndex

from lockmigrate.cli import main
from lockmigrate.resolve.uv import uv_binary
from lockmigrate.sources.locks.read import read_lock
from lockmigrate.targets.pylock import pylock_path_for

pytestmark = pytest.mark.skipif(uv_binary() is None, reason="uv is not installed (dev extra)")

PROD = "numpy~=1.26.4        # allows 1.26.x, blocks 2.x\npandas~=2.2.3\n"
DEV = "-r requirements-prod.txt\npytest~=8.0\n"


@pytest.mark.parametrize(
    ("lock", "pylock"),
    [
        ("requirements.txt", "pylock.toml"),
        ("requirements-prod.txt", "pylock.prod.toml"),
        ("requirements_dev.txt", "pylock.dev.toml"),
        ("requirements/test.txt", "requirements/pylock.test.toml"),
        ("requirements/py3.11.txt", "requirements/pylock.py3-11.toml"),
        ("constraints.txt", "pylock.constraints.toml"),
    ],
)
def test_the_pylock_beside_each_lock(lock: str, pylock: str) -> None:
    assert pylock_path_for(Path(lock)) == Path(pylock)


def pins(path: Path) -> dict[str, str]:
    """A pylock.toml's versions by name, after packaging validates it."""
    import tomlkit
    from packaging.pylock import Pylock

    document = Pylock.from_dict(tomlkit.parse(path.read_text(encoding="utf-8")).unwrap())
    return {str(p.name): str(p.version) for p in document.packages}


@pytest.mark.slow
def test_each_lock_gets_a_valid_pylock_with_its_pins_and_hashes(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements-prod.txt").write_text(PROD)
    (tree / "requirements-dev.txt").write_text(DEV)
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools", "--resolver", "uv", "--also-pylock"]) == 0

    for name in ("prod", "dev"):
        lock = read_lock(tree / f"requirements-{name}.txt")
        exported = tree / f"pylock.{name}.toml"
        text = exported.read_text(encoding="utf-8")
        assert text.startswith(
            f"# PEP 751 lock exported by lockmigrate from requirements-{name}.txt"
        )
        assert pins(exported) == {p.name: p.version for p in lock.packages}
        assert use_index.url.split("/simple")[0] in text  # the local index's files
    numpy = use_index.wheel("numpy", "1.26.9")
    assert numpy.sha256 in (tree / "pylock.prod.toml").read_text(encoding="utf-8")

    # a second run changes nothing
    before = {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()}
    assert main(["to-pip-tools", "--resolver", "uv", "--also-pylock"]) == 0
    assert {p.name: p.read_bytes() for p in tree.iterdir() if p.is_file()} == before

    # check holds the pylock to its lock
    assert main(["check"]) == 0
    exported = tree / "pylock.prod.toml"
    exported.write_text(exported.read_text(encoding="utf-8").replace("1.26.9", "1.26.4"))
    capsys.readouterr()
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert "pylock.prod.toml:1: pylock.prod.toml no longer pins what requirements-prod.txt" in out
    assert "numpy 1.26.4 (lock: 1.26.9)" in out
    assert "[pylock-stale]" in out
    exported.write_bytes(before["pylock.prod.toml"])

    # and uv installs exactly those pins from it
    uv = uv_binary()
    assert uv is not None
    venv = tmp_path / "venv"
    env = use_index.env(cache_dir=tmp_path / "cache")
    subprocess.run(
        [uv, "venv", "--quiet", "--python", sys.executable, str(venv)],
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(venv), "-r", "pylock.prod.toml"],
        cwd=tree,
        env=env,
        check=True,
        stdin=subprocess.DEVNULL,
    )
    listed = subprocess.run(
        [uv, "pip", "freeze", "--python", str(venv)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    ).stdout.split()
    assert sorted(listed) == sorted(f"{n}=={v}" for n, v in pins(tree / "pylock.prod.toml").items())


@pytest.mark.slow
def test_dry_run_shows_the_pylock_and_credentials_stay_out(
    local_index_factory: object,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from index.catalog import DEFAULT_CATALOG

    served = local_index_factory(DEFAULT_CATALOG, auth=("me", "s3cret-token"))  # type: ignore[operator]
    for key, value in served.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("INDEX_TOKEN", "s3cret-token")
    url = served.url.replace("http://", "http://me:${INDEX_TOKEN}@")
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements.txt").write_text(f"--index-url {url}\nnumpy~=1.26.4\n")
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools", "--resolver", "uv", "--also-pylock", "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "+++ b/pylock.toml" in out or "pylock.toml" in out
    assert not (tree / "pylock.toml").exists()
    assert "s3cret" not in out

    assert main(["to-pip-tools", "--resolver", "uv", "--also-pylock"]) == 0
    written = (tree / "pylock.toml").read_text(encoding="utf-8")
    assert "s3cret" not in written
    assert "${INDEX_TOKEN}" not in written
    assert pins(tree / "pylock.toml") == {"numpy": "1.26.9"}


@pytest.mark.slow
def test_a_lock_with_an_editable_gets_no_pylock_and_a_warning(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = tmp_path / "svc"
    (tree / "lib").mkdir(parents=True)
    (tree / "lib" / "pyproject.toml").write_text(
        '[build-system]\nrequires = []\nbuild-backend = "backend"\nbackend-path = ["."]\n'
        '[project]\nname = "lib"\nversion = "0.1"\n'
    )
    (tree / "lib" / "backend.py").write_text(BACKEND)
    (tree / "requirements.txt").write_text("-e ./lib\nnumpy~=1.26.4\n")
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools", "--resolver", "uv", "--also-pylock"]) == 0
    err = capsys.readouterr().err
    assert "requirements.txt holds editable or local-path requirements" in err
    assert "[pylock-skipped]" in err
    assert not (tree / "pylock.toml").exists()


#: A PEP 517 backend of a few lines that builds an editable wheel of an empty package: uv
#: needs it to read the editable's metadata, and nothing here may be downloaded.
BACKEND = """
import base64, hashlib, os, zipfile

NAME, VERSION = "lib", "0.1"
DIST = f"{NAME}-{VERSION}.dist-info"


def _metadata():
    return f"Metadata-Version: 2.1\\nName: {NAME}\\nVersion: {VERSION}\\n"


def _wheel(directory):
    path = os.path.join(directory, f"{NAME}-{VERSION}-py3-none-any.whl")
    files = {
        f"{DIST}/METADATA": _metadata(),
        f"{DIST}/WHEEL": (
            "Wheel-Version: 1.0\\nGenerator: t\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n"
        ),
    }
    record = []
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
            digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
            record.append(f"{name},sha256={digest.decode()},{len(text)}")
        record.append(f"{DIST}/RECORD,,")
        archive.writestr(f"{DIST}/RECORD", "\\n".join(record) + "\\n")
    return os.path.basename(path)


def prepare_metadata_for_build_wheel(directory, config_settings=None):
    os.makedirs(os.path.join(directory, DIST), exist_ok=True)
    with open(os.path.join(directory, DIST, "METADATA"), "w") as handle:
        handle.write(_metadata())
    return DIST


prepare_metadata_for_build_editable = prepare_metadata_for_build_wheel


def build_wheel(directory, config_settings=None, metadata_directory=None):
    return _wheel(directory)


build_editable = build_wheel


def get_requires_for_build_wheel(config_settings=None):
    return []


get_requires_for_build_editable = get_requires_for_build_wheel
"""


@pytest.mark.slow
@pytest.mark.skipif(sys.version_info.micro == 0, reason="needs a Python X.Y.Z with Z > 0")
def test_a_pin_that_needs_a_newer_patch_release_raises_the_floor(
    local_index_factory: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lock for 3.11 that pins a release needing 3.11.5 (instructlab's soupsieve 4.1.4):
    uv refuses ``--python-version 3.11``, so the floor is raised to what the pin needs."""
    from index.catalog import DEFAULT_CATALOG, Release

    here = ".".join(str(part) for part in sys.version_info[:3])
    picky = Release(name="picky", version="1.0", requires_python=f">={here}")
    served = local_index_factory([*DEFAULT_CATALOG, picky])  # type: ignore[operator]
    for key, value in served.env(cache_dir=tmp_path / "cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    tree = tmp_path / "svc"
    tree.mkdir()
    (tree / "requirements.txt").write_text("picky~=1.0\n")
    monkeypatch.chdir(tree)

    assert main(["to-pip-tools", "--resolver", "uv", "--also-pylock"]) == 0

    assert pins(tree / "pylock.toml") == {"picky": "1.0"}
    assert f'requires-python = ">={here}"' in (tree / "pylock.toml").read_text(encoding="utf-8")
