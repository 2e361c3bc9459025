"""``lockmigrate scan --format json``: the documented, versioned scan schema.

See ``docs/reference/scan-json.md``. Additive changes keep ``schema_version``; anything
that removes or renames a field bumps it.
"""

from __future__ import annotations

import enum
import io
import json
from collections.abc import Iterable, Iterator
from json.encoder import encode_basestring
from typing import Any, TextIO

from lockmigrate import __version__
from lockmigrate.diagnostics import Diagnostic
from lockmigrate.model.requirements import DeclaredRequirement, Line, RequirementKind
from lockmigrate.model.services import ScannedFile, ScanReport
from lockmigrate.scan import RangeKind, classify_range
from lockmigrate.sources.includes import display_path

__all__ = ["SCHEMA_VERSION", "render"]

SCHEMA_VERSION = 1


# Each member's value, looked up once (an enum's .value is a descriptor call).
_VALUES: dict[enum.Enum, str] = {
    member: member.value for kind in (RequirementKind, RangeKind) for member in kind
}


def _requirement(requirement: DeclaredRequirement, line: Line) -> dict[str, Any]:
    return {
        "name": requirement.name,
        "specifier": requirement.specifier,
        "extras": list(requirement.extras),
        "marker": requirement.marker,
        "url": requirement.url,
        "editable": requirement.editable,
        "hashes": list(requirement.hashes),
        "line": requirement.origin.line,
        "comment": line.comment,
        "kind": _VALUES[requirement.kind],
        "range": _VALUES[classify_range(requirement)],
        "variables": list(requirement.variables),
    }


def _strings(values: tuple[str, ...]) -> str:
    return "[" + ",".join(map(encode_basestring, values)) + "]" if values else "[]"


def _requirement_json(requirement: DeclaredRequirement, line: Line) -> str:
    """``encode(_requirement(requirement, line))``, the same text, without the dictionary
    and lists (a file of a million requirements makes them all, and the garbage collector
    walks the whole model again and again while they are made). The values are strings
    (encoded as the encoder encodes them with ``ensure_ascii=False``), ``None``, booleans,
    one integer and lists of strings."""
    encode = encode_basestring
    name, marker, url, comment = requirement.name, requirement.marker, requirement.url, line.comment
    return (
        f'{{"name":{"null" if name is None else encode(name)},'
        f'"specifier":{encode(requirement.specifier)},'
        f'"extras":{_strings(requirement.extras) if requirement.extras else "[]"},'
        f'"marker":{"null" if marker is None else encode(marker)},'
        f'"url":{"null" if url is None else encode(url)},'
        f'"editable":{"true" if requirement.editable else "false"},'
        f'"hashes":{_strings(requirement.hashes) if requirement.hashes else "[]"},'
        f'"line":{int(requirement.origin.line)},'
        f'"comment":{"null" if comment is None else encode(comment)},'
        f'"kind":{encode(_VALUES[requirement.kind])},'
        f'"range":{encode(_VALUES[classify_range(requirement)])},'
        f'"variables":{_strings(requirement.variables) if requirement.variables else "[]"}}}'
    )


def _file_head(scanned: ScannedFile) -> dict[str, Any]:
    """The fields of a file before its requirements."""
    file = scanned.file
    return {
        "path": file.display,
        "role": scanned.role,
        "format": scanned.format.value,
        "encoding": file.layout.codec,
        "bom": bool(file.layout.bom),
        "newline": {"\n": "lf", "\r\n": "crlf", "\r": "cr"}.get(file.layout.newline, "lf"),
        "includes": [
            {
                "kind": include.kind.value,
                "target": include.target,
                "path": display_path(include.resolved) if include.resolved is not None else None,
                "line": include.origin.line,
            }
            for include in file.includes
        ],
        "options": [
            {"name": option.name, "value": option.value, "line": option.origin.line}
            for option in file.options
            if option.name not in {"--requirement", "--constraint", "--editable", "--hash"}
        ],
    }


def _requirements(scanned: ScannedFile) -> Iterator[dict[str, Any]]:
    for line in scanned.file.lines:
        if line.requirement is not None:
            yield _requirement(line.requirement, line)


def _requirements_json(scanned: ScannedFile) -> Iterator[str]:
    for line in scanned.file.lines:
        if line.requirement is not None:
            yield _requirement_json(line.requirement, line)


def _targets(scanned: ScannedFile) -> dict[str, Any]:
    return {"pip-tools": scanned.pip_tools, "poetry": scanned.poetry}


def _file(scanned: ScannedFile) -> dict[str, Any]:
    return {
        **_file_head(scanned),
        "requirements": list(_requirements(scanned)),
        "targets": _targets(scanned),
    }


def diagnostic_json(diagnostic: Diagnostic) -> dict[str, Any]:
    origin = diagnostic.origin
    return {
        "level": diagnostic.level.value,
        "code": diagnostic.code,
        "message": diagnostic.message,
        "path": origin.path if origin is not None else None,
        "line": origin.line if origin is not None else None,
    }


def render(report: ScanReport) -> str:
    """The report as compact JSON on one line, with a trailing newline (compact, so that a
    large monorepo's report is written in milliseconds; pipe it to ``python -m json.tool``
    to read it)."""
    out = io.StringIO()
    write(report, out)
    return out.getvalue()


#: Requirements encoded per call, so a file of a million lines is written in pieces.
_CHUNK = 2000


def write(report: ScanReport, stream: TextIO) -> None:
    """Write :func:`render`'s text to ``stream`` piece by piece: the whole document is never
    held in memory (a 50 MB requirements file makes about 165 MB of JSON)."""
    encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
    head = {"schema_version": SCHEMA_VERSION, "lockmigrate_version": __version__}
    stream.write(encode(head)[:-1] + ',"services":[')
    for service_index, service in enumerate(report.services):
        stream.write("," if service_index else "")
        stream.write(encode({"path": service.display})[:-1] + ',"files":[')
        for file_index, scanned in enumerate(service.files):
            stream.write("," if file_index else "")
            stream.write(encode(_file_head(scanned))[:-1] + ',"requirements":[')
            _write_encoded(stream, _requirements_json(scanned))
            stream.write('],"targets":' + encode(_targets(scanned)) + "}")
        stream.write("]}")
    stream.write('],"diagnostics":[')
    _write_encoded(stream, (encode(diagnostic_json(d)) for d in report.diagnostics))
    stream.write("]}\n")


def _write_encoded(stream: TextIO, items: Iterable[str]) -> None:
    """The encoded items of a JSON array, comma-separated, written ``_CHUNK`` at a time."""
    chunk: list[str] = []
    first = True
    for item in items:
        chunk.append(item)
        if len(chunk) == _CHUNK:
            stream.write(("" if first else ",") + ",".join(chunk))
            chunk, first = [], False
    if chunk:
        stream.write(("" if first else ",") + ",".join(chunk))
