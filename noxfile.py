"""nox sessions: the test suite on every CPython lockmigrate supports, the linters, the
documentation, and the built wheel installed into a fresh virtual environment.

    nox -s tests-3.10            # the whole suite on one Python
    nox -s tests -- -m "not slow" # the fast subset on every Python found
    nox -s lint docs wheel        # linters, the docs build, the wheel in a fresh venv

A Python that is not installed is skipped with a message, not a failure. ``.ci/run`` runs
the README's test command first, then these sessions (see its comments for which).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

import nox

#: Every CPython still maintained: what ``requires-python`` and the classifiers promise.
PYTHONS = ["3.10", "3.11", "3.12", "3.13", "3.14"]
FLOOR = PYTHONS[0]

nox.options.error_on_missing_interpreters = False  # a Python the machine lacks is skipped
nox.options.default_venv_backend = "uv|virtualenv"  # uv when present: installs in seconds
nox.options.sessions = ["tests", "lint", "docs", "wheel"]

ROOT = Path(__file__).parent


@nox.session(python=PYTHONS)
def tests(session: nox.Session) -> None:
    """The test suite; arguments after ``--`` go to pytest (default ``-n auto``)."""
    session.install("-e", ".[dev]")
    # The real numpy wheels the ABI tests compile against (tests/.wheels/, once per Python);
    # without them (no network) those tests skip, saying so, and the rest still run.
    session.run("python", "scripts/fetch_test_wheels.py", success_codes=[0, 1])
    session.run("python", "-m", "pytest", *(session.posargs or ["-n", "auto"]))


@nox.session(python=FLOOR)
def lint(session: nox.Session) -> None:
    """ruff, ruff format and mypy --strict, on the floor Python (mypy checks the 3.10 branches)."""
    session.install("-e", ".[dev]")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")
    session.run("mypy", "--strict", "lockmigrate")


@nox.session(python=FLOOR)
def docs(session: nox.Session) -> None:
    """The documentation site, strictly: a broken link or a page missing from nav fails."""
    session.install("-e", ".[dev]")
    with tempfile.TemporaryDirectory() as site:
        session.run("mkdocs", "build", "--strict", "--site-dir", site)


@nox.session(python=FLOOR)
def wheel(session: nox.Session) -> None:
    """``python -m build``, then the wheel alone in a fresh venv of the floor Python:
    ``lockmigrate --version`` and a ``scan`` of the bundled example."""
    session.install("build")
    with tempfile.TemporaryDirectory() as scratch:
        dist = Path(scratch) / "dist"
        session.run("python", "-m", "build", "--wheel", "--outdir", str(dist), str(ROOT))
        (built,) = dist.glob("lockmigrate-*.whl")
        venv = Path(scratch) / "venv"
        session.run("python", "-m", "venv", str(venv))
        bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
        session.run(
            str(bin_dir / "python"), "-m", "pip", "install", "-q", str(built), external=True
        )
        lockmigrate = shutil.which("lockmigrate", path=str(bin_dir))
        if lockmigrate is None:
            session.error(f"the wheel installed no lockmigrate script into {bin_dir}")
        session.run(lockmigrate, "--version", external=True)
        session.run(lockmigrate, "scan", str(ROOT / "examples" / "adr"), external=True)
