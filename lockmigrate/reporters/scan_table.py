"""``lockmigrate scan --format table``: a table of requirements per file, for people.

Laid out by :mod:`lockmigrate.reporters._text`, not rich: a requirements file can hold
10,000 lines, and what it says (comments, extras, markers, paths) is printed as written,
never read as markup."""

from __future__ import annotations

from typing import TYPE_CHECKING

from lockmigrate.diagnostics import Level
from lockmigrate.model.services import ScanReport
from lockmigrate.reporters._text import Column, Style, printable, styled, table_lines
from lockmigrate.scan import RangeKind, classify_range

if TYPE_CHECKING:
    from lockmigrate.model.requirements import DeclaredRequirement
    from lockmigrate.model.services import ScannedFile

__all__ = ["render"]

_LEVEL_STYLE = {Level.INFO: Style.DIM, Level.WARNING: Style.YELLOW, Level.ERROR: Style.RED}
_RANGE_TEXT = {
    RangeKind.COMPATIBLE_2: "~= 2-part",
    RangeKind.COMPATIBLE_3: "~= 3+ part",
    RangeKind.EXACT: "exact pin",
    RangeKind.WILDCARD: "== wildcard",
    RangeKind.BOUNDED: "lower+upper",
    RangeKind.LOWER: "lower only",
    RangeKind.UPPER: "upper only",
    RangeKind.EXCLUSIONS: "!= only",
    RangeKind.UNBOUNDED: "unbounded",
    RangeKind.DIRECT: "direct ref",
}
_COLUMNS = (
    Column(header="line", right=True),
    Column(header="package"),
    Column(header="range"),
    Column(header="kind"),
    Column(header="comment"),
)


def render(report: ScanReport, *, color: bool, width: int | None = None) -> str:
    """The report as terminal text; ``color`` False gives plain text. ``width`` (default
    120) is where a long comment folds onto the next line; nothing else is cut."""
    lines: list[str] = []
    if not report.services:
        lines.append("No requirement files found.")
    for service in report.services:
        lines.append(styled(printable(f"Service {service.display}"), Style.BOLD, color=color))
        for scanned in service.files:
            lines += _file_lines(scanned, color=color, width=width)
        lines.append("")
    lines += _attention_lines(report, color=color)
    lines.append(_summary(report))
    return "\n".join(lines) + "\n"


def _file_lines(scanned: ScannedFile, *, color: bool, width: int | None) -> list[str]:
    """One file of a service: what it is, what it includes, each target's plan, and a table
    of its requirements when it has some."""
    file = scanned.file
    lines = [
        printable(
            f"  {file.display}  role={scanned.role}  format={scanned.format.value}"
            f"  requirements={len(file.requirements)}"
        )
    ]
    for include in file.includes:
        flag = "-r" if include.kind.value == "requirement" else "-c"
        lines.append(printable(f"    {flag} {include.target}"))
    lines.append(printable(f"    pip-tools: {scanned.pip_tools}"))
    lines.append(printable(f"    poetry:    {scanned.poetry}"))
    if file.requirements:
        rows = [
            _requirement_row(line.requirement, line.comment)
            for line in file.lines
            if line.requirement is not None
        ]
        lines += table_lines(_COLUMNS, rows, width=width or 120, color=color)
    return lines


def _requirement_row(
    requirement: DeclaredRequirement, comment: str | None
) -> tuple[str, str, str, str, str]:
    """A requirement's row: its line, package (with extras), range (with marker), kind of
    range and comment."""
    name = requirement.name or requirement.url or requirement.text
    if requirement.extras:
        name += "[" + ",".join(requirement.extras) + "]"
    spec = requirement.specifier or (requirement.url if requirement.name else "") or ""
    if requirement.marker:
        spec += f" ; {requirement.marker}"
    return (
        str(requirement.origin.line),
        printable(name),
        printable(spec),
        _RANGE_TEXT[classify_range(requirement)],
        printable(comment or ""),
    )


def _attention_lines(report: ScanReport, *, color: bool) -> list[str]:
    """The report's warnings and notes under a heading, or nothing when it has none."""
    if not report.diagnostics:
        return []
    return [
        styled("Needs attention", Style.BOLD, color=color),
        *(
            styled(printable(f"  {diagnostic}"), _LEVEL_STYLE[diagnostic.level], color=color)
            for diagnostic in report.diagnostics
        ),
    ]


def _summary(report: ScanReport) -> str:
    """The last line: how many services, files, warnings and notes."""
    counts = dict.fromkeys(Level, 0)
    for diagnostic in report.diagnostics:
        counts[diagnostic.level] += 1
    return (
        f"{len(report.services)} service(s), "
        f"{sum(len(s.files) for s in report.services)} file(s), "
        f"{counts[Level.WARNING] + counts[Level.ERROR]} warning(s), {counts[Level.INFO]} note(s)"
    )
