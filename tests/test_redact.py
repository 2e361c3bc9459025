"""Secrets in URLs: a password or token before the host, and secret query parameters, never
reach output, whatever the command."""

from __future__ import annotations

from pathlib import Path

import pytest

from lockmigrate.cli import main
from lockmigrate.redact import contains_credentials, may_contain_credentials, redact_text

SECRET = "Zq8SECRETvalue"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:pw@host/simple", "https://user:****@host/simple"),
        ("https://ghp_token@github.com/o/r", "https://****@github.com/o/r"),
        ("-f https://host/simple?access_token=abc", "-f https://host/simple?access_token=****"),
        ("https://host/simple?token=abc&page=2", "https://host/simple?token=****&page=2"),
        ("https://host/p.tar.gz?key=abc#sha256=00", "https://host/p.tar.gz?key=****#sha256=00"),
        (
            "https://gitlab.com/api/simple?private_token=glpat",
            "https://gitlab.com/api/simple?private_token=****",
        ),
        (
            "https://b.s3.amazonaws.com/p-1.0.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=AKIA%2F&X-Amz-Security-Token=tok&X-Amz-Signature=beef",
            "https://b.s3.amazonaws.com/p-1.0.tar.gz?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            "&X-Amz-Credential=****&X-Amz-Security-Token=****&X-Amz-Signature=****",
        ),
        (
            "https://acct.blob.core.windows.net/w/p.whl?sv=2024&sig=abc%3D",
            "https://acct.blob.core.windows.net/w/p.whl?sv=2024&sig=****",
        ),
        ("https://host/simple?token=${PIP_TOKEN}", "https://host/simple?token=${PIP_TOKEN}"),
        ("https://host/simple?page=2&sort=name", "https://host/simple?page=2&sort=name"),
        (
            "https://host/p.tar.gz#egg=p&subdirectory=a",
            "https://host/p.tar.gz#egg=p&subdirectory=a",
        ),
        ('numpy~=1.26 ; python_version >= "3.10"', 'numpy~=1.26 ; python_version >= "3.10"'),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected
    assert contains_credentials(text) == (expected != text)
    if contains_credentials(text):  # the pre-filter never passes over a credential
        assert may_contain_credentials(text)


def tree_with_query_secrets(root: Path) -> Path:
    service = root / "svc"
    service.mkdir()
    (service / "requirements-prod.txt").write_text(
        f"--extra-index-url https://pkgs.example.com/simple?access_token={SECRET}\n"
        "numpy~=1.26.4\n"
        f"private @ https://bucket.s3.amazonaws.com/private-1.0.tar.gz?X-Amz-Signature={SECRET}\n"
    )
    return service


@pytest.mark.parametrize(
    "command",
    [
        ["scan", "."],
        ["scan", ".", "--format", "json"],
        ["to-pip-tools", "--dry-run", "."],
        ["to-poetry", "--dry-run", "."],
        ["to-uv", "--dry-run", "."],
        ["check", "."],
    ],
    ids=" ".join,
)
def test_a_secret_query_parameter_never_reaches_output(
    command: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree_with_query_secrets(tmp_path)
    monkeypatch.chdir(tmp_path)

    main(command)

    captured = capsys.readouterr()
    assert SECRET not in captured.out + captured.err
    assert "Traceback" not in captured.err


def test_migration_refuses_to_copy_a_secret_query_parameter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree_with_query_secrets(tmp_path)
    monkeypatch.chdir(tmp_path)

    assert main(["to-pip-tools", "."]) == 2

    err = capsys.readouterr().err
    assert "svc/requirements-prod.txt:1:" in err
    assert "access_token=****" in err
    assert not list((tmp_path / "svc").glob("*.in"))
