"""``python -m lockmigrate``."""

from lockmigrate.cli import run

run()
