"""What ``lockmigrate diff`` offers as "newest" installs in the lock's environment: a version
whose only files are wheels that this machine and the lock's Python cannot install (only
``cp313`` wheels for a Python 3.11 lock, only ``win_amd64`` wheels on Linux) and no source
archive is not offered. Real wheels with those tags, served by the local index."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from index.catalog import Release
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex
from packaging.tags import platform_tags

from lockmigrate.cli import main

HERE = next(iter(platform_tags()))  # the most specific platform tag of this machine
ELSEWHERE = "win_amd64" if sys.platform != "win32" else "manylinux_2_17_x86_64"

CATALOG = (
    # nothing-here: no release installs on this platform
    Release(name="nothing-here", version="1.0", tag=f"cp311-cp311-{ELSEWHERE}"),
    # only-binary: 1.0 pure Python, 1.1 only CPython 3.13 wheels, 1.2 only another platform's
    Release(name="only-binary", version="1.0"),
    Release(name="only-binary", version="1.1", tag=f"cp313-cp313-{HERE}"),
    Release(name="only-binary", version="1.2", tag=f"cp311-cp311-{ELSEWHERE}"),
    Release(name="only-binary", version="1.2", tag=f"cp313-cp313-{ELSEWHERE}"),
    # with-sdist: 1.1 has a CPython 3.13 wheel and a source archive, which builds anywhere
    Release(name="with-sdist", version="1.0"),
    Release(name="with-sdist", version="1.1", tag=f"cp313-cp313-{HERE}"),
    Release(name="with-sdist", version="1.1", tag="sdist"),
    # here-wheels: 1.1 has a wheel for this machine and CPython 3.11 (and the stable ABI)
    Release(name="here-wheels", version="1.0"),
    Release(name="here-wheels", version="1.1", tag=f"cp311-abi3-{HERE}"),
    # py312-only: a pure wheel tagged for Python 3.12 and later
    Release(name="py312-only", version="1.0"),
    Release(name="py312-only", version="1.1", tag="py312-none-any"),
)

RANGES = "only-binary~=1.0\nwith-sdist~=1.0\nhere-wheels~=1.0\npy312-only~=1.0\nnothing-here\n"
LOCK = "".join(
    f"{name}==1.0\n    # via -r requirements.in\n"
    for name in ("here-wheels", "nothing-here", "only-binary", "py312-only", "with-sdist")
)


@pytest.fixture
def index(
    local_index_factory: LocalIndexFactory, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> LocalIndex:
    served = local_index_factory(CATALOG)
    for key, value in served.env(cache_dir=tmp_path / "tool-cache").items():
        if key.startswith(("PIP_", "UV_")):
            monkeypatch.setenv(key, value)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    monkeypatch.chdir(tmp_path)
    (tmp_path / "requirements.in").write_text(RANGES)
    (tmp_path / "requirements.txt").write_text(LOCK)
    return served


def newest(capsys: pytest.CaptureFixture[str], python: str) -> dict[str, str | None]:
    """Each package's newest allowed version for a lock for ``python`` (no re-lock: what is
    offered is the question here)."""
    code = main(
        [
            "diff", "--format", "json", "--fail-on", "", "--no-relock-check",
            "--python-version", python,
        ]
    )  # fmt: skip
    assert code == 0
    (section,) = json.loads(capsys.readouterr().out)["sections"]
    return {row["name"]: row["newest_in_range"] for row in section["rows"]}


def test_versions_with_no_installable_file_are_not_offered(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert newest(capsys, "3.11") == {
        "only-binary": "1.0",  # 1.1 is cp313 only, 1.2 another platform's only
        "with-sdist": "1.1",  # its source archive installs anywhere
        "here-wheels": "1.1",  # an abi3 wheel for this platform
        "py312-only": "1.0",  # py312-none-any does not install on 3.11
        "nothing-here": None,
    }


def test_the_locks_python_decides_which_wheels_install(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    assert newest(capsys, "3.13") == {
        "only-binary": "1.1",  # cp313 now; 1.2 is still another platform's only
        "with-sdist": "1.1",
        "here-wheels": "1.1",  # abi3 from cp311 on
        "py312-only": "1.1",
        "nothing-here": None,
    }


def test_the_row_says_behind_only_for_what_installs(
    index: LocalIndex, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(
        ["diff", "--format", "json", "--fail-on", "", "--no-relock-check",
         "--python-version", "3.11"]
    )  # fmt: skip
    assert code == 0
    rows = {row["name"]: row for row in json.loads(capsys.readouterr().out)["sections"][0]["rows"]}
    assert rows["only-binary"]["status"] == "ok"
    assert rows["only-binary"]["newest"] == "1.0"
    assert rows["with-sdist"]["status"] == "behind"
    assert rows["nothing-here"]["status"] == "ok"  # nothing newer; and the note says why
    assert rows["nothing-here"]["note"].startswith("no release installs on Python 3.11, ")


@pytest.mark.parametrize("serve_json", [True, False], ids=["json", "html"])
def test_the_index_summary_keeps_each_versions_kinds_of_file(
    local_index_factory: LocalIndexFactory, serve_json: bool
) -> None:
    from lockmigrate.index import IndexSources, fetch_versions

    served = local_index_factory(CATALOG, serve_json=serve_json)
    found = fetch_versions(
        ["with-sdist", "only-binary"], sources=IndexSources(index_urls=(served.url,))
    )
    with_sdist = {str(entry.version): entry.files for entry in found["with-sdist"].versions}
    assert with_sdist == {
        "1.0": {("", "py3-none-any")},
        "1.1": {("", ""), ("", f"cp313-cp313-{HERE}")},  # "" tags: the source archive
    }
    only_binary = {str(entry.version): entry.files for entry in found["only-binary"].versions}
    assert only_binary["1.2"] == {
        ("", f"cp311-cp311-{ELSEWHERE}"),
        ("", f"cp313-cp313-{ELSEWHERE}"),
    }
