"""``lockmigrate scan --format table``: a table of requirements per file, for people.

Laid out by :mod:`lockmigrate.reporters._text`, not rich: a requirements file can hold
10,000 lines, and what it says (comments, extras, markers, paths) is printed as written,
never read as markup."""

from __future__ import annotations

from lockmigrate.diagnostics import Level
from lockmigrate.reporters._text import Column, Style, printable, styled, table_lines
from lockmigrate.scan import RangeKind, ScanReport, classify_range

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
            file = scanned.file
            lines.append(
                printable(
                    f"  {file.display}  role={scanned.role}  format={scanned.format.value}"
                    f"  requirements={len(file.requirements)}"
                )
            )
            for include in file.includes:
                flag = "-r" if include.kind.value == "requirement" else "-c"
                lines.append(printable(f"    {flag} {include.target}"))
            lines.append(printable(f"    pip-tools: {scanned.pip_tools}"))
            lines.append(printable(f"    poetry:    {scanned.poetry}"))
            if not file.requirements:
                continue
            rows: list[tuple[str, str, str, str, str]] = []
            for line in file.lines:
                requirement = line.requirement
                if requirement is None:
                    continue
                name = requirement.name or requirement.url or requirement.text
                if requirement.extras:
                    name += "[" + ",".join(requirement.extras) + "]"
                spec = requirement.specifier or (requirement.url if requirement.name else "") or ""
                if requirement.marker:
                    spec += f" ; {requirement.marker}"
                rows.append(
                    (
                        str(requirement.origin.line),
                        printable(name),
                        printable(spec),
                        _RANGE_TEXT[classify_range(requirement)],
                        printable(line.comment or ""),
                    )
                )
            lines += table_lines(_COLUMNS, rows, width=width or 120, color=color)
        lines.append("")
    counts = dict.fromkeys(Level, 0)
    for diagnostic in report.diagnostics:
        counts[diagnostic.level] += 1
    if report.diagnostics:
        lines.append(styled("Needs attention", Style.BOLD, color=color))
        lines += [
            styled(printable(f"  {diagnostic}"), _LEVEL_STYLE[diagnostic.level], color=color)
            for diagnostic in report.diagnostics
        ]
    lines.append(
        f"{len(report.services)} service(s), "
        f"{sum(len(s.files) for s in report.services)} file(s), "
        f"{counts[Level.WARNING] + counts[Level.ERROR]} warning(s), {counts[Level.INFO]} note(s)"
    )
    return "\n".join(lines) + "\n"
