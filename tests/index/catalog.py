"""What the local test index serves: releases as plain data, built into wheels on demand.

The default catalogue is shaped around the questions lockmigrate answers, so each release is
there for a reason:

* ``~=`` boundaries. ``numpy~=1.26.4`` means ``>=1.26.4, ==1.26.*``: 1.26.9 is in, 1.27.0 and
  2.0.0 are out. ``numpy~=1.26`` lets 1.27.0 in but not 2.0.0.
* The numpy 1.26 -> 2.0 story. Every pandas, scikit-learn, scipy, shap and xgboost release
  asks for numpy with a lower bound only, so a project that pins ``pandas~=2.2.3`` and never
  names numpy resolves numpy 2.0.0 through pandas.
* What resolvers must skip: numpy 2.1.0 needs Python ">=3.99" (no interpreter matches, so
  2.0.0 is the newest usable), 2.2.0rc1 is a pre-release, and 1.26.5 is yanked (installable
  only through an ``==`` pin).
* An extra (``requests[socks]`` -> ``PySocks``) and a marker-only dependency (``pytest``
  needs ``colorama`` on Windows only).

Tests that need more releases pass their own list to :class:`~index.server.LocalIndex`::

    LocalIndex([*DEFAULT_CATALOG, Release(name="tomli", version="2.0.1")])
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.utils import NormalizedName, canonicalize_name

__all__ = ["DEFAULT_CATALOG", "CatalogError", "Release"]


class CatalogError(ValueError):
    """A catalogue entry that cannot be built or served."""


@dataclass(frozen=True, kw_only=True, slots=True)
class Release:
    """One version of one project, served as a single wheel.

    ``yanked`` is ``False``, ``True`` (yanked without a reason) or the reason (PEP 592).
    ``upload_time`` is an ISO 8601 UTC time (``2024-02-05T21:00:00Z``), served as PEP 700's
    ``upload-time`` so date-based resolution (``uv --exclude-newer``) can be tested. ``tag``
    is the wheel's tag set (``cp313-cp313-manylinux_2_17_x86_64``: give a version several
    entries for several wheels), or ``"sdist"`` for a source archive instead of a wheel.
    """

    name: str
    version: str
    requires_dist: tuple[str, ...] = ()
    requires_python: str | None = None
    extras: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    yanked: bool | str = False
    upload_time: str | None = None
    tag: str = "py3-none-any"
    #: the wheel's importable files (``path -> source``) instead of the one stand-in package:
    #: for tests that need what a module does when imported (``check --import``)
    files: Mapping[str, str] = field(default_factory=dict)
    #: A wheel built elsewhere, served as it is instead of a built stand-in (a real numpy
    #: wheel, an extension module from :mod:`index.extensions`); ``tag`` is then ignored and
    #: the file's name says what it is.
    prebuilt: Path | None = None

    @property
    def project(self) -> NormalizedName:
        """The PEP 503 normalised project name (the ``/simple/<project>/`` path segment)."""
        return canonicalize_name(self.name)

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Release:
        """Build a release from raw data (say, a JSON or TOML table), naming any bad key."""

        def text(key: str, *, required: bool = False) -> str | None:
            value = data.get(key)
            if value is None and not required:
                return None
            if not isinstance(value, str):
                raise CatalogError(f"release key {key!r}: expected a string, got {value!r}")
            return value

        def strings(key: str, value: object) -> tuple[str, ...]:
            if isinstance(value, str) or not isinstance(value, Iterable):
                raise CatalogError(f"release key {key!r}: expected a list of strings")
            items = tuple(value)
            if not all(isinstance(item, str) for item in items):
                raise CatalogError(f"release key {key!r}: expected a list of strings")
            return items

        unknown = set(data) - set(cls.__dataclass_fields__)
        if unknown:
            raise CatalogError(f"unknown release key(s): {sorted(unknown)}")
        raw_extras = data.get("extras", {})
        if not isinstance(raw_extras, Mapping):
            raise CatalogError("release key 'extras': expected a table of extra -> list")
        raw_files = data.get("files", {})
        if not isinstance(raw_files, Mapping) or not all(
            isinstance(value, str) for value in raw_files.values()
        ):
            raise CatalogError("release key 'files': expected a table of path -> source")
        yanked = data.get("yanked", False)
        if not isinstance(yanked, bool | str):
            raise CatalogError(f"release key 'yanked': expected a bool or a reason, got {yanked!r}")
        return cls(
            name=text("name", required=True) or "",
            version=text("version", required=True) or "",
            requires_dist=strings("requires_dist", data.get("requires_dist", ())),
            requires_python=text("requires_python"),
            extras={
                str(extra): strings(f"extras.{extra}", reqs) for extra, reqs in raw_extras.items()
            },
            yanked=yanked,
            upload_time=text("upload_time"),
            tag=text("tag") or "py3-none-any",
            files={str(path): source for path, source in raw_files.items()},
            prebuilt=Path(prebuilt) if (prebuilt := text("prebuilt")) else None,
        )


def _numpy(
    version: str, uploaded: str, *, requires_python: str, yanked: bool | str = False
) -> Release:
    """A numpy release: no dependencies, only the Python range and the yank differ."""
    return Release(
        name="numpy",
        version=version,
        requires_python=requires_python,
        yanked=yanked,
        upload_time=uploaded,
    )


DEFAULT_CATALOG: tuple[Release, ...] = (
    # numpy: the ~= boundary (1.26.x vs 1.27 vs 2.x) and the three kinds of skipped release.
    _numpy("1.26.4", "2024-02-05T21:00:00Z", requires_python=">=3.9"),
    _numpy(
        "1.26.5",
        "2024-03-01T12:00:00Z",
        requires_python=">=3.9",
        yanked="Broken ABI: built against the wrong CPython headers; use 1.26.9",
    ),
    _numpy("1.26.9", "2024-05-01T12:00:00Z", requires_python=">=3.9"),
    _numpy("1.27.0", "2024-06-01T12:00:00Z", requires_python=">=3.9"),
    _numpy("2.0.0", "2024-06-16T18:00:00Z", requires_python=">=3.9"),
    _numpy("2.1.0", "2024-08-18T15:00:00Z", requires_python=">=3.99"),
    _numpy("2.2.0rc1", "2024-11-25T10:00:00Z", requires_python=">=3.10"),
    # pandas: numpy bounded below only, so numpy slips to 2.x through it.
    Release(
        name="pandas",
        version="2.2.3",
        requires_dist=("numpy>=1.26",),
        requires_python=">=3.9",
        upload_time="2024-09-20T13:00:00Z",
    ),
    Release(
        name="pandas",
        version="2.2.4",
        requires_dist=("numpy>=1.26",),
        requires_python=">=3.9",
        upload_time="2025-01-10T13:00:00Z",
    ),
    Release(
        name="pandas",
        version="2.3.0",
        requires_dist=("numpy>=1.26",),
        requires_python=">=3.9",
        upload_time="2025-06-05T13:00:00Z",
    ),
    # The scientific stack that shap and the boosters sit on.
    *(
        Release(
            name="scikit-learn",
            version=version,
            requires_dist=("numpy>=1.19.5", "scipy>=1.6", "joblib>=1.2"),
            requires_python=">=3.9",
            upload_time=uploaded,
        )
        for version, uploaded in [
            ("1.5.2", "2024-09-11T09:00:00Z"),
            ("1.5.9", "2024-11-01T09:00:00Z"),
            ("1.6.0", "2024-12-09T09:00:00Z"),
        ]
    ),
    *(
        Release(
            name="scipy",
            version=version,
            requires_dist=("numpy>=1.23.5",),
            requires_python=">=3.10",
            upload_time=uploaded,
        )
        for version, uploaded in [
            ("1.14.1", "2024-08-20T17:00:00Z"),
            ("1.15.0", "2025-01-03T17:00:00Z"),
        ]
    ),
    Release(
        name="joblib", version="1.4.2", requires_python=">=3.8", upload_time="2024-05-02T12:00:00Z"
    ),
    Release(
        name="joblib", version="1.5.0", requires_python=">=3.9", upload_time="2025-05-03T12:00:00Z"
    ),
    *(
        Release(
            name="shap",
            version=version,
            requires_dist=("numpy", "scipy", "scikit-learn", "pandas", "slicer==0.0.8"),
            requires_python=">=3.9",
            upload_time=uploaded,
        )
        for version, uploaded in [
            ("0.46.0", "2024-06-27T08:00:00Z"),
            ("0.46.1", "2024-10-01T08:00:00Z"),
            ("0.47.0", "2025-03-06T08:00:00Z"),
        ]
    ),
    Release(name="slicer", version="0.0.8", upload_time="2024-03-09T08:00:00Z"),
    *(
        Release(
            name="xgboost",
            version=version,
            requires_dist=("numpy", "scipy"),
            requires_python=">=3.8" if version.startswith("2.") else ">=3.10",
            upload_time=uploaded,
        )
        for version, uploaded in [
            ("2.1.3", "2024-11-26T20:00:00Z"),
            ("2.1.4", "2025-02-06T20:00:00Z"),
            ("3.0.0", "2025-03-15T20:00:00Z"),
        ]
    ),
    *(
        Release(
            name="lightgbm",
            version=version,
            requires_dist=("numpy>=1.17.0", "scipy"),
            requires_python=">=3.7",
            upload_time=uploaded,
        )
        for version, uploaded in [
            ("4.5.0", "2024-07-26T04:00:00Z"),
            ("4.6.0", "2025-02-15T04:00:00Z"),
        ]
    ),
    # An extra: requests[socks] pulls PySocks (display name mixed-case on purpose).
    Release(
        name="requests",
        version="2.32.3",
        requires_python=">=3.8",
        extras={"socks": ("PySocks!=1.5.7,>=1.5.6",)},
        upload_time="2024-05-29T15:00:00Z",
    ),
    Release(name="PySocks", version="1.7.1", upload_time="2019-09-20T02:00:00Z"),
    # A marker-only dependency: colorama comes with pytest on Windows only.
    *(
        Release(
            name="pytest",
            version=version,
            requires_dist=("iniconfig", "pluggy<2,>=1.5", 'colorama; sys_platform == "win32"'),
            requires_python=">=3.8" if version.startswith("8.3") else ">=3.9",
            upload_time=uploaded,
        )
        for version, uploaded in [
            ("8.3.3", "2024-09-10T10:00:00Z"),
            ("8.3.5", "2025-03-02T10:00:00Z"),
            ("8.4.0", "2025-06-02T10:00:00Z"),
        ]
    ),
    Release(
        name="iniconfig",
        version="2.0.0",
        requires_python=">=3.7",
        upload_time="2023-01-07T11:00:00Z",
    ),
    Release(
        name="pluggy", version="1.5.0", requires_python=">=3.8", upload_time="2024-04-20T21:00:00Z"
    ),
    Release(name="colorama", version="0.4.6", upload_time="2022-10-25T02:00:00Z"),
)
