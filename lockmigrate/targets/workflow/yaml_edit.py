"""Editing a user's YAML and JSON configuration without disturbing anything in it.

YAML (``.github/dependabot.yml``, ``.pre-commit-config.yaml``): new items are spliced, as
text, into a top-level block sequence, after its last item. Every other byte (comments,
quoting, indentation, blank lines) stays as it was. ruamel.yaml's round-trip parser finds
where the sequence is, and the result is parsed again and compared with the original,
structure for structure: the edit is kept only when the document equals the original plus
the new items. A flow sequence (``[...]``), an empty or missing value or anything else that
cannot be spliced safely is refused (``None``), and the caller leaves the file alone.

JSON (``renovate.json``): parsed and written back with the json module, in the key order
and indentation the file had.

ruamel.yaml is imported lazily: only ``--with`` needs it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ruamel.yaml.comments import CommentedMap

__all__ = [
    "YamlError",
    "append_to_yaml_sequence",
    "detect_json_indent",
    "dump_json_like",
    "load_yaml",
]

_INDENT_RE = re.compile(r"^(?P<indent>[ \t]+)\S", re.MULTILINE)


class YamlError(ValueError):
    """The text is not YAML lockmigrate can read."""


def load_yaml(text: str) -> Any:  # noqa: ANN401 - whatever the YAML holds
    """Plain Python data (dicts, lists, scalars) from YAML text; raises :class:`YamlError`."""
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="safe", pure=True).load(text)
    except YAMLError as error:
        raise YamlError(str(error).strip().splitlines()[-1]) from None


def _round_trip(text: str) -> object:
    from ruamel.yaml import YAML
    from ruamel.yaml.error import YAMLError

    try:
        return YAML(typ="rt").load(text)
    except YAMLError as error:
        raise YamlError(str(error).strip().splitlines()[-1]) from None


def _newline(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _indent(block: str, spaces: int, newline: str) -> str:
    pad = " " * spaces
    return "".join((pad + line if line.strip() else "") + newline for line in block.splitlines())


def append_to_yaml_sequence(text: str, key: str, items: Sequence[str]) -> str | None:
    """``text`` with ``items`` (each a block sequence item written at column 0, ``- ...``)
    appended to the top-level block sequence ``key``, which is created at the end of the
    document when missing. ``None`` when that cannot be done without touching anything
    else."""
    if not items:
        return text
    try:
        document = _round_trip(text) if text.strip() else None
        if document is None:  # empty, or comments only
            document = {}
        expected_items = [load_yaml(item)[0] for item in items]
    except YamlError:
        return None
    if not isinstance(document, dict):
        return None
    newline = _newline(text)
    lines = text.splitlines(keepends=True)
    if lines and not lines[-1].endswith(("\n", "\r")):
        lines[-1] += newline
    if key not in document:
        addition = f"{key}:{newline}" + "".join(_indent(item, 2, newline) for item in items)
        result = "".join(lines) + addition
    else:
        sequence = document[key]
        if not isinstance(sequence, list) or not sequence:
            return None  # null, a mapping, a scalar, or [] (flow style)
        insert_at = _sequence_end(document, key, lines)  # type: ignore[arg-type]
        if insert_at is None:
            return None
        first_line, first_column = sequence.lc.item(0)  # type: ignore[attr-defined]
        dash = lines[first_line][:first_column].rstrip()
        if not dash.endswith("-"):
            return None
        column = len(dash) - 1
        addition = "".join(_indent(item, column, newline) for item in items)
        result = "".join(lines[:insert_at]) + addition + "".join(lines[insert_at:])
    return result if _only_appended(text, result, key, expected_items) else None


def _sequence_end(document: CommentedMap, key: str, lines: list[str]) -> int | None:
    """The line index after the last line of the block sequence under ``key``."""
    sequence = document[key]
    if getattr(getattr(sequence, "fa", None), "flow_style", lambda: True)():
        return None
    keys = list(document)
    key_line = document.lc.key(key)[0]
    following = keys[keys.index(key) + 1 :]
    stop = document.lc.key(following[0])[0] if following else len(lines)
    first_line, first_column = sequence.lc.item(0)
    item_column = len(lines[first_line][:first_column].rstrip()) - 1
    end = None
    for index in range(key_line + 1, stop):
        stripped = lines[index].strip()
        if not stripped:
            continue
        indentation = len(lines[index]) - len(lines[index].lstrip(" "))
        if stripped.startswith("#") and indentation <= item_column:
            continue  # a comment about what follows, not part of the last item
        end = index + 1
    return end


def _only_appended(before: str, after: str, key: str, added: list[Any]) -> bool:
    """Whether ``after`` reads as ``before`` with ``added`` at the end of ``key``."""
    try:
        old, new = load_yaml(before) if before.strip() else None, load_yaml(after)
    except YamlError:
        return False
    old = {} if old is None else old
    if not isinstance(old, dict) or not isinstance(new, dict):
        return False
    expected = dict(old)
    expected[key] = [*(old.get(key) or []), *added]
    return bool(new == expected and list(new) == list(expected))


def detect_json_indent(text: str) -> int | str:
    """The indentation a JSON file uses: a number of spaces, or a tab."""
    match = _INDENT_RE.search(text)
    if match is None:
        return 2
    indent = match.group("indent")
    return "\t" if indent.startswith("\t") else len(indent)


def dump_json_like(data: object, original: str) -> str:
    """``data`` as JSON with the indentation, line endings and final newline of
    ``original``."""
    rendered = json.dumps(data, indent=detect_json_indent(original), ensure_ascii=False)
    newline = _newline(original)
    if original.endswith(("\n", "\r")) or not original:
        rendered += "\n"
    return rendered.replace("\n", newline)
