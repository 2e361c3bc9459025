"""The reader is lossless: whatever it parses, it renders back byte for byte.

Files are generated from a small grammar of what real requirements files hold (names with
every separator and case, ``~=`` with two and three parts, ``==``, ranges, extras, markers,
URLs, wheels, editables, hashes, comments, blank lines, ``\\`` continuations, global
options, ``-r`` includes), laid out with mixed LF/CRLF/CR line endings, with or without a
final newline, a BOM or a ``coding:`` declaration. For each file:

* ``parse_bytes(data).render() == data``;
* every physical line belongs to exactly one logical line, in order;
* the requirements found are the ones the grammar wrote, in order (and, for a sample of
  file trees with real includes, as many as pip 26.3 itself finds: marked ``slow``).

Every file of the shared corpus must round-trip too (skipped when the corpus is absent).
"""

from __future__ import annotations

import codecs
import itertools
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from oracle.runner import run_oracle
from packaging.utils import canonicalize_name

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError
from lockmigrate.model.requirements import RequirementFile
from lockmigrate.sources.includes import load_graph
from lockmigrate.sources.requirements import decode, join_lines, parse_bytes, read_file

REPO = Path(__file__).parents[2]
CORPUS = REPO / ".." / "shared" / "corpus"
CORPUS_FILES = (
    sorted(p.name for p in CORPUS.iterdir() if p.suffix in {".txt", ".in"})
    if CORPUS.is_dir()
    else []
)


# --- the grammar -----------------------------------------------------------------------


@dataclass(frozen=True)
class Logical:
    """One logical line as the grammar wrote it: its physical pieces (joined by ``\\``)
    and the canonical name of the requirement it declares, if any."""

    pieces: tuple[str, ...]
    requirement: str | None = None
    include: str | None = None


ARCHIVES = (
    ".zip",
    ".whl",
    ".tar",
    ".gz",
    ".tgz",
    ".bz2",
    ".tbz",
    ".xz",
    ".txz",
    ".tlz",
    ".lz",
    ".lzma",
)
# A bare "name.zip" is a local archive to pip, not a project name: left to the unit tests.
names = st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,10}[A-Za-z0-9])?", fullmatch=True).filter(
    lambda name: not name.lower().endswith(ARCHIVES)
)
numbers = st.integers(min_value=0, max_value=40).map(str)
versions = st.lists(numbers, min_size=1, max_size=4).map(".".join)
two_part = st.tuples(numbers, numbers).map(".".join)
three_part = st.tuples(numbers, numbers, numbers).map(".".join)
space = st.sampled_from(["", " ", "  ", "\t"])

specifiers = st.one_of(
    st.just(""),
    st.builds(lambda v, s: f"{s}~={s}{v}", st.one_of(two_part, three_part), space),
    st.builds(lambda v, s: f"{s}=={s}{v}", versions, space),
    st.builds(lambda v: f"=={v}.*", versions),
    st.builds(lambda a, b, s: f">={a}{s},{s}<{b}", versions, versions, space),
    st.builds(lambda v: f"!={v}", versions),
    st.builds(lambda v: f" > {v}", versions),
    st.builds(lambda v: f"==={v}", versions),
)
markers = st.sampled_from(
    [
        'python_version >= "3.8"',
        "python_version<'3.13'",
        'sys_platform == "win32"',
        "platform_machine != 'x86_64' and os_name == 'posix'",
        '(python_version < "3.10" or sys_platform == "darwin") and implementation_name=="cpython"',
        'extra == "test"',
    ]
)
hashes = st.lists(
    st.builds(
        lambda algo, digest: f"--hash={algo}:{digest}",
        st.sampled_from(["sha256", "sha384", "sha512"]),
        st.from_regex(r"[0-9a-f]{64}", fullmatch=True),
    ),
    max_size=3,
)
# No ':' or '=' (a first-line comment could become a coding declaration), no '\\' (a
# comment ending in one swallows the next line, a trap the differential test covers), no
# line separators.
comment_text = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\\:=\ufeff"),
    max_size=20,
)
comments = st.one_of(
    st.just(""), st.builds(lambda s, t: f"{s} #{t}", space.filter(bool), comment_text)
)


@st.composite
def requirement_lines(draw: st.DrawFn) -> Logical:
    """A requirement in one of the forms pip accepts, with its canonical name."""
    name = draw(names)
    canonical = canonicalize_name(name)
    form = draw(st.sampled_from(["named", "url", "wheel", "editable"]))
    if form == "named":
        extras = draw(st.lists(names, max_size=2))
        text = name + (f"[{','.join(extras)}]" if extras else "") + draw(specifiers)
        if draw(st.booleans()):
            text += f"{draw(space)};{draw(space)}{draw(markers)}"
        text += "".join(f" {h}" for h in draw(hashes))
    elif form == "url":
        text = f"{name} @ https://example.com/{name}-1.0.tar.gz"
        if draw(st.booleans()):
            text += f" ; {draw(markers)}"
    elif form == "wheel":
        stem = canonical.replace("-", "_")  # a wheel file name's escaped project name
        text = f"https://files.example.com/{stem}-{draw(versions)}-py3-none-any.whl"
    else:
        text = f"-e git+https://github.com/o/{name}.git@v1#egg={name}"
    pieces = _split(draw, draw(space) + text)
    comment = draw(comments)
    if comment and draw(st.booleans()):
        pieces = (*pieces, comment)  # a comment line ends a continuation
    else:
        pieces = (*pieces[:-1], pieces[-1] + comment)
    return Logical(pieces, requirement=canonical)


def _split(draw: st.DrawFn, text: str) -> tuple[str, ...]:
    """``text`` cut before some of its spaces into physical pieces (each but the last will
    end in ``\\``); joined back, pip sees ``text`` unchanged."""
    cuts = sorted(
        set(draw(st.lists(st.sampled_from([i for i, c in enumerate(text) if c == " "] or [0]))))
    )
    cuts = [c for c in cuts if c > 0]
    bounds = [0, *cuts, len(text)]
    return tuple(text[a:b] for a, b in itertools.pairwise(bounds))


option_lines = st.sampled_from(
    [
        "--index-url https://pypi.example.com/simple",
        "-i https://user:secret@pypi.example.com/simple",
        "--extra-index-url=https://extra.example.com/simple/",
        "--pre",
        "--prefer-binary",
        "--no-binary :all:",
        "--only-binary=numpy,scipy",
        "-f ./wheels",
        "--trusted-host example.com",
        "--require-hashes",
        "--use-feature=fast-deps",
        "--no-index",
    ]
).map(lambda text: Logical((text,)))
blank_lines = st.sampled_from(["", "   ", "\t", "# a comment", "  # indented comment"]).map(
    lambda text: Logical((text,))
)


def include_lines(targets: list[str]) -> st.SearchStrategy[Logical]:
    return st.builds(
        lambda flag, target: Logical((f"{flag}{target}",), include=target),
        st.sampled_from(["-r ", "--requirement ", "-r", "--requirement="]),
        st.sampled_from(targets),
    )


def logical_lines(targets: list[str]) -> st.SearchStrategy[list[Logical]]:
    kinds = [requirement_lines(), option_lines, blank_lines]
    if targets:
        kinds.append(include_lines(targets))
    return st.lists(st.one_of(*kinds), max_size=12)


ENCODINGS = [
    ("utf-8", b""),
    ("utf-8", codecs.BOM_UTF8),
    ("utf-16-le", codecs.BOM_UTF16_LE),
    ("utf-16-be", codecs.BOM_UTF16_BE),
    ("utf-32-le", codecs.BOM_UTF32_LE),
    ("utf-32-be", codecs.BOM_UTF32_BE),
    ("latin-1", b""),  # with a coding: declaration
]


@st.composite
def files(draw: st.DrawFn, targets: list[str] | None = None) -> tuple[bytes, list[Logical]]:
    """The bytes of a requirements file and the logical lines it was written from."""
    lines = draw(logical_lines(targets or []))
    codec, bom = draw(st.sampled_from(ENCODINGS))
    if codec == "latin-1":
        lines = [Logical(("# -*- coding: latin-1 -*-",)), *lines]
    physical: list[str] = []
    for line in lines:
        pieces = list(line.pieces)
        for index, piece in enumerate(pieces):
            last = index == len(pieces) - 1
            physical.append(piece if last else piece + "\\")
    text = "".join(line + draw(st.sampled_from(["\n", "\r\n", "\r"])) for line in physical)
    if physical and not draw(st.booleans()):
        text = text.rstrip("\r\n")
    data = bom + text.encode(codec, errors="replace")
    return data, lines


# --- properties ------------------------------------------------------------------------


def assert_partition(parsed: RequirementFile) -> None:
    """Every physical line belongs to exactly one logical line, in order."""
    assert sum(line.count for line in parsed.lines) == len(parsed.physical_lines)
    expected_first = 0
    for line in parsed.lines:
        assert line.first == expected_first
        assert line.count >= 1
        expected_first += line.count


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("roundtrip")


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(generated=files(targets=["base.txt", "sub/dev.txt"]))
def test_generated_file_renders_byte_for_byte(
    generated: tuple[bytes, list[Logical]], folder: Path
) -> None:
    data, lines = generated
    parsed = parse_bytes(data, path=folder / "requirements.txt", collector=Collector())
    assert parsed.render() == data
    assert_partition(parsed)
    assert [r.name for r in parsed.requirements] == [
        line.requirement for line in lines if line.requirement is not None
    ]
    assert [i.target for i in parsed.includes] == [
        line.include for line in lines if line.include is not None
    ]


separators = st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x0c", "\x1c", "\x85", "\u2028"])
anything = st.lists(
    st.one_of(
        separators,
        st.sampled_from(["\\", "#", " ", "\t", "-r x", "numpy", "é", "\\ "]),
        st.text(max_size=5),
    ),
    max_size=30,
).map("".join)


@settings(max_examples=200, deadline=None)
@given(text=anything, encoding=st.sampled_from(ENCODINGS[:-1]))
def test_any_text_decodes_and_joins_losslessly(text: str, encoding: tuple[str, bytes]) -> None:
    """Below the grammar: any text, however odd its line breaks and backslashes, decodes
    and re-encodes to the same bytes, and joining continuations keeps every physical line
    in exactly one logical line."""
    codec, bom = encoding
    # With a BOM, text starting with a second BOM (or, after FF FE, with two NUL bytes:
    # FF FE 00 00 is UTF-32's BOM) changes how pip decodes the rest: the unit and
    # differential tests cover that. Without one, no accidental coding: declaration.
    text = "a" + text if bom else text.replace("coding", "c0ding")
    data = bom + text.encode(codec, errors="surrogatepass")
    try:
        decoded, layout = decode(data, "requirements.txt")
    except ValueError:
        # Lone surrogates cannot be decoded; lockmigrate refuses them (so does pip).
        assert any(0xD800 <= ord(c) <= 0xDFFF for c in text)
        return
    assert layout.encode(decoded) == data
    physical = decoded.splitlines(keepends=True)
    logical = list(join_lines(physical))
    assert sum(line.count for line in logical) == len(physical)
    assert [line.first for line in logical] == [
        sum(line.count for line in logical[:index]) for index in range(len(logical))
    ]


@pytest.mark.parametrize("name", CORPUS_FILES or ["<no corpus>"])
def test_corpus_file_round_trips(name: str) -> None:
    """Byte for byte. The few corpus files pip rejects (an invalid ``#egg=``, an invalid
    requirement) are rejected by the reader too, so for those the layer below is checked:
    decoding and line joining, which is where losslessness is decided."""
    if not CORPUS_FILES:
        pytest.skip(f"shared corpus not found at {CORPUS}")
    path = CORPUS / name
    data = path.read_bytes()
    try:
        parsed = read_file(path, collector=Collector())
    except InputError as exc:
        assert exc.origin is not None and exc.origin.line >= 1, exc
        text, layout = decode(data, name)
        assert layout.encode(text) == data
        physical = text.splitlines(keepends=True)
        assert sum(line.count for line in join_lines(physical)) == len(physical)
        return
    assert parsed.render() == data
    assert_partition(parsed)


# --- against pip -----------------------------------------------------------------------


def oracle_for(roots: list[Path]) -> list[dict[str, Any]]:
    """pip's reading of each root (see ``tests/oracle/pip_oracle.py``)."""
    return run_oracle([{"root": str(root), "locale_encoding": "utf-8"} for root in roots])


@st.composite
def trees(draw: st.DrawFn) -> dict[str, bytes]:
    """A root file including (``-r``) two files of its own, one of them in a subfolder
    that includes the other back up."""
    base, _ = draw(files())
    dev, _ = draw(files(targets=["../base.txt"]))
    root, _ = draw(files(targets=["base.txt", "sub/dev.txt"]))
    return {"requirements.txt": root, "base.txt": base, "sub/dev.txt": dev}


@pytest.mark.slow
@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(batch=st.lists(trees(), min_size=10, max_size=10))
def test_requirements_found_are_the_ones_pip_finds(batch: list[dict[str, bytes]]) -> None:
    """Runs pip once per batch of ten file trees (starting pip is the slow part)."""
    with tempfile.TemporaryDirectory() as scratch:
        roots = []
        for index, tree in enumerate(batch):
            for relative, data in tree.items():
                target = Path(scratch, str(index), relative)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            roots.append(Path(scratch, str(index), "requirements.txt"))
        for root, result in zip(roots, oracle_for(roots), strict=True):
            assert result["error"] is None, result["error"]
            graph = load_graph([root], collector=Collector(), display=str)
            ours = [req.name for _, req in graph.walk(Path(os.path.abspath(root)))]  # noqa: PTH100
            assert ours == [req["name"] for req in result["requirements"]]
