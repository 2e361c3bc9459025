"""``lockmigrate scan --format table``: a rich table per service."""

from __future__ import annotations

from io import StringIO

from lockmigrate.diagnostics import Level
from lockmigrate.scan import RangeKind, ScanReport, classify_range

__all__ = ["render"]

_LEVEL_STYLE = {Level.INFO: "dim", Level.WARNING: "yellow", Level.ERROR: "red"}
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


def render(report: ScanReport, *, color: bool, width: int | None = None) -> str:
    """The report as terminal text; ``color`` False gives plain text."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    buffer = StringIO()
    console = Console(
        file=buffer,
        force_terminal=color,
        no_color=not color,
        width=width or 120,
        highlight=False,
        soft_wrap=False,
        markup=False,  # file names, extras ("bleach[css]") and comments are not markup
    )
    if not report.services:
        console.print("No requirement files found.")
    for service in report.services:
        console.print(Text(f"Service {service.display}", style="bold"))
        for scanned in service.files:
            file = scanned.file
            console.print(
                f"  {file.display}  role={scanned.role}  format={scanned.format.value}"
                f"  requirements={len(file.requirements)}"
            )
            for include in file.includes:
                flag = "-r" if include.kind.value == "requirement" else "-c"
                console.print(f"    {flag} {include.target}")
            console.print(f"    pip-tools: {scanned.pip_tools}", soft_wrap=True)
            console.print(f"    poetry:    {scanned.poetry}")
            if not file.requirements:
                continue
            table = Table(show_header=True, header_style="bold", box=None, pad_edge=False)
            table.add_column("line", justify="right")
            table.add_column("package")
            table.add_column("range")
            table.add_column("kind")
            table.add_column("comment", overflow="fold")
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
                table.add_row(
                    Text(str(requirement.origin.line)),
                    Text(name),
                    Text(spec),
                    Text(_RANGE_TEXT[classify_range(requirement)]),
                    Text(line.comment or ""),
                )
            console.print(table)
        console.print()
    counts = dict.fromkeys(Level, 0)
    for diagnostic in report.diagnostics:
        counts[diagnostic.level] += 1
    if report.diagnostics:
        console.print(Text("Needs attention", style="bold"))
        for diagnostic in report.diagnostics:
            console.print(
                Text(f"  {diagnostic}", style=_LEVEL_STYLE[diagnostic.level]), soft_wrap=True
            )
    console.print(
        f"{len(report.services)} service(s), "
        f"{sum(len(s.files) for s in report.services)} file(s), "
        f"{counts[Level.WARNING] + counts[Level.ERROR]} warning(s), {counts[Level.INFO]} note(s)"
    )
    return buffer.getvalue()
