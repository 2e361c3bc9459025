"""Download the real numpy wheels that the NumPy ABI tests need into ``tests/.wheels/``.

The test run itself never reaches the internet, so the wheels are fetched beforehand, once:

* numpy 1.26.4, for its C headers (``numpy/core/include``): the tests compile an extension
  module against them, as a package built for NumPy 1.x would have been. The wheel for this
  Python and platform when PyPI has one (so a test can also install it), any CPython 3.11
  manylinux wheel otherwise (the headers are the same in every wheel);
* the newest numpy 2.x wheel for this Python and platform: its headers build the module that
  is built for NumPy 2, and the local test index serves it as the locked numpy.

Idempotent and quick when the wheels are there (no network then)::

    .venv/bin/python scripts/fetch_test_wheels.py            # into tests/.wheels/
    .venv/bin/python scripts/fetch_test_wheels.py --dest DIR

The machine's pip configuration (find-links, extra indexes, constraints) is not used: pip runs
with ``PIP_CONFIG_FILE=/dev/null`` and no ``PIP_*`` variable but the proxy and certificate ones.
Exits 0 when both wheels are present afterwards, 1 otherwise (pip's output says why).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import zipfile
from pathlib import Path

try:
    from packaging.tags import sys_tags
    from packaging.utils import parse_wheel_filename
    from packaging.version import Version
except ImportError:  # run by a bare python3 before the dev venv exists (.ci/run): pip's copy
    from pip._vendor.packaging.tags import sys_tags  # type: ignore[no-redef]
    from pip._vendor.packaging.utils import parse_wheel_filename  # type: ignore[no-redef]
    from pip._vendor.packaging.version import Version  # type: ignore[no-redef]

DEFAULT_DEST = Path(__file__).resolve().parent.parent / "tests" / ".wheels"
NUMPY_1 = "1.26.4"
NUMPY_2 = "numpy>=2,<3"
#: Where numpy 1.26.4's headers come from when this platform has no 1.26.4 wheel (Python 3.13+).
FALLBACK_TARGET = ("--python-version", "3.11", "--platform", "manylinux2014_x86_64")
#: pip settings that describe the network (a proxy, a CA bundle), kept; every other PIP_ one goes.
_KEPT = {"PIP_CERT", "PIP_PROXY", "PIP_DEFAULT_TIMEOUT", "PIP_TRUSTED_HOST"}


def _pip_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PIP_") or k in _KEPT}
    env.update(
        {"PIP_CONFIG_FILE": os.devnull, "PIP_DISABLE_PIP_VERSION_CHECK": "1", "PIP_NO_INPUT": "1"}
    )
    return env


def _installable_here(wheel: Path) -> bool:
    here = set(sys_tags())
    _, _, _, tags = parse_wheel_filename(wheel.name)
    return not here.isdisjoint(tags)


def _valid(wheel: Path) -> bool:
    try:
        with zipfile.ZipFile(wheel) as archive:
            return archive.testzip() is None
    except (OSError, zipfile.BadZipFile):
        return False


def _numpy_wheels(dest: Path) -> list[tuple[Version, Path]]:
    found = []
    for wheel in sorted(dest.glob("numpy-*.whl")):
        _, version, _, _ = parse_wheel_filename(wheel.name)
        found.append((version, wheel))
    return found


def numpy_1(dest: Path) -> Path | None:
    """The numpy 1.26.4 wheel in ``dest``: one installable here first, else any."""
    candidates = [w for v, w in _numpy_wheels(dest) if v == Version(NUMPY_1)]
    return next((w for w in candidates if _installable_here(w)), next(iter(candidates), None))


def numpy_2(dest: Path) -> Path | None:
    """The newest numpy 2.x wheel in ``dest`` that installs on this Python and platform."""
    candidates = [(v, w) for v, w in _numpy_wheels(dest) if v.major == 2 and _installable_here(w)]
    return max(candidates, default=(None, None))[1]


def _download(dest: Path, requirement: str, *target: str) -> bool:
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--only-binary", ":all:", "--dest", str(dest), *target, requirement,
    ]  # fmt: skip
    sys.stdout.write(f"$ {' '.join(command[2:])}\n")
    sys.stdout.flush()
    done = subprocess.run(command, check=False, env=_pip_env(), stdin=subprocess.DEVNULL)
    return done.returncode == 0


def fetch(dest: Path) -> int:
    """Download what is missing from ``dest``; 0 when both wheels are there afterwards."""
    dest.mkdir(parents=True, exist_ok=True)
    for wheel in dest.glob("*.whl"):
        if not _valid(wheel):  # a download cut short: fetch it again
            wheel.unlink()
    if numpy_1(dest) is None and not _download(dest, f"numpy=={NUMPY_1}"):
        _download(dest, f"numpy=={NUMPY_1}", *FALLBACK_TARGET)
    if numpy_2(dest) is None:
        _download(dest, NUMPY_2)
    one, two = numpy_1(dest), numpy_2(dest)
    for label, wheel in (("numpy 1.x headers", one), ("numpy 2.x", two)):
        sys.stdout.write(f"{label}: {wheel.name if wheel else 'MISSING'}\n")
    return 0 if one is not None and two is not None else 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.partition("\n")[0])
    parser.add_argument("--dest", type=Path, default=DEFAULT_DEST, help="default: tests/.wheels")
    return fetch(parser.parse_args(argv).dest)


if __name__ == "__main__":
    raise SystemExit(main())
