"""One service's requirement files as uv entries: :class:`UvWriter` turns each line into a
PEP 508 string (plus a ``[tool.uv.sources]`` entry for git, URL and path requirements), each
global option into an index or a ``[tool.uv]`` setting, and each ``-r`` of another role into
``{include-group = ...}``; what uv cannot say is a diagnostic at its ``file:line``."""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.model.readers import LoadGraph
from lockmigrate.model.requirements import (
    DeclaredRequirement,
    Include,
    IncludeKind,
    Origin,
    RequirementFile,
    RequirementKind,
)
from lockmigrate.targets.common import refuse_literal_credentials
from lockmigrate.targets.pip_tools_in import lines_without_header
from lockmigrate.targets.poetry.entries import comment_line, local_project_name
from lockmigrate.targets.uv.options import (
    PYPI_HOSTS,
    UNSUPPORTED_OPTIONS,
    UvEntry,
    UvIndex,
    UvSettings,
    UvSource,
)

__all__ = ["UvWriter", "group_name", "specifier_as_written", "strip_credentials"]

#: Options :meth:`UvWriter.collect` reads from the lines themselves, not as settings.
_LINE_OPTIONS = frozenset({"--requirement", "--constraint", "--editable", "--hash"})


def group_name(role: str) -> str:
    """A role as a PEP 735 group name (``Test_Unit`` -> ``test-unit``)."""
    return re.sub(r"[-_.]+", "-", role).lower()


def strip_credentials(url: str) -> tuple[str, bool]:
    """``url`` without its user name and password, and whether it had any."""
    parts = urllib.parse.urlsplit(url)
    if "@" not in parts.netloc:
        return url, False
    return urllib.parse.urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2])), True


def _index_name(url: str, taken: set[str]) -> str:
    host = (urllib.parse.urlsplit(url).hostname or "index").removeprefix("www.")
    base = re.sub(r"[^a-z0-9]+", "-", host.lower()).strip("-") or "index"
    name, counter = base, 2
    while name in taken:
        name, counter = f"{base}-{counter}", counter + 1
    return name


def _extras(requirement: DeclaredRequirement) -> str:
    return f"[{','.join(requirement.extras)}]" if requirement.extras else ""


def _marker(requirement: DeclaredRequirement) -> str:
    return f" ; {requirement.marker}" if requirement.marker else ""


_NAME_AND_EXTRAS = re.compile(r"^\s*[A-Za-z0-9][A-Za-z0-9._-]*\s*(\[[^\]]*\])?")


def specifier_as_written(requirement: DeclaredRequirement) -> str:
    """The line's specifier in the order it was written (``>=6.0,<6.1``, where packaging
    sorts it ``<6.1,>=6.0``), blanks left out; packaging's form when the two could differ."""
    match = _NAME_AND_EXTRAS.match(requirement.text)
    if match is None:
        return requirement.specifier
    written = re.sub(r"\s+", "", requirement.text[match.end() :].partition(";")[0])
    try:
        same = SpecifierSet(written) == SpecifierSet(requirement.specifier)
    except InvalidSpecifier:
        same = False
    return written if same else requirement.specifier


def _git_source(url: str) -> dict[str, Any]:
    """``git+https://host/repo.git@v1.2#egg=x&subdirectory=y`` as uv's git source keys."""
    rest = url.partition("+")[2]
    rest, _, fragment = rest.partition("#")
    parsed = urllib.parse.urlsplit(rest)
    path, rev = parsed.path, ""
    if "@" in path:
        path, rev = path.rsplit("@", 1)
    table: dict[str, Any] = {"git": urllib.parse.urlunsplit(parsed._replace(path=path))}
    if rev:
        table["rev"] = rev
    for key, value in urllib.parse.parse_qsl(fragment):
        if key == "subdirectory":
            table["subdirectory"] = value
    return table


def _url_source(url: str) -> dict[str, Any]:
    """A direct URL without pip's ``#egg=`` (uv names the project from the dependency)."""
    base, _, fragment = url.partition("#")
    table: dict[str, Any] = {"url": base}
    for key, value in urllib.parse.parse_qsl(fragment):
        if key == "subdirectory":
            table["subdirectory"] = value
    return table


@dataclass(slots=True)
class UvWriter:
    """Collects one service's entries; ``settings`` gathers its indexes, sources,
    constraints and ``[tool.uv]`` settings. ``groups`` names the group each file of the
    service (by absolute path) is written to (``None``: ``[project] dependencies``)."""

    folder: Path
    collector: Collector
    groups: Mapping[Path, str | None]
    #: reads an included file and what it includes (the caller's reader: writers import none)
    load_graph: LoadGraph
    locks: frozenset[Path] = frozenset()  # the service's pip-compile locks, absolute
    settings: UvSettings = field(default_factory=UvSettings)

    # --- one requirement -----------------------------------------------------------------

    def entry(
        self, requirement: DeclaredRequirement, comment: str | None, base: Path
    ) -> UvEntry | None:
        """The uv form of one requirement (``base``: its file's folder, which local paths
        are relative to), or ``None`` with a diagnostic saying why uv cannot hold it."""
        local: Path | None = None
        if requirement.kind is RequirementKind.PATH and requirement.url:
            written = requirement.url.removeprefix("file://")
            local = Path(os.path.normpath(base.absolute() / written))
        name = requirement.written_name or requirement.name
        if name is None and local is not None:
            name = local_project_name(local)
            if name is not None:
                requirement = dataclasses.replace(requirement, name=canonicalize_name(name))
        if not self._writable(requirement) or name is None:  # _writable warns when unnamed
            return None
        source = self._source(requirement, local)
        if source is not None:
            if requirement.marker:
                source["marker"] = requirement.marker  # elsewhere: the index, as for pip
            self._add_source(UvSource(name=name, table=source, origin=requirement.origin))
            pep508 = f"{name}{_extras(requirement)}{_marker(requirement)}"
        else:
            specifier = specifier_as_written(requirement)
            pep508 = f"{name}{_extras(requirement)}{specifier}{_marker(requirement)}"
        return UvEntry(
            key=canonicalize_name(name), pep508=pep508, origin=requirement.origin, comment=comment
        )

    def _writable(self, requirement: DeclaredRequirement) -> bool:
        """Whether uv can hold ``requirement``; if not, a warning says why. A part uv does
        not need (``--hash``) is a warning, and the requirement is written."""
        origin = requirement.origin
        if requirement.name is None and requirement.written_name is None:
            self.collector.warning(
                "uv-unnamed",
                f"uv needs a name for {requirement.url}: write it as 'name @ URL' and run "
                "again; this requirement was not written",
                origin,
            )
            return False
        if requirement.variables:
            self.collector.warning(
                "uv-variable",
                "uv does not expand ${VAR} in pyproject.toml: serve the file from an index "
                "(credentials from UV_INDEX_<NAME>_USERNAME/_PASSWORD) or write the URL "
                "without the variable; this requirement was not written",
                origin,
            )
            return False
        url = requirement.url or ""
        if requirement.kind is RequirementKind.VCS and not url.startswith("git+"):
            self.collector.warning(
                "uv-vcs",
                f"uv supports git only, not {url.split('+', 1)[0]}; this requirement was "
                "not written",
                origin,
            )
            return False
        if requirement.hashes:
            # a warning, as for Poetry: the files these hashes name are no longer the only
            # ones allowed; uv.lock checks the hashes of whatever it locks instead
            self.collector.warning(
                "uv-hashes",
                "--hash pins cannot be written in pyproject.toml (the requirement is written "
                "without them): uv.lock records and checks the hashes of what it locks",
                origin,
            )
        if requirement.config_settings:
            self.collector.warning(
                "uv-config-settings",
                "--config-settings " + UNSUPPORTED_OPTIONS["--config-settings"],
                origin,
            )
        return True

    def _source(
        self, requirement: DeclaredRequirement, local: Path | None
    ) -> dict[str, Any] | None:
        url = requirement.url or ""
        if requirement.kind is RequirementKind.VCS:
            if requirement.editable:
                self.collector.info(
                    "uv-editable-vcs",
                    "uv cannot install a git dependency as editable: written as a git "
                    "source; clone it and use a path source with editable = true to edit it",
                    requirement.origin,
                )
            return _git_source(url)
        if requirement.kind is RequirementKind.URL:
            return _url_source(url)
        if requirement.kind is RequirementKind.PATH:
            target = local or Path(url)
            relative = Path(os.path.relpath(target, self.folder.absolute())).as_posix()
            table: dict[str, Any] = {
                "path": relative if relative.startswith(".") else f"./{relative}"
            }
            if requirement.editable:
                table["editable"] = True
            return table
        return None

    def _add_source(self, source: UvSource) -> None:
        """Keep ``source``; a name may have several, each for its own marker (uv then
        takes the first whose marker holds, and the index where none does)."""
        key = canonicalize_name(source.name)
        for known in self.settings.sources:
            if canonicalize_name(known.name) != key:
                continue
            if known.table == source.table:
                return
            if known.table.get("marker") == source.table.get("marker") or not (
                known.table.get("marker") and source.table.get("marker")
            ):
                self.collector.warning(
                    "uv-source-conflict",
                    f"{source.name} comes from {known.table} at {known.origin} and from "
                    f"{source.table} here, for the same environments: [tool.uv.sources] "
                    "takes one place per environment, the first was written",
                    source.origin,
                )
                return
        self.settings.sources.append(source)

    # --- global options --------------------------------------------------------------------

    def option(self, name: str, value: str | None, origin: Origin, base: Path) -> None:
        """A global option: an index, a ``[tool.uv]`` setting, or a diagnostic (``base``:
        the folder of its file, which a local ``--find-links`` is relative to)."""
        if name in {"--index-url", "--extra-index-url"} and value:
            self._index(value, default=name == "--index-url", origin=origin)
        elif name == "--find-links" and value:
            self._find_links(value, origin, base)
        elif name == "--no-index":
            self.settings.no_index = self.settings.no_index or origin
        elif name == "--pre":
            self.settings.prerelease = self.settings.prerelease or origin
        elif name in UNSUPPORTED_OPTIONS:
            self.collector.warning(
                "uv-option",
                f"{name} {value or ''}".rstrip() + " is not written: " + UNSUPPORTED_OPTIONS[name],
                origin,
            )

    def _index(self, value: str, *, default: bool, origin: Origin) -> None:
        url, had_credentials = strip_credentials(value)
        if (urllib.parse.urlsplit(url).hostname or "") in PYPI_HOSTS:
            return  # uv's own default: PyPI stays the index it asks last
        indexes = self.settings.indexes
        if any(index.url.rstrip("/") == url.rstrip("/") for index in indexes):
            return
        if "${" in url:
            self.collector.warning(
                "uv-index-variable",
                f"{url} is written as it is, but uv does not expand ${{VAR}} in an index URL "
                "(only its user name and password come from the environment): write the URL "
                "the variable stands for",
                origin,
            )
        if default and any(index.default for index in indexes):
            self.collector.warning(
                "uv-index-url",
                f"a second --index-url ({url}): pip uses the last one read, uv has one default "
                "index; this one is written as an extra index",
                origin,
            )
            default = False
        indexes.append(
            UvIndex(
                name=_index_name(url, {index.name for index in indexes}),
                url=url,
                default=default,
                origin=origin,
                has_credentials=had_credentials,
            )
        )
        if not default:
            self.collector.info(
                "uv-extra-index",
                f"{url} becomes a [[tool.uv.index]] asked before PyPI: uv takes a package from "
                "the first index that has it, pip compared the versions of every index "
                "(set [tool.uv] index-strategy = 'unsafe-best-match' to do as pip did)",
                origin,
            )

    def _find_links(self, value: str, origin: Origin, base: Path) -> None:
        """pip reads a relative folder from the requirements file's folder when it is
        there, uv from the project's."""
        if "://" in value:
            shown, had_credentials = strip_credentials(value)
            if had_credentials:
                self.collector.warning(
                    "uv-find-links-credentials",
                    f"--find-links {shown} is written without its credentials: uv reads "
                    "them from ~/.netrc or the keyring for find-links",
                    origin,
                )
        else:
            local = base.absolute() / value
            if local.exists():
                value = os.path.relpath(local, self.folder.absolute())
            shown = Path(value).as_posix()
        if all(known != shown for known, _ in self.settings.find_links):
            self.settings.find_links.append((shown, origin))

    # --- a whole file ----------------------------------------------------------------------

    def collect(self, file: RequirementFile, seen: set[Path] | None = None) -> Iterator[UvEntry]:
        """The entries ``file`` adds to its group: its requirements (with their comments),
        ``{include-group = ...}`` for each ``-r`` of a file of another group of the
        service, and the requirements of an included file that is not the service's own
        (inlined). A ``-r`` of the main file adds nothing: every uv group sits on top of
        ``[project] dependencies``. ``-c`` files become constraint dependencies."""
        seen = seen if seen is not None else set()
        seen.add(file.path.absolute())
        refuse_literal_credentials(file)
        pending: list[str] = []
        last: UvEntry | None = None
        for line in lines_without_header(file):  # its header is about pip-compile
            for option in line.options:
                if option.name not in _LINE_OPTIONS:
                    self.option(option.name, option.value, option.origin, file.path.parent)
            if not line.content and line.comment:
                text = comment_line(line.comment)
                if text:
                    pending.append(text)
                continue
            produced: list[UvEntry] = []
            if line.requirement is not None:
                entry = self.entry(line.requirement, line.comment, file.path.parent)
                produced = [entry] if entry is not None else []
            elif line.include is not None:
                produced = list(self._include(file, line.include, seen))
            for entry in produced:
                if last is not None:
                    yield last
                last = dataclasses.replace(entry, leading=(*pending, *entry.leading))
                pending = []
        if last is not None:
            yield dataclasses.replace(last, trailing=tuple(pending))

    def _include(
        self, file: RequirementFile, include: Include, seen: set[Path]
    ) -> Iterator[UvEntry]:
        if include.resolved is None:
            return  # a URL: already reported by scan as remote-include
        target = include.resolved.absolute()
        if include.kind is IncludeKind.CONSTRAINT:
            if target in self.locks:
                self.collector.info(
                    "uv-layered-lock",
                    f"-c {include.target} keeps this file's lock in step with that pip-compile "
                    "lock: uv.lock locks every group together, so it is not written",
                    include.origin,
                )
            else:
                self._constraints(target, include)
            return
        if target in seen:
            return
        if target in self.groups:
            own, here = self.groups[target], self.groups.get(file.path.absolute())
            if own is None or own == here:
                return  # [project] dependencies: under every group already
            if here is not None:
                yield UvEntry(key="", pep508=None, include_group=own, origin=include.origin)
                return
        nested = self.load_graph([target], collector=self.collector).get(target)
        self.collector.info(
            "uv-inlined",
            f"{include.target} is not a group of this service: its requirements are written here",
            include.origin,
        )
        yield from self.collect(nested, seen)

    def _constraints(self, target: Path, include: Include) -> None:
        graph = self.load_graph([target], collector=self.collector)
        for _, requirement in graph.walk(target):
            if requirement.name is None:
                continue
            written = f"{requirement.written_name or requirement.name}" + specifier_as_written(
                requirement
            )
            pep508 = written + _marker(requirement)
            if any(c.pep508 == pep508 for c in self.settings.constraints):
                continue
            self.settings.constraints.append(
                UvEntry(
                    key=requirement.name,
                    pep508=pep508,
                    origin=include.origin,
                    comment=str(requirement.origin),
                )
            )
