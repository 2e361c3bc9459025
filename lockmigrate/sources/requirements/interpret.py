"""Step 4 of pip's reading of a requirements file: what a requirement line means.

pip's ``parse_req_from_line`` (a PEP 508 requirement, a URL, or a local folder or archive)
and ``parse_editable`` (the text after ``-e``), each giving an :class:`Interpretation`:
name, specifier, extras, marker, URL and kind.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import NamedTuple

from packaging.specifiers import SpecifierSet

from lockmigrate.model.requirements import RequirementKind
from lockmigrate.names import canonicalize_name
from lockmigrate.sources._files import is_dir, is_file
from lockmigrate.sources.requirements.links import (
    PROJECT_NAME_RE,
    VCS_NAMES,
    VCS_SCHEMES,
    check_local_file_url,
    egg_fragment,
    extras_suffix,
    is_archive,
    is_url,
    local_path,
    looks_like_path,
    path_to_url,
    pip_extension,
    strip_extras,
    url_filename,
    url_scheme,
)
from lockmigrate.sources.requirements.simple import (
    SIMPLE_REQUIREMENT_RE,
    canonical_name,
    normalized_marker,
    normalized_specifier,
)

__all__ = ["Interpretation", "interpret_editable", "interpret_line_requirement"]

#: ``~=1``: PEP 440 wants two parts at least (a pattern, compiled only for a bad line).
_ONE_PART_COMPATIBLE = r"~=\s*v?[0-9]+\s*(?:[,;]|$)"


class Interpretation(NamedTuple):  # a tuple: made once per line, in the hot path
    name: str | None
    specifier: str
    extras: tuple[str, ...]
    marker: str | None
    url: str | None
    kind: RequirementKind


def _kind_of_url(url: str) -> RequirementKind:
    scheme = url_scheme(url)
    if scheme in VCS_SCHEMES:
        return RequirementKind.VCS
    if scheme == "file":
        return RequirementKind.PATH
    return RequirementKind.URL


def _simple_pep508(text: str, marker: str | None) -> Interpretation | None:
    match = SIMPLE_REQUIREMENT_RE.fullmatch(text)
    if match is None:
        return None
    spec = match.group("spec")
    specifier = normalized_specifier(spec) if spec else ""
    if specifier is None:
        return None  # the full parser gives pip's message
    extras = match.group("extras")
    return Interpretation(
        name=canonical_name(match.group("name")),
        specifier=specifier,
        # as from packaging's set of extras as written, then canonicalised and sorted
        extras=tuple(sorted(canonical_name(e) for e in set(extras.split(",")))) if extras else (),
        marker=marker,
        url=None,
        kind=RequirementKind.NAMED,
    )


def _from_pep508(text: str, marker: str | None) -> Interpretation:
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
        elif re.search(_ONE_PART_COMPATIBLE, text):
            hint = " (~= needs a version of at least two parts: ~=1.0 allows 1.x, ~=1.4.2 1.4.x)"
        elif os.path.sep in text:
            hint = " (it looks like a path, but no such directory or archive exists)"
        # packaging's message is followed by the text and a caret; keep its first line.
        reason = str(exc).splitlines()[0] if str(exc) else "cannot be parsed"
        raise ValueError(f"invalid requirement: {reason}{hint}") from None
    if marker is None and requirement.marker is not None:
        marker = str(requirement.marker)
    url = requirement.url
    if url:
        egg_fragment(url)  # pip makes a Link of the URL, which validates #egg=
        check_local_file_url(url)
    return Interpretation(
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
    egg = egg_fragment(url)
    filename = url_filename(url)
    if pip_extension(filename) == ".whl":
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


def interpret_line_requirement(text: str, base: Path) -> Interpretation:
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
            marker = normalized_marker(marker_text)
    text = text.strip()
    if is_url(text):
        name, specifier = _name_from_link(text)
        if not re.search(r"\.\./", text):  # pip rebuilds such a URL from its path alone
            check_local_file_url(text)
        return Interpretation(
            name=name, specifier=specifier, extras=(), marker=marker, url=text,
            kind=_kind_of_url(text),
        )  # fmt: skip
    bare = extras_suffix(text)
    if not looks_like_path(text) and not is_archive(bare[0].rstrip() if bare else text):
        # neither a folder nor an archive: no disk access
        return _with_path_extras(_from_pep508(text, marker), text, base)
    # pip strips the extras off the normalised absolute path; the written path is kept.
    local, extras = strip_extras(local_path(base, text))
    written, _ = strip_extras(text)
    is_path = False
    # os.path, as pip: a name the system refuses (too long, a NUL) is no folder, not an error
    if looks_like_path(text) and is_dir(local):
        if not any(is_file(Path(local) / name) for name in _PROJECT_FILES):
            raise ValueError(
                f"directory {text!r} is not installable: neither 'setup.py' nor "
                "'pyproject.toml' found"
            )
        is_path = True
    elif is_archive(local):
        before_at = text.split("@", 1)
        is_path = is_file(local) or len(before_at) < 2 or looks_like_path(before_at[0])
    if is_path:
        name, specifier = _name_from_link(path_to_url(local))
        return Interpretation(
            name=name, specifier=specifier, extras=extras, marker=marker, url=written,
            kind=RequirementKind.PATH,
        )  # fmt: skip
    return _with_path_extras(_from_pep508(text, marker), text, base)


def _with_path_extras(meaning: Interpretation, text: str, base: Path) -> Interpretation:
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
    _, extras = strip_extras(local_path(base, text))
    if not extras or extras == meaning.extras:
        return meaning  # none there ([] or no suffix): pip keeps the requirement's own
    return meaning._replace(extras=extras)


def _not_editable(text: str) -> ValueError:
    return ValueError(
        f"{text} is not a valid editable requirement: it should be a path to a local "
        "project or a VCS URL (git+https://..., hg+https://..., svn+..., bzr+...)"
    )


def interpret_editable(text: str, base: Path) -> Interpretation:
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
        egg_fragment(url)
        if url_scheme(url) not in VCS_SCHEMES and not url.startswith("file:"):
            raise _not_editable(text)
        check_local_file_url(url)
        return Interpretation(
            name=canonicalize_name(requirement.name),
            specifier=str(requirement.specifier),
            extras=tuple(sorted(canonicalize_name(e) for e in requirement.extras)),
            marker=str(requirement.marker) if requirement.marker else None,
            url=url,
            kind=_kind_of_url(url),
        )
    url_no_extras, extras = strip_extras(text)
    if is_dir(base / url_no_extras):
        return Interpretation(
            name=None, specifier="", extras=extras, marker=None, url=url_no_extras,
            kind=RequirementKind.PATH,
        )  # fmt: skip
    if url_no_extras.lower().startswith("file:"):
        egg = egg_fragment(url_no_extras)
        if not url_no_extras.startswith("file:"):
            raise _not_editable(text)  # pip's final check is case-sensitive
        check_local_file_url(url_no_extras)
        return Interpretation(
            name=canonicalize_name(egg) if egg else None, specifier="", extras=extras,
            marker=None, url=url_no_extras, kind=RequirementKind.PATH,
        )  # fmt: skip
    url = text
    for vcs in VCS_NAMES:
        if url.lower().startswith(f"{vcs}:"):
            url = f"{vcs}+{url}"
            break
    egg = egg_fragment(url)
    if url_scheme(url) not in VCS_SCHEMES:
        raise _not_editable(text)
    if not egg:
        raise ValueError(
            f"could not detect the requirement name for {text!r}: write it as "
            "'name @ URL' (or add #egg=name)"
        )
    return Interpretation(
        name=canonicalize_name(egg), specifier="", extras=(), marker=None, url=url,
        kind=RequirementKind.VCS,
    )  # fmt: skip
