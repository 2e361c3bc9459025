"""What both migration targets share."""

from __future__ import annotations

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin, RequirementFile
from lockmigrate.redact import contains_credentials

__all__ = ["refuse_literal_credentials", "refuse_lossy_encoding"]


def refuse_literal_credentials(file: RequirementFile) -> None:
    """Stop (exit 2) at the first line with a literal password or token: lockmigrate never
    copies one into a file it writes."""
    for line in file.lines:
        raw = file.raw_text(line)
        if contains_credentials(raw):
            raise InputError(
                "this line carries a literal password or token; lockmigrate will not copy it "
                "into a file it writes. Replace it with a ${VARIABLE} (pip expands those) "
                "and run again",
                origin=line.origin,
                text=raw,  # shown redacted
            )


def refuse_lossy_encoding(file: RequirementFile) -> None:
    """Stop (exit 2) before rewriting a file whose encoding does not give its bytes back
    (``# coding: utf-7``, ``unicode_escape``): pip reads it, but a rewrite would change lines
    nobody touched."""
    if not file.layout.lossless:
        raise InputError(
            f"this file does not survive decoding and re-encoding as {file.layout.codec}; "
            "lockmigrate reads it but will not rewrite it. Convert it to UTF-8 "
            "(and drop the coding line) first",
            origin=Origin(path=file.display, line=1),
        )
