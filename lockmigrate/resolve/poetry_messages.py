"""What ``poetry lock`` says when the project's Python range is wider than a package allows.

Poetry locks for every Python the project allows. When a package (often one the ranges do
not name: spaCy -> weasel -> smart-open) allows only Pythons below some version, Poetry
stops with its own words (``poetry/mixology/failure.py``, the same in 1.7 to 2.x but for
one verb)::

    The current project's supported Python range (>=3.12) is not compatible with some of
    the required packages Python requirement:
      - smart-open requires Python <4.0,>=3.10, so it will not be installable for Python >=4.0.dev0
    ...
        For smart-open, a possible solution would be to set the `python` property to ">=3.12,<4.0"

(Poetry before 2.0 says "will not be satisfied"; before 1.7 "The current project's Python
requirement".) :func:`python_range_conflict` reads that: which packages, and the Python
the project's range would have to stop below for Poetry to lock, when stopping it there
is enough; a range that would have to start higher is never proposed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from poetry.core.constraints.version import Version, VersionConstraint

__all__ = ["PythonRangeConflict", "python_range_conflict"]

#: Poetry's console styles (``<fg=yellow>``, ``</>``) and terminal colours, in case they
#: were not taken out (``NO_COLOR`` is set, and the output is not a terminal).
_STYLES = re.compile(r"\x1b\[[0-9;]*m|</>|<(?:fg|bg|options)=[^<>\n]*>")
_HEADER = re.compile(
    r"The current project's (?:supported Python range|Python requirement) "
    r"\((?P<project>[^)\n]*)\) is not compatible with some of the required packages"
)
_REQUIRES = re.compile(
    r"^\s*-\s+(?P<name>\S+) requires Python (?P<python>.+?), so it will not be "
    r"(?:installable|satisfied) for Python (?P<excluded>.+?)\s*$",
    re.MULTILINE,
)
_SOLUTION = re.compile(
    r"For (?P<name>\S+), a possible solution would be to set the `python` property to "
    r"\"(?P<python>[^\"\n]+)\""
)


@dataclass(frozen=True, slots=True, kw_only=True)
class PythonRangeConflict:
    """Poetry refused the project's Python range (``project``, as Poetry printed it).

    ``requirements``: each package Poetry named with what it requires (its words, first
    seen first). ``below``: the Python the range has to stop below so that every one of
    them has a release Poetry can lock for the whole range, and ``package`` the one that
    sets it; ``below`` is ``None`` when a cap is not enough (a package needs a newer
    Python than the range starts at: only the user can decide to raise it)."""

    project: str
    requirements: tuple[tuple[str, str], ...]
    below: str | None
    package: str

    @property
    def suggested(self) -> str:
        """Poetry's own proposal for ``package``: the part of the range it allows."""
        from poetry.core.constraints.version import parse_constraint

        if not self.package_requires:
            return self.project
        return str(
            parse_constraint(self.project).intersect(parse_constraint(self.package_requires))
        )

    @property
    def capped(self) -> str | None:
        """The project's range cut below ``below`` (Poetry's notation), if there is one."""
        if self.below is None:
            return None
        from poetry.core.constraints.version import parse_constraint

        return str(parse_constraint(self.project).intersect(parse_constraint(f"<{self.below}")))

    @property
    def package_requires(self) -> str:
        """What ``package`` requires, in Poetry's words (the first line that says it)."""
        return next((python for name, python in self.requirements if name == self.package), "")


def _parse(text: str) -> VersionConstraint | None:
    from poetry.core.constraints.version import parse_constraint

    try:
        return parse_constraint(text.strip())
    except ValueError:  # poetry-core's ParseConstraintError is a ValueError
        return None


def _stops_below(project: VersionConstraint, allowed: VersionConstraint) -> str | None:
    """The Python ``allowed`` (the part of ``project`` a package accepts) stops below, when
    it is exactly ``project`` cut there (the same start: a cap from above only)."""
    from poetry.core.constraints.version import VersionRange, VersionUnion, parse_constraint

    if allowed.is_empty():
        return None
    last = allowed.ranges[-1] if isinstance(allowed, VersionUnion) else allowed
    if not isinstance(last, VersionRange) or last.max is None or last.include_max:
        return None
    below = last.max.without_devrelease().text
    cut = project.intersect(parse_constraint(f"<{below}"))
    return below if cut == allowed and cut != project else None


def python_range_conflict(output: str) -> PythonRangeConflict | None:
    """What ``poetry lock``'s ``output`` says of a project Python range that some packages
    do not allow, or ``None`` when it fails for another reason (or in words not known)."""
    output = _STYLES.sub("", output)
    header = _HEADER.search(output)
    if header is None:
        return None
    project = _parse(header.group("project"))
    if project is None:
        return None
    requirements: dict[tuple[str, str], None] = {}
    allowed: dict[str, list[VersionConstraint | None]] = {}
    for match in _REQUIRES.finditer(output):
        name, python = match.group("name"), match.group("python").strip()
        requirements[name, python] = None
        accepted = _parse(python)
        allowed.setdefault(name, []).append(
            None if accepted is None else project.intersect(accepted)
        )
    for match in _SOLUTION.finditer(output):
        allowed.setdefault(match.group("name"), []).append(_parse(match.group("python")))
    if not allowed:
        return None
    # per package, the least cap that lets one of its releases in; over them, the lowest
    stops: dict[str, str | None] = {}
    for name, constraints in allowed.items():
        found = [
            below
            for constraint in constraints
            if constraint is not None and (below := _stops_below(project, constraint))
        ]
        stops[name] = max(found, key=_version) if found else None
    blocked = [name for name, below in stops.items() if below is None]
    if blocked:
        return PythonRangeConflict(
            project=header.group("project"),
            requirements=tuple(requirements),
            below=None,
            package=blocked[0],
        )
    package = min(stops, key=lambda name: _version(stops[name] or ""))
    return PythonRangeConflict(
        project=header.group("project"),
        requirements=tuple(requirements),
        below=stops[package],
        package=package,
    )


def _version(text: str) -> Version:
    from poetry.core.constraints.version import Version

    return Version.parse(text)
