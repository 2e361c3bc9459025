"""What the writers of ``pyproject.toml`` share (``to-poetry``, ``to-uv``): reading the file
as tomlkit keeps it (its byte-order mark and line endings too), and the small edits both make.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import tomlkit
from tomlkit.items import Table

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin

if TYPE_CHECKING:
    from tomlkit.container import Container
    from tomlkit.toml_document import TOMLDocument

__all__ = ["comment_text", "item_indent", "parse_document", "render_document", "table_in"]


def table_in(
    parent: TOMLDocument | Table | Container, key: str, *, super_table: bool = False
) -> Table:
    """``parent[key]``, created (a super table has no header of its own) when missing;
    :class:`InputError` when it is there but not a table."""
    existing = parent.get(key)
    if isinstance(existing, Table):
        return existing
    if existing is not None:
        raise InputError(f"[{key}] in pyproject.toml is not a table")
    created = tomlkit.table(is_super_table=super_table)
    parent[key] = created
    return created


def item_indent(rendered: str) -> str:
    """The indentation of the items of a multi-line array, to add ours the same way."""
    for line in rendered.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and not stripped.startswith("]"):
            return line[: len(line) - len(stripped)]
    return "    "


def comment_text(comment: str | None) -> str | None:
    """A requirement line's comment as a TOML comment's text (``# x`` -> ``x``)."""
    if not comment:
        return None
    return comment.lstrip("#").strip() or None


def parse_document(before: bytes | None, display: str) -> tuple[TOMLDocument, bytes, str]:
    """The document, its byte-order mark and its newline (a new file has neither);
    :class:`InputError` at the line tomlkit names for a file that is not TOML or UTF-8."""
    if before is None:
        return tomlkit.document(), b"", "\n"
    bom = b"\xef\xbb\xbf" if before.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = before[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{display}: not UTF-8 ({error.reason})") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    try:
        return tomlkit.parse(text.replace("\r\n", "\n")), bom, newline
    except tomlkit.exceptions.ParseError as error:
        raise InputError(
            f"not valid TOML: {error}", origin=Origin(path=display, line=error.line)
        ) from None


def render_document(document: TOMLDocument, bom: bytes, newline: str) -> bytes:
    """The document's bytes, ending with a newline, in the file's own line endings."""
    rendered = document.as_string()
    if not rendered.endswith("\n"):
        rendered += "\n"
    return bom + rendered.replace("\n", newline).encode("utf-8")
