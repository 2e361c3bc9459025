"""pip's ``${NAME}`` references to environment variables in requirements files: the one
expression for them, which the reader expands and the writers keep out of what they write."""

from __future__ import annotations

import re

__all__ = ["ENV_VAR_RE"]

#: pip's ``ENV_VAR_RE`` (``pip/_internal/req/req_file.py``): ``${NAME}``, upper case only.
ENV_VAR_RE = re.compile(r"(?P<var>\$\{(?P<name>[A-Z0-9_]+)\})")
