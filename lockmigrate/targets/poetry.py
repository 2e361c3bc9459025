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
import os
import re
import sys
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# packaging before poetry.core: see lockmigrate.specifiers.
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model import (
    DeclaredRequirement,
    IncludeKind,
    Origin,
    RequirementFile,
    RequirementKind,
)
from lockmigrate.plan import FileChange, Plan
from lockmigrate.scan import FileFormat, ScannedFile, ScannedService, ScanReport
from lockmigrate.sources.includes import display_path, load_graph
from lockmigrate.specifiers import counterexamples, poetry_style
from lockmigrate.targets.common import refuse_literal_credentials

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
    requires_python: str = field(
        default_factory=lambda: f">={sys.version_info.major}.{sys.version_info.minor}"
    )
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
    table: dict[str, Any] | str  # for [tool.poetry...]: a constraint string or an inline table
    comment: str | None
    origin: Origin


@dataclass(frozen=True, slots=True, kw_only=True)
class ServiceResult:
    path: str
    pyproject: str
    requires_python: str
    package_mode: bool
    groups: tuple[str, ...]
    sources: tuple[PoetrySource, ...]


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
            self.prove(
                specifier,
                constraint or "*",
                origin,
                as_pep508=self.options.layout is Layout.PEP621,
            )
            table: dict[str, Any] | str = constraint or "*"
            if requirement.extras or requirement.marker:
                table = {"version": constraint or "*"}
                if requirement.extras:
                    table["extras"] = list(requirement.extras)
                if requirement.marker:
                    table["markers"] = requirement.marker
            return _Entry(
                name=name, key=key, pep508=f"{name}{extras}{specifier}{marker}", table=table,
                comment=comment, origin=origin,
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
                        origin=origin,
                    )  # fmt: skip
            return _Entry(
                name=name, key=key, pep508=f"{name}{extras} @ {_pep508_url(url)}{marker}",
                table=table, comment=comment, origin=origin,
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
                name=name, key=key, pep508=None, table=table, comment=comment, origin=origin
            )
        table = {"url": url}
        _add_extras_and_marker(table, requirement)
        return _Entry(
            name=name, key=key, pep508=f"{name}{extras} @ {url}{marker}", table=table,
            comment=comment, origin=origin,
        )  # fmt: skip

    def prove(self, specifier: str, written: str, origin: Origin, *, as_pep508: bool) -> None:
        """Refuse to write a constraint Poetry would read differently from pip."""
        wrong = counterexamples(specifier, specifier if as_pep508 else written, as_pep508=as_pep508)
        if wrong:
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
        """Entries a file adds, inlining includes of files that are not migrated themselves."""
        seen = seen if seen is not None else set()
        seen.add(file.path.absolute())
        refuse_literal_credentials(file)
        for line in file.lines:
            for option in line.options:
                if option.name not in {"--requirement", "--constraint", "--editable", "--hash"}:
                    self.option(option.name, option.value, option.origin)
            if line.requirement is not None:
                entry = self.entry(line.requirement, line.comment, file.path.parent)
                if entry is not None:
                    yield entry
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
            yield from self.collect(nested, own, seen)


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


def _is_library(folder: Path) -> bool:
    """A service is a package (not an application) when it can be built: it has a setup.py
    or setup.cfg, or a pyproject.toml with a build system or a version to build."""
    if (folder / "setup.py").is_file() or (folder / "setup.cfg").is_file():
        return True
    pyproject = folder / "pyproject.toml"
    if not pyproject.is_file():
        return False
    import tomlkit

    try:
        data = tomlkit.parse(pyproject.read_text(encoding="utf-8")).unwrap()
    except (OSError, ValueError):
        return False
    project = data.get("project", {})
    return "build-system" in data or "version" in project or "version" in project.get("dynamic", [])


def plan_poetry(
    report: ScanReport, *, options: PoetryOptions, collector: Collector
) -> PoetryResult:
    """The plan that writes each service's ``pyproject.toml`` (and, with
    ``remove_requirements``, deletes the requirement files it replaces)."""
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
        pyproject = service.path / "pyproject.toml"
        before = pyproject.read_bytes() if pyproject.exists() else None
        after, package_mode, requires_python = render_pyproject(
            before,
            display=display_path(pyproject),
            name=canonicalize_name(service.path.name),
            groups=groups,
            sources=writer.sources,
            options=options,
            is_library=_is_library(service.path),
            collector=collector,
        )
        changes.append(
            FileChange(
                path=pyproject,
                display=display_path(pyproject),
                before=before,
                after=after,
                reason="Poetry dependencies from " + ", ".join(f.path.name for f in files),
            )
        )
        if options.remove_requirements:
            for scanned in files:
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
                requires_python=requires_python,
                package_mode=package_mode,
                groups=tuple(g for g in groups if g != "main"),
                sources=tuple(writer.sources),
            )
        )
    return PoetryResult(plan=Plan(tuple(changes)), services=tuple(results))
