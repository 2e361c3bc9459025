"""Edit (or create) a ``pyproject.toml`` for uv with tomlkit, touching only what is written.

Entries are compared with what the file holds: a dependency the file already declares the
same way is left as it is (so a second run changes nothing); one it declares differently is
a conflict that stops the run before anything is written. Comments of the requirement files
are written as TOML comments beside (or above) the array items they belonged to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import NormalizedName, canonicalize_name
from tomlkit.items import AoT, Array, InlineTable, String, Table

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin
from lockmigrate.targets.toml_edit import (
    comment_text,
    item_indent,
    parse_document,
    render_document,
    table_in,
)
from lockmigrate.targets.uv.options import UvEntry, UvSettings, UvSource, credential_variables

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

__all__ = ["ProjectFields", "RenderedPyproject", "add_tool_uv", "render_pyproject"]

#: The version written when ``[project]`` has none: uv needs one to lock.
PLACEHOLDER_VERSION = "0.1.0"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectFields:
    """What ``[project]`` gets when it lacks it; ``dependencies``: whether the main
    requirements may go to ``[project] dependencies`` (not when the package's build
    reads its dependencies from elsewhere)."""

    name: str
    requires_python: str
    dependencies: bool = True
    create: bool = True  # whether [project] may be created (not for a setup.py package)


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedPyproject:
    content: bytes
    requires_python: str  # as the file has it after the edit


def _normalised(text: str) -> str:
    try:
        return str(Requirement(text))
    except InvalidRequirement:
        return text.strip()


def _key_of(item: object) -> str | None:
    """The canonical name of an array item, ``group:NAME`` for ``{include-group = NAME}``."""
    if isinstance(item, dict) and "include-group" in item:
        return f"group:{item['include-group']}"
    try:
        return canonicalize_name(Requirement(str(item)).name)
    except InvalidRequirement:
        return None


class _Editor:
    def __init__(self, document: TOMLDocument, display: str) -> None:
        self.document = document
        self.display = display
        self.conflicts: list[str] = []

    def array_at(self, table: Table, key: str) -> Array:
        existing = table.get(key)
        if isinstance(existing, Array):
            return existing
        if existing is not None:
            raise InputError(f"{self.display}: {key} is not an array")
        array = tomlkit.array()
        table[key] = array
        return array

    def add_to_array(self, array: Array, entries: Sequence[UvEntry], where: str) -> None:
        """Add each entry; a name the array already declares is left alone when one of its
        lines is the same, and is a conflict otherwise."""
        existing: dict[str, list[str]] = {}
        for item in array:
            plain = item.unwrap() if hasattr(item, "unwrap") else item
            key = _key_of(plain)
            if key is not None:
                existing.setdefault(key, []).append(_normalised(str(plain)))
        rendered = array.as_string()
        multiline = "\n" in rendered
        indent = item_indent(rendered) if multiline else "    "
        added = False
        for entry in entries:
            key = f"group:{entry.include_group}" if entry.include_group else entry.key
            theirs = existing.get(key)
            if theirs is not None:
                if entry.pep508 is not None and _normalised(entry.pep508) not in theirs:
                    self.conflicts.append(
                        f"{entry.origin}: {entry.pep508!r} here, but {self.display} [{where}] "
                        f"already has {', '.join(repr(t) for t in theirs)}"
                    )
                continue
            for text in entry.leading:
                array.add_line(indent=indent, comment=text)
            array.add_line(_item(entry), indent=indent, comment=comment_text(entry.comment))
            for text in entry.trailing:
                array.add_line(indent=indent, comment=text)
            added = True
        if added and not multiline:
            array.multiline(True)

    def tool_uv(self, *, values: bool = True) -> Table:
        """``[tool.uv]``, created without a header of its own when it gets no values
        (``values``), only tables such as ``[tool.uv.sources]``."""
        return table_in(
            table_in(self.document, "tool", super_table=True), "uv", super_table=not values
        )

    def indexes(self, settings: UvSettings) -> None:
        if not settings.indexes:
            return
        uv = self.tool_uv(values=False)
        existing = uv.get("index")
        if existing is None:
            existing = tomlkit.aot()
            if len(uv):
                uv.add(tomlkit.nl())  # a blank line between [tool.uv]'s values and the first index
            uv["index"] = existing
        if not isinstance(existing, AoT):
            raise InputError(f"{self.display}: tool.uv.index is not an array of tables")
        known = {str(table.get("url", "")).rstrip("/") for table in existing}
        for index in settings.indexes:
            if index.url.rstrip("/") in known:
                continue
            table = tomlkit.table()
            table.update({"name": index.name, "url": index.url})
            if index.default:
                table["default"] = True
            if index.has_credentials:
                user, password = credential_variables(index.name)
                table["url"].comment(f"credentials: {user} / {password}")
            existing.append(table)

    def settings(self, settings: UvSettings) -> None:
        """``find-links``, ``no-index``, ``prerelease`` and ``constraint-dependencies``:
        each written when the requirement files ask for it."""
        if settings.find_links:
            array = self.array_at(self.tool_uv(), "find-links")
            have = {str(item) for item in array}
            for value, _ in settings.find_links:
                if value not in have:
                    array.append(value)
        if settings.no_index is not None and "no-index" not in self.tool_uv():
            self.tool_uv()["no-index"] = True
        if settings.prerelease is not None and "prerelease" not in self.tool_uv():
            self.tool_uv()["prerelease"] = "allow"
        if settings.constraints:
            array = self.array_at(self.tool_uv(), "constraint-dependencies")
            self.add_to_array(array, settings.constraints, "tool.uv.constraint-dependencies")

    def sources(self, settings: UvSettings) -> None:
        """``[tool.uv.sources]``: one inline table per name, or a list of them (one per
        marker) where a name comes from different places in different environments."""
        table = table_in(self.tool_uv(values=False), "sources")
        existing = {canonicalize_name(str(key)): str(key) for key in table}
        ours: dict[NormalizedName, list[UvSource]] = {}
        for source in settings.sources:
            ours.setdefault(canonicalize_name(source.name), []).append(source)
        for key, sources in ours.items():
            value: dict[str, Any] | list[dict[str, Any]] = (
                sources[0].table if len(sources) == 1 else [s.table for s in sources]
            )
            if key in existing:
                theirs = table[existing[key]]
                plain = theirs.unwrap() if hasattr(theirs, "unwrap") else theirs
                if plain != value:
                    self.conflicts.append(
                        f"{sources[0].origin}: {sources[0].name} comes from {value} here, but "
                        f"{self.display} [tool.uv.sources] already has {plain}"
                    )
                continue
            table[sources[0].name] = _inline(value)


def _inline(value: dict[str, Any] | list[dict[str, Any]]) -> InlineTable | Array:
    """A source as an inline table (a marker in a literal string, so it reads as written),
    or a list of them one per line."""
    if isinstance(value, dict):
        inline = tomlkit.inline_table()
        for key, item in value.items():
            inline[key] = _literal(item) if isinstance(item, str) else item
        return inline
    array = tomlkit.array()
    for item in value:
        array.add_line(_inline(item), indent="    ")
    array.add_line(indent="")
    return array


def add_tool_uv(document: TOMLDocument, settings: UvSettings, display: str) -> list[str]:
    """Write ``settings`` into ``[tool.uv]`` of ``document``: its values, then its indexes,
    then its sources. Returns the conflicts with what the file had (``file:line: ...``)."""
    editor = _Editor(document, display)
    editor.settings(settings)
    editor.indexes(settings)
    if settings.sources:
        editor.sources(settings)
    return editor.conflicts


def _literal(text: str) -> String:
    """``text`` as a TOML string: a literal one when it holds double quotes and can."""
    return tomlkit.string(text, literal='"' in text and "'" not in text and "\n" not in text)


def _item(entry: UvEntry) -> String | InlineTable:
    """The array item: ``{include-group = ...}``, or the PEP 508 string (a literal string
    when it holds double quotes, as markers do, so that it reads as written)."""
    if entry.include_group is not None:
        table = tomlkit.inline_table()
        table["include-group"] = entry.include_group
        return table
    return _literal(entry.pep508 or "")


def _project(
    document: TOMLDocument, fields: ProjectFields, display: str, collector: Collector
) -> tuple[Table, str]:
    """``[project]`` with a name, a version uv can read and a Python; the
    ``requires-python`` the file ends with."""
    project = table_in(document, "project")
    if "name" not in project:
        project["name"] = fields.name
    dynamic = [str(item) for item in project.get("dynamic", [])]
    if "version" not in project and "version" not in dynamic:
        project["version"] = PLACEHOLDER_VERSION
        collector.info(
            "uv-version-added",
            f"[project] has no version and uv needs one to lock: version = "
            f"{PLACEHOLDER_VERSION!r} was written (the project is not published unless it "
            "has a [build-system])",
            Origin(path=display, line=1),
        )
    current = project.get("requires-python")
    if current is None:
        project["requires-python"] = fields.requires_python
        return project, fields.requires_python
    return project, str(current)


def render_pyproject(
    before: bytes | None,
    *,
    display: str,
    fields: ProjectFields,
    main: Sequence[UvEntry],
    groups: dict[str, list[UvEntry]],
    settings: UvSettings,
    collector: Collector,
) -> RenderedPyproject:
    """The new bytes of the service's ``pyproject.toml`` and its ``requires-python``."""
    document, bom, newline = parse_document(before, display)
    editor = _Editor(document, display)
    project: Table | None = None
    requires_python = ""  # no [project]: uv locks for the Python it runs, and up
    if fields.create or "project" in document:
        project, requires_python = _project(document, fields, display, collector)
    if project is not None and main and fields.dependencies:
        editor.add_to_array(editor.array_at(project, "dependencies"), main, "project.dependencies")
    for group, entries in groups.items():
        if entries:
            dependency_groups = table_in(document, "dependency-groups")
            editor.add_to_array(
                editor.array_at(dependency_groups, group), entries, f"dependency-groups.{group}"
            )
    editor.conflicts += add_tool_uv(document, settings, display)
    if editor.conflicts:
        raise InputError(
            "these dependencies are already declared differently; change or remove the "
            "entries in pyproject.toml and run again:\n  " + "\n  ".join(editor.conflicts)
        )
    return RenderedPyproject(
        content=render_document(document, bom, newline), requires_python=requires_python
    )
