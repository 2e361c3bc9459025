"""What a resolver's failure says, for people: its own words without tracebacks, long version
lists shortened, and hints (the Python a release needs, an index that could not be reached)."""

from __future__ import annotations

import re

from lockmigrate.redact import redact_text
from lockmigrate.resolve.options import CompileOptions

__all__ = [
    "distill_error",
    "ignored_for_python",
    "index_hint",
    "needed_python",
    "python_hint",
    "shorten_versions",
]

_EXCEPTION_LINE = re.compile(r"^(?:[A-Za-z_][\w]*\.)+(?P<name>[A-Z]\w*): (?P<message>.*)$")
_CHAIN_LINES = (
    "The above exception was the direct cause of the following exception:",
    "During handling of the above exception, another exception occurred:",
)


def distill_error(output: str) -> str:
    """The resolver's own words without Python tracebacks: pip-compile prints the whole
    chain of pip's exceptions when a resolution fails."""
    kept: list[str] = []
    in_traceback = False
    for line in output.splitlines():
        if line.startswith("Traceback (most recent call last):"):
            in_traceback = True
            continue
        if in_traceback and (line.startswith((" ", "\t")) or not line.strip()):
            continue
        in_traceback = False
        if not line.strip() or line.strip() in _CHAIN_LINES:
            continue
        match = _EXCEPTION_LINE.match(line)
        text = f"{match.group('name')}: {match.group('message')}" if match else line.rstrip()
        if text not in kept:
            kept.append(text)
    errors = [line.strip() for line in kept if line.strip().startswith("ERROR:")]
    if errors:  # pip's own explanation; the exception chain after it only repeats it
        return "\n".join([*errors, kept[-1]] if kept[-1].strip() not in errors else errors)
    return "\n".join(kept) or output.strip()


_NEEDS_PYTHON = re.compile(
    r"(?:depends on Python\s*>=\s*|Requires-Python\s*>=\s*)(?P<version>3\.\d+)", re.IGNORECASE
)


_FROM_VERSIONS = re.compile(
    r"(?:satisfies the requirement (?P<requirement>[^\s(]+)[^\n]*?)?"
    r"\(from versions: (?P<versions>[^)]*)\)"
)
_IGNORED_FOR_PYTHON = re.compile(
    r"(?P<lead>Ignored the following versions that require a different python version: )"
    r"(?P<entries>[^\n]*)"
)
_SHOWN = 4  # versions shown of a long list


def _specifier_of(requirement: str | None) -> str:
    """The version specifier of a requirement as pip prints it (``django~=9.0``)."""
    if not requirement:
        return ""
    from packaging.requirements import InvalidRequirement, Requirement

    try:
        return str(Requirement(requirement).specifier)
    except InvalidRequirement:
        return ""


def shorten_versions(message: str) -> str:
    """pip lists every version it saw (about 400 for Django) and every one it ignored for
    another Python: keep the few nearest the failing range, and the count."""
    from packaging.version import InvalidVersion, Version

    from lockmigrate.specifiers import nearest_versions

    def shorten(match: re.Match[str]) -> str:
        texts = [v.strip() for v in match.group("versions").split(",") if v.strip()]
        if len(texts) <= 2 * _SHOWN:
            return match.group(0)
        versions = []
        for text in texts:
            try:
                versions.append(Version(text))
            except InvalidVersion:
                continue
        specifier = _specifier_of(match.group("requirement"))
        nearest = nearest_versions(versions, specifier, _SHOWN) if specifier else versions[-_SHOWN:]
        lead = match.group(0)[: match.start("versions") - match.start(0)]
        shown = ", ".join(str(version) for version in nearest)
        which = "nearest the range" if specifier else "the newest"
        return f"{lead}{len(texts)} in all; {which}: {shown})"

    def shorten_ignored(match: re.Match[str]) -> str:
        entries = [e.strip() for e in match.group("entries").split(";") if e.strip()]
        if len(entries) <= 2 * _SHOWN:
            return match.group(0)
        needs = sorted({entry.partition(" ")[2] for entry in entries})
        versions = [entry.partition(" ")[0] for entry in entries]
        return (
            f"{match.group('lead')}{', '.join(versions[:2])}, ..., {', '.join(versions[-2:])} "
            f"({len(entries)} versions; {', '.join(needs)})"
        )

    return _IGNORED_FOR_PYTHON.sub(shorten_ignored, _FROM_VERSIONS.sub(shorten, message))


_PIP_UNREACHABLE = re.compile(
    r"HTTP(?P<tls>S?)Connection\(host='(?P<host>[^']+)', port=(?P<port>\d+)\)"
    r"[^\n]*?(?P<why>\[Errno [^\]]+\] [^\"')]+|timed out|Name or service not known)"
    r"[^\n]*?: (?P<path>/\S*?)(?P<project>[^/\s]+)/\s*$",
    re.MULTILINE,
)
# a project page ends with "/" (a file to download does not)
_UV_UNREACHABLE = re.compile(
    r"Failed to fetch: `?(?P<url>https?://\S+/)(?P<project>[^/\s`]+)/(?=[`\s]|$)", re.MULTILINE
)
_UV_CAUSE = re.compile(r"^\s*cause: (?P<why>.+)$", re.MULTILINE)


def index_hint(output: str) -> str:
    """When the resolver's output shows that the package index itself could not be reached
    (pip reports this as "from versions: none"), a hint that says which index and why."""
    match = _PIP_UNREACHABLE.search(output)
    if match is not None:
        scheme = "https" if match.group("tls") else "http"
        url = f"{scheme}://{match.group('host')}:{match.group('port')}{match.group('path')}"
        why = match.group("why").split("] ", 1)[-1]
    else:
        uv = _UV_UNREACHABLE.search(output)
        if uv is None:
            return ""
        url = uv.group("url")
        causes = _UV_CAUSE.findall(output)
        why = causes[-1] if causes else "no answer"
    return (
        f"\nhint: the package index {redact_text(url)} could not be reached ({why.strip()}): "
        "the packages may well exist; check the index URL (--index-url, PIP_INDEX_URL, "
        "pip.conf), the proxy settings and the network"
    )


def ignored_for_python(message: str) -> list[tuple[str, str]]:
    """The releases pip says it ignored because they need another Python, each with what it
    needs: ``[("6.0", "Requires-Python >=3.12"), ...]``."""
    ignored = _IGNORED_FOR_PYTHON.search(message)
    if ignored is None:
        return []
    entries = (entry.strip().partition(" ") for entry in ignored.group("entries").split(";"))
    return [(version, needs.strip()) for version, _, needs in entries if version]


def needed_python(message: str) -> str | None:
    """The newest ``X.Y`` a resolver's message says the allowed releases need, if any.

    pip lists every release it ignored for another Python, whatever the range: when it
    names the requirement it could not satisfy, only the releases that requirement allows
    count (``django~=9.0`` is not helped by Django 6.0 needing Python 3.12)."""
    failing = _FROM_VERSIONS.search(message)
    ignored = _IGNORED_FOR_PYTHON.search(message)
    specifier = _specifier_of(failing.group("requirement")) if failing else ""
    if ignored is not None and specifier:
        from packaging.specifiers import SpecifierSet
        from packaging.version import InvalidVersion, Version

        allowed = SpecifierSet(specifier)
        kept = []
        for version, needs in ignored_for_python(message):
            try:
                if allowed.contains(Version(version), prereleases=True):
                    kept.append(needs)
            except InvalidVersion:
                continue
        message = message.replace(ignored.group(0), "; ".join(kept))
    needed = sorted(
        {match.group("version") for match in _NEEDS_PYTHON.finditer(message)},
        key=lambda v: tuple(int(p) for p in v.split(".")),
    )
    return needed[-1] if needed else None


def python_hint(message: str, options: CompileOptions) -> str:
    """A hint when the resolver failed because every allowed release needs a newer Python
    than the one it resolved for (Django 6 needs 3.12): how to resolve for that one."""
    version = needed_python(message)
    if version is None:
        return ""
    if options.python_version is not None and tuple(
        int(p) for p in options.python_version.split(".")[:2]
    ) >= tuple(int(p) for p in version.split(".")):
        return ""
    return (
        f"\nhint: the ranges need Python >= {version}. Resolve for it with "
        f"--resolver uv --python-version {version}, or --python with a Python {version} "
        "interpreter that has pip-tools installed."
    )
