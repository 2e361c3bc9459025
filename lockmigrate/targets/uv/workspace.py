"""``to-uv --workspace``: a root ``pyproject.toml`` whose ``[tool.uv.workspace] members``
lists every service, so that one ``uv lock`` at the root locks them all together."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Sequence
from pathlib import Path

import tomlkit
from tomlkit.items import Array, Table

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.requirements import Origin
from lockmigrate.paths import display_path
from lockmigrate.plan import FileChange
from lockmigrate.targets.uv.options import ServiceResult, UvSettings
from lockmigrate.targets.uv.pyproject_edit import add_tool_uv

__all__ = ["plan_workspace", "workspace_root"]


def workspace_root(folders: Sequence[Path]) -> Path:
    """The deepest folder holding every service."""
    return Path(os.path.commonpath([folder.absolute() for folder in folders]))


def _root_settings(services: Sequence[ServiceResult], collector: Collector) -> UvSettings:
    """The members' indexes, find-links, constraints and settings, for the root: uv reads
    them from the workspace root only. One default index: another becomes an extra one."""
    merged = UvSettings()
    for service in services:
        settings = service.settings or UvSettings()
        for index in settings.indexes:
            if any(known.url.rstrip("/") == index.url.rstrip("/") for known in merged.indexes):
                continue
            if index.default and any(known.default for known in merged.indexes):
                collector.warning(
                    "uv-workspace-index",
                    f"{index.url} is another service's default index: a uv workspace has one, "
                    "so the root asks it as an extra index",
                    index.origin,
                )
                merged.indexes.append(dataclasses.replace(index, default=False))
                continue
            merged.indexes.append(index)
        merged.find_links += settings.find_links
        merged.constraints += settings.constraints
        merged.no_index = merged.no_index or settings.no_index
        merged.prerelease = merged.prerelease or settings.prerelease
    return merged


def plan_workspace(
    services: Sequence[ServiceResult], *, root: Path | None, collector: Collector
) -> FileChange | None:
    """The root ``pyproject.toml`` with every service folder among its workspace members
    (added to those it has), and the members' indexes and ``[tool.uv]`` settings, which
    uv reads from the root only; ``None`` when the root is itself a service (a project
    that is its own workspace root is not written by this option)."""
    folders = [service.folder for service in services]
    root = (root or workspace_root(folders)).absolute()
    members = sorted(
        Path(os.path.relpath(folder.absolute(), root)).as_posix() for folder in folders
    )
    pyproject = root / "pyproject.toml"
    shown = display_path(pyproject)
    if "." in members:
        collector.warning(
            "uv-workspace-root",
            f"the workspace root {display_path(root) or '.'} is a service itself: "
            "--workspace was not written; add [tool.uv.workspace] members to its "
            "pyproject.toml by hand, or give the services' parent folder",
            Origin(path=shown, line=1),
        )
        return None
    before = pyproject.read_bytes() if pyproject.exists() else None
    try:
        document = tomlkit.parse(before.decode("utf-8")) if before else tomlkit.document()
    except (UnicodeDecodeError, tomlkit.exceptions.ParseError) as error:
        raise InputError(f"{shown}: not valid TOML ({error})") from None
    tool = document.setdefault("tool", tomlkit.table(is_super_table=True))
    uv = tool.setdefault("uv", tomlkit.table())
    workspace = uv.setdefault("workspace", tomlkit.table())
    if not isinstance(workspace, Table):
        raise InputError(f"{shown}: tool.uv.workspace is not a table")
    listed = workspace.setdefault("members", tomlkit.array())
    if not isinstance(listed, Array):
        raise InputError(f"{shown}: tool.uv.workspace.members is not an array")
    have = {str(item) for item in listed}
    for member in members:
        if member not in have:
            listed.add_line(member, indent="    ")
    if len(listed) and "\n" not in listed.as_string():
        listed.multiline(True)
    conflicts = add_tool_uv(document, _root_settings(services, collector), shown)
    if conflicts:
        raise InputError(
            f"{shown} already declares these differently:\n  " + "\n  ".join(conflicts)
        )
    collector.info(
        "uv-workspace",
        f"{shown} makes the {len(members)} services one uv workspace with one uv.lock: uv "
        "reads indexes and [tool.uv] settings such as find-links and constraint-dependencies "
        "from the root only (they are written there too), and locks every member for the "
        "Python all of them allow",
        Origin(path=shown, line=1),
    )
    after = document.as_string().encode("utf-8")
    return FileChange(
        path=pyproject,
        display=shown,
        before=before,
        after=after,
        reason="uv workspace of " + ", ".join(members),
    )
