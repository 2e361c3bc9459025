"""The digest of a lock's inputs that lockmigrate records in the lock's header, so that
``lockmigrate check`` can trust a lock without resolving again while its inputs are the
same bytes."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.hashes import sha256, sha256_hex
from lockmigrate.model.requirements import RequirementFile
from lockmigrate.paths import display_path

if TYPE_CHECKING:
    from lockmigrate.model.readers import ParseRequirements

__all__ = ["inputs_digest", "recorded_digest", "sha256_hex", "with_input_digest"]

_DIGEST_PREFIX = "# lockmigrate: inputs "
_DIGEST_RE = re.compile(r"^# lockmigrate: inputs (?P<digest>sha256:[0-9a-f]{64})", re.MULTILINE)


def inputs_digest(
    in_path: Path,
    in_content: bytes | None = None,
    *,
    parse: ParseRequirements,
    parsed: Callable[[Path], RequirementFile | None] | None = None,
) -> str:
    """A digest of a ``.in`` and every file it includes (``-r``/``-c``, recursively), so
    that ``lockmigrate check`` can tell a lock is fresh without resolving again.

    ``parse`` reads a requirements file (``lockmigrate.sources.requirements.parse_bytes``)
    to find its includes; ``parsed`` gives a file already read (``None`` when it was not),
    so that its includes need not be parsed again; the digest is of the bytes on disk
    either way."""

    digest = sha256()
    pending = [(in_path.absolute(), in_content)]
    seen: set[Path] = set()
    while pending:
        path, content = pending.pop()
        if path in seen:
            continue
        seen.add(path)
        data = content if content is not None else path.read_bytes()
        digest.update(path.name.encode() + b"\0" + data + b"\0")
        file = parsed(Path(os.path.abspath(path))) if parsed and content is None else None  # noqa: PTH100
        if file is None:  # a file the scan did not read: shown as every other, if it is bad
            file = parse(data, path=path, display=display_path(path))
        for include in file.includes:
            if include.resolved is not None and include.resolved.absolute().is_file():
                pending.append((include.resolved.absolute(), None))
    return "sha256:" + digest.hexdigest()


def recorded_digest(lock_text: str) -> str | None:
    """The input digest recorded in a lock's header, if lockmigrate wrote one."""
    match = _DIGEST_RE.search(lock_text)
    return match.group("digest") if match else None


def with_input_digest(text: str, digest: str) -> str:
    """``text`` with the digest line placed right after the resolver's header block."""
    lines = text.splitlines(keepends=True)
    lines = [line for line in lines if not line.startswith(_DIGEST_PREFIX)]
    end = 0
    while end < len(lines) and lines[end].startswith("#"):
        end += 1
    note = f"{_DIGEST_PREFIX}{digest} (lockmigrate check trusts this lock while it matches)\n"
    return "".join([*lines[:end], note, *lines[end:]])
