"""The commonest requirement lines (``name``, ``name==1.2.3``, ``name[extra]~=1.2``, perhaps
with a marker), read without packaging's tokenizer: most lines of a large file have this
shape, and ``packaging.requirements`` costs start-up time. Anything else returns ``None`` and
takes the full reader (:mod:`lockmigrate.sources.requirements.interpret`), which gives the
same meaning.
"""

from __future__ import annotations

import functools
import re

from packaging.specifiers import InvalidSpecifier, Specifier

from lockmigrate.names import canonicalize_name
from lockmigrate.sources.requirements.links import ARCHIVE_LAST, is_archive

__all__ = [
    "SIMPLE_REQUIREMENT_RE",
    "canonical_name",
    "normalized_marker",
    "normalized_specifier",
    "simple_line",
    "simple_requirement",
]

# name==1.2.3, name~=1.2, name[extra]~=1.2, name: the shape of most lines, parsed without
# packaging's tokenizer (packaging.requirements imports packaging.tags: 15 ms of start-up).
# Anything else (spaces, several specifiers, URLs) takes the full parser.
SIMPLE_REQUIREMENT_RE = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?:\[(?P<extras>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
    r"(?:,[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)*)\])?"
    r"(?P<spec>(?:~=|==|!=|<=|>=|<|>)[0-9][A-Za-z0-9.*+!]*)?"
)


# A release number alone (1, 1.2, 1.2.3): every operator accepts it (~= needs two parts), and
# packaging writes such a specifier back as it was written.
_PLAIN_RELEASE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def normalized_specifier(spec: str) -> str | None:
    operator = spec[:2] if spec[1:2] == "=" else spec[:1]
    version = spec[len(operator) :]
    if _PLAIN_RELEASE_RE.fullmatch(version) and (operator != "~=" or "." in version):
        return spec
    return _packaging_specifier(spec)


@functools.lru_cache(maxsize=4096)
def _packaging_specifier(spec: str) -> str | None:
    try:
        return str(Specifier(spec))
    except InvalidSpecifier:
        return None


@functools.lru_cache(maxsize=1024)
def normalized_marker(text: str) -> str:
    """packaging's normal form of a marker (the same few markers recur in every file)."""
    from packaging.markers import InvalidMarker

    from lockmigrate.sources._pep508 import parse_marker

    try:
        return parse_marker(text)
    except InvalidMarker as exc:
        raise ValueError(f"invalid marker: {exc}") from None


_CANONICAL_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def canonical_name(name: str) -> str:
    """``canonicalize_name``, without its work for a name that is canonical already."""
    if _CANONICAL_NAME_RE.fullmatch(name):
        return name
    return canonicalize_name(name)


def simple_requirement(text: str) -> tuple[str, str, str, tuple[str, ...]] | None:
    """``(name, written name, specifier, extras)`` of a requirement of the commonest shape
    (``name``, ``name==1.2.3``, ``name[extra]~=1.2``: no space, marker, URL or path), as
    :func:`~lockmigrate.sources.requirements.interpret.interpret_line_requirement` and
    :mod:`~lockmigrate.sources.requirements.handle` (the name as written) read it; ``None``
    for other text, and for an invalid specifier (the full reader gives pip's message)."""
    match = SIMPLE_REQUIREMENT_RE.fullmatch(text)
    if match is None:
        return None
    written, extras_text, spec = match.groups()
    # a name or a version that ends like an archive (pkg.zip, x==1.tar) may be a local file
    if (text[-1] in ARCHIVE_LAST and is_archive(text)) or (
        written[-1] in ARCHIVE_LAST and is_archive(written)
    ):
        return None
    specifier = normalized_specifier(spec) if spec else ""
    if specifier is None:
        return None
    name = canonical_name(written)
    extras = (
        tuple(sorted(canonical_name(e) for e in set(extras_text.split(",")))) if extras_text else ()
    )
    # the regular expression's name is followed by "[", an operator or the end: what
    # handle.py's written name finds, shared with the canonical name when it is written so
    return name, (name if written == name else written), specifier, extras


def simple_line(
    content: str,
) -> tuple[str, str, str, tuple[str, ...], str | None] | None:
    """:func:`simple_requirement` and the marker of a line's content that holds nothing
    else (no option, URL or ``${VAR}``); ``None`` for any other content, and for an invalid
    marker (the full reader gives pip's message for it)."""
    if ";" not in content:
        simple = simple_requirement(content)
        return None if simple is None else (*simple, None)
    if ":" in content or "$" in content or " -" in content:
        return None  # perhaps a URL (whose marker follows "; "), a variable or an option
    head, marker_text = content.split(";", 1)
    simple = simple_requirement(head.strip())
    if simple is None:
        return None
    marker_text = marker_text.strip()
    if not marker_text:
        return (*simple, None)
    try:
        return (*simple, normalized_marker(marker_text))
    except ValueError:
        return None
