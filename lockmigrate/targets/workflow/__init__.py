"""``--with``: the files that put migrated locks to work in the tools around a repository.

``to-pip-tools``, ``to-poetry`` and ``to-uv`` hand their plan to :func:`plan_workflow`,
which renders, from ``templates/workflow/``, one file per integration at the repository
root (each rendered by a module of this package, for the :class:`Tool` of the run):

- ``dependabot``: ``.github/dependabot.yml``, one ``pip`` (``uv``) entry per service (per
  uv project: a workspace is one) with ``versioning-strategy: lockfile-only``, groups of
  packages released together and ``ignore`` rules mirroring each declared range
  (:mod:`lockmigrate.targets.ignore_rules`);
- ``renovate``: ``renovate.json`` with the ``pip-compile`` (``poetry``, or for uv.lock
  ``pep621``) manager pointed at the locks and ``rangeStrategy: in-range-only``;
- ``make``: ``lock``, ``upgrade``, ``check`` and ``diff`` targets, in ``Makefile`` or, when
  the repository has its own, in ``lockmigrate.mk`` for it to include;
- ``pre-commit``: a ``lockmigrate check`` hook in ``.pre-commit-config.yaml`` (which runs
  ``uv lock --check`` for a uv project);
- ``github-actions``: ``.github/workflows/lockmigrate.yml``, which runs ``lockmigrate
  check`` (and for uv ``uv lock --check`` first) and comments ``lockmigrate diff --format
  markdown`` on pull requests that change a lock.

Pure: it reads what is on disk (or what the plan will write) and returns
:class:`~lockmigrate.plan.FileChange` objects; only :mod:`lockmigrate.io` writes. An
existing file is never overwritten: entries are added to YAML and JSON files (everything
else in them kept byte for byte), and a file that cannot be edited that way is left alone
with a diagnostic saying what to add by hand.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from lockmigrate.diagnostics import Collector
from lockmigrate.paths import display_path
from lockmigrate.plan import FileChange
from lockmigrate.targets.self_install import SelfRequirement, installed_self
from lockmigrate.targets.workflow.dependabot import render_dependabot
from lockmigrate.targets.workflow.github_actions import render_github_actions
from lockmigrate.targets.workflow.make import render_make
from lockmigrate.targets.workflow.pre_commit import render_pre_commit
from lockmigrate.targets.workflow.render import FAMILIES, Writer, groups_of
from lockmigrate.targets.workflow.renovate import render_renovate
from lockmigrate.targets.workflow.services import (
    Integration,
    Setup,
    Tool,
    parse_integrations,
    pip_tools_setup,
    poetry_setup,
    repository_root,
    uv_setup,
)

if TYPE_CHECKING:
    from typing_extensions import assert_never
elif sys.version_info >= (3, 11):
    from typing import assert_never
else:  # pragma: no cover - Python 3.10

    def assert_never(value: object) -> NoReturn:
        raise AssertionError(f"unhandled: {value!r}")


__all__ = [
    "FAMILIES",
    "Integration",
    "Setup",
    "Tool",
    "groups_of",
    "parse_integrations",
    "pip_tools_setup",
    "plan_workflow",
    "poetry_setup",
    "repository_root",
    "uv_setup",
]


def _renderer(integration: Integration) -> Callable[[Writer], None]:
    if integration is Integration.DEPENDABOT:
        return render_dependabot
    if integration is Integration.RENOVATE:
        return render_renovate
    if integration is Integration.MAKE:
        return render_make
    if integration is Integration.PRE_COMMIT:
        return render_pre_commit
    if integration is Integration.GITHUB_ACTIONS:
        return render_github_actions
    assert_never(integration)


def plan_workflow(
    setup: Setup,
    integrations: Sequence[Integration],
    *,
    collector: Collector,
    install: SelfRequirement | None = None,
) -> tuple[FileChange, ...]:
    """The files ``integrations`` need for the services of ``setup``, as changes to add to
    the migration's plan. Existing files are edited only by adding to them; what cannot be
    added is a diagnostic in ``collector``. ``install`` is how the pre-commit hook and the
    CI workflow install lockmigrate (default: :func:`installed_self`, what is running)."""
    if not integrations:
        return ()
    if not setup.services:
        collector.warning(
            "workflow-no-services",
            "--with: no migrated service was found, so no workflow file was written",
        )
        return ()
    collector.info(
        "workflow-root",
        f"workflow files go to {display_path(setup.root) or '.'}: {setup.root_reason}",
    )
    if setup.tool.lock_file is not None:
        for service in setup.services:
            for lock in service.locks:
                if not (setup.root / lock).is_file():
                    collector.info(
                        "workflow-no-lock",
                        f"{lock} does not exist yet: Dependabot and Renovate update a lock, "
                        "so create it (--lock, or make lock)",
                    )
    install = install if install is not None else installed_self()
    writer = Writer(setup=setup, collector=collector, install=install)
    installing = False  # whether a file that installs lockmigrate is written
    for integration in integrations:
        before = len(writer.changes)
        _renderer(integration)(writer)
        if integration in {Integration.PRE_COMMIT, Integration.GITHUB_ACTIONS}:
            installing = installing or len(writer.changes) > before
    if installing and install.warning is not None:
        collector.warning("workflow-unreleased", install.warning)
    return tuple(writer.changes)
