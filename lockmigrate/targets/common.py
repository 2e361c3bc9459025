"""What both migration targets share."""

from __future__ import annotations

from lockmigrate.errors import InputError
from lockmigrate.model import RequirementFile
from lockmigrate.redact import contains_credentials

__all__ = ["refuse_literal_credentials"]


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
