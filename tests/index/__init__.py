"""A hermetic package index for tests: real wheels served on 127.0.0.1 (see README.md).

The pieces, each usable alone:

* :mod:`index.wheels` builds small, reproducible wheels with :mod:`zipfile`;
* :mod:`index.catalog` holds the releases served by default, as data;
* :mod:`index.server` serves them as a PEP 503/691/658 index (:class:`LocalIndex`);
* :mod:`index.environment` builds scrubbed environments for tool subprocesses;
* :mod:`index.fixtures` is the pytest plugin (``local_index``, ``local_index_factory``).
"""

from __future__ import annotations

from .catalog import DEFAULT_CATALOG, CatalogError, Release
from .environment import scrubbed_env
from .server import LocalIndex, RequestRecord
from .wheels import BuiltWheel, build_wheel

__all__ = [
    "DEFAULT_CATALOG",
    "BuiltWheel",
    "CatalogError",
    "LocalIndex",
    "Release",
    "RequestRecord",
    "build_wheel",
    "scrubbed_env",
]
