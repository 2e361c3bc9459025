"""``to-uv --lock``: the versions ``uv lock`` chose for the direct dependencies, against the
ones pip-compile had locked beside the requirement files. Pure: the caller reads both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from lockmigrate.model.locks import Lock
from lockmigrate.model.requirements import Origin

__all__ = ["LockDifference", "compare_pins"]


@dataclass(frozen=True, slots=True, kw_only=True)
class LockDifference:
    """A direct dependency that ``uv.lock`` locks at other versions than a pip-compile
    lock; ``uv`` is empty when uv did not lock it at all."""

    name: str
    pip_compile: str
    uv: tuple[str, ...]
    lock: Lock
    origin: Origin  # the pin's line in the pip-compile lock


def _same(left: str, right: str) -> bool:
    try:
        return Version(left) == Version(right)
    except InvalidVersion:
        return left == right


def compare_pins(
    direct: Iterable[str], uv_versions: Mapping[str, Sequence[str]], locks: Sequence[Lock]
) -> list[LockDifference]:
    """Each direct dependency (canonical names) a pip-compile lock pins at a version that
    is not among those ``uv.lock`` holds for it, lock by lock."""
    differences: list[LockDifference] = []
    wanted = set(direct)
    for lock in locks:
        for package in lock.packages:
            if package.name not in wanted or package.version is None:
                continue
            chosen = tuple(uv_versions.get(package.name, ()))
            if not any(_same(package.version, version) for version in chosen):
                differences.append(
                    LockDifference(
                        name=package.name,
                        pip_compile=package.version,
                        uv=chosen,
                        lock=lock,
                        origin=package.origin,
                    )
                )
    return differences
