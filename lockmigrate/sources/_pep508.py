"""PEP 508 requirements and markers read as pip 26.3 reads them, whatever packaging is installed.

pip 26.3 parses with its vendored packaging 26.3; lockmigrate uses the installed packaging
(at least 26.3, see pyproject.toml). Where a later packaging reads a string differently, the
difference is undone here, so that the reader gives pip 26.3's answer under both. The known
differences (packaging 26.4's ``_tokenizer.py``, ``_parser.py`` and ``specifiers.py`` against
pip 26.3's vendored copy):

- ``===`` with an empty version (``name===``, ``name===;marker``, ``name===,>=1``) is
  accepted by 26.3 (its arbitrary-equality pattern is ``[^\\s;)]*``) and refused by 26.4
  (``[^\\s;)]++``);
- a direct URL ends at the first space or tab in 26.3 (``[^ \\t]+``) but at any whitespace in
  26.4 (``\\S+``), so ``name @ https://host/a\\xa0b`` is refused by 26.4;
- ``n === 1.0, === 2.0`` is refused by 26.3 (the first ``===`` swallows the comma, and a
  blank then ``===`` follows where a comma must) and accepted by 26.4 (one pass over the list);
- a marker nested more than 200 parentheses deep is refused by 26.4; 26.3 recurses until the
  interpreter's recursion limit (a ``RecursionError`` in pip, about 300 levels). That one is
  not undone: it is listed among the deliberate differences (docs/explanation/
  requirements-format.md), and a ``RecursionError`` is an error here, never a traceback.

The first two are undone by parsing a copy of the text in which the construct is spelled so that the
installed packaging reads it as 26.3 reads the original (a private-use character stands for
the empty version, or for the whitespace inside the URL), then putting the original
characters back into every string taken from the result; the third is refused before parsing.

Any other exception packaging lets out for a malformed string (older releases raised
``ValueError`` for a NUL in a marker's quoted string) becomes the ``Invalid*`` error, so the
reader can only fail with ``InputError``.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from packaging.markers import InvalidMarker, Marker
from packaging.requirements import InvalidRequirement, Requirement
from packaging.specifiers import InvalidSpecifier, SpecifierSet

__all__ = ["ParsedRequirement", "parse_marker", "parse_requirement"]

# An empty arbitrary-equality version, as packaging 26.3's specifier pattern matches it.
_EMPTY_ARBITRARY_RE = re.compile(r"===(\s*)(?=[,;)]|\Z)")
# The URL token of ``name[extras] @ URL``: from the first non-blank after the ``@`` to the
# next space or tab.
_URL_TOKEN_RE = re.compile(
    r"[ \t]*[A-Za-z0-9][A-Za-z0-9._-]*[ \t]*(?:\[[^\]]*\])?[ \t]*@[ \t]*([^ \t]+)"
)
_PRIVATE_USE = range(0xE000, 0xF900)


@functools.cache
def _empty_arbitrary_refused() -> bool:
    """True when the installed packaging refuses ``===`` with an empty version (26.4+)."""
    try:
        SpecifierSet("===")
    except InvalidSpecifier:
        return True
    return False


@functools.cache
def _url_ends_at_any_whitespace() -> bool:
    """True when the installed packaging ends a direct URL at any whitespace (26.4+)."""
    try:
        Requirement("a @ https://h/\xa0")
    except InvalidRequirement:
        return True
    return False


@dataclass(frozen=True, slots=True)
class ParsedRequirement:
    """The parts of a PEP 508 requirement that the reader uses, as pip 26.3 reads them."""

    name: str
    url: str | None
    extras: frozenset[str]
    specifier: str  # packaging's normal form
    marker: str | None  # packaging's normal form


class _Respelling:
    """A text with some characters replaced by private-use ones, and the way back."""

    def __init__(self, text: str) -> None:
        self.original = text
        self.text = text
        self._back: dict[str, str] = {}
        self._unused = (chr(c) for c in _PRIVATE_USE if chr(c) not in text)

    def _stand_in(self, replaced: str) -> str:
        stand_in = next(self._unused)
        self._back[stand_in] = replaced
        return stand_in

    def respell(self) -> None:
        if _empty_arbitrary_refused() and "===" in self.text:
            stand_in = self._stand_in("")
            self.text = _EMPTY_ARBITRARY_RE.sub(rf"===\g<1>{stand_in}", self.text)
        if _url_ends_at_any_whitespace() and "@" in self.text:
            match = _URL_TOKEN_RE.match(self.text)
            if match is not None and not match.group(1).isprintable():
                url = "".join(
                    self._stand_in(char) if char.isspace() else char for char in match.group(1)
                )
                self.text = self.text[: match.start(1)] + url + self.text[match.end(1) :]

    def restore(self, text: str) -> str:
        for stand_in, replaced in self._back.items():
            text = text.replace(stand_in, replaced)
        return text

    @property
    def changed(self) -> bool:
        return bool(self._back)


def _specifier_text(specifier: SpecifierSet, spelling: _Respelling) -> str:
    text = str(specifier)
    if not spelling.changed:
        return text
    # packaging sorts the specifiers by their text: sort again once the text is restored.
    return ",".join(sorted(spelling.restore(part) for part in text.split(",")))


# An arbitrary-equality specifier as packaging 26.3 tokenizes it: its version runs to the next
# blank, ";" or ")", commas and all.
_ARBITRARY_TOKEN_RE = re.compile(r"===\s*([^\s;)]*)")


def _check_swallowed_comma(text: str) -> None:
    """packaging 26.3 reads ``n === 1.0, === 2.0`` as the token ``=== 1.0,`` (the comma is part
    of the arbitrary version) followed by ``=== 2.0`` where a comma or the end must come, and
    refuses it; 26.4 reads the whole list in one pass and accepts it. Refuse it as 26.3 does."""
    head = text.split(";", 1)[0]
    if "@" in head:  # a URL requirement has no specifier
        return
    for match in _ARBITRARY_TOKEN_RE.finditer(head):
        rest = head[match.end() :]
        if match.group(1).endswith(",") and rest[:1] in {" ", "\t"}:
            following = rest.lstrip(" \t")[:1]
            if following and following not in {",", ")"}:
                raise InvalidRequirement(
                    "Expected comma (within version specifier), semicolon (after version "
                    "specifier) or end"
                )


def parse_requirement(text: str) -> ParsedRequirement:
    """``text`` as pip 26.3's packaging reads it; raises :class:`InvalidRequirement`."""
    if _empty_arbitrary_refused() and "===" in text:
        _check_swallowed_comma(text)
    spelling = _Respelling(text)
    spelling.respell()
    try:
        requirement = Requirement(spelling.text)
    except InvalidRequirement as exc:
        raise InvalidRequirement(spelling.restore(str(exc))) from None
    except (ValueError, RecursionError) as exc:  # a NUL or deep nesting in older packaging
        raise InvalidRequirement(_describe(exc)) from None
    return ParsedRequirement(
        name=requirement.name,
        url=spelling.restore(requirement.url) if requirement.url else None,
        extras=frozenset(requirement.extras),
        specifier=_specifier_text(requirement.specifier, spelling),
        marker=spelling.restore(str(requirement.marker)) if requirement.marker else None,
    )


def parse_marker(text: str) -> str:
    """packaging's normal form of the marker ``text``; raises :class:`InvalidMarker`."""
    try:
        return str(Marker(text))
    except InvalidMarker:
        raise
    except (ValueError, RecursionError) as exc:
        raise InvalidMarker(_describe(exc)) from None


def _describe(exc: BaseException) -> str:
    if isinstance(exc, RecursionError):
        return "the expression is nested too deeply"
    return str(exc) or type(exc).__name__
