"""``--with``: the workflow files ``to-pip-tools``, ``to-poetry`` and ``to-uv`` write,
validated against the tools' own published schemas (SchemaStore's, as vendored by
check-jsonschema) and validators (``pre-commit validate-config``), merged into existing
files without touching the rest of them, never overwriting a user's file.

Most tests start from an already migrated tree (``fixtures/workflow/three-services-migrated``:
the three services after ``to-pip-tools`` against the local index), where ``to-pip-tools``
runs no resolver, so they are fast. The ones that migrate or re-lock use the local index.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from check_jsonschema.builtin_schemas import get_builtin_schema
from index.server import LocalIndex
from ruamel.yaml import YAML
from summary import without_summary

from lockmigrate.cli import main
from lockmigrate.targets.ignore_rules import ignored_versions
from lockmigrate.targets.self_install import installed_self
from lockmigrate.targets.workflow import Integration, groups_of, parse_integrations

FIXTURES = Path(__file__).parents[1] / "fixtures"
MIGRATED = FIXTURES / "workflow" / "three-services-migrated"
UNMIGRATED = FIXTURES / "pip_tools" / "three-services"
EVERYTHING = "dependabot,renovate,make,pre-commit,github-actions"
# the hook installs the release line of the uv found here (a dependency of the tests)
UV_LINE = f"uv~={version('uv')}"


def load_yaml(path: Path) -> Any:
    return YAML(typ="safe", pure=True).load(path.read_text())


def validate(instance: Any, schema_name: str) -> None:
    """Validate against a SchemaStore schema as check-jsonschema ships it."""
    schema = get_builtin_schema(f"vendor.{schema_name}")
    jsonschema.validators.validator_for(schema)(schema).validate(instance)


def assert_pre_commit_accepts(command: str, path: Path, scratch: Path) -> None:
    """pre-commit's own ``validate-config`` (or ``validate-manifest``) passes ``path``."""
    checked = subprocess.run(
        [sys.executable, "-m", "pre_commit", command, str(path)],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "PRE_COMMIT_HOME": str(scratch / "pre-commit-home")},
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr


def snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The migrated three services, as the current directory."""
    target = tmp_path / "repo"
    shutil.copytree(MIGRATED, target)
    monkeypatch.chdir(target)
    return target


def run(*args: str) -> int:
    return main(["to-pip-tools", *args])


# --- the files, and what they say -------------------------------------------------------------


def test_every_integration_writes_its_file_at_the_root(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--with", EVERYTHING) == 0

    out = capsys.readouterr().out
    for name in (
        ".github/dependabot.yml",
        "renovate.json",
        "Makefile",
        ".pre-commit-config.yaml",
        ".github/workflows/lockmigrate.yml",
    ):
        assert f"created {name}: " in out
        text = (tree / name).read_text()
        # each says who wrote it and how to write it again
        assert "lockmigrate 0" in text
        assert "lockmigrate to-pip-tools --with " in text
        assert "churn nlp taxi" in text


def test_dependabot_one_lock_only_entry_per_service_with_groups_and_ranges(tree: Path) -> None:
    assert run("--with", "dependabot") == 0

    config = load_yaml(tree / ".github" / "dependabot.yml")
    validate(config, "dependabot")
    entries = {entry["directory"]: entry for entry in config["updates"]}
    assert list(entries) == ["/churn", "/nlp", "/taxi"]
    for entry in entries.values():
        assert entry["package-ecosystem"] == "pip"
        assert entry["versioning-strategy"] == "lockfile-only"
        assert entry["schedule"] == {"interval": "weekly"}
    churn = entries["/churn"]
    ignored = {rule["dependency-name"]: rule["versions"] for rule in churn["ignore"]}
    assert ignored == {
        "numpy": [">=1.27"],  # numpy~=1.26.4
        "pandas": [">=2.3"],  # pandas~=2.2.3
        "scikit-learn": [">=1.6"],  # scikit-learn~=1.5.2
        "shap": [">=0.47"],  # shap~=0.46.0
        "pytest": [">=8.4"],  # pytest~=8.3.3, from requirements-dev.in
    }
    # numpy and what is compiled against it move together; the pins of -c files are no range
    assert churn["groups"]["numpy-stack"]["patterns"] == [
        "numpy", "pandas", "scikit-learn", "scipy", "shap",
    ]  # fmt: skip
    nlp = {rule["dependency-name"]: rule["versions"] for rule in entries["/nlp"]["ignore"]}
    assert nlp["joblib"] == [">=2"]  # joblib~=1.4: 1.x minors are allowed
    assert nlp["pytest"] == [">=9"]  # pytest~=8.3
    # taxi declares no numpy range, but locks it with pandas and scipy: grouped, not ignored
    taxi = entries["/taxi"]
    assert taxi["groups"]["numpy-stack"]["patterns"] == ["numpy", "pandas", "scipy"]
    assert "numpy" not in {rule["dependency-name"] for rule in taxi["ignore"]}
    text = (tree / ".github" / "dependabot.yml").read_text()
    assert "# numpy~=1.26.4 (churn/requirements-prod.in:4)\n" in text


def test_renovate_points_the_pip_compile_manager_at_the_locks(tree: Path) -> None:
    assert run("--with", "renovate") == 0

    config = json.loads((tree / "renovate.json").read_text())
    validate(config, "renovate")
    locks = [f"{s}/requirements-{r}.txt" for s in ("churn", "nlp", "taxi") for r in ("dev", "prod")]
    assert config["pip-compile"]["managerFilePatterns"] == locks
    rules = config["packageRules"]
    in_range = next(rule for rule in rules if rule.get("rangeStrategy"))
    assert in_range["rangeStrategy"] == "in-range-only"
    assert in_range["matchManagers"] == ["pip-compile"]
    assert "churn/requirements-prod.in" in in_range["matchFileNames"]
    # the locks are not also edited pin by pin as plain requirements files
    plain = next(rule for rule in rules if rule.get("matchManagers") == ["pip_requirements"])
    assert plain == {**plain, "enabled": False, "matchFileNames": locks}
    group = next(rule for rule in rules if rule.get("groupName") == "numpy-stack")
    assert group["matchPackageNames"][0] == "numpy"


def test_makefile_targets_relock_each_pair_in_layering_order(tree: Path) -> None:
    assert run("--with", "make") == 0

    text = (tree / "Makefile").read_text()
    for target in ("lock:", "upgrade:", "check:", "diff:"):
        assert f"\n{target}\n" in text
    lock = text.split("\nlock:\n", 1)[1].split("\n\n", 1)[0].splitlines()
    assert [line.split(" && ")[0] for line in lock] == [
        "\tcd churn", "\tcd churn", "\tcd nlp", "\tcd nlp", "\tcd taxi", "\tcd taxi",
    ]  # fmt: skip
    # prod before dev: dev is layered on prod's lock; the command is the lock header's own
    assert lock[0].endswith(
        "--output-file=requirements-prod.txt --strip-extras requirements-prod.in"
    )
    assert lock[1].endswith("--output-file=requirements-dev.txt --strip-extras requirements-dev.in")
    assert lock[0].startswith("\tcd churn && $(PIPCOMPILE) --allow-unsafe ")
    assert "\t$(LOCKMIGRATE) to-pip-tools --upgrade churn nlp taxi\n" in text
    assert "\t$(LOCKMIGRATE) check churn nlp taxi\n" in text
    assert "\t$(LOCKMIGRATE) diff churn nlp taxi\n" in text
    dry = subprocess.run(
        ["make", "-n", "lock", "check"], cwd=tree, capture_output=True, text=True, check=False
    ) if shutil.which("make") else None  # fmt: skip
    if dry is not None:
        assert dry.returncode == 0, dry.stderr
        assert "cd churn && pip-compile --allow-unsafe" in dry.stdout


def test_pre_commit_files_pass_pre_commits_own_validation(tree: Path, repo_root: Path) -> None:
    assert run("--with", "pre-commit") == 0

    config = tree / ".pre-commit-config.yaml"
    hook = load_yaml(config)["repos"][0]["hooks"][0]
    assert hook["id"] == "lockmigrate-check"
    assert hook["entry"] == "lockmigrate check"
    assert hook["args"] == ["churn", "nlp", "taxi"]
    assert hook["pass_filenames"] is False
    # 0.1.0.dev0, on no index: the release it leads to (the warning is tested below)
    assert hook["additional_dependencies"] == [installed_self().requirement]
    import re

    files = re.compile(hook["files"])
    assert files.search("churn/requirements-prod.in")
    assert files.search("taxi/requirements-dev.txt")
    assert not files.search("docs/requirements.txt")
    for command, path in (
        ("validate-config", config),
        ("validate-manifest", repo_root / ".pre-commit-hooks.yaml"),
    ):
        assert_pre_commit_accepts(command, path, tree.parent)


def test_locks_compiled_by_uv_get_uv_in_the_hook_and_the_workflow(tree: Path) -> None:
    """``check`` re-locks a stale lock with the resolver its header names: a lock written by
    ``uv pip compile`` (``--resolver uv``) needs uv where the hook and CI run it, or it is
    re-locked with pip-tools (slower, and perhaps to other pins)."""
    # the dev lock: no input includes it, so no other lock becomes stale (to re-lock)
    lock = tree / "churn" / "requirements-dev.txt"
    lines = lock.read_text().splitlines(keepends=True)
    lines[:6] = [
        "# This file was autogenerated by uv via the following command:\n",
        "#    uv pip compile --output-file requirements-dev.txt requirements-dev.in\n",
    ]
    lock.write_text("".join(lines))
    assert run("--with", "pre-commit,github-actions") == 0

    hook = load_yaml(tree / ".pre-commit-config.yaml")["repos"][0]["hooks"][0]
    assert hook["additional_dependencies"] == [installed_self().requirement, UV_LINE]
    steps = load_yaml(tree / ".github" / "workflows" / "lockmigrate.yml")["jobs"]["locks"]["steps"]
    install = next(step["run"] for step in steps if "pip install" in step.get("run", ""))
    assert install.split()[-1] == "uv"


def test_project_hook_manifest_runs_lockmigrate_check(repo_root: Path) -> None:
    (hook,) = load_yaml(repo_root / ".pre-commit-hooks.yaml")
    assert hook["id"] == "lockmigrate-check"
    assert hook["entry"] == "lockmigrate check"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    import re

    files = re.compile(hook["files"])
    watched = ["requirements-prod.txt", "svc/requirements-dev.in", "svc/poetry.lock"]
    watched += ["pyproject.toml", "requirements/base.txt", "svc/dev-requirements.txt"]
    for path in watched:
        assert files.search(path), path
    assert not files.search("README.md")


def test_github_workflow_checks_and_comments_the_diff(tree: Path) -> None:
    assert run("--with", "github-actions") == 0

    workflow = load_yaml(tree / ".github" / "workflows" / "lockmigrate.yml")
    validate(workflow, "github-workflows")
    paths = workflow["on"]["pull_request"]["paths"]
    assert "churn/requirements-prod.in" in paths
    assert "taxi/requirements-dev.txt" in paths
    steps = workflow["jobs"]["locks"]["steps"]
    runs = {step.get("name"): step.get("run", "") for step in steps}
    assert runs["lockmigrate check"] == "lockmigrate check churn nlp taxi"
    assert "lockmigrate diff churn nlp taxi --format markdown" in runs["lockmigrate diff"]
    assert 'lockmigrate diff --from "origin/$BASE_REF" --to "$lock"' in runs["lockmigrate diff"]
    assert "gh pr comment" in runs["Comment on the pull request"]
    assert workflow["jobs"]["locks"]["steps"][1]["with"]["python-version"] == "3.11"
    for script in runs.values():
        if script:
            syntax = subprocess.run(["bash", "-n"], input=script, text=True, check=False)
            assert syntax.returncode == 0, script


def test_a_development_build_installs_its_release_line_and_says_so(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """lockmigrate==0.1.0.dev0 is on no index: the files require the release it leads to,
    and a warning says how to install this build instead."""
    assert run("--with", "pre-commit,github-actions") == 0

    err = capsys.readouterr().err
    assert "lockmigrate 0.1.0.dev0 is a development build, which no package index has" in err
    assert "--lockmigrate-requirement" in err
    assert "[workflow-unreleased]" in err
    hook = load_yaml(tree / ".pre-commit-config.yaml")["repos"][0]["hooks"][0]
    assert hook["additional_dependencies"] == ["lockmigrate~=0.1.0"]
    steps = load_yaml(tree / ".github" / "workflows" / "lockmigrate.yml")["jobs"]["locks"]["steps"]
    install = next(step for step in steps if step.get("name") == "Install lockmigrate")
    assert install["run"] == "python -m pip install 'lockmigrate~=0.1.0'"


def test_the_user_chooses_how_lockmigrate_is_installed(
    tree: Path, repo_root: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    requirement = "lockmigrate @ git+https://github.com/acme/lockmigrate@4f1c2d3"
    assert run("--with", "pre-commit,github-actions", "--lockmigrate-requirement", requirement) == 0

    assert "workflow-unreleased" not in capsys.readouterr().err
    config = tree / ".pre-commit-config.yaml"
    assert load_yaml(config)["repos"][0]["hooks"][0]["additional_dependencies"] == [requirement]
    assert f"--lockmigrate-requirement '{requirement}'" in config.read_text()
    assert_pre_commit_accepts("validate-config", config, tree.parent)
    workflow = load_yaml(tree / ".github" / "workflows" / "lockmigrate.yml")
    validate(workflow, "github-workflows")
    install = next(
        s for s in workflow["jobs"]["locks"]["steps"] if s.get("name") == "Install lockmigrate"
    )
    assert install["run"] == f"python -m pip install '{requirement}'"


def test_a_requirement_yaml_would_misread_is_quoted(tree: Path) -> None:
    requirement = "lockmigrate @ https://example.com/x.whl#sha256=ab ; python_version >= '3.10'"
    assert run("--with", "github-actions", "--lockmigrate-requirement", requirement) == 0

    workflow = load_yaml(tree / ".github" / "workflows" / "lockmigrate.yml")
    install = next(
        s for s in workflow["jobs"]["locks"]["steps"] if s.get("name") == "Install lockmigrate"
    )
    assert install["run"] == "python -m pip install " + shlex.quote(requirement)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--lockmigrate-requirement", "lockmigrate~=1.0"], "add one of them to --with"),
        (["--with", "make", "--lockmigrate-requirement", "x"], "add one of them to --with"),
        (
            ["--with", "pre-commit", "--lockmigrate-requirement", "lockmigrate @"],
            "'lockmigrate @' is not a requirement (Expected URL after @)",
        ),
    ],
)
def test_lockmigrate_requirement_errors(
    tree: Path, arguments: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tree)
    assert run(*arguments) == 2
    assert message in capsys.readouterr().err
    assert snapshot(tree) == before


# --- dry run, idempotence, errors -------------------------------------------------------------


def test_dry_run_shows_the_files_and_writes_nothing(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tree)

    assert run("--with", EVERYTHING, "--dry-run") == 0

    out = capsys.readouterr().out
    assert snapshot(tree) == before
    assert "would create .github/dependabot.yml: " in out
    assert "--- /dev/null\n+++ b/.github/dependabot.yml\n" in out
    assert "+    versioning-strategy: lockfile-only\n" in out
    assert "+++ b/Makefile\n" in out


def assert_the_same_run_changes_nothing(
    root: Path, again: Callable[[], int], capsys: pytest.CaptureFixture[str]
) -> None:
    """Running ``again`` (the run just made) leaves ``root`` as it is, and says nothing."""
    written = snapshot(root)
    capsys.readouterr()

    assert again() == 0

    assert snapshot(root) == written
    captured = capsys.readouterr()
    assert "Nothing to change." in captured.out
    assert without_summary(captured.err) == ""


def test_a_second_run_changes_nothing(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("--with", EVERYTHING) == 0
    assert_the_same_run_changes_nothing(tree, lambda: run("--with", EVERYTHING), capsys)


def test_json_output_lists_the_workflow_files(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--with", "dependabot,make", "--format", "json", "--dry-run") == 0

    document = json.loads(capsys.readouterr().out)
    assert [c["path"] for c in document["changes"]] == [".github/dependabot.yml", "Makefile"]
    assert "workflow-root" in {d["code"] for d in document["diagnostics"]}


def test_an_unknown_name_is_a_usage_error_listing_the_valid_ones(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tree)

    assert run("--with", "dependabot,jenkins") == 2

    err = capsys.readouterr().err
    assert "--with: unknown 'jenkins'" in err
    assert "dependabot, renovate, make, pre-commit, github-actions" in err
    assert "Traceback" not in err
    assert snapshot(tree) == before
    assert main(["to-poetry", "--with", ""]) == 2
    assert "choose from dependabot" in capsys.readouterr().err


def test_names_parse_in_any_order_and_case() -> None:
    assert parse_integrations(" make,Dependabot ,make") == (
        Integration.DEPENDABOT,
        Integration.MAKE,
    )


# --- existing files: merged, never clobbered ----------------------------------------------------

EXISTING_DEPENDABOT = """\
# Our update policy: see CONTRIBUTING.md.
version: 2
updates:
  # Actions: weekly is plenty
  - package-ecosystem: "github-actions"
    directory: "/"
    schedule:
      interval: 'weekly'   # Monday morning

  - package-ecosystem: pip
    directory: /churn/
    schedule: {interval: daily}
    # we bump ranges ourselves
    versioning-strategy: increase
registries:  # our mirror
  mirror:
    type: python-index
    url: https://pypi.example.org/simple
"""


def test_dependabot_entries_are_added_and_everything_else_kept_byte_for_byte(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tree / ".github" / "dependabot.yml"
    path.parent.mkdir()
    path.write_text(EXISTING_DEPENDABOT)

    assert run("--with", "dependabot") == 0

    after = path.read_text()
    head, tail = EXISTING_DEPENDABOT.split("registries:")
    assert after.startswith(head)
    assert after.endswith("registries:" + tail)
    added = after[len(head) : -len("registries:" + tail)]
    assert "# Added by lockmigrate" in added
    assert "lockmigrate to-pip-tools --with dependabot churn nlp taxi" in added
    config = load_yaml(path)
    validate(config, "dependabot")
    assert [(e["package-ecosystem"], e["directory"]) for e in config["updates"]] == [
        ("github-actions", "/"), ("pip", "/churn/"), ("pip", "/nlp"), ("pip", "/taxi"),
    ]  # fmt: skip
    # the user's own entry for /churn stays, and the run says how it differs
    err = capsys.readouterr().err
    assert "the pip entry for /churn was left as it is" in err
    assert "versioning-strategy is increase" in err
    assert "no ignore rule for numpy >=1.27" in err
    assert "[workflow-differs]" in err


def test_a_flow_style_updates_list_is_left_alone_with_what_to_add(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tree / ".github" / "dependabot.yml"
    path.parent.mkdir()
    original = "version: 2\nupdates: [{package-ecosystem: npm, directory: /, schedule: {}}]\n"
    path.write_text(original)

    assert run("--with", "dependabot") == 0

    assert path.read_text() == original
    err = capsys.readouterr().err
    assert "[workflow-unmergeable]" in err
    assert "add this by hand:" in err
    assert "versioning-strategy: lockfile-only" in err
    assert run("--with", "dependabot", "--strict") == 1


EXISTING_PRE_COMMIT = """\
# See https://pre-commit.com
default_stages: [pre-commit]
repos:
-   repo: https://github.com/pre-commit/pre-commit-hooks
    rev: v4.6.0   # pinned on purpose
    hooks:
    -   id: trailing-whitespace
    # -   id: end-of-file-fixer
"""


def test_pre_commit_hook_is_appended_to_a_four_space_config(tree: Path) -> None:
    path = tree / ".pre-commit-config.yaml"
    path.write_text(EXISTING_PRE_COMMIT)

    assert run("--with", "pre-commit") == 0

    after = path.read_text()
    assert after.startswith(EXISTING_PRE_COMMIT)
    repos = load_yaml(path)["repos"]
    assert [repo["repo"] for repo in repos] == [
        "https://github.com/pre-commit/pre-commit-hooks", "local",
    ]  # fmt: skip
    assert repos[1]["hooks"][0]["id"] == "lockmigrate-check"
    snapshot_after = path.read_bytes()
    assert run("--with", "pre-commit") == 0
    assert path.read_bytes() == snapshot_after


def test_renovate_json_is_merged_keeping_its_keys_and_indentation(tree: Path) -> None:
    path = tree / "renovate.json"
    original = {
        "$schema": "https://docs.renovatebot.com/renovate-schema.json",
        "extends": ["config:recommended", ":semanticCommits"],
        "packageRules": [{"matchPackageNames": ["black"], "automerge": True}],
        "timezone": "Europe/Berlin",
    }
    path.write_text(json.dumps(original, indent=4) + "\n")

    assert run("--with", "renovate") == 0

    text = path.read_text()
    merged = json.loads(text)
    validate(merged, "renovate")
    assert list(merged) == [*original, "pip-compile"]
    assert merged["extends"] == original["extends"]
    assert merged["timezone"] == "Europe/Berlin"
    assert merged["packageRules"][0] == original["packageRules"][0]
    assert len(merged["packageRules"]) > 1
    assert '\n    "extends": [\n        "config:recommended",' in text  # four spaces, as before
    assert "description" not in merged  # the header goes to files lockmigrate creates
    assert run("--with", "renovate") == 0
    assert path.read_text() == text


def test_an_existing_makefile_is_never_touched(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    makefile = tree / "Makefile"
    original = "test:\n\tpytest\n\ncheck: test\n"
    makefile.write_text(original)

    assert run("--with", "make") == 0

    assert makefile.read_text() == original
    included = (tree / "lockmigrate.mk").read_text()
    assert "\nlock:\n" in included
    err = capsys.readouterr().err
    assert "include lockmigrate.mk" in err
    assert "it already defines check" in err
    assert "[make-include]" in err

    makefile.write_text("include lockmigrate.mk\n\ntest:\n\tpytest\n")
    assert run("--with", "make") == 0
    assert without_summary(capsys.readouterr().err) == ""
    assert (tree / "lockmigrate.mk").read_text() == included


def test_a_changed_generated_file_is_left_alone_and_reported(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run("--with", "make,github-actions") == 0
    workflow = tree / ".github" / "workflows" / "lockmigrate.yml"
    edited = workflow.read_text().replace("timeout-minutes: 30", "timeout-minutes: 10")
    workflow.write_text(edited)
    capsys.readouterr()

    assert run("--with", "make,github-actions") == 0

    assert workflow.read_text() == edited
    err = capsys.readouterr().err
    assert ".github/workflows/lockmigrate.yml exists and differs" in err
    assert "Makefile" not in err  # ours and unchanged: nothing to say


def test_files_go_to_the_git_top_level_with_directories_relative_to_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "monorepo"
    shutil.copytree(MIGRATED, repo / "services")
    (repo / ".git").mkdir()  # what git init leaves; lockmigrate only looks for it
    monkeypatch.chdir(repo / "services")

    assert run("--with", "dependabot,make", "churn", "nlp") == 0

    config = load_yaml(repo / ".github" / "dependabot.yml")
    assert [e["directory"] for e in config["updates"]] == ["/services/churn", "/services/nlp"]
    assert "\tcd services/churn && $(PIPCOMPILE) " in (repo / "Makefile").read_text()
    assert not (repo / "services" / ".github").exists()


def test_without_a_migrated_service_nothing_is_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "requirements.txt").write_text("numpy==1.26.4\n")
    (tmp_path / "requirements.in").write_text("numpy\n")
    (tmp_path / "requirements.txt").unlink()
    monkeypatch.chdir(tmp_path)

    assert run("--with", "dependabot") == 0

    assert not (tmp_path / ".github").exists()
    assert "[workflow-no-services]" in capsys.readouterr().err


# --- to-poetry ------------------------------------------------------------------------------


def test_to_poetry_with_everything(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(UNMIGRATED, tree)
    monkeypatch.chdir(tree)

    assert main(["to-poetry", "--with", EVERYTHING, "--python", "3.11"]) == 0

    dependabot = load_yaml(tree / ".github" / "dependabot.yml")
    validate(dependabot, "dependabot")
    churn = dependabot["updates"][0]
    assert churn["directory"] == "/churn"
    assert churn["versioning-strategy"] == "lockfile-only"
    ignored = {rule["dependency-name"]: rule["versions"] for rule in churn["ignore"]}
    assert ignored["numpy"] == [">=1.27"]
    assert ignored["pytest"] == [">=8.4"]  # the dev group counts too
    assert "# numpy~=1.26.4 (churn/pyproject.toml:" in (tree / ".github/dependabot.yml").read_text()
    renovate = json.loads((tree / "renovate.json").read_text())
    validate(renovate, "renovate")
    assert renovate["poetry"]["managerFilePatterns"][:2] == [
        "churn/poetry.lock", "churn/pyproject.toml",
    ]  # fmt: skip
    assert "pip-compile" not in renovate
    makefile = (tree / "Makefile").read_text()
    assert "\tcd churn && $(POETRY) lock\n" in makefile
    assert "\tcd taxi && $(POETRY) update --lock\n" in makefile
    workflow = load_yaml(tree / ".github" / "workflows" / "lockmigrate.yml")
    validate(workflow, "github-workflows")
    assert "churn/poetry.lock" in workflow["on"]["pull_request"]["paths"]
    assert "poetry>=2,<3" in (tree / ".github/workflows/lockmigrate.yml").read_text()
    assert (
        "to-poetry --with dependabot churn nlp taxi"
        in (tree / ".github" / "dependabot.yml").read_text()
    )


# --- to-uv ----------------------------------------------------------------------------------


@pytest.fixture
def uv_tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The three services before migration, as the top of a git work tree and the current
    directory; lockmigrate's index cache is private to the test."""
    tree = tmp_path / "repo"
    shutil.copytree(UNMIGRATED, tree)
    (tree / ".git").mkdir()
    monkeypatch.chdir(tree)
    monkeypatch.setenv("LOCKMIGRATE_CACHE_DIR", str(tmp_path / "lockmigrate-cache"))
    return tree


def to_uv(*args: str) -> int:
    return main(["to-uv", "--python-version", "3.11", *args])


def make_dry_run(tree: Path, *args: str) -> str:
    """What ``make -n`` would run (``""`` where make is not installed)."""
    if shutil.which("make") is None:
        return ""
    made = subprocess.run(
        ["make", "-n", *args], cwd=tree, capture_output=True, text=True, check=False
    )
    assert made.returncode == 0, made.stderr
    return made.stdout


def test_to_uv_dependabot_one_uv_entry_per_project_with_groups_and_ranges(uv_tree: Path) -> None:
    assert to_uv("--with", "dependabot") == 0

    text = (uv_tree / ".github" / "dependabot.yml").read_text()
    config = load_yaml(uv_tree / ".github" / "dependabot.yml")
    validate(config, "dependabot")
    entries = {entry["directory"]: entry for entry in config["updates"]}
    assert list(entries) == ["/churn", "/nlp", "/taxi"]
    for entry in entries.values():
        assert entry["package-ecosystem"] == "uv"
        assert entry["versioning-strategy"] == "lockfile-only"
    ignored = {rule["dependency-name"]: rule["versions"] for rule in entries["/churn"]["ignore"]}
    assert ignored == {
        "numpy": [">=1.27"], "pandas": [">=2.3"], "scikit-learn": [">=1.6"],
        "shap": [">=0.47"], "pytest": [">=8.4"],  # the dev group's range counts too
    }  # fmt: skip
    assert entries["/churn"]["groups"]["numpy-stack"]["patterns"][0] == "numpy"
    # each rule cites the range it mirrors where it now lives
    assert "# numpy~=1.26.4 (churn/pyproject.toml:" in text
    assert "# churn: uv.lock updates inside the ranges of churn/pyproject.toml\n" in text
    assert "lockmigrate to-uv --with dependabot churn nlp taxi" in text


def test_to_uv_renovate_points_the_pep621_manager_at_the_projects(uv_tree: Path) -> None:
    assert to_uv("--with", "renovate") == 0

    config = json.loads((uv_tree / "renovate.json").read_text())
    validate(config, "renovate")
    projects = [f"{service}/pyproject.toml" for service in ("churn", "nlp", "taxi")]
    # pep621 is the manager that updates uv.lock; it reads the pyproject.toml beside it
    assert config["pep621"] == {"managerFilePatterns": projects}
    assert "pip-compile" not in config
    assert "poetry" not in config
    in_range = next(rule for rule in config["packageRules"] if rule.get("rangeStrategy"))
    assert in_range["rangeStrategy"] == "in-range-only"
    assert in_range["matchManagers"] == ["pep621"]
    assert "churn/uv.lock" in in_range["matchFileNames"]
    group = next(r for r in config["packageRules"] if r.get("groupName") == "numpy-stack")
    assert group["matchManagers"] == ["pep621"]


def test_to_uv_makefile_locks_upgrades_and_checks_with_uv(uv_tree: Path) -> None:
    assert to_uv("--with", "make") == 0

    text = (uv_tree / "Makefile").read_text()
    for target in ("lock:", "upgrade:", "check:", "diff:"):
        assert f"\n{target}\n" in text
    assert "\tcd churn && $(UV) lock\n" in text
    assert "\tcd taxi && $(UV) lock --check\n" in text
    assert "\t$(LOCKMIGRATE) check churn nlp taxi\n" in text
    assert "\t$(LOCKMIGRATE) diff churn nlp taxi\n" in text
    everything = make_dry_run(uv_tree, "upgrade")
    if everything:
        assert "cd nlp && uv lock --upgrade\n" in everything
        one = make_dry_run(uv_tree, "upgrade", "PACKAGE=numpy")
        assert "cd nlp && uv lock --upgrade-package numpy\n" in one
        check = make_dry_run(uv_tree, "check")
        assert check.splitlines()[-1] == "lockmigrate check churn nlp taxi"


def test_to_uv_pre_commit_hook_installs_uv_and_watches_the_locks(
    uv_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert to_uv("--with", "pre-commit") == 0

    config = uv_tree / ".pre-commit-config.yaml"
    hook = load_yaml(config)["repos"][0]["hooks"][0]
    assert hook["id"] == "lockmigrate-check"
    assert hook["args"] == ["churn", "nlp", "taxi"]
    # lockmigrate check runs uv lock --check in each project: uv is in the hook's environment
    assert hook["additional_dependencies"] == [installed_self().requirement, UV_LINE]
    import re

    files = re.compile(hook["files"])
    for changed in ("churn/uv.lock", "nlp/pyproject.toml", "taxi/requirements-dev.txt"):
        assert files.search(changed), changed
    assert not files.search("uv.lock")  # no project at the root
    assert_pre_commit_accepts("validate-config", config, uv_tree.parent)


def test_to_uv_github_workflow_runs_uv_lock_check_then_lockmigrate(uv_tree: Path) -> None:
    assert to_uv("--with", "github-actions") == 0

    workflow = load_yaml(uv_tree / ".github" / "workflows" / "lockmigrate.yml")
    validate(workflow, "github-workflows")
    paths = workflow["on"]["pull_request"]["paths"]
    assert {"churn/pyproject.toml", "churn/uv.lock", "taxi/uv.lock"} <= set(paths)
    steps = workflow["jobs"]["locks"]["steps"]
    uses = [step["uses"] for step in steps if "uses" in step]
    # setup-uv publishes no moving v8 tag: an exact release
    assert uses == ["actions/checkout@v4", "actions/setup-python@v5", "astral-sh/setup-uv@v8.3.2"]
    runs = {step.get("name"): step.get("run", "") for step in steps}
    assert runs["uv lock --check"] == (
        "uv lock --check --directory churn\n"
        "uv lock --check --directory nlp\n"
        "uv lock --check --directory taxi\n"
    )
    assert runs["lockmigrate check"] == "lockmigrate check churn nlp taxi"
    names = [step.get("name") for step in steps]
    assert names.index("uv lock --check") < names.index("lockmigrate check")
    assert "poetry" not in (uv_tree / ".github" / "workflows" / "lockmigrate.yml").read_text()
    for script in runs.values():
        if script:
            syntax = subprocess.run(["bash", "-n"], input=script, text=True, check=False)
            assert syntax.returncode == 0, script


def test_to_uv_with_everything_twice_changes_nothing_the_second_time(
    uv_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(uv_tree)
    assert to_uv("--with", EVERYTHING, "--dry-run") == 0

    out = capsys.readouterr().out
    assert snapshot(uv_tree) == before  # --dry-run writes nothing, and shows every file
    assert "would create .github/dependabot.yml: " in out
    assert "+  - package-ecosystem: uv\n" in out
    assert "--- /dev/null\n+++ b/Makefile\n" in out
    assert "+\tcd churn && $(UV) lock\n" in out
    assert '+  "pep621": {\n' in out

    assert to_uv("--with", EVERYTHING) == 0
    created = {".github/dependabot.yml", "renovate.json", "Makefile", ".pre-commit-config.yaml"}
    created |= {".github/workflows/lockmigrate.yml", "churn/pyproject.toml"}
    assert created <= set(snapshot(uv_tree))
    assert_the_same_run_changes_nothing(uv_tree, lambda: to_uv("--with", EVERYTHING), capsys)


def test_to_uv_adds_to_an_existing_dependabot_and_renovate_configuration(
    uv_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dependabot = uv_tree / ".github" / "dependabot.yml"
    dependabot.parent.mkdir()
    existing = EXISTING_DEPENDABOT.replace(
        "  - package-ecosystem: pip\n    directory: /churn/\n",
        "  - package-ecosystem: uv\n    directory: /churn/\n",
    )
    dependabot.write_text(existing)
    renovate = uv_tree / "renovate.json"
    original = {"extends": ["config:recommended"], "pep621": {"managerFilePatterns": ["x.toml"]}}
    renovate.write_text(json.dumps(original, indent=4) + "\n")

    assert to_uv("--with", "dependabot,renovate") == 0

    after = dependabot.read_text()
    head, tail = existing.split("registries:")
    assert after.startswith(head)  # every line of the user's file stays, in its place
    assert after.endswith("registries:" + tail)
    config = load_yaml(dependabot)
    validate(config, "dependabot")
    assert [(e["package-ecosystem"], e["directory"]) for e in config["updates"]] == [
        ("github-actions", "/"), ("uv", "/churn/"), ("uv", "/nlp"), ("uv", "/taxi"),
    ]  # fmt: skip
    err = capsys.readouterr().err
    assert "the uv entry for /churn was left as it is" in err
    assert "versioning-strategy is increase" in err
    merged = json.loads(renovate.read_text())
    validate(merged, "renovate")
    assert merged["pep621"]["managerFilePatterns"] == [
        "x.toml", "churn/pyproject.toml", "nlp/pyproject.toml", "taxi/pyproject.toml",
    ]  # fmt: skip
    assert '\n    "extends": [\n        "config:recommended"' in renovate.read_text()


def test_to_uv_workspace_files_point_at_the_workspace_root(
    uv_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert to_uv("--workspace", "--with", EVERYTHING) == 0

    dependabot = load_yaml(uv_tree / ".github" / "dependabot.yml")
    validate(dependabot, "dependabot")
    (entry,) = dependabot["updates"]  # one project, one uv.lock
    assert (entry["package-ecosystem"], entry["directory"]) == ("uv", "/")
    ignored = {rule["dependency-name"]: rule["versions"] for rule in entry["ignore"]}
    assert ignored["lightgbm"] == [">=4.6"]  # taxi's range
    assert ignored["pytest"] == [">=8.4"]  # ~=8.3.3 (churn) and ~=8.3 (nlp), intersected
    text = (uv_tree / ".github" / "dependabot.yml").read_text()
    assert "for the uv workspace of churn, nlp, taxi." in text
    assert "lockmigrate to-uv --with dependabot --workspace .\n" in text
    renovate = json.loads((uv_tree / "renovate.json").read_text())
    validate(renovate, "renovate")
    assert "pyproject.toml" in renovate["pep621"]["managerFilePatterns"]
    assert "churn/pyproject.toml" in renovate["pep621"]["managerFilePatterns"]
    makefile = (uv_tree / "Makefile").read_text()
    assert "\nlock:\n\t$(UV) lock\n" in makefile
    assert "\t$(UV) lock --check\n\t$(LOCKMIGRATE) check .\n" in makefile
    assert "cd churn" not in makefile
    hook = load_yaml(uv_tree / ".pre-commit-config.yaml")["repos"][0]["hooks"][0]
    assert hook["args"] == ["."]
    import re

    files = re.compile(hook["files"])
    for changed in ("uv.lock", "pyproject.toml", "churn/pyproject.toml", "nlp/requirements.txt"):
        assert files.search(changed), changed
    workflow = load_yaml(uv_tree / ".github" / "workflows" / "lockmigrate.yml")
    validate(workflow, "github-workflows")
    runs = {s.get("name"): s.get("run", "") for s in workflow["jobs"]["locks"]["steps"]}
    assert runs["uv lock --check"] == "uv lock --check\n"
    assert runs["lockmigrate check"] == "lockmigrate check ."
    assert {"uv.lock", "pyproject.toml", "nlp/pyproject.toml"} <= set(
        workflow["on"]["pull_request"]["paths"]
    )
    capsys.readouterr()
    written = snapshot(uv_tree)
    assert to_uv("--workspace", "--with", EVERYTHING) == 0
    assert snapshot(uv_tree) == written
    captured = capsys.readouterr()
    assert "Nothing to change." in captured.out
    assert "warning" not in captured.err  # (to-uv's note on the workspace itself stays)


def test_to_uv_json_lists_the_workflow_files_and_no_lock_without_lock(
    uv_tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert to_uv("--with", "make", "--format", "json", "--dry-run") == 0

    document = json.loads(capsys.readouterr().out)
    assert [c["path"] for c in document["changes"]][-1] == "Makefile"
    assert document["locked"] == []


# --- the pieces -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "ignored"),
    [
        ([(None, "~=1.26.4")], (">=1.27",)),
        ([(None, "~=1.4")], (">=2",)),
        ([(None, "~=0.46.0")], (">=0.47",)),
        ([(None, "~=2.2.3.241126")], (">=2.2.4",)),
        ([(None, "~=1!2.0")], (">=1!3",)),
        ([(None, "==1.2.*")], (">=1.3",)),
        ([(None, ">=2.31,<3")], (">=3",)),
        ([(None, "<=24.8.0")], (">24.8.0",)),
        ([(None, "==1.0.2")], (">1.0.2",)),
        ([(None, ">=1.0")], ()),
        ([(None, "")], ()),
        ([(None, "~=1.26.4,!=1.26.7")], (">=1.27", "==1.26.7")),
        ([(None, "~=1.26.4,!=2.0.1")], (">=1.27",)),  # already outside
        # two files of a service: the ranges intersect
        ([(None, "~=1.26"), (None, "~=1.26.4")], (">=1.27",)),
        # two environments: a version either may install is never ignored
        (
            [("python_version < '3.12'", "~=1.26.4"), ("python_version >= '3.12'", "~=2.0")],
            (">=3",),
        ),
        ([("python_version < '3.12'", "~=1.26.4"), ("python_version >= '3.12'", ">=2")], ()),
    ],
)
def test_ranges_become_dependabot_ignore_versions(
    declared: list[tuple[str | None, str]], ignored: tuple[str, ...]
) -> None:
    assert ignored_versions(declared) == ignored


def test_groups_need_their_anchor_and_a_companion() -> None:
    assert groups_of({"numpy", "pandas", "requests"}) == [
        ("numpy-stack", "numpy and the packages compiled against its C API", ["numpy", "pandas"])
    ]
    assert groups_of({"pandas", "scipy"}) == []  # no numpy, no group
    assert groups_of({"numpy"}) == []  # a group of one is no group
    otel = groups_of({"opentelemetry-api", "opentelemetry-sdk", "opentelemetry-exporter-otlp"})
    assert otel[0][2] == [
        "opentelemetry-api", "opentelemetry-exporter-otlp", "opentelemetry-sdk",
    ]  # fmt: skip


# --- with the resolver ------------------------------------------------------------------------


@pytest.mark.slow
def test_a_dry_run_migration_renders_from_the_planned_files(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(UNMIGRATED / "churn", tree / "churn")
    (tree / ".git").mkdir()  # one service: the root is the git top level, not churn/
    before = snapshot(tree)
    monkeypatch.chdir(tree)

    assert run("--with", "dependabot,make", "--dry-run", "churn") == 0

    out = capsys.readouterr().out
    assert snapshot(tree) == before
    # ranges cited where they will live, lock commands from the locks about to be written
    assert "+      # numpy~=1.26.4 (churn/requirements-prod.in:4)\n" in out
    assert "+\tcd churn && $(PIPCOMPILE) --allow-unsafe" in out
    assert "--output-file=requirements-prod.txt --strip-extras requirements-prod.in\n" in out


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_edit_a_range_check_fails_make_lock_check_passes(
    use_index: LocalIndex,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    tree = tmp_path / "repo"
    shutil.copytree(MIGRATED / "churn", tree / "churn")
    (tree / ".git").mkdir()
    monkeypatch.chdir(tree)
    assert run("--with", "make", "churn") == 0
    assert main(["check", "churn"]) == 0
    prod_in = tree / "churn" / "requirements-prod.in"
    prod_in.write_text(prod_in.read_text().replace("numpy~=1.26.4 ", "numpy~=1.26.4,!=1.26.9"))

    assert main(["check", "churn"]) == 1  # the lock still pins numpy 1.26.9

    made = subprocess.run(
        ["make", "lock", f"PIPCOMPILE={sys.executable} -m piptools compile"],
        cwd=tree,
        env=os.environ,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        check=False,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "numpy==1.26.4\n" in (tree / "churn" / "requirements-prod.txt").read_text()
    assert "numpy==1.26.4\n" in (tree / "churn" / "requirements-dev.txt").read_text()
    capsys.readouterr()
    assert main(["check", "churn"]) == 0, capsys.readouterr().out


def test_every_lock_tool_has_its_names() -> None:
    from lockmigrate.targets.workflow.services import _TOOL_NAMES, Tool

    assert set(_TOOL_NAMES) == set(Tool)
