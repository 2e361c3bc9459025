"""Hostile lines: the reader stays linear and fails only with InputError.

pip's own regular expressions (``(^|\\s+)#.*$`` for comments, ``^(.+)(\\[[^\\]]+\\])$`` for
a path's extras) and its token loop backtrack or copy quadratically on long runs of blanks,
tokens or brackets; the reader finds the same answers in one pass. Each shape below is about
200,000 characters on one line: quadratic work would take minutes, linear work milliseconds.
"""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest

from lockmigrate.errors import InputError
from lockmigrate.sources.requirements import parse_bytes

SIZE = 200_000
SHAPES: dict[str, bytes] = {
    "blanks-before-a-hash-that-is-no-comment": b"a" + b" " * SIZE + b"b#c\n",
    "blanks-and-no-hash": b"a" + b" " * SIZE + b"b\n",
    "many-empty-tokens-before-an-option": b"a " + b" " * SIZE + b"--pre\n",
    "a-run-of-brackets": b"./x" + b"[" * SIZE + b"\n",
    "a-long-name": b"a" * SIZE + b"\n",
    "continuations": b"a\\\n" * (SIZE // 3) + b"\n",
    "many-hashes": b"a==1" + b" --hash=sha256:" + b"b" * 64 * (SIZE // 80) + b"\n",
    "a-long-url": b"a @ https://h/" + b"x" * SIZE + b"\n",
    "many-extras": b"a[" + b"x," * (SIZE // 2) + b"]\n",
    "semicolons": b"a" + b";" * SIZE + b"\n",
    "a-long-quoted-option": b"-i '" + b"x" * SIZE + b"'\n",
    "a-path-longer-than-the-system-allows": b"./" + b"x" * 5000 + b"\n",
}


@pytest.mark.parametrize("shape", list(SHAPES))
def test_hostile_line_is_read_in_linear_time(shape: str, tmp_path: Path) -> None:
    started = time.process_time()
    with contextlib.suppress(InputError):
        parse_bytes(SHAPES[shape], path=tmp_path / "requirements.txt")
    assert time.process_time() - started < 3.0
