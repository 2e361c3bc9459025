"""How fast, and in how much memory, lockmigrate reads one very large requirements file.

Generates ``requirements.txt`` of about ``--mb`` megabytes (default 50) with the same mix of
lines as ``bench_scan.py`` (``~=``/``==`` ranges, extras, markers, comments, ``--hash``
continuations), then runs, each as a child process of its own:

- ``lockmigrate scan DIR --format json > /dev/null`` (the whole CLI);
- the reader alone: ``read_file`` of the file, its round trip checked line by line.

For each it reports the CPU time of the child (user + system, from ``os.wait4``), the
throughput in MB of input per CPU second, and the child's peak resident set size
(``ru_maxrss``) as a multiple of the file's size.

Targets (issue 14): at least 2 MB/s of CPU time, peak RSS within 10x the file size.

    python benchmarks/bench_big_file.py [--mb 50] [--keep DIR]

Exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from _harness import child_env, executable, verdict
from bench_scan import write_big_file

TARGET_MB_PER_SECOND = 2.0
TARGET_MEMORY_RATIO = 10.0
#: Bytes per generated line, to size the file (measured on the generator's mix).
_BYTES_PER_LINE = 52.4

_READER_ONLY = """
import hashlib, sys
from pathlib import Path
from lockmigrate.sources.requirements import read_file
path = Path(sys.argv[1])
expected = hashlib.sha256(path.read_bytes()).digest()
parsed = read_file(path)
# the round trip, checked a line at a time so that the check adds nothing to the peak
written = hashlib.sha256(parsed.layout.bom)
for line in parsed.physical_lines:
    written.update(line.encode(parsed.layout.codec))
assert written.digest() == expected, "not byte for byte"
"""


def run_child(argv: list[str]) -> tuple[float, int]:
    """CPU seconds and peak RSS in bytes of one child run that must exit 0 (``os.wait4``
    gives that child's own resource usage)."""
    with subprocess.Popen(
        argv,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env=child_env(),
    ) as child:
        assert child.stderr is not None
        errors = child.stderr.read()
        _, status, usage = os.wait4(child.pid, 0)
        child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode != 0:
        sys.exit(f"{argv} exited {child.returncode}:\n{errors.decode()}")
    # ru_maxrss is in KiB on Linux
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated file")
    parser.add_argument("--keep", type=Path, metavar="DIR", help="generate into DIR, keep it")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="lockmigrate-big-") as scratch:
        folder = options.keep if options.keep is not None else Path(scratch)
        path = folder / "big" / "requirements.txt"
        write_big_file(path, lines=int(options.mb * 1e6 / _BYTES_PER_LINE))
        size = path.stat().st_size
        print(f"generated {size / 1e6:.1f} MB in {path}; python {sys.version.split()[0]}")
        contenders = {
            "lockmigrate scan --format json": [
                executable("lockmigrate"), "scan", str(path.parent), "--format", "json",
            ],
            "reader only (read_file)": [sys.executable, "-c", _READER_ONLY, str(path)],
        }  # fmt: skip
        results = []
        for label, argv_of_label in contenders.items():
            cpu, peak = run_child(argv_of_label)
            speed = size / 1e6 / cpu
            ratio = peak / size
            print(f"{label}: {cpu:.1f} s CPU, {speed:.2f} MB/s, peak RSS {peak / 1e6:.0f} MB")
            results.append(verdict(f"{label}: {speed:.2f} MB/s", ok=speed >= TARGET_MB_PER_SECOND))
            results.append(
                verdict(f"{label}: peak RSS {ratio:.1f}x the file", ok=ratio <= TARGET_MEMORY_RATIO)
            )
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
