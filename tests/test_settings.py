"""``[tool.lockmigrate]`` in ``pyproject.toml``: found from the given paths upwards, its
defaults used where the command line says nothing, its mistakes reported at their line; and
``--python-version``, which means the same in every command."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import tomlkit

from lockmigrate.cli import main
from lockmigrate.errors import InputError
from lockmigrate.sources.discover import Exclude, discover
from lockmigrate.sources.settings import Settings, find_settings

RUNNING = f"{sys.version_info[0]}.{sys.version_info[1]}"
OTHER = "3.10" if RUNNING != "3.10" else "3.12"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_settings_come_from_the_nearest_pyproject_with_the_table(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.lockmigrate]\nresolver = "uv"\nexclude = ["legacy"]\n',
            # a service's own pyproject.toml, without the table: passed over
            "services/api/pyproject.toml": '[project]\nname = "api"\n# not for lockmigrate\n',
            "services/api/requirements.txt": "six~=1.16\n",
        },
    )

    settings = find_settings([tmp_path / "services" / "api" / "requirements.txt"])

    assert settings.path == tmp_path / "pyproject.toml"
    assert settings.resolver == "uv"
    assert settings.exclude == ("legacy",)
    assert settings.excluded == Exclude(root=tmp_path, patterns=("legacy",))


def test_no_table_anywhere_is_no_settings(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": "[tool.ruff]\nline-length = 100\n"})
    assert find_settings([tmp_path]) == Settings()


def test_every_mistake_is_reported_at_its_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": (
                '[project]\nname = "x"\n\n[tool.lockmigrate]\n'
                'resolvr = "uv"\n'
                'exclude = "legacy"\n'
                "python-version = 3.11\n"
                'layout = "flat"\n'
            ),
            "requirements.txt": "six~=1.16\n",
        },
    )
    monkeypatch.chdir(tmp_path)

    assert main(["scan"]) == 2

    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        "lockmigrate: error: pyproject.toml:5: unknown key 'resolvr' in [tool.lockmigrate] "
        "(lockmigrate knows: exclude, layout, python-version, resolver)"
    )
    assert err[1] == '    resolvr = "uv"'
    assert err[2].startswith("lockmigrate: error: pyproject.toml:6: [tool.lockmigrate] exclude")
    assert err[4].startswith("lockmigrate: error: pyproject.toml:7: [tool.lockmigrate] python")
    assert err[6] == (
        "lockmigrate: error: pyproject.toml:8: [tool.lockmigrate] layout must be 'pep621' or "
        "'poetry', not 'flat'"
    )
    assert err[-1] == "lockmigrate: 4 errors"


def test_a_key_in_dotted_form_is_found_at_its_line(tmp_path: Path) -> None:
    write(tmp_path, {"pyproject.toml": '[tool]\nlockmigrate.resolvr = "uv"\n'})
    with pytest.raises(InputError) as raised:
        find_settings([tmp_path])
    assert str(raised.value.origin).endswith("pyproject.toml:2")


@pytest.mark.parametrize(
    ("pattern", "excluded"),
    [
        ("legacy", {"legacy/requirements.txt", "svc/legacy/requirements.txt"}),
        ("/legacy", {"legacy/requirements.txt"}),
        ("svc/**", {"svc/requirements.txt", "svc/legacy/requirements.txt"}),
        ("requirements-ci*.txt", {"tools/requirements-ci-3.txt"}),
        ("tools/*.txt", {"tools/requirements-ci-3.txt", "tools/requirements.txt"}),
        ("**/legacy/*.txt", {"legacy/requirements.txt", "svc/legacy/requirements.txt"}),
    ],
)
def test_exclude_patterns(pattern: str, excluded: set[str], tmp_path: Path) -> None:
    files = {
        "legacy/requirements.txt",
        "svc/requirements.txt",
        "svc/legacy/requirements.txt",
        "tools/requirements.txt",
        "tools/requirements-ci-3.txt",
    }
    write(tmp_path, dict.fromkeys(files, "six~=1.16\n"))

    found = discover([tmp_path], exclude=Exclude(root=tmp_path, patterns=(pattern,)))

    walked = {f.path.relative_to(tmp_path).as_posix() for s in found for f in s.files}
    assert walked == files - excluded


def test_scan_check_and_to_poetry_skip_excluded_folders_but_not_named_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.lockmigrate]\nexclude = ["legacy"]\n',
            "api/requirements.txt": "six~=1.16\n",
            "legacy/requirements.txt": "six=1.0\n",  # would be an unreadable-file warning
        },
    )
    monkeypatch.chdir(tmp_path)

    assert main(["scan", "--strict"]) == 0
    assert "legacy" not in capsys.readouterr().out
    # api/requirements.txt has ranges and no lock: check's `unlocked` finding (exit 1)
    assert main(["check"]) == 1
    captured = capsys.readouterr()
    assert "legacy" not in captured.err  # no unreadable-file warning
    assert "api/requirements.txt:1: ranges with no lock" in captured.out
    assert "legacy" not in captured.out.split("problem(s)")[0]  # not an unlocked finding
    assert "1 file(s) left out by --exclude or [tool.lockmigrate] exclude" in captured.out
    assert main(["to-poetry", "--dry-run", "--python-version", "3.11"]) == 0
    out = capsys.readouterr().out
    assert "api/pyproject.toml" in out
    assert "legacy" not in out
    assert main(["scan", "legacy/requirements.txt"]) == 2  # named: read, strictly
    assert "legacy/requirements.txt:1: invalid requirement" in capsys.readouterr().err


def test_to_poetry_takes_layout_and_python_version_from_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.lockmigrate]\nlayout = "poetry"\npython-version = "3.11"\n',
            "api/requirements.txt": "six~=1.16\n",
        },
    )
    monkeypatch.chdir(tmp_path)

    assert main(["to-poetry", "api"]) == 0
    written = tomlkit.parse((tmp_path / "api" / "pyproject.toml").read_text())
    assert written["tool"]["poetry"]["dependencies"]["python"] == ">=3.11"

    # the command line wins
    (tmp_path / "api" / "pyproject.toml").unlink()
    assert main(["to-poetry", "--layout", "pep621", "--python-version", "3.12", "api"]) == 0
    written = tomlkit.parse((tmp_path / "api" / "pyproject.toml").read_text())
    assert written["project"]["requires-python"] == ">=3.12"


def test_to_poetry_python_is_the_old_name_of_python_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(tmp_path, {"api/requirements.txt": "six~=1.16\n"})
    monkeypatch.chdir(tmp_path)

    assert main(["to-poetry", "--python", "3.11", "--dry-run"]) == 0
    assert 'requires-python = ">=3.11"' in capsys.readouterr().out
    assert main(["to-poetry", "--python", "3.11", "--python-version", "3.12"]) == 2
    assert main(["to-poetry", "--python-version", "three"]) == 2
    err = capsys.readouterr().err
    assert "--python is the old name of --python-version: give one of them" in err
    assert "--python-version takes a version such as 3.11" in err
    assert main(["to-poetry", "--help"]) == 0
    assert "--python " not in capsys.readouterr().out  # hidden


def test_pip_compile_takes_the_python_version_it_runs_under(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lockmigrate.errors import UsageError
    from lockmigrate.resolve import CompileJob, CompileOptions, resolver_argv

    job = CompileJob(workdir=".", input="requirements.in", output="requirements.txt")
    assert "--python-version" not in resolver_argv(job, CompileOptions(python_version=RUNNING))
    with pytest.raises(UsageError, match=f"not for Python {OTHER}"):
        resolver_argv(job, CompileOptions(python_version=OTHER))

    # from [tool.lockmigrate]: the error says where it was set, before anything runs
    write(
        tmp_path,
        {
            "pyproject.toml": f'[tool.lockmigrate]\npython-version = "{OTHER}"\n',
            "requirements.txt": "six~=1.16\n",
        },
    )
    monkeypatch.chdir(tmp_path)
    assert main(["to-pip-tools"]) == 2
    err = capsys.readouterr().err
    assert f"pyproject.toml:2: python-version = '{OTHER}', but pip-compile resolves" in err


def test_diff_takes_python_version_from_the_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    write(
        tmp_path,
        {
            "pyproject.toml": '[tool.lockmigrate]\npython-version = "3.10"\n',
            "requirements.in": "six~=1.16\n",
            "requirements.txt": "six==1.16.0\n    # via -r requirements.in\n",
        },
    )
    monkeypatch.chdir(tmp_path)

    assert main(["diff", "--offline"]) == 0
    assert "assumed environment: Python 3.10" in capsys.readouterr().out
    assert main(["diff", "--offline", "--python-version", "3.12"]) == 0
    assert "assumed environment: Python 3.12" in capsys.readouterr().out
