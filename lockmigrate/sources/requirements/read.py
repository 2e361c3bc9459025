"""A whole requirements file read: its bytes decoded, its lines joined, each logical line
handled, and the bad lines raised together (or collected) after the last one."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator
from pathlib import Path

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, raise_all
from lockmigrate.model.requirements import Line, PhysicalLines, RequirementFile, TextLayout
from lockmigrate.sources._files import NotRegularFileError, read_regular
from lockmigrate.sources.requirements.decode import decode
from lockmigrate.sources.requirements.handle import FileParser
from lockmigrate.sources.requirements.lines import join_lines

__all__ = ["parse_bytes", "read_file"]


def parse_bytes(
    data: bytes,
    *,
    path: Path,
    display: str | None = None,
    constraint: bool = False,
    collector: Collector | None = None,
    errors: list[InputError] | None = None,
) -> RequirementFile:
    """Parse the bytes of one requirements file. Includes are recorded, not followed.

    Every line is read, whatever is wrong with the lines before it. Bad lines are raised
    together (:class:`~lockmigrate.errors.InputErrors` when there are several) after the
    last line; or, when ``errors`` is given, appended to it, and the file is returned with
    each bad line kept as text without meaning. A file that cannot be decoded raises at
    once either way: it has no lines to read.
    """
    shown = display if display is not None else str(path)
    text, layout = decode(data, shown)
    return _parse_text(
        text, layout, path=path, display=shown, constraint=constraint, collector=collector,
        errors=errors,
    )  # fmt: skip


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while lines are parsed: they form no cycles,
    and on a file of a million lines the collector would walk every line already parsed
    again and again (a fifth of the time). Its state is put back afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _parsed_lines(
    parser: FileParser, physical: PhysicalLines, bad: list[InputError]
) -> Iterator[Line]:
    """Each logical line parsed; a bad line is appended to ``bad`` and kept as text."""
    for logical in join_lines(physical):
        try:
            yield parser.parse_line(logical)
        except InputError as error:
            bad.append(error)
            yield parser.bare_line(logical)


def _parse_text(
    text: str,
    layout: TextLayout,
    *,
    path: Path,
    display: str,
    constraint: bool,
    collector: Collector | None,
    errors: list[InputError] | None,
) -> RequirementFile:
    """Parse decoded ``text`` as :func:`parse_bytes` says."""
    shown = display
    physical = PhysicalLines(text)
    parser = FileParser(
        path=path,
        display=shown,
        constraint=constraint,
        collector=collector if collector is not None else Collector(),
        base=path.parent,
    )
    bad: list[InputError] = []
    with _collector_paused():
        # a tuple grown as the lines come, not a list copied into one at the end
        lines = tuple(_parsed_lines(parser, physical, bad))
    if errors is not None:
        errors.extend(bad)
    else:
        raise_all(bad)
    return RequirementFile(
        path=path,
        display=shown,
        layout=layout,
        physical_lines=physical,
        lines=lines,
        constraint=constraint,
    )


def read_file(
    path: Path,
    *,
    display: str | None = None,
    constraint: bool = False,
    collector: Collector | None = None,
    errors: list[InputError] | None = None,
) -> RequirementFile:
    """Read and parse one requirements file; unreadable files raise :class:`InputError`,
    and bad lines are raised or collected as :func:`parse_bytes` says."""
    shown = display if display is not None else str(path)
    if path.is_dir():
        raise InputError(f"{shown}: is a directory, not a requirements file")
    try:
        data = read_regular(path)
    except FileNotFoundError:
        raise InputError(f"{shown}: no such file") from None
    except NotRegularFileError as exc:
        raise InputError(f"{shown}: is {exc.kind}; lockmigrate reads only regular files") from None
    except OSError as exc:
        raise InputError(f"{shown}: cannot read: {exc.strerror or exc}") from None
    text, layout = decode(data, shown)
    del data  # a large file is not held twice while it is parsed
    return _parse_text(
        text, layout, path=path, display=shown, constraint=constraint, collector=collector,
        errors=errors,
    )  # fmt: skip
