"""The versions a declared range excludes from above, as Dependabot ``ignore`` versions.

Dependabot never proposes a downgrade, so only the upper end of a range matters: each
``~=``, ``==X.*``, ``<``, ``<=`` and ``==`` clause gives the first versions it rules out,
and ``!=X`` rules out one version. For one package the clauses are intersected (the lowest
upper bound wins); declarations behind different environment markers are united (the
highest bound wins, and a marker branch without an upper bound means nothing is ignored),
because a version any supported environment may install must not be ignored.

``numpy~=1.26.4`` (``>=1.26.4, ==1.26.*``) becomes ``>=1.27``; ``joblib~=1.4`` becomes
``>=2``; ``shap~=0.46.0`` becomes ``>=0.47``; ``pandas-stubs~=2.2.3.241126`` becomes
``>=2.2.4``; ``requests>=2.31,<3`` becomes ``>=3``; ``black<=24.8.0`` becomes ``>24.8.0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet
from packaging.version import InvalidVersion, Version

__all__ = ["Bound", "ignored_versions", "upper_bound"]


@dataclass(frozen=True, slots=True, kw_only=True)
class Bound:
    """Versions from ``version`` up are outside the range (``inclusive``: ``version``
    itself is still inside, so only versions above it are)."""

    version: Version
    inclusive: bool

    def excludes_more_than(self, other: Bound) -> bool:
        """Whether this bound leaves fewer versions inside than ``other``."""
        if self.version != other.version:
            return self.version < other.version
        return not self.inclusive and other.inclusive

    def __str__(self) -> str:
        return f"{'>' if self.inclusive else '>='}{self.version}"


def _bump(version: Version, parts: int) -> Version:
    """The first release after every ``version.release[:parts]`` release: the upper end of
    ``==X.Y.*`` is ``X.(Y+1)``."""
    release = version.release[:parts]
    bumped = ".".join(str(n) for n in (*release[:-1], release[-1] + 1))
    return Version(f"{version.epoch}!{bumped}" if version.epoch else bumped)


def upper_bound(specifier: Specifier) -> Bound | None:
    """Where one clause stops allowing versions; ``None`` for clauses without an upper end
    (``>=``, ``>``, ``!=``, ``===``)."""
    operator, text = specifier.operator, specifier.version
    try:
        if operator == "~=":
            version = Version(text)
            return Bound(version=_bump(version, len(version.release) - 1), inclusive=False)
        if operator == "==" and text.endswith(".*"):
            version = Version(text[:-2])
            return Bound(version=_bump(version, len(version.release)), inclusive=False)
        if operator == "<":
            return Bound(version=Version(text), inclusive=False)
        if operator in {"<=", "=="}:
            return Bound(version=Version(text), inclusive=True)
    except InvalidVersion:
        return None
    return None


def _tightest(specifiers: SpecifierSet) -> tuple[Bound | None, set[Version]]:
    bound: Bound | None = None
    excluded: set[Version] = set()
    for specifier in specifiers:
        if specifier.operator == "!=" and not specifier.version.endswith(".*"):
            try:
                excluded.add(Version(specifier.version))
            except InvalidVersion:
                continue
            continue
        candidate = upper_bound(specifier)
        if candidate is not None and (bound is None or candidate.excludes_more_than(bound)):
            bound = candidate
    return bound, excluded


def ignored_versions(declarations: Iterable[tuple[str | None, str]]) -> tuple[str, ...]:
    """Dependabot ``versions`` entries for one package, from its ``(marker, specifier)``
    declarations in one service; empty when the ranges leave the top open."""
    by_marker: dict[str | None, list[str]] = {}
    for marker, specifier in declarations:
        by_marker.setdefault(marker, []).append(specifier)
    bounds: list[Bound] = []
    exclusions: list[set[Version]] = []
    for specifiers in by_marker.values():
        try:
            combined = SpecifierSet(",".join(s for s in specifiers if s))
        except InvalidSpecifier:
            return ()
        bound, excluded = _tightest(combined)
        if bound is None:
            return ()  # this environment may install any newer version
        bounds.append(bound)
        exclusions.append(excluded)
    if not bounds:
        return ()
    loosest = bounds[0]
    for bound in bounds[1:]:
        if loosest.excludes_more_than(bound):
            loosest = bound
    shared = set.intersection(*exclusions)
    inside = [
        v
        for v in sorted(shared)
        if v < loosest.version or (loosest.inclusive and v == loosest.version)
    ]
    return (str(loosest), *(f"=={v}" for v in inside))
