"""``lockmigrate scan`` on a small monorepo: services, roles, includes, ranges, attention."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from lockmigrate.cli import main

MONOREPO = Path(__file__).parent / "fixtures" / "scan" / "monorepo"


def scan_json(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> dict[str, Any]:
    monkeypatch.chdir(MONOREPO)
    assert main(["scan", "--format", "json", *args]) == 0
    document: dict[str, Any] = json.loads(capsys.readouterr().out)
    return document


def files_by_path(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for s in document["services"] for f in s["files"]}


def test_services_are_folders_and_skip_virtualenvs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = scan_json(monkeypatch, capsys)
    assert document["schema_version"] == 1
    assert [s["path"] for s in document["services"]] == ["billing", "legacy", "search"]
    everything = json.dumps(document)
    assert "should-not-be-found" not in everything
    assert "nope" not in everything


def test_roles_and_formats(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = files_by_path(scan_json(monkeypatch, capsys))
    roles = {path: (f["role"], f["format"]) for path, f in files.items()}
    assert roles == {
        "billing/requirements/base.txt": ("main", "requirements"),
        "billing/requirements/constraints.txt": ("constraints", "constraints"),
        "billing/requirements/dev.txt": ("dev", "requirements"),
        "billing/requirements/docs.txt": ("docs", "requirements"),
        "legacy/requirements.in": ("main", "pip-tools-in"),
        "legacy/requirements.txt": ("main", "pip-tools-lock"),
        "search/requirements-prod.txt": ("main", "requirements"),
        "search/requirements-dev.txt": ("dev", "requirements"),
    }


def test_includes_follow_the_graph(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = files_by_path(scan_json(monkeypatch, capsys))
    assert files["billing/requirements/dev.txt"]["includes"] == [
        {
            "kind": "requirement",
            "target": "base.txt",
            "path": "billing/requirements/base.txt",
            "line": 1,
        },
        {
            "kind": "constraint",
            "target": "constraints.txt",
            "path": "billing/requirements/constraints.txt",
            "line": 2,
        },
    ]


def test_requirement_fields(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    files = files_by_path(scan_json(monkeypatch, capsys))
    prod = files["search/requirements-prod.txt"]["requirements"]
    numpy, sklearn, private = prod
    assert numpy == {
        "name": "numpy",
        "specifier": "~=1.26.4",
        "extras": [],
        "marker": None,
        "url": None,
        "editable": False,
        "hashes": [],
        "line": 1,
        "comment": "# allows 1.26.x, blocks 2.x",
        "kind": "named",
        "range": "~=3",
        "variables": [],
    }
    assert sklearn["extras"] == ["alldeps"]
    assert sklearn["marker"] == 'python_version >= "3.10"'
    assert sklearn["range"] == "~=2"
    assert private["kind"] == "url"
    assert private["url"] == "https://${PYPI_TOKEN}@pypi.internal.example/private_lib-1.0.tar.gz"
    assert private["variables"] == ["PYPI_TOKEN"]
    base = files["billing/requirements/base.txt"]["requirements"]
    assert base[1]["hashes"] == [
        "sha256:70761cfe03c773ceb22aa2f671b4757976145175cdfca038c02654d061d6dcc6"
    ]
    dev = files["billing/requirements/dev.txt"]["requirements"]
    assert dev[0]["editable"] is True
    assert dev[0]["name"] == "billing-tools"
    assert dev[0]["kind"] == "vcs"


def test_credentials_never_shown(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = scan_json(monkeypatch, capsys)
    text = json.dumps(document)
    assert "s3cr3t" not in text
    assert "https://deploy:****@pypi.internal.example/simple" in text
    codes = {(d["path"], d["line"], d["code"]) for d in document["diagnostics"]}
    assert ("search/requirements-prod.txt", 3, "credentials") in codes

    assert main(["scan"]) == 0
    assert "s3cr3t" not in capsys.readouterr().out


def test_attention_items(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    document = scan_json(monkeypatch, capsys)
    codes = {(d["path"], d["line"], d["code"]) for d in document["diagnostics"]}
    assert {
        ("search/requirements-prod.txt", 2, "marker"),
        ("search/requirements-prod.txt", 3, "index-option"),
        ("search/requirements-prod.txt", 4, "direct-reference"),
        ("search/requirements-prod.txt", 4, "variable"),
        ("search/requirements-dev.txt", 3, "redeclared"),
        ("search/requirements-dev.txt", 4, "duplicate-name"),
        ("billing/requirements/base.txt", 2, "hashes"),
        ("billing/requirements/dev.txt", 3, "editable"),
    } <= codes
    for diagnostic in document["diagnostics"]:
        assert set(diagnostic) == {"level", "code", "message", "path", "line"}


def test_strict_turns_warnings_into_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(MONOREPO)
    assert main(["scan", "--strict", "billing"]) == 0  # notes only
    assert main(["scan", "--strict", "search"]) == 1  # credentials, duplicate
    assert "--strict" in capsys.readouterr().err


def test_table_output_shows_ranges_and_plans(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(MONOREPO)
    assert main(["scan", "search"]) == 0
    out = capsys.readouterr().out
    assert "Service search" in out
    assert "~= 3+ part" in out
    assert "# allows 1.26.x, blocks 2.x" in out
    assert "requirements-prod.in" in out
    assert "group 'dev'" in out
    assert "\x1b[" not in out  # no colour when not a terminal
