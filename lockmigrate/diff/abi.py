"""The NumPy 2 ABI check: which compiled packages of a lock were built against NumPy 1.x.

An extension module that uses the NumPy C API calls ``import_array()``, which imports
numpy's ``_multiarray_umath`` by name. NumPy 2's headers name ``numpy._core._multiarray_umath``
(with ``numpy.core._multiarray_umath`` as a fallback); NumPy 1.x's name only
``numpy.core._multiarray_umath``. A module built against 1.x fails to import beside numpy
2.x, so the name in its binary says which numpy it can run with.

For each locked package that ships compiled wheels here and depends on numpy (its PEP 658
metadata says so, or its binaries do), the wheel the lock would install on the lock's Python
and this platform is read: with HTTP byte ranges where the index serves them, only the zip
directory and the extension modules (:class:`lockmigrate.index.remote_zip.RemoteZip`), else
the whole file. Its verdict (:class:`~lockmigrate.diff.model.AbiBuild`) is cached by the
file's SHA-256 under the cache folder (``abi/``), so a second run asks nothing, and
``--offline`` uses only what is cached. A package built for 1.x while the lock has numpy 2.x
*breaks*; its fix is the first newer release built for NumPy 2, found by a binary search
over the newer releases (a few wheels read, however many releases there are).
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from lockmigrate.diff.model import AbiBuild, AbiVerdict

if TYPE_CHECKING:
    from lockmigrate.environment import TargetEnvironment
    from lockmigrate.index import AvailableVersion, IndexSources, ProjectVersions
    from lockmigrate.index.pages import IndexFile
    from lockmigrate.index.transport import Transport
    from lockmigrate.model.locks import Lock

__all__ = [
    "NEW_MODULE",
    "OLD_MODULE",
    "AbiJudgement",
    "WheelAbi",
    "describe",
    "extension_members",
    "judge_lock",
    "scan_binary",
]

NEW_MODULE = b"numpy._core._multiarray_umath"
OLD_MODULE = b"numpy.core._multiarray_umath"
_API_SYMBOLS = (b"_ARRAY_API", b"_UFUNC_API")
_CACHE_FORMAT = 1
_MAX_PROBES = 8  # wheels read at most to find one package's fix
# extension modules: "x.cpython-311-x86_64-linux-gnu.so", "x.abi3.so", "x.so", "x.pyd"; a
# shared library loaded by ctypes or linked ("lib_lightgbm.so", "libgomp-a34b3233.so.1.0.0",
# anything in an auditwheel/delvewheel ".libs" folder) cannot call import_array()
_EXTENSION = re.compile(r"[^/]+\.(?:so|pyd)$", re.IGNORECASE)
_LIBRARY_FOLDER = re.compile(r"(?:^|/)[^/]*\.libs/|\.dylibs/")
_PYTHON_TAGGED = re.compile(r"\.(?:cpython-|cp3\d+-|pypy|abi3\.|graalpy)[^/]*$", re.IGNORECASE)


@dataclass(frozen=True, slots=True, kw_only=True)
class WheelAbi:
    """What one wheel file was built against (cached by its SHA-256)."""

    build: AbiBuild
    member: str | None = None
    symbol: str | None = None
    #: the symbols of the NumPy C API seen beside the module name (``_ARRAY_API``...)
    evidence: tuple[str, ...] = ()
    depends_on_numpy: bool = True

    def as_json(self) -> dict[str, Any]:
        return {
            "format": _CACHE_FORMAT,
            "build": self.build.value,
            "member": self.member,
            "symbol": self.symbol,
            "evidence": list(self.evidence),
            "depends_on_numpy": self.depends_on_numpy,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WheelAbi | None:
        if data.get("format") != _CACHE_FORMAT:
            return None
        return cls(
            build=AbiBuild(data["build"]),
            member=data.get("member"),
            symbol=data.get("symbol"),
            evidence=tuple(str(item) for item in data.get("evidence", ())),
            depends_on_numpy=bool(data.get("depends_on_numpy", True)),
        )


def scan_binary(data: bytes) -> tuple[AbiBuild, str | None, tuple[str, ...]]:
    """What one binary was built against, the module name that says so, and the C API
    symbols seen: :attr:`AbiBuild.NO_C_API` when it names neither module."""
    evidence = tuple(symbol.decode() for symbol in _API_SYMBOLS if symbol in data)
    if NEW_MODULE in data:
        return AbiBuild.NUMPY2, NEW_MODULE.decode(), evidence
    if OLD_MODULE in data:
        return AbiBuild.NUMPY1, OLD_MODULE.decode(), evidence
    return AbiBuild.NO_C_API, None, evidence


def extension_members(names: Iterable[str]) -> list[str]:
    """The members of a wheel that may be extension modules (see ``_EXTENSION``): a name
    with a Python tag (``lib.cpython-311-x86_64-linux-gnu.so`` is pandas' ``_libs.lib``), or
    a plain ``.so``/``.pyd`` whose name does not start with ``lib`` (a shared library)."""
    return [
        name
        for name in names
        if _EXTENSION.search(name)
        and not _LIBRARY_FOLDER.search(name)
        and (_PYTHON_TAGGED.search(name) or not name.rsplit("/", 1)[-1].startswith("lib"))
    ]


def _inspect(
    transport: Transport, file: IndexFile, environment: TargetEnvironment | None
) -> WheelAbi:
    """Read the extension modules of ``file``, smallest first, until one names a numpy
    module: every module of a wheel is built against the same headers. With an
    ``environment`` (the index served no metadata), the wheel's own ``METADATA`` first
    (usually in the same last 64 KiB as the zip directory): a wheel that does not require
    numpy there is not read further."""
    from lockmigrate.index.remote_zip import RemoteZip

    url = file.url()
    if url is None:
        raise _Unjudged("the index gives no URL for its wheel")
    archive = RemoteZip(transport, url, sha256=file.sha256)
    infos = {info.filename: info for info in archive.infolist()}
    if environment is not None:
        metadata = [name for name in infos if re.fullmatch(r"[^/]+\.dist-info/METADATA", name)]
        if len(metadata) == 1 and not _requires_numpy(
            archive.read(infos[metadata[0]]), environment
        ):
            return WheelAbi(build=AbiBuild.NO_C_API, depends_on_numpy=False)
    members = sorted(extension_members(infos), key=lambda name: infos[name].compress_size)
    seen: set[str] = set()
    for name in members:
        build, symbol, evidence = scan_binary(archive.read(infos[name]))
        seen.update(evidence)
        if build is not AbiBuild.NO_C_API:
            return WheelAbi(build=build, member=name, symbol=symbol, evidence=evidence)
    if seen:  # the C API's symbols, but neither module name: cannot tell which headers
        return WheelAbi(build=AbiBuild.UNKNOWN, evidence=tuple(sorted(seen)))
    return WheelAbi(build=AbiBuild.NO_C_API)


class _Unjudged(Exception):
    """Why one package could not be judged (its message is shown)."""


@dataclass(slots=True)
class _Cache:
    """Verdicts by wheel SHA-256 (``abi/wheels/<sha256>.json``) and, for ``--offline``,
    each pin's wheel files and their hashes (``abi/pins/<name>-<version>.json``). Keys and
    files hold names, versions and hashes only: never an index URL or a credential."""

    root: Path | None

    def _read(self, path: Path) -> object:
        try:
            return json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None

    def _write(self, path: Path, data: object) -> None:
        from lockmigrate.index.cache import write_atomically

        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomically(path, json.dumps(data, sort_keys=True).encode())
        except OSError:
            pass  # a read-only or full cache folder only costs speed

    def verdict(self, sha256: str | None) -> WheelAbi | None:
        if self.root is None or not sha256 or not re.fullmatch(r"[0-9a-f]{64}", sha256):
            return None
        data = self._read(self.root / "wheels" / f"{sha256}.json")
        try:
            return WheelAbi.from_json(data) if isinstance(data, dict) else None
        except (KeyError, ValueError):
            return None

    def store_verdict(self, sha256: str | None, verdict: WheelAbi) -> None:
        if self.root is not None and sha256 and re.fullmatch(r"[0-9a-f]{64}", sha256):
            self._write(self.root / "wheels" / f"{sha256}.json", verdict.as_json())

    def _pin_path(self, name: str, version: str) -> Path | None:
        if self.root is None:
            return None
        digest = hashlib.sha256(f"{name}\n{version}".encode()).hexdigest()[:32]
        return self.root / "pins" / f"{digest}.json"

    def pin_files(self, name: str, version: str) -> dict[str, str] | None:
        path = self._pin_path(name, version)
        data = self._read(path) if path is not None else None
        if not isinstance(data, dict) or data.get("format") != _CACHE_FORMAT:
            return None
        files = data.get("files")
        return {str(k): str(v) for k, v in files.items()} if isinstance(files, dict) else None

    def store_pin_files(self, name: str, version: str, files: Mapping[str, str]) -> None:
        path = self._pin_path(name, version)
        if path is not None and files:
            self._write(path, {"format": _CACHE_FORMAT, "files": dict(files)})


def _best_wheel(
    files: Iterable[tuple[str, Any]], environment: TargetEnvironment
) -> tuple[str, Any] | None:
    """The wheel pip would install here among ``(filename, item)``: the best-ranked tags."""
    from lockmigrate.index.pages import wheel_tags

    ranked = []
    for filename, item in files:
        tags = wheel_tags(filename)
        rank = environment.wheel_rank(tags) if tags else None
        if rank is not None:
            ranked.append((rank, filename, item))
    return min(ranked, key=lambda entry: entry[:2])[1:] if ranked else None


def _is_pure(filename: str) -> bool:
    from lockmigrate.index.pages import wheel_tags

    return (wheel_tags(filename) or "").lower().endswith("-none-any")


def _requires_numpy(metadata: bytes, environment: TargetEnvironment) -> bool:
    from email.parser import BytesHeaderParser

    message = BytesHeaderParser().parsebytes(metadata)
    for value in message.get_all("Requires-Dist") or ():
        try:
            requirement = Requirement(" ".join(str(value).split()))
        except InvalidRequirement:
            continue
        marker = str(requirement.marker) if requirement.marker else None
        if requirement.name.lower() == "numpy" and environment.applies(marker):
            return True
    return False


@dataclass(frozen=True, slots=True, kw_only=True)
class AbiJudgement:
    """The verdicts on one lock: by package name, and the packages not judged (``name:
    why``). Empty when the lock has no numpy, or numpy 1.x and nothing was asked."""

    numpy: str | None = None
    verdicts: Mapping[str, AbiVerdict] = field(default_factory=dict)
    unjudged: tuple[str, ...] = ()


@dataclass(slots=True, kw_only=True)
class _Judge:
    """What judging one lock needs: the environment, where to ask, and the cache."""

    environment: TargetEnvironment
    sources: IndexSources | None
    cache: _Cache
    offline: bool
    workers: int
    _transport: Transport | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def transport(self) -> Transport:
        with self._lock:
            if self._transport is None:
                from lockmigrate.index.transport import Transport

                assert self.sources is not None  # noqa: S101 - never asked offline
                self._transport = Transport(self.sources, connections=self.workers)
            return self._transport

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()

    def wheel_of(self, entry: AvailableVersion) -> IndexFile | None:
        """The wheel of one version that the lock installs here, ``None`` when it has no
        compiled one (pure Python, or source only)."""
        chosen = _best_wheel(((f.filename, f) for f in entry.distributions), self.environment)
        if chosen is None or _is_pure(chosen[0]):
            return None
        file: IndexFile = chosen[1]
        return file

    def judge_file(self, file: IndexFile) -> WheelAbi:
        """The verdict on one wheel: cached, else read (its metadata first: the index's when
        served, else the wheel's own)."""
        cached = self.cache.verdict(file.sha256)
        if cached is not None:
            return cached
        if self.offline:
            raise _Unjudged("offline, and no verdict cached for its wheel")
        body = None
        if file.metadata_sha256 is not None:
            from lockmigrate.index import read_metadata

            body = read_metadata(file, self.transport)
            if body is not None and not _requires_numpy(body, self.environment):
                verdict = WheelAbi(build=AbiBuild.NO_C_API, depends_on_numpy=False)
                self.cache.store_verdict(file.sha256, verdict)
                return verdict
        from lockmigrate.index.remote_zip import RemoteZipError

        try:
            verdict = _inspect(self.transport, file, self.environment if body is None else None)
        except RemoteZipError as error:
            raise _Unjudged(str(error)) from None
        self.cache.store_verdict(file.sha256, verdict)
        return verdict

    def judge_offline(self, name: str, version: str) -> tuple[str, WheelAbi] | None:
        """The cached verdict on a pin's wheel, from the files cached for it."""
        files = self.cache.pin_files(name, version)
        if files is None:
            raise _Unjudged("offline, and nothing cached for it")
        chosen = _best_wheel(files.items(), self.environment)
        if chosen is None or _is_pure(chosen[0]):
            return None
        verdict = self.cache.verdict(chosen[1])
        if verdict is None:
            raise _Unjudged("offline, and no verdict cached for its wheel")
        return chosen[0], verdict


def _version(text: str | None) -> Version | None:
    try:
        return Version(text) if text else None
    except InvalidVersion:
        return None


def _find_fix(
    judge: _Judge, project: ProjectVersions, locked: Version
) -> tuple[str | None, str | None]:
    """The first release after ``locked`` whose wheel here is not built for NumPy 1.x, by
    binary search over the newer releases with a compiled wheel (so at most
    ``_MAX_PROBES`` wheels are read); and a note when the search could not finish."""
    candidates = [
        entry
        for entry in project.versions
        if entry.version > locked
        and not entry.yanked
        and not entry.version.is_prerelease
        and entry.allows_python(judge.environment.python_version)
    ]
    low, high, probes = 0, len(candidates), 0
    found: str | None = None
    while low < high:
        if probes == _MAX_PROBES:
            return found, f"stopped after reading {_MAX_PROBES} wheels"
        middle = (low + high) // 2
        entry = candidates[middle]
        file = judge.wheel_of(entry)
        probes += 1
        try:
            good = file is None or judge.judge_file(file).build in {
                AbiBuild.NUMPY2,
                AbiBuild.NO_C_API,
            }
        except _Unjudged:
            good = False
        if good and (file is not None or any(_is_pure(f.filename) for f in entry.distributions)):
            found, high = str(entry.version), middle
        else:
            low = middle + 1
    return found, None


def _contains(specifier: str | None, version: str) -> bool | None:
    if specifier is None:
        return None
    try:
        return SpecifierSet(specifier).contains(version, prereleases=True)
    except InvalidSpecifier:
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class _Pin:
    name: str
    version: str


def _judge_pin(
    judge: _Judge,
    pin: _Pin,
    project: ProjectVersions | None,
) -> tuple[str, WheelAbi] | None:
    """The wheel this pin installs here and its verdict; ``None`` for a pin with no compiled
    wheel or no numpy dependency. Raises :class:`_Unjudged`."""
    if judge.offline:
        return judge.judge_offline(pin.name, pin.version)
    if project is None or (project.error is not None and not project.versions):
        raise _Unjudged(project.error if project is not None else "the index was not asked")
    exact = _version(pin.version)
    entry = next((e for e in project.versions if e.version == exact), None)
    if entry is None:
        return None  # not on the index (a local or URL build): nothing to read
    judge.cache.store_pin_files(
        pin.name, pin.version, {f.filename: f.sha256 for f in entry.distributions if f.sha256}
    )
    file = judge.wheel_of(entry)
    if file is None:
        return None
    return file.filename, judge.judge_file(file)


def _verdict_for(
    judge: _Judge,
    pin: _Pin,
    project: ProjectVersions | None,
    numpy: Version,
    *,
    declared: Mapping[str, str],
    cached: Mapping[str, tuple[str, WheelAbi] | None],
) -> AbiVerdict | None:
    judged = cached[pin.name] if pin.name in cached else _judge_pin(judge, pin, project)
    if judged is None or not judged[1].depends_on_numpy:
        return None
    wheel, verdict = judged
    if verdict.build is AbiBuild.NO_C_API and verdict.member is None and not verdict.evidence:
        build_note = "no extension module uses the NumPy C API"
    else:
        build_note = None
    breaks = verdict.build is AbiBuild.NUMPY1 and numpy.major >= 2
    fix = note = None
    if breaks and project is not None and not judge.offline:
        fix, note = _find_fix(judge, project, Version(pin.version))
        if fix is None and note is None:
            note = "no newer release is built for NumPy 2"
    elif breaks:
        note = "offline: newer releases not searched"
    return AbiVerdict(
        name=pin.name,
        version=pin.version,
        build=verdict.build,
        numpy=str(numpy),
        wheel=wheel,
        member=verdict.member,
        symbol=verdict.symbol,
        breaks=breaks,
        fix=fix,
        fix_in_range=_contains(declared.get(pin.name), fix) if fix else None,
        note=note or build_note,
    )


def judge_lock(
    lock: Lock,
    *,
    environment: TargetEnvironment,
    sources: IndexSources | None,
    available: Mapping[str, ProjectVersions] | None = None,
    declared: Mapping[str, str] | None = None,
    cache_dir: Path | None = None,
    offline: bool = False,
    every_numpy: bool = False,
    workers: int = 8,
) -> AbiJudgement:
    """Judge the compiled numpy dependents of ``lock`` for ``environment``.

    Nothing is asked when the lock has no numpy, or numpy 1.x (a package built for NumPy 2
    runs on 1.x too), unless ``every_numpy`` (a lock-to-lock diff that crosses to 2.x wants
    every verdict). ``available`` is what the index offers (the diff's own answers); the
    projects missing from it are asked now through ``sources``. ``declared`` (name ->
    specifier) says whether a fix is in range. ``offline`` uses cached verdicts only.
    """
    numpy_pin = next((p for p in lock.packages if p.name == "numpy" and p.version), None)
    numpy = _version(numpy_pin.version if numpy_pin else None)
    if numpy is None or (numpy.major < 2 and not every_numpy):
        return AbiJudgement(numpy=str(numpy) if numpy else None)
    pins = [
        _Pin(name=p.name, version=p.version)
        for p in lock.packages
        if p.version and p.name != "numpy" and p.url is None and environment.applies(p.marker)
    ]
    judge = _Judge(
        environment=environment,
        sources=sources,
        cache=_Cache(cache_dir / "abi" if cache_dir is not None else None),
        offline=offline or sources is None,
        workers=max(1, workers),
    )
    cached = {} if judge.offline else _cached_first(judge, pins, available, numpy)
    asked = [pin for pin in pins if pin.name not in cached]
    pages = _pages(asked, available, sources, cache_dir, offline=offline, workers=workers)
    verdicts: dict[str, AbiVerdict] = {}
    unjudged: dict[str, str] = {}

    def one(pin: _Pin) -> None:
        try:
            verdict = _verdict_for(
                judge, pin, pages.get(pin.name), numpy, declared=declared or {}, cached=cached
            )
        except _Unjudged as why:
            unjudged[pin.name] = str(why)
            return
        if verdict is not None:
            verdicts[pin.name] = verdict

    try:
        _each(one, pins, workers)
    finally:
        judge.close()
    return AbiJudgement(
        numpy=str(numpy),
        verdicts=dict(sorted(verdicts.items())),
        unjudged=tuple(f"{name}: {why}" for name, why in sorted(unjudged.items())),
    )


def _cached_first(
    judge: _Judge,
    pins: Sequence[_Pin],
    available: Mapping[str, ProjectVersions] | None,
    numpy: Version,
) -> dict[str, tuple[str, WheelAbi] | None]:
    """The verdicts an earlier run cached for the pins whose index pages are not at hand
    (``check``, a lock-to-lock diff), so that a lock judged before costs no request: the
    pages are asked only for the others, and for cached breaks (to search for their fix)."""
    found: dict[str, tuple[str, WheelAbi] | None] = {}
    for pin in pins:
        if available is not None and pin.name in available:
            continue  # the diff read its page: judged from it (and its files re-cached)
        try:
            judged = judge.judge_offline(pin.name, pin.version)
        except _Unjudged:
            continue
        if judged is not None and judged[1].build is AbiBuild.NUMPY1 and numpy.major >= 2:
            continue
        found[pin.name] = judged
    return found


def _each(work: Callable[[_Pin], None], pins: Sequence[_Pin], workers: int) -> None:
    if len(pins) <= 1 or workers <= 1:
        for pin in pins:
            work(pin)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(pins))) as pool:
        for future in [pool.submit(work, pin) for pin in pins]:
            future.result()


def _pages(
    pins: Sequence[_Pin],
    available: Mapping[str, ProjectVersions] | None,
    sources: IndexSources | None,
    cache_dir: Path | None,
    *,
    offline: bool,
    workers: int,
) -> dict[str, ProjectVersions]:
    """What the index offers for each pin: the diff's answers, the others asked now."""
    found = dict(available or {})
    missing = {pin.name for pin in pins} - found.keys()
    if missing and sources is not None and not offline:
        from lockmigrate.index import fetch_versions

        found.update(fetch_versions(missing, sources=sources, cache_dir=cache_dir, workers=workers))
    return found


_BUILDS = {
    AbiBuild.NUMPY2: "built for NumPy 2",
    AbiBuild.NUMPY1: "built for NumPy 1.x",
    AbiBuild.NO_C_API: "no NumPy C API",
    AbiBuild.UNKNOWN: "NumPy ABI unknown",
}


def describe(verdict: AbiVerdict) -> str:
    """``abi-break: built for NumPy 1.x (pkg/_ext.so names numpy.core._multiarray_umath),
    numpy 2.0.0 locked; fix: pkg 2.10.0, in range``: what was found, where, and the fix."""
    text = _BUILDS[verdict.build]
    if verdict.member and verdict.symbol:
        text += f" ({verdict.member} names {verdict.symbol})"
    if not verdict.breaks:
        return text + (f"; {verdict.note}" if verdict.note else "")
    text = f"abi-break: {text}, numpy {verdict.numpy} locked"
    if verdict.fix is not None:
        where = {True: "in range", False: f"move the range to >={verdict.fix}", None: ""}
        detail = where[verdict.fix_in_range]
        text += f"; fix: {verdict.name} {verdict.fix}" + (f", {detail}" if detail else "")
    if verdict.note:
        text += f"; {verdict.note}"
    return text
