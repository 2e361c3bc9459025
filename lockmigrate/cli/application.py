"""The whole typer application: :data:`app` with every command registered.

:mod:`lockmigrate.cli.commands` creates :data:`app` and defines ``scan`` and ``to-pip-tools``;
the other command modules (``check_command``, ``diff_command``, ``poetry_command``) register
theirs on it when imported, and import from ``commands``, never the other way round: this
module imports them all, so nothing imports in a circle.
"""

from __future__ import annotations

from lockmigrate.cli import (  # noqa: F401 - they register
    check_command,
    diff_command,
    poetry_command,
    uv_command,
)
from lockmigrate.cli.commands import app, app_for

__all__ = ["app", "app_for"]
