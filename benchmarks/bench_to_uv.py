"""How long ``lockmigrate to-uv --lock`` takes against running ``uv lock`` by hand (issue 17).

Input: ``examples/adr``, the decision record's three services (each a ``requirements-prod.txt``
and a ``requirements-dev.txt`` that starts with ``-r requirements-prod.txt``), resolved against
the real index. The machine's pip and uv configuration is kept out: every ``PIP_*``, ``UV_*``
and ``POETRY_*`` variable is dropped, ``PIP_CONFIG_FILE=/dev/null`` makes pip read no
``pip.conf``, and ``XDG_CONFIG_HOME`` points at an empty folder so that uv reads no user
``uv.toml``. Network proxies are left as they are.

Contenders, alternating within each round, each on a fresh copy of the input:

1. ``lockmigrate to-uv --lock COPY``: reads the requirement files, writes each service's
   ``pyproject.toml``, runs ``uv lock`` in each and compares its versions with the locks;
2. by hand: the ``pyproject.toml`` files lockmigrate writes (made once, before timing), then
   ``uv lock`` in each service folder, one after another, as a person would. The wall time of
   the whole loop is timed.

Both share one uv cache folder, filled by an untimed warm-up run of each, so both run warm.

Target (issue 17), on medians: lockmigrate at most 1.5x the hand loop. Every timed run is
checked: each service must end with a ``uv.lock``.

    python benchmarks/bench_to_uv.py [--rounds N] [--warmup N] [--keep DIR]

Exits 1 when the target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _harness import Contender, executable, report, time_alternating, verdict

REPO = Path(__file__).resolve().parent.parent
SOURCE = REPO / "examples" / "adr"
TARGET = 1.5  # lockmigrate median / hand median

LOCKMIGRATE = "lockmigrate to-uv --lock"
HAND = "by hand (uv lock x3)"


def _environment(scratch: Path) -> dict[str, str]:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PIP_", "UV_", "POETRY_")) and key != "PYTHONDONTWRITEBYTECODE"
    }
    config = scratch / "config"
    config.mkdir(exist_ok=True)
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "XDG_CONFIG_HOME": str(config),
            "UV_CACHE_DIR": str(scratch / "uv-cache"),
            "LOCKMIGRATE_CACHE_DIR": str(scratch / "lockmigrate-cache"),
        }
    )
    env.pop("VIRTUAL_ENV", None)
    return env


def _services(tree: Path) -> list[Path]:
    return sorted(p.parent for p in tree.glob("*/requirements-prod.txt"))


def _run(argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    done = subprocess.run(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, check=False
    )
    if done.returncode != 0:
        sys.exit(f"{' '.join(argv)} in {cwd} exited {done.returncode}:\n{done.stderr.decode()}")


def _checked(tree: Path) -> None:
    missing = [s.name for s in _services(tree) if not (s / "uv.lock").is_file()]
    if missing:
        sys.exit(f"no uv.lock in {', '.join(missing)} of {tree}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--keep", type=Path, help="work in this folder and keep it")
    arguments = parser.parse_args()

    scratch = arguments.keep or Path(tempfile.mkdtemp(prefix="bench-to-uv-"))
    scratch.mkdir(parents=True, exist_ok=True)
    env = _environment(scratch)
    lockmigrate = executable("lockmigrate")
    uv = executable("uv")

    # the files a person would lock by hand: lockmigrate's pyproject.toml files, made once
    template = scratch / "template" / SOURCE.name
    shutil.rmtree(template.parent, ignore_errors=True)
    shutil.copytree(SOURCE, template)
    _run([lockmigrate, "to-uv", "-q", str(template)], template, env)
    for service in _services(template):
        (service / "uv.lock").unlink(missing_ok=True)

    count = [0]

    def fresh(label: str, source: Path) -> Path:
        count[0] += 1
        target = scratch / "runs" / f"{count[0]:03d}-{label}" / SOURCE.name
        shutil.copytree(source, target)
        return target

    def ours() -> None:
        tree = fresh("lockmigrate", SOURCE)
        _run([lockmigrate, "to-uv", "--lock", "-q", str(tree)], tree, env)
        _checked(tree)
        shutil.rmtree(tree.parent)

    def by_hand() -> None:
        tree = fresh("hand", template)
        for service in _services(tree):
            _run([uv, "lock", "--quiet"], service, env)
        _checked(tree)
        shutil.rmtree(tree.parent)

    runs: list[tuple[str, Callable[[], None]]] = [(LOCKMIGRATE, ours), (HAND, by_hand)]
    contenders = [Contender(label=label, run=run) for label, run in runs]
    print(f"input: {SOURCE.relative_to(REPO)} (3 services), the real index, a warm uv cache")
    timings = time_alternating(contenders, rounds=arguments.rounds, warmup=arguments.warmup)
    medians = report(timings)
    ratio = medians[LOCKMIGRATE] / medians[HAND]
    ok = verdict(f"{LOCKMIGRATE} / {HAND} = {ratio:.2f}x (target <= {TARGET}x)", ok=ratio <= TARGET)
    if arguments.keep is None:
        shutil.rmtree(scratch, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
