"""GitHub Actions: ``.github/workflows/lockmigrate.yml``, which runs ``lockmigrate check``
(for uv, ``uv lock --check`` in each project first, with uv from ``astral-sh/setup-uv``) and
comments ``lockmigrate diff --format markdown`` on pull requests that change a lock.
"""

from __future__ import annotations

import json
import shlex
import sys

from lockmigrate.resources import read_template
from lockmigrate.targets.workflow.render import (
    Writer,
    generated_header,
    indent,
    yaml_scalar,
)
from lockmigrate.targets.workflow.services import (
    Integration,
    Setup,
    Tool,
)


def _tool_steps(setup: Setup) -> str:
    """The steps a tool adds before lockmigrate is installed: for uv, uv and ``uv lock
    --check`` in each project."""
    if setup.tool is not Tool.UV:
        return ""
    commands = "".join(
        "uv lock --check"
        + ("" if service.relative == "." else f" --directory {shlex.quote(service.relative)}")
        + "\n"
        for service in setup.services
    )
    steps = read_template("workflow/github-actions-uv.yml").format(commands=indent(commands, 4))
    return indent(steps, 6)


def render_github_actions(writer: Writer) -> None:
    setup = writer.setup
    path = setup.root / ".github" / "workflows" / "lockmigrate.yml"
    watched = sorted({f for s in setup.services for f in (*s.inputs, *s.locks)})
    watched.append(".github/workflows/lockmigrate.yml")
    locks = sorted({lock for service in setup.services for lock in service.locks})
    python = next((s.python for s in setup.services if s.python), None)
    install = [writer.install.requirement]
    if setup.tool is Tool.POETRY:
        install.append("poetry>=2,<3")
    elif setup.tool is Tool.PIP_TOOLS and setup.locks_with_uv:
        install.append("uv")  # check re-locks a stale uv pip compile lock with uv
    command = "python -m pip install " + " ".join(shlex.quote(r) for r in install)
    text = read_template("workflow/github-actions.yml").format(
        header=generated_header(setup, Integration.GITHUB_ACTIONS),
        tool_steps=_tool_steps(setup),
        paths_filter="".join(f"      - {json.dumps(p)}\n" for p in watched),
        python=python or f"{sys.version_info.major}.{sys.version_info.minor}",
        install=yaml_scalar(command),
        why=writer.install.why,
        paths=setup.paths,
        locks=" ".join(shlex.quote(lock) for lock in locks),
    )
    writer.whole_file(path, text, "GitHub Actions: lockmigrate check and diff on pull requests")
