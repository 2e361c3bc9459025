"""The line every command ends with on standard error (``lockmigrate: 3 services, 6 locks
compiled, 12 files written (31.0 s)``): found, and taken out of what a test compares."""

from __future__ import annotations

import re

__all__ = ["SUMMARY", "summary_line", "without_summary"]

SUMMARY = re.compile(r"^lockmigrate: (?P<parts>.*) \((?P<seconds>[0-9]+\.[0-9]) s\)$", re.M)


def summary_line(stderr: str) -> str:
    """The summary's parts (without the time); fails when the last line is not one."""
    last = stderr.rstrip("\n").rpartition("\n")[2]
    match = SUMMARY.fullmatch(last)
    assert match is not None, stderr
    return match["parts"]


def without_summary(stderr: str) -> str:
    """``stderr`` without the summary line, and with the time of any summary line hidden."""
    lines = stderr.splitlines(keepends=True)
    return "".join(line for line in lines if not SUMMARY.fullmatch(line.rstrip("\n")))
