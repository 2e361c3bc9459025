"""Credential redaction for URLs, applied where URLs enter the model.

``https://user:secret@host/simple`` becomes ``https://user:****@host/simple`` and a bare
token (``https://ghp_xxx@host``) becomes ``https://****@host``. A query parameter whose name
says it carries a secret (``?access_token=``, ``?token=``, ``?key=``, ``private_token``, the
signatures and credentials of S3, Google Cloud Storage and Azure signed URLs, ...) keeps its
name and loses its value: ``https://host/simple?token=****``. ``${VAR}`` references are not
secrets (they name one) and stay exactly as written.
"""

from __future__ import annotations

import re

__all__ = [
    "REDACTED",
    "contains_credentials",
    "may_contain_credentials",
    "redact_text",
    "redact_url",
]

REDACTED = "****"

# scheme://userinfo@  -- userinfo is anything up to the last '@' before the host part.
_USERINFO_RE = re.compile(
    r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/?#\s@]+(?:@[^/?#\s@]+)*)@"
)
_VARIABLE_RE = re.compile(r"^\$\{[A-Z0-9_]+\}$")
# One query parameter of a URL: after '?' (or '&'/';' further on), up to '&', '#' or a blank.
_QUERY_PARAMETER_RE = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&#;?\s]+)=(?P<value>[^&#;\s]*)")
# Names (lowercased) that carry a secret: any name containing one of these ...
_SECRET_PARTS = (
    "token",  # access_token, private_token, job_token, X-Amz-Security-Token
    "secret",  # client_secret
    "passw",  # password, passwd
    "signature",  # X-Amz-Signature, X-Goog-Signature, CloudFront's Signature
    "credential",  # X-Amz-Credential, X-Goog-Credential
    "apikey",
    "api_key",
    "api-key",
)
# ... or exactly one of these.
_SECRET_NAMES = frozenset({"key", "sig", "auth", "pwd", "pass", "code", "session"})


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


def _secret_name(name: str) -> bool:
    lowered = name.lower()
    return lowered in _SECRET_NAMES or any(part in lowered for part in _SECRET_PARTS)


def _redact_parameter(match: re.Match[str]) -> str:
    value = match.group("value")
    if not value or _VARIABLE_RE.match(value) or not _secret_name(match.group("name")):
        return match.group(0)
    return f"{match.group('lead')}{match.group('name')}={REDACTED}"


def redact_text(text: str) -> str:
    """``text`` with the credentials of every URL in it (a password or token before the
    host, a secret query parameter) replaced by ``****``."""
    if "@" in text:
        text = _USERINFO_RE.sub(
            lambda m: f"{m.group('scheme')}{_redact_userinfo(m.group('userinfo'))}@", text
        )
    if "?" in text and "=" in text:
        text = _QUERY_PARAMETER_RE.sub(_redact_parameter, text)
    return text


def contains_credentials(text: str) -> bool:
    """Whether ``text`` holds a URL credential that :func:`redact_text` would hide."""
    return redact_text(text) != text


def may_contain_credentials(text: str) -> bool:
    """``False`` when no part of ``text`` (a line of it, say) can hold a credential that
    :func:`redact_text` would hide: it has neither a userinfo ``@`` nor a query ``?``. One
    search of a whole file spares matching each of its lines."""
    return "@" in text or "?" in text
