"""pip's requirements-file format, read the way pip 26.3 reads it, without losing a byte.

The modules of this package follow pip's ``req_file.py`` one step each:

- :mod:`~lockmigrate.sources.requirements.decode`: bytes to text (BOM, ``coding:``, UTF-8);
- :mod:`~lockmigrate.sources.requirements.lines`: physical lines to logical lines (``\\``
  continuations joined, comments split off, ``${VAR}``);
- :mod:`~lockmigrate.sources.requirements.options`: the requirement part and the options of
  a line (``-r``, ``-c``, ``-e``, ``--index-url``, ``--hash``, ... with optparse, as pip);
- :mod:`~lockmigrate.sources.requirements.interpret`: what a requirement means (PEP 508, URL,
  local path, editable), helped by :mod:`~lockmigrate.sources.requirements.links` (pip's
  URLs and paths) and :mod:`~lockmigrate.sources.requirements.simple` (the commonest lines,
  read fast);
- :mod:`~lockmigrate.sources.requirements.handle`: a logical line to a model ``Line``;
- :mod:`~lockmigrate.sources.requirements.read`: a whole file.

Nothing is thrown away: every physical line is kept with its terminator, so
:meth:`RequirementFile.render` returns the bytes that were read, and every logical line
remembers which physical lines it came from. Where pip silently ignores something (a
requirement written after an option, a second ``-r`` on one line, ``--index-url`` on a
requirement line), the meaning stays pip's and a warning is added to the collector.

This module is the package's public face: import from here.
"""

from __future__ import annotations

from lockmigrate.sources.requirements.decode import decode
from lockmigrate.sources.requirements.lines import ENV_VAR_RE, expand_variables, join_lines
from lockmigrate.sources.requirements.options import index_options
from lockmigrate.sources.requirements.read import parse_bytes, read_file

__all__ = [
    "ENV_VAR_RE",
    "decode",
    "expand_variables",
    "index_options",
    "join_lines",
    "parse_bytes",
    "read_file",
]
