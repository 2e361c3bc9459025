"""Reading simple-API pages: which files a page lists, and which version each file is of.

The rules are pip's (``pip._internal.index.collector`` and ``package_finder``, as unearth
also implements them): PEP 691 JSON or PEP 503 HTML chosen by ``Content-Type``; a file's
``requires-python`` and PEP 592 yank from its entry; its version from its file name (a wheel
by the wheel-name rules, a source archive as ``<name>-<version>.<ext>``, where the name must
be the project's). Files of other projects (as on a ``--find-links`` page) and names that do
not parse are skipped, as pip skips them.
"""

from __future__ import annotations

import functools
import json
import re
import urllib.parse
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

from packaging.version import InvalidVersion, Version

if TYPE_CHECKING:
    from packaging.utils import NormalizedName

__all__ = [
    "ACCEPT",
    "IndexFile",
    "PageError",
    "canonical_name",
    "parse_page",
    "projects_of",
    "version_of",
    "wheel_tags",
]

#: What pip asks an index for: PEP 691 JSON first, then PEP 503 HTML.
ACCEPT = (
    "application/vnd.pypi.simple.v1+json, "
    "application/vnd.pypi.simple.v1+html; q=0.1, "
    "text/html; q=0.01"
)
# What pip accepts (``_ensure_api_header``): the v1 types and plain HTML, not "latest".
_JSON_TYPES = frozenset({"application/vnd.pypi.simple.v1+json"})
_HTML_TYPES = frozenset({"text/html", "application/vnd.pypi.simple.v1+html"})
#: The source archives pip recognises (``pip._internal.utils.filetypes``).
_SDIST_EXTENSIONS = (
    ".tar.gz", ".tgz", ".tar", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tlz", ".tar.lz",
    ".tar.lzma", ".zip",
)  # fmt: skip


_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_ANCHOR = re.compile(r"""<a(?=[\s/>])((?:"[^"]*"|'[^']*'|[^'">])*)>""", re.IGNORECASE)
_ATTRIBUTE = re.compile(r"""([^\s/>="']+)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>"']+))?""")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")  # urllib.parse's scheme characters
_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))  # urllib.parse's, for lstrip
# packaging.utils' rules for wheel names (PEP 427 escaping) and build tags
_WHEEL_NAME = re.compile(r"[\w._]+")
_BUILD_TAG = re.compile(r"\d", re.ASCII)


def canonical_name(name: str) -> NormalizedName:
    """PEP 503's normal form, as packaging's ``canonicalize_name`` computes it (which
    cannot be imported without ``packaging.tags``, and with it logging, platform and
    subprocess: 10-15 ms before the first request)."""
    value = name.lower().replace("_", "-").replace(".", "-")
    while "--" in value:
        value = value.replace("--", "-")
    return cast("NormalizedName", value)


class PageError(ValueError):
    """A page that is not a simple-API page: another content type, broken JSON, or an API
    version this client does not know."""


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexFile:
    """One file a page lists. ``yanked`` is ``None`` when the file is not yanked, else the
    reason (``""`` when none was given)."""

    filename: str
    requires_python: str | None = None
    yanked: str | None = None
    #: The link as the page writes it (relative to the page, or absolute); ``None`` for a
    #: file of a local folder. Kept out of ``repr``: an index may write credentials into it.
    href: str | None = field(default=None, repr=False)
    #: PEP 658/714: the file's core metadata is served at ``<file URL>.metadata``, with this
    #: SHA-256 (``""`` when offered without one); ``None`` when not offered.
    metadata_sha256: str | None = None
    #: The URL of the page that lists it, without credentials (the index client adds the
    #: index's own to a request on its host, as pip does), when known.
    page: str | None = None
    #: The file's SHA-256 as the page gives it (PEP 691 ``hashes``, a PEP 503 link's
    #: ``#sha256=`` fragment), lower-case hex; ``None`` when the page gives none.
    sha256: str | None = field(default=None, compare=False)

    def url(self) -> str | None:
        """Where the file is: its link resolved against its page's URL, without the hash
        fragment; ``None`` for a file of a local folder."""
        if not self.href:
            return None
        return urllib.parse.urljoin(self.page or "", self.href.split("#", 1)[0]) or None

    def metadata_url(self) -> str | None:
        """Where the index serves this file's core metadata (PEP 658): the file's URL,
        resolved against its page's, plus ``.metadata``; ``None`` when it serves none."""
        if self.metadata_sha256 is None or not self.href or not self.page:
            return None
        return urllib.parse.urljoin(self.page, self.href.split("#", 1)[0]) + ".metadata"


def _media_type(content_type: str) -> tuple[str, str]:
    media, _, parameters = content_type.partition(";")
    charset = "utf-8"
    for parameter in parameters.split(";"):
        key, _, value = parameter.strip().partition("=")
        if key.lower() == "charset" and value:
            charset = value.strip('"')
    return media.strip().lower(), charset


def parse_page(body: bytes, content_type: str, *, page: str | None = None) -> list[IndexFile]:
    """The files listed by a page with this body and ``Content-Type``; ``page`` is its URL
    (kept in each file, for :meth:`IndexFile.metadata_url`)."""
    media, charset = _media_type(content_type)
    if media in _JSON_TYPES:
        return _parse_json(body, page)
    if media in _HTML_TYPES:
        try:
            text = body.decode(charset, errors="replace")
        except (LookupError, ValueError):  # an unknown charset, or one such as idna
            text = body.decode("utf-8", errors="replace")
        return _parse_html(text, page)
    raise PageError(f"not a simple-API page (Content-Type: {content_type or 'none'})")


def _parse_json(body: bytes, page: str | None = None) -> list[IndexFile]:
    try:
        data = json.loads(body)
    except ValueError as error:
        raise PageError(f"not a simple-API JSON page ({error})") from None
    if not isinstance(data, dict):
        raise PageError("not a simple-API JSON page (not an object)")
    meta = data.get("meta")
    version = meta.get("api-version") if isinstance(meta, dict) else None
    if isinstance(version, str) and version.split(".")[0] not in {"1"}:
        raise PageError(f"simple-API version {version} is not supported (1.x is)")
    files = data.get("files")
    found: list[IndexFile] = []
    for entry in files if isinstance(files, list) else ():
        if not isinstance(entry, dict):
            continue
        filename = entry.get("filename")
        if not isinstance(filename, str) or not filename:
            url = entry.get("url")
            if not isinstance(url, str):
                continue
            filename = _filename_of(url)
        requires_python = entry.get("requires-python")
        yanked = entry.get("yanked")
        url = entry.get("url")
        found.append(
            IndexFile(
                filename=filename,
                requires_python=requires_python if isinstance(requires_python, str) else None,
                yanked=(yanked if isinstance(yanked, str) else "") if yanked else None,
                href=url if isinstance(url, str) else None,
                metadata_sha256=_json_metadata(
                    entry.get("core-metadata", entry.get("dist-info-metadata"))
                ),
                page=page,
                sha256=_json_sha256(entry.get("hashes")),
            )
        )
    return found


def _parse_html(text: str, page: str | None = None) -> list[IndexFile]:
    """The anchors of a PEP 503 page. A scan with regular expressions rather than
    ``html.parser`` (which pip uses): PyPI's numpy page has 4,400 anchors in 1.6 MB, and
    ``html.parser`` spends 0.17 s on it against 0.02 s here. Comments are removed first and
    quoted attribute values may hold ``>``, as ``html.parser`` reads them; the tests compare
    the two on real pages."""
    from html import unescape

    found: list[IndexFile] = []
    for tag in _ANCHOR.finditer(_COMMENT.sub("", text)):
        attributes: dict[str, str | None] = {}
        for name, value in _ATTRIBUTE.findall(tag.group(1)):
            quoted = value[:1] in {'"', "'"}
            # the last of a repeated attribute wins, as in pip's dict(attrs)
            text = value[1:-1] if quoted else value
            attributes[name.lower()] = (unescape(text) if "&" in text else text) if value else None
        href = attributes.get("href")
        if not href:
            continue
        metadata = attributes.get("data-core-metadata", attributes.get("data-dist-info-metadata"))
        found.append(
            IndexFile(
                filename=_filename_of(href),
                requires_python=attributes.get("data-requires-python") or None,
                # as pip reads it: a data-yanked without a value is None, so not yanked
                yanked=attributes.get("data-yanked"),
                href=href,
                metadata_sha256=_html_metadata(metadata) if metadata is not None else None,
                page=page,
                sha256=_fragment_sha256(href),
            )
        )
    return found


def _json_sha256(hashes: object) -> str | None:
    digest = hashes.get("sha256") if isinstance(hashes, dict) else None
    return digest.lower() if isinstance(digest, str) and digest else None


def _fragment_sha256(href: str) -> str | None:
    """The ``sha256=<hex>`` fragment of a PEP 503 link, if it has one."""
    name, sep, digest = href.partition("#")[2].partition("=")
    return digest.lower() if sep and name.lower() == "sha256" and digest else None


def _json_metadata(value: object) -> str | None:
    """PEP 714's ``core-metadata`` (PEP 658's ``dist-info-metadata``) of a JSON entry: a
    dict of hashes, or ``true``; ``None`` when the metadata is not served."""
    if isinstance(value, dict):
        digest = value.get("sha256")
        return digest.lower() if isinstance(digest, str) else ""
    return "" if value is True else None


def _html_metadata(value: str) -> str | None:
    """``data-core-metadata``: ``true``, or ``<hashname>=<hex>`` (pip reads any other value
    as no metadata)."""
    name, sep, digest = value.partition("=")
    if sep:
        return digest.lower() if name.strip().lower() == "sha256" else ""
    return "" if value.strip().lower() == "true" else None


def _filename_of(url: str) -> str:
    """The last path segment of a (relative or absolute) URL, percent-decoded: what pip's
    ``Link.filename`` is for a file link, without ``urlsplit``'s cost per anchor (whose
    clean-up it repeats: leading controls and spaces, and tabs and newlines anywhere, go)."""
    if url[:1] <= " " or "\t" in url or "\n" in url or "\r" in url:
        url = url.lstrip(_C0_OR_SPACE).replace("\t", "").replace("\n", "").replace("\r", "")
    path = url.split("#", 1)[0].split("?", 1)[0]
    scheme = _SCHEME.match(path)
    if scheme is not None:
        path = path[scheme.end() :]
    if path.startswith("//"):
        path = path[2:].partition("/")[2]  # drop the host
    name = path.rsplit("/", 1)[-1]
    return urllib.parse.unquote(name) if "%" in name else name


@functools.lru_cache(maxsize=8192)
def _version(text: str) -> Version | None:
    """A version from a file name (the wheels of one release share it, dozens of times)."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _sdist_stem(filename: str) -> str | None:
    lower = filename.lower()
    for extension in _SDIST_EXTENSIONS:
        if lower.endswith(extension):
            return filename[: -len(extension)]
    return None


def _wheel(filename: str) -> tuple[NormalizedName, Version] | None:
    """Name and version of a wheel by packaging's ``parse_wheel_filename`` rules, without
    parsing its tags (a page lists hundreds of wheels; the tags are not needed here)."""
    stem = filename[: -len(".whl")]
    dashes = stem.count("-")
    if dashes not in {4, 5}:
        return None
    parts = stem.split("-", dashes - 2)
    if "__" in parts[0] or _WHEEL_NAME.fullmatch(parts[0]) is None:
        return None
    if dashes == 5 and _BUILD_TAG.match(parts[2]) is None:
        return None
    version = _version(parts[1])
    return None if version is None else (canonical_name(parts[0]), version)


def projects_of(filename: str) -> tuple[NormalizedName, ...]:
    """The projects a wheel or source archive may belong to: a wheel names one; a source
    archive ``a-b-1.0.tar.gz`` may be project ``a`` (version ``b-1.0``) or ``a-b`` (version
    ``1.0``), which only the project asked for decides, as in pip."""
    if filename.endswith(".whl"):
        wheel = _wheel(filename)
        return (wheel[0],) if wheel is not None else ()
    stem = _sdist_stem(filename)
    if stem is None:
        return ()
    dashes = [index for index, char in enumerate(stem) if char == "-"]
    return tuple(dict.fromkeys(canonical_name(stem[:index]) for index in dashes if index))


def version_of(filename: str, project: NormalizedName) -> Version | None:
    """The version of ``project`` that ``filename`` holds, or ``None`` when it is not a
    file of that project or its name does not parse. A source archive's version starts
    after the first ``-`` whose prefix is the project's name (pip's
    ``_extract_version_from_fragment``)."""
    if filename.endswith(".whl"):
        wheel = _wheel(filename)
        return wheel[1] if wheel is not None and wheel[0] == project else None
    stem = _sdist_stem(filename)
    if stem is None:
        return None
    for index, char in enumerate(stem):
        if char == "-" and canonical_name(stem[:index]) == project:
            return _version(stem[index + 1 :])
    return None


def wheel_tags(filename: str) -> str | None:
    """A wheel's tag set as its name writes it (``cp311-cp311-manylinux_2_17_x86_64``, which
    ``packaging.tags.parse_tag`` reads), ``""`` for a source archive (it builds anywhere), or
    ``None`` for a name that is neither. Asked only of the few versions whose installability
    decides something, so a page of 4,000 wheels costs nothing until then."""
    if filename.endswith(".whl"):
        stem = filename[: -len(".whl")]
        return "-".join(stem.rsplit("-", 3)[-3:]) if stem.count("-") in {4, 5} else None
    return "" if _sdist_stem(filename) is not None else None
