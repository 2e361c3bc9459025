"""How the files ``--with`` writes install lockmigrate itself: the pre-commit hook's
``additional_dependencies`` and the CI workflow's ``pip install``.

They must install what the user ran. A release is on the package index, so its release line
is required (``lockmigrate~=1.4.2``: patch releases of 1.4, whose checks are the ones the user
ran). A development build (``0.2.0.dev3``) is on no index: one installed from a public git
repository is required at its commit; any other (an editable checkout, a wheel built
locally) gets the release line it leads to, with a warning that says what to pass instead
(``--lockmigrate-requirement``, which always wins).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.version import InvalidVersion, Version

from lockmigrate.errors import UsageError
from lockmigrate.redact import contains_credentials

__all__ = ["SelfRequirement", "installed_self", "self_requirement"]

_EXAMPLE = "'lockmigrate @ git+https://github.com/OWNER/lockmigrate@COMMIT'"


@dataclass(frozen=True, slots=True, kw_only=True)
class SelfRequirement:
    """The requirement that installs lockmigrate in generated files, and why it is that."""

    requirement: str  # a PEP 508 requirement: lockmigrate~=1.4.2, lockmigrate @ git+...
    why: str  # for the comment in the generated file ("the release line of 1.4.2")
    warning: str | None = None  # set when it cannot install the build that ran


def _release_line(version: Version) -> str:
    """``~=X.Y.Z`` of ``version``'s release (``.postN`` and pre-release kept): the patch
    releases of its minor version."""
    release = (*version.release, 0, 0)[:3] if len(version.release) < 3 else version.release
    text = ".".join(str(part) for part in release)
    if version.pre is not None:
        text += f"{version.pre[0]}{version.pre[1]}"
    if version.post is not None:
        text += f".post{version.post}"
    return f"lockmigrate~={text}"


def _vcs_requirement(direct_url: dict[str, Any] | None) -> str | None:
    """``lockmigrate @ git+URL@COMMIT`` when this copy was installed from a git repository
    that CI can reach too (not a local folder, no credentials in its URL), else ``None``."""
    if not direct_url:
        return None
    url = direct_url.get("url")
    vcs = direct_url.get("vcs_info")
    if not isinstance(url, str) or not isinstance(vcs, dict):
        return None
    commit, kind = vcs.get("commit_id"), vcs.get("vcs")
    if not isinstance(commit, str) or not isinstance(kind, str) or not commit:
        return None
    if not url.startswith(("https://", "ssh://", "git://")) or contains_credentials(url):
        return None
    return f"lockmigrate @ {kind}+{url}@{commit}"


def self_requirement(
    version: str, *, direct_url: dict[str, Any] | None = None, given: str | None = None
) -> SelfRequirement:
    """The requirement for lockmigrate ``version`` (``direct_url``: the PEP 610 record of how
    it was installed), or ``given`` (``--lockmigrate-requirement``) when set.

    Raises :class:`UsageError` when ``given`` is not a PEP 508 requirement."""
    if given is not None:
        try:
            Requirement(given)
        except InvalidRequirement as error:
            raise UsageError(
                f"--lockmigrate-requirement: {given!r} is not a requirement "
                f"({str(error).splitlines()[0]}); "
                f"write one as pip reads it, such as lockmigrate~=1.4 or {_EXAMPLE}"
            ) from None
        return SelfRequirement(requirement=given, why="as --lockmigrate-requirement says")
    try:
        parsed = Version(version)
    except InvalidVersion:
        parsed = Version("0")
    vcs = _vcs_requirement(direct_url)
    if (parsed.is_devrelease or parsed.local is not None) and vcs is not None:
        return SelfRequirement(
            requirement=vcs, why=f"the commit lockmigrate {version} was installed from"
        )
    line = _release_line(parsed)
    if parsed.is_devrelease:
        return SelfRequirement(
            requirement=line,
            why=f"the release line that {version} leads to",
            warning=(
                f"lockmigrate {version} is a development build, which no package index has: "
                f"the files install {line}, which fails until that release exists. To "
                f"install this build in CI, pass --lockmigrate-requirement {_EXAMPLE} (a "
                "commit or URL your CI can reach), or a released version"
            ),
        )
    if parsed.local is not None:
        return SelfRequirement(
            requirement=line,
            why=f"the release line of {parsed.public}",
            warning=(
                f"lockmigrate {version} is a local build: the files install {line} from the "
                f"package index, not this build; pass --lockmigrate-requirement {_EXAMPLE} "
                "to install this one"
            ),
        )
    return SelfRequirement(requirement=line, why=f"the release line of {version}")


def installed_self(given: str | None = None) -> SelfRequirement:
    """:func:`self_requirement` for the lockmigrate that is running, as it was installed."""
    from importlib import metadata

    from lockmigrate import __version__

    direct_url: dict[str, Any] | None = None
    try:
        text = metadata.distribution("lockmigrate").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        text = None
    if text:
        try:
            loaded = json.loads(text)
        except ValueError:
            loaded = None
        direct_url = loaded if isinstance(loaded, dict) else None
    return self_requirement(__version__, direct_url=direct_url, given=given)
