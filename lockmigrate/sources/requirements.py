"""pip's requirements-file format, read the way pip 26.3 reads it, without losing a byte.

The steps mirror pip's ``req_file.py`` one to one (decode, split lines, join ``\\``
continuations, strip comments, split arguments from options, parse options with optparse,
interpret the requirement), but nothing is thrown away: every physical line is kept with its
terminator, so :meth:`RequirementFile.render` returns the bytes that were read, and every
logical line remembers which physical lines it came from.

Where pip silently ignores something (a requirement written after an option, a second
``-r`` on one line, ``--index-url`` on a requirement line), the meaning stays pip's and a
warning is added to the collector.
"""

from __future__ import annotations

import codecs
import contextlib
import dataclasses
import functools
import gc
import os
import posixpath
import re
import sys
import urllib.parse
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple, NoReturn, cast

from packaging.specifiers import InvalidSpecifier, Specifier, SpecifierSet

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, raise_all
from lockmigrate.model.requirements import (
    Include,
    IncludeKind,
    Line,
    Option,
    Origin,
    PhysicalLines,
    RequirementFile,
    RequirementKind,
    TextLayout,
    make_line,
    make_option,
    make_origin,
    make_requirement,
)
from lockmigrate.names import canonicalize_name
from lockmigrate.redact import redact_url
from lockmigrate.sources._files import NotRegularFileError, is_dir, is_file, read_regular

if TYPE_CHECKING:
    import optparse

__all__ = [
    "ENV_VAR_RE",
    "expand_variables",
    "index_options",
    "parse_bytes",
    "read_file",
]

# --- pip's regular expressions and tables (pip/_internal/req/req_file.py, pip 26.3) -------

COMMENT_RE = re.compile(r"(^|\s+)#.*$")
ENV_VAR_RE = re.compile(r"(?P<var>\$\{(?P<name>[A-Z0-9_]+)\})")
SCHEME_RE = re.compile(r"^(http|https|file):", re.IGNORECASE)
PEP263_ENCODING_RE = re.compile(rb"coding[:=]\s*([-\w.]+)")
EGG_FRAGMENT_RE = re.compile(r"[#&]egg=([^&]*)")
PROJECT_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
EXTRAS_SUFFIX_RE = re.compile(r"^(.+)(\[[^\]]+\])$")

# pip's table, in pip's order: the UTF-16 LE BOM is a prefix of the UTF-32 LE one, and the
# machine's native-order BOMs (codecs.BOM_UTF32, codecs.BOM_UTF16) come first, decoded with
# the BOM-sniffing "utf-32"/"utf-16" codecs (see _split_bom).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF16, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
)
# A declared codec that would write a BOM of its own when re-encoding, replaced by the codec
# that decodes the same text without one (the data starts with '#', so it has no BOM).
_DECLARED_CODECS: dict[str, str] = {
    "utf-8-sig": "utf-8",
    "utf-16": "utf-16-le" if sys.byteorder == "little" else "utf-16-be",
    "utf-32": "utf-32-le" if sys.byteorder == "little" else "utf-32-be",
}
# The explicit-endian codec of each UTF-16/32 BOM, so that re-encoding writes the same bytes.
_BOM_CODECS: dict[bytes, str] = {
    codecs.BOM_UTF32_BE: "utf-32-be",
    codecs.BOM_UTF32_LE: "utf-32-le",
    codecs.BOM_UTF16_BE: "utf-16-be",
    codecs.BOM_UTF16_LE: "utf-16-le",
}

VCS_SCHEMES: frozenset[str] = frozenset(
    {
        "bzr+http", "bzr+https", "bzr+ssh", "bzr+sftp", "bzr+ftp", "bzr+lp", "bzr+file",
        "git+http", "git+https", "git+ssh", "git+git", "git+file",
        "hg+file", "hg+http", "hg+https", "hg+ssh", "hg+static-http",
        "svn+ssh", "svn+http", "svn+https", "svn+svn", "svn+file",
    }
)  # fmt: skip
VCS_NAMES: tuple[str, ...] = ("git", "hg", "svn", "bzr")
URL_SCHEMES: frozenset[str] = frozenset({"http", "https", "file", "ftp"}) | VCS_SCHEMES
ARCHIVE_EXTENSIONS: tuple[str, ...] = (
    ".zip", ".whl", ".tar.bz2", ".tbz", ".tar.gz", ".tgz", ".tar",
    ".tar.xz", ".txz", ".tlz", ".tar.lz", ".tar.lzma",
)  # fmt: skip
STRONG_HASHES: tuple[str, ...] = ("sha256", "sha384", "sha512")
USE_FEATURE_CHOICES: tuple[str, ...] = (
    "fast-deps", "inprocess-build-deps", "venv-isolation",
    "truststore", "no-binary-enable-wheel-cache", "build-constraint",
)  # fmt: skip

# Options that pip applies to the requirement on the same line; all others on such a line
# are ignored by pip.
_REQUIREMENT_OPTIONS = frozenset({"--hash", "--config-settings"})
_EDITABLE_OPTIONS = frozenset({"--config-settings"})


# --- decoding -------------------------------------------------------------------------


def _split_bom(data: bytes) -> tuple[bytes, str]:
    """``(bom, codec)`` as pip picks them, with ``codec`` explicit-endian; ``(b"", "")``
    when the data starts with no BOM.

    pip decodes the body after a native-order BOM with ``"utf-16"``/``"utf-32"``, which
    swallow a second BOM at the start of the body and take their byte order from it; that
    second BOM then belongs to ``bom`` too.
    """
    for candidate, name in _BOMS:
        if not data.startswith(candidate):
            continue
        if name == "utf-8":
            return candidate, name
        if name in {"utf-16", "utf-32"}:
            body = data[len(candidate) :]
            for second, codec in _BOM_CODECS.items():
                if len(second) == len(candidate) and body.startswith(second):
                    return candidate + second, codec
        return candidate, _BOM_CODECS[candidate]
    return b"", ""


def _shown_undecodable(raw: bytes, codec: str) -> str:
    """``raw``, a line ``codec`` cannot decode, as text to show: decoded with its bad bytes
    escaped, or, for a codec that cannot escape (punycode), as ASCII with escapes."""
    try:
        return raw.decode(codec, errors="backslashreplace")
    except (UnicodeError, LookupError, ValueError, TypeError):
        return raw.decode("ascii", errors="backslashreplace")


def _declaration_line(data: bytes) -> int:
    """The line (1 or 2) of the first ``coding:`` declaration pip would honour."""
    for number, raw_line in enumerate(data.split(b"\n")[:2], start=1):
        if raw_line[0:1] == b"#" and PEP263_ENCODING_RE.search(raw_line):
            return number
    return 1


def _dominant_newline(text: str) -> str:
    """The most frequent of the terminators ``\\n``, ``\\r\\n`` and ``\\r`` (the first of
    them on a tie), ``\\n`` when no line ends with one of them."""
    crlf = text.count("\r\n")
    counts = {"\n": text.count("\n") - crlf, "\r\n": crlf, "\r": text.count("\r") - crlf}
    return max(counts, key=counts.__getitem__)


def _ends_a_line(text: str) -> bool:
    """Whether the text ends with a line terminator, as ``str.splitlines`` sees them."""
    return bool(text) and text[-1] in _LINE_BREAKS


def decode(data: bytes, display: str) -> tuple[str, TextLayout]:
    """Decode a requirements file as pip does: BOM, then a PEP 263 ``coding:`` comment in
    the first two lines, then UTF-8.

    pip falls back to the locale's encoding when UTF-8 fails; lockmigrate refuses instead,
    because a result that depends on the machine's locale cannot be migrated safely.
    """
    bom, codec = _split_bom(data)
    if not bom:
        codec = "utf-8"
        for number, raw_line in enumerate(data.split(b"\n")[:2], start=1):
            if raw_line[0:1] == b"#":
                match = PEP263_ENCODING_RE.search(raw_line)
                if match is not None:
                    codec = match.group(1).decode("ascii")
                    try:
                        codec = _DECLARED_CODECS.get(codecs.lookup(codec).name, codec)
                    except LookupError:
                        raise InputError(
                            f"unknown encoding {codec!r} in the coding declaration",
                            origin=Origin(path=display, line=number),
                        ) from None
                    break
    body = data[len(bom) :]
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as exc:
        line = body[: exc.start].count(b"\n") + 1
        start = body.rfind(b"\n", 0, exc.start) + 1
        end = body.find(b"\n", exc.start)
        offending = body[start : end if end != -1 else len(body)]
        raise InputError(
            f"cannot decode byte {body[exc.start : exc.start + 1]!r} as {codec} "
            "(declare the encoding with a '# -*- coding: NAME -*-' first line)",
            origin=Origin(path=display, line=line),
            text=_shown_undecodable(offending, codec),
        ) from None
    except (LookupError, UnicodeError, ValueError, TypeError) as exc:
        # A declared codec that is not a text encoding (hex, rot13, base64, zlib, uu: a
        # LookupError) or that fails on this text (punycode): pip cannot read the file either.
        raise InputError(
            f"the coding declaration names {codec!r}, which cannot decode this file "
            f"({exc}); pip cannot read it either. Declare a text encoding such as utf-8",
            origin=Origin(path=display, line=_declaration_line(data)),
        ) from None
    layout = TextLayout(
        codec=codec, bom=bom, newline=_dominant_newline(text), final_newline=_ends_a_line(text)
    )
    try:
        # Strict UTF-8 always encodes back to the bytes it decoded: no copy to compare.
        lossless = codec == "utf-8" or layout.encode(text) == data
    except (UnicodeError, LookupError, ValueError, TypeError):
        lossless = False
    if not lossless:
        # pip reads it (utf-7, unicode_escape, ...), so lockmigrate reads it too; only a
        # migration that would write it back refuses (targets.common.refuse_lossy_encoding).
        layout = dataclasses.replace(layout, lossless=False)
    return text, layout


# --- logical lines ----------------------------------------------------------------------


class _LogicalLine:
    """Physical lines ``first`` to ``first + count - 1``, and their ``text`` joined as pip
    joins it, before comments are stripped. (Not a data class: one is made per line.)"""

    __slots__ = ("count", "first", "text")

    def __init__(self, first: int, count: int, text: str) -> None:
        self.first = first
        self.count = count
        self.text = text


_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"  # str.splitlines' own


def _strip_terminator(physical_line: str) -> str:
    """One physical line without its terminator (``\\r\\n`` or one line break)."""
    if physical_line.endswith("\r\n"):
        return physical_line[:-2]
    if physical_line[-1:] in _LINE_BREAKS and physical_line:
        return physical_line[:-1]
    return physical_line


def join_lines(physical: Sequence[str]) -> Iterator[_LogicalLine]:
    """pip's ``join_lines``: a line ending in ``\\`` continues on the next one, unless it is
    a comment. Every physical line lands in exactly one logical line."""
    pending: list[str] = []
    first = 0
    logical_line = _LogicalLine
    lines = (
        physical.without_terminators()
        if isinstance(physical, PhysicalLines)
        else map(_strip_terminator, physical)
    )
    for index, stripped in enumerate(lines):
        comment = "#" in stripped and COMMENT_RE.match(stripped) is not None
        if not stripped.endswith("\\") or comment:
            # " " so that the comment is matched after joining
            line = " " + stripped if comment else stripped
            if pending:
                pending.append(line)
                yield logical_line(first, index - first + 1, "".join(pending))
                pending = []
            else:
                yield logical_line(index, 1, line)
        else:
            if not pending:
                first = index
            pending.append(stripped.strip("\\"))
    if pending:
        yield _LogicalLine(first, len(physical) - first, "".join(pending))


def split_comment(text: str) -> tuple[str, str | None]:
    """``(content, comment)`` as pip's ``ignore_comments`` sees them.

    pip searches ``(^|\\s+)#.*$``, which backtracks over every run of blanks not followed by
    ``#``: quadratic on a long line. The same match is found in one pass: the comment starts
    with the run of blanks before the first ``#`` that begins the text or follows a blank.
    """
    if "#" not in text:
        return text.strip(), None
    if "\n" in text:  # not a logical line (``.`` stops at a newline): pip's expression
        match = COMMENT_RE.search(text)
        if match is None:
            return text.strip(), None
        return text[: match.start()].strip(), match.group(0).strip()
    at = text.find("#")
    while at > 0 and not text[at - 1].isspace():
        at = text.find("#", at + 1)
    if at == -1:
        return text.strip(), None
    start = at
    while start > 0 and text[start - 1].isspace():
        start -= 1
    return text[:start].strip(), text[start:].strip()


def expand_variables(text: str, environ: Mapping[str, str]) -> str:
    """pip's ``expand_env_variables``: ``${NAME}`` becomes its value when set and non-empty."""
    for variable, name in ENV_VAR_RE.findall(text):
        value = environ.get(name)
        if value:
            text = text.replace(variable, value)
    return text


def break_args_options(line: str) -> tuple[str, str]:
    """pip's split of a line into the requirement part and the options part: the
    requirement is every space-separated token before the first one starting with ``-``."""
    if line.startswith("-"):
        return "", line
    # The first token starting with "-" follows a space; the tokens before it, joined again
    # with single spaces, are the text before that space.
    at = line.find(" -")
    if at == -1:
        return line, ""
    return line[:at], line[at + 1 :]


# --- options ----------------------------------------------------------------------------


class _OptionError(Exception):
    pass


@dataclass(slots=True)
class _ParsedOptions:
    seen: list[tuple[str, str | None]] = field(default_factory=list)
    leftover: list[str] = field(default_factory=list)


_NO_OPTIONS = _ParsedOptions()  # of a line without options; never changed


def _check_hash(opt_str: str, value: str) -> None:
    algo, sep, _digest = value.partition(":")
    if not sep:
        raise _OptionError(
            f"Arguments to {opt_str} must be a hash name followed by a value, "
            "like --hash=sha256:abcde..."
        )
    if algo not in STRONG_HASHES:
        raise _OptionError(f"Allowed hash algorithms for {opt_str} are {', '.join(STRONG_HASHES)}.")


def _record(
    option: optparse.Option, opt_str: str, value: str | None, parser: optparse.OptionParser
) -> None:
    name = option.get_opt_string()
    if name == "--hash" and value is not None:
        _check_hash(opt_str, value)
    elif name == "--config-settings" and value is not None and "=" not in value:
        raise _OptionError(f"Arguments to {opt_str} must be of the form KEY=VAL")
    elif name == "--use-feature" and value not in USE_FEATURE_CHOICES:
        choices = ", ".join(repr(choice) for choice in USE_FEATURE_CHOICES)
        raise _OptionError(f"option {opt_str}: invalid choice: {value!r} (choose from {choices})")
    elif name in {"--no-binary", "--only-binary"} and value is not None and value.startswith("-"):
        raise _OptionError("--no-binary / --only-binary option requires 1 argument.")
    elif name in {"--all-releases", "--only-final"} and value is not None and value.startswith("-"):
        raise _OptionError("--all-releases / --only-final option requires 1 argument.")
    cast("_ParsedOptions", parser.values).seen.append((name, value))


def _build_parser() -> optparse.OptionParser:
    """The options pip 26.3 accepts in a requirements file, spelled as pip spells them, so
    that optparse gives the same abbreviations, ``=``/space forms and errors. (optparse is
    imported here: most files hold no option line, and ``diff`` is timed from start-up.)"""
    import optparse

    class _Parser(optparse.OptionParser):
        def error(self, msg: str) -> NoReturn:
            raise _OptionError(msg)

        def exit(self, status: int = 0, msg: str | None = None) -> NoReturn:
            raise _OptionError(msg or "invalid options")

    parser = _Parser(add_help_option=False)
    with_value: list[tuple[str, ...]] = [
        ("-i", "--index-url", "--pypi-url"),
        ("--extra-index-url",),
        ("-c", "--constraint"),
        ("-r", "--requirement"),
        ("-e", "--editable"),
        ("-f", "--find-links"),
        ("--no-binary",),
        ("--only-binary",),
        ("--all-releases",),
        ("--only-final",),
        ("--trusted-host",),
        ("--use-feature",),
        ("--hash",),
        ("-C", "--config-settings"),
    ]
    flags: list[tuple[str, ...]] = [
        ("--no-index",),
        ("--prefer-binary",),
        ("--require-hashes",),
        ("--no-require-hashes",),
        ("--pre",),
    ]
    for names in with_value:
        parser.add_option(*names, action="callback", callback=_record, type="string")
    for names in flags:
        parser.add_option(*names, action="callback", callback=_record)
    return parser


_parser = functools.cache(_build_parser)  # built on the first option line, not at import


_SHLEX_WHITESPACE = re.compile(r"[ \t\r\n]+")


def _split_options(options_str: str) -> list[str]:
    """``shlex.split``, with a fast path for text it would only split on whitespace."""
    if not any(char in options_str for char in "'\"\\"):
        stripped = options_str.strip(" \t\r\n")
        return _SHLEX_WHITESPACE.split(stripped) if stripped else []
    import shlex

    try:
        return shlex.split(options_str)
    except ValueError:
        raise _OptionError(f"Could not split options: {options_str}") from None


_INCLUDE_OPTIONS = {
    "-r": "--requirement",
    "--requirement": "--requirement",
    "-c": "--constraint",
    "--constraint": "--constraint",
}


def parse_options(options_str: str) -> _ParsedOptions:
    """Options in order of appearance, by pip's long name, plus positional leftovers."""
    tokens = _split_options(options_str)
    values = _ParsedOptions()
    if (
        len(tokens) == 2
        and tokens[0] in _INCLUDE_OPTIONS
        and tokens[1]
        and not tokens[1].startswith("-")
    ):
        # -r FILE / -c FILE, the usual include line: what optparse makes of it
        values.seen.append((_INCLUDE_OPTIONS[tokens[0]], tokens[1]))
        return values
    if tokens and all(token.startswith("--hash=") for token in tokens):
        # the common shape of a hash-pinned line, without optparse's overhead
        for token in tokens:
            value = token[len("--hash=") :]
            _check_hash("--hash", value)
            values.seen.append(("--hash", value))
        return values
    _, leftover = _parser().parse_args(tokens, values)  # type: ignore[arg-type]
    values.leftover = list(leftover)
    return values


# --- requirements -----------------------------------------------------------------------


def is_url(name: str) -> bool:
    """pip's ``is_url``: the text has a scheme pip knows. Like pip, raises ``ValueError``
    for text ``urlsplit`` rejects (``http://[::1/x``)."""
    if ":" not in name:
        return False
    scheme = urllib.parse.urlsplit(name).scheme
    return bool(scheme) and scheme in URL_SCHEMES


def _looks_like_path(name: str) -> bool:
    if os.path.sep in name or (os.path.altsep is not None and os.path.altsep in name):
        return True
    return name.startswith(".")


def _pip_extension(name: str) -> str:
    """pip's ``splitext(name)[1]``: ``.tar`` joins the extension after it (``.tar.gz``, and
    also ``.tar.whl``), case kept."""
    base, ext = os.path.splitext(name)  # noqa: PTH122 - pip's splitext, on a string
    if base.lower().endswith(".tar"):
        ext = base[-4:] + ext
    return ext


def _archive_extension(name: str) -> str:
    return _pip_extension(name).lower()


# The last character of each archive extension, in either case: what an ASCII name must end
# with to be an archive's.
_ARCHIVE_LAST = frozenset(
    char for extension in ARCHIVE_EXTENSIONS for char in (extension[-1], extension[-1].upper())
)


def _is_archive(name: str) -> bool:
    if not name.lower().endswith(ARCHIVE_EXTENSIONS):
        return False  # the extension pip finds is a suffix of the name: none can match
    return _archive_extension(name) in ARCHIVE_EXTENSIONS


def _egg_fragment(url: str) -> str | None:
    match = EGG_FRAGMENT_RE.search(url)
    if match is None:
        return None
    project = match.group(1)
    if not PROJECT_NAME_RE.match(project):
        raise ValueError(
            f"{project!r} is not a valid value for the #egg= fragment: it must be a bare "
            "project name (write 'name[extras] @ URL' instead)"
        )
    return project


def _url_filename(url: str) -> str:
    """pip's ``Link.filename`` (without its fall-back to the host name): the last component
    of the unquoted path."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    return posixpath.basename(path.rstrip("/"))


def _local_path(base: Path, text: str) -> str:
    """``text`` as a path below ``base``, made absolute and normalised without looking at
    the disk (``a/../b`` is ``b`` even if ``a`` is a symlink), as pip's
    ``os.path.normpath(os.path.abspath(...))`` does."""
    return os.path.normpath(os.path.abspath(base / text))  # noqa: PTH100 - lexical, as pip


def _path_to_url(path: str) -> str:
    """pip's ``path_to_url`` of an absolute, normalised path."""
    from urllib.request import pathname2url

    return urllib.parse.urljoin("file://", pathname2url(path))


def _extras_suffix(text: str) -> tuple[str, str] | None:
    """``EXTRAS_SUFFIX_RE.match(text).groups()`` (pip's ``^(.+)(\\[[^\\]]+\\])$``), found in one
    pass: the regular expression backtracks quadratically over a long run of ``[``. Its greedy
    ``.+`` leaves the shortest ``[...]`` suffix: the last ``[`` after the last inner ``]``."""
    if "\n" in text:  # not a logical line: pip's expression
        match = EXTRAS_SUFFIX_RE.match(text)
        return None if match is None else (match.group(1), match.group(2))
    if not text.endswith("]"):
        return None
    inner_close = text.rfind("]", 0, len(text) - 1)
    opening = text.rfind("[", max(inner_close + 1, 1), len(text) - 2)
    if opening == -1:
        return None
    return text[:opening], text[opening:]


def _strip_extras(text: str) -> tuple[str, tuple[str, ...]]:
    """pip's ``strip_extras``: a trailing ``[extras]`` split off a path, extras canonical;
    ``ValueError`` when they are not valid extras (pip's ``convert_extras`` fails too)."""
    suffix = _extras_suffix(text)
    if suffix is None:
        return text, ()
    from packaging.requirements import InvalidRequirement, Requirement

    path, extras_text = suffix
    try:
        extras = Requirement("placeholder" + extras_text.lower()).extras
    except InvalidRequirement as exc:
        reason = str(exc).splitlines()[0] if str(exc) else "cannot be parsed"
        raise ValueError(
            f"invalid extras {extras_text!r}: pip reads the [...] that ends the line as extras "
            f"({reason})"
        ) from None
    return path.rstrip(), tuple(sorted(canonicalize_name(e) for e in extras))


class _Interpretation(NamedTuple):  # a tuple: made once per line, in the hot path
    name: str | None
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    url: str | None
    kind: RequirementKind


def _url_scheme(url: str) -> str:
    """The lower-cased scheme, as ``urllib.parse.urlsplit`` (and so pip's ``Link``) sees it."""
    return urllib.parse.urlsplit(url).scheme


def _kind_of_url(url: str) -> RequirementKind:
    scheme = _url_scheme(url)
    if scheme in VCS_SCHEMES:
        return RequirementKind.VCS
    if scheme == "file":
        return RequirementKind.PATH
    return RequirementKind.URL


def _check_local_file_url(url: str) -> None:
    """pip reads a ``file:`` URL's path with ``url_to_path``, which refuses a host other than
    ``localhost`` (on every platform but Windows): ``file://server/pkg.tar.gz`` is an error."""
    split = urllib.parse.urlsplit(url)
    if split.scheme == "file" and split.netloc not in {"", "localhost"}:
        raise ValueError(f"non-local file URIs are not supported on this platform: {url!r}")


# name==1.2.3, name~=1.2, name[extra]~=1.2, name: the shape of most lines, parsed without
# packaging's tokenizer (packaging.requirements imports packaging.tags: 15 ms of start-up).
# Anything else (spaces, several specifiers, URLs) takes the full parser.
_SIMPLE_REQUIREMENT_RE = re.compile(
    r"(?P<name>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)"
    r"(?:\[(?P<extras>[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?"
    r"(?:,[A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)*)\])?"
    r"(?P<spec>(?:~=|==|!=|<=|>=|<|>)[0-9][A-Za-z0-9.*+!]*)?"
)


# A release number alone (1, 1.2, 1.2.3): every operator accepts it (~= needs two parts), and
# packaging writes such a specifier back as it was written.
_PLAIN_RELEASE_RE = re.compile(r"[0-9]+(?:\.[0-9]+)*")


def _normalized_specifier(spec: str) -> str | None:
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
def _normalized_marker(text: str) -> str:
    """packaging's normal form of a marker (the same few markers recur in every file)."""
    from packaging.markers import InvalidMarker

    from lockmigrate.sources._pep508 import parse_marker

    try:
        return parse_marker(text)
    except InvalidMarker as exc:
        raise ValueError(f"invalid marker: {exc}") from None


_CANONICAL_NAME_RE = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")


def _canonical_name(name: str) -> str:
    """``canonicalize_name``, without its work for a name that is canonical already."""
    if _CANONICAL_NAME_RE.fullmatch(name):
        return name
    return canonicalize_name(name)


def _simple_pep508(text: str, marker: str | None) -> _Interpretation | None:
    match = _SIMPLE_REQUIREMENT_RE.fullmatch(text)
    if match is None:
        return None
    spec = match.group("spec")
    specifier = _normalized_specifier(spec) if spec else ""
    if specifier is None:
        return None  # the full parser gives pip's message
    extras = match.group("extras")
    return _Interpretation(
        name=_canonical_name(match.group("name")),
        specifier=specifier,
        # as from packaging's set of extras as written, then canonicalised and sorted
        extras=tuple(sorted(_canonical_name(e) for e in set(extras.split(",")))) if extras else (),
        marker=marker,
        url=None,
        kind=RequirementKind.NAMED,
    )


def _simple_requirement(text: str) -> tuple[str, str, str, tuple[str, ...]] | None:
    """``(name, written name, specifier, extras)`` of a requirement of the commonest shape
    (``name``, ``name==1.2.3``, ``name[extra]~=1.2``: no space, marker, URL or path), as
    :func:`interpret_line_requirement` and :func:`_written_name` read it; ``None`` for other
    text, and for an invalid specifier (the full reader gives pip's message for it)."""
    match = _SIMPLE_REQUIREMENT_RE.fullmatch(text)
    if match is None:
        return None
    written, extras_text, spec = match.groups()
    # a name or a version that ends like an archive (pkg.zip, x==1.tar) may be a local file
    if (text[-1] in _ARCHIVE_LAST and _is_archive(text)) or (
        written[-1] in _ARCHIVE_LAST and _is_archive(written)
    ):
        return None
    specifier = _normalized_specifier(spec) if spec else ""
    if specifier is None:
        return None
    name = _canonical_name(written)
    extras = (
        tuple(sorted(_canonical_name(e) for e in set(extras_text.split(","))))
        if extras_text
        else ()
    )
    # the regular expression's name is followed by "[", an operator or the end: what
    # _written_name finds, shared with the canonical name when it is written so
    return name, (name if written == name else written), specifier, extras


def _simple_line(
    content: str,
) -> tuple[str, str, str, tuple[str, ...], str | None] | None:
    """:func:`_simple_requirement` and the marker of a line's content that holds nothing
    else (no option, URL or ``${VAR}``); ``None`` for any other content, and for an invalid
    marker (the full reader gives pip's message for it)."""
    if ";" not in content:
        simple = _simple_requirement(content)
        return None if simple is None else (*simple, None)
    if ":" in content or "$" in content or " -" in content:
        return None  # perhaps a URL (whose marker follows "; "), a variable or an option
    head, marker_text = content.split(";", 1)
    simple = _simple_requirement(head.strip())
    if simple is None:
        return None
    marker_text = marker_text.strip()
    if not marker_text:
        return (*simple, None)
    try:
        return (*simple, _normalized_marker(marker_text))
    except ValueError:
        return None


def _from_pep508(text: str, marker: str | None) -> _Interpretation:
    simple = _simple_pep508(text, marker)
    if simple is not None:
        return simple
    from packaging.requirements import InvalidRequirement

    from lockmigrate.sources._pep508 import parse_requirement

    try:
        requirement = parse_requirement(text)
    except InvalidRequirement as exc:
        hint = ""
        if "=" in text and not any(op in text for op in ("==", "!=", "<=", ">=", "~=", "===")):
            hint = " (= is not a valid operator. Did you mean == ?)"
        elif os.path.sep in text:
            hint = " (it looks like a path, but no such directory or archive exists)"
        # packaging's message is followed by the text and a caret; keep its first line.
        reason = str(exc).splitlines()[0] if str(exc) else "cannot be parsed"
        raise ValueError(f"invalid requirement: {reason}{hint}") from None
    if marker is None and requirement.marker is not None:
        marker = str(requirement.marker)
    url = requirement.url
    if url:
        _egg_fragment(url)  # pip makes a Link of the URL, which validates #egg=
        _check_local_file_url(url)
    return _Interpretation(
        name=canonicalize_name(requirement.name),
        specifier=str(requirement.specifier),
        extras=tuple(sorted(canonicalize_name(e) for e in requirement.extras)),
        marker=marker,
        url=url,
        kind=_kind_of_url(url) if url else RequirementKind.NAMED,
    )


def _name_from_link(url: str) -> tuple[str | None, str]:
    """Name and specifier pip derives from a link: a wheel's file name, else ``#egg=``.

    As in pip, ``#egg=`` is validated even for a wheel, and only a lower-case ``.whl`` after
    anything but ``.tar`` makes a wheel (``Link.is_wheel``; ``pkg.tar.whl`` is not one).
    """
    egg = _egg_fragment(url)
    filename = _url_filename(url)
    if _pip_extension(filename) == ".whl":
        from packaging.utils import InvalidWheelFilename, parse_wheel_filename

        try:
            name, version, _build, _tags = parse_wheel_filename(filename)
        except InvalidWheelFilename as exc:
            raise ValueError(f"invalid wheel filename: {exc}") from None
        if not PROJECT_NAME_RE.match(name):
            # pip reads the wheel as the requirement "name==version", which must parse
            raise ValueError(
                f"invalid requirement: {name}=={version}: the wheel {filename!r} has no valid "
                "project name"
            )
        return canonicalize_name(name), str(SpecifierSet(f"=={version}"))
    return (canonicalize_name(egg) if egg else None), ""


_PROJECT_FILES = ("pyproject.toml", "setup.py")


def interpret_line_requirement(text: str, base: Path) -> _Interpretation:
    """pip's ``parse_req_from_line``. Local paths are looked up relative to ``base`` (the
    requirements file's folder) rather than the current directory.

    ``url`` of a local path is the path as written, without its ``[extras]``.
    """
    marker_sep = "; " if is_url(text) else ";"
    marker: str | None = None
    if marker_sep in text:
        text, marker_text = text.split(marker_sep, 1)
        marker_text = marker_text.strip()
        if marker_text:
            marker = _normalized_marker(marker_text)
    text = text.strip()
    if is_url(text):
        name, specifier = _name_from_link(text)
        if not re.search(r"\.\./", text):  # pip rebuilds such a URL from its path alone
            _check_local_file_url(text)
        return _Interpretation(
            name=name, specifier=specifier, extras=(), marker=marker, url=text,
            kind=_kind_of_url(text),
        )  # fmt: skip
    bare = _extras_suffix(text)
    if not _looks_like_path(text) and not _is_archive(bare[0].rstrip() if bare else text):
        # neither a folder nor an archive: no disk access
        return _with_path_extras(_from_pep508(text, marker), text, base)
    # pip strips the extras off the normalised absolute path; the written path is kept.
    local, extras = _strip_extras(_local_path(base, text))
    written, _ = _strip_extras(text)
    is_path = False
    # os.path, as pip: a name the system refuses (too long, a NUL) is no folder, not an error
    if _looks_like_path(text) and is_dir(local):
        if not any(is_file(Path(local) / name) for name in _PROJECT_FILES):
            raise ValueError(
                f"directory {text!r} is not installable: neither 'setup.py' nor "
                "'pyproject.toml' found"
            )
        is_path = True
    elif _is_archive(local):
        before_at = text.split("@", 1)
        is_path = is_file(local) or len(before_at) < 2 or _looks_like_path(before_at[0])
    if is_path:
        name, specifier = _name_from_link(_path_to_url(local))
        return _Interpretation(
            name=name, specifier=specifier, extras=extras, marker=marker, url=written,
            kind=RequirementKind.PATH,
        )  # fmt: skip
    return _with_path_extras(_from_pep508(text, marker), text, base)


def _with_path_extras(meaning: _Interpretation, text: str, base: Path) -> _Interpretation:
    """``meaning`` with the extras pip gives it: before pip parses a line as PEP 508, it
    strips a trailing ``[extras]`` off the line read as a local path, and those extras win
    over the requirement's own when there are any (``p[a] @ https://h/x[b]`` installs
    ``p[b]``, ``p@[v]`` is ``p[v]`` at the URL ``[v]``). Invalid extras there are an error,
    as in pip."""
    # Without a separator the path pip reads ends as the text does; with one, normpath may
    # end it elsewhere (https://h/x[b]/. is .../x[b]).
    separator = os.path.sep in text or (os.path.altsep is not None and os.path.altsep in text)
    if not separator and (not text.endswith("]") or meaning.url is None):
        return meaning  # no [extras] suffix, or name[extras]: the requirement's own extras
    _, extras = _strip_extras(_local_path(base, text))
    if not extras or extras == meaning.extras:
        return meaning  # none there ([] or no suffix): pip keeps the requirement's own
    return meaning._replace(extras=extras)


def _not_editable(text: str) -> ValueError:
    return ValueError(
        f"{text} is not a valid editable requirement: it should be a path to a local "
        "project or a VCS URL (git+https://..., hg+https://..., svn+..., bzr+...)"
    )


def interpret_editable(text: str, base: Path) -> _Interpretation:
    """pip's ``parse_editable``: ``name @ url`` (a VCS or ``file:`` URL), a local folder, or
    a VCS URL with ``#egg=``."""
    from packaging.requirements import InvalidRequirement

    from lockmigrate.sources._pep508 import ParsedRequirement, parse_requirement

    requirement: ParsedRequirement | None
    try:
        requirement = parse_requirement(text)
    except InvalidRequirement:
        requirement = None
    if requirement is not None and requirement.url:
        url = requirement.url
        _egg_fragment(url)
        if _url_scheme(url) not in VCS_SCHEMES and not url.startswith("file:"):
            raise _not_editable(text)
        _check_local_file_url(url)
        return _Interpretation(
            name=canonicalize_name(requirement.name),
            specifier=str(requirement.specifier),
            extras=tuple(sorted(canonicalize_name(e) for e in requirement.extras)),
            marker=str(requirement.marker) if requirement.marker else None,
            url=url,
            kind=_kind_of_url(url),
        )
    url_no_extras, extras = _strip_extras(text)
    if is_dir(base / url_no_extras):
        return _Interpretation(
            name=None, specifier="", extras=extras, marker=None, url=url_no_extras,
            kind=RequirementKind.PATH,
        )  # fmt: skip
    if url_no_extras.lower().startswith("file:"):
        egg = _egg_fragment(url_no_extras)
        if not url_no_extras.startswith("file:"):
            raise _not_editable(text)  # pip's final check is case-sensitive
        _check_local_file_url(url_no_extras)
        return _Interpretation(
            name=canonicalize_name(egg) if egg else None, specifier="", extras=extras,
            marker=None, url=url_no_extras, kind=RequirementKind.PATH,
        )  # fmt: skip
    url = text
    for vcs in VCS_NAMES:
        if url.lower().startswith(f"{vcs}:"):
            url = f"{vcs}+{url}"
            break
    egg = _egg_fragment(url)
    if _url_scheme(url) not in VCS_SCHEMES:
        raise _not_editable(text)
    if not egg:
        raise ValueError(
            f"could not detect the requirement name for {text!r}: write it as "
            "'name @ URL' (or add #egg=name)"
        )
    return _Interpretation(
        name=canonicalize_name(egg), specifier="", extras=(), marker=None, url=url,
        kind=RequirementKind.VCS,
    )  # fmt: skip


# --- files ------------------------------------------------------------------------------


@dataclass(slots=True)
class _LineParts:
    """A logical line's fields before it is known to hold a requirement, so that its
    :class:`Line` is made once (a frozen data class costs microseconds, times every line)."""

    origin: Origin
    content: str
    comment: str | None

    def line(self) -> Line:
        return make_line(self.origin, self.content, self.comment, None, (), None)


@dataclass(slots=True)
class _FileParser:
    path: Path
    display: str
    constraint: bool
    collector: Collector
    base: Path
    # each plain specifier once: the same versions recur in a large file (dropped with the
    # parser, when the file is read)
    specifiers: dict[str, str] = field(default_factory=dict)

    def origin(self, logical: _LogicalLine) -> Origin:
        first, count = logical.first, logical.count
        return make_origin(self.display, first + 1, first + count if count > 1 else None)

    def fail(self, message: str, origin: Origin, text: str) -> NoReturn:
        raise InputError(message, origin=origin, text=text)

    def parts(self, logical: _LogicalLine) -> _LineParts:
        """``logical`` with its content and comment, and no meaning yet."""
        content, comment = split_comment(logical.text)
        return _LineParts(self.origin(logical), content, comment)

    def bare_line(self, logical: _LogicalLine) -> Line:
        """``logical`` with its content and comment, and no meaning: what a line is before
        its options and requirement are read (and what a bad line stays)."""
        return self.parts(logical).line()

    def parse_line(self, logical: _LogicalLine) -> Line:
        content, comment = split_comment(logical.text)
        first, count = logical.first, logical.count
        origin = make_origin(self.display, first + 1, first + count if count > 1 else None)
        if not content:
            return make_line(origin, content, comment, None, (), None)
        simple = None if self.constraint else _simple_line(content)
        if simple is not None:
            # the commonest line (name==1.2.3, name[extra]~=1.2, perhaps a marker and a
            # comment) read at once: what requirement_line makes of it, without its steps
            name, written_name, specifier, extras, marker = simple
            specifier = self.specifiers.setdefault(specifier, specifier)
            requirement = make_requirement(
                content, name, written_name, specifier, extras, marker, None,
                RequirementKind.NAMED, False, False, (), (), (), origin,
            )  # fmt: skip
            return make_line(origin, content, comment, requirement, (), None)
        line = _LineParts(origin, content, comment)
        args, options_str = break_args_options(content)
        if not options_str:  # a requirement and nothing else
            return self.requirement_line(line, args, [], (), _NO_OPTIONS)
        try:
            parsed = parse_options(options_str)
        except _OptionError as exc:
            self.fail(f"invalid option: {exc}", origin, content)
        options = tuple(
            make_option(name, redact_url(value) if value is not None else None, origin)
            for name, value in parsed.seen
        )
        if parsed.leftover:
            self.collector.warning(
                "ignored-text",
                f"pip ignores {' '.join(parsed.leftover)!r} on this line: a requirement must "
                "come before its options (pip reads this line as options only)",
                origin,
            )
        editables = [value for name, value in parsed.seen if name == "--editable"]
        if args or editables:
            return self.requirement_line(line, args, editables, options, parsed)
        return self.option_line(line.line(), options)

    def requirement_line(
        self,
        line: _LineParts,
        args: str,
        editables: list[str | None],
        options: tuple[Option, ...],
        parsed: _ParsedOptions,
    ) -> Line:
        origin = line.origin
        # pip's ParsedLine: the requirement is the text before the options, else the first
        # -e; any -e on the line makes it editable (so "./pkg -e x" is "-e ./pkg").
        editable = bool(editables)
        text = args or editables[0] or ""
        ignored = _ignored_options(options, editables, args)
        if ignored:
            names = ", ".join(dict.fromkeys(ignored))
            self.collector.warning(
                "ignored-option",
                f"pip ignores {names} on a requirement line; put global options on a line "
                "of their own",
                origin,
            )
        if editable and self.constraint:
            self.fail("editable requirements are not allowed as constraints", origin, line.content)
        simple = None if editable else _simple_requirement(text.strip())
        try:
            if simple is not None:  # the commonest shape, with options (--hash)
                meaning = _Interpretation(
                    simple[0],
                    self.specifiers.setdefault(simple[2], simple[2]),
                    simple[3],
                    None,
                    None,
                    RequirementKind.NAMED,
                )
            elif editable:
                meaning = interpret_editable(text, self.base)
            else:
                meaning = interpret_line_requirement(text, self.base)
        except ValueError as exc:
            self.fail(str(exc), origin, line.content)
        if self.constraint:
            self._check_constraint(meaning, origin)
        hashes, settings = _hashes_and_settings(parsed, editable=editable)
        requirement = make_requirement(
            text,  # text
            meaning.name,  # name
            _written_name(text, meaning.name),  # written_name
            meaning.specifier,  # specifier
            meaning.extras,  # extras
            meaning.marker,  # marker
            _shown_url(meaning),  # url
            meaning.kind,  # kind
            editable,  # editable
            self.constraint,  # constraint
            hashes,  # hashes
            settings,  # config_settings
            _variables(text),  # variables
            origin,  # origin
        )
        return make_line(origin, line.content, line.comment, requirement, options, None)

    def _check_constraint(self, meaning: _Interpretation, origin: Origin) -> None:
        # pip's resolver rejects these when the constraints file is used.
        if meaning.name is None:
            self.collector.warning(
                "constraint-unnamed", "pip rejects unnamed requirements as constraints", origin
            )
        elif meaning.url is not None:
            self.collector.warning(
                "constraint-link", "pip's resolver rejects links as constraints", origin
            )
        if meaning.extras:
            self.collector.warning(
                "constraint-extras", "pip rejects constraints that have extras", origin
            )

    def option_line(self, line: Line, options: tuple[Option, ...]) -> Line:
        origin = line.origin
        includes = [o for o in options if o.name in {"--requirement", "--constraint"}]
        if not includes:
            if any(o.name == "--hash" for o in options):
                self.collector.warning(
                    "ignored-hash", "pip ignores --hash on a line without a requirement", origin
                )
            return dataclasses.replace(line, options=options)
        # pip follows the first -r (else the first -c) and ignores the rest of the line.
        requirement_includes = [o for o in includes if o.name == "--requirement"]
        chosen = (requirement_includes or includes)[0]
        if len(options) > 1:
            self.collector.warning(
                "ignored-option",
                f"pip follows only {chosen.name} {chosen.value} on this line and ignores the "
                "other options on it",
                origin,
            )
        target = chosen.value or ""
        kind = IncludeKind.REQUIREMENT if chosen.name == "--requirement" else IncludeKind.CONSTRAINT
        try:
            # pip expands ${VAR} before it reads the file named; the value is used to read,
            # never written: Include.target keeps the line as written
            expanded = expand_variables(target, os.environ)
            _check_include_url(expanded)
            resolved = _include_path(expanded, self.base)
        except ValueError as exc:  # urlsplit's "Invalid IPv6 URL"; pip fails on it too
            self.fail(f"invalid URL: {exc}", origin, line.content)
        include = Include(kind=kind, target=target, resolved=resolved, origin=origin)
        return dataclasses.replace(line, options=(chosen,), include=include)


def _check_include_url(target: str) -> None:
    """What pip's download of a ``-r``/``-c`` URL refuses before any request: an ``http:`` or
    ``https:`` URL without a host (requests' ``InvalidURL``), and a ``file:`` URL naming
    another host (``url_to_path``)."""
    if not SCHEME_RE.search(target):
        return
    split = urllib.parse.urlsplit(target)
    if split.scheme in {"http", "https"} and not split.hostname:
        raise ValueError(f"Invalid URL {target!r}: No host supplied")
    _check_local_file_url(target)


def _shown_url(meaning: _Interpretation) -> str | None:
    """The URL as shown: credentials redacted, but a local path kept as written (``./a://b@c``
    is a folder, not a URL with a user)."""
    if meaning.url is None or meaning.kind is RequirementKind.PATH:
        return meaning.url
    return redact_url(meaning.url)


def _ignored_options(
    options: tuple[Option, ...], editables: list[str | None], args: str
) -> list[str]:
    """The options pip ignores on a requirement line (and a second ``-e``)."""
    if not options:
        return []
    allowed = (_EDITABLE_OPTIONS | {"--editable"}) if editables else _REQUIREMENT_OPTIONS
    ignored = [o.name for o in options if o.name not in allowed]
    if len(editables) > (0 if args else 1):
        ignored.append("--editable")
    return ignored


def _hashes_and_settings(
    parsed: _ParsedOptions, *, editable: bool
) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The ``--hash`` values (not on an editable line) and ``--config-settings`` pairs."""
    if not parsed.seen:
        return (), ()
    hashes = tuple(
        value for name, value in parsed.seen if name == "--hash" and value and not editable
    )
    settings = tuple(
        (key, val)
        for name, value in parsed.seen
        if name == "--config-settings" and value is not None
        for key, _, val in [value.partition("=")]
    )
    return hashes, settings


def _variables(text: str) -> tuple[str, ...]:
    """The names of the ``${NAME}`` references in ``text``, once each, in order."""
    if "${" not in text:
        return ()
    return tuple(dict.fromkeys(match.group("name") for match in ENV_VAR_RE.finditer(text)))


def _include_path(target: str, base: Path) -> Path | None:
    """The local file a ``-r``/``-c`` target names: a path relative to the including file's
    folder, or a ``file:`` URL of a local path (pip reads those too, ``file:x`` as ``/x``);
    ``None`` for ``http:``/``https:`` and other URLs pip would fetch. Absolute and normalised
    (as pip's ``os.path.abspath``), so ``../shared/x.txt`` is the same file wherever it is
    named."""
    if not SCHEME_RE.search(target):
        return Path(os.path.abspath(base / target))  # noqa: PTH100 - lexical, as pip
    split = urllib.parse.urlsplit(target)
    if split.scheme == "file" and split.netloc in {"", "localhost"}:
        from urllib.request import url2pathname

        # pip's download makes file:x.txt file:///x.txt: a relative path is read from the root
        path = split.path if split.path.startswith("/") else "/" + split.path
        return Path(os.path.abspath(url2pathname(path)))  # noqa: PTH100 - lexical, as pip
    return None


_WRITTEN_NAME_RE = re.compile(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
# Characters that continue a name; "" (the end of the text) is not one.
_NAME_CHARACTERS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")


def _written_name(text: str, name: str | None) -> str | None:
    """The project name as the user spelled it (``Django`` for ``django``): the leading name
    of a PEP 508 line, else the ``#egg=`` fragment; the canonical name otherwise."""
    if name is None:
        return None
    if text.startswith(name) and text[len(name) : len(name) + 1] not in _NAME_CHARACTERS:
        return name  # written in canonical form: share the string
    match = _WRITTEN_NAME_RE.match(text)
    if match and _canonical_name(match.group(1)) == name:
        return match.group(1)
    egg = EGG_FRAGMENT_RE.search(text)
    if egg and canonicalize_name(egg.group(1)) == name:
        return egg.group(1)
    return name


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
    parser: _FileParser, physical: PhysicalLines, bad: list[InputError]
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
    parser = _FileParser(
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


_INDEX_OPTIONS = frozenset(
    {"--index-url", "--extra-index-url", "--find-links", "--no-index", "--trusted-host", "--pre"}
)


def index_options(file: RequirementFile) -> list[Option]:
    """The index options of ``file`` with their values as written: the reader redacts
    credentials in :attr:`Option.value` for display, but the index needs them."""
    found: list[Option] = []
    for line in file.lines:
        if not any(option.name in _INDEX_OPTIONS for option in line.options):
            continue
        _, options_text = break_args_options(line.content)
        for name, value in parse_options(options_text).seen:
            if name in _INDEX_OPTIONS:
                found.append(Option(name=name, value=value, origin=line.origin))
    return found
