"""``lockmigrate to-poetry``: a service's requirement files become its ``pyproject.toml``.

The main (prod) requirements become the main dependencies; every other role becomes a Poetry
dependency group of that name holding only what the file adds on top of the files it
includes. An existing ``pyproject.toml`` is edited with tomlkit, so everything outside the
entries written (comments, order, formatting, other tools' tables) stays byte for byte.

Constraints are written so that Poetry allows exactly the versions pip allowed: PEP 440
specifiers as they are, or ``^``/``~`` only where provably equal (see
:mod:`lockmigrate.specifiers`). Every written constraint is re-read with poetry-core and
compared with packaging before anything is written. What Poetry cannot express is a
diagnostic with ``file:line`` and a next step.
"""

from __future__ import annotations

import dataclasses
import enum
import itertools
import os
import re
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

# packaging before poetry.core: see lockmigrate.specifiers.
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model import (
    DeclaredRequirement,
    IncludeKind,
    Option,
    Origin,
    RequirementFile,
    RequirementKind,
)
from lockmigrate.plan import FileChange, Plan
from lockmigrate.scan import FileFormat, ScannedFile, ScannedService, ScanReport
from lockmigrate.sources.includes import display_path, load_graph
from lockmigrate.specifiers import counterexamples, only_excluded_post_releases, poetry_style
from lockmigrate.targets.common import refuse_literal_credentials

if TYPE_CHECKING:
    from lockmigrate.python_target import PythonTarget
    from lockmigrate.sources.metadata import PackageMetadata
    from lockmigrate.targets.pyproject_edit import Destinations

__all__ = ["ConstraintStyle", "Layout", "PoetryOptions", "PoetryResult", "plan_poetry"]

_PYPI_HOSTS = frozenset({"pypi.org", "pypi.python.org", "files.pythonhosted.org"})
_UNSUPPORTED_OPTIONS = {
    "--find-links": "Poetry has no find-links: publish the files to an index, or use paths",
    "--no-index": "Poetry always uses its sources: a primary source replaces PyPI",
    "--trusted-host": "configure it with  poetry config certificates.<source>.cert false",
    "--pre": "Poetry allows pre-releases per dependency: add allow-prereleases = true where needed",
    "--all-releases": "Poetry allows pre-releases per dependency: add allow-prereleases = true",
    "--only-final": "Poetry excludes pre-releases by default",
    "--only-binary": "configure it with  poetry config installer.only-binary <packages>",
    "--no-binary": "configure it with  poetry config installer.no-binary <packages>",
    "--prefer-binary": "Poetry has no prefer-binary option; keep pip-compile if it matters",
    "--require-hashes": "poetry.lock always records and checks hashes",
    "--no-require-hashes": "poetry.lock always records and checks hashes",
    "--use-feature": "a pip feature flag; Poetry has no equivalent",
    "--config-settings": "Poetry has no per-requirement build settings; keep pip-compile for it",
}


class Layout(str, enum.Enum):
    PEP621 = "pep621"  # [project] dependencies + PEP 735 [dependency-groups]
    POETRY = "poetry"  # [tool.poetry.dependencies] + [tool.poetry.group.<g>.dependencies]


class ConstraintStyle(str, enum.Enum):
    PEP440 = "pep440"  # keep the PEP 440 specifier as written
    POETRY = "poetry"  # ^ / ~ where provably equal (poetry layout only)


@dataclass(frozen=True, slots=True, kw_only=True)
class PoetryOptions:
    layout: Layout = Layout.PEP621
    constraint_style: ConstraintStyle = ConstraintStyle.PEP440
    requires_python: str | None = None  # None: the project's own (lockmigrate.python_target)
    merge: bool = False
    remove_requirements: bool = False
    package_mode: bool | None = None  # None: an application (no package found) gets false


@dataclass(frozen=True, slots=True, kw_only=True)
class PoetrySource:
    name: str
    url: str
    priority: str
    origin: Origin
    username: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Entry:
    """One dependency to write, in both forms."""

    name: str  # as written
    key: str  # canonical
    pep508: str | None  # for [project] / [dependency-groups]; None: needs a tool.poetry table
    table: dict[str, Any] | str | list[dict[str, Any]]  # for [tool.poetry...]; a list: several
    comment: str | None
    origin: Origin
    requirement: DeclaredRequirement | None = None  # None: combined from several lines
    leading: tuple[str, ...] = ()  # full-line comments written above it
    trailing: tuple[str, ...] = ()  # full-line comments at the end of its file


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceResult:
    path: str
    pyproject: str
    requires_python: str
    requires_python_from: str  # where requires_python came from, for people
    package_mode: bool
    groups: tuple[str, ...]
    sources: tuple[PoetrySource, ...]
    is_package: bool = False  # something builds it, whatever Poetry's package mode


@dataclass(frozen=True, slots=True, kw_only=True)
class PoetryResult:
    plan: Plan
    services: tuple[ServiceResult, ...]


def _group_name(role: str) -> str:
    return re.sub(r"[-_.]+", "-", role).lower()


def _source_name(url: str) -> str:
    host = urllib.parse.urlsplit(url).hostname or "index"
    host = host.removeprefix("www.")
    return re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "index"


def _strip_credentials(url: str) -> tuple[str, str | None]:
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    user = userinfo.partition(":")[0] or None
    return urllib.parse.urlunsplit(parts._replace(netloc=hostport)), user


def _marker_suffix(requirement: DeclaredRequirement) -> str:
    return f" ; {requirement.marker}" if requirement.marker else ""


def _extras(requirement: DeclaredRequirement) -> str:
    return f"[{','.join(requirement.extras)}]" if requirement.extras else ""


def _add_extras_and_marker(table: dict[str, Any], requirement: DeclaredRequirement) -> None:
    if requirement.extras:
        table["extras"] = list(requirement.extras)
    if requirement.marker:
        table["markers"] = requirement.marker


def _vcs_parts(url: str) -> dict[str, str]:
    """``git+https://host/repo.git@v1.2#egg=x&subdirectory=y`` as Poetry's git keys."""
    scheme, _, rest = url.partition("+")
    del scheme
    fragment = ""
    if "#" in rest:
        rest, fragment = rest.split("#", 1)
    parsed = urllib.parse.urlsplit(rest)
    path, rev = parsed.path, ""
    if "@" in path:
        path, rev = path.rsplit("@", 1)
    table = {"git": urllib.parse.urlunsplit(parsed._replace(path=path))}
    if rev:
        table["rev"] = rev
    for key, value in urllib.parse.parse_qsl(fragment):
        if key == "subdirectory":
            table["subdirectory"] = value
    return table


def _pep508_url(url: str) -> str:
    """A direct reference without pip's ``#egg=`` fragment (PEP 508 names the project)."""
    base, _, fragment = url.partition("#")
    kept = [f"{k}={v}" for k, v in urllib.parse.parse_qsl(fragment) if k != "egg"]
    return base + ("#" + "&".join(kept) if kept else "")


@dataclass(slots=True)
class _ServiceWriter:
    service: ScannedService
    options: PoetryOptions
    collector: Collector
    sources: list[PoetrySource] = field(default_factory=list)
    pypi_named: Origin | None = None

    # --- reading the requirement files --------------------------------------------------------

    def entry(  # noqa: PLR0915 - one flat branch per requirement kind reads best
        self, requirement: DeclaredRequirement, comment: str | None, base: Path
    ) -> _Entry | None:
        """The Poetry form of one requirement; ``base`` is its file's folder (local paths
        in a requirements file are relative to it)."""
        origin = requirement.origin
        name = requirement.written_name or requirement.name
        local: Path | None = None
        if requirement.kind is RequirementKind.PATH and requirement.url:
            written = requirement.url.removeprefix("file://")
            local = Path(os.path.normpath(base.absolute() / written))
        if name is None and local is not None:
            name = _local_project_name(local)
            if name is not None:
                requirement = dataclasses.replace(requirement, name=canonicalize_name(name))
        if name is None or requirement.name is None:
            self.collector.warning(
                "poetry-unnamed",
                f"Poetry needs a name for {requirement.url}: write it as 'name @ URL' and run "
                "again; this requirement was not written",
                origin,
            )
            return None
        if requirement.variables:
            self.collector.warning(
                "poetry-variable",
                "Poetry does not expand ${VAR} in pyproject.toml: declare the index as a "
                "source with credentials from  poetry config http-basic.<source>; this "
                "requirement was not written",
                origin,
            )
            return None
        if requirement.hashes:
            self.collector.warning(
                "poetry-hashes",
                "--hash pins cannot be written in pyproject.toml: poetry.lock records and "
                "checks the hashes of what it locks",
                origin,
            )
        extras = _extras(requirement)
        marker = _marker_suffix(requirement)
        key = requirement.name
        if requirement.kind is RequirementKind.NAMED:
            specifier = requirement.specifier
            if "===" in specifier:
                self.collector.warning(
                    "poetry-arbitrary-equality",
                    f"Poetry cannot express the arbitrary equality {specifier}; pin a PEP 440 "
                    "version instead. This requirement was not written",
                    origin,
                )
                return None
            constraint = (
                poetry_style(specifier)
                if self.options.constraint_style is ConstraintStyle.POETRY
                else specifier
            )
            # proved both ways: a [project] string, and the [tool.poetry] value (where the
            # main dependencies go when the package's metadata is not lockmigrate's to write)
            self.prove(specifier, specifier, origin, as_pep508=True)
            self.prove(specifier, constraint or "*", origin, as_pep508=False)
            table: dict[str, Any] | str = constraint or "*"
            if requirement.extras or requirement.marker:
                table = {"version": constraint or "*"}
                if requirement.extras:
                    table["extras"] = list(requirement.extras)
                if requirement.marker:
                    table["markers"] = requirement.marker
            return _Entry(
                name=name, key=key, pep508=f"{name}{extras}{specifier}{marker}", table=table,
                comment=comment, origin=origin, requirement=requirement,
            )  # fmt: skip
        url = requirement.url or ""
        if requirement.kind is RequirementKind.VCS:
            if not url.startswith("git+"):
                self.collector.warning(
                    "poetry-vcs",
                    f"Poetry supports git only, not {url.split('+', 1)[0]}; this requirement "
                    "was not written",
                    origin,
                )
                return None
            vcs = _vcs_parts(url)
            table = dict(vcs)
            _add_extras_and_marker(table, requirement)
            if requirement.editable:
                table["develop"] = True
                if self.options.layout is Layout.PEP621:
                    self.collector.info(
                        "poetry-editable-vcs",
                        "an editable git dependency is written to [tool.poetry] with develop = "
                        "true, since [project] cannot say 'editable'",
                        origin,
                    )
                    return _Entry(
                        name=name, key=key, pep508=None, table=table, comment=comment,
                        origin=origin, requirement=requirement,
                    )  # fmt: skip
            return _Entry(
                name=name, key=key, pep508=f"{name}{extras} @ {_pep508_url(url)}{marker}",
                table=table, comment=comment, origin=origin, requirement=requirement,
            )  # fmt: skip
        if requirement.kind is RequirementKind.PATH:
            relative = Path(os.path.relpath(local or url, self.service.path.absolute())).as_posix()
            table = {"path": relative if relative.startswith(".") else f"./{relative}"}
            if requirement.editable:
                table["develop"] = True
            _add_extras_and_marker(table, requirement)
            self.collector.info(
                "poetry-path",
                "a local path is written to [tool.poetry] (a [project] dependency can only "
                "hold absolute paths)",
                origin,
            )
            return _Entry(
                name=name, key=key, pep508=None, table=table, comment=comment, origin=origin,
                requirement=requirement,
            )  # fmt: skip
        table = {"url": url}
        _add_extras_and_marker(table, requirement)
        return _Entry(
            name=name, key=key, pep508=f"{name}{extras} @ {url}{marker}", table=table,
            comment=comment, origin=origin, requirement=requirement,
        )  # fmt: skip

    def prove(self, specifier: str, written: str, origin: Origin, *, as_pep508: bool) -> None:
        """Refuse to write a constraint Poetry would read differently from pip, except where
        Poetry only leaves out post-releases of a version the line excludes with ``!=``
        (written as written, with a note: narrower in Poetry, never wider)."""
        wrong = counterexamples(specifier, written, as_pep508=as_pep508)
        if not wrong:
            return
        if only_excluded_post_releases(specifier, wrong):
            self.collector.info(
                "poetry-not-equal-post",
                f"Poetry reads {written!r} as also leaving out the post-releases of the version "
                f"it excludes ({', '.join(wrong[:2])}), which pip allows; written as written",
                origin,
            )
            return
        raise InputError(
            f"lockmigrate cannot prove that Poetry reads {written!r} as pip reads "
            f"{specifier!r} (they differ on {', '.join(wrong[:3])}); nothing was written",
            origin=origin,
        )

    def option(self, name: str, value: str | None, origin: Origin) -> None:
        if name in {"--index-url", "--extra-index-url"} and value:
            url, user = _strip_credentials(value)
            host = urllib.parse.urlsplit(url).hostname or ""
            if host in _PYPI_HOSTS:
                self.pypi_named = origin  # written only next to a private primary source
                return
            priority = "primary" if name == "--index-url" else "supplemental"
            if any(source.url == url for source in self.sources):
                return
            self.sources.append(
                PoetrySource(
                    name=_source_name(url),
                    url=url,
                    priority=priority,
                    origin=origin,
                    username=user,
                )
            )
            if name == "--extra-index-url":
                self.collector.info(
                    "poetry-supplemental",
                    f"{url} becomes a supplemental source: pip compares all indexes, Poetry "
                    "asks a supplemental source only for packages its primary sources lack",
                    origin,
                )
            return
        if name in _UNSUPPORTED_OPTIONS:
            self.collector.warning(
                "poetry-option",
                f"{name} {value or ''}".rstrip() + f" cannot be expressed in Poetry: "
                f"{_UNSUPPORTED_OPTIONS[name]}",
                origin,
            )

    def collect(
        self, file: RequirementFile, own: set[Path], seen: set[Path] | None = None
    ) -> Iterator[_Entry]:
        """Entries a file adds, inlining includes of files that are not migrated themselves.

        Full-line comments travel with the next entry written (``leading``); those after the
        last one with it (``trailing``)."""
        seen = seen if seen is not None else set()
        seen.add(file.path.absolute())
        refuse_literal_credentials(file)
        pending: list[str] = []
        last: _Entry | None = None
        for line in file.lines:
            for option in line.options:
                if option.name not in {"--requirement", "--constraint", "--editable", "--hash"}:
                    self.option(option.name, option.value, option.origin)
            if not line.content and line.comment:
                text = _comment_line(line.comment)
                if text:
                    pending.append(text)
                continue
            if line.requirement is not None:
                entry = self.entry(line.requirement, line.comment, file.path.parent)
                if entry is not None:
                    if last is not None:
                        yield last
                    last = dataclasses.replace(entry, leading=tuple(pending))
                    pending = []
            include = line.include
            if include is None:
                continue
            if include.kind is IncludeKind.CONSTRAINT:
                self.collector.warning(
                    "poetry-constraints",
                    f"Poetry has no constraints files (-c {include.target}): pin those "
                    "versions in a group, or keep pip-compile for this file",
                    include.origin,
                )
                continue
            if include.resolved is None:
                continue  # a URL: already reported by scan as remote-include
            target = include.resolved.absolute()
            if target in own or target in seen:
                continue
            nested = load_graph([target], collector=self.collector).get(target)
            self.collector.info(
                "poetry-inlined",
                f"{include.target} is not a file of this service: its requirements are "
                "written into this group",
                include.origin,
            )
            if last is not None:
                yield last
                last = None
            yield from self.collect(nested, own, seen)
        if last is not None:
            yield dataclasses.replace(last, trailing=tuple(pending))


def _comment_line(comment: str) -> str:
    """A full-line comment as TOML will hold it: ``# Application`` -> ``Application``,
    ``#boto3`` -> ``boto3``; a bare ``#`` (a decoration) -> ``""``."""
    return comment.removeprefix("#").strip()


def _without_marker(entry: _Entry) -> str | None:
    """The entry's PEP 508 string without its ``; marker``."""
    if entry.pep508 is None or entry.requirement is None or not entry.requirement.marker:
        return entry.pep508
    return entry.pep508.removesuffix(_marker_suffix(entry.requirement))


def _table_with_marker(
    value: dict[str, Any] | str | list[dict[str, Any]], marker: str | None
) -> dict[str, Any]:
    if isinstance(value, list):  # lists are made from single values, never passed in
        raise TypeError("a multiple-constraints list has no single marker")
    table = dict(value) if isinstance(value, dict) else {"version": value}
    table.pop("markers", None)
    if marker:
        table["markers"] = marker
    return table


@dataclass(frozen=True, slots=True)
class _Case:
    """The lines of one name that apply together, where ``marker`` holds."""

    marker: str | None
    members: tuple[_Entry, ...]


def _cases(entries: Sequence[_Entry]) -> tuple[list[_Case], bool]:
    """Split the lines of one name into cases with markers that never hold together, as pip
    reads them: where several lines' markers hold, all of them apply (their specifiers
    intersect, their extras add up). Returns the cases and whether they are the lines'
    own groups (same marker, or markers that never overlap) rather than a split of them."""
    from poetry.core.version.markers import AnyMarker, BaseMarker, parse_marker

    groups: dict[str | None, list[_Entry]] = {}
    for entry in entries:
        marker = entry.requirement.marker if entry.requirement is not None else None
        groups.setdefault(marker or None, []).append(entry)
    if len(groups) == 1:
        ((only, lines),) = groups.items()
        return [_Case(only, tuple(lines))], True
    parsed: dict[str | None, BaseMarker] = {
        marker: parse_marker(marker) if marker else AnyMarker() for marker in groups
    }
    if all(parsed[a].intersect(parsed[b]).is_empty() for a, b in itertools.combinations(groups, 2)):
        return [_Case(marker, tuple(members)) for marker, members in groups.items()], True
    if len(groups) > 4:
        first = entries[0]
        raise InputError(
            f"{first.name} is on {len(entries)} lines whose markers overlap in too many ways "
            "to write as Poetry constraints; merge them into fewer lines",
            origin=first.origin,
        )
    cases: list[_Case] = []
    keys = list(groups)
    for size in range(len(keys), 0, -1):
        for chosen in itertools.combinations(keys, size):
            where: BaseMarker = AnyMarker()
            for key in keys:
                part = parsed[key] if key in chosen else parsed[key].invert()
                where = where.intersect(part)
            if where.is_empty():
                continue
            members = tuple(entry for key in chosen for entry in groups[key])
            cases.append(_Case(str(where) or None, members))
    return cases, False


def _merge_case(case: _Case, writer: _ServiceWriter, emitted: set[int]) -> _Entry:
    """One entry for the lines of a case: the intersection of their specifiers and the
    union of their extras, under the case's marker. ``emitted`` holds the lines whose
    comments an earlier case already carries."""
    first = case.members[0]
    fresh = [e for e in case.members if id(e) not in emitted]
    emitted.update(id(e) for e in case.members)
    comments = [e.comment.lstrip("#").strip() for e in fresh if e.comment]
    merged_comment = "# " + "; ".join(c for c in comments if c) if any(comments) else None
    leading = tuple(text for e in fresh for text in e.leading)
    trailing = tuple(text for e in fresh for text in e.trailing)
    suffix = f" ; {case.marker}" if case.marker else ""
    if len(case.members) == 1:
        base = _without_marker(first)
        return dataclasses.replace(
            first,
            comment=merged_comment,
            leading=leading,
            trailing=trailing,
            pep508=None if base is None else base + suffix,
            table=_table_with_marker(first.table, case.marker)
            if case.marker or not isinstance(first.table, str)
            else first.table,
            requirement=None,
        )
    requirements = [e.requirement for e in case.members]
    if any(r is None or r.kind is not RequirementKind.NAMED for r in requirements):
        lines = ", ".join(str(e.origin) for e in case.members)
        raise InputError(
            f"{first.name} is on several lines that apply together ({lines}) and one of them "
            "is a URL, git or path requirement: Poetry cannot combine them. Keep one line "
            "for that case (a marker can tell them apart)",
            origin=case.members[-1].origin,
        )
    named = [r for r in requirements if r is not None]
    specifier = str(SpecifierSet(",".join(r.specifier for r in named if r.specifier)))
    writer.prove(specifier, specifier, first.origin, as_pep508=True)
    writer.prove(specifier, specifier or "*", first.origin, as_pep508=False)
    extras = sorted({extra for r in named for extra in r.extras})
    table: dict[str, Any] | str = specifier or "*"
    if extras or case.marker:
        table = {"version": specifier or "*"}
        if extras:
            table["extras"] = extras
        if case.marker:
            table["markers"] = case.marker
    shown_extras = f"[{','.join(extras)}]" if extras else ""
    return _Entry(
        name=first.name,
        key=first.key,
        pep508=f"{first.name}{shown_extras}{specifier}{suffix}",
        table=table,
        comment=merged_comment,
        origin=first.origin,
        requirement=None,
        leading=leading,
        trailing=trailing,
    )


def _combine(entries: list[_Entry], *, as_table: bool, writer: _ServiceWriter) -> list[_Entry]:
    """The entries of one destination, each name on as many lines as pip's reading needs.

    A ``[project]``/``[dependency-groups]`` array keeps every line as it is (PEP 621 and
    PEP 735 allow a name on several lines), unless the lines' markers overlap without being
    equal, which Poetry misreads: then the lines are split into cases that never overlap. A
    ``[tool.poetry]`` table holds each name once: lines with the same marker are merged,
    lines with different markers become Poetry's multiple-constraints list."""
    by_key: dict[str, list[_Entry]] = {}
    for entry in entries:
        by_key.setdefault(entry.key, []).append(entry)
    combined: list[_Entry] = []
    for key, same in by_key.items():
        if len(same) == 1:
            combined.append(same[0])
            continue
        cases, own_groups = _cases(same)
        if not as_table:
            if own_groups:
                combined.extend(same)
                continue
            writer.collector.info(
                "poetry-overlapping-markers",
                f"{same[0].name} is on {len(same)} lines whose markers overlap: written as "
                f"{len(cases)} lines whose markers do not (Poetry reads overlapping lines of "
                "one name as alternatives, pip applies all of them)",
                same[0].origin,
            )
            emitted: set[int] = set()
            combined.extend(_merge_case(case, writer, emitted) for case in cases)
            continue
        emitted = set()
        merged = [_merge_case(case, writer, emitted) for case in cases]
        if len(merged) == 1:
            combined.append(merged[0])
            continue
        values = [_table_with_marker(m.table, None) for m in merged]
        for value, case in zip(values, cases, strict=True):
            if case.marker:
                value["markers"] = case.marker
        comments = [m.comment.lstrip("#").strip() for m in merged if m.comment]
        combined.append(
            _Entry(
                name=same[0].name,
                key=key,
                pep508=None,
                table=values,
                comment="# " + "; ".join(comments) if comments else None,
                origin=same[0].origin,
                leading=tuple(text for m in merged for text in m.leading),
                trailing=tuple(text for m in merged for text in m.trailing),
            )
        )
    return combined


def _local_project_name(folder: Path) -> str | None:
    """The name a local project declares in its pyproject.toml, for an unnamed ``-e ./path``."""
    import tomlkit

    try:
        data = tomlkit.parse((folder / "pyproject.toml").read_text(encoding="utf-8")).unwrap()
    except (OSError, ValueError):
        return None
    project = data.get("project", {})
    poetry = data.get("tool", {}).get("poetry", {})
    name = project.get("name") or poetry.get("name")
    return str(name) if name else None


def _sources_of(service: ScannedService) -> list[ScannedFile]:
    chosen = [
        f
        for f in service.files
        if f.format in (FileFormat.RANGES, FileFormat.PIP_TOOLS_IN) and f.role != "constraints"
    ]
    with_in = {f.path.with_suffix("") for f in chosen if f.format is FileFormat.PIP_TOOLS_IN}
    return [
        f
        for f in chosen
        if f.format is FileFormat.PIP_TOOLS_IN or f.path.with_suffix("") not in with_in
    ]


#: What :func:`plan_poetry` needs to know about a service beyond its requirement files:
#: its package metadata, and the Python it targets (given its requirements and options).
MetadataOf = Callable[[ScannedService], "PackageMetadata"]
PythonTargetOf = Callable[
    [ScannedService, Sequence[DeclaredRequirement], Sequence[Option]], "PythonTarget"
]


def _metadata_note(metadata: PackageMetadata, collector: Collector) -> None:
    """Say that the package's own metadata was left alone, and why."""
    origin = metadata.dynamic_dependencies or Origin(
        path=_display_in(metadata, metadata.builder or "pyproject.toml"), line=1
    )
    how = (
        'dynamic = ["dependencies"]'
        if metadata.dynamic_dependencies is not None
        else f"{metadata.builder}, which builds it"
    )
    reads = ", ".join(
        [display_path(p) for p in metadata.reads]
        + [display_path(folder) + "/*" for folder in metadata.globbed]
    )
    collector.info(
        "poetry-metadata-kept",
        f"the package's dependencies come from its build ({how}"
        + (f", reading {reads}" if reads else "")
        + "): its metadata is left as it is and the main requirements go to "
        "[tool.poetry.dependencies], which only Poetry reads; the package still publishes "
        "what its build reads, so keep the two in step (or declare [project] dependencies "
        "yourself)",
        origin,
    )


def _display_in(metadata: PackageMetadata, name: str) -> str:
    return display_path(metadata.folder / name)


def _package_mode(options: PoetryOptions, metadata: PackageMetadata, collector: Collector) -> bool:
    """Poetry's package mode needs a name and a version it can read; a package whose version
    its build computes (``dynamic``, ``setup.py``) is installed by Poetry as dependencies
    only, unless the user asks for package mode (then the missing version is an error
    raised by the writer, with this hint)."""
    if options.package_mode is not None:
        return options.package_mode
    if not metadata.is_package:
        return False
    if metadata.static_version:
        return True
    where = metadata.dynamic_version or Origin(
        path=_display_in(metadata, metadata.builder or "pyproject.toml"), line=1
    )
    collector.info(
        "poetry-package-mode-off",
        "Poetry cannot read this package's version (its build computes it): package-mode "
        "= false, so Poetry installs the dependencies only; install the package itself with  "
        "poetry run pip install -e .  or set a static version and use --package-mode",
        where,
    )
    return False


def plan_poetry(
    report: ScanReport,
    *,
    options: PoetryOptions,
    collector: Collector,
    metadata_of: MetadataOf,
    python_target_of: PythonTargetOf,
) -> PoetryResult:
    """The plan that writes each service's ``pyproject.toml`` (and, with
    ``remove_requirements``, deletes the requirement files it replaces).

    ``metadata_of`` tells what the service's package metadata is made of (nothing it
    publishes is changed); ``python_target_of`` which Python it targets."""
    from lockmigrate.targets.pyproject_edit import render_pyproject

    changes: list[FileChange] = []
    results: list[ServiceResult] = []
    for service in report.services:
        files = _sources_of(service)
        if not files:
            continue
        writer = _ServiceWriter(service=service, options=options, collector=collector)
        own = {f.path.absolute() for f in files}
        for scanned in service.files:
            if scanned.role == "constraints" and scanned.format is FileFormat.CONSTRAINTS:
                collector.warning(
                    "poetry-constraints",
                    f"{scanned.path.name} is a constraints file: Poetry has none; pin those "
                    "versions in a group, or keep pip-compile for it",
                    Origin(path=scanned.file.display, line=1),
                )
        groups: dict[str, list[_Entry]] = {}
        for scanned in files:
            destination = "main" if scanned.role == "main" else _group_name(scanned.role)
            groups.setdefault(destination, []).extend(writer.collect(scanned.file, own))
        metadata = metadata_of(service)
        project_is_ours = options.layout is Layout.PEP621 and not metadata.metadata_is_elsewhere
        if metadata.metadata_is_elsewhere and groups.get("main"):
            _metadata_note(metadata, collector)
        destinations = _destinations(groups, options, project_is_ours, writer)
        if writer.pypi_named is not None and any(
            source.priority == "primary" for source in writer.sources
        ):
            # pip also searched PyPI; a primary source alone would make Poetry stop using it
            writer.sources.append(
                PoetrySource(
                    name="PyPI",
                    url="",
                    priority="primary",
                    origin=writer.pypi_named,
                    username=None,
                )
            )
        target = python_target_of(
            service,
            [e.requirement for es in groups.values() for e in es if e.requirement is not None],
            [o for f in files for o in f.file.options],
        )
        pyproject = service.path / "pyproject.toml"
        before = pyproject.read_bytes() if pyproject.exists() else None
        package_mode = _package_mode(options, metadata, collector)
        rendered = render_pyproject(
            before,
            display=display_path(pyproject),
            name=_project_name(service.path),
            destinations=destinations,
            sources=writer.sources,
            options=options,
            package_mode=package_mode,
            project_is_ours=project_is_ours,
            requires_python=target.requires_python,
            python_cap=target.cap,
            version_origin=metadata.dynamic_version,
            collector=collector,
        )
        from_target = _same_python(rendered.requires_python, target.requires_python)
        if target.warning is not None and from_target:
            collector.warning("python-target-guessed", target.warning, target.origin)
        changes.append(
            FileChange(
                path=pyproject,
                display=display_path(pyproject),
                before=before,
                after=rendered.content,
                reason="Poetry dependencies from " + ", ".join(f.path.name for f in files),
            )
        )
        if options.remove_requirements:
            for scanned in files:
                if metadata.may_read(scanned.path):
                    collector.warning(
                        "poetry-metadata-reads",
                        f"{scanned.path.name} was not removed: the package's build "
                        f"({metadata.builder or 'pyproject.toml'}) may read it, and removing "
                        "it would change what the package publishes",
                        Origin(path=scanned.file.display, line=1),
                    )
                    continue
                changes.append(
                    FileChange(
                        path=scanned.path,
                        display=scanned.file.display,
                        before=scanned.path.read_bytes(),
                        after=None,
                        reason="replaced by pyproject.toml (--remove-requirements)",
                    )
                )
        results.append(
            ServiceResult(
                path=service.display,
                pyproject=display_path(pyproject),
                requires_python=rendered.requires_python,
                requires_python_from=target.reason
                if from_target
                else f"{display_path(pyproject)}, already there",
                package_mode=rendered.package_mode,
                groups=tuple(g for g in groups if g != "main"),
                sources=tuple(writer.sources),
                is_package=metadata.is_package,
            )
        )
    return PoetryResult(plan=Plan(tuple(changes)), services=tuple(results))


def _project_name(folder: Path) -> str:
    """A valid project name from a folder's name (``my_app_`` -> ``my-app``)."""
    return canonicalize_name(folder.absolute().name).strip("-") or "app"


def _same_python(left: str, right: str) -> bool:
    try:
        return SpecifierSet(left) == SpecifierSet(right)
    except ValueError:
        return left.strip() == right.strip()


def _destinations(
    groups: dict[str, list[_Entry]],
    options: PoetryOptions,
    project_is_ours: bool,
    writer: _ServiceWriter,
) -> Destinations:
    """Which entries go to PEP 508 arrays and which to ``[tool.poetry]`` tables, per group,
    each name combined as its destination needs."""
    from lockmigrate.targets.pyproject_edit import Destinations

    arrays: dict[str, list[_Entry]] = {}
    tables: dict[str, list[_Entry]] = {}
    for group, entries in groups.items():
        to_array = options.layout is Layout.PEP621 and (group != "main" or project_is_ours)
        # a name with one line that only [tool.poetry] can hold goes there with all its lines
        table_only = {e.key for e in entries if e.pep508 is None}
        in_array = [e for e in entries if to_array and e.key not in table_only]
        in_table = [e for e in entries if not (to_array and e.key not in table_only)]
        if in_array:
            arrays[group] = _combine(in_array, as_table=False, writer=writer)
        if in_table:
            tables[group] = _combine(in_table, as_table=True, writer=writer)
    return Destinations(arrays=arrays, tables=tables)
