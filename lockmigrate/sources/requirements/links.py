"""What pip knows of URLs and local paths on a requirements line: its URL schemes (VCS
ones included), archive extensions, ``#egg=`` fragments, ``[extras]`` after a path, and the
targets of ``-r``/``-c``. Lexical only, except where a step says it looks at the disk.
"""

from __future__ import annotations

import os
import posixpath
import re
import urllib.parse
from pathlib import Path

from lockmigrate.names import canonicalize_name

__all__ = [
    "ARCHIVE_EXTENSIONS",
    "ARCHIVE_LAST",
    "EGG_FRAGMENT_RE",
    "EXTRAS_SUFFIX_RE",
    "PROJECT_NAME_RE",
    "SCHEME_RE",
    "URL_SCHEMES",
    "VCS_NAMES",
    "VCS_SCHEMES",
    "check_include_url",
    "check_local_file_url",
    "egg_fragment",
    "extras_suffix",
    "include_path",
    "is_archive",
    "is_url",
    "local_path",
    "looks_like_path",
    "path_to_url",
    "pip_extension",
    "strip_extras",
    "url_filename",
    "url_scheme",
]

SCHEME_RE = re.compile(r"^(http|https|file):", re.IGNORECASE)


EGG_FRAGMENT_RE = re.compile(r"[#&]egg=([^&]*)")
PROJECT_NAME_RE = re.compile(r"^([A-Z0-9]|[A-Z0-9][A-Z0-9._-]*[A-Z0-9])$", re.IGNORECASE)
EXTRAS_SUFFIX_RE = re.compile(r"^(.+)(\[[^\]]+\])$")


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


def is_url(name: str) -> bool:
    """pip's ``is_url``: the text has a scheme pip knows. Like pip, raises ``ValueError``
    for text ``urlsplit`` rejects (``http://[::1/x``)."""
    if ":" not in name:
        return False
    scheme = urllib.parse.urlsplit(name).scheme
    return bool(scheme) and scheme in URL_SCHEMES


def looks_like_path(name: str) -> bool:
    if os.path.sep in name or (os.path.altsep is not None and os.path.altsep in name):
        return True
    return name.startswith(".")


def pip_extension(name: str) -> str:
    """pip's ``splitext(name)[1]``: ``.tar`` joins the extension after it (``.tar.gz``, and
    also ``.tar.whl``), case kept."""
    base, ext = os.path.splitext(name)  # noqa: PTH122 - pip's splitext, on a string
    if base.lower().endswith(".tar"):
        ext = base[-4:] + ext
    return ext


def _archive_extension(name: str) -> str:
    return pip_extension(name).lower()


# The last character of each archive extension, in either case: what an ASCII name must end
# with to be an archive's.
ARCHIVE_LAST = frozenset(
    char for extension in ARCHIVE_EXTENSIONS for char in (extension[-1], extension[-1].upper())
)


def is_archive(name: str) -> bool:
    if not name.lower().endswith(ARCHIVE_EXTENSIONS):
        return False  # the extension pip finds is a suffix of the name: none can match
    return _archive_extension(name) in ARCHIVE_EXTENSIONS


def egg_fragment(url: str) -> str | None:
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


def url_filename(url: str) -> str:
    """pip's ``Link.filename`` (without its fall-back to the host name): the last component
    of the unquoted path."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
    return posixpath.basename(path.rstrip("/"))


def local_path(base: Path, text: str) -> str:
    """``text`` as a path below ``base``, made absolute and normalised without looking at
    the disk (``a/../b`` is ``b`` even if ``a`` is a symlink), as pip's
    ``os.path.normpath(os.path.abspath(...))`` does."""
    return os.path.normpath(os.path.abspath(base / text))  # noqa: PTH100 - lexical, as pip


def path_to_url(path: str) -> str:
    """pip's ``path_to_url`` of an absolute, normalised path."""
    from urllib.request import pathname2url

    return urllib.parse.urljoin("file://", pathname2url(path))


def extras_suffix(text: str) -> tuple[str, str] | None:
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


def strip_extras(text: str) -> tuple[str, tuple[str, ...]]:
    """pip's ``strip_extras``: a trailing ``[extras]`` split off a path, extras canonical;
    ``ValueError`` when they are not valid extras (pip's ``convert_extras`` fails too)."""
    suffix = extras_suffix(text)
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


def url_scheme(url: str) -> str:
    """The lower-cased scheme, as ``urllib.parse.urlsplit`` (and so pip's ``Link``) sees it."""
    return urllib.parse.urlsplit(url).scheme


def check_local_file_url(url: str) -> None:
    """pip reads a ``file:`` URL's path with ``url_to_path``, which refuses a host other than
    ``localhost`` (on every platform but Windows): ``file://server/pkg.tar.gz`` is an error."""
    split = urllib.parse.urlsplit(url)
    if split.scheme == "file" and split.netloc not in {"", "localhost"}:
        raise ValueError(f"non-local file URIs are not supported on this platform: {url!r}")


def check_include_url(target: str) -> None:
    """What pip's download of a ``-r``/``-c`` URL refuses before any request: an ``http:`` or
    ``https:`` URL without a host (requests' ``InvalidURL``), and a ``file:`` URL naming
    another host (``url_to_path``)."""
    if not SCHEME_RE.search(target):
        return
    split = urllib.parse.urlsplit(target)
    if split.scheme in {"http", "https"} and not split.hostname:
        raise ValueError(f"Invalid URL {target!r}: No host supplied")
    check_local_file_url(target)


def include_path(target: str, base: Path) -> Path | None:
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
