"""``check --import`` without running anything: how its findings and counts are reported, and
how a lock's own indexes reach uv. The runs themselves are in ``test_check_import.py``."""

from __future__ import annotations

import json

from lockmigrate.check import CheckReport, Finding
from lockmigrate.import_check import ImportReport
from lockmigrate.model.requirements import Origin
from lockmigrate.reporters import check_report
from lockmigrate.resolve import PackageSources

FAILURE = Finding(
    code="import",
    message="oldapi (from oldapi 1.0) does not import: ImportError: cannot import name 'float_'",
    origin=Origin(path="svc/requirements.txt", line=12),
    detail=(
        "(raised at oldapi/__init__.py:3)",
        "pulled in by mytool, pinned at svc/requirements.txt:8",
    ),
)
REPORT = CheckReport(
    findings=(FAILURE,),
    locks=("svc/requirements.txt",),
    trusted=("svc/requirements.txt",),
    resolved=(),
    imports=ImportReport(pythons=(("svc/requirements.txt", "3.11.9"),), imported=4, skipped=1),
)


def test_the_text_report_puts_the_detail_under_its_finding_and_counts_the_modules() -> None:
    assert check_report.render_text(REPORT).splitlines() == [
        "svc/requirements.txt:12: oldapi (from oldapi 1.0) does not import: ImportError: "
        "cannot import name 'float_' [import]",
        "    (raised at oldapi/__init__.py:3)",
        "    pulled in by mytool, pinned at svc/requirements.txt:8",
        "1 problem(s); 1 lock(s) checked: 1 trusted by their input digest, 0 re-resolved",
        "imports: 4 module(s) imported, 0 failed, 1 skipped (Python 3.11.9)",
    ]


def test_the_json_report_has_the_detail_and_the_counts() -> None:
    document = json.loads(check_report.render_json(REPORT))
    assert document["findings"][0]["detail"] == list(FAILURE.detail)
    assert document["imports"] == {
        "pythons": {"svc/requirements.txt": "3.11.9"},
        "imported": 4,
        "failed": 0,
        "skipped": 1,
        "skipped_why": [],
    }


def test_without_import_the_json_report_has_no_imports() -> None:
    plain = CheckReport(findings=(), locks=("a.txt",), trusted=("a.txt",), resolved=())
    assert "imports" not in json.loads(check_report.render_json(plain))


def test_the_markdown_report_keeps_the_detail_in_the_row() -> None:
    markdown = check_report.render_markdown(REPORT)
    assert (
        "cannot import name 'float_'<br>(raised at oldapi/__init__.py:3)<br>pulled in by"
        in markdown
    )
    assert "_imports: 4 module(s) imported, 0 failed, 1 skipped (Python 3.11.9)_" in markdown


def test_a_locks_own_indexes_replace_every_index_variable_uv_reads() -> None:
    given = {
        "UV_INDEX_URL": "https://pip.example/simple/",
        "UV_DEFAULT_INDEX": "https://uv.example/simple/",
        "UV_EXTRA_INDEX_URL": "https://extra.example/simple/",
        "HOME": "/home/me",
    }
    sources = PackageSources(
        index_urls=("https://lock.example/simple/", "https://more.example/simple/"),
        find_links=("wheels",),
        trusted_hosts=("lock.example",),
    )
    assert sources.environment(given) == {
        "HOME": "/home/me",
        "UV_DEFAULT_INDEX": "https://lock.example/simple/",
        "UV_INDEX": "https://more.example/simple/",
        "UV_FIND_LINKS": "wheels",
        "UV_INSECURE_HOST": "lock.example",
    }


def test_no_index_in_a_lock_leaves_uv_no_index() -> None:
    environment = PackageSources(index_urls=()).environment({"UV_INDEX_URL": "https://x/"})
    assert environment == {"UV_NO_INDEX": "1"}
