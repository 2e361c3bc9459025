"""lockmigrate reads pip's index configuration in-process; pip itself is the oracle."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lockmigrate.pipconfig import read_index_settings


def pip_says(environ: dict[str, str]) -> dict[str, str]:
    listing = subprocess.run(
        [sys.executable, "-m", "pip", "config", "list"],
        capture_output=True,
        text=True,
        check=True,
        env=environ,
    ).stdout
    values: dict[str, str] = {}
    for line in listing.splitlines():  # later lines (install, then :env:) override
        key, _, raw = line.partition("=")
        section, _, name = key.rpartition(".")
        if section in {"global", "install", ":env:"}:
            values[name] = str(ast.literal_eval(raw))
    return values


@pytest.mark.parametrize(
    ("config", "variables"),
    [
        ("[global]\nindex-url = https://corp.example/simple\n", {}),
        (
            "[global]\nindex-url = https://a.example/simple\n"
            "[install]\nextra-index-url = https://b.example/simple https://c.example/simple\n"
            "find-links = /srv/wheels\ntrusted-host = a.example\n",
            {},
        ),
        (
            "[global]\nindex-url = https://a.example/simple\n",
            {"PIP_INDEX_URL": "https://env.example/simple", "PIP_NO_INDEX": "true"},
        ),
    ],
)
def test_same_settings_as_pip(config: str, variables: dict[str, str], tmp_path: Path) -> None:
    config_file = tmp_path / "pip.conf"
    config_file.write_text(config)
    environ = {
        **{k: v for k, v in os.environ.items() if not k.startswith("PIP_")},
        "PIP_CONFIG_FILE": str(config_file),
        "HOME": str(tmp_path),  # no user configuration
        **variables,
    }
    pip = pip_says(environ)
    mine = read_index_settings(environ)
    assert mine.index_url == pip.get("index-url")
    assert mine.extra_index_urls == tuple(pip.get("extra-index-url", "").split())
    assert mine.find_links == tuple(pip.get("find-links", "").split())
    assert mine.trusted_hosts == tuple(pip.get("trusted-host", "").split())
    assert mine.no_index == (pip.get("no-index", "").lower() in {"1", "true", "yes", "on"})
