"""The requirements reader, one construct per test: what a line says and what it becomes.

``tests/sources/test_pip_differential.py`` checks these against pip itself; here they are
spelled out as examples.
"""

from __future__ import annotations

import codecs
from pathlib import Path

import pytest
from packaging.markers import Marker

from lockmigrate.diagnostics import Collector
from lockmigrate.errors import InputError, InputErrors
from lockmigrate.model.requirements import DeclaredRequirement, RequirementFile, RequirementKind
from lockmigrate.sources.includes import display_path, load_graph
from lockmigrate.sources.requirements import parse_bytes, read_file

SHA256 = "sha256:" + "0" * 64


def read(tmp_path: Path, text: str | bytes, collector: Collector | None = None) -> RequirementFile:
    """``text`` as ``requirements.txt`` in ``tmp_path``, read and shown by its file name."""
    path = tmp_path / "requirements.txt"
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return read_file(path, display="requirements.txt", collector=collector)


def only(tmp_path: Path, text: str) -> DeclaredRequirement:
    (requirement,) = read(tmp_path, text).requirements
    return requirement


def error(tmp_path: Path, text: str | bytes) -> str:
    with pytest.raises(InputError) as caught:
        read(tmp_path, text)
    return str(caught.value)


# --- lines, comments, continuations ------------------------------------------------------


def test_comment_is_kept_beside_the_requirement(tmp_path: Path) -> None:
    (line,) = read(tmp_path, "numpy~=1.26.4  # pinned for the ABI\n").lines
    assert line.content == "numpy~=1.26.4"
    assert line.comment == "# pinned for the ABI"


def test_hash_sign_without_a_space_before_it_is_not_a_comment(tmp_path: Path) -> None:
    requirement = only(tmp_path, "https://example.com/pkg.tar.gz#egg=pkg\n")
    assert requirement.name == "pkg"
    assert requirement.url == "https://example.com/pkg.tar.gz#egg=pkg"


def test_continuation_is_one_logical_line_spanning_physical_lines(tmp_path: Path) -> None:
    file = read(tmp_path, f"\nnumpy==1.26.4 \\\n    --hash={SHA256}\npandas\n")
    numpy, pandas = file.requirements
    assert (numpy.origin.line, numpy.origin.end_line) == (2, 3)
    assert numpy.hashes == (SHA256,)
    assert pandas.origin.line == 4
    assert [line.count for line in file.lines] == [1, 2, 1]


def test_a_comment_ending_in_a_backslash_does_not_continue(tmp_path: Path) -> None:
    file = read(tmp_path, "# see below \\\nnumpy\n")
    assert [r.name for r in file.requirements] == ["numpy"]


def test_render_gives_back_the_bytes_read(tmp_path: Path) -> None:
    data = codecs.BOM_UTF8 + b"numpy  # c\r\n\r\n-i https://u:p@host/simple\rpandas"
    assert read(tmp_path, data).render() == data


def test_parse_bytes_reads_without_touching_the_disk() -> None:
    file = parse_bytes(b"numpy>=1.26\n", path=Path("nowhere/requirements.txt"))
    assert file.display == "nowhere/requirements.txt"
    assert [r.name for r in file.requirements] == ["numpy"]


# --- specifiers, markers, extras ---------------------------------------------------------


def test_compatible_release_specifier(tmp_path: Path) -> None:
    requirement = only(tmp_path, "Django ~= 4.2.7\n")
    assert requirement.name == "django"
    assert requirement.written_name == "Django"
    assert requirement.specifier == "~=4.2.7"
    assert requirement.kind is RequirementKind.NAMED


def test_marker_is_normalised_and_equal_to_the_marker_it_spells(tmp_path: Path) -> None:
    requirement = only(tmp_path, "tomli>=2;python_version<'3.11'  and sys_platform!='win32'\n")
    assert requirement.marker is not None
    assert Marker(requirement.marker) == Marker(
        'python_version < "3.11" and sys_platform != "win32"'
    )


def test_extras_are_canonicalised_and_sorted(tmp_path: Path) -> None:
    requirement = only(tmp_path, "requests[Socks,security_Extra]>=2.31\n")
    assert requirement.extras == ("security-extra", "socks")


def test_name_at_url_with_marker(tmp_path: Path) -> None:
    requirement = only(
        tmp_path, "urllib3 @ https://example.com/urllib3-2.0.0.tar.gz ; python_version > '3.7'\n"
    )
    assert requirement.kind is RequirementKind.URL
    assert requirement.url == "https://example.com/urllib3-2.0.0.tar.gz"
    assert requirement.marker == 'python_version > "3.7"'


def test_wheel_url_names_its_project_and_version(tmp_path: Path) -> None:
    requirement = only(tmp_path, "https://example.com/Foo_Bar-1.0-py3-none-any.whl\n")
    assert (requirement.name, requirement.specifier) == ("foo-bar", "==1.0")


def test_only_a_lower_case_whl_is_a_wheel_as_in_pip(tmp_path: Path) -> None:
    requirement = only(tmp_path, "https://example.com/Foo-1.0-py3-none-any.WHL#egg=foo\n")
    assert (requirement.name, requirement.specifier) == ("foo", "")


def test_local_path_keeps_the_path_as_written_without_extras(tmp_path: Path) -> None:
    (tmp_path / "libs" / "core").mkdir(parents=True)
    (tmp_path / "libs" / "core" / "pyproject.toml").write_text("")
    requirement = only(tmp_path, "./libs/core[Fast_Path]\n")
    assert requirement.kind is RequirementKind.PATH
    assert requirement.url == "./libs/core"
    assert requirement.extras == ("fast-path",)


# --- credentials and variables -----------------------------------------------------------


def test_url_credentials_are_redacted_in_the_requirement(tmp_path: Path) -> None:
    requirement = only(tmp_path, "pkg @ https://user:s3cret@example.com/pkg-1.0.tar.gz\n")
    assert requirement.url == "https://user:****@example.com/pkg-1.0.tar.gz"


def test_url_credentials_are_redacted_in_option_values(tmp_path: Path) -> None:
    (option,) = read(tmp_path, "--extra-index-url https://user:s3cret@host/simple\n").options
    assert option.name == "--extra-index-url"
    assert option.value == "https://user:****@host/simple"


def test_variables_are_kept_unexpanded_and_listed(tmp_path: Path) -> None:
    requirement = only(tmp_path, "pkg @ https://${TOKEN}@example.com/pkg-1.0.tar.gz\n")
    assert requirement.url == "https://${TOKEN}@example.com/pkg-1.0.tar.gz"
    assert requirement.variables == ("TOKEN",)


# --- editables, hashes, options ----------------------------------------------------------


def test_editable_vcs_url_is_named_by_its_egg_fragment(tmp_path: Path) -> None:
    requirement = only(tmp_path, "-e git+https://github.com/pypa/sampleproject.git@v3#egg=Sample\n")
    assert requirement.editable
    assert requirement.name == "sample"
    assert requirement.kind is RequirementKind.VCS


def test_editable_local_folder_with_extras(tmp_path: Path) -> None:
    (tmp_path / "localpkg").mkdir()
    requirement = only(tmp_path, "-e ./localpkg[dev]\n")
    assert requirement.editable
    assert (requirement.name, requirement.url, requirement.extras) == (None, "./localpkg", ("dev",))


def test_any_dash_e_on_a_line_makes_its_requirement_editable(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    requirement = only(tmp_path, "./pkg -e ignored\n")
    assert requirement.editable
    assert requirement.url == "./pkg"


def test_hashes_belong_to_the_requirement_on_their_line(tmp_path: Path) -> None:
    other = "sha512:" + "1" * 128
    requirement = only(tmp_path, f"numpy==1.26.4 --hash={SHA256} --hash {other}\n")
    assert requirement.hashes == (SHA256, other)


def test_abbreviated_and_glued_options_are_read_as_pip_reads_them(tmp_path: Path) -> None:
    file = read(tmp_path, "--extra-index https://x/simple\n-rbase.txt\n")
    assert [o.name for o in file.options] == ["--extra-index-url", "--requirement"]
    assert [i.target for i in file.includes] == ["base.txt"]


def test_options_before_a_requirement_hide_it_and_are_warned_about(tmp_path: Path) -> None:
    collector = Collector()
    file = read(tmp_path, "--pre numpy\n", collector)
    assert file.requirements == ()
    assert [d.code for d in collector] == ["ignored-text"]


# --- encodings ----------------------------------------------------------------------------


def test_utf_16_with_bom_and_crlf(tmp_path: Path) -> None:
    data = codecs.BOM_UTF16_LE + "numpy\r\npandas\r\n".encode("utf-16-le")
    file = read(tmp_path, data)
    assert [r.name for r in file.requirements] == ["numpy", "pandas"]
    assert (file.layout.codec, file.layout.newline) == ("utf-16-le", "\r\n")


def test_coding_declaration_is_honoured(tmp_path: Path) -> None:
    file = read(tmp_path, "# -*- coding: latin-1 -*-\nnumpy  # café\n".encode("latin-1"))
    assert file.lines[1].comment == "# café"


def test_utf_8_sig_declaration_reads_and_writes_without_a_bom(tmp_path: Path) -> None:
    data = "# -*- coding: utf-8-sig -*-\nnumpy  # café\n".encode()
    file = read(tmp_path, data)
    assert file.layout.codec == "utf-8"
    assert file.render() == data


# --- errors: file:line, message, offending text -----------------------------------------


def test_unknown_option_is_reported_at_its_line(tmp_path: Path) -> None:
    assert error(tmp_path, "numpy\n--frobnicate yes\n") == (
        "requirements.txt:2: invalid option: no such option: --frobnicate\n    --frobnicate yes"
    )


def test_bad_hash_algorithm_is_reported_at_its_line(tmp_path: Path) -> None:
    assert error(tmp_path, "numpy --hash=md5:0123\n") == (
        "requirements.txt:1: invalid option: Allowed hash algorithms for --hash are "
        "sha256, sha384, sha512.\n    numpy --hash=md5:0123"
    )


def test_invalid_requirement_is_reported_with_pip_s_hint(tmp_path: Path) -> None:
    message = error(tmp_path, "# prod\npandas=2.2.3  # should be ==\n")
    assert message.startswith("requirements.txt:2: invalid requirement: ")
    assert "(= is not a valid operator. Did you mean == ?)" in message
    assert message.endswith("\n    pandas=2.2.3")


def test_invalid_egg_fragment_is_reported_at_its_line(tmp_path: Path) -> None:
    assert error(tmp_path, "-e git+https://example.com/r.git#egg=thing[extra]\n") == (
        "requirements.txt:1: 'thing[extra]' is not a valid value for the #egg= fragment: it "
        "must be a bare project name (write 'name[extras] @ URL' instead)\n"
        "    -e git+https://example.com/r.git#egg=thing[extra]"
    )


def test_undecodable_bytes_are_refused_rather_than_guessed(tmp_path: Path) -> None:
    assert error(tmp_path, b"numpy\npandas # caf\xe9\n") == (
        "requirements.txt:2: cannot decode byte b'\\xe9' as utf-8 (declare the encoding with "
        "a '# -*- coding: NAME -*-' first line)\n    pandas # caf\\xe9"
    )


def test_a_directory_given_as_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^somewhere: is a directory, not a requirements file$"):
        read_file(tmp_path, display="somewhere")


def _load(tmp_path: Path, files: dict[str, str | None]) -> None:
    for name, content in files.items():
        if content is None:
            (tmp_path / name).mkdir()
        else:
            (tmp_path / name).write_text(content)
    load_graph(
        [tmp_path / "requirements.txt"],
        collector=Collector(),
        display=lambda path: display_path(path, relative_to=tmp_path),
    )


def test_a_directory_named_by_dash_r_is_reported_at_the_include(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, {"requirements.txt": "numpy\n-r shared\n", "shared": None})
    assert str(caught.value) == (
        "requirements.txt:2: included file shared is a directory\n    -r shared"
    )


def test_include_cycle_is_reported_where_it_closes(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, {"requirements.txt": "-r dev.txt\n", "dev.txt": "x\n-r requirements.txt\n"})
    assert str(caught.value) == (
        "dev.txt:2: include cycle: requirements.txt is already being read "
        "(requirements.txt -> dev.txt -> requirements.txt)\n    -r requirements.txt"
    )


def test_include_cycle_through_a_parent_folder_is_found(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError, match=r"^sub/b\.txt:1: include cycle"):
        _load(
            tmp_path, {"requirements.txt": "-r sub/b.txt\n", "sub/b.txt": "-r ../requirements.txt"}
        )


def test_missing_include_is_reported_at_the_include(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        _load(tmp_path, {"requirements.txt": "pytest~=8.3.3\n-r requirements-base.txt\n"})
    assert str(caught.value) == (
        "requirements.txt:2: included file requirements-base.txt does not exist\n"
        "    -r requirements-base.txt"
    )


def test_an_included_file_is_reported_before_a_later_error_as_pip_reads(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"^requirements\.txt:2: included file gone\.txt"):
        _load(tmp_path, {"requirements.txt": "numpy\n-r gone.txt\npandas=2\n"})


# --- includes -----------------------------------------------------------------------------


def test_walk_inlines_includes_in_pip_s_order_and_marks_constraints(tmp_path: Path) -> None:
    (tmp_path / "requirements.txt").write_text("-c constraints.txt\nnumpy\n-r base.txt\nflask\n")
    (tmp_path / "constraints.txt").write_text("numpy<2\n")
    (tmp_path / "base.txt").write_text("pandas\n")
    root = tmp_path / "requirements.txt"
    graph = load_graph([root], collector=Collector())
    walked = [(req.name, req.constraint) for _, req in graph.walk(root)]
    assert walked == [("numpy", True), ("numpy", False), ("pandas", False), ("flask", False)]


def test_a_file_url_include_is_followed(tmp_path: Path) -> None:
    (tmp_path / "base.txt").write_text("pandas\n")
    root = tmp_path / "requirements.txt"
    root.write_text(f"-r {(tmp_path / 'base.txt').as_uri()}\n")
    graph = load_graph([root], collector=Collector())
    assert [req.name for _, req in graph.walk(root)] == ["pandas"]


# --- declared codecs: exactly the ones pip can read ---------------------------------------

DECLARED_CODECS = [
    "hex", "rot13", "base64", "zlib", "bz2", "uu", "quopri", "punycode", "idna",
    "unicode_escape", "raw_unicode_escape", "utf-7", "latin-1", "cp1252", "utf-16",
]  # fmt: skip


@pytest.mark.parametrize("codec", DECLARED_CODECS)
def test_a_declared_codec_is_read_exactly_when_pip_reads_it(tmp_path: Path, codec: str) -> None:
    from pip._internal.req.req_file import _decode_req_file

    data = f"# -*- coding: {codec} -*-\nnumpy~=1.26.4\n".encode("ascii")
    try:
        pip_text: str | None = _decode_req_file(data, "requirements.txt")
    except (LookupError, UnicodeError):
        pip_text = None

    if pip_text is None:
        with pytest.raises(InputError) as raised:
            parse_bytes(data, path=tmp_path / "requirements.txt")
        assert str(raised.value).startswith(f"{tmp_path / 'requirements.txt'}:")
        assert codec in str(raised.value) or "utf_16" in codecs.lookup(codec).name
    else:
        file = parse_bytes(data, path=tmp_path / "requirements.txt")
        assert "".join(file.physical_lines) == pip_text
        assert [r.name for r in file.requirements] == (["numpy"] if "numpy" in pip_text else [])
        assert file.layout.lossless == (file.layout.encode(pip_text) == data)


def test_a_file_that_does_not_round_trip_is_read_but_not_migrated(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lockmigrate.cli import main

    data = b"# coding: utf-7\nnumpy~=1.26.4\n"  # '~' is written +AH4- when encoded again
    (tmp_path / "requirements.txt").write_bytes(data)
    monkeypatch.chdir(tmp_path)

    assert main(["scan", "requirements.txt"]) == 0
    assert main(["to-pip-tools", "--dry-run", "."]) == 2

    err = capsys.readouterr().err
    assert "requirements.txt:1: this file does not survive decoding and re-encoding as utf-7" in err
    assert (tmp_path / "requirements.txt").read_bytes() == data


@pytest.mark.parametrize(
    ("line", "name", "specifier"),
    [
        ("https://host/demo-1.0-py3-none-any.whl", "demo", "==1.0"),
        ("https://host/pkg.tar.whl", None, ""),  # pip: .tar.whl is an extension, not a wheel
        ("https://host/demo-1.0-py3-none-any.tar.whl#egg=demo", "demo", ""),
        ("https://host/demo-1.0-py3-none-any.TAR.whl#egg=demo", "demo", ""),
    ],
)
def test_a_wheel_is_what_pip_calls_a_wheel(
    tmp_path: Path, line: str, name: str | None, specifier: str
) -> None:
    from pip._internal.req.constructors import install_req_from_line

    pip_requirement = install_req_from_line(line)
    assert pip_requirement.name == name
    assert str(pip_requirement.req.specifier if pip_requirement.req else "") == specifier
    requirement = only(tmp_path, line + "\n")
    assert (requirement.name, requirement.specifier) == (name, specifier)


# --- deep and wide include graphs -----------------------------------------------------------


def _chain(tmp_path: Path, depth: int) -> Path:
    """requirements.txt -> r1.txt -> ... -> r{depth-1}.txt, each declaring one package."""
    for number in range(depth):
        name = "requirements.txt" if number == 0 else f"r{number}.txt"
        include = f"-r r{number + 1}.txt\n" if number + 1 < depth else ""
        (tmp_path / name).write_text(f"{include}pkg{number}~=1.0\n")
    return tmp_path / "requirements.txt"


def test_a_chain_of_includes_deeper_than_the_recursion_limit_is_followed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    depth = sys.getrecursionlimit() + 200  # pip reads 600 deep; the limit is 1000
    root = _chain(tmp_path, depth)
    graph = load_graph([root], collector=Collector())
    names = [requirement.name for _, requirement in graph.walk(root)]
    assert names == [f"pkg{number}" for number in reversed(range(depth))]  # pip's order

    from lockmigrate.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["scan", "requirements.txt", "--format", "json"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_cycle_at_the_end_of_a_deep_chain_is_still_an_error(tmp_path: Path) -> None:
    root = _chain(tmp_path, 1500)
    with (tmp_path / "r1499.txt").open("a") as handle:
        handle.write("-r r700.txt\n")
    with pytest.raises(InputError, match=r"r1499\.txt:2: include cycle: r700\.txt"):
        load_graph(
            [root],
            collector=Collector(),
            display=lambda path: display_path(path, relative_to=tmp_path),
        )


def test_a_lattice_of_includes_is_read_once_per_file(tmp_path: Path) -> None:
    # 40 levels, each file including both files of the next level: 2**40 paths, 80 files.
    for level in range(40):
        for side in "ab":
            name = "requirements.txt" if (level, side) == (0, "a") else f"{side}{level}.txt"
            nxt = "" if level == 39 else f"-r a{level + 1}.txt\n-r b{level + 1}.txt\n"
            (tmp_path / name).write_text(f"{nxt}pkg-{side}{level}\n")
    graph = load_graph([tmp_path / "requirements.txt"], collector=Collector())
    assert len(graph.files) == 1 + 2 * 39


def test_every_bad_line_is_reported_not_just_the_first(tmp_path: Path) -> None:
    data = b"numpy~=1.26\npandas=2.2\n--frobnicate\nflask~=3.0\nattrs>>23\n"

    with pytest.raises(InputErrors) as raised:
        parse_bytes(data, path=tmp_path / "requirements.txt", display="requirements.txt")

    assert [str(problem.origin) for problem in raised.value.problems] == [
        "requirements.txt:2",
        "requirements.txt:3",
        "requirements.txt:5",
    ]
    assert raised.value.origin == raised.value.problems[0].origin  # as one InputError
    assert str(raised.value).count("requirements.txt:") == 3


def test_bad_lines_can_be_collected_and_the_rest_read(tmp_path: Path) -> None:
    collected: list[InputError] = []

    file = parse_bytes(
        b"numpy~=1.26\npandas=2.2\nflask~=3.0\n",
        path=tmp_path / "requirements.txt",
        errors=collected,
    )

    assert [str(error.origin.line) for error in collected if error.origin] == ["2"]
    assert [r.name for r in file.requirements] == ["numpy", "flask"]
    assert file.render() == b"numpy~=1.26\npandas=2.2\nflask~=3.0\n"
