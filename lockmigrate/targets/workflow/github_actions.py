"""GitHub Actions: ``.github/workflows/lockmigrate.yml``, which runs ``lockmigrate check``
and comments ``lockmigrate diff --format markdown`` on pull requests that change a lock.
"""

from __future__ import annotations

import json
import shlex
import sys

from lockmigrate.resources import read_template
from lockmigrate.targets.workflow.render import (
    Writer,
    generated_header,
    yaml_scalar,
)
from lockmigrate.targets.workflow.services import (
    Integration,
    Tool,
)


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
    command = "python -m pip install " + " ".join(shlex.quote(r) for r in install)
    text = read_template("workflow/github-actions.yml").format(
        header=generated_header(setup, Integration.GITHUB_ACTIONS),
        paths_filter="".join(f"      - {json.dumps(p)}\n" for p in watched),
        python=python or f"{sys.version_info.major}.{sys.version_info.minor}",
        install=yaml_scalar(command),
        why=writer.install.why,
        paths=setup.paths,
        locks=" ".join(shlex.quote(lock) for lock in locks),
    )
    writer.whole_file(path, text, "GitHub Actions: lockmigrate check and diff on pull requests")
