"""``lockmigrate check``: registered on the typer application, built from the options
:mod:`lockmigrate.cli.check_run` declares (the one definition both readings use)."""

from __future__ import annotations

from lockmigrate.cli.check_run import EXAMPLES, HELP, OPTIONS, PATHS_HELP, CheckArguments, run
from lockmigrate.cli.typer_build import register

register(
    "check",
    help=HELP,
    paths_help=PATHS_HELP,
    options=OPTIONS,
    defaults=CheckArguments(),
    epilog=EXAMPLES,
    run=run,
)
