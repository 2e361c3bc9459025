"""The reader against pip 26.3 itself: same requirements, same options, same rejections.

Every file is parsed twice, by ``tests/oracle/pip_oracle.py`` (pip's own
``parse_requirements`` + ``install_req_from_parsed_requirement``, in a subprocess) and by
``lockmigrate.sources.includes.load_graph``, and the results are compared field by field:
the files opened (includes inlined, in pip's order), every requirement (file, line,
constraint, editable, name, specifier, marker, extras, URL, hashes, config settings), the
options of every option line, and whether the file is rejected, and where.

Two sets of files: every file of the shared real-world corpus (``../shared/corpus``, skipped
when absent), copied into a temporary folder with an empty stub for each file it includes;
and hand-written cases for the constructs where readers usually go wrong.

Representation, not meaning, is normalised before comparing: lockmigrate keeps local paths
as written (it writes them back) where pip turns them into ``file://`` URLs, redacts
credentials, and canonicalises extras. Differences that are deliberate are written out as
expectations in ``DELIBERATE`` below, each with its reason.
"""

from __future__ import annotations

import os
import re
import shutil
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from oracle.runner import run_oracle
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.requirements import DeclaredRequirement, IncludeKind, Option, RequirementKind
from lockmigrate.redact import redact_text
from lockmigrate.sources.includes import IncludeGraph, load_graph

REPO = Path(__file__).parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
CORPUS_FILES = (
    sorted(p.name for p in CORPUS.iterdir() if p.suffix in {".txt", ".in"})
    if CORPUS.is_dir()
    else []
)

#: pip falls back to the locale's encoding for files that are not UTF-8; the oracle pins that
#: encoding to latin-1 (which decodes anything) so that the outcome does not depend on the
#: machine running the tests, and the deliberate difference below is always exercised.
ORACLE_LOCALE_ENCODING = "latin-1"
LOCALE_FALLBACK_WARNING = "falling back to encoding from locale"


# --- running both parsers --------------------------------------------------------------


def oracle_job(root: Path, *, sandbox: Path | None = None) -> dict[str, Any]:
    return {
        "root": str(root),
        "constraint": False,
        "locale_encoding": ORACLE_LOCALE_ENCODING,
        "sandbox": str(sandbox) if sandbox is not None else None,
    }


def _real(path: str | Path) -> str:
    return os.path.realpath(path)


def _absolute(path: str | Path) -> Path:
    """Absolute without resolving symlinks or ``..`` on the disk, as pip's ``abspath``."""
    return Path(os.path.abspath(path))  # noqa: PTH100 - lexical, as pip and the reader


def _path_to_url(path: str) -> str:
    """pip's ``path_to_url``."""
    absolute = os.path.normpath(_absolute(path))
    return urllib.parse.urljoin("file://", urllib.request.pathname2url(absolute))


_SCHEME_RE = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


def canonical_url(url: str | None) -> str | None:
    """A URL both sides spell alike: absolute ``file://`` URLs through the real path (the
    temporary folder may sit behind a symlink), credentials redacted as lockmigrate does."""
    if url is None:
        return None
    try:
        split = urllib.parse.urlsplit(url)
    except ValueError:
        return redact_text(url)
    if (
        split.scheme == "file"
        and split.netloc in {"", "localhost"}
        and split.path.startswith("/")
        and not (split.query or split.fragment)
    ):
        return _path_to_url(_real(urllib.request.url2pathname(split.path)))
    return redact_text(url)


def lockmigrate_url(requirement: DeclaredRequirement, base: Path) -> str | None:
    """lockmigrate's URL in pip's spelling. lockmigrate keeps a local path as written (it
    writes it back) and resolves it against the file's folder; pip makes an absolute
    ``file://`` URL of it, resolved against the current directory, which the oracle sets to
    the file's folder."""
    url = requirement.url
    if url is None:
        return None
    # a path may look like a scheme ("s:.tgz" is an archive in this folder); file: is a URL
    if requirement.kind is RequirementKind.PATH and not url.lower().startswith("file:"):
        return canonical_url(_path_to_url(str(base / url)))
    bare = requirement.text.lower().startswith("file:")
    if not requirement.editable and bare and url.startswith("file:") and re.search(r"\.\./", url):
        # pip rewrites relative file: URLs of bare URL lines (not name @ URL) to absolute ones.
        local = urllib.parse.unquote(urllib.parse.urlsplit(url).path)
        return canonical_url(_path_to_url(str(base / local)))
    return canonical_url(url)


def _config_settings(pairs: tuple[tuple[str, str], ...]) -> dict[str, Any] | None:
    """lockmigrate's (key, value) pairs in pip's shape: a repeated key becomes a list."""
    settings: dict[str, Any] = {}
    for key, value in pairs:
        if key not in settings:
            settings[key] = value
        elif isinstance(settings[key], list):
            settings[key].append(value)
        else:
            settings[key] = [settings[key], value]
    return settings or None


def _mutual_excludes(value: str, target: set[str], other: set[str]) -> None:
    """pip's ``FormatControl.handle_mutual_excludes`` (also ``ReleaseControl``'s)."""
    new = value.split(",")
    while ":all:" in new:
        other.clear()
        target.clear()
        target.add(":all:")
        del new[: new.index(":all:") + 1]
        if ":none:" not in new:
            return
    for name in new:
        if name == ":none:":
            target.clear()
            continue
        canonical = canonicalize_name(name)
        other.discard(canonical)
        target.add(canonical)


_LIST_OPTIONS = {
    "--extra-index-url": "extra_index_urls",
    "--find-links": "find_links",
    "--trusted-host": "trusted_hosts",
    "--use-feature": "features_enabled",
    "--hash": "hashes",
}
_FLAG_OPTIONS = {
    "--no-index": "no_index",
    "--pre": "pre",
    "--prefer-binary": "prefer_binary",
    "--require-hashes": "require_hashes",
    "--no-require-hashes": "no_require_hashes",
}
_SET_OPTIONS = {
    "--no-binary": ("no_binary", "only_binary"),
    "--only-binary": ("only_binary", "no_binary"),
    "--all-releases": ("all_releases", "only_final"),
    "--only-final": ("only_final", "all_releases"),
}


def option_values(options: tuple[Option, ...]) -> dict[str, Any]:
    """What pip's line parser makes of one option line, from lockmigrate's options."""
    values: dict[str, Any] = {"index_url": None}
    values.update({dest: [] for dest in _LIST_OPTIONS.values()})
    values.update(dict.fromkeys(_FLAG_OPTIONS.values(), False))
    sets: dict[str, set[str]] = {dest: set() for pair in _SET_OPTIONS.values() for dest in pair}
    for option in options:
        if option.name == "--index-url":
            values["index_url"] = option.value
        elif option.name in _LIST_OPTIONS:
            values[_LIST_OPTIONS[option.name]].append(option.value)
        elif option.name in _FLAG_OPTIONS:
            values[_FLAG_OPTIONS[option.name]] = True
        elif option.name == "--config-settings":
            continue  # pip ignores it on a line without a requirement
        elif option.name in _SET_OPTIONS:
            target, other = _SET_OPTIONS[option.name]
            assert option.value is not None
            _mutual_excludes(option.value, sets[target], sets[other])
        else:
            raise AssertionError(f"unexpected option on an option line: {option}")
    values.update({dest: sorted(members) for dest, members in sets.items()})
    values["hashes"] = sorted(values["hashes"])  # pip groups them by algorithm
    return values


def pip_option_values(line: dict[str, Any]) -> dict[str, Any]:
    values = {k: v for k, v in line.items() if k not in {"file", "line"}}
    values["hashes"] = sorted(values["hashes"])
    for key, value in values.items():
        if isinstance(value, str):
            values[key] = redact_text(value)
        elif isinstance(value, list):
            values[key] = [redact_text(v) for v in value]
    return values


def _is_default(values: dict[str, Any]) -> bool:
    return not any(values.values())


@dataclass
class View:
    """One parser's reading of a file tree, in comparable form."""

    files: list[tuple[str, bool]] = field(default_factory=list)
    requirements: list[dict[str, Any]] = field(default_factory=list)
    option_lines: list[tuple[str, int, dict[str, Any]]] = field(default_factory=list)
    error: InputError | None = None


def pip_view(result: dict[str, Any]) -> View:
    view = View()
    view.files = [(_real(path), constraint) for path, constraint in result["files"]]
    for req in result["requirements"]:
        view.requirements.append(
            {
                **req,
                "file": _real(req["file"]),
                "extras": sorted(canonicalize_name(e) for e in req["extras"]),
                "url": canonical_url(req["url"]),
                "hashes": sorted(req["hashes"]),
            }
        )
    for line in result["option_lines"]:
        values = pip_option_values(line)
        if not _is_default(values):
            view.option_lines.append((_real(line["file"]), line["line"], values))
    return view


def lockmigrate_view(root: Path) -> View:
    view = View()
    try:
        graph = load_graph([root], collector=Collector(), display=str)
    except InputError as exc:
        view.error = exc
        return view
    _visit(graph, _absolute(root), False, view)
    for file, req in graph.walk(_absolute(root)):
        view.requirements.append(
            {
                "file": _real(file.path),
                "line": req.origin.line,
                "constraint": req.constraint,
                "editable": req.editable,
                "name": req.name,
                "specifier": req.specifier,
                "marker": req.marker,
                "extras": list(req.extras),
                "url": lockmigrate_url(req, file.path.parent),
                "hashes": sorted(req.hashes),
                "config_settings": _config_settings(req.config_settings),
            }
        )
    return view


def _visit(graph: IncludeGraph, path: Path, constraint: bool, view: View) -> None:
    """Files and option lines in pip's order (requirements come from ``graph.walk``)."""
    view.files.append((_real(path), constraint))
    file = graph.get(path, constraint)
    for line in file.lines:
        if line.requirement is not None:
            continue
        if line.include is not None:
            if line.include.resolved is not None:
                nested = line.include.kind is IncludeKind.CONSTRAINT
                _visit(graph, _absolute(line.include.resolved), nested, view)
            continue
        values = option_values(line.options)
        if not _is_default(values):
            view.option_lines.append((_real(file.path), line.origin.line, values))


# --- comparing -------------------------------------------------------------------------


def _origin_of(error: InputError) -> tuple[str, int] | None:
    if error.origin is None:
        return None
    return _real(error.origin.path), error.origin.line


def compare(result: dict[str, Any], root: Path) -> list[str]:
    """Every difference between pip's and lockmigrate's reading of ``root``; [] if none."""
    ours = lockmigrate_view(root)
    pip_error = result["error"]
    if pip_error is not None:
        return _compare_rejection(pip_error, ours)
    if ours.error is not None:
        return [f"pip accepts the file; lockmigrate rejects it: {ours.error}"]
    theirs = pip_view(result)
    problems: list[str] = []
    if ours.files != theirs.files:
        problems.append(f"files read: pip {theirs.files}, lockmigrate {ours.files}")
    if len(ours.requirements) != len(theirs.requirements):
        problems.append(
            f"{len(theirs.requirements)} requirements from pip, {len(ours.requirements)} "
            "from lockmigrate"
        )
    for pip_req, our_req in zip(theirs.requirements, ours.requirements, strict=False):
        for key, expected in pip_req.items():
            if our_req[key] != expected:
                problems.append(
                    f"line {pip_req['line']}: {key}: pip {expected!r}, lockmigrate {our_req[key]!r}"
                )
    problems.extend(_compare_option_lines(theirs.option_lines, ours.option_lines))
    return problems


def _compare_option_lines(
    theirs: list[tuple[str, int, dict[str, Any]]], ours: list[tuple[str, int, dict[str, Any]]]
) -> list[str]:
    if [where[:2] for where in theirs] != [where[:2] for where in ours]:
        return [f"option lines: pip {[w[:2] for w in theirs]}, lockmigrate {[w[:2] for w in ours]}"]
    problems = []
    for (file, line, pip_values), (_, _, our_values) in zip(theirs, ours, strict=True):
        for key, expected in pip_values.items():
            if our_values[key] != expected:
                problems.append(
                    f"{Path(file).name}:{line}: {key}: pip {expected!r}, "
                    f"lockmigrate {our_values[key]!r}"
                )
    return problems


def _compare_rejection(pip_error: dict[str, Any], ours: View) -> list[str]:
    pip_said = f"{pip_error['type']}: {pip_error['message']}"
    if ours.error is None:
        return [f"pip rejects the file ({pip_said}); lockmigrate accepts it"]
    where = _origin_of(ours.error)
    if pip_error["line"] is None:
        # pip could not open or decode the root file itself; there may be no line to show.
        return []
    if where is None:
        return [f"lockmigrate's error has no file:line: {ours.error}"]
    expected = (_real(pip_error["file"]), pip_error["line"])
    if pip_error["phase"] == "open" and where[0] != expected[0]:
        # pip failed to open or decode an included file: lockmigrate may report the
        # including -r/-c line (pip's location) or the place in the included file.
        return []
    if where != expected:
        return [f"pip rejects {expected[0]}:{expected[1]} ({pip_said}); lockmigrate at {where}"]
    return []


# --- deliberate differences ------------------------------------------------------------


def _refuses_undecodable(result: dict[str, Any], root: Path) -> list[str]:
    """pip decodes a non-UTF-8 file with the locale's encoding (and logs a warning); the
    result would depend on the machine's locale, so lockmigrate refuses the file and asks
    for a ``coding:`` declaration. Expected: pip accepts with that warning, lockmigrate
    rejects it at the line holding the first undecodable byte."""
    assert result["error"] is None, result["error"]
    assert any(LOCALE_FALLBACK_WARNING in w for w in result["warnings"]), result["warnings"]
    ours = lockmigrate_view(root)
    if ours.error is None or "cannot decode byte" not in str(ours.error):
        return [f"expected lockmigrate to refuse the undecodable file, got {ours.error}"]
    return []


def _paths_relative_to_the_file(result: dict[str, Any], root: Path) -> list[str]:
    """pip looks up a local path written in ``sub/dev.txt`` in the current directory (here
    the root file's folder, where ``../pkg`` does not exist, so pip rejects the line);
    lockmigrate looks it up in ``sub/``, so the answer does not depend on where it runs.
    Expected: lockmigrate reads ``../pkg`` as ``<root folder>/pkg``."""
    assert result["error"] is not None
    assert "not a valid editable requirement" in result["error"]["message"]
    ours = lockmigrate_view(root)
    expected_url = _path_to_url(_real(root.parent / "pkg"))
    if ours.error is not None or [r["url"] for r in ours.requirements] != [expected_url]:
        return [f"expected one editable at {expected_url}, got {ours}"]
    return []


Check = Callable[[dict[str, Any], Path], list[str]]


def _expected(result: dict[str, Any], root: Path) -> list[str]:
    if any(LOCALE_FALLBACK_WARNING in w for w in result["warnings"]):
        return _refuses_undecodable(result, root)
    return compare(result, root)


# --- the shared corpus -----------------------------------------------------------------


@pytest.fixture(scope="module")
def corpus_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    """Each corpus file copied to ``<tmp>/<name>/a/b/`` (so ``../`` includes stay inside
    the sandbox), its includes stubbed by the oracle, and pip's reading of it."""
    if not CORPUS_FILES:
        pytest.skip(f"shared corpus not found at {CORPUS}")
    roots: list[Path] = []
    jobs: list[dict[str, Any]] = []
    for name in CORPUS_FILES:
        sandbox = tmp_path_factory.mktemp("corpus")
        root = sandbox / "a" / "b" / name
        root.parent.mkdir(parents=True)
        shutil.copyfile(CORPUS / name, root)
        roots.append(root)
        jobs.append(oracle_job(root, sandbox=sandbox))
    results = run_oracle(jobs)
    return {
        name: (root, result)
        for name, root, result in zip(CORPUS_FILES, roots, results, strict=True)
    }


@pytest.mark.parametrize("name", CORPUS_FILES or ["<no corpus>"])
def test_corpus_file_reads_as_pip_reads_it(
    name: str, corpus_results: dict[str, tuple[Path, Any]]
) -> None:
    root, result = corpus_results[name]
    assert _expected(result, root) == []


def test_corpus_holds_the_two_files_pip_rejects(
    corpus_results: dict[str, tuple[Path, Any]],
) -> None:
    """The corpus README promises two files pip 26 rejects; both must be rejected by
    lockmigrate too (checked, with file:line, by the parametrized test above)."""
    rejected = sorted(name for name, (_, result) in corpus_results.items() if result["error"])
    assert len(rejected) >= 2, rejected


# --- hand-written cases ----------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """A file tree: ``files`` maps a relative path to its content (``str`` is written as
    UTF-8, ``None`` makes an empty folder); ``root`` is the file both parsers are given;
    ``rejects`` is whether pip rejects it (asserted, so that a case cannot go vacuous)."""

    id: str
    files: dict[str, str | bytes | None]
    rejects: bool
    check: Check = _expected
    root: str = "requirements.txt"


def _req(content: str | bytes) -> dict[str, str | bytes | None]:
    """A tree of one file, ``requirements.txt``."""
    return {"requirements.txt": content}


SHA, SHA_B, SHA512 = "sha256:" + "a" * 64, "sha256:" + "b" * 64, "sha512:" + "c" * 128
WHEEL = "Foo_Bar-1.0-py3-none-any.whl"
ACCEPTED, REJECTED = False, True

# fmt: off
CASES: list[Case] = [
    # Continuations, comments and the options/requirement split.
    Case("continuations", _req(
        "requests\\\n  >=2.31 \\\n ; python_version >= '3.8'\nnumpy \\\n==1.26.4\nlast\\"),
        ACCEPTED),
    Case("backslash-then-space", _req("numpy \\ \n>=1\n"), REJECTED),
    Case("backslash-then-tab", _req("numpy>=1 \\\t\npandas\n"), REJECTED),
    Case("comment-then-backslash", _req(
        "# a comment \\\nnumpy\npandas # trailing \\\nscipy\nflask\n"), ACCEPTED),
    Case("comment-line-ends-continuation", _req("numpy \\\n# comment\npandas\n"), ACCEPTED),
    Case("comments-and-blank-lines", _req("\n   \n# c\n\t# tab\nnumpy # c\nurl#frag\n"),
         REJECTED),
    Case("options-before-requirement", _req(
        f"--hash={SHA} numpy\n--pre pandas\n-i https://x/simple flask\n"), ACCEPTED),
    Case("requirement-line-options", _req(
        f"numpy==1.26.4 --hash={SHA} --hash {SHA_B} --hash={SHA512} -i https://x/s --pre\n"
        "pkg -C key=one --config-settings key=two -C other=x\n"), ACCEPTED),
    Case("hash-on-its-own-line", _req(f"numpy==1.26.4\n--hash={SHA}\n"), ACCEPTED),
    Case("hash-continued-from-requirement", _req(
        f"numpy==1.26.4 \\\n    --hash={SHA} \\\n    --hash={SHA_B}\n"), ACCEPTED),
    Case("bad-hash-algorithm", _req("numpy --hash=md5:abc\n"), REJECTED),
    Case("hash-without-colon", _req("numpy --hash=abc\n"), REJECTED),
    # Option spelling: abbreviations, glued short options, bad values.
    Case("abbreviations", _req(
        "--extra-index https://extra/simple\n--index=https://main/simple\n--find ./wheels\n"
        "--trusted example.com\n--no-ind\n--pref\n--use-f fast-deps\n--require-h\n--no-req\n"
        "pkg --config k=v\n--only-b :all:\n--all-rel foo\n"), ACCEPTED),
    Case("ambiguous-abbreviation", _req("numpy\n--no foo\n"), REJECTED),
    Case("short-options-glued", {
        "requirements.txt": "-rbase.txt\n-cconstraints.txt\n-fhttps://links/\n-ihttps://i/s\n",
        "base.txt": "numpy\n", "constraints.txt": "numpy<2\n"}, ACCEPTED),
    Case("global-options", _req(
        "--no-binary :all: --only-binary foo,Bar_Baz\n--only-binary=:none:\n"
        "--no-binary a,:all:,:none:,b\n--prefer-binary\n--require-hashes\n"
        "--no-require-hashes\n-f ./wheels\n--trusted-host h:8080\n"
        "--use-feature fast-deps --use-feature=truststore\n"
        "--all-releases foo --only-final :all:\n--pre\n--no-index\n-- leftover\n"), ACCEPTED),
    Case("release-control-missing-argument", _req("--all-releases -x\n"), REJECTED),
    Case("format-control-missing-argument", _req("--no-binary -x\n"), REJECTED),
    Case("unknown-use-feature", _req("--use-feature=nope\n"), REJECTED),
    Case("unknown-option", _req("numpy\n--frobnicate\n"), REJECTED),
    Case("flag-with-value", _req("--pre=yes\n"), REJECTED),
    Case("unterminated-quote", _req('numpy\n-i "https://x\n'), REJECTED),
    Case("unexpanded-variables", {
        "requirements.txt": "pkg @ https://${TOKEN}@example.com/pkg-1.0.tar.gz\n"
        "--extra-index-url https://user:${PASSWORD}@example.com/simple\n"
        "-i https://user:secret@example.com/simple\n-r ${DIR}/base.txt\n",
        "${DIR}/base.txt": "numpy\n"}, ACCEPTED),
    # Requirements: specifiers, markers, URLs, wheels, #egg=.
    Case("invalid-requirement", _req("numpy\npandas=2.2\n"), REJECTED),
    Case("invalid-marker", _req("numpy; python_version >> '3'\n"), REJECTED),
    Case("empty-marker", _req("numpy ;\npandas; \n"), ACCEPTED),
    Case("semicolon-in-bare-url", _req(
        "https://example.com/pkg-1.0.tar.gz;param=1#egg=pkg; python_version > '3'\n"), ACCEPTED),
    # Without a space after it, the ';' is part of the URL (and here, of the #egg=).
    Case("semicolon-without-space-after-url", _req(
        "https://example.com/o-2.0.tar.gz#egg=o;python_version>'3'\n"), REJECTED),
    Case("semicolon-in-name-at-url", _req("pkg @ https://example.com/a;b.tar.gz\n"), REJECTED),
    Case("name-at-url-with-marker", _req(
        "Pkg[Extra_One,extra-two] @ https://example.com/pkg-1.0.tar.gz"
        " ; python_version >= '3.8' and sys_platform != 'win32'\n"
        "other @ git+https://github.com/o/other.git@v1#subdirectory=sub\n"
        "numpy>=1.26;python_version<'3.13'\n"), ACCEPTED),
    Case("wheel-urls", {
        "requirements.txt": f"https://example.com/{WHEEL}\n"
        f"https://example.com/{WHEEL}#sha256=abc ; python_version > '3'\n./dist/{WHEEL}\n"
        "dist/present-2.0-py3-none-any.whl\nfile:../other/Other-3.0-py3-none-any.whl\n"
        "https://example.com/Upper-1.0-py3-none-any.WHL#egg=upper\n",
        "dist/present-2.0-py3-none-any.whl": ""}, ACCEPTED),
    Case("invalid-wheel-file-name", _req("https://example.com/not-a-wheel.whl\n"), REJECTED),
    Case("wheel-url-with-bad-egg", _req(f"https://example.com/{WHEEL}#egg=foo>=1\n"), REJECTED),
    Case("name-at-url-with-bad-egg", _req(
        "pkg @ https://example.com/pkg.tar.gz#egg=pkg[x]\n"), REJECTED),
    Case("invalid-ipv6-url", _req("http://[::1/x.tar.gz\n"), REJECTED),
    Case("invalid-ipv6-url-include", _req("numpy\n-r http://[::1/r.txt\n"), REJECTED),
    # Found by the fuzzer (scripts/fuzz_reader.py): pip's url_to_path refuses a file: URL
    # naming a host, and requests refuses an include URL without one.
    Case("non-local-file-url", _req("file://server/pkg-1.0.tar.gz\n"), REJECTED),
    Case("non-local-file-url-named", _req("pkg @ file://server/pkg-1.0.tar.gz\n"), REJECTED),
    Case("non-local-file-url-with-dots", _req("file://server/../pkg-1.0.tar.gz\n"), ACCEPTED),
    Case("non-local-file-url-editable", _req("-e file://server/project#egg=p\n"), REJECTED),
    Case("include-url-without-host", _req("numpy\n-c http:c\nbad line\n"), REJECTED),
    Case("include-non-local-file-url", _req("-r file://server/r.txt\n"), REJECTED),
    # packaging 26.4 reads these differently from pip 26.3's vendored 26.3 (sources/_pep508.py).
    Case("empty-arbitrary-equality", _req(
        "a===\nb ===;python_version>'3'\nc===,>=1\nd (===)\n"), ACCEPTED),
    Case("url-holding-a-no-break-space", _req(
        "pkg @ https://example.com/a\u00a0b.tar.gz ; python_version > '3'\n"), ACCEPTED),
    Case("nul-in-marker-string", _req("pkg; python_version == '\x00'\n"), REJECTED),
    Case("local-path-that-looks-like-userinfo", {
        "requirements.txt": "./s://user@\n", "s:/user@/pyproject.toml": ""}, ACCEPTED),
    Case("path-longer-than-the-system-allows", _req("./" + "x" * 5000 + "\n"), REJECTED),
    Case("include-longer-than-the-system-allows", _req("-r " + "x" * 5000 + "\n"), REJECTED),
    Case("archive-path-with-a-colon", _req("s:.tgz;os_name>''\n"), ACCEPTED),
    # pip downloads file:nc as file:///nc: the root folder's nc, not the one beside the file.
    Case("relative-file-url-include", {
        "requirements.txt": "-r file:nc\n", "nc": "numpy\n"}, REJECTED),
    Case("wheel-without-a-valid-name", _req("_-0-py3-none-any.whl\n"), REJECTED),
    Case("name-at-relative-file-url", _req("pkg @ file:../#\n"), ACCEPTED),
    # pip strips a trailing [extras] off the line read as a path before it parses it as PEP
    # 508, and those extras win: p[a] @ .../y[b] is p[b]; an empty [] leaves p's own.
    Case("extras-from-the-end-of-a-url", _req(
        "p[a] @ https://example.com/y[b]\np@[v];platform_machine==''\n"
        "q[a] @ https://example.com/y[]\nr @ https://example.com/[b]/c/..\n"), ACCEPTED),
    Case("invalid-extras-at-the-end-of-a-url", _req("p @ https://example.com/y[a b]\n"),
         REJECTED),
    Case("hashes-on-an-option-line-grouped-by-pip", _req(
        f"--hash={SHA512} --hash={SHA} --hash={SHA512.replace('c', 'd')}\n"), ACCEPTED),
    Case("egg-fragments", _req(
        "https://example.com/pkg.tar.gz#egg=Pkg.Name-x\nhttps://example.com/u.zip\n"
        "https://example.com/s.tar.gz#sha256=abc&egg=s\n"), ACCEPTED),
    Case("egg-fragment-with-extras", _req(
        "-e git+https://x.example/r.git#egg=thing[extra]\n"), REJECTED),
    Case("egg-fragment-with-version", _req("https://example.com/p.tar.gz#egg=p==1.0\n"),
         REJECTED),
    # Local paths and editables.
    Case("local-paths", {
        "requirements.txt": "./pkg[Dev,Test_Extra]\n./legacy\n../sibling.tar.gz\n"
        "./dist/missing.zip\nfoo@1.0.tar.gz\n",
        "pkg/pyproject.toml": "", "legacy/setup.py": ""}, ACCEPTED),
    Case("local-directory-not-installable", {"requirements.txt": "./empty\n", "empty": None},
         REJECTED),
    Case("editable-local-dir-with-extras", {
        "requirements.txt": "-e ./pkg[Dev,Test_X]\n-e .\n--editable=pkg\n-e ../up\n",
        "pkg": None, "../up": None}, ACCEPTED),
    Case("editable-vcs-and-direct-urls", _req(
        "-e git+https://github.com/o/r.git@v1#egg=Thing_One&subdirectory=s\n"
        "-e git://github.com/o/r2.git#egg=r2\n-e hg+https://hg.example/r3#egg=r3\n"
        "-e \"Pkg[Extra] @ git+https://github.com/o/pkg.git ; python_version > '3'\"\n"
        "-e file:///nowhere/project#egg=proj\n"
        f"-e git+https://example.com/r.git#egg=cfg -C a=b --hash={SHA}\n"), ACCEPTED),
    Case("editable-https-direct-url", _req('-e "pkg @ https://example.com/pkg.tar.gz"\n'),
         REJECTED),
    Case("editable-upper-case-file-url", _req("-e FILE:///nowhere/project\n"), REJECTED),
    Case("editable-without-name", _req("-e git+https://github.com/o/r.git\n"), REJECTED),
    Case("editable-missing-folder", _req("-e ./missing-folder\n"), REJECTED),
    # pip takes the text before the options as the requirement, and any -e makes it editable.
    Case("requirement-with-editable-option", {
        "requirements.txt": "./pkg -e ignored\n", "pkg": None}, ACCEPTED),
    Case("requirement-with-editable-option-rejected", {
        "requirements.txt": "numpy -e ./pkg\n", "pkg": None}, REJECTED),
    Case("relative-path-in-included-file", {
        "requirements.txt": "-r sub/dev.txt\n", "sub/dev.txt": "-e ../pkg\n", "pkg": None},
        REJECTED, check=_paths_relative_to_the_file),
    # Encodings and line separators.
    Case("bom-utf-8", _req(b"\xef\xbb\xbfnumpy\r\n-i https://x/s\r\n"), ACCEPTED),
    Case("bom-utf-16-le", _req("\ufeffnumpy\n# é\npandas\n".encode("utf-16-le")), ACCEPTED),
    Case("bom-utf-16-be", _req("\ufeffnumpy\npandas\n".encode("utf-16-be")), ACCEPTED),
    Case("bom-utf-32-le", _req("\ufeffnumpy\npandas\n".encode("utf-32-le")), ACCEPTED),
    Case("bom-utf-32-be", _req("\ufeffnumpy\npandas\n".encode("utf-32-be")), ACCEPTED),
    # After the native-order BOM pip decodes with "utf-16", which eats a second BOM.
    Case("bom-utf-16-twice", _req("\ufeff\ufeffnumpy\npandas\n".encode("utf-16-le")), ACCEPTED),
    Case("bom-utf-16-le-then-be", _req(b"\xff\xfe" + "\ufeffnumpy\n".encode("utf-16-be")),
         ACCEPTED),
    Case("coding-latin-1", _req(
        "# -*- coding: latin-1 -*-\nnumpy==1.26.4 # café\n".encode("latin-1")), ACCEPTED),
    Case("coding-on-second-line", _req(
        "#!x\n# vim: set fileencoding=cp1252 :\nnumpy # «\n".encode("cp1252")), ACCEPTED),
    Case("coding-unknown", _req("# -*- coding: klingon -*-\nnumpy\n"), REJECTED),
    Case("coding-utf-8-sig", _req("# -*- coding: utf-8-sig -*-\nnumpy # é\n"), ACCEPTED),
    Case("undecodable-falls-back-to-locale-in-pip", _req(b"numpy\npandas # caf\xe9\n"),
         ACCEPTED, check=_refuses_undecodable),
    Case("line-separators", _req(
        "numpy\x0cpandas\x0bscipy\x1cflask\x1dattrs\x1erich\x85click\u2028typer\u2029httpx"
        "\rurllib3\r\nidna\n"), ACCEPTED),
    Case("continuation-across-form-feed", _req("numpy \\\x0c>=1\npandas\\\u2028==2\n"),
         ACCEPTED),
    Case("cr-only", _req("numpy\r# c\rpandas \\\r>=2\r"), ACCEPTED),
    # Includes.
    Case("two-includes-on-one-line", {
        "requirements.txt": "-r a.txt -r b.txt\n-c c.txt -r d.txt\n",
        "a.txt": "alpha\n", "b.txt": "beta\n", "c.txt": "gamma\n", "d.txt": "delta\n"},
        ACCEPTED),
    Case("include-cycle", {
        "requirements.txt": "numpy\n-r b.txt\n", "b.txt": "pandas\n-r ./requirements.txt\n"},
        REJECTED),
    Case("include-cycle-through-parent-folder", {
        "requirements.txt": "-r sub/b.txt\n", "sub/b.txt": "-r ../requirements.txt\n"},
        REJECTED),
    Case("include-self", _req("numpy\n-c requirements.txt\n"), REJECTED),
    Case("diamond-includes", {
        "requirements.txt": "-r b.txt\n-r c.txt\ntop\n", "b.txt": "bee\n-r d.txt\n",
        "c.txt": "-c d.txt\ncee\n", "d.txt": "dee\n-r e.txt\n", "e.txt": "--pre\neee\n"},
        ACCEPTED),
    Case("includes-in-folders", {
        "requirements.txt": "-r sub/dev.txt\n", "sub/dev.txt": "-r ../base.txt\n-c deep/c.txt\n",
        "base.txt": "base\n", "sub/deep/c.txt": "base<2\n"}, ACCEPTED),
    Case("missing-include", _req("numpy\n-r nope.txt\n"), REJECTED),
    Case("missing-nested-include", {
        "requirements.txt": "numpy\n-r b.txt\n", "b.txt": "pandas\n-c gone.txt\n"}, REJECTED),
    Case("directory-include", {"requirements.txt": "numpy\n-r folder\n", "folder": None},
         REJECTED),
    Case("editable-constraint", {
        "requirements.txt": "-c c.txt\n", "c.txt": "-e git+https://x.example/r.git#egg=r\n"},
        REJECTED),
    Case("requirements-inside-constraints", {
        "requirements.txt": "-c c.txt\n", "c.txt": "numpy<2\n-r r.txt\n", "r.txt": "pandas\n"},
        ACCEPTED),
    Case("file-url-include", {
        "requirements.txt": "-r file://{ROOT}/base.txt\n", "base.txt": "numpy\n"}, ACCEPTED),
    Case("undecodable-include", {
        "requirements.txt": "numpy\n-r b.txt\n", "b.txt": b"# -*- coding: ascii -*-\n\xff\n"},
        REJECTED),
    Case("error-in-include", {"requirements.txt": "-r b.txt\n", "b.txt": "numpy\n--bogus\n"},
         REJECTED),
    # pip reads lazily: an error in (or the absence of) an included file comes before an
    # error further down the including file.
    Case("error-in-include-before-a-later-error", {
        "requirements.txt": "-r b.txt\nnumpy=1\n", "b.txt": "-r c.txt\n--bogus\n",
        "c.txt": "pandas\n"}, REJECTED),
    Case("missing-include-before-a-later-error", _req("numpy\n-r gone.txt\n-c\n"), REJECTED),
]
# fmt: on


def _materialise(case: Case, folder: Path) -> Path:
    for relative, content in case.files.items():
        target = folder / relative
        if content is None:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode() if isinstance(content, str) else content
        target.write_bytes(data.replace(b"{ROOT}", str(folder).encode()))
    return folder / case.root


@pytest.fixture(scope="module")
def case_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[Path, Any]]:
    """Every hand-written case laid out in its own folder, and pip's reading of each, from
    a single oracle run."""
    roots = [
        _materialise(case, tmp_path_factory.mktemp(case.id) / "work" / "dir") for case in CASES
    ]
    results = run_oracle([oracle_job(root) for root in roots])
    return {
        case.id: (root, result) for case, root, result in zip(CASES, roots, results, strict=True)
    }


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_hand_written_case_reads_as_pip_reads_it(
    case: Case, case_results: dict[str, tuple[Path, Any]]
) -> None:
    root, result = case_results[case.id]
    assert (result["error"] is not None) is case.rejects, result["error"]
    assert case.check(result, root) == []


def test_oracle_sees_no_pip_configuration(tmp_path: Path) -> None:
    """No PIP_*/UV_* variable reaches the oracle, pip.conf is replaced by os.devnull, and no
    ${VAR} reference expands (not even ${HOME}, which every machine sets)."""
    root = tmp_path / "requirements.txt"
    root.write_bytes(b"-i ${HOME}/simple\n")
    (result,) = run_oracle([oracle_job(root)])
    assert result["error"] is None
    assert result["pip_environment"] == {"PIP_CONFIG_FILE": os.devnull}
    assert result["option_lines"][0]["index_url"] == "${HOME}/simple"
