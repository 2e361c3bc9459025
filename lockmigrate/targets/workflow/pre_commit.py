"""pre-commit: a ``lockmigrate check`` hook in ``.pre-commit-config.yaml``; for uv projects
it runs ``uv lock --check`` too (and installs uv beside lockmigrate)."""

from __future__ import annotations

import json
import re

from lockmigrate.resources import read_template
from lockmigrate.targets.workflow.render import (
    Writer,
    added_note,
    generated_header,
    indent,
    services_phrase,
    yaml_flow,
)
from lockmigrate.targets.workflow.services import (
    Integration,
    Setup,
    Tool,
)
from lockmigrate.targets.workflow.yaml_edit import (
    YamlError,
    append_to_yaml_sequence,
    load_yaml,
)

_REQUIREMENT_FILES = (
    r"[^/]*requirements[^/]*\.(in|txt)|requirements/[^/]+\.(in|txt)|[^/]+\.in"
    r"|constraints[^/]*\.txt|pyproject\.toml|poetry\.lock"
)


def _hook_files(setup: Setup) -> str:
    """The files whose change runs the hook: the requirement files, projects and locks of
    every service folder (and of a uv workspace's members)."""
    everywhere = {folder for s in setup.services for folder in (s.relative, *s.members)}
    folders = sorted(everywhere - {"."})
    inside = "(" + "|".join(re.escape(folder) for folder in folders) + ")/" if folders else ""
    if "." in everywhere and folders:
        inside = f"({inside})?"
    files = _REQUIREMENT_FILES + (r"|uv\.lock" if setup.tool is Tool.UV else "")
    return f"^{inside}({files})$"


def render_pre_commit(writer: Writer) -> None:
    setup = writer.setup
    integration = Integration.PRE_COMMIT
    path = setup.root / ".pre-commit-config.yaml"
    item = read_template("workflow/pre-commit-hook.yaml").format(
        args=yaml_flow(s.relative for s in setup.services),
        requirements=", ".join(json.dumps(r) for r in _hook_requirements(writer)),
        why=writer.install.why,
        files=json.dumps(_hook_files(setup)),
    )
    reason = "pre-commit: lockmigrate check before each commit that changes a lock"
    before = writer.read_text(path)
    if before is None:
        if not path.exists():
            text = read_template("workflow/pre-commit-config.yaml").format(
                header=generated_header(setup, integration), repos=indent(item, 2)
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
    addition = added_note(setup, integration, services_phrase(setup)) + item
    after = append_to_yaml_sequence(before, "repos", [addition])
    if after is None:
        writer.unmergeable(
            path, "its repos list cannot be extended without reformatting it", addition
        )
        return
    writer.update(path, before, after, reason)


def _hook_requirements(writer: Writer) -> list[str]:
    """What the hook's environment installs: lockmigrate, and uv for ``uv lock --check`` or
    for re-locking what ``uv pip compile`` locked, at the release line of the uv found here
    (``uv~=0.13.9``: its patch releases, which write the locks this one wrote), or any uv
    when none is found."""
    if writer.setup.locks_with_uv:
        from lockmigrate.resolve import uv_version

        found = uv_version()
        return [writer.install.requirement, f"uv~={found}" if found else "uv"]
    return [writer.install.requirement]
