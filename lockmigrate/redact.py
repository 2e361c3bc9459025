"""Credential redaction for URLs, applied where URLs enter the model.

``https://user:secret@host/simple`` becomes ``https://user:****@host/simple`` and a bare
token (``https://ghp_xxx@host``) becomes ``https://****@host``. ``${VAR}`` references are
not secrets (they name one) and stay exactly as written.
"""

from __future__ import annotations

import re

__all__ = ["REDACTED", "contains_credentials", "redact_text", "redact_url"]

REDACTED = "****"

# scheme://userinfo@  -- userinfo is anything up to the last '@' before the host part.
_USERINFO_RE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s@]+(?:@[^/?#\s@]+)*)@"
)
_VARIABLE_RE = re.compile(r"^\$\{[A-Z0-9_]+\}$")


def _redact_userinfo(userinfo: str) -> str:
    user, sep, password = userinfo.partition(":")
    if sep:
        if not password or _VARIABLE_RE.match(password):
            return userinfo
        return f"{user}:{REDACTED}"
    # A lone user part is a token for most hosts (GitHub, GitLab, Azure DevOps).
    if _VARIABLE_RE.match(user) or user in {"git", "hg"}:
        return userinfo
    return REDACTED


def redact_url(url: str) -> str:
    """``url`` with any password or token replaced by ``****``."""
    return redact_text(url)


def redact_text(text: str) -> str:
    """``text`` with the credentials of every URL in it replaced by ``****``."""
    if "@" not in text:
        return text
    return _USERINFO_RE.sub(
        lambda m: f"{m.group('scheme')}{_redact_userinfo(m.group('userinfo'))}@", text
    )


def contains_credentials(text: str) -> bool:
    """Whether ``text`` holds a URL credential that :func:`redact_text` would hide."""
    return redact_text(text) != text
