"""Edit (or create) a ``pyproject.toml`` with tomlkit, touching only the entries written.

Existing entries are compared by canonical package name: an identical entry is left as it
is (so a second run changes nothing), a different one is a conflict that stops the run
unless ``--merge`` keeps the existing entry and reports it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from tomlkit.items import AoT, Array, Table

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model import Origin

if TYPE_CHECKING:
    from tomlkit.container import Container
    from tomlkit.toml_document import TOMLDocument

    from lockmigrate.targets.poetry import PoetryOptions, PoetrySource, _Entry

__all__ = ["render_pyproject"]


def _table(
    parent: TOMLDocument | Table | Container, key: str, *, super_table: bool = False
) -> Table:
    existing = parent.get(key)
    if isinstance(existing, Table):
        return existing
    if existing is not None:
        raise InputError(f"[{key}] in pyproject.toml is not a table")
    created = tomlkit.table(is_super_table=super_table)
    parent[key] = created
    return created


def _requirement_key(text: str) -> str | None:
    try:
        return canonicalize_name(Requirement(text).name)
    except InvalidRequirement:
        return None


def _same_requirement(left: str, right: str) -> bool:
    try:
        return str(Requirement(left)) == str(Requirement(right))
    except InvalidRequirement:
        return left.strip() == right.strip()


def _item_indent(rendered: str) -> str:
    """The indentation of the items of a multi-line array, to add ours the same way."""
    for line in rendered.splitlines()[1:]:
        stripped = line.lstrip(" \t")
        if stripped and not stripped.startswith("]"):
            return line[: len(line) - len(stripped)]
    return "    "


def _comment_text(comment: str | None) -> str | None:
    if not comment:
        return None
    return comment.lstrip("#").strip() or None


class _Editor:
    def __init__(
        self,
        document: TOMLDocument,
        display: str,
        options: PoetryOptions,
        collector: Collector,
    ) -> None:
        self.document = document
        self.display = display
        self.options = options
        self.collector = collector
        self.conflicts: list[str] = []

    def conflict(self, entry: _Entry, theirs: str, where: str) -> None:
        if self.options.merge:
            self.collector.info(
                "poetry-merge-kept",
                f"{where} already declares {entry.name} as {theirs!r}: kept it "
                f"(the requirements file says {entry.pep508 or entry.table!r})",
                entry.origin,
            )
            return
        self.conflicts.append(
            f"{entry.origin}: {entry.name} is {entry.pep508 or entry.table!r} here, but "
            f"{self.display} [{where}] already has {theirs!r}"
        )

    def add_to_array(self, array: Array, entries: list[_Entry], where: str) -> None:
        existing: dict[str, str] = {}
        for item in array:
            key = _requirement_key(str(item))
            if key is not None:
                existing[key] = str(item)
        rendered = array.as_string()
        multiline = "\n" in rendered
        indent = _item_indent(rendered) if multiline else "    "
        added = False
        for entry in entries:
            if entry.pep508 is None:
                continue
            theirs = existing.get(entry.key)
            if theirs is not None:
                if not _same_requirement(theirs, entry.pep508):
                    self.conflict(entry, theirs, where)
                continue
            array.add_line(entry.pep508, indent=indent, comment=_comment_text(entry.comment))
            existing[entry.key] = entry.pep508
            added = True
        if added and not multiline:
            # a new array, or a one-line array we had to extend: one entry per line
            array.multiline(True)

    def add_to_table(self, table: Table, entries: list[_Entry], where: str) -> None:
        existing: dict[str, str] = {canonicalize_name(str(key)): str(key) for key in table}
        for entry in entries:
            key = existing.get(entry.key)
            value: Any
            if isinstance(entry.table, dict):
                value = tomlkit.inline_table()
                value.update(entry.table)
            else:
                value = entry.table
            if key is not None:
                theirs = table[key]
                mine = entry.table
                theirs_plain = theirs.unwrap() if hasattr(theirs, "unwrap") else theirs
                if theirs_plain != mine:
                    self.conflict(entry, str(theirs_plain), where)
                continue
            table[entry.name] = value
            comment = _comment_text(entry.comment)
            if comment:
                table[entry.name].comment(comment)
            existing[entry.key] = entry.name

    def array_at(self, table: Table, key: str) -> Array:
        existing = table.get(key)
        if isinstance(existing, Array):
            return existing
        if existing is not None:
            raise InputError(f"{self.display}: {key} is not an array")
        array = tomlkit.array()
        table[key] = array
        return array

    def sources(self, sources: list[PoetrySource]) -> None:
        if not sources:
            return
        poetry = _table(_table(self.document, "tool", super_table=True), "poetry")
        existing = poetry.get("source")
        if existing is None:
            existing = tomlkit.aot()
            poetry["source"] = existing
        if not isinstance(existing, AoT):
            raise InputError(f"{self.display}: tool.poetry.source is not an array of tables")
        known = {str(table.get("url", "")).rstrip("/") for table in existing}
        names = {str(table.get("name", "")) for table in existing}
        for source in sources:
            if source.url and source.url.rstrip("/") in known:
                continue
            if not source.url and source.name in names:
                continue
            name = source.name
            counter = 2
            while name in names:
                name, counter = f"{source.name}-{counter}", counter + 1
            table = tomlkit.table()
            if source.url:
                table.update({"name": name, "url": source.url, "priority": source.priority})
            else:  # PyPI, named without a URL
                table.update({"name": name, "priority": source.priority})
            existing.append(table)
            names.add(name)
            known.add(source.url.rstrip("/"))


def _decode(before: bytes, display: str) -> tuple[str, bytes, str]:
    bom = b"\xef\xbb\xbf" if before.startswith(b"\xef\xbb\xbf") else b""
    try:
        text = before[len(bom) :].decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(f"{display}: not UTF-8 ({error.reason})") from None
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), bom, newline


def render_pyproject(  # noqa: PLR0915 - the two layouts side by side
    before: bytes | None,
    *,
    display: str,
    name: str,
    groups: dict[str, list[_Entry]],
    sources: list[PoetrySource],
    options: PoetryOptions,
    is_library: bool,
    collector: Collector,
) -> tuple[bytes, bool, str]:
    """The new bytes of the pyproject, whether it is in package mode, and its
    requires-python."""
    from lockmigrate.targets.poetry import Layout

    if before is not None:
        text, bom, newline = _decode(before, display)
        try:
            document = tomlkit.parse(text)
        except tomlkit.exceptions.ParseError as error:
            raise InputError(
                f"not valid TOML: {error}", origin=Origin(path=display, line=error.line)
            ) from None
    else:
        document, bom, newline = tomlkit.document(), b"", "\n"
    editor = _Editor(document, display, options, collector)
    package_mode = options.package_mode if options.package_mode is not None else is_library
    requires_python = options.requires_python
    if options.layout is Layout.PEP621:
        project = _table(document, "project")
        if "name" not in project:
            project["name"] = name
        current_python = project.get("requires-python")
        if current_python is None:
            project["requires-python"] = requires_python
        else:
            requires_python = str(current_python)
        direct = {g: [e for e in entries if e.pep508 is not None] for g, entries in groups.items()}
        tables = {g: [e for e in entries if e.pep508 is None] for g, entries in groups.items()}
        if direct.get("main"):
            editor.add_to_array(
                editor.array_at(project, "dependencies"), direct["main"], "project.dependencies"
            )
        for group, entries in direct.items():
            if group == "main" or not entries:
                continue
            dependency_groups = _table(document, "dependency-groups")
            editor.add_to_array(
                editor.array_at(dependency_groups, group), entries, f"dependency-groups.{group}"
            )
        for group, entries in tables.items():
            if entries:
                editor.add_to_table(_poetry_dependencies(document, group), entries, _where(group))
    else:
        dependencies = _poetry_dependencies(document, "main")
        if "python" not in dependencies:
            dependencies["python"] = requires_python
        else:
            requires_python = str(dependencies["python"])
        for group, entries in groups.items():
            if entries:
                editor.add_to_table(_poetry_dependencies(document, group), entries, _where(group))
    tool = _table(document, "tool", super_table=True) if not package_mode or sources else None
    if tool is not None:
        poetry = _table(tool, "poetry")
        current = poetry.get("package-mode")
        if current is None and not package_mode:
            poetry["package-mode"] = False
        elif current is not None:
            package_mode = bool(current)
    editor.sources(sources)
    if editor.conflicts:
        raise InputError(
            "these dependencies are already declared differently; run with --merge to keep "
            "the existing entries and add the rest:\n  " + "\n  ".join(editor.conflicts)
        )
    rendered = document.as_string()
    if not rendered.endswith("\n"):
        rendered += "\n"
    _validate(rendered, display)
    return bom + rendered.replace("\n", newline).encode("utf-8"), package_mode, requires_python


def _where(group: str) -> str:
    return (
        "tool.poetry.dependencies" if group == "main" else f"tool.poetry.group.{group}.dependencies"
    )


def _poetry_dependencies(document: TOMLDocument, group: str) -> Table:
    poetry = _table(_table(document, "tool", super_table=True), "poetry")
    if group == "main":
        return _table(poetry, "dependencies")
    groups = _table(poetry, "group", super_table=True)
    return _table(_table(groups, group, super_table=True), "dependencies")


def _validate(rendered: str, display: str) -> None:
    """Poetry's own schema check, before anything is written."""
    from poetry.core.factory import Factory

    data = tomlkit.parse(rendered).unwrap()
    result = Factory.validate(data, strict=False)
    errors = result.get("errors", [])
    if errors:
        raise InputError(
            f"{display}: the result would not pass Poetry's validation: " + "; ".join(errors)
        )
