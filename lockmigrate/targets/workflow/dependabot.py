"""Dependabot: ``.github/dependabot.yml``, one entry per service (``pip`` for pip-compile
and Poetry, ``uv`` per uv project) with ``versioning-strategy: lockfile-only``, groups of
packages released together and ``ignore`` rules mirroring each declared range
(:mod:`lockmigrate.targets.ignore_rules`).
"""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

from lockmigrate.resources import read_template
from lockmigrate.targets.ignore_rules import ignored_versions
from lockmigrate.targets.workflow.render import (
    Writer,
    added_note,
    generated_header,
    groups_of,
    indent,
    services_phrase,
    yaml_flow,
    yaml_string,
)
from lockmigrate.targets.workflow.services import (
    Integration,
    Range,
    Service,
    Setup,
    Tool,
)
from lockmigrate.targets.workflow.yaml_edit import (
    YamlError,
    append_to_yaml_sequence,
    load_yaml,
)


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
            + "".join(f"        - {yaml_string(member)}\n" for member in members)
            for group, why, members in groups
        )
    rules = _ignore_rules(service)
    ignore_text = ""
    if rules:
        ignore_text = "  # Versions each declared range excludes, so no update proposes them:\n"
        ignore_text += "  ignore:\n" + "".join(
            "    # "
            + "; ".join(f"{d.name}{d.specifier} ({d.where})" for d in declared)
            + f"\n    - dependency-name: {yaml_string(name)}\n"
            + f"      versions: {yaml_flow(versions)}\n"
            for name, versions, declared in rules
        )
    inputs = ", ".join(service.inputs)
    what = (
        f"lock-only updates inside the ranges of {inputs}"
        if setup.tool is Tool.PIP_TOOLS
        else f"poetry.lock updates inside the constraints of {inputs}"
        if setup.tool is Tool.POETRY
        else f"uv.lock updates inside the ranges of {inputs}"
    )
    return read_template("workflow/dependabot-update.yml").format(
        service=service.relative,
        what=what,
        ecosystem=setup.tool.dependabot_ecosystem,
        directory=yaml_string(_dependabot_directory(service)),
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


def _find_update(updates: list[Any], ecosystem: str, directory: str) -> dict[str, Any] | None:
    for entry in updates:
        if not isinstance(entry, dict) or entry.get("package-ecosystem") != ecosystem:
            continue
        listed = [entry.get("directory"), *(entry.get("directories") or [])]
        normalised = [_normalised_directory(value) for value in listed]
        # `directories` may hold globs; an overlapping second block is an error to Dependabot
        if any(p and fnmatch.fnmatchcase(directory, p) for p in normalised):
            return entry
    return None


def _compare_update(writer: Writer, path: Path, entry: dict[str, Any], service: Service) -> None:
    directory = _dependabot_directory(service)
    ecosystem = writer.setup.tool.dependabot_ecosystem
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
            f"{writer.shown(path)}: the {ecosystem} entry for {directory} was left as it is: "
            + "; ".join(problems),
        )
    else:
        writer.collector.info(
            "workflow-kept",
            f"{writer.shown(path)} already has the {ecosystem} entry for {directory}",
        )


def render_dependabot(writer: Writer) -> None:
    setup = writer.setup
    integration = Integration.DEPENDABOT
    folder = setup.root / ".github"
    path = folder / "dependabot.yml"
    if not path.exists() and (folder / "dependabot.yaml").exists():
        path = folder / "dependabot.yaml"
    items = {service: _dependabot_item(setup, service) for service in setup.services}
    reason = "Dependabot: lock-only updates for " + services_phrase(setup)
    before = writer.read_text(path)
    if before is None:
        if not path.exists():
            text = read_template("workflow/dependabot.yml").format(
                header=generated_header(setup, integration),
                updates="".join(indent(item, 2) for item in items.values()),
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
        entry = _find_update(
            updates or [], setup.tool.dependabot_ecosystem, _dependabot_directory(service)
        )
        if entry is None:
            missing.append(added_note(setup, integration, service.relative) + item)
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
