"""``lockmigrate diff --format markdown``: GitHub-flavoured Markdown for a pull-request
comment. What needs attention comes first; ``ok`` rows are folded away."""

from __future__ import annotations

from lockmigrate.diff.model import (
    DiffReport,
    DiffRow,
    LockChange,
    LockDiffReport,
    RelockCheck,
    Status,
)
from lockmigrate.reporters._diff_text import (
    abi_lines,
    abi_text,
    abi_unjudged_text,
    environment_text,
    in_range_text,
    relock_text,
    summary_text,
    where_text,
)

__all__ = ["render", "render_locks"]


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _code(text: str | None) -> str:
    return f"`{_cell(text)}`" if text else ""


def _status(status: Status) -> str:
    return status.value if status is Status.OK else f"**{status.value}**"


def _header(relocked: bool) -> str:
    columns = ["package", "declared", "where", "locked", "in range", "newest allowed", "newest"]
    columns += [*(["re-lock"] if relocked else []), "status"]
    return "| " + " | ".join(columns) + " |\n" + "| --- " * len(columns) + "|\n"


def _line(row: DiffRow, relocked: bool) -> str:
    status = _status(row.status)
    if row.yanked:
        status += " **yanked**"
    if row.abi is not None and row.abi.breaks:
        status += " **abi-break**"
    if row.error:
        status += f" (index error: {_cell(row.error)})"
    elif row.note:
        status += f" ({_cell(row.note)})"
    if row.yanked and row.yank_reason:
        status += f" (yanked: {_cell(row.yank_reason)})"
    if row.abi is not None and row.abi.breaks:
        status += f" ({_cell(abi_text(row.abi))})"
    relock = f" {_code(row.relock)} |" if relocked else ""
    return (
        f"| {_cell(row.name)} | {_code(row.declared)} | {_cell(where_text(row))} "
        f"| {_code(row.locked)} | {in_range_text(row.in_range)} | {_code(row.newest_in_range)} "
        f"| {_code(row.newest)} |{relock} {status} |\n"
    )


def render(report: DiffReport) -> str:
    """The lock-against-ranges report as Markdown."""
    packages = sum(len(section.rows) for section in report.sections)
    out = [
        "## lockmigrate diff\n\n",
        summary_text(report.counts(), packages, report.flag_counts()) + "\n\n",
    ]
    if report.offline:
        out.append("_Offline: the index was not asked, so newest versions are not shown._\n\n")
    if report.skipped:
        shown = ", ".join(f"`{_cell(title)}`" for title in report.skipped)
        out.append(f"_Not compared (no lock, and `--offline` does not resolve): {shown}._\n\n")
    for section in report.sections:
        out.append(f"### `{_cell(section.title)}`\n\n")
        if section.error is not None:
            out.append(f"**Could not resolve**:\n\n```\n{section.error}\n```\n\n")
            continue
        source = section.lock_label
        out.append(
            f"Lock: `{_cell(section.lock)}` ({source}); {_cell(environment_text(section))}\n\n"
        )
        relock = relock_text(section)
        if relock:
            # plain text: a resolver's message may hold "_" or "*" that emphasis would eat
            out.append(f"{_cell(relock)}.\n\n")
        relocked = section.relock_check is RelockCheck.DONE
        header = _header(relocked)
        attention = [
            row for row in section.rows if row.status is not Status.OK or row.error or row.flags
        ]
        fine = [row for row in section.rows if row not in attention]
        if attention:
            out.append(header + "".join(_line(row, relocked) for row in attention) + "\n")
        else:
            out.append("Every package is ok.\n\n")
        if section.abi_unjudged:
            out.append(f"_{_cell(abi_unjudged_text(section.abi_unjudged))}._\n\n")
        if fine:
            out.append(f"<details><summary>{len(fine)} ok</summary>\n\n")
            out.append(header + "".join(_line(row, relocked) for row in fine) + "\n</details>\n\n")
    return "".join(out)


def _change_line(row: LockChange) -> str:
    return (
        f"| {_cell(row.name)} | {_code(row.old)} | {_code(row.new)} | {row.change.value} "
        f"| {row.level.value if row.level is not None else ''} | {_code(row.declared)} "
        f"| {_cell(where_text(row))} | {in_range_text(row.in_range)} | {_status(row.status)} |\n"
    )


def render_locks(report: LockDiffReport) -> str:
    """The lock-against-lock report as Markdown."""
    out = [
        f"## Lock changes: `{_cell(report.old)}` -> `{_cell(report.new)}`\n\n",
        f"{len(report.rows)} change(s), {report.unchanged} unchanged; "
        + summary_text(report.counts(), len(report.rows), report.flag_counts())
        + "\n\n",
    ]
    if report.rows:
        out.append(
            "| package | old | new | change | level | declared | where | in range | status |\n"
            "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n"
        )
        out += [_change_line(row) for row in report.rows]
        out.append("\n")
    if report.abi or report.abi_unjudged:
        out.append("### NumPy ABI of the compiled numpy dependents\n\n")
        out += [f"- {_cell(line)}\n" for line in abi_lines(report.abi)]
        if report.abi_unjudged:
            out.append(f"- _{_cell(abi_unjudged_text(report.abi_unjudged))}_\n")
        out.append("\n")
    return "".join(out)
