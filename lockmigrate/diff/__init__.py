"""``lockmigrate diff``: locks against their declared ranges and the index, or one lock
against another.

- :mod:`~lockmigrate.diff.model`: what a diff reports (rows, sections, statuses), as data;
- :mod:`~lockmigrate.diff.compare`: the comparing, pure functions of the model (no I/O);
- :mod:`~lockmigrate.diff.inputs`: the run: which inputs and locks (found by
  :mod:`lockmigrate.sources.discover`), resolving the ones without a lock, asking the index,
  the re-lock check;
- :mod:`~lockmigrate.diff.prefetch`: index queries started while the command line is parsed;
- :mod:`~lockmigrate.diff.cache`: the kept verdicts of the re-lock check.

The entry points for programs are :func:`lockmigrate.api.diff` and
:func:`lockmigrate.api.diff_locks`. Importing this package imports none of its modules.
"""
