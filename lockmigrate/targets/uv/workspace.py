"""``to-uv --workspace``: a root ``pyproject.toml`` whose ``[tool.uv.workspace] members``
lists every service, so that one ``uv lock`` at the root locks them all together."""

from __future__ import annotations

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

__all__ = ["plan_workspace", "workspace_root"]


def workspace_root(folders: Sequence[Path]) -> Path:
    """The deepest folder holding every service."""
    return Path(os.path.commonpath([folder.absolute() for folder in folders]))


def plan_workspace(
    folders: Sequence[Path], *, root: Path | None, collector: Collector
) -> FileChange | None:
    """The root ``pyproject.toml`` with every service folder among its workspace members
    (added to those it has); ``None`` when the root is itself a service (a project that
    is its own workspace root is not written by this option)."""
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
    collector.info(
        "uv-workspace",
        f"{shown} makes the {len(members)} services one uv workspace with one uv.lock: uv "
        "reads [tool.uv] settings such as find-links, constraint-dependencies and "
        "prerelease from the root only, and locks every member for the Python all of them allow",
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
