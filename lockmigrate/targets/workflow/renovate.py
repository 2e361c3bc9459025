"""Renovate: ``renovate.json`` (or the configuration Renovate reads) with the
``pip-compile``, ``poetry`` or ``pep621`` manager (the one that updates ``uv.lock``, beside
each ``pyproject.toml`` or at a uv workspace's root) pointed at the projects and
``rangeStrategy: in-range-only``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from lockmigrate.resources import read_template
from lockmigrate.targets.workflow.render import (
    Writer,
    generated_header,
    groups_of,
)
from lockmigrate.targets.workflow.services import (
    Integration,
    Setup,
    Tool,
)
from lockmigrate.targets.workflow.yaml_edit import (
    dump_json_like,
)

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
    manager = setup.tool.renovate_manager
    watched = sorted({*(f for s in setup.services for f in (*s.inputs, *s.locks))})
    locks = sorted({lock for service in setup.services for lock in service.locks})
    # pip-compile reads the locks (their headers name the inputs); poetry the pyproject.toml
    # and poetry.lock; pep621 the pyproject.toml files only, each member's too, and finds
    # the uv.lock beside it or at its workspace root
    package_files = (
        locks
        if pip_tools
        else watched
        if setup.tool is Tool.POETRY
        else sorted({f for s in setup.services for f in s.inputs})
    )
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
    header = generated_header(setup, Integration.RENOVATE)
    return {
        "$schema": template["$schema"],
        "description": [line.removeprefix("#").strip() for line in header.splitlines()],
        "extends": template["extends"],
        manager: {"managerFilePatterns": package_files},
        "packageRules": rules,
    }


def render_renovate(writer: Writer) -> None:
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


def _merge_renovate(writer: Writer, path: Path, desired: dict[str, Any], reason: str) -> None:
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
