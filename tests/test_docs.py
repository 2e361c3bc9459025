"""The documentation cannot drift from the tool: the command reference is the CLI's own help,
every exit code and diagnostic code in the source is documented, every page is in the site's
navigation, and the script that regenerates the tutorials still runs end to end."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml
from index.catalog import Release
from index.fixtures import LocalIndexFactory

from lockmigrate.errors import ExitCode
from lockmigrate.sources.requirements import parse_bytes

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def load_script(name: str) -> ModuleType:
    path = ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def test_command_reference_is_the_cli_help() -> None:
    script = load_script("gen_cli_reference")
    committed = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    assert committed == script.render(), (
        "docs/reference/commands.md is stale: run .venv/bin/python scripts/gen_cli_reference.py"
    )


def test_command_reference_lists_every_command() -> None:
    import typer.main

    from lockmigrate.cli.application import app

    group = typer.main.get_command(app)
    names = list(getattr(group, "commands", {}))
    text = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    assert names, "the CLI has no commands?"
    for name in names:
        assert f"## `lockmigrate {name}`" in text


def test_the_command_line_guide_explains_every_option() -> None:
    """docs/reference/cli.md is written by hand: each option a command has must be in it."""
    import typer.main

    from lockmigrate.cli.application import app

    text = (DOCS / "reference" / "cli.md").read_text(encoding="utf-8")
    group = typer.main.get_command(app)
    missing = [
        f"{name} {option}"
        for name, command in getattr(group, "commands", {}).items()
        for parameter in command.params
        for option in (*parameter.opts, *parameter.secondary_opts)
        if option.startswith("--")
        and option != "--help"
        and not re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text)
    ]
    assert not missing, f"options not explained in docs/reference/cli.md: {missing}"


# `collector.warning("code", ...)`, `self.collector.info(\n "code", ...)`, and the check
# command's `Finding(code="code", ...)`.
DIAGNOSTIC_CALL = re.compile(r"\.(?:warning|info)\(\s*\"([a-z0-9-]+)\"")
FINDING_CODE = re.compile(r"\bcode=\"([a-z0-9-]+)\"")


def codes_in_source() -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for path in sorted((ROOT / "lockmigrate").rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        for pattern in (DIAGNOSTIC_CALL, FINDING_CODE):
            for code in pattern.findall(text):
                found.setdefault(code, set()).add(str(path.relative_to(ROOT)))
    return found


def test_the_source_scan_finds_diagnostics() -> None:
    codes = codes_in_source()
    # a few codes from each kind of call, so a broken regex cannot pass silently
    assert {"ignored-text", "poetry-constraints", "hashes-in-input", "stale"} <= set(codes)


def test_every_diagnostic_code_in_the_source_is_documented() -> None:
    text = (DOCS / "reference" / "diagnostics.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\|\s*((?:`[a-z0-9-]+`(?:,\s*)?)+)\s*\|", text, re.MULTILINE))
    names = {code for cell in documented for code in re.findall(r"`([a-z0-9-]+)`", cell)}
    missing = {code: where for code, where in codes_in_source().items() if code not in names}
    assert not missing, f"diagnostic codes not in docs/reference/diagnostics.md: {missing}"


def test_every_exit_code_is_documented() -> None:
    text = (DOCS / "reference" / "exit-codes.md").read_text(encoding="utf-8")
    rows = set(re.findall(r"^\|\s*(\d+)\s*\|", text, re.MULTILINE))
    assert rows == {str(int(code)) for code in ExitCode}


def nav_pages(node: object) -> list[str]:
    if isinstance(node, str):
        return [node] if node.endswith(".md") else []
    if isinstance(node, list):
        return [page for item in node for page in nav_pages(item)]
    if isinstance(node, dict):
        return [page for value in node.values() for page in nav_pages(value)]
    return []


def test_every_page_is_in_the_navigation() -> None:
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text(encoding="utf-8"))
    listed = nav_pages(config["nav"])
    pages = sorted(str(path.relative_to(DOCS)) for path in DOCS.rglob("*.md"))
    assert sorted(set(listed)) == pages, "add new pages to nav in mkdocs.yml (and remove gone ones)"
    assert len(listed) == len(set(listed)), "a page is listed twice in nav"


# -- the tutorial generator --------------------------------------------------------------------


def example_catalog() -> list[Release]:
    """One release of every package examples/adr declares, at its range's lower bound, with no
    dependencies; plus the versions the tutorials move a range to."""
    releases: dict[str, Release] = {}
    for path in sorted((ROOT / "examples" / "adr").glob("*/requirements-*.txt")):
        for requirement in parse_bytes(path.read_bytes(), path=path).requirements:
            assert requirement.name is not None
            version = re.sub(r"^[~=<>!]+", "", requirement.specifier.split(",")[0])
            extras = dict.fromkeys(requirement.extras, ())
            releases[requirement.name] = Release(
                name=requirement.name, version=version, extras=extras
            )
    moved_to = [
        Release(name="scikit-learn", version="1.6.1"),
        Release(name="ruff", version="0.8.6"),
    ]
    return [*releases.values(), *moved_to]


@pytest.mark.slow
@pytest.mark.parametrize("page", ["pip-tools", "poetry"])
def test_the_tutorial_generator_runs_against_the_local_index(
    page: str, local_index_factory: LocalIndexFactory, tmp_path: Path
) -> None:
    """Every step of each tutorial runs and exits as the prose says (the committed pages
    come from real PyPI, which moves, so they are not compared here)."""
    script = load_script("gen_tutorial")
    index = local_index_factory(example_catalog())
    environ = index.env(
        cache_dir=tmp_path / "cache", LOCKMIGRATE_CACHE_DIR=str(tmp_path / "lockmigrate-cache")
    )
    argv = ["--index-url", index.url, "--poetry-source", index.url]
    assert script.main([*argv, "--output", str(tmp_path), "--page", page], environ=environ) == 0

    text = (tmp_path / f"{page}.md").read_text(encoding="utf-8")
    assert str(tmp_path) not in text
    if page == "pip-tools":
        assert "$ lockmigrate to-pip-tools examples/adr\ncreated examples/adr/" in text
        assert "requirements-prod.txt:numpy==1.26.4" in text  # the same pin in both locks
        assert "requirements-dev.txt:numpy==1.26.4" in text
        assert "[exit code 1]" in text  # check catches the edited range
        assert "[out-of-range]" in text
    else:
        assert 'holidays = "~=0.61"' in text  # never ^0.61
        assert "$ cd examples/adr/BankChurn-Predictor && poetry lock" in text
        assert "Writing lock file" in text
        assert "(poetry.lock)" in text  # diff read the lock Poetry wrote
        assert "[poetry-lock]" in text  # check caught the range changed without a lock
