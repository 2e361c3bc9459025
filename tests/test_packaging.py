"""The built wheel ships the templates inside the package and finds them once installed.

``templates/`` sits at the repository root and hatchling force-includes it as
``lockmigrate/templates``. A source checkout or editable install reads the root copy through
the fallback in ``lockmigrate.resources``, so only a real wheel in a real venv shows whether
the packaged copy is there and is the one being read.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

TEMPLATE = "generated-header.txt"


def test_pip_sees_none_of_the_machine_configuration() -> None:
    """conftest.py scrubbed PIP_*/UV_* and pointed pip at no configuration file at all."""
    assert "PIP_FIND_LINKS" not in os.environ
    assert "PIP_INDEX_URL" not in os.environ
    assert "PIP_EXTRA_INDEX_URL" not in os.environ
    assert os.environ["PIP_CONFIG_FILE"] == os.devnull

    listed = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        env=os.environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "find-links" not in listed
    assert "extra-index-url" not in listed
    assert "index-url" not in listed


def _run(argv: list[str], *, cwd: Path) -> str:
    completed = subprocess.run(
        argv,
        cwd=cwd,
        env=os.environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, (
        f"{argv} exited {completed.returncode}\n"
        f"--- stdout\n{completed.stdout}\n--- stderr\n{completed.stderr}"
    )
    return completed.stdout


# Runs in the fresh venv with -I (no cwd, no PYTHONPATH, no user site on sys.path).
_PROBE = """
import importlib.resources, json, sysconfig
import lockmigrate, lockmigrate.resources
from lockmigrate.resources import read_template, templates_root
print(json.dumps({
    "text": read_template(%r),
    "package_file": lockmigrate.__file__,
    "package_files": str(importlib.resources.files("lockmigrate")),
    "templates_root": str(templates_root()),
    "purelib": sysconfig.get_paths()["purelib"],
}))
"""


@pytest.mark.slow
def test_wheel_ships_templates_inside_the_package(repo_root: Path, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    # --no-isolation: build with the hatchling of the dev environment, offline and fast.
    _run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(dist), "."],
        cwd=repo_root,
    )
    (wheel,) = dist.glob("lockmigrate-*.whl")

    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert f"lockmigrate/templates/{TEMPLATE}" in names
    assert not [name for name in names if name.startswith("templates/")]

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)], cwd=tmp_path)
    venv_python = str(venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python"))
    install = ["install", "--quiet", "--no-deps", "--no-index", str(wheel)]
    _run([sys.executable, "-m", "pip", "--python", venv_python, *install], cwd=tmp_path)

    purelib_of_venv = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    venv_purelib = Path(_run([venv_python, "-I", "-c", purelib_of_venv], cwd=tmp_path).strip())
    # The wheel went in without its dependencies; let the venv import them from the dev
    # environment, *after* its own site-packages so the installed lockmigrate wins.
    dev_purelib = sysconfig.get_paths()["purelib"]
    (venv_purelib / "zz_dev_dependencies.pth").write_text(dev_purelib + "\n", encoding="utf-8")

    probe = json.loads(_run([venv_python, "-I", "-c", _PROBE % TEMPLATE], cwd=tmp_path))

    assert probe["text"] == (repo_root / "templates" / TEMPLATE).read_text(encoding="utf-8")
    assert Path(probe["purelib"]) == venv_purelib
    assert Path(probe["package_file"]).is_relative_to(venv_purelib)
    assert Path(probe["package_files"]).is_relative_to(venv_purelib)
    assert Path(probe["templates_root"]) == venv_purelib / "lockmigrate" / "templates"
    assert not (venv_purelib / "templates").exists()
