"""``--with``: the files that put migrated locks to work in the tools around a repository.

``to-pip-tools`` and ``to-poetry`` hand their plan to :func:`plan_workflow`, which renders,
from ``templates/workflow/``, one file per integration at the repository root:

- ``dependabot``: ``.github/dependabot.yml``, one ``pip`` entry per service with
  ``versioning-strategy: lockfile-only``, groups of packages released together and
  ``ignore`` rules mirroring each declared range (:mod:`lockmigrate.targets.ignore_rules`);
- ``renovate``: ``renovate.json`` with the ``pip-compile`` (or ``poetry``) manager pointed
  at the locks and ``rangeStrategy: in-range-only``;
- ``make``: ``lock``, ``upgrade``, ``check`` and ``diff`` targets, in ``Makefile`` or, when
  the repository has its own, in ``lockmigrate.mk`` for it to include;
- ``pre-commit``: a ``lockmigrate check`` hook in ``.pre-commit-config.yaml``;
- ``github-actions``: ``.github/workflows/lockmigrate.yml``, which runs ``lockmigrate
  check`` and comments ``lockmigrate diff --format markdown`` on pull requests that change
  a lock.

Pure: it reads what is on disk (or what the plan will write) and returns
:class:`~lockmigrate.plan.FileChange` objects; only :mod:`lockmigrate.io` writes. An
existing file is never overwritten: entries are added to YAML and JSON files (everything
else in them kept byte for byte), and a file that cannot be edited that way is left alone
with a diagnostic saying what to add by hand.
"""

from __future__ import annotations

import enum
import fnmatch
import json
import os
import re
import shlex
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from lockmigrate import __version__
from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, UsageError
from lockmigrate.model import IncludeKind, RequirementKind
from lockmigrate.plan import FileChange, Plan
from lockmigrate.redact import contains_credentials
from lockmigrate.resources import read_template
from lockmigrate.scan import FileFormat, ScanReport
from lockmigrate.sources.includes import display_path
from lockmigrate.sources.requirements import parse_bytes
from lockmigrate.targets.ignore_rules import ignored_versions
from lockmigrate.targets.self_install import SelfRequirement, installed_self
from lockmigrate.targets.workflow_edit import (
    YamlError,
    append_to_yaml_sequence,
    dump_json_like,
    load_yaml,
)

if TYPE_CHECKING:
    from typing_extensions import assert_never
elif sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - Python 3.10

    def assert_never(value: object) -> NoReturn:
        raise AssertionError(f"unhandled: {value!r}")


__all__ = [
    "Integration",
    "Setup",
    "Tool",
    "parse_integrations",
    "pip_tools_setup",
    "plan_workflow",
    "poetry_setup",
    "repository_root",
]


class Integration(str, enum.Enum):
    """What ``--with`` can set up, in the order the files are planned."""

    DEPENDABOT = "dependabot"
    RENOVATE = "renovate"
    MAKE = "make"
    PRE_COMMIT = "pre-commit"
    GITHUB_ACTIONS = "github-actions"


class Tool(str, enum.Enum):
    """The lock tool the migrated services use."""

    PIP_TOOLS = "pip-tools"
    POETRY = "poetry"

    @property
    def command(self) -> str:
        return "to-pip-tools" if self is Tool.PIP_TOOLS else "to-poetry"


def parse_integrations(text: str) -> tuple[Integration, ...]:
    """The integrations named in a ``--with`` value (comma-separated, in any order).

    Raises :class:`UsageError` naming every valid choice for an unknown or empty value.
    """
    valid = ", ".join(member.value for member in Integration)
    names = [name.strip().lower() for name in text.split(",") if name.strip()]
    known = {member.value: member for member in Integration}
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        what = f"unknown {', '.join(repr(n) for n in unknown)}" if unknown else "nothing named"
        raise UsageError(f"--with: {what}; choose from {valid} (comma-separated)")
    chosen = {known[name] for name in names}
    return tuple(member for member in Integration if member in chosen)


# --- what the migrated services are -------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class Range:
    """A declared range of one package, where it was written (relative to the root)."""

    name: str
    specifier: str
    marker: str | None
    where: str


@dataclass(frozen=True, slots=True, kw_only=True)
class LockStep:
    """One pip-compile pair of a service: file names in the service folder, and the command
    its lock's header records."""

    input: str
    output: str
    command: str | None


@dataclass(frozen=True, slots=True, kw_only=True)
class Service:
    """A migrated service as the workflow files see it."""

    path: Path
    relative: str  # to the repository root, posix; "." for the root itself
    ranges: tuple[Range, ...]
    locked: frozenset[str]  # canonical names of everything its locks pin
    steps: tuple[LockStep, ...]  # pip-tools pairs, base locks first
    inputs: tuple[str, ...]  # files (relative to the root) that declare ranges
    locks: tuple[str, ...]  # lock files (relative to the root)
    python: str | None = None  # the Python its locks were compiled with

    def under(self, name: str) -> str:
        """``name`` in this service's folder, relative to the root."""
        return name if self.relative == "." else f"{self.relative}/{name}"


@dataclass(frozen=True, slots=True, kw_only=True)
class Setup:
    """Everything the renderers need: the tool, the root and the services under it."""

    tool: Tool
    root: Path
    root_reason: str
    services: tuple[Service, ...]
    rerun: tuple[str, ...] = ()  # options of the run that matter again (--generate-hashes)

    @property
    def paths(self) -> str:
        return " ".join(shlex.quote(service.relative) for service in self.services)

    def command(self, integration: Integration) -> str:
        """The command that writes ``integration``'s file again."""
        return " ".join(
            ["lockmigrate", self.tool.command, "--with", integration.value, *self.rerun]
            + [shlex.quote(service.relative) for service in self.services]
        )


def repository_root(folders: Iterable[Path]) -> tuple[Path, str]:
    """Where the workflow files go, and why: the top level of the git work tree that holds
    every service when there is one (Dependabot, Actions and pre-commit read their files
    there), else the deepest folder that holds every service."""
    absolute = [folder.absolute() for folder in folders]
    common = Path(os.path.commonpath([str(p) for p in absolute]))
    for candidate in (common, *common.parents):
        if (candidate / ".git").exists():
            return candidate, "the top level of the git work tree"
    return common, "the folder that holds every migrated service (no git work tree)"


def _relative(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path.absolute(), root)).as_posix()


@dataclass(slots=True)
class _Contents:
    """File contents as they will be once the plan is written."""

    planned: dict[Path, bytes | None] = field(default_factory=dict)

    @classmethod
    def of(cls, plan: Plan) -> _Contents:
        return cls({change.path.absolute(): change.after for change in plan.changes})

    def read(self, path: Path) -> bytes | None:
        path = path.absolute()
        if path in self.planned:
            return self.planned[path]
        try:
            return path.read_bytes()
        except OSError:
            return None


_HEADER_COMMAND_RE = re.compile(r"^#\s+(?P<command>(?:pip-compile|uv pip compile)\s.*?)\s*$")
_HEADER_PYTHON_RE = re.compile(r"with Python (?P<version>\d+\.\d+)")


def _lock_header(content: bytes | None) -> tuple[str | None, str | None]:
    """The command and Python version a pip-compile (or uv) lock's header records."""
    if content is None:
        return None, None
    command = python = None
    for line in content.decode("utf-8", errors="replace").splitlines():
        if not line.startswith("#"):
            break
        match = _HEADER_COMMAND_RE.match(line)
        if match and command is None:
            command = match.group("command")
        version = _HEADER_PYTHON_RE.search(line)
        if version and python is None:
            python = version.group("version")
    return command, python


def _names(content: bytes | None, path: Path) -> set[str]:
    if content is None:
        return set()
    try:
        file = parse_bytes(content, path=path)
    except InputError:
        return set()
    return {requirement.name for requirement in file.requirements if requirement.name}


def _ranges_of(
    inputs: Sequence[Path], contents: _Contents, root: Path
) -> tuple[tuple[Range, ...], set[Path]]:
    """The ranges of ``inputs`` and of every file they include with ``-r`` (never ``-c``:
    a constraints file holds pins, not ranges)."""
    ranges: list[Range] = []
    seen: set[Path] = set()
    pending = [path.absolute() for path in inputs]
    while pending:
        path = pending.pop(0)
        if path in seen:
            continue
        seen.add(path)
        data = contents.read(path)
        if data is None:
            continue
        try:
            file = parse_bytes(data, path=path, display=_relative(path, root))
        except InputError:
            continue
        for line in file.lines:
            requirement = line.requirement
            if (
                requirement is not None
                and requirement.name
                and requirement.specifier
                and requirement.kind is RequirementKind.NAMED
                and not requirement.constraint
            ):
                ranges.append(
                    Range(
                        name=requirement.name,
                        specifier=requirement.specifier,
                        marker=requirement.marker,
                        where=str(requirement.origin),
                    )
                )
            include = line.include
            if (
                include is not None
                and include.kind is IncludeKind.REQUIREMENT
                and include.resolved is not None
            ):
                pending.append(Path(os.path.abspath(include.resolved)))  # noqa: PTH100
    return tuple(ranges), seen


def _ordered(pairs: dict[Path, Path], contents: _Contents) -> list[Path]:
    """The ``.in`` files of ``pairs`` (``.in`` -> ``.txt``), each after the pairs it is
    layered on (``-r X.in`` / ``-c X.txt`` of another pair)."""
    by_file = {**{i: i for i in pairs}, **{t: i for i, t in pairs.items()}}
    ordered: list[Path] = []

    def place(in_path: Path, stack: tuple[Path, ...]) -> None:
        if in_path in ordered or in_path in stack:
            return
        data = contents.read(in_path)
        if data is not None:
            try:
                includes = parse_bytes(data, path=in_path).includes
            except InputError:
                includes = ()
            for include in includes:
                if include.resolved is None:
                    continue
                target = by_file.get(Path(os.path.abspath(include.resolved)))  # noqa: PTH100
                if target is not None and target != in_path:
                    place(target, (*stack, in_path))
        ordered.append(in_path)

    for in_path in sorted(pairs):
        place(in_path, ())
    return ordered


def pip_tools_setup(report: ScanReport, plan: Plan, *, rerun: Sequence[str] = ()) -> Setup:
    """The services of a ``to-pip-tools`` run: every service of ``report`` with a
    pip-compile pair once ``plan`` is written (migrated now, or before)."""
    contents = _Contents.of(plan)
    found: list[tuple[Path, dict[Path, Path]]] = []
    for scanned_service in report.services:
        pairs: dict[Path, Path] = {}
        for scanned in scanned_service.files:
            txt = scanned.path.absolute()
            in_path = txt.with_suffix(".in")
            migrating = scanned.format is FileFormat.RANGES and txt.suffix == ".txt"
            migrated = scanned.format is FileFormat.PIP_TOOLS_LOCK and in_path.is_file()
            if (migrating and contents.read(in_path) is not None) or migrated:
                pairs[in_path] = txt
        if pairs:
            found.append((scanned_service.path.absolute(), pairs))
    if not found:
        return Setup(tool=Tool.PIP_TOOLS, root=Path.cwd(), root_reason="", services=())
    root, reason = repository_root(folder for folder, _ in found)
    services: list[Service] = []
    for folder, pairs in sorted(found):
        order = _ordered(pairs, contents)
        ranges, _ = _ranges_of(order, contents, root)
        steps: list[LockStep] = []
        locked: set[str] = set()
        python: str | None = None
        for in_path in order:
            lock = contents.read(pairs[in_path])
            command, version = _lock_header(lock)
            python = python or version
            locked |= _names(lock, pairs[in_path])
            steps.append(LockStep(input=in_path.name, output=pairs[in_path].name, command=command))
        services.append(
            Service(
                path=folder,
                relative=_relative(folder, root),
                ranges=ranges,
                locked=frozenset(locked),
                steps=tuple(steps),
                inputs=tuple(_relative(p, root) for p in order),
                locks=tuple(_relative(pairs[p], root) for p in order),
                python=python,
            )
        )
    return Setup(
        tool=Tool.PIP_TOOLS,
        root=root,
        root_reason=reason,
        services=tuple(services),
        rerun=tuple(rerun),
    )


def poetry_setup(plan: Plan, *, rerun: Sequence[str] = ()) -> Setup:
    """The services of a ``to-poetry`` run: every ``pyproject.toml`` the plan writes."""
    from lockmigrate.sources._toml import load_toml
    from lockmigrate.sources.pyproject import parse_pyproject

    projects = sorted(
        (change.path.absolute(), change.after)
        for change in plan.changes
        if change.path.name == "pyproject.toml" and change.after is not None
    )
    if not projects:
        return Setup(tool=Tool.POETRY, root=Path.cwd(), root_reason="", services=())
    root, reason = repository_root(path.parent for path, _ in projects)
    services: list[Service] = []
    for path, data in projects:
        shown = _relative(path, root)
        declarations = parse_pyproject(data, path=path, display=shown)
        ranges = tuple(
            Range(
                name=item.requirement.name,
                specifier=item.requirement.specifier,
                marker=item.requirement.marker,
                where=str(item.requirement.origin),
            )
            for item in declarations.requirements
            if item.requirement.name
            and item.requirement.specifier
            and item.requirement.kind is RequirementKind.NAMED
        )
        lock = path.parent / "poetry.lock"
        locked: set[str] = set()
        if lock.is_file():
            try:
                packages = load_toml(lock.read_bytes(), display=_relative(lock, root))
            except (InputError, OSError):
                packages = {}
            locked = {
                str(package.get("name", "")).lower().replace("_", "-")
                for package in packages.get("package", [])
                if isinstance(package, dict)
            }
        services.append(
            Service(
                path=path.parent,
                relative=_relative(path.parent, root),
                ranges=ranges,
                locked=frozenset(locked - {""}),
                steps=(),
                inputs=(shown,),
                locks=(_relative(lock, root),),
            )
        )
    return Setup(
        tool=Tool.POETRY,
        root=root,
        root_reason=reason,
        services=tuple(services),
        rerun=tuple(rerun),
    )


# --- rendering helpers ----------------------------------------------------------------------

_PLAIN_YAML_RE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./-]*$")

# numpy first; then packages whose wheels are built against numpy's C API.
_NUMPY_STACK = (
    "numpy", "astropy", "blis", "bottleneck", "cftime", "fastparquet", "gensim", "h5py",
    "matplotlib", "netcdf4", "numba", "numexpr", "opencv-python", "opencv-python-headless",
    "pandas", "pyarrow", "pyerfa", "pywavelets", "scikit-image", "scikit-learn", "scipy",
    "shap", "shapely", "spacy", "statsmodels", "tables", "thinc",
)  # fmt: skip

#: Packages released together, so that Dependabot and Renovate update them in one pull
#: request: (group name, why, fnmatch patterns; the first is the anchor).
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "numpy-stack",
        "numpy and the packages compiled against its C API",
        _NUMPY_STACK,
    ),
    ("pydantic", "pydantic pins pydantic-core exactly", ("pydantic", "pydantic-core")),
    ("boto", "released together, pinning each other", ("boto3", "botocore", "s3transfer")),
    ("torch", "released together, pinning each other", ("torch", "torchvision", "torchaudio")),
    ("opentelemetry", "released in lockstep", ("opentelemetry-api", "opentelemetry-*")),
)


def groups_of(names: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """The families with their anchor and at least one other member among ``names``:
    ``(group name, why, members)``, the anchor first."""
    present = set(names)
    found: list[tuple[str, str, list[str]]] = []
    claimed: set[str] = set()
    for group, why, patterns in FAMILIES:
        anchor = patterns[0]
        if anchor not in present:
            continue
        others = sorted(
            name
            for name in present - claimed - {anchor}
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns[1:])
        )
        members = [anchor, *others]
        if len(members) > 1:
            found.append((group, why, members))
            claimed.update(members)
    return found


def _yaml_string(text: str) -> str:
    return text if _PLAIN_YAML_RE.match(text) else json.dumps(text)


def _yaml_scalar(text: str) -> str:
    """``text`` as a YAML value: plain when YAML reads it back as the same string (a
    command line usually), else double-quoted."""
    plain = (
        text == text.strip()
        and text[:1] not in set("!&*{}[]|>'\"%@`#,?:-")
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
    )
    return text if plain else json.dumps(text)


def _flow(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def _indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join((pad + line if line.strip() else "") + "\n" for line in text.splitlines())


def _header(setup: Setup, integration: Integration) -> str:
    return read_template("workflow/header.txt").format(
        version=__version__,
        services=_services_phrase(setup),
        command=setup.command(integration),
    )


def _services_phrase(setup: Setup) -> str:
    names = [service.relative for service in setup.services]
    return ("the service " if len(names) == 1 else "the services ") + ", ".join(names)


def _added(setup: Setup, integration: Integration, what: str) -> str:
    return read_template("workflow/added.txt").format(
        version=__version__, service=what, command=setup.command(integration)
    )


@dataclass(slots=True)
class _Writer:
    """Turns rendered content into file changes, never overwriting what is there."""

    setup: Setup
    collector: Collector
    #: how the pre-commit hook and the CI workflow install lockmigrate
    install: SelfRequirement
    changes: list[FileChange] = field(default_factory=list)

    def shown(self, path: Path) -> str:
        return display_path(path)

    def read_text(self, path: Path) -> str | None:
        try:
            return path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.unmergeable(path, f"it cannot be read as UTF-8 text ({error})", "")
            return None

    def create(self, path: Path, text: str, reason: str) -> None:
        self.changes.append(
            FileChange(
                path=path,
                display=self.shown(path),
                before=None,
                after=text.encode("utf-8"),
                reason=reason,
            )
        )

    def update(self, path: Path, before: str, after: str, reason: str) -> None:
        if before != after:
            self.changes.append(
                FileChange(
                    path=path,
                    display=self.shown(path),
                    before=before.encode("utf-8"),
                    after=after.encode("utf-8"),
                    reason=reason,
                )
            )

    def whole_file(self, path: Path, text: str, reason: str) -> None:
        """Create ``path``; if it exists, leave it as it is (and say so when it differs)."""
        before = self.read_text(path)
        if before is None and not path.exists():
            self.create(path, text, reason)
        elif before == text:
            self.collector.info(
                "workflow-kept", f"{self.shown(path)} is already what lockmigrate writes"
            )
        elif before is not None:
            self.collector.warning(
                "workflow-differs",
                f"{self.shown(path)} exists and differs from what lockmigrate would write; "
                "it was left as it is (delete it and run again to have it written)",
            )

    def unmergeable(self, path: Path, why: str, addition: str) -> None:
        hint = f"; add this by hand:\n{addition.rstrip()}" if addition.strip() else ""
        self.collector.warning(
            "workflow-unmergeable",
            f"{self.shown(path)} was left as it is: {why}{hint}",
        )


# --- Dependabot -----------------------------------------------------------------------------


def _ignore_rules(service: Service) -> list[tuple[str, tuple[str, ...], list[Range]]]:
    """Per package with an upper bound: its name, the versions to ignore, its ranges."""
    by_name: dict[str, list[Range]] = {}
    for declared in service.ranges:
        by_name.setdefault(declared.name, []).append(declared)
    rules = []
    for name in sorted(by_name):
        ranges = by_name[name]
        versions = ignored_versions((r.marker, r.specifier) for r in ranges)
        if versions:
            rules.append((name, versions, ranges))
    return rules


def _dependabot_item(setup: Setup, service: Service) -> str:
    groups = groups_of({r.name for r in service.ranges} | service.locked)
    groups_text = ""
    if groups:
        groups_text = "  groups:\n" + "".join(
            f"    # {why}\n    {group}:\n      patterns:\n"
            + "".join(f"        - {_yaml_string(member)}\n" for member in members)
            for group, why, members in groups
        )
    rules = _ignore_rules(service)
    ignore_text = ""
    if rules:
        ignore_text = "  # Versions each declared range excludes, so no update proposes them:\n"
        ignore_text += "  ignore:\n" + "".join(
            "    # "
            + "; ".join(f"{d.name}{d.specifier} ({d.where})" for d in declared)
            + f"\n    - dependency-name: {_yaml_string(name)}\n      versions: {_flow(versions)}\n"
            for name, versions, declared in rules
        )
    what = (
        f"lock-only updates inside the ranges of {', '.join(service.inputs)}"
        if setup.tool is Tool.PIP_TOOLS
        else f"poetry.lock updates inside the constraints of {', '.join(service.inputs)}"
    )
    return read_template("workflow/dependabot-update.yml").format(
        service=service.relative,
        what=what,
        directory=_yaml_string(_dependabot_directory(service)),
        groups=groups_text,
        ignore=ignore_text,
    )


def _dependabot_directory(service: Service) -> str:
    return "/" if service.relative == "." else "/" + service.relative


def _normalised_directory(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    text = "/" + value.strip().strip("/")
    return text if text != "/" else "/"


def _find_update(updates: list[Any], directory: str) -> dict[str, Any] | None:
    for entry in updates:
        if not isinstance(entry, dict) or entry.get("package-ecosystem") != "pip":
            continue
        listed = [entry.get("directory"), *(entry.get("directories") or [])]
        normalised = [_normalised_directory(value) for value in listed]
        # `directories` may hold globs; an overlapping second block is an error to Dependabot
        if any(p and fnmatch.fnmatchcase(directory, p) for p in normalised):
            return entry
    return None


def _compare_update(writer: _Writer, path: Path, entry: dict[str, Any], service: Service) -> None:
    directory = _dependabot_directory(service)
    problems: list[str] = []
    strategy = entry.get("versioning-strategy")
    if strategy != "lockfile-only":
        problems.append(
            f"versioning-strategy is {strategy or 'not set (auto)'}, not lockfile-only, so "
            "Dependabot may change the declared ranges"
        )
    ignored: dict[str, set[str]] = {}
    for rule in entry.get("ignore") or []:
        if isinstance(rule, dict) and isinstance(rule.get("dependency-name"), str):
            versions = rule.get("versions") or []
            versions = [versions] if isinstance(versions, str) else versions
            ignored.setdefault(rule["dependency-name"], set()).update(map(str, versions))
    missing = [
        f"{name} {', '.join(versions)}"
        for name, versions, _ in _ignore_rules(service)
        if not set(versions) <= ignored.get(name, set())
    ]
    if missing:
        problems.append("no ignore rule for " + "; ".join(missing))
    if problems:
        writer.collector.warning(
            "workflow-differs",
            f"{writer.shown(path)}: the pip entry for {directory} was left as it is: "
            + "; ".join(problems),
        )
    else:
        writer.collector.info(
            "workflow-kept", f"{writer.shown(path)} already has the pip entry for {directory}"
        )


def _dependabot(writer: _Writer) -> None:
    setup = writer.setup
    integration = Integration.DEPENDABOT
    folder = setup.root / ".github"
    path = folder / "dependabot.yml"
    if not path.exists() and (folder / "dependabot.yaml").exists():
        path = folder / "dependabot.yaml"
    items = {service: _dependabot_item(setup, service) for service in setup.services}
    reason = "Dependabot: lock-only updates for " + ", ".join(s.relative for s in setup.services)
    before = writer.read_text(path)
    if before is None:
        if not path.exists():
            text = read_template("workflow/dependabot.yml").format(
                header=_header(setup, integration),
                updates="".join(_indent(item, 2) for item in items.values()),
            )
            writer.create(path, text.rstrip("\n") + "\n", reason)
        return
    try:
        data = load_yaml(before)
    except YamlError as error:
        writer.unmergeable(path, f"it is not valid YAML ({error})", "".join(items.values()))
        return
    updates = data.get("updates") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(updates, list | None):
        writer.unmergeable(path, "it has no list of updates", "".join(items.values()))
        return
    missing: list[str] = []
    for service, item in items.items():
        entry = _find_update(updates or [], _dependabot_directory(service))
        if entry is None:
            missing.append(_added(setup, integration, service.relative) + item)
        else:
            _compare_update(writer, path, entry, service)
    if not missing:
        return
    after = append_to_yaml_sequence(before, "updates", missing)
    if after is None:
        writer.unmergeable(
            path, "its updates list cannot be extended without reformatting it", "".join(missing)
        )
        return
    writer.update(path, before, after, reason)


# --- Renovate -------------------------------------------------------------------------------

#: Where Renovate looks for its configuration, in its order: the first one found is used.
_RENOVATE_FILES = (
    "renovate.json",
    "renovate.json5",
    ".github/renovate.json",
    ".github/renovate.json5",
    ".gitlab/renovate.json",
    ".gitlab/renovate.json5",
    ".renovaterc",
    ".renovaterc.json",
    ".renovaterc.json5",
    "package.json",
)


def _renovate_config(setup: Setup) -> dict[str, Any]:
    """The complete renovate.json lockmigrate writes when there is none."""
    template = json.loads(read_template("workflow/renovate.json"))
    rules_template = template.pop("rules")
    pip_tools = setup.tool is Tool.PIP_TOOLS
    manager = "pip-compile" if pip_tools else "poetry"
    watched = sorted({*(f for s in setup.services for f in (*s.inputs, *s.locks))})
    locks = sorted({lock for service in setup.services for lock in service.locks})
    rules: list[dict[str, Any]] = [
        {
            "description": rules_template["in-range"]["description"],
            "matchManagers": [manager],
            "matchFileNames": watched,
            "rangeStrategy": rules_template["in-range"]["rangeStrategy"],
        }
    ]
    if pip_tools:
        rule = dict(rules_template["locks-only-by-pip-compile"])
        rules.append({"description": rule.pop("description"), **rule, "matchFileNames": locks})
    names = set().union(*({r.name for r in s.ranges} | s.locked for s in setup.services))
    for group, why, members in groups_of(names):
        rules.append(
            {
                "description": rules_template["group"]["description"].format(name=group, why=why),
                "matchManagers": [manager],
                "matchPackageNames": members,
                "groupName": group,
            }
        )
    header = _header(setup, Integration.RENOVATE)
    return {
        "$schema": template["$schema"],
        "description": [line.removeprefix("#").strip() for line in header.splitlines()],
        "extends": template["extends"],
        manager: {"managerFilePatterns": locks if pip_tools else watched},
        "packageRules": rules,
    }


def _renovate(writer: _Writer) -> None:
    """Merge into the configuration file Renovate would read, or create renovate.json."""
    setup = writer.setup
    desired = _renovate_config(setup)
    addition = json.dumps(_renovate_addition(desired), indent=2)
    reason = "Renovate: lock updates inside the declared ranges"
    for name in _RENOVATE_FILES:
        path = setup.root / name
        if not path.is_file():
            continue
        if name.endswith(".json5"):
            writer.unmergeable(path, "lockmigrate edits JSON, not JSON5", addition)
            return
        if name == "package.json":
            text = writer.read_text(path) or ""
            try:
                configured = "renovate" in json.loads(text)
            except (ValueError, TypeError):
                configured = False
            if not configured:
                continue
            writer.unmergeable(
                path, "Renovate is configured there; lockmigrate does not edit package.json",
                addition,
            )  # fmt: skip
            return
        _merge_renovate(writer, path, desired, reason)
        return
    writer.create(setup.root / "renovate.json", json.dumps(desired, indent=2) + "\n", reason)


def _renovate_addition(desired: dict[str, Any]) -> dict[str, Any]:
    """What lockmigrate adds to an existing configuration: the manager and the rules."""
    return {
        key: value
        for key, value in desired.items()
        if key not in {"$schema", "description", "extends"}
    }


def _merge_renovate(writer: _Writer, path: Path, desired: dict[str, Any], reason: str) -> None:
    before = writer.read_text(path)
    if before is None:
        return
    addition = _renovate_addition(desired)
    try:
        data = json.loads(before)
    except ValueError as error:
        writer.unmergeable(path, f"it is not JSON ({error})", json.dumps(addition, indent=2))
        return
    if not isinstance(data, dict):
        writer.unmergeable(path, "it is not a JSON object", json.dumps(addition, indent=2))
        return
    merged = dict(data)
    for key, value in addition.items():
        if key == "packageRules":
            existing = merged.get(key, [])
            if not isinstance(existing, list):
                writer.unmergeable(path, f"{key} is not a list", json.dumps(addition, indent=2))
                return
            described = {
                rule.get("description"): rule for rule in existing if isinstance(rule, dict)
            }
            added = []
            for rule in value:
                kept = described.get(rule["description"])
                if kept is None:
                    added.append(rule)
                elif kept != rule:
                    writer.collector.warning(
                        "workflow-differs",
                        f"{writer.shown(path)}: the package rule {rule['description']!r} "
                        "differs from what lockmigrate would write; it was left as it is",
                    )
            if added:
                merged[key] = [*existing, *added]
        else:
            section = merged.get(key, {})
            patterns = section.get("managerFilePatterns", []) if isinstance(section, dict) else 0
            if not isinstance(patterns, list):
                writer.unmergeable(
                    path, f"{key} is not an object with a list of managerFilePatterns",
                    json.dumps(addition, indent=2),
                )  # fmt: skip
                return
            new = [p for p in value["managerFilePatterns"] if p not in patterns]
            if new:
                merged[key] = {**section, "managerFilePatterns": [*patterns, *new]}
    if merged == data:
        writer.collector.info(
            "workflow-kept", f"{writer.shown(path)} already has what lockmigrate adds"
        )
        return
    writer.update(path, before, dump_json_like(merged, before), reason)


# --- make -----------------------------------------------------------------------------------

_MAKEFILES = ("GNUmakefile", "makefile", "Makefile")
_INCLUDE_RE = re.compile(r"^\s*-?s?include\s+(?:.*\s)?(?:\S*/)?lockmigrate\.mk\b", re.MULTILINE)
_TARGETS_RE = re.compile(r"^(lock|upgrade|check|diff)\s*::?(?!=)", re.MULTILINE)


def _make_escape(text: str) -> str:
    return text.replace("$", "$$")


def _in_folder(service: Service, command: str) -> str:
    if service.relative == ".":
        return f"\t{command}\n"
    return f"\tcd {_make_escape(shlex.quote(service.relative))} && {command}\n"


def _lock_command(writer: _Writer, service: Service, step: LockStep) -> str:
    command = step.command
    if command is not None and contains_credentials(command):
        writer.collector.warning(
            "workflow-credentials",
            f"the header of {service.under(step.output)} records a command with credentials; "
            "make lock uses lockmigrate's own pip-compile options instead",
        )
        command = None
    if command is None:
        from lockmigrate.resolve import CompileJob, CompileOptions, resolver_argv

        argv = resolver_argv(
            CompileJob(workdir=".", input=step.input, output=step.output), CompileOptions()
        )
        command = shlex.join(["pip-compile", *argv[4:]])
    command = _make_escape(command)
    if command.startswith("pip-compile "):
        return "$(PIPCOMPILE)" + command[len("pip-compile") :]
    if command.startswith("uv pip compile "):
        return "$(UV)" + command[len("uv") :]
    return command


def _makefile(writer: _Writer) -> None:
    setup = writer.setup
    integration = Integration.MAKE
    paths = _make_escape(setup.paths)
    if setup.tool is Tool.PIP_TOOLS:
        lock = "".join(
            _in_folder(service, _lock_command(writer, service, step))
            for service in setup.services
            for step in service.steps
        )
        flags = "".join(f" {_make_escape(shlex.quote(flag))}" for flag in setup.rerun)
        text = read_template("workflow/Makefile.pip-tools").format(
            header=_header(setup, integration), lock=lock, upgrade_flags=flags, paths=paths
        )
    else:
        text = read_template("workflow/Makefile.poetry").format(
            header=_header(setup, integration),
            lock="".join(_in_folder(s, "$(POETRY) lock") for s in setup.services),
            upgrade="".join(_in_folder(s, "$(POETRY) update --lock") for s in setup.services),
            paths=paths,
        )
    existing = next((setup.root / n for n in _MAKEFILES if (setup.root / n).is_file()), None)
    own = existing is not None and _generated_by_us(writer.read_text(existing))
    reason = "make lock, upgrade, check and diff"
    if existing is None or own:
        writer.whole_file(existing or setup.root / "Makefile", text, reason)
        return
    writer.whole_file(setup.root / "lockmigrate.mk", text, reason + f" (for {existing.name})")
    makefile = writer.read_text(existing) or ""
    if not _INCLUDE_RE.search(makefile):
        clashes = sorted(set(_TARGETS_RE.findall(makefile)))
        clash = (
            f"; it already defines {', '.join(clashes)}: rename those targets first"
            if clashes
            else ""
        )
        writer.collector.warning(
            "make-include",
            f"{writer.shown(existing)} is yours, so the targets went to lockmigrate.mk: add "
            f"the line  include lockmigrate.mk  to {existing.name} to use them{clash}",
        )


def _generated_by_us(text: str | None) -> bool:
    return text is not None and text.startswith("# Generated by lockmigrate ")


# --- pre-commit -----------------------------------------------------------------------------

_REQUIREMENT_FILES = (
    r"[^/]*requirements[^/]*\.(in|txt)|requirements/[^/]+\.(in|txt)|[^/]+\.in"
    r"|constraints[^/]*\.txt|pyproject\.toml|poetry\.lock"
)


def _hook_files(setup: Setup) -> str:
    folders = sorted({s.relative for s in setup.services if s.relative != "."})
    inside = "(" + "|".join(re.escape(folder) for folder in folders) + ")/" if folders else ""
    if any(s.relative == "." for s in setup.services) and folders:
        inside = f"({inside})?"
    return f"^{inside}({_REQUIREMENT_FILES})$"


def _pre_commit(writer: _Writer) -> None:
    setup = writer.setup
    integration = Integration.PRE_COMMIT
    path = setup.root / ".pre-commit-config.yaml"
    item = read_template("workflow/pre-commit-hook.yaml").format(
        args=_flow(s.relative for s in setup.services),
        requirement=json.dumps(writer.install.requirement),
        why=writer.install.why,
        files=json.dumps(_hook_files(setup)),
    )
    reason = "pre-commit: lockmigrate check before each commit that changes a lock"
    before = writer.read_text(path)
    if before is None:
        if not path.exists():
            text = read_template("workflow/pre-commit-config.yaml").format(
                header=_header(setup, integration), repos=_indent(item, 2)
            )
            writer.create(path, text.rstrip("\n") + "\n", reason)
        return
    try:
        data = load_yaml(before)
    except YamlError as error:
        writer.unmergeable(path, f"it is not valid YAML ({error})", item)
        return
    repos = data.get("repos") if isinstance(data, dict) else None
    if not isinstance(data, dict) or not isinstance(repos, list | None):
        writer.unmergeable(path, "it has no list of repos", item)
        return
    hooks = [
        hook
        for repo in repos or []
        if isinstance(repo, dict)
        for hook in repo.get("hooks") or []
        if isinstance(hook, dict)
    ]
    if any(hook.get("id") == "lockmigrate-check" for hook in hooks):
        writer.collector.info(
            "workflow-kept", f"{writer.shown(path)} already has the lockmigrate-check hook"
        )
        return
    addition = _added(setup, integration, _services_phrase(setup)) + item
    after = append_to_yaml_sequence(before, "repos", [addition])
    if after is None:
        writer.unmergeable(
            path, "its repos list cannot be extended without reformatting it", addition
        )
        return
    writer.update(path, before, after, reason)


# --- GitHub Actions -------------------------------------------------------------------------


def _github_actions(writer: _Writer) -> None:
    setup = writer.setup
    path = setup.root / ".github" / "workflows" / "lockmigrate.yml"
    watched = sorted({f for s in setup.services for f in (*s.inputs, *s.locks)})
    watched.append(".github/workflows/lockmigrate.yml")
    locks = sorted({lock for service in setup.services for lock in service.locks})
    python = next((s.python for s in setup.services if s.python), None)
    install = [writer.install.requirement]
    if setup.tool is Tool.POETRY:
        install.append("poetry>=2,<3")
    command = "python -m pip install " + " ".join(shlex.quote(r) for r in install)
    text = read_template("workflow/github-actions.yml").format(
        header=_header(setup, Integration.GITHUB_ACTIONS),
        paths_filter="".join(f"      - {json.dumps(p)}\n" for p in watched),
        python=python or f"{sys.version_info.major}.{sys.version_info.minor}",
        install=_yaml_scalar(command),
        why=writer.install.why,
        paths=setup.paths,
        locks=" ".join(shlex.quote(lock) for lock in locks),
    )
    writer.whole_file(path, text, "GitHub Actions: lockmigrate check and diff on pull requests")


# --- entry point ----------------------------------------------------------------------------


def _renderer(integration: Integration) -> Callable[[_Writer], None]:
    if integration is Integration.DEPENDABOT:
        return _dependabot
    if integration is Integration.RENOVATE:
        return _renovate
    if integration is Integration.MAKE:
        return _makefile
    if integration is Integration.PRE_COMMIT:
        return _pre_commit
    if integration is Integration.GITHUB_ACTIONS:
        return _github_actions
    assert_never(integration)


def plan_workflow(
    setup: Setup,
    integrations: Sequence[Integration],
    *,
    collector: Collector,
    install: SelfRequirement | None = None,
) -> tuple[FileChange, ...]:
    """The files ``integrations`` need for the services of ``setup``, as changes to add to
    the migration's plan. Existing files are edited only by adding to them; what cannot be
    added is a diagnostic in ``collector``. ``install`` is how the pre-commit hook and the
    CI workflow install lockmigrate (default: :func:`installed_self`, what is running)."""
    if not integrations:
        return ()
    if not setup.services:
        collector.warning(
            "workflow-no-services",
            "--with: no migrated service was found, so no workflow file was written",
        )
        return ()
    collector.info(
        "workflow-root",
        f"workflow files go to {display_path(setup.root) or '.'}: {setup.root_reason}",
    )
    if setup.tool is Tool.POETRY:
        for service in setup.services:
            if not (service.path / "poetry.lock").is_file():
                collector.info(
                    "workflow-no-lock",
                    f"{service.under('poetry.lock')} does not exist yet: Dependabot and "
                    "Renovate update a lock, so create it (--lock, or make lock)",
                )
    install = install if install is not None else installed_self()
    writer = _Writer(setup=setup, collector=collector, install=install)
    installing = False  # whether a file that installs lockmigrate is written
    for integration in integrations:
        before = len(writer.changes)
        _renderer(integration)(writer)
        if integration in {Integration.PRE_COMMIT, Integration.GITHUB_ACTIONS}:
            installing = installing or len(writer.changes) > before
    if installing and install.warning is not None:
        collector.warning("workflow-unreleased", install.warning)
    return tuple(writer.changes)
