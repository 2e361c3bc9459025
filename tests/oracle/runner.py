"""Runs ``pip_oracle.py`` (pip's own parser, as a test oracle) in one subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ORACLE = Path(__file__).with_name("pip_oracle.py")


def run_oracle(jobs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """pip's view of each job, from one oracle subprocess (pip's import is the slow part),
    with no PIP_*/UV_* variable and no pip configuration file."""
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith(("PIP_", "UV_"))}
    env["PIP_CONFIG_FILE"] = os.devnull
    result = subprocess.run(
        [sys.executable, str(ORACLE)],
        input=json.dumps(jobs),
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    results: list[dict[str, Any]] = json.loads(result.stdout)
    assert len(results) == len(jobs)
    return results
