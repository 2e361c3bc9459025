"""``lockmigrate.api`` is the supported Python API (docs/reference/api.md): every name it
promises is importable from it, lazily, and documented."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from lockmigrate import api

DOCS = Path(__file__).resolve().parents[1] / "docs" / "reference" / "api.md"


@pytest.mark.parametrize("name", api.__all__)
def test_every_promised_name_is_importable_and_documented(name: str) -> None:
    assert getattr(api, name) is not None
    assert re.search(rf"`{re.escape(name)}\b", DOCS.read_text(encoding="utf-8")) or (
        name in api.TYPES
    ), f"{name} is not on docs/reference/api.md"


def test_functions_and_types_are_all_of_it() -> None:
    assert sorted(api.__all__) == sorted([*api.FUNCTIONS, *api.TYPES])
    with pytest.raises(AttributeError):
        api.NoSuchThing  # noqa: B018


def test_importing_the_api_stays_cheap() -> None:
    code = "import sys, lockmigrate.api; print(*sorted(sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(done.stdout.split())
    heavy = {"lockmigrate.scan", "lockmigrate.targets", "lockmigrate.diff", "lockmigrate.index"}
    assert not loaded & heavy


def test_the_documented_example_runs(tmp_path: Path) -> None:
    (tmp_path / "svc").mkdir()
    (tmp_path / "svc" / "requirements.txt").write_text("six~=1.16 ; python_version >= '3'\n")

    collector = api.Collector()
    report = api.scan([tmp_path], collector=collector)

    assert isinstance(report, api.ScanReport)
    assert [f.file.requirements[0].name for s in report.services for f in s.files] == ["six"]
    assert [d.code for d in collector] == ["marker"]
