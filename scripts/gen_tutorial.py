"""Regenerate the tutorials (``docs/tutorial/pip-tools.md``, ``docs/tutorial/poetry.md``)
from real runs, so the commands and outputs they show cannot drift from the tool.

Each tutorial copies ``examples/adr`` into a fresh git repository in a temporary folder and
runs the real commands there (``lockmigrate``, pip-compile, Poetry, git), capturing what they
print. The prose lives here, beside the steps it describes.

    # what the committed docs come from: real PyPI (takes a few minutes)
    python scripts/gen_tutorial.py

    # any other index, e.g. the local test index (tests/test_docs.py does this)
    python scripts/gen_tutorial.py --index-url http://127.0.0.1:8000/simple/ --output /tmp/tut

The machine's pip and uv configuration is ignored (``PIP_CONFIG_FILE`` is ``os.devnull``,
every other ``PIP_*``/``UV_*`` variable is dropped), so the pages show what a plain
``pip.conf``-less machine gets from the index given.

``--poetry-source URL`` adds a primary Poetry source before ``poetry lock`` (shown as a step
with a note): Poetry's built-in PyPI repository needs PyPI's JSON API, and an index that serves
only PEP 503 HTML (a mirror, or the local test index without it) needs a source instead.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import importlib.util
import os
import platform
import shlex
import shutil
import subprocess
import sys
import tempfile
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["PYPI", "StepError", "main", "tool_environment"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "adr"
OUTPUT = ROOT / "docs" / "tutorial"
PYPI = "https://pypi.org/simple/"

#: Terminal width the commands see (``COLUMNS``): tables are laid out for it, piped too;
#: 100 columns, about what a page's code block shows without scrolling.
WIDTH = 100

#: Variables of the machine's pip, uv and Poetry setup that must not reach a run. The cache
#: and configuration folders are kept: they change no result, only how fast it comes.
_DROPPED_PREFIXES = ("PIP_", "UV_", "POETRY_")
_KEPT = frozenset(
    {
        "PIP_CACHE_DIR",
        "PIP_TOOLS_CACHE_DIR",
        "UV_CACHE_DIR",
        "POETRY_CACHE_DIR",
        "POETRY_CONFIG_DIR",
        "POETRY_DATA_DIR",
        "POETRY_KEYRING_ENABLED",
    }
)

#: How each program shown on the page is run: always from this interpreter's environment.
_PROGRAMS: dict[str, list[str]] = {
    "lockmigrate": [sys.executable, "-m", "lockmigrate"],
    "pip-compile": [sys.executable, "-m", "piptools", "compile"],
    "poetry": [sys.executable, "-m", "poetry"],
    "git": ["git"],
}

Trim = Callable[[str], str]


class StepError(RuntimeError):
    """A command exited with another code than the tutorial expects."""


def whole(text: str) -> str:
    """Keep everything."""
    return text


def head(count: int) -> Trim:
    """Keep the first ``count`` lines and say how many were left out."""

    def trim(text: str) -> str:
        lines = text.splitlines()
        if len(lines) <= count:
            return text
        return "\n".join([*lines[:count], f"[... {len(lines) - count} more lines ...]"]) + "\n"

    return trim


def summary(what: str) -> Trim:
    """Replace the whole output by one line saying what it was and how long."""

    def trim(text: str) -> str:
        count = len(text.splitlines())
        return f"[... {count} lines: {what} ...]\n" if count else ""

    return trim


def drop_lines(*prefixes: str) -> Trim:
    """Leave out lines starting with any of ``prefixes`` (machine-specific noise)."""

    def trim(text: str) -> str:
        kept = [line for line in text.splitlines() if not line.startswith(prefixes)]
        return "\n".join(kept) + ("\n" if kept else "")

    return trim


def diff_files(limits: Mapping[str, int | None], *, others: str = "summarise") -> Trim:
    """From ``--dry-run`` output: the lines before the first diff, then the diff of each file
    named in ``limits`` (``None``: whole; a number: that many lines), other files summarised."""

    def trim(text: str) -> str:
        lines = text.splitlines()
        starts = [
            i
            for i, line in enumerate(lines)
            if line.startswith("--- ") and i + 1 < len(lines) and lines[i + 1].startswith("+++ ")
        ]
        kept = lines[: starts[0]] if starts else lines
        skipped: list[str] = []
        for number, start in enumerate(starts):
            end = starts[number + 1] if number + 1 < len(starts) else len(lines)
            chunk = lines[start:end]
            target = chunk[1].removeprefix("+++ ").removeprefix("b/")
            name = next((key for key in limits if target.endswith(key)), None)
            if name is None:
                skipped.append(target)
                continue
            limit = limits[name]
            if limit is not None and len(chunk) > limit:
                chunk = [*chunk[:limit], f"[... {len(chunk) - limit} more lines ...]"]
            kept += chunk
        if skipped and others == "summarise":
            kept.append(f"[... and the diffs of {', '.join(skipped)} ...]")
        return "\n".join(kept) + "\n"

    return trim


def tool_environment(base: Mapping[str, str], *, index_url: str) -> dict[str, str]:
    """The environment every command runs in: ``base`` without the machine's pip, uv and
    Poetry settings, pip pointed at ``index_url`` and nothing else, plain uncoloured output
    ``WIDTH`` columns wide, and git that reads no user or system configuration."""
    env = {
        name: value
        for name, value in base.items()
        if not name.upper().startswith(_DROPPED_PREFIXES) or name in _KEPT
    }
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": index_url,
            "PIP_NO_INPUT": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_NO_CONFIG": "1",
            "UV_DEFAULT_INDEX": index_url,
            "NO_COLOR": "1",
            "COLUMNS": str(WIDTH),
            "TERM": "dumb",
            "GIT_CONFIG_GLOBAL": os.devnull,
            "GIT_CONFIG_NOSYSTEM": "1",
            "GIT_AUTHOR_NAME": "Tutorial",
            "GIT_AUTHOR_EMAIL": "tutorial@example.invalid",
            "GIT_COMMITTER_NAME": "Tutorial",
            "GIT_COMMITTER_EMAIL": "tutorial@example.invalid",
        }
    )
    env.pop("FORCE_COLOR", None)
    return env


@dataclass(slots=True)
class Page:
    """One tutorial page being written: prose, and commands run in ``tree`` with their output."""

    tree: Path
    env: dict[str, str]
    parts: list[str] = field(default_factory=list)

    def say(self, markdown: str) -> None:
        self.parts.append(textwrap.dedent(markdown).strip() + "\n")

    def run(
        self, *shown: str, cwd: str = ".", expect: int = 0, keep: Trim = whole, echo: bool = True
    ) -> str:
        """Run ``shown`` (``lockmigrate ...``, ``pip-compile ...``, ``poetry ...``, ``git ...``)
        in ``cwd`` below the tree; show the command and its output unless ``echo`` is off."""
        argv = [*_PROGRAMS[shown[0]], *shown[1:]]
        folder = self.tree / cwd
        result = subprocess.run(
            argv,
            cwd=folder,
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            check=False,
        )
        output = "\n".join(line.rstrip() for line in result.stdout.splitlines())
        output = output.replace(str(self.tree), ".") + ("\n" if output else "")
        if result.returncode != expect:
            raise StepError(
                f"{shlex.join(shown)} (in {cwd}) exited {result.returncode}, "
                f"expected {expect}:\n{output}"
            )
        if echo:
            prompt = "$ " + (f"cd {cwd} && " if cwd != "." else "") + shlex.join(shown)
            status = f"[exit code {result.returncode}]\n" if result.returncode else ""
            self.parts.append(f"```text\n{prompt}\n{keep(output)}{status}```\n")
        return output

    def show_file(self, path: str, *, language: str = "text", keep: Trim = whole) -> None:
        text = (self.tree / path).read_text(encoding="utf-8")
        self.parts.append(f"`{path}`:\n\n```{language}\n{keep(text)}```\n")

    def edit(self, path: str, old: str, new: str) -> None:
        """Replace ``old`` by ``new`` in a file of the tree (the prose says what changed)."""
        target = self.tree / path
        text = target.read_text(encoding="utf-8")
        if old not in text:
            raise StepError(f"{path} does not contain {old!r}")
        target.write_text(text.replace(old, new, 1), encoding="utf-8")

    def markdown(self) -> str:
        return "\n".join(self.parts)


def _version(distribution: str) -> str:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _provenance(index_url: str) -> str:
    where = "PyPI" if index_url == PYPI else f"the index at `{index_url}`"
    return (
        '!!! note "Generated from real runs"\n'
        "    Every command on this page was run by `scripts/gen_tutorial.py` on "
        f"{datetime.date.today().isoformat()}, against {where}, with lockmigrate "
        f"{_version('lockmigrate')}, pip-tools {_version('pip-tools')}, Poetry "
        f"{_version('poetry')} and Python {platform.python_version()}; the outputs are "
        "what they printed (long ones are cut where marked `[...]`). PyPI moves: the "
        "versions you get will be newer.\n"
    )


def _lock_command(lock: Path) -> list[str]:
    """The pip-compile command recorded in a lock's header ("by the following command")."""
    for line in lock.read_text(encoding="utf-8").splitlines():
        text = line.removeprefix("#").strip()
        if line.startswith("#") and text.startswith("pip-compile "):
            return shlex.split(text)
    raise StepError(f"{lock} has no pip-compile command in its header")


def _fresh_tree(parent: Path, env: dict[str, str]) -> Path:
    """A git repository holding ``examples/adr`` as committed, one commit deep."""
    tree = parent / "repo"
    shutil.copytree(EXAMPLE, tree / "examples" / "adr")
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "examples"],
        ["git", "commit", "-q", "-m", "ADR-007: ~= ranges"],
    ):
        subprocess.run(argv, cwd=tree, env=env, check=True, stdin=subprocess.DEVNULL)
    return tree


CHURN = "examples/adr/BankChurn-Predictor"
TAXI = "examples/adr/ChicagoTaxi-Pipeline"


def pip_tools_page(page: Page, index_url: str) -> None:
    """The whole migration of examples/adr to pip-compile pairs."""
    page.say(
        """
        # Tutorial: migrate to pip-tools

        You will turn the three services of [`examples/adr`](index.md), whose
        `requirements-*.txt` files hold `~=` ranges, into pip-compile pairs: a `.in` file
        that keeps the ranges exactly as written, and a `.txt` lock with every package,
        transitive ones included, pinned to one version. Then you will check the locks the
        way CI would, see what the ranges hold back, and change a range the way you will from
        now on.
        """
    )
    page.say(_provenance(index_url))
    page.say(
        """
        ## Before you start

        Install lockmigrate (it brings pip-tools with it) and work in a clean git checkout,
        on a branch: the migration rewrites files in place, and git is how you review it
        and, if you need to, [roll it back](../how-to/roll-back.md).

        ```sh
        python3 -m venv .venv && .venv/bin/python -m pip install -e .
        git switch -c lock-dependencies
        ```

        The commands below run from the repository root. The resolver uses your pip
        configuration (`pip.conf`, `PIP_INDEX_URL`) the way `pip install` would; see
        [private indexes](../how-to/private-indexes.md) when yours needs credentials.

        ## 1. Look at what is there

        `scan` reads every requirement file, groups the files into services and says what
        each migration would do with each file. It changes nothing and needs no network.
        """
    )
    page.run("lockmigrate", "scan", CHURN, keep=head(40))
    page.say(
        """
        Every range is a 3-part or 2-part `~=` ("compatible release"), and
        `requirements-dev.txt` includes `requirements-prod.txt` with `-r`. No warnings: the
        files say nothing a lock cannot carry. For a whole tree, `lockmigrate scan
        examples/adr` lists all three services; `--format json` gives the same as a
        [documented schema](../reference/scan-json.md).

        ## 2. Preview the migration

        `--dry-run` runs the real resolver (so what it shows is exact) and prints the diff of
        every file it would write, without writing any:
        """
    )
    page.run(
        "lockmigrate",
        "to-pip-tools",
        "--dry-run",
        CHURN,
        keep=diff_files({"requirements-dev.in": None, "requirements-prod.txt": 40}),
    )
    page.say(
        """
        Two things to notice:

        - `requirements-dev.in` is the old `requirements-dev.txt` byte for byte, under a
          two-line header, except that its `-r requirements-prod.txt` now points at the
          prod `.in` and is followed by `-c requirements-prod.txt`: the dev lock is
          *layered* on the prod lock, so every package the two share gets the same pin
          (see [layered requirements](../how-to/layered-requirements.md)).
        - `requirements-prod.txt` keeps its name and becomes pip-compile's output. Its
          header holds the exact pip-compile command that produced it: that is the command
          you, Dependabot or Renovate run to lock again.

        ## 3. Migrate

        Run it on the whole example. Files are compiled in parallel, prod before dev; nothing
        is written until every file has compiled and every pin has been checked against every
        range it must satisfy.
        """
    )
    page.run("lockmigrate", "to-pip-tools", "examples/adr")
    page.say(
        """
        ## 4. Review what changed

        For each ranged `requirements-X.txt` there is a new `requirements-X.in`, and the
        `.txt` is now a lock:
        """
    )
    page.run("git", "status", "--short")
    page.show_file(f"{CHURN}/requirements-prod.in")
    page.show_file(f"{CHURN}/requirements-prod.txt", keep=head(30))
    page.say(
        """
        Every pin is inside its range (`numpy~=1.26.4` gave a `1.26.x`), and the packages
        nobody declared, which the declared ones need, are pinned too, with `# via` saying
        who needs them. Because each dev lock is layered on its prod lock,
        the versions agree across the pair:
        """
    )
    page.run("git", "grep", "-e", "^numpy==", "-e", "^shap==", "--", f"{CHURN}/*.txt")
    page.say("Commit the result:")
    page.run("git", "add", "examples/adr", echo=False)
    page.run("git", "commit", "-q", "-m", "Lock the ADR services with pip-tools", echo=False)
    page.say(
        """
        ```sh
        git add examples/adr && git commit -m "Lock the ADR services with pip-tools"
        ```

        A second run finds nothing to do, and says so:
        """
    )
    page.run("lockmigrate", "to-pip-tools", "examples/adr")
    page.say(
        """
        ## 5. Check the locks, as CI will

        `check` verifies that every lock is fresh (it is what its `.in` locks to now), that
        every pin is inside every range, that layered files agree, and that no file holds a
        credential. Each lock records a digest of its inputs, so an untouched pair is
        trusted without resolving:
        """
    )
    page.run("lockmigrate", "check", "examples/adr")
    page.say(
        """
        ## 6. See what the ranges hold back

        `diff` compares each lock with its ranges and with the index: the newest version
        each range allows, the newest overall, and a status. `held` means a newer release
        exists outside the range (the ADR's choice, working as intended); `unguarded` marks
        a transitive package with a newer major release that no range of yours would
        stop: the next re-lock may take it.
        """
    )
    page.run("lockmigrate", "diff", f"{CHURN}/requirements-prod.in")
    page.say(
        """
        `--format markdown` gives the same as a pull-request comment, and `--fail-on`
        makes it a gate; see the [diff reference](../reference/diff-json.md).

        ## 7. Change a range, and lock again

        From now on the ranges live in the `.in` files. Say the team has re-validated the
        churn model on scikit-learn 1.6 and moves the range in
        `BankChurn-Predictor/requirements-prod.in` from `scikit-learn~=1.5.2` to
        `scikit-learn~=1.6.1`. `check` notices at once that the lock no longer fits:
        """
    )
    page.edit(f"{CHURN}/requirements-prod.in", "scikit-learn~=1.5.2", "scikit-learn~=1.6.1")
    page.run("lockmigrate", "check", CHURN, expect=1)
    page.say(
        """
        Lock again with the command from the lock's header, in the service's folder. The old
        lock is pip-compile's preference, so only what the new range requires moves. Then
        lock the dev file, which is layered on the prod lock:
        """
    )
    for role in ("prod", "dev"):
        page.run(
            *_lock_command(page.tree / CHURN / f"requirements-{role}.txt"),
            cwd=CHURN,
            keep=summary("pip-compile prints the lock it wrote"),
        )
    page.run("git", "diff", "--stat", "--", CHURN)
    page.run("lockmigrate", "check", CHURN)
    page.say(
        """
        Only the range you changed and the pins it moved differ, and the line with
        lockmigrate's digest of the inputs is gone: pip-compile does not write it, so
        `check` re-resolved the two locks instead of trusting them (`lockmigrate
        to-pip-tools --upgrade` writes it again).

        ## Where to go next

        - [Keep the ranges policy with Dependabot](../how-to/dependabot.md), so lock updates
          arrive as pull requests that stay inside the ranges.
        - [Move from a `~=` ADR to locks step by step](../how-to/adr-to-locks.md), for a real
          team's rollout, and [rolling back](../how-to/roll-back.md).
        - The same example [migrated to Poetry](poetry.md).
        """
    )


def poetry_page(page: Page, index_url: str, poetry_source: str | None) -> None:
    """The whole migration of examples/adr to Poetry (pyproject.toml + poetry.lock)."""
    page.say(
        """
        # Tutorial: migrate to Poetry

        You will turn the three services of [`examples/adr`](index.md) into Poetry
        projects: each service's `requirements-prod.txt` becomes the main dependencies of a
        new `pyproject.toml`, its `requirements-dev.txt` a `dev` dependency group, every `~=`
        range allowing exactly what it allowed before. Then Poetry checks and locks it.
        """
    )
    page.say(_provenance(index_url))
    page.say(
        """
        ## Before you start

        Install lockmigrate and [Poetry](https://python-poetry.org/docs/#installation) 2,
        and work in a clean git checkout, on a branch.

        ```sh
        python3 -m venv .venv && .venv/bin/python -m pip install -e .
        git switch -c poetry
        ```

        ## 1. Preview the migration

        `--dry-run` prints the plan and the exact file that would be written:
        """
    )
    page.run("lockmigrate", "to-poetry", "--dry-run", CHURN)
    page.say(
        """
        The default layout is the one Poetry 2 writes itself: PEP 621 `[project]` for the
        main dependencies and PEP 735 `[dependency-groups]` for the rest. The specifiers
        are PEP 440, exactly as written, comments included. A service with no build system
        is an application, so `package-mode = false`. `requires-python` comes from the
        interpreter lockmigrate runs under; use `--python-version 3.10` to say otherwise.

        ### The other layout, and why `~=0.61` stays as it is

        With `--layout poetry` the dependencies go into `[tool.poetry]` tables, and
        `--constraint-style poetry` writes Poetry's `^`/`~` where, and only where, they
        mean exactly the same versions:
        """
    )
    page.run(
        "lockmigrate",
        "to-poetry",
        "--dry-run",
        "--layout",
        "poetry",
        "--constraint-style",
        "poetry",
        TAXI,
    )
    page.say(
        """
        `numpy~=1.26.4` became `~1.26.4` and `pyarrow~=18.1` became `^18.1`: the same sets.
        `holidays~=0.61` did not become `^0.61`: on a `0.x` version Poetry's caret (and
        tilde) stop at the next *minor*, `<0.62`, while `~=0.61` allows every `0.y` from
        0.61 up to 1.0, which is what the ADR wants for holidays. Nor does the four-part
        `pandas-stubs~=2.2.3.241126` have an equal caret or tilde.
        [Why `~=0.46` must not become `^0.46`](../explanation/poetry.md) says more.

        ## 2. Migrate

        This tutorial keeps the default layout:
        """
    )
    page.run("lockmigrate", "to-poetry", "examples/adr")
    page.say(
        """
        The requirement files are still there: nothing else in the repository (a
        Dockerfile, a CI job) breaks before you are ready. Once nothing reads them, run
        again with `--remove-requirements` to delete them.

        ## 3. Let Poetry check it
        """
    )
    page.run("poetry", "check", cwd=CHURN)
    page.say("## 4. Lock")
    if poetry_source is not None:
        page.say(
            f"""
            !!! note "An extra step on the machine that generated this page"
                Poetry's built-in PyPI repository reads the JSON form of the Simple
                Repository API (PEP 691). The machine that generated this page reaches
                `{poetry_source}` through a mirror that serves only HTML (PEP 503), so the
                index was added as a primary source first. Where Poetry reaches pypi.org
                itself, you do not need this step.
            """
        )
        page.run("poetry", "source", "add", "--priority=primary", "index", poetry_source, cwd=CHURN)
    page.run(
        "poetry", "lock", cwd=CHURN, keep=drop_lines("Creating virtualenv", "Using virtualenv")
    )
    page.say(
        """
        `poetry.lock` now pins every package of the main dependencies and of the `dev`
        group. `lockmigrate diff` reads it like any other lock, against the ranges in
        `pyproject.toml`:
        """
    )
    page.run(
        "lockmigrate", "diff", "--format", "markdown", f"{CHURN}/pyproject.toml", keep=head(24)
    )
    page.say(
        """
        This is the Markdown form, the one a pull-request comment gets; without `--format`
        it is a table for the terminal. (Given the folder, `diff` would pick the requirement
        files, which are still there.)

        ## 5. Check it, as CI will

        `lockmigrate check` runs `poetry check --lock` in every service that has a
        `poetry.lock`. Say someone moves `ruff~=0.8.1` to `ruff~=0.8.2` in
        `pyproject.toml` and forgets to lock:
        """
    )
    page.edit(f"{CHURN}/pyproject.toml", '"ruff~=0.8.1"', '"ruff~=0.8.2"')
    page.run("lockmigrate", "check", CHURN, expect=1)
    page.run(
        "poetry", "lock", cwd=CHURN, keep=drop_lines("Creating virtualenv", "Using virtualenv")
    )
    page.run("lockmigrate", "check", CHURN)
    page.say(
        """
        Lock the other two services the same way (`poetry lock` in each folder), or let
        lockmigrate do it with `lockmigrate to-poetry --lock`. Then review and commit:
        """
    )
    page.run("git", "status", "--short")
    page.say(
        """
        ## Where to go next

        - [How each requirements construct maps to Poetry](../explanation/poetry.md): URLs,
          editables, markers, indexes, and what Poetry cannot express.
        - [Private indexes and credentials](../how-to/private-indexes.md): `--index-url`
          lines become `[[tool.poetry.source]]` entries.
        - [Rolling back](../how-to/roll-back.md), and the same example
          [migrated to pip-tools](pip-tools.md).
        """
    )


def generate(
    output: Path,
    *,
    index_url: str,
    poetry_source: str | None,
    environ: Mapping[str, str],
    pages: Sequence[str] = ("pip-tools", "poetry"),
) -> list[Path]:
    """Run every step of the chosen pages and write them to ``output``; returns the files."""
    env = tool_environment(environ, index_url=index_url)
    written: list[Path] = []
    output.mkdir(parents=True, exist_ok=True)
    for name in pages:
        with tempfile.TemporaryDirectory(prefix=f"lockmigrate-tutorial-{name}-") as scratch:
            tree = _fresh_tree(Path(scratch), env)
            page = Page(tree=tree, env=env)
            if name == "pip-tools":
                pip_tools_page(page, index_url)
            elif name == "poetry":
                if importlib.util.find_spec("poetry") is None:
                    raise StepError("the Poetry tutorial needs Poetry: pip install poetry")
                poetry_page(page, index_url, poetry_source)
            else:
                raise ValueError(f"unknown tutorial page {name!r}")
            target = output / f"{name}.md"
            target.write_text(_header() + page.markdown(), encoding="utf-8", newline="\n")
            written.append(target)
    return written


def _header() -> str:
    return (
        "<!-- Generated by scripts/gen_tutorial.py from real runs: do not edit by hand.\n"
        "     Change the prose in the script and regenerate it. -->\n\n"
    )


def main(argv: Sequence[str] | None = None, *, environ: Mapping[str, str] | None = None) -> int:
    """Regenerate the tutorial pages; ``environ`` (default: ``os.environ``) is the base of
    every command's environment."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--index-url", default=PYPI, help="package index (default: PyPI)")
    parser.add_argument(
        "--poetry-source",
        default=None,
        help="add this index as a primary Poetry source before poetry lock",
    )
    parser.add_argument("--output", type=Path, default=OUTPUT, help="default: %(default)s")
    parser.add_argument(
        "--page", action="append", choices=["pip-tools", "poetry"], help="default: both"
    )
    arguments = parser.parse_args(argv)
    try:
        written = generate(
            arguments.output,
            index_url=arguments.index_url,
            poetry_source=arguments.poetry_source,
            environ=os.environ if environ is None else environ,
            pages=arguments.page or ("pip-tools", "poetry"),
        )
    except StepError as error:
        sys.stderr.write(f"gen_tutorial: {error}\n")
        return 1
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
