"""Readers of locks, one module per format: :mod:`~lockmigrate.sources.locks.pip_compile`
(pip-compile's and ``uv pip compile``'s ``requirements.txt``, with its header),
:mod:`~lockmigrate.sources.locks.poetry_lock`, :mod:`~lockmigrate.sources.locks.uv_lock`,
:mod:`~lockmigrate.sources.locks.pylock`
(PEP 751), and :mod:`~lockmigrate.sources.locks.read`, which reads any of them from disk or
from a git revision. Each gives a :class:`lockmigrate.model.locks.Lock`. Importing this package
imports none of its modules (``check``'s start-up reads a lock's header alone)."""
