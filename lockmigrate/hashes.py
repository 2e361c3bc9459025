"""SHA-256 without loading OpenSSL.

``hashlib`` loads OpenSSL's libcrypto and lists every digest it provides before it answers
anything: about 3 ms of a run that only hashes a few small files (``check``'s digest path, a
warm ``diff`` reading its cached index pages). CPython's builtin SHA-256 gives the same
digests at once, for the small inputs hashed here at no loss of speed that matters.
"""

from __future__ import annotations

from typing import Protocol

__all__ = ["Hasher", "sha256", "sha256_hex"]


class Hasher(Protocol):
    def update(self, data: bytes, /) -> None: ...
    def hexdigest(self) -> str: ...


def sha256(data: bytes = b"") -> Hasher:
    """A SHA-256 hasher fed ``data``: CPython's builtin module (``_sha256``, ``_sha2`` from
    Python 3.12), else ``hashlib``'s (a build without the builtin one)."""
    try:
        from _sha256 import sha256 as builtin  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            from _sha2 import sha256 as builtin  # type: ignore[import-not-found,unused-ignore]
        except ImportError:
            from hashlib import sha256 as builtin
    hasher: Hasher = builtin(data)
    return hasher


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of ``data`` in hex."""
    return sha256(data).hexdigest()
