"""The pure parts of diff: statuses from hand-made index answers (yanked, pre-releases,
Requires-Python), chains, and the HTTP cache's freshness rules. The index client itself is
checked against the real local index."""

from __future__ import annotations

import platform
import sys
from pathlib import Path

import pytest
from index.fixtures import LocalIndexFactory
from index.server import LocalIndex
from packaging.version import Version

from lockmigrate.diff.compare import diff_against_lock, metadata_wanted
from lockmigrate.diff.model import DeclaredRange, DiffRow, Flag, Relock, Status, parse_statuses
from lockmigrate.environment import target_environment
from lockmigrate.index import (
    AvailableVersion,
    IndexSources,
    ProjectVersions,
    default_cache_dir,
    fetch_versions,
)
from lockmigrate.index.cache import HttpCache, freshness
from lockmigrate.index.pages import IndexFile
from lockmigrate.model.locks import Lock, LockKind, PinnedPackage
from lockmigrate.model.requirements import Option, Origin
from lockmigrate.pipconfig import IndexSettings, read_index_settings

HERE = Origin(path="requirements.in", line=1)


def lock_of(**pins: str) -> Lock:
    return Lock(
        path=Path("requirements.txt"),
        display="requirements.txt",
        kind=LockKind.PIP_COMPILE,
        packages=tuple(
            PinnedPackage(name=name, version=version, origin=HERE, sources=("-r r.in",))
            for name, version in pins.items()
        ),
    )


def versions(*entries: AvailableVersion) -> dict[str, ProjectVersions]:
    return {"tool": ProjectVersions(name="tool", versions=entries)}


def v(text: str, *, yanked: bool = False, python: str = "") -> AvailableVersion:
    return AvailableVersion(version=Version(text), yanked=yanked, requires_python=(python,))


def row_for(specifier, locked, available, python="3.11"):
    section = diff_against_lock(
        title="t",
        declared=[DeclaredRange(name="tool", specifier=specifier, origin=HERE)],
        lock=lock_of(tool=locked),
        available=available,
        python=python,
    )
    return section.rows[0]


def test_yanked_releases_are_never_newest() -> None:
    row = row_for("~=1.0", "1.0.0", versions(v("1.0.0"), v("1.1.0", yanked=True)))
    assert row.newest_in_range == "1.0.0"
    assert row.status is Status.OK


def test_pre_releases_only_when_the_range_allows_them() -> None:
    available = versions(v("1.0.0"), v("2.0.0rc1"))
    assert row_for(">=1.0", "1.0.0", available).newest == "1.0.0"
    assert row_for(">=2.0.0rc1", "2.0.0rc1", available).newest_in_range == "2.0.0rc1"


def test_requires_python_filters_for_the_project_python() -> None:
    available = versions(v("1.0.0"), v("1.1.0", python=">=3.12"))
    assert row_for("~=1.0", "1.0.0", available, python="3.11").status is Status.OK
    assert row_for("~=1.0", "1.0.0", available, python="3.12").status is Status.BEHIND


def test_held_behind_and_out_of_range() -> None:
    available = versions(v("1.0.0"), v("1.0.5"), v("2.0.0"))
    assert row_for("~=1.0.0", "1.0.5", available).status is Status.HELD
    assert row_for("~=1.0.0", "1.0.0", available).status is Status.BEHIND
    assert row_for("~=1.0.0", "2.0.0", available).status is Status.OUT_OF_RANGE


def test_missing_respects_markers() -> None:
    declared = [
        DeclaredRange(name="a", specifier="", origin=HERE),
        DeclaredRange(name="b", specifier="", origin=HERE, marker='sys_platform == "nowhere"'),
    ]
    section = diff_against_lock(
        title="t", declared=declared, lock=lock_of(), available=None, python=None
    )
    rows = {row.name: row for row in section.rows}
    assert rows["a"].status is Status.MISSING
    assert rows["b"].status is Status.OK
    assert rows["b"].note == 'not locked here: sys_platform == "nowhere"'


def test_parse_statuses() -> None:
    assert parse_statuses("out-of-range, MISSING,") == {Status.OUT_OF_RANGE, Status.MISSING}
    assert parse_statuses("capped,yanked") == {Status.CAPPED, Flag.YANKED}
    assert parse_statuses("") == frozenset()
    with pytest.raises(ValueError, match=r"unknown status 'stale'.*capped.*yanked"):
        parse_statuses("stale")


@pytest.mark.parametrize(
    ("locked", "newest", "status"),
    [
        ("2024.1", "2025.2", Status.BEHIND),  # tzdata, pytz: a new year is not a new major
        ("2024.8.30", "2025.1.31", Status.BEHIND),  # certifi
        ("20230101", "20240105", Status.BEHIND),  # a date
        ("3.2", "2024.1", Status.UNGUARDED),  # a new scheme: counts as a new major
        ("1.26.4", "2.0.0", Status.UNGUARDED),
        ("24.1.0", "25.1.0", Status.UNGUARDED),  # two-digit years cannot be told from majors
    ],
)
def test_calendar_versions_are_not_new_majors(locked: str, newest: str, status: Status) -> None:
    section = diff_against_lock(
        title="t",
        declared=[],
        lock=lock_of(tool=locked),
        available=versions(v(locked), v(newest)),
        python="3.11",
    )
    assert section.rows[0].status is status


def files(*entries: tuple[str, str | None]) -> tuple[IndexFile, ...]:
    return tuple(IndexFile(filename=name, requires_python=python) for name, python in entries)


def test_a_version_installs_when_one_of_its_files_does() -> None:
    wheels_only = AvailableVersion(
        version=Version("1.1"),
        requires_python=(">=3.9",),
        distributions=files(
            ("tool-1.1-cp313-cp313-manylinux_2_17_x86_64.whl", ">=3.9"),
            ("tool-1.1-cp313-cp313-win_amd64.whl", ">=3.9"),
        ),
    )
    assert wheels_only.files == {
        (">=3.9", "cp313-cp313-manylinux_2_17_x86_64"),
        (">=3.9", "cp313-cp313-win_amd64"),
    }
    linux_311 = target_environment(python_version="3.11", platform="linux")
    linux_313 = target_environment(python_version="3.13", platform="linux")
    if sys.platform == "linux" and platform.machine() == "x86_64":
        assert not wheels_only.installable("3.11", linux_311.installs_wheel)
        assert wheels_only.installable("3.13", linux_313.installs_wheel)
    assert wheels_only.installable("3.11")  # without a tag check: Requires-Python alone
    with_sdist = AvailableVersion(
        version=Version("1.1"),
        distributions=files(
            ("tool-1.1.tar.gz", None), ("tool-1.1-cp313-cp313-win_amd64.whl", None)
        ),
    )
    assert with_sdist.installable("3.11", linux_311.installs_wheel)
    python_and_tag_together = AvailableVersion(
        version=Version("1.1"),  # the pure wheel needs 3.12; the 3.11 one is for Windows
        requires_python=("", ">=3.12"),
        distributions=files(
            ("tool-1.1-py3-none-any.whl", ">=3.12"), ("tool-1.1-cp311-cp311-win_amd64.whl", None)
        ),
    )
    if sys.platform != "win32":
        assert not python_and_tag_together.installable("3.11", linux_311.installs_wheel)
    assert python_and_tag_together.installable("3.12", linux_311.installs_wheel)


def relock_of(**pins: tuple[str, tuple[str, ...]]) -> Lock:
    return Lock(
        path=Path("relock.txt"),
        display="relock.txt",
        kind=LockKind.PIP_COMPILE,
        packages=tuple(
            PinnedPackage(name=name, version=version, origin=HERE, parents=parents)
            for name, (version, parents) in pins.items()
        ),
    )


def test_what_holds_a_package_is_named_only_when_the_metadata_shows_it() -> None:
    declared = [DeclaredRange(name="celery", specifier="==5.4.0", origin=HERE, extras=("redis",))]
    lock = Lock(
        path=Path("requirements.txt"),
        display="requirements.txt",
        kind=LockKind.PIP_COMPILE,
        packages=(
            PinnedPackage(name="celery", version="5.4.0", origin=HERE, sources=("-r r.in",)),
            PinnedPackage(name="redis", version="5.3.1", origin=HERE, parents=("celery",)),
        ),
    )
    available = {
        "celery": ProjectVersions(name="celery", versions=(v("5.4.0"),)),
        "redis": ProjectVersions(name="redis", versions=(v("5.3.1"), v("6.0.0"))),
    }
    relocked = relock_of(celery=("5.4.0", ()), redis=("5.3.1", ("celery",)))

    def redis(relock: Relock | None) -> DiffRow:
        section = diff_against_lock(
            title="t", declared=declared, lock=lock, available=available, python="3.11",
            relock=relock,
        )  # fmt: skip
        return {row.name: row for row in section.rows}["redis"]

    assert redis(None).status is Status.UNGUARDED  # no re-lock: what the ranges allow
    unknown = redis(Relock(lock=relocked))  # a re-lock, but no metadata: who holds it?
    assert unknown.status is Status.CAPPED
    assert unknown.relock == "5.3.1"
    assert unknown.held_by == ()
    assert unknown.note == "6.0.0 held back by the other pins"
    requirements = {("celery", "5.4.0"): ('redis<6.0.0,>=4.5.2; extra == "redis"',)}
    known = redis(Relock(lock=relocked, requirements=requirements))
    assert known.held_by == ("celery",)
    checked = diff_against_lock(
        title="t", declared=declared, lock=lock, available=available, python="3.11",
        relock=Relock(lock=relocked),
    )  # fmt: skip
    assert metadata_wanted(checked, relocked) == {("celery", "5.4.0"), ("redis", "6.0.0")}


def test_a_parent_asked_with_unknown_extras_holds_only_when_every_reading_does() -> None:
    lock = lock_of(tool="1.0")
    relocked = relock_of(tool=("1.0", ("parent",)), parent=("2.0", ()))
    available = versions(v("1.0"), v("1.5"))

    def held_by(*requires: str) -> tuple[str, ...]:
        relock = Relock(lock=relocked, requirements={("parent", "2.0"): requires})
        section = diff_against_lock(
            title="t", declared=[], lock=lock, available=available, python="3.11",
            relock=relock,
        )  # fmt: skip
        return section.rows[0].held_by

    assert held_by('tool<1.5; extra == "a"') == ("parent",)
    assert held_by('tool<1.5; extra == "a"', 'tool; extra == "b"') == ()  # which extra?
    assert held_by("tool<2") == ()  # allows 1.5: something else holds it
    assert held_by('tool<1.5; python_version < "3"', "tool") == ()  # that one does not apply


def test_fetch_versions_reads_yanks_python_and_pre_releases(
    local_index: LocalIndex, tmp_path: Path
) -> None:
    found = fetch_versions(
        ["NumPy", "no-such-project"],
        sources=IndexSources(index_urls=(local_index.url,)),
        cache_dir=tmp_path,
    )
    numpy = {str(entry.version): entry for entry in found["numpy"].versions}
    assert numpy["1.26.5"].yanked
    assert numpy["1.26.5"].yank_reason is not None and numpy["1.26.5"].yank_reason.startswith(
        "Broken ABI"
    )
    assert not numpy["2.1.0"].allows_python("3.11")
    assert numpy["2.1.0"].allows_python("3.99")
    assert numpy["2.2.0rc1"].version.is_prerelease
    assert found["no-such-project"].found is False
    assert found["no-such-project"].error is None
    # the local index answers "Cache-Control: no-store": nothing was cached
    assert not list(tmp_path.glob("http/*.body"))


def test_html_only_index_works_too(local_index_factory: LocalIndexFactory) -> None:
    index = local_index_factory(serve_json=False)
    found = fetch_versions(["numpy"], sources=IndexSources(index_urls=(index.url,)))
    assert "2.0.0" in {str(entry.version) for entry in found["numpy"].versions}
    assert {r.accept for r in index.requests if r.path.startswith("/simple/")}


def test_find_links_folder(local_index: LocalIndex) -> None:
    found = fetch_versions(
        ["pandas"],
        sources=IndexSources(index_urls=(), find_links=(str(local_index.find_links_dir),)),
    )
    assert [str(e.version) for e in found["pandas"].versions] == ["2.2.3", "2.2.4", "2.3.0"]


def test_http_cache_freshness_rules(tmp_path: Path) -> None:
    now = 1000.0
    assert freshness({"cache-control": "max-age=600, public"}, now) == 1600.0
    assert freshness({"cache-control": "max-age=600", "age": "100"}, now) == 1500.0
    assert freshness({"cache-control": "no-store"}, now) is None
    assert freshness({"etag": '"x"'}, now) == now  # stored, revalidated every time
    assert freshness({}, now) is None
    cache = HttpCache(tmp_path)
    cache.store("https://user:secret@host/simple/a/", "json", {"expires": 1.0}, b"body")
    loaded = cache.load("https://host/simple/a/", "json")  # credentials are not in the key
    assert loaded is not None and loaded[1] == b"body"
    assert all(b"secret" not in p.read_bytes() for p in tmp_path.iterdir())


def test_cache_dir_default_and_override() -> None:
    assert default_cache_dir({"LOCKMIGRATE_CACHE_DIR": "/x/y"}) == Path("/x/y")
    assert default_cache_dir({"HOME": "/home/u", "XDG_CACHE_HOME": "/c"}) == Path("/c/lockmigrate")


def test_sources_follow_pip_and_the_file(tmp_path: Path) -> None:
    settings = IndexSettings(
        index_url="https://a.example/simple/", extra_index_urls=("https://b.example/simple/",)
    )
    origin = Origin(path="r.in", line=1)
    (tmp_path / "wheels").mkdir()
    sources = IndexSources.from_settings(
        settings,
        [
            Option(name="--index-url", value="https://${HOST}/simple/", origin=origin),
            Option(name="--find-links", value="wheels", origin=origin),
        ],
        base=tmp_path,
        environ={"HOST": "c.example"},
    )
    assert sources.index_urls == ("https://c.example/simple/", "https://b.example/simple/")
    assert sources.find_links == (str(tmp_path / "wheels"),)
    no_index = IndexSources.from_settings(
        settings, [Option(name="--no-index", value=None, origin=origin)]
    )
    assert no_index.index_urls == ()


def test_pip_configuration_files_and_variables(tmp_path: Path) -> None:
    conf = tmp_path / "pip.conf"
    conf.write_text(
        "[global]\nindex-url = https://a.example/simple/\nextra-index-url =\n"
        "    https://b.example/simple/\n    https://c.example/simple/\n"
        "[install]\ntrusted-host = b.example\n"
    )
    settings = read_index_settings({"PIP_CONFIG_FILE": str(conf), "HOME": str(tmp_path)})
    assert settings.index_url == "https://a.example/simple/"
    assert settings.extra_index_urls == ("https://b.example/simple/", "https://c.example/simple/")
    assert settings.trusted_hosts == ("b.example",)
    overridden = read_index_settings(
        {"PIP_CONFIG_FILE": str(conf), "HOME": str(tmp_path), "PIP_INDEX_URL": "https://d.example/"}
    )
    assert overridden.index_url == "https://d.example/"
    assert read_index_settings({"PIP_CONFIG_FILE": "/dev/null"}).index_url is None


def test_an_index_failure_counts_once_per_package() -> None:
    from lockmigrate.diff.model import DiffReport, DiffRow, DiffSection

    row = DiffRow(
        name="numpy", declared=None, origin=None, locked="1.26.4", in_range=None,
        newest_in_range=None, newest=None, status=Status.OK, error="https://x/: HTTP 503",
    )  # fmt: skip
    sections = tuple(
        DiffSection(
            title=title,
            declared_files=(),
            lock=None,
            lock_kind=None,
            resolved=False,
            python=None,
            rows=(row,),
        )
        for title in ("prod", "dev")
    )
    report = DiffReport(sections=sections, offline=False, index=())
    assert report.index_errors == ("numpy: https://x/: HTTP 503",)
