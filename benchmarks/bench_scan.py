"""How long ``lockmigrate scan`` takes on a large file and on a large tree.

Generates, in a temporary folder:

- ``big/requirements.txt``: 10,000 lines mixing ``~=`` and ``==`` ranges, extras, environment
  markers, comments, blank lines and ``--hash`` continuation lines;
- ``tree/``: 500 requirement files in 100 service folders (10 teams x 10 services), each
  service with prod, dev (``-r`` prod), test (``-r`` dev), docs (``-r`` prod) and a
  constraints file that prod pulls in with ``-c``.

and times, for each, the full CLI (``lockmigrate scan PATH --format json > /dev/null``, a
subprocess) and the in-process ``lockmigrate.api.scan([PATH])``. Then, on the big file, the
default table against JSON (``lockmigrate scan big/`` piped, and on a pseudo-terminal 120
columns wide, coloured), comparing the CPU time of each process (user + system), since that
is what the table's rendering adds.

Targets: every median under 0.5 s (issue 2); the table's median CPU at most 1.5x JSON's
(issue 13).

    python benchmarks/bench_scan.py [--rounds 10] [--warmup 1] [--keep DIR] [--only table]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import random
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from _harness import (
    Contender,
    child_env,
    command,
    executable,
    report,
    time_alternating,
    time_alternating_cpu,
    verdict,
)

TARGET_SECONDS = 0.5
TARGET_TABLE_CPU_RATIO = 1.5
BIG_FILE_LINES = 10_000
TEAMS = 10
SERVICES_PER_TEAM = 10

_REAL_NAMES = (
    "numpy", "pandas", "scikit-learn", "scipy", "xgboost", "lightgbm", "shap", "joblib",
    "fastapi", "uvicorn", "pydantic", "requests", "httpx", "pyarrow", "duckdb", "sqlalchemy",
    "alembic", "celery", "redis", "boto3", "click", "rich", "typer", "jinja2", "pyyaml",
)  # fmt: skip
_MARKERS = (
    'python_version < "3.12"',
    'sys_platform == "linux"',
    'platform_machine == "x86_64" and python_version >= "3.10"',
    'os_name != "nt"',
    'implementation_name == "cpython" or python_version >= "3.13"',
)


def _version(rng: random.Random, parts: int) -> str:
    return ".".join(str(rng.randint(0, 30)) for _ in range(parts))


def _hash(text: str) -> str:
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


def _requirement_lines(name: str, rng: random.Random) -> list[str]:
    """One requirement: one line, or three when it carries two ``--hash`` continuations."""
    kind = rng.random()
    if kind < 0.30:
        return [f"{name}~={_version(rng, 3)}  # allows {name} bug fixes only"]
    if kind < 0.45:
        return [f"{name}~={_version(rng, 2)}"]
    if kind < 0.60:
        return [f"{name}=={_version(rng, 3)}"]
    if kind < 0.72:
        return [f"{name}~={_version(rng, 2)}; {rng.choice(_MARKERS)}"]
    if kind < 0.80:
        return [f"{name}[extra-{rng.randint(1, 3)}]~={_version(rng, 3)}  # with an extra"]
    pinned = f"{name}=={_version(rng, 3)}"
    return [
        f"{pinned} \\",
        f"    --hash={_hash(pinned + 'wheel')} \\",
        f"    --hash={_hash(pinned + 'sdist')}",
    ]


def write_big_file(path: Path, *, lines: int = BIG_FILE_LINES, seed: int = 2) -> None:
    """Exactly ``lines`` lines of requirements, comments and blank lines."""
    # Seeded, so every run times the same files; nothing here is a secret.
    rng = random.Random(seed)  # noqa: S311
    out = ["# A generated requirements file for bench_scan.py", ""]
    index = 0
    while len(out) < lines:
        roll = rng.random()
        if roll < 0.04:
            out.append(f"# --- section {len(out)} ---")
        elif roll < 0.06:
            out.append("")
        else:
            index += 1
            chunk = _requirement_lines(f"package-{index:05d}", rng)
            if len(out) + len(chunk) > lines:
                chunk = [f"package-{index:05d}~=1.0"]
            out.extend(chunk)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def write_tree(root: Path, *, seed: int = 3) -> int:
    """100 services of 5 files each under ``root``; returns the number of files written."""
    # Seeded, so every run times the same files; nothing here is a secret.
    rng = random.Random(seed)  # noqa: S311
    written = 0

    def write(path: Path, header: list[str], names: list[str]) -> None:
        nonlocal written
        body = [line for name in names for line in _requirement_lines(name, rng)]
        path.write_text("\n".join([*header, *body]) + "\n", encoding="utf-8")
        written += 1

    for team in range(TEAMS):
        for service in range(SERVICES_PER_TEAM):
            folder = root / "services" / f"team-{team:02d}" / f"svc-{service:02d}"
            folder.mkdir(parents=True, exist_ok=True)
            names = rng.sample(_REAL_NAMES, 15)
            pins = [f"{name}=={_version(rng, 3)}" for name in names[:10]]
            (folder / "constraints.txt").write_text("\n".join(pins) + "\n", encoding="utf-8")
            written += 1
            write(
                folder / "requirements-prod.txt",
                [f"# team {team} service {service}", "-c constraints.txt"],
                names,
            )
            write(
                folder / "requirements-dev.txt",
                ["-r requirements-prod.txt"],
                [f"dev-tool-{n}" for n in range(8)],
            )
            write(
                folder / "requirements-test.txt",
                ["-r requirements-dev.txt"],
                [f"test-tool-{n}" for n in range(5)],
            )
            write(
                folder / "requirements-docs.txt",
                ["-r requirements-prod.txt"],
                [f"docs-tool-{n}" for n in range(4)],
            )
    return written


def _check_cli_output(lockmigrate: str, path: Path) -> str:
    """One untimed run whose JSON is read back, so the timings are of a scan that worked."""
    completed = subprocess.run(
        [lockmigrate, "scan", str(path), "--format", "json"],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=child_env(),
        check=False,
    )
    if completed.returncode != 0:
        sys.exit(f"lockmigrate scan {path} exited {completed.returncode}:\n{completed.stderr}")
    document = json.loads(completed.stdout)
    return f"{len(completed.stdout):,} bytes of JSON" + _summary(document)


def _summary(document: object) -> str:
    if isinstance(document, dict):
        counts = [
            f"{key}={len(value)}" for key, value in document.items() if isinstance(value, list)
        ]
        return f" ({', '.join(counts)})" if counts else ""
    return ""


def _in_process(path: Path) -> Contender | None:
    try:
        from lockmigrate import api
    except ImportError:
        return None
    scan = getattr(api, "scan", None)
    if scan is None:
        return None
    return Contender(label=f"api.scan {path.name}/", run=lambda: scan([path]))


def _on_a_terminal(argv: list[str], *, columns: int = 120) -> Callable[[], None]:
    """A run of ``argv`` with its standard output on a pseudo-terminal ``columns`` wide (so
    the table is coloured and fitted as a person sees it), read and thrown away."""
    import fcntl
    import pty
    import struct
    import termios
    import threading

    env = child_env()
    env.pop("NO_COLOR", None)

    def run() -> None:
        controller, terminal = pty.openpty()
        fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))

        def drain() -> None:
            with contextlib.suppress(OSError):  # EIO once the child has closed its end
                while os.read(controller, 65536):
                    pass

        reader = threading.Thread(target=drain)
        reader.start()
        try:
            done = subprocess.run(
                argv, stdin=subprocess.DEVNULL, stdout=terminal, stderr=subprocess.PIPE,
                env=env, check=False,
            )  # fmt: skip
        finally:
            os.close(terminal)
            reader.join()
            os.close(controller)
        if done.returncode != 0:
            sys.exit(f"{' '.join(argv)} exited {done.returncode}:\n{done.stderr.decode()}")

    return run


def _table_against_json(lockmigrate: str, big: Path, *, rounds: int, warmup: int) -> bool:
    """The default table and JSON on the big file: wall and CPU medians, and the target."""
    scan = [lockmigrate, "scan", str(big)]
    contenders = [
        Contender(label="scan big/ --format json", run=command([*scan, "--format", "json"])),
        Contender(label="scan big/ (table, piped)", run=command(scan)),
        Contender(label="scan big/ (table, terminal)", run=_on_a_terminal(scan)),
    ]
    print(f"\ntable against json on {big.name}/; {rounds} alternating rounds")
    wall, cpu = time_alternating_cpu(contenders, rounds=rounds, warmup=warmup)
    print("wall clock:")
    report(wall)
    print("CPU of the process (user + system):")
    medians = report(cpu)
    baseline = medians[contenders[0].label]
    print(f"\nCPU ratios to json (target <= {TARGET_TABLE_CPU_RATIO}x):")
    results = [
        verdict(
            f"{contender.label}: {medians[contender.label] / baseline:.2f}x",
            ok=medians[contender.label] <= TARGET_TABLE_CPU_RATIO * baseline,
        )
        for contender in contenders[1:]
    ]
    return all(results)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=10, help="timed runs of each contender")
    parser.add_argument("--warmup", type=int, default=1, help="untimed runs of each first")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate into DIR, keep it")
    parser.add_argument(
        "--only", choices=["table"], help="table: only the table against JSON on the big file"
    )
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lockmigrate-bench-") as scratch:
        work = options.keep if options.keep is not None else Path(scratch)
        big, tree = work / "big", work / "tree"
        write_big_file(big / "requirements.txt")
        files = write_tree(tree)
        print(f"generated {BIG_FILE_LINES:,} lines in {big / 'requirements.txt'}")
        print(f"generated {files} files in {TEAMS * SERVICES_PER_TEAM} services under {tree}")

        lockmigrate = executable("lockmigrate")
        table_ok = _table_against_json(
            lockmigrate, big, rounds=options.rounds, warmup=options.warmup
        )
        if options.only == "table":
            return 0 if table_ok else 1
        contenders: list[Contender] = []
        for path in (big, tree):
            print(f"check: lockmigrate scan {path.name}/ -> {_check_cli_output(lockmigrate, path)}")
            contenders.append(
                Contender(
                    label=f"lockmigrate scan {path.name}/ --format json",
                    run=command([lockmigrate, "scan", str(path), "--format", "json"]),
                )
            )
            in_process = _in_process(path)
            if in_process is None:
                print("lockmigrate.api.scan not importable here: timing the CLI only")
            else:
                contenders.append(in_process)

        print(f"\npython {sys.version.split()[0]}; {options.rounds} alternating rounds")
        medians = report(time_alternating(contenders, rounds=options.rounds, warmup=options.warmup))

    print(f"\ntarget: median < {TARGET_SECONDS}s each")
    results = [
        verdict(f"{label}: {median:.3f}s", ok=median < TARGET_SECONDS)
        for label, median in medians.items()
    ]
    return 0 if all(results) and table_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
