"""``lockmigrate diff``: registered on the typer application, built from the options
:mod:`lockmigrate.cli.diff_run` declares (the one definition both readings use)."""

from __future__ import annotations

from lockmigrate.cli.diff_run import EXAMPLES, HELP, OPTIONS, PATHS_HELP, DiffArguments, run
from lockmigrate.cli.typer_build import register

register(
    "diff",
    help=HELP,
    paths_help=PATHS_HELP,
    options=OPTIONS,
    defaults=DiffArguments(),
    epilog=EXAMPLES,
    run=run,
)
