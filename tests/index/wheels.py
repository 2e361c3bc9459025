"""Small, valid, byte-for-byte reproducible wheels, built with :mod:`zipfile` alone (and
source archives, with :mod:`tarfile`, for the few tests that need a release without wheels).

A wheel here is the least that pip, uv and Poetry accept as real: a ``.dist-info`` folder with
``METADATA`` (core metadata 2.1), ``WHEEL`` and a ``RECORD`` of sha256 digests, plus one tiny
importable package. No build backend runs, so building the whole test catalogue takes
milliseconds and the same inputs always give the same bytes (and so the same hashes in a
lockfile).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import re
import tarfile
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.tags import parse_tag
from packaging.utils import canonicalize_name
from packaging.version import Version

__all__ = [
    "SDIST",
    "BuiltWheel",
    "build_sdist",
    "build_wheel",
    "build_wheel_with_metadata",
    "core_metadata",
    "escape_name",
    "read_wheel",
    "wheel_filename",
]

#: The earliest timestamp a zip file can hold; every entry gets it, so builds are reproducible.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
#: ``-rw-r--r--`` as a regular file, in the high 16 bits the way ``zipfile`` expects.
_FILE_MODE = (0o100644 & 0xFFFF) << 16
_GENERATOR = "lockmigrate-tests-index (zipfile)"


@dataclass(frozen=True, kw_only=True, slots=True)
class BuiltWheel:
    """A wheel on disk, with what an index advertises about it."""

    path: Path
    name: str
    version: str
    #: Hex sha256 of the wheel file (the ``#sha256=`` fragment, the ``--hash`` in a lockfile).
    sha256: str
    size: int
    metadata: bytes = field(repr=False)
    requires_python: str | None = None
    #: a source archive (``name-version.tar.gz``), not a wheel: no PEP 658 metadata is served
    sdist: bool = False

    @property
    def filename(self) -> str:
        """The wheel's file name, as linked from the index."""
        return self.path.name

    @property
    def metadata_sha256(self) -> str:
        """Hex sha256 of the ``METADATA`` file served as ``<wheel>.metadata`` (PEP 658)."""
        return hashlib.sha256(self.metadata).hexdigest()


#: The ``tag`` of a release served as a source archive instead of a wheel.
SDIST = "sdist"


def escape_name(name: str) -> str:
    """A distribution name as it appears in wheel file and ``.dist-info`` names.

    Per the binary distribution format spec, runs of ``-_.`` become ``_`` and letters are
    lower-cased: ``scikit-learn`` -> ``scikit_learn``, ``PySocks`` -> ``pysocks``.
    """
    return re.sub(r"[-_.]+", "_", name).lower()


def wheel_filename(name: str, version: str, tag: str = "py3-none-any") -> str:
    """``{name}-{version}-{tag}.whl`` with the name escaped and the version normalised."""
    normalised = str(Version(version)).replace("-", "_")
    parse_tag(tag)  # raises on a malformed tag: a bad name would only fail later, in pip
    return f"{escape_name(name)}-{normalised}-{tag}.whl"


def _extra_requirement(requirement: str, extra: str) -> str:
    """``requirement`` made conditional on ``extra``, keeping any marker it already has."""
    parsed = Requirement(requirement)
    extra_marker = Marker(f'extra == "{canonicalize_name(extra)}"')
    # Combined as marker objects so an "or" in the original marker keeps its parentheses.
    parsed.marker = parsed.marker & extra_marker if parsed.marker else extra_marker
    return str(parsed)


def core_metadata(
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Iterable[str]] | None = None,
    summary: str | None = None,
) -> bytes:
    """The ``METADATA`` file (core metadata 2.1) for one release, as UTF-8 bytes.

    Every requirement is parsed with :mod:`packaging` first, so a typo in the catalogue fails
    here with a clear error rather than as a puzzling resolution later.
    """
    lines = [
        "Metadata-Version: 2.1",
        f"Name: {name}",
        f"Version: {Version(version)}",
        f"Summary: {summary or f'{name}, a test release served by the local index'}",
    ]
    if requires_python is not None:
        lines.append(f"Requires-Python: {requires_python}")
    lines.extend(f"Requires-Dist: {Requirement(req)}" for req in requires_dist)
    for extra, requirements in sorted((extras or {}).items()):
        lines.append(f"Provides-Extra: {canonicalize_name(extra)}")
        lines.extend(f"Requires-Dist: {_extra_requirement(req, extra)}" for req in requirements)
    return ("\n".join(lines) + "\n").encode()


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def _zip_entry(path: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(path, date_time=ZIP_EPOCH)
    info.external_attr = _FILE_MODE
    info.create_system = 3  # Unix, whatever the building platform
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def build_wheel(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Iterable[str]] | None = None,
    tag: str = "py3-none-any",
) -> Path:
    """Write a wheel for ``name`` ``version`` into ``dest_dir`` and return its path.

    The wheel holds one package, importable as the escaped name (``scikit_learn``), whose
    ``__version__`` is the release's version. Entries are sorted (the ``.dist-info`` files last,
    ``RECORD`` at the very end) and carry a fixed timestamp, so equal inputs give equal bytes.
    """
    return build_wheel_with_metadata(
        dest_dir,
        name,
        version,
        requires_dist=requires_dist,
        requires_python=requires_python,
        extras=extras,
        tag=tag,
    ).path


def build_wheel_with_metadata(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Iterable[str]] | None = None,
    tag: str = "py3-none-any",
    files: Mapping[str, bytes] | None = None,
) -> BuiltWheel:
    """Like :func:`build_wheel`, but also return the metadata an index serves beside it.

    ``files`` (path in the wheel -> bytes) replaces the stand-in package: an extension module
    and the ``__init__.py`` that imports it, say. A wheel with files is ``Root-Is-Purelib:
    false`` when its tag names a platform (anything but ``any``).
    """
    escaped = escape_name(name)
    normalised_version = str(Version(version))
    dist_info = f"{escaped}-{normalised_version}.dist-info"
    metadata = core_metadata(
        name,
        version,
        requires_dist=requires_dist,
        requires_python=requires_python,
        extras=extras,
    )
    purelib = "false" if files and not tag.endswith("-any") else "true"
    tag_lines = "".join(f"Tag: {one}\n" for one in sorted(map(str, parse_tag(tag))))
    wheel_file = (
        f"Wheel-Version: 1.0\nGenerator: {_GENERATOR}\nRoot-Is-Purelib: {purelib}\n{tag_lines}"
    ).encode()
    module = (
        f'"""{name} {normalised_version}: a stand-in built for lockmigrate\'s tests."""\n\n'
        f'__version__ = "{normalised_version}"\n'
    ).encode()

    payload = dict(files) if files else {f"{escaped}/__init__.py": module}
    dist_info_files = {f"{dist_info}/METADATA": metadata, f"{dist_info}/WHEEL": wheel_file}
    entries = dict(sorted(payload.items())) | dist_info_files
    record_path = f"{dist_info}/RECORD"
    record = "".join(f"{_record_line(path, data)}\n" for path, data in entries.items())
    entries[record_path] = f"{record}{record_path},,\n".encode()

    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / wheel_filename(name, version, tag)
    with zipfile.ZipFile(target, "w") as archive:
        for path, data in entries.items():
            archive.writestr(_zip_entry(path), data, compresslevel=9)
    content = target.read_bytes()
    return BuiltWheel(
        path=target,
        name=name,
        version=normalised_version,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        metadata=metadata,
        requires_python=requires_python,
    )


def read_wheel(path: Path, *, requires_python: str | None = None) -> BuiltWheel:
    """A wheel built elsewhere (a real numpy wheel from PyPI, say), as the index serves it:
    its name and version from the file name, its ``METADATA`` read from the archive."""
    name, version, _ = path.name.split("-", 2)
    with zipfile.ZipFile(path) as archive:
        (metadata_path,) = (
            member
            for member in archive.namelist()
            if member.count("/") == 1 and member.endswith(".dist-info/METADATA")
        )
        metadata = archive.read(metadata_path)
    content = path.read_bytes()
    return BuiltWheel(
        path=path,
        name=name,
        version=str(Version(version)),
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        metadata=metadata,
        requires_python=requires_python,
    )


def build_sdist(
    dest_dir: Path,
    name: str,
    version: str,
    *,
    requires_dist: Iterable[str] = (),
    requires_python: str | None = None,
    extras: Mapping[str, Iterable[str]] | None = None,
) -> BuiltWheel:
    """Write a source archive ``{name}-{version}.tar.gz`` (PEP 625 name) into ``dest_dir``:
    ``PKG-INFO``, a ``pyproject.toml`` for setuptools with the same static metadata, and the
    package. Every member has a fixed time and owner, and the gzip header no time, so equal
    inputs give equal bytes. (Building it needs setuptools, which the local index does not
    serve: it is for tests that read what an index lists, not for resolvers to build.)"""
    escaped = escape_name(name)
    normalised_version = str(Version(version))
    root = f"{escaped}-{normalised_version}"
    metadata = core_metadata(
        name, version, requires_dist=requires_dist, requires_python=requires_python, extras=extras
    )
    dependencies = "".join(f"  {str(Requirement(req))!r},\n" for req in requires_dist)
    pyproject = (
        '[build-system]\nrequires = ["setuptools>=61"]\nbuild-backend = "setuptools.build_meta"\n\n'
        f'[project]\nname = "{name}"\nversion = "{normalised_version}"\n'
        + (f'requires-python = "{requires_python}"\n' if requires_python else "")
        + f"dependencies = [\n{dependencies}]\n"
    ).encode()
    module = f'__version__ = "{normalised_version}"\n'.encode()
    members = {
        f"{root}/PKG-INFO": metadata,
        f"{root}/pyproject.toml": pyproject,
        f"{root}/{escaped}/__init__.py": module,
    }
    archive = io.BytesIO()
    with tarfile.open(fileobj=archive, mode="w", format=tarfile.PAX_FORMAT) as tar:
        for path, data in members.items():
            info = tarfile.TarInfo(path)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    dest_dir.mkdir(parents=True, exist_ok=True)
    target = dest_dir / f"{root}.tar.gz"
    target.write_bytes(gzip.compress(archive.getvalue(), mtime=0))
    content = target.read_bytes()
    return BuiltWheel(
        path=target,
        name=name,
        version=normalised_version,
        sha256=hashlib.sha256(content).hexdigest(),
        size=len(content),
        metadata=metadata,
        requires_python=requires_python,
        sdist=True,
    )
