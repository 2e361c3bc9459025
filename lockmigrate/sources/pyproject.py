"""Declared ranges from a ``pyproject.toml``: ``[project] dependencies``,
``[project.optional-dependencies]``, ``[dependency-groups]`` (PEP 735, with
``include-group``) and Poetry's ``[tool.poetry.dependencies]``,
``[tool.poetry.dev-dependencies]`` and ``[tool.poetry.group.*.dependencies]``.

Poetry constraints (``^1.2``, ``~1.2``, tables with ``version``/``markers``/``python``/
``extras``, git/path/url sources) are converted to PEP 508 by poetry-core itself, never by
hand. TOML parsers keep no line numbers, so each requirement's line is found in the text
after its table's header (the header's line when it cannot be found).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from lockmigrate.errors import InputError
from lockmigrate.model.requirements import DeclaredRequirement, Origin, RequirementKind
from lockmigrate.redact import redact_url
from lockmigrate.sources._files import read_input
from lockmigrate.sources.toml_files import load_toml

__all__ = [
    "ProjectDeclarations",
    "ProjectRequirement",
    "parse_pyproject",
    "poetry_constraint_to_pep440",
    "read_pyproject",
]

MAIN = "main"


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectRequirement:
    """A declared requirement and the group it belongs to: ``main``, ``extra:NAME``
    (optional dependencies) or ``group:NAME`` (PEP 735 or Poetry groups)."""

    group: str
    requirement: DeclaredRequirement


@dataclass(frozen=True, slots=True, kw_only=True)
class ProjectDeclarations:
    """Everything a ``pyproject.toml`` declares that a lock must honour."""

    path: Path
    display: str
    name: str | None
    requires_python: str | None  # PEP 440, converted from Poetry's constraint when needed
    requirements: tuple[ProjectRequirement, ...]
    poetry: bool  # declared through [tool.poetry]

    @property
    def declares_anything(self) -> bool:
        return bool(self.requirements)


class _Lines:
    """Finds the line a value was written on, searching after a table's header."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()

    def header(self, *names: str) -> int | None:
        for name in names:
            pattern = re.compile(
                r"^\s*\[\s*" + re.escape(name).replace(r"\.", r"\s*\.\s*") + r"\s*\]"
            )
            for number, raw in enumerate(self.lines, start=1):
                if pattern.match(raw):
                    return number
        return None

    def find(self, pattern: re.Pattern[str], start: int | None) -> int | None:
        begin = start or 1
        for number in range(begin, len(self.lines) + 1):
            if pattern.search(self.lines[number - 1]):
                return number
        return None

    def string(self, value: str, start: int | None) -> int:
        quoted = re.compile("[\"']" + re.escape(value) + "[\"']")
        return self.find(quoted, start) or start or 1

    def key(self, key: str, start: int | None) -> int:
        pattern = re.compile(r"^\s*[\"']?" + re.escape(key) + r"[\"']?\s*=")
        return self.find(pattern, start) or start or 1


def _declared(text: str, origin: Origin, *, display: str) -> DeclaredRequirement:
    try:
        parsed = Requirement(text)
    except InvalidRequirement as error:
        raise InputError(f"invalid requirement: {error}", origin=origin, text=text) from None
    url = redact_url(parsed.url) if parsed.url else None
    kind = RequirementKind.NAMED
    if url is not None:
        scheme = url.split(":", 1)[0].lower()
        kind = (
            RequirementKind.VCS
            if "+" in scheme
            else RequirementKind.PATH
            if scheme == "file"
            else RequirementKind.URL
        )
    return DeclaredRequirement(
        text=text,
        name=canonicalize_name(parsed.name),
        written_name=parsed.name,
        specifier=str(parsed.specifier),
        extras=tuple(sorted(canonicalize_name(extra) for extra in parsed.extras)),
        marker=str(parsed.marker) if parsed.marker is not None else None,
        url=url,
        kind=kind,
        editable=False,
        constraint=False,
        hashes=(),
        config_settings=(),
        variables=(),
        origin=origin,
    )


def _strings(value: object, where: str, origin: Origin) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InputError(f"{where} must be an array of strings", origin=origin)
    return list(value)


def _project_table(
    project: Mapping[str, Any], lines: _Lines, display: str
) -> list[ProjectRequirement]:
    found: list[ProjectRequirement] = []
    start = lines.header("project")
    for text in _strings(
        project.get("dependencies", []), "project.dependencies", _at(display, start)
    ):
        origin = _at(display, lines.string(text, start))
        found.append(
            ProjectRequirement(group=MAIN, requirement=_declared(text, origin, display=display))
        )
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, Mapping):
        raise InputError(
            "project.optional-dependencies must be a table", origin=_at(display, start)
        )
    header = lines.header("project.optional-dependencies") or start
    for extra, items in optional.items():
        for text in _strings(items, f"project.optional-dependencies.{extra}", _at(display, header)):
            origin = _at(display, lines.string(text, header))
            group = f"extra:{canonicalize_name(str(extra))}"
            found.append(
                ProjectRequirement(
                    group=group, requirement=_declared(text, origin, display=display)
                )
            )
    return found


def _dependency_groups(
    groups: Mapping[str, Any], lines: _Lines, display: str
) -> list[ProjectRequirement]:
    """PEP 735 groups, with ``{include-group = "..."}`` expanded (cycles are errors)."""
    header = lines.header("dependency-groups")
    by_name: dict[str, Any] = {
        str(canonicalize_name(str(name))): value for name, value in groups.items()
    }

    def expand(name: str, stack: tuple[str, ...]) -> list[tuple[str, Origin]]:
        if name in stack:
            raise InputError(
                f"dependency group include cycle: {' -> '.join((*stack, name))}",
                origin=_at(display, header),
            )
        if name not in by_name:
            raise InputError(
                f"include-group names an unknown group {name!r}", origin=_at(display, header)
            )
        items = by_name[name]
        if not isinstance(items, list):
            raise InputError(
                f"dependency group {name!r} must be an array", origin=_at(display, header)
            )
        expanded: list[tuple[str, Origin]] = []
        for item in items:
            if isinstance(item, str):
                expanded.append((item, _at(display, lines.string(item, header))))
            elif isinstance(item, Mapping) and isinstance(item.get("include-group"), str):
                expanded += expand(canonicalize_name(item["include-group"]), (*stack, name))
            else:
                raise InputError(
                    f"dependency group {name!r}: {item!r} is neither a requirement nor an "
                    "include-group table",
                    origin=_at(display, header),
                )
        return expanded

    found: list[ProjectRequirement] = []
    for name in by_name:
        for text, origin in expand(name, ()):
            found.append(
                ProjectRequirement(
                    group=f"group:{name}", requirement=_declared(text, origin, display=display)
                )
            )
    return found


def poetry_constraint_to_pep440(constraint: str) -> str:
    from poetry.core.constraints.version import parse_constraint

    return str(parse_constraint(constraint))


def _poetry_table(
    table: Mapping[str, Any],
    *,
    group: str,
    header: int | None,
    lines: _Lines,
    display: str,
    root: Path,
) -> list[ProjectRequirement]:
    from poetry.core.factory import Factory

    found: list[ProjectRequirement] = []
    for name, constraint in table.items():
        if canonicalize_name(str(name)) == "python":
            continue
        origin = _at(display, lines.key(str(name), header))
        constraints = constraint if isinstance(constraint, list) else [constraint]
        for single in constraints:
            if not isinstance(single, str | Mapping):
                raise InputError(
                    f"{name}: a Poetry constraint must be a string or a table", origin=origin
                )
            try:
                dependency = Factory.create_dependency(str(name), single, root_dir=root)
                text = dependency.to_pep_508()
            except (ValueError, RuntimeError) as error:
                raise InputError(
                    f"{name}: invalid Poetry constraint {single!r}: {error}", origin=origin
                ) from None
            found.append(
                ProjectRequirement(
                    group=group, requirement=_declared(text, origin, display=display)
                )
            )
    return found


def _poetry(
    poetry: Mapping[str, Any], lines: _Lines, display: str, root: Path
) -> tuple[list[ProjectRequirement], str | None]:
    found: list[ProjectRequirement] = []
    python: str | None = None
    main = poetry.get("dependencies", {})
    if isinstance(main, Mapping):
        header = lines.header("tool.poetry.dependencies")
        raw_python = main.get("python")
        if isinstance(raw_python, str):
            python = poetry_constraint_to_pep440(raw_python)
        found += _poetry_table(
            main, group=MAIN, header=header, lines=lines, display=display, root=root
        )
    legacy = poetry.get("dev-dependencies", {})
    if isinstance(legacy, Mapping):
        header = lines.header("tool.poetry.dev-dependencies")
        found += _poetry_table(
            legacy, group="group:dev", header=header, lines=lines, display=display, root=root
        )
    groups = poetry.get("group", {})
    if isinstance(groups, Mapping):
        for group, body in groups.items():
            dependencies = body.get("dependencies", {}) if isinstance(body, Mapping) else {}
            header = lines.header(f"tool.poetry.group.{group}.dependencies")
            found += _poetry_table(
                dependencies,
                group=f"group:{canonicalize_name(str(group))}",
                header=header,
                lines=lines,
                display=display,
                root=root,
            )
    return found, python


def _at(display: str, line: int | None) -> Origin:
    return Origin(path=display, line=line or 1)


def parse_pyproject(data: bytes, *, path: Path, display: str | None = None) -> ProjectDeclarations:
    """The declared ranges of a ``pyproject.toml``; raises :class:`InputError` at the line
    of a malformed requirement or constraint."""
    shown = display or path.as_posix()
    document = load_toml(data, display=shown)
    lines = _Lines(data.decode("utf-8"))
    requirements: list[ProjectRequirement] = []
    project = document.get("project", {})
    requires_python: str | None = None
    name: str | None = None
    if isinstance(project, Mapping):
        requirements += _project_table(project, lines, shown)
        raw = project.get("requires-python")
        requires_python = raw if isinstance(raw, str) else None
        name = project.get("name") if isinstance(project.get("name"), str) else None
    groups = document.get("dependency-groups", {})
    if isinstance(groups, Mapping):
        requirements += _dependency_groups(groups, lines, shown)
    tool = document.get("tool", {})
    poetry = tool.get("poetry") if isinstance(tool, Mapping) else None
    if isinstance(poetry, Mapping):
        found, python = _poetry(poetry, lines, shown, path.parent)
        requirements += found
        requires_python = requires_python or python
        name = name or (poetry.get("name") if isinstance(poetry.get("name"), str) else None)
    return ProjectDeclarations(
        path=path,
        display=shown,
        name=name,
        requires_python=requires_python,
        requirements=tuple(requirements),
        poetry=isinstance(poetry, Mapping),
    )


def read_pyproject(path: Path, *, display: str | None = None) -> ProjectDeclarations:
    """Read the declared ranges of the ``pyproject.toml`` at ``path``."""
    shown = display or path.as_posix()
    return parse_pyproject(read_input(path, shown, "file"), path=path, display=shown)
