"""PEP 440 specifiers and Poetry constraints: translation, and proof of equivalence.

lockmigrate writes PEP 440 specifiers as they are (``numpy~=1.26.4``); Poetry reads them
with poetry-core. Where ``--constraint-style poetry`` asks for ``^``/``~``, a caret or tilde
is used only when it allows exactly the same versions: ``~=0.46`` means ``>=0.46,<1.0`` but
Poetry's ``^0.46`` and ``~0.46`` both mean ``>=0.46,<0.47``, so it stays ``~=0.46``.

Every written constraint is checked against packaging on a set of witness versions built
from its own boundaries (each bound, its neighbours, and their pre-, post-, dev- and local
variants): the places where two readings of a range can differ.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence

# packaging first: importing poetry.core puts poetry's vendored copy of packaging on sys.path.
from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = [
    "counterexamples",
    "nearest_versions",
    "only_excluded_post_releases",
    "poetry_allows",
    "poetry_style",
    "witness_versions",
]


def poetry_style(specifier: str) -> str:
    """``specifier`` as a Poetry caret/tilde constraint where that is provably the same set
    of versions, else unchanged (Poetry also reads PEP 440 specifiers)."""
    specs = list(SpecifierSet(specifier))
    if len(specs) != 1 or specs[0].operator != "~=":
        return specifier
    version = Version(specs[0].version)
    plain = (
        version.epoch == 0
        and version.pre is None
        and version.post is None
        and version.dev is None
        and version.local is None
    )
    if not plain:
        return specifier
    release = version.release
    if len(release) == 2 and release[0] >= 1:
        return f"^{specs[0].version}"  # ~=X.Y == >=X.Y,<X+1 == ^X.Y  (X >= 1 only)
    if len(release) == 3:
        return f"~{specs[0].version}"  # ~=X.Y.Z == >=X.Y.Z,<X.(Y+1) == ~X.Y.Z
    return specifier


def _variants(version: Version) -> list[str]:
    base = ".".join(str(part) for part in version.release)
    epoch = f"{version.epoch}!" if version.epoch else ""
    root = f"{epoch}{base}"
    public = version.public
    return [
        str(version),
        # the bound's own post-releases and local versions: poetry-core reads !=1.0rc1 as
        # <1.0rc1 || >1.0rc1, which leaves out 1.0rc1.post1, where PEP 440 lets it in
        f"{public}.post1",
        f"{public}.post1.dev0",
        f"{public}+local.1",
        root,
        f"{root}.dev0",
        f"{root}a1",
        f"{root}rc1",
        f"{root}.post1",
        f"{root}.post1.dev0",
        f"{root}+local.1",
        f"{root}.0",
        f"{root}.0.1",
    ]


def _neighbours(version: Version) -> list[Version]:
    release = list(version.release)
    found: list[Version] = []
    for index in range(len(release)):
        for delta in (-1, 1):
            bumped = release[: index + 1]
            bumped[index] += delta
            if bumped[index] < 0:
                continue
            epoch = f"{version.epoch}!" if version.epoch else ""
            found.append(Version(epoch + ".".join(str(part) for part in bumped)))
    return found


@functools.lru_cache(maxsize=1024)
def _witnesses(specifier: str) -> tuple[tuple[Version, str], ...]:
    return tuple((version, str(version)) for version in witness_versions(specifier))


@functools.lru_cache(maxsize=8192)
def _poetry_version(text: str) -> object:
    from poetry.core.constraints.version import Version as PoetryVersion

    return PoetryVersion.parse(text)


def witness_versions(specifier: str) -> list[Version]:
    """Versions at and around every bound in ``specifier``: where readings can differ."""
    seeds: list[Version] = [Version("0"), Version("0.0.1"), Version("9999")]
    for spec in SpecifierSet(specifier):
        text = spec.version.removesuffix(".*")
        try:
            version = Version(text)
        except InvalidVersion:
            continue
        seeds.append(version)
        seeds.extend(_neighbours(version))
    witnesses: dict[str, Version] = {}
    for seed in seeds:
        for variant in _variants(seed):
            try:
                witnesses.setdefault(variant, Version(variant))
            except InvalidVersion:
                continue
    return sorted(witnesses.values())


def poetry_allows(constraint: str, version: Version) -> bool:
    """Whether poetry-core's constraint parser lets ``version`` through ``constraint``."""
    from poetry.core.constraints.version import Version as PoetryVersion
    from poetry.core.constraints.version import parse_constraint

    return parse_constraint(constraint).allows(PoetryVersion.parse(str(version)))


def _poetry_reading(written: str, *, as_pep508: bool) -> object:
    """The constraint poetry-core makes of ``written``. For a PEP 508 string Poetry parses the
    requirement (a slow grammar) and then its specifier with ``parse_constraint``, refusing
    an empty result; the same is done here without the grammar (the property tests compare
    it with ``Dependency.create_from_pep_508``)."""
    from poetry.core.constraints.version import parse_constraint

    constraint = parse_constraint(written or "*")
    if as_pep508 and constraint.is_empty():
        raise ValueError(f"invalid version constraint {written!r}: it allows no version")
    return constraint


@functools.lru_cache(maxsize=4096)
def _counterexamples(specifier: str, written: str, as_pep508: bool) -> tuple[str, ...]:
    return tuple(_find_counterexamples(specifier, written, as_pep508=as_pep508))


def counterexamples(specifier: str, written: str, *, as_pep508: bool = False) -> list[str]:
    """Witness versions on which packaging's reading of ``specifier`` and poetry-core's
    reading of ``written`` disagree (an empty list: equivalent on every witness).

    ``as_pep508`` reads ``written`` the way Poetry reads a ``[project]`` dependency string;
    otherwise as a ``[tool.poetry]`` constraint. Pre-releases count as allowed when they are
    in range, as both tools do once pre-releases are enabled. A constraint poetry-core
    cannot read at all gives one explanatory entry.
    """
    return list(_counterexamples(specifier, written, as_pep508))


def _find_counterexamples(specifier: str, written: str, *, as_pep508: bool) -> list[str]:
    pep440 = SpecifierSet(specifier)
    try:
        constraint = _poetry_reading(written, as_pep508=as_pep508)
    except ValueError as error:  # poetry-core's parse errors are ValueErrors
        return [f"(Poetry cannot read it: {error})"]
    allows = constraint.allows  # type: ignore[attr-defined]
    return [
        text
        for version, text in _witnesses(specifier)
        if pep440.contains(version, prereleases=True) != allows(_poetry_version(text))
    ]


def only_excluded_post_releases(specifier: str, wrong: list[str]) -> bool:
    """Whether every counterexample is a post-release of a version ``specifier`` excludes
    with ``!=`` that pip allows and Poetry does not.

    poetry-core reads ``>=4.5.2,!=5.0.2`` as ``>=4.5.2,<5.0.2 || >5.0.2``, and its ``>5.0.2``
    leaves out ``5.0.2.post1`` (PEP 440's rule for ``>``), where PEP 440's ``!=5.0.2`` lets
    it in. Such a constraint is narrower in Poetry, never wider, and only on releases of a
    version the requirement already calls bad.
    """
    if not wrong:
        return False
    pep440 = SpecifierSet(specifier)
    excluded = {
        Version(spec.version)
        for spec in pep440
        if spec.operator == "!=" and not spec.version.endswith(".*")
    }
    for text in wrong:
        try:
            version = Version(text)
        except InvalidVersion:
            return False  # "(Poetry cannot read it: ...)"
        if version.post is None or not pep440.contains(version, prereleases=True):
            return False
        epoch = f"{version.epoch}!" if version.epoch else ""
        pre = "".join(str(part) for part in version.pre) if version.pre else ""
        base = Version(epoch + ".".join(str(part) for part in version.release) + pre)
        if base not in excluded:
            return False
    return True


def nearest_versions(versions: Sequence[Version], specifier: str, count: int = 4) -> list[Version]:
    """The ``count`` versions of ``versions`` nearest the lowest bound of ``specifier``
    (sorted): where the range would have to move to allow one. For a list the resolver
    printed in full (pip's ``from versions:``, 140 versions of Django)."""
    ordered = sorted(set(versions))
    if len(ordered) <= count:
        return ordered
    bounds: list[Version] = []
    try:
        for spec in SpecifierSet(specifier):
            try:
                bounds.append(Version(spec.version.removesuffix(".*")))
            except InvalidVersion:
                continue
    except InvalidSpecifier:
        pass
    if not bounds:
        return ordered[-count:]
    bound = min(bounds)
    position = sum(1 for version in ordered if version < bound)
    start = min(max(0, position - count // 2), len(ordered) - count)
    return ordered[start : start + count]
