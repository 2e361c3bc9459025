"""Edit (or create) a ``pyproject.toml`` with tomlkit, touching only the entries written.

Existing entries are compared by canonical package name: the same lines are left as they
are (so a second run changes nothing), different ones are a conflict that stops the run
unless ``--merge`` keeps the existing entry and reports, as a warning at its line, each
requirement it did not write. Full-line comments of the requirement files are written above
the entry they preceded.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import tomlkit
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name
from tomlkit.items import AoT, Array, InlineTable, Table

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

if TYPE_CHECKING:
    from tomlkit.toml_document import TOMLDocument

    from lockmigrate.model.python import PythonCap
    from lockmigrate.targets.poetry.options import Entry, PoetryOptions, PoetrySource

__all__ = ["Destinations", "RenderedPyproject", "cap_lock_python", "render_pyproject"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Destinations:
    """Per group (``main`` or a group name), the entries written as PEP 508 strings
    (``[project] dependencies`` / ``[dependency-groups]``) and as ``[tool.poetry]`` values."""

    arrays: dict[str, list[Entry]]
    tables: dict[str, list[Entry]]


@dataclass(frozen=True, slots=True, kw_only=True)
class RenderedPyproject:
    content: bytes
    package_mode: bool
    requires_python: str  # as the file has it after the edit


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

    def conflict(self, entry: Entry, theirs: list[str], where: str) -> None:
        declared = ", ".join(repr(t) for t in theirs)
        if self.options.merge:
            self.collector.warning(
                "poetry-merge-kept",
                f"not written: {self.display} [{where}] already declares {entry.name} as "
                f"{declared} and --merge keeps it; this line says "
                f"{entry.pep508 or entry.table!r}: change the entry by hand if this line "
                "is right",
                entry.origin,
            )
            return
        self.conflicts.append(
            f"{entry.origin}: {entry.name} is {entry.pep508 or entry.table!r} here, but "
            f"{self.display} [{where}] already has {declared}"
        )

    def add_to_array(self, array: Array, entries: list[Entry], where: str) -> None:
        """Add each entry's PEP 508 line; a name the array already declares is left alone
        when it has the same lines, and a conflict otherwise."""
        existing: dict[str, list[str]] = {}
        for item in array:
            key = _requirement_key(str(item))
            if key is not None:
                existing.setdefault(key, []).append(str(item))
        rendered = array.as_string()
        multiline = "\n" in rendered
        indent = item_indent(rendered) if multiline else "    "
        added = False
        for entry in entries:
            if entry.pep508 is None:
                continue
            theirs = existing.get(entry.key)
            if theirs is not None:
                if not any(_same_requirement(t, entry.pep508) for t in theirs):
                    self.conflict(entry, theirs, where)
                continue
            for text in entry.leading:
                array.add_line(indent=indent, comment=text)
            array.add_line(entry.pep508, indent=indent, comment=comment_text(entry.comment))
            for text in entry.trailing:
                array.add_line(indent=indent, comment=text)
            added = True
        if added and not multiline:
            # a new array, or a one-line array we had to extend: one entry per line
            array.multiline(True)

    def add_to_table(self, table: Table, entries: list[Entry], where: str) -> None:
        existing: dict[str, str] = {canonicalize_name(str(key)): str(key) for key in table}
        for entry in entries:
            key = existing.get(entry.key)
            if key is not None:
                theirs = table[key]
                theirs_plain = theirs.unwrap() if hasattr(theirs, "unwrap") else theirs
                if theirs_plain != entry.table:
                    self.conflict(entry, [str(theirs_plain)], where)
                continue
            for text in entry.leading:
                table.add(tomlkit.comment(text))
            table[entry.name] = _toml_value(entry.table)
            comment = comment_text(entry.comment)
            if comment:
                table[entry.name].comment(comment)
            for text in entry.trailing:
                table.add(tomlkit.comment(text))
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
        poetry = table_in(table_in(self.document, "tool", super_table=True), "poetry")
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


def _toml_value(value: dict[str, Any] | str | list[dict[str, Any]]) -> str | InlineTable | Array:
    """A Poetry value as tomlkit writes it: tables inline, a multiple-constraints list one
    table per line."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        table = tomlkit.inline_table()
        table.update(value)
        return table
    array = tomlkit.array()
    for item in value:
        array.add_line(_toml_value(item), indent="    ")
    array.add_line(indent="")
    return array


def render_pyproject(
    before: bytes | None,
    *,
    display: str,
    name: str,
    destinations: Destinations,
    sources: list[PoetrySource],
    options: PoetryOptions,
    package_mode: bool,
    project_is_ours: bool,
    requires_python: str,
    python_cap: PythonCap | None,
    version_origin: Origin | None,
    collector: Collector,
) -> RenderedPyproject:
    """The new bytes of the pyproject, whether it is in package mode, and its
    requires-python.

    ``project_is_ours``: ``[project]`` may be created and given the main dependencies (no
    build reads the package's dependencies from elsewhere); otherwise ``[project]`` is not
    touched, and the main dependencies and Python go to ``[tool.poetry.dependencies]``.
    ``python_cap``: the ranges install on no Python from some version on, so Poetry (which
    locks for the whole range) is given the capped range in ``[tool.poetry.dependencies]``
    python, which only Poetry reads; ``requires-python`` is left uncapped."""
    document, bom, newline = parse_document(before, display)
    editor = _Editor(document, display, options, collector)
    existing_project = document.get("project")
    project_python = isinstance(existing_project, Table) and "requires-python" in existing_project
    if project_is_ours:
        requires_python = _write_project(document, editor, name, requires_python, destinations)
    elif project_python and isinstance(existing_project, Table):
        requires_python = str(existing_project["requires-python"])
    for group, entries in destinations.arrays.items():
        if group != "main" and entries:
            dependency_groups = table_in(document, "dependency-groups")
            editor.add_to_array(
                editor.array_at(dependency_groups, group), entries, f"dependency-groups.{group}"
            )
    python_in_tool = not project_is_ours and not project_python
    lock_python = python_cap.lock_range(requires_python) if python_cap is not None else None
    if python_in_tool or destinations.tables.get("main") or lock_python:
        requires_python = _write_tool_python(
            document, requires_python, python_in_tool, python_cap, collector
        )
    for group, entries in destinations.tables.items():
        if entries:
            editor.add_to_table(_poetry_dependencies(document, group), entries, _where(group))
    if not package_mode or sources:
        package_mode = _write_package_mode(document, package_mode)
    editor.sources(sources)
    if editor.conflicts:
        raise InputError(
            "these dependencies are already declared differently; run with --merge to keep "
            "the existing entries and add the rest (each line not written is reported):\n  "
            + "\n  ".join(editor.conflicts)
        )
    if package_mode:
        _require_version(document, display, version_origin)
    content = render_document(document, bom, newline)
    _validate(document.as_string(), display)
    return RenderedPyproject(
        content=content,
        package_mode=package_mode,
        requires_python=requires_python,
    )


def _write_project(
    document: TOMLDocument,
    editor: _Editor,
    name: str,
    requires_python: str,
    destinations: Destinations,
) -> str:
    """``[project]``, lockmigrate's to write: its name and Python when it has none, and the
    main dependencies. The ``requires-python`` the file ends with."""
    project = table_in(document, "project")
    if "name" not in project:
        project["name"] = name
    current_python = project.get("requires-python")
    if current_python is None:
        project["requires-python"] = requires_python
    else:
        requires_python = str(current_python)
    if destinations.arrays.get("main"):
        editor.add_to_array(
            editor.array_at(project, "dependencies"),
            destinations.arrays["main"],
            "project.dependencies",
        )
    return requires_python


def _write_tool_python(
    document: TOMLDocument,
    requires_python: str,
    python_in_tool: bool,
    python_cap: PythonCap | None,
    collector: Collector,
) -> str:
    """``[tool.poetry.dependencies] python``: the project's Python when ``[project]`` does
    not say it, or the capped range Poetry locks for. The project's Python, as the file
    ends with it."""
    dependencies = _poetry_dependencies(document, "main")
    lock_python = python_cap.lock_range(requires_python) if python_cap is not None else None
    if "python" in dependencies:
        return str(dependencies["python"]) if python_in_tool else requires_python
    if lock_python is not None and python_cap is not None:
        dependencies["python"] = lock_python
        collector.info(
            "poetry-python-cap",
            f"{python_cap.requirement} allows only releases for Python <"
            f"{python_cap.below}, and Poetry locks for every Python the project allows: "
            f"[tool.poetry.dependencies] python = {lock_python!r} (only Poetry reads it; "
            "requires-python is left as it is)",
            python_cap.origin,
        )
    elif python_in_tool:
        dependencies["python"] = requires_python
    return requires_python


def cap_lock_python(
    written: bytes,
    *,
    before: bytes | None,
    display: str,
    cap: PythonCap,
    why: str,
    collector: Collector,
) -> bytes | None:
    """``written`` (a ``pyproject.toml`` this run wrote over ``before``) with ``cap`` in
    ``[tool.poetry.dependencies] python``, as :func:`render_pyproject` writes a cap the
    index showed: the range it says (or ``requires-python``) cut below ``cap.below``; only
    Poetry reads it, and ``requires-python`` is left as it is. For a cap that only ``poetry
    lock`` showed (``why`` says how, for the note).

    ``None`` when there is nothing to write: ``before`` had its own ``python`` entry (the
    user's, which is kept), there is no Python range to cut, or the cut changes nothing."""
    from poetry.core.constraints.version import parse_constraint

    if before is not None and _tool_python(parse_document(before, display)[0]) is not None:
        return None
    document, bom, newline = parse_document(written, display)
    project = document.get("project")
    base = _tool_python(document)
    if base is None and isinstance(project, Table) and "requires-python" in project:
        base = str(project["requires-python"])
    if base is None:
        return None
    try:
        capped = cap.lock_range(base)
        if parse_constraint(capped) == parse_constraint(base):
            return None
    except ValueError:  # InvalidSpecifier, or poetry-core's ParseConstraintError
        return None
    _poetry_dependencies(document, "main")["python"] = capped
    content = render_document(document, bom, newline)
    _validate(document.as_string(), display)
    collector.info(
        "poetry-python-cap",
        f"{cap.requirement} allows only releases for Python <{cap.below} ({why}), and Poetry "
        f"locks for every Python the project allows: [tool.poetry.dependencies] python = "
        f"{capped!r} (only Poetry reads it; requires-python is left as it is)",
        cap.origin or Origin(path=display, line=_line_of_tool_python(content)),
    )
    return content


def _tool_python(document: TOMLDocument) -> str | None:
    """``[tool.poetry.dependencies] python``, when the document has it."""
    tool = document.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Table) else None
    dependencies = poetry.get("dependencies") if isinstance(poetry, Table) else None
    if isinstance(dependencies, Table) and "python" in dependencies:
        return str(dependencies["python"])
    return None


def _line_of_tool_python(content: bytes) -> int:
    """The line of ``python =`` in ``[tool.poetry.dependencies]`` (1 when not found)."""
    lines = content.decode("utf-8", errors="replace").splitlines()
    inside = False
    for number, line in enumerate(lines, start=1):
        text = line.strip()
        if text.startswith("["):
            inside = text.replace(" ", "") == "[tool.poetry.dependencies]"
        elif inside and text.split("=", 1)[0].strip() == "python":
            return number
    return 1


def _write_package_mode(document: TOMLDocument, package_mode: bool) -> bool:
    """``[tool.poetry] package-mode = false`` when not in package mode and the file does not
    say; whether the project is in package mode, as the file ends with it."""
    poetry = table_in(table_in(document, "tool", super_table=True), "poetry")
    current = poetry.get("package-mode")
    if current is None and not package_mode:
        poetry["package-mode"] = False
    elif current is not None:
        package_mode = bool(current)
    return package_mode


def _require_version(document: TOMLDocument, display: str, version_origin: Origin | None) -> None:
    """Poetry's package mode needs a version it can read: say so, and what to do."""
    project = document.get("project")
    tool = document.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, Table) else None
    if isinstance(project, Table) and "version" in project:
        return
    if isinstance(poetry, Table) and "version" in poetry:
        return
    why = (
        "its version is dynamic (the build computes it, Poetry cannot)"
        if version_origin is not None
        else "it has no version"
    )
    raise InputError(
        f"Poetry's package mode needs a version it can read, and {why}: set [project] "
        "version, or run with --no-package-mode (Poetry then installs the dependencies "
        "only); nothing was written",
        origin=version_origin or Origin(path=display, line=1),
    )


def _where(group: str) -> str:
    return (
        "tool.poetry.dependencies" if group == "main" else f"tool.poetry.group.{group}.dependencies"
    )


def _poetry_dependencies(document: TOMLDocument, group: str) -> Table:
    poetry = table_in(table_in(document, "tool", super_table=True), "poetry")
    if group == "main":
        return table_in(poetry, "dependencies")
    groups = table_in(poetry, "group", super_table=True)
    return table_in(table_in(groups, group, super_table=True), "dependencies")


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
