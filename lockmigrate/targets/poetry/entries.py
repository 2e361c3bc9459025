"""One service's requirements as Poetry entries: :class:`ServiceWriter` turns each declared
requirement into a PEP 508 string or a ``[tool.poetry]`` value, or a diagnostic saying
why Poetry cannot say it.
"""

from __future__ import annotations

import dataclasses
import os
import re
import urllib.parse
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# packaging before poetry.core: see lockmigrate.specifiers.
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.readers import Readers
from lockmigrate.model.requirements import (
    DeclaredRequirement,
    IncludeKind,
    Line,
    Origin,
    RequirementFile,
    RequirementKind,
)
from lockmigrate.model.services import ScannedService
from lockmigrate.specifiers import counterexamples, only_excluded_post_releases, poetry_style
from lockmigrate.targets.common import refuse_literal_credentials
from lockmigrate.targets.pip_tools_in import layered_on, lines_without_header
from lockmigrate.targets.poetry.options import (
    PYPI_HOSTS,
    UNSUPPORTED_OPTIONS,
    ConstraintStyle,
    Entry,
    Layout,
    PoetryOptions,
    PoetrySource,
)


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


def marker_suffix(requirement: DeclaredRequirement) -> str:
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
class ServiceWriter:
    service: ScannedService
    options: PoetryOptions
    collector: Collector
    readers: Readers  # reads a file included from outside the service
    #: the service's pip-compile inputs -> their locks (absolute): a ``-c`` of one of these
    #: locks below the ``-r`` of its input layers one group on another, as Poetry does anyway
    locks: Mapping[Path, Path] = field(default_factory=dict)
    sources: list[PoetrySource] = field(default_factory=list)
    pypi_named: Origin | None = None

    # --- reading the requirement files --------------------------------------------------------

    def entry(
        self, requirement: DeclaredRequirement, comment: str | None, base: Path
    ) -> Entry | None:
        """The Poetry form of one requirement; ``base`` is its file's folder (local paths
        in a requirements file are relative to it)."""
        local: Path | None = None
        if requirement.kind is RequirementKind.PATH and requirement.url:
            written = requirement.url.removeprefix("file://")
            local = Path(os.path.normpath(base.absolute() / written))
        requirement, name = self._named(requirement, local)
        if name is None or not self._writable(requirement):
            if name is None:
                self._unnamed(requirement)
            return None
        if requirement.kind is RequirementKind.NAMED:
            return self._named_entry(requirement, name, comment)
        if requirement.kind is RequirementKind.VCS:
            return self._vcs_entry(requirement, name, comment)
        if requirement.kind is RequirementKind.PATH:
            return self._path_entry(requirement, name, comment, local)
        url = requirement.url or ""
        table: dict[str, Any] = {"url": url}
        _add_extras_and_marker(table, requirement)
        return Entry(
            name=name, key=requirement.name or "",
            pep508=f"{name}{_extras(requirement)} @ {url}{marker_suffix(requirement)}",
            table=table, comment=comment, origin=requirement.origin, requirement=requirement,
        )  # fmt: skip

    @staticmethod
    def _named(
        requirement: DeclaredRequirement, local: Path | None
    ) -> tuple[DeclaredRequirement, str | None]:
        """``requirement`` and its name as written, taken from the local project it points
        to when the line names none."""
        name = requirement.written_name or requirement.name
        if name is None and local is not None:
            name = local_project_name(local)
            if name is not None:
                requirement = dataclasses.replace(requirement, name=canonicalize_name(name))
        return requirement, name

    def _unnamed(self, requirement: DeclaredRequirement) -> None:
        self.collector.warning(
            "poetry-unnamed",
            f"Poetry needs a name for {requirement.url}: write it as 'name @ URL' and run "
            "again; this requirement was not written",
            requirement.origin,
        )

    def _writable(self, requirement: DeclaredRequirement) -> bool:
        """Whether Poetry can hold ``requirement`` at all; if not, a warning says why."""
        origin = requirement.origin
        if requirement.name is None:
            self._unnamed(requirement)
            return False
        if requirement.variables:
            self.collector.warning(
                "poetry-variable",
                "Poetry does not expand ${VAR} in pyproject.toml: declare the index as a "
                "source with credentials from  poetry config http-basic.<source>; this "
                "requirement was not written",
                origin,
            )
            return False
        if requirement.hashes:
            self.collector.warning(
                "poetry-hashes",
                "--hash pins cannot be written in pyproject.toml: poetry.lock records and "
                "checks the hashes of what it locks",
                origin,
            )
        if requirement.kind is RequirementKind.NAMED and "===" in requirement.specifier:
            self.collector.warning(
                "poetry-arbitrary-equality",
                f"Poetry cannot express the arbitrary equality {requirement.specifier}; pin a "
                "PEP 440 version instead. This requirement was not written",
                origin,
            )
            return False
        url = requirement.url or ""
        if requirement.kind is RequirementKind.VCS and not url.startswith("git+"):
            self.collector.warning(
                "poetry-vcs",
                f"Poetry supports git only, not {url.split('+', 1)[0]}; this requirement "
                "was not written",
                origin,
            )
            return False
        return True

    def _named_entry(
        self, requirement: DeclaredRequirement, name: str, comment: str | None
    ) -> Entry:
        origin = requirement.origin
        specifier = requirement.specifier
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
        return Entry(
            name=name, key=requirement.name or "",
            pep508=f"{name}{_extras(requirement)}{specifier}{marker_suffix(requirement)}",
            table=table, comment=comment, origin=origin, requirement=requirement,
        )  # fmt: skip

    def _vcs_entry(self, requirement: DeclaredRequirement, name: str, comment: str | None) -> Entry:
        origin = requirement.origin
        url = requirement.url or ""
        table: dict[str, Any] = dict(_vcs_parts(url))
        _add_extras_and_marker(table, requirement)
        pep508: str | None = (
            f"{name}{_extras(requirement)} @ {_pep508_url(url)}{marker_suffix(requirement)}"
        )
        if requirement.editable:
            table["develop"] = True
            if self.options.layout is Layout.PEP621:
                self.collector.info(
                    "poetry-editable-vcs",
                    "an editable git dependency is written to [tool.poetry] with develop = "
                    "true, since [project] cannot say 'editable'",
                    origin,
                )
                pep508 = None
        return Entry(
            name=name, key=requirement.name or "", pep508=pep508, table=table, comment=comment,
            origin=origin, requirement=requirement,
        )  # fmt: skip

    def _path_entry(
        self,
        requirement: DeclaredRequirement,
        name: str,
        comment: str | None,
        local: Path | None,
    ) -> Entry:
        origin = requirement.origin
        url = requirement.url or ""
        relative = Path(os.path.relpath(local or url, self.service.path.absolute())).as_posix()
        table: dict[str, Any] = {"path": relative if relative.startswith(".") else f"./{relative}"}
        if requirement.editable:
            table["develop"] = True
        _add_extras_and_marker(table, requirement)
        self.collector.info(
            "poetry-path",
            "a local path is written to [tool.poetry] (a [project] dependency can only "
            "hold absolute paths)",
            origin,
        )
        return Entry(
            name=name, key=requirement.name or "",
            pep508=None, table=table, comment=comment, origin=origin, requirement=requirement,
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
            if host in PYPI_HOSTS:
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
        if name in UNSUPPORTED_OPTIONS:
            self.collector.warning(
                "poetry-option",
                f"{name} {value or ''}".rstrip() + f" cannot be expressed in Poetry: "
                f"{UNSUPPORTED_OPTIONS[name]}",
                origin,
            )

    def collect(
        self, file: RequirementFile, own: set[Path], seen: set[Path] | None = None
    ) -> Iterator[Entry]:
        """Entries a file adds, inlining includes of files that are not migrated themselves.

        Full-line comments travel with the next entry written (``leading``); those after the
        last one with it (``trailing``). The header ``to-pip-tools`` wrote at the top of a
        ``.in`` is about pip-compile and is left out, as is the ``-c`` it wrote to layer the
        file on the lock of a file ``own`` holds (a note says so)."""
        seen = seen if seen is not None else set()
        seen.add(file.path.absolute())
        refuse_literal_credentials(file)
        lines = lines_without_header(file)
        pending: list[str] = []
        last: Entry | None = None
        for index, line in enumerate(lines):
            before = lines[index - 1] if index else None
            for option in line.options:
                if option.name not in {"--requirement", "--constraint", "--editable", "--hash"}:
                    self.option(option.name, option.value, option.origin)
            if not line.content and line.comment:
                text = comment_line(line.comment)
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
                self._constraint(before, line, own)
                continue
            if include.resolved is None:
                continue  # a URL: already reported by scan as remote-include
            target = include.resolved.absolute()
            if target in own or target in seen:
                continue
            nested = self.readers.include_graph([target], collector=self.collector).get(target)
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

    def _constraint(self, before: Line | None, line: Line, own: set[Path]) -> None:
        """A ``-c`` line: Poetry has no constraints files, which is a loss to warn about,
        unless it is the ``-c`` to-pip-tools wrote to layer this file on the lock of a file
        of the service (``poetry.lock`` locks every group together anyway)."""
        include = line.include
        if include is None:
            return
        layered = layered_on(before, line, lock_of=self.locks, inputs=own)
        if layered is not None:
            self.collector.info(
                "poetry-layered-lock",
                f"-c {include.target} keeps this file's pip-compile lock in step with that of "
                f"{layered.target}: poetry.lock resolves every group together with the main "
                "dependencies, which does the same; not written",
                include.origin,
            )
            return
        self.collector.warning(
            "poetry-constraints",
            f"Poetry has no constraints files (-c {include.target}): pin those "
            "versions in a group, or keep pip-compile for this file",
            include.origin,
        )


def comment_line(comment: str) -> str:
    """A full-line comment as TOML will hold it: ``# Application`` -> ``Application``,
    ``#boto3`` -> ``boto3``; a bare ``#`` (a decoration) -> ``""``."""
    return comment.removeprefix("#").strip()


def local_project_name(folder: Path) -> str | None:
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
