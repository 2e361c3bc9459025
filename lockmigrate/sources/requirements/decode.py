"""Step 1 of pip's reading of a requirements file: bytes to text.

pip's ``auto_decode``: a byte-order mark, else a PEP 263 ``coding:`` comment in the first two
lines, else UTF-8. The :class:`~lockmigrate.model.requirements.TextLayout` returned with the
text says how to encode it back to the same bytes.
"""

from __future__ import annotations

import codecs
import dataclasses
import re
import sys

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin, TextLayout

__all__ = ["LINE_BREAKS", "decode"]

PEP263_ENCODING_RE = re.compile(rb"coding[:=]\s*([-\w.]+)")


# pip's table, in pip's order: the UTF-16 LE BOM is a prefix of the UTF-32 LE one, and the
# machine's native-order BOMs (codecs.BOM_UTF32, codecs.BOM_UTF16) come first, decoded with
# the BOM-sniffing "utf-32"/"utf-16" codecs (see _split_bom).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# A declared codec that would write a BOM of its own when re-encoding, replaced by the codec
# that decodes the same text without one (the data starts with '#', so it has no BOM).
_DECLARED_CODECS: dict[str, str] = {
    "utf-8-sig": "utf-8",
    "utf-16": "utf-16-le" if sys.byteorder == "little" else "utf-16-be",
    "utf-32": "utf-32-le" if sys.byteorder == "little" else "utf-32-be",
}
# The explicit-endian codec of each UTF-16/32 BOM, so that re-encoding writes the same bytes.
_BOM_CODECS: dict[bytes, str] = {
    codecs.BOM_UTF32_BE: "utf-32-be",
    codecs.BOM_UTF32_LE: "utf-32-le",
    codecs.BOM_UTF16_BE: "utf-16-be",
    codecs.BOM_UTF16_LE: "utf-16-le",
}


def _split_bom(data: bytes) -> tuple[bytes, str]:
    """``(bom, codec)`` as pip picks them, with ``codec`` explicit-endian; ``(b"", "")``
    when the data starts with no BOM.

    pip decodes the body after a native-order BOM with ``"utf-16"``/``"utf-32"``, which
    swallow a second BOM at the start of the body and take their byte order from it; that
    second BOM then belongs to ``bom`` too.
    """
    for candidate, name in _BOMS:
        if not data.startswith(candidate):
            continue
        if name == "utf-8":
            return candidate, name
        if name in {"utf-16", "utf-32"}:
            body = data[len(candidate) :]
            for second, codec in _BOM_CODECS.items():
                if len(second) == len(candidate) and body.startswith(second):
                    return candidate + second, codec
        return candidate, _BOM_CODECS[candidate]
    return b"", ""


def _shown_undecodable(raw: bytes, codec: str) -> str:
    """``raw``, a line ``codec`` cannot decode, as text to show: decoded with its bad bytes
    escaped, or, for a codec that cannot escape (punycode), as ASCII with escapes."""
    try:
        return raw.decode(codec, errors="backslashreplace")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return raw.decode("ascii", errors="backslashreplace")


def _declaration_line(data: bytes) -> int:
    """The line (1 or 2) of the first ``coding:`` declaration pip would honour."""
    for number, raw_line in enumerate(data.split(b"\n")[:2], start=1):
        if raw_line[0:1] == b"#" and PEP263_ENCODING_RE.search(raw_line):
            return number
    return 1


def _dominant_newline(text: str) -> str:
    """The most frequent of the terminators ``\\n``, ``\\r\\n`` and ``\\r`` (the first of
    them on a tie), ``\\n`` when no line ends with one of them."""
    crlf = text.count("\r\n")
    counts = {"\n": text.count("\n") - crlf, "\r\n": crlf, "\r": text.count("\r") - crlf}
    return max(counts, key=counts.__getitem__)


def _ends_a_line(text: str) -> bool:
    """Whether the text ends with a line terminator, as ``str.splitlines`` sees them."""
    return bool(text) and text[-1] in LINE_BREAKS


def decode(data: bytes, display: str) -> tuple[str, TextLayout]:
    """Decode a requirements file as pip does: BOM, then a PEP 263 ``coding:`` comment in
    the first two lines, then UTF-8.

    pip falls back to the locale's encoding when UTF-8 fails; lockmigrate refuses instead,
    because a result that depends on the machine's locale cannot be migrated safely.
    """
    bom, codec = _split_bom(data)
    if not bom:
        codec = "utf-8"
        for number, raw_line in enumerate(data.split(b"\n")[:2], start=1):
            if raw_line[0:1] == b"#":
                match = PEP263_ENCODING_RE.search(raw_line)
                if match is not None:
                    codec = match.group(1).decode("ascii")
                    try:
                        codec = _DECLARED_CODECS.get(codecs.lookup(codec).name, codec)
                    except LookupError:
                        raise InputError(
                            f"unknown encoding {codec!r} in the coding declaration",
                            origin=Origin(path=display, line=number),
                        ) from None
                    break
    body = data[len(bom) :]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        start = body.rfind(b"\n", 0, exc.start) + 1
        end = body.find(b"\n", exc.start)
        offending = body[start : end if end != -1 else len(body)]
        raise InputError(
            f"cannot decode byte {body[exc.start : exc.start + 1]!r} as {codec} "
            "(declare the encoding with a '# -*- coding: NAME -*-' first line)",
            origin=Origin(path=display, line=line),
            text=_shown_undecodable(offending, codec),
        ) from None
    except (LookupError, UnicodeError, ValueError, TypeError) as exc:
        # A declared codec that is not a text encoding (hex, rot13, base64, zlib, uu: a
        # LookupError) or that fails on this text (punycode): pip cannot read the file either.
        raise InputError(
            f"the coding declaration names {codec!r}, which cannot decode this file "
            f"({exc}); pip cannot read it either. Declare a text encoding such as utf-8",
            origin=Origin(path=display, line=_declaration_line(data)),
        ) from None
    layout = TextLayout(
        codec=codec, bom=bom, newline=_dominant_newline(text), final_newline=_ends_a_line(text)
    )
    try:
        # Strict UTF-8 always encodes back to the bytes it decoded: no copy to compare.
        lossless = codec == "utf-8" or layout.encode(text) == data
    except (UnicodeError, LookupError, ValueError, TypeError):
        lossless = False
    if not lossless:
        # pip reads it (utf-7, unicode_escape, ...), so lockmigrate reads it too; only a
        # migration that would write it back refuses (targets.common.refuse_lossy_encoding).
        layout = dataclasses.replace(layout, lossless=False)
    return text, layout


LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines' own
