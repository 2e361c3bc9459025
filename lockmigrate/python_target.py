"""Which Python a project targets, and where that came from.

``to-poetry`` writes it as ``requires-python``. (``to-pip-tools`` resolves for the running
interpreter as pip-compile does, or ``--python-version``; only when the resolver says the
ranges need a newer Python does it resolve for that one, with uv: see
:func:`lockmigrate.resolve.needed_python`.) The first of these wins:

1. what the user asked for (``--python``);
2. what the project declares: ``[project] requires-python``, ``[tool.poetry.dependencies]
   python``, ``setup.cfg`` ``python_requires``, a literal ``python_requires=`` in
   ``setup.py``;
3. a ``.python-version`` file (pyenv, uv), in the folder or a parent up to the root given;
4. a ``runtime.txt`` (Heroku and its imitators: ``python-3.12.4``), the same way;
5. what the ranges need: for each named requirement, the package index's
   ``Requires-Python`` of the versions its range allows gives the oldest Python any of them
   installs on; the project needs the newest of those floors. The running interpreter
   is kept when it is newer (the ranges say only what Python they cannot go below; the
   interpreter the migration runs on is the best evidence of what the project runs on).

Only ``>=X.Y`` lower bounds are derived for ``requires-python``. A resolver that locks for
every Python at once (Poetry) also needs the ranges' upper bound: when every release a range
allows says ``Requires-Python: <4.0``, Poetry refuses a project range open above. With
``with_cap``, :attr:`PythonTarget.cap` says so (:class:`PythonCap`), to be written where only
the locker reads it.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from lockmigrate.errors import InputError
from lockmigrate.model.python import PythonCap, PythonTarget, TargetSource
from lockmigrate.model.requirements import DeclaredRequirement, Option, Origin, RequirementKind

if TYPE_CHECKING:
    from lockmigrate.index import AvailableVersion, ProjectVersions

__all__ = ["PythonCap", "PythonTarget", "TargetSource", "find_python_target", "python_floor_of"]

#: The Python minors a derived floor is chosen from (``Requires-Python`` is compared at these).
_CANDIDATES = tuple(Version(f"3.{minor}") for minor in range(21))
#: Where a cap is looked for: every 3.X, then 4.0 standing for every later Python.
_CAP_PROBES = (*_CANDIDATES, Version("4.0"))
_VERSION_FILE_RE = re.compile(r"^(?:cpython-|python-?)?(?P<version>3\.\d+)(?:\.\d+)?\S*$")


def _minimum(specifier: str) -> str:
    """The oldest ``3.X`` a specifier allows (``3.0`` when it names no lower bound)."""
    parsed = SpecifierSet(specifier)
    for candidate in _CANDIDATES:
        if parsed.contains(candidate, prereleases=True) or parsed.contains(
            Version(f"{candidate}.99"), prereleases=True
        ):
            return str(candidate)
    return str(_CANDIDATES[0])


def _target(
    specifier: str,
    source: TargetSource,
    reason: str,
    origin: Origin | None = None,
    warning: str | None = None,
) -> PythonTarget:
    try:
        normal = str(SpecifierSet(specifier))
    except InvalidSpecifier:
        raise InputError(f"not a Python version specifier: {specifier!r}", origin=origin) from None
    return PythonTarget(
        requires_python=normal,
        minimum=_minimum(normal),
        source=source,
        reason=reason,
        origin=origin,
        warning=warning,
    )


def _folders(folder: Path, root: Path | None) -> list[Path]:
    """``folder``, then its parents up to ``root`` (included); only ``folder`` without one."""
    start = folder.absolute()
    if root is None:
        return [start]
    top = root.absolute()
    found = [start]
    for parent in start.parents:
        if top != parent and top not in parent.parents:
            break
        found.append(parent)
    return found


def _version_file(
    folders: Sequence[Path], name: str, display: Callable[[Path], str]
) -> tuple[str, Origin] | None:
    for folder in folders:
        path = folder / name
        if not path.is_file():
            continue
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
        for number, raw in enumerate(lines, start=1):
            text = raw.split("#", 1)[0].strip()
            match = _VERSION_FILE_RE.match(text)
            if match is not None:
                return f">={match.group('version')}", Origin(path=display(path), line=number)
    return None


def _interpreter() -> str:
    return f"{sys.version_info.major}.{sys.version_info.minor}"


def python_floor_of(requires_python: Iterable[str]) -> Version | None:
    """The oldest Python ``3.X`` that one of these ``Requires-Python`` values (one per
    file of a release; ``""`` for none) lets install, ``None`` when none allows any."""
    texts = tuple(requires_python)
    for candidate in _CANDIDATES:
        for text in texts:
            if not text:
                return candidate
            try:
                specifier = SpecifierSet(text)
            except InvalidSpecifier:
                return candidate  # pip ignores an unparsable Requires-Python
            upper = Version(f"{candidate}.99")
            if specifier.contains(candidate, prereleases=True) or specifier.contains(
                upper, prereleases=True
            ):
                return candidate
    return None


def _applies_to_every_python(requirement: DeclaredRequirement) -> bool:
    """A requirement whose marker names the Python version says itself which Pythons it is
    for: it does not raise the floor of the others."""
    marker = requirement.marker or ""
    return "python_version" not in marker and "python_full_version" not in marker


def _needs(
    requirements: Sequence[DeclaredRequirement], versions: Mapping[str, ProjectVersions]
) -> tuple[Version | None, DeclaredRequirement | None, list[str]]:
    """The newest floor over the requirements, the requirement that sets it, and the
    names the index could not answer for."""
    best: Version | None = None
    culprit: DeclaredRequirement | None = None
    unknown: list[str] = []
    for requirement in requirements:
        answer = versions.get(requirement.name or "")
        if answer is None or not answer.versions:
            unknown.append(requirement.name or requirement.text)
            continue
        specifier = SpecifierSet(requirement.specifier)
        floors: list[Version] = []
        for available in answer.versions:
            if available.yanked and not requirement.specifier.startswith("=="):
                continue
            if not specifier.contains(available.version):
                continue
            floor = python_floor_of(available.requires_python)
            if floor is not None:
                floors.append(floor)
        if not floors:
            continue  # nothing allowed: the resolver will say so better than we can
        need = min(floors)
        if best is None or need > best:
            best, culprit = need, requirement
    return best, culprit, unknown


def _allowed(
    requirement: DeclaredRequirement, answer: ProjectVersions | None
) -> list[AvailableVersion]:
    """The releases pip could pick for ``requirement`` (yanked ones only for ``==``)."""
    if answer is None:
        return []
    specifier = SpecifierSet(requirement.specifier)
    return [
        available
        for available in answer.versions
        if (not available.yanked or requirement.specifier.startswith("=="))
        and specifier.contains(available.version)
    ]


def _installs_on(available: AvailableVersion, python: Version) -> bool:
    return available.allows_python(str(python)) or available.allows_python(f"{python}.99")


def _cap(
    requirements: Sequence[DeclaredRequirement],
    versions: Mapping[str, ProjectVersions],
    requires_python: str,
) -> PythonCap | None:
    """The lowest Python above the project's range start where some requirement has no
    release left; ``None`` when every requirement has a release for all of the range."""
    project = SpecifierSet(requires_python)
    probes = [
        p
        for p in _CAP_PROBES
        if project.contains(p, prereleases=True) or project.contains(Version(f"{p}.99"))
    ]
    if not probes:
        return None
    lowest: tuple[Version, DeclaredRequirement] | None = None
    for requirement in requirements:
        stops: list[Version] = []
        for available in _allowed(requirement, versions.get(requirement.name or "")):
            started, stop = False, None
            for probe in probes:
                if _installs_on(available, probe):
                    started = True
                elif started:
                    stop = probe
                    break
            if not started:
                continue  # not for this project's Pythons at all: the floor's business
            if stop is None:
                stops = []
                break  # a release for the whole range: no cap from this requirement
            stops.append(stop)
        if stops and (lowest is None or max(stops) < lowest[0]):
            lowest = (max(stops), requirement)
    if lowest is None:
        return None
    below, requirement = lowest
    return PythonCap(
        below=str(below), requirement=requirement.text.strip(), origin=requirement.origin
    )


def find_python_target(
    folder: Path,
    *,
    requirements: Sequence[DeclaredRequirement] = (),
    options: Sequence[Option] = (),
    explicit: str | None = None,
    root: Path | None = None,
    display: Callable[[Path], str] = lambda path: path.as_posix(),
    fetch: Callable[[Sequence[str], Sequence[Option]], Mapping[str, ProjectVersions]] | None = None,
    with_cap: bool = False,
) -> PythonTarget:
    """The Python the project in ``folder`` targets, and where that came from.

    ``requirements`` are the service's requirements (for step 5), ``options`` their files'
    index options (``--index-url`` …, applied over pip's configuration as pip would);
    ``explicit`` is what the user passed (``3.12`` or a specifier); ``root`` bounds the
    search for ``.python-version`` and ``runtime.txt`` in parent folders. ``fetch`` asks
    the index (``names, options -> {name: ProjectVersions}``); the default is
    :func:`lockmigrate.index.fetch_versions` over pip's sources. The index is asked only
    when nothing earlier answers (or for ``with_cap``); when it cannot answer, the running
    interpreter is used and :attr:`PythonTarget.warning` says why.

    ``with_cap`` also finds :attr:`PythonTarget.cap`, the upper bound a resolver that locks
    for every Python at once needs (no cap when the index cannot answer).
    """
    named = [
        r
        for r in requirements
        if r.kind is RequirementKind.NAMED and r.name is not None and _applies_to_every_python(r)
    ]
    answers: dict[str, Mapping[str, ProjectVersions] | Exception] = {}

    def ask() -> Mapping[str, ProjectVersions]:
        if "versions" not in answers:
            names = sorted({r.name for r in named if r.name is not None})
            try:
                answers["versions"] = (fetch or _fetch)(names, options)
            except (OSError, ValueError) as error:
                answers["versions"] = error
        found = answers["versions"]
        if isinstance(found, Exception):
            raise found
        return found

    target = _find(folder, named, explicit=explicit, root=root, display=display, ask=ask)
    if not with_cap or not named:
        return target
    try:
        versions = ask()
    except (OSError, ValueError):
        return target
    cap = _cap(named, versions, target.requires_python)
    return target if cap is None else dataclasses.replace(target, cap=cap)


def _find(
    folder: Path,
    named: Sequence[DeclaredRequirement],
    *,
    explicit: str | None,
    root: Path | None,
    display: Callable[[Path], str],
    ask: Callable[[], Mapping[str, ProjectVersions]],
) -> PythonTarget:
    from lockmigrate.sources.metadata import read_package_metadata

    if explicit is not None:
        text = explicit.strip()
        specifier = text if text[:1] in "<>=!~" else f">={text}"
        return _target(specifier, TargetSource.OPTION, "--python")
    declared = read_package_metadata(folder, display=display(folder)).python
    if declared is not None:
        return _target(
            declared.specifier,
            TargetSource.PROJECT,
            f"{declared.origin} {declared.what}",
            declared.origin,
        )
    folders = _folders(folder, root)
    for name, source in (
        (".python-version", TargetSource.PYTHON_VERSION_FILE),
        ("runtime.txt", TargetSource.RUNTIME_TXT),
    ):
        found = _version_file(folders, name, display)
        if found is not None:
            specifier, origin = found
            return _target(specifier, source, f"{origin} {name}", origin)
    interpreter = _interpreter()
    if not named:
        return _target(
            f">={interpreter}",
            TargetSource.INTERPRETER,
            f"the running interpreter ({interpreter}): nothing in the project names a Python",
        )
    names = sorted({r.name for r in named if r.name is not None})
    try:
        versions = ask()
    except (OSError, ValueError) as error:
        return _unanswered(interpreter, str(error))
    need, culprit, unknown = _needs(named, versions)
    if len(unknown) == len(names):
        errors = [str(v.error) for v in versions.values() if v.error]
        return _unanswered(interpreter, errors[0] if errors else "no project was found")
    missing = f"; the index did not answer for {', '.join(unknown[:3])}" if unknown else ""
    if need is not None and culprit is not None and need > Version(interpreter):
        return _target(
            f">={need}",
            TargetSource.RANGES,
            f"{culprit.origin} {culprit.text.strip()} needs Python >={need} (Requires-Python "
            f"on the index){missing}",
            culprit.origin,
        )
    return _target(
        f">={interpreter}",
        TargetSource.INTERPRETER,
        f"the running interpreter ({interpreter}); the ranges need no newer Python{missing}",
    )


def _unanswered(interpreter: str, why: str) -> PythonTarget:
    return _target(
        f">={interpreter}",
        TargetSource.INTERPRETER,
        f"the running interpreter ({interpreter}): the index could not say what the ranges need",
        warning=f"requires-python '>={interpreter}' is the running interpreter's: the index "
        f"could not say which Python the ranges need ({why}); pass --python if they need "
        "another",
    )


def _fetch(names: Sequence[str], options: Sequence[Option]) -> Mapping[str, ProjectVersions]:
    from lockmigrate.index import IndexSources, default_cache_dir, fetch_versions

    sources = IndexSources.from_pip(options)
    return fetch_versions(names, sources=sources, cache_dir=default_cache_dir())
