"""What every integration's renderer shares: YAML scalars, the generated-by header, the
families of packages released together, and :class:`Writer`, which turns rendered text
into file changes without ever overwriting what is there.
"""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from lockmigrate import __version__
from lockmigrate.diagnostics import Collector
from lockmigrate.paths import display_path
from lockmigrate.plan import FileChange
from lockmigrate.resources import read_template
from lockmigrate.targets.self_install import SelfRequirement
from lockmigrate.targets.workflow.services import (
    Integration,
    Setup,
)

_PLAIN_YAML_RE = re.compile(r"^[A-Za-z0-9_./][A-Za-z0-9_./-]*$")

# numpy first; then packages whose wheels are built against numpy's C API.
NUMPY_STACK = (
    "numpy", "astropy", "blis", "bottleneck", "cftime", "fastparquet", "gensim", "h5py",
    "matplotlib", "netcdf4", "numba", "numexpr", "opencv-python", "opencv-python-headless",
    "pandas", "pyarrow", "pyerfa", "pywavelets", "scikit-image", "scikit-learn", "scipy",
    "shap", "shapely", "spacy", "statsmodels", "tables", "thinc",
)  # fmt: skip

#: Packages released together, so that Dependabot and Renovate update them in one pull
#: request: (group name, why, fnmatch patterns; the first is the anchor).
FAMILIES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "numpy-stack",
        "numpy and the packages compiled against its C API",
        NUMPY_STACK,
    ),
    ("pydantic", "pydantic pins pydantic-core exactly", ("pydantic", "pydantic-core")),
    ("boto", "released together, pinning each other", ("boto3", "botocore", "s3transfer")),
    ("torch", "released together, pinning each other", ("torch", "torchvision", "torchaudio")),
    ("opentelemetry", "released in lockstep", ("opentelemetry-api", "opentelemetry-*")),
)


def groups_of(names: Iterable[str]) -> list[tuple[str, str, list[str]]]:
    """The families with their anchor and at least one other member among ``names``:
    ``(group name, why, members)``, the anchor first."""
    present = set(names)
    found: list[tuple[str, str, list[str]]] = []
    claimed: set[str] = set()
    for group, why, patterns in FAMILIES:
        anchor = patterns[0]
        if anchor not in present:
            continue
        others = sorted(
            name
            for name in present - claimed - {anchor}
            if any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns[1:])
        )
        members = [anchor, *others]
        if len(members) > 1:
            found.append((group, why, members))
            claimed.update(members)
    return found


def yaml_string(text: str) -> str:
    return text if _PLAIN_YAML_RE.match(text) else json.dumps(text)


def yaml_scalar(text: str) -> str:
    """``text`` as a YAML value: plain when YAML reads it back as the same string (a
    command line usually), else double-quoted."""
    plain = (
        text == text.strip()
        and text[:1] not in set("!&*{}[]|>'\"%@`#,?:-")
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
    )
    return text if plain else json.dumps(text)


def yaml_flow(values: Iterable[str]) -> str:
    return "[" + ", ".join(json.dumps(value) for value in values) + "]"


def indent(text: str, spaces: int) -> str:
    pad = " " * spaces
    return "".join((pad + line if line.strip() else "") + "\n" for line in text.splitlines())


def generated_header(setup: Setup, integration: Integration) -> str:
    return read_template("workflow/header.txt").format(
        version=__version__,
        services=services_phrase(setup),
        command=setup.command(integration),
    )


def services_phrase(setup: Setup) -> str:
    workspaces = [service for service in setup.services if service.members]
    if workspaces:  # to-uv --workspace: one project at the root, locking its members
        return "the uv workspace of " + ", ".join(m for s in workspaces for m in s.members)
    names = [service.relative for service in setup.services]
    return ("the service " if len(names) == 1 else "the services ") + ", ".join(names)


def added_note(setup: Setup, integration: Integration, what: str) -> str:
    return read_template("workflow/added.txt").format(
        version=__version__, service=what, command=setup.command(integration)
    )


@dataclass(slots=True)
class Writer:
    """Turns rendered content into file changes, never overwriting what is there."""

    setup: Setup
    collector: Collector
    #: how the pre-commit hook and the CI workflow install lockmigrate
    install: SelfRequirement
    changes: list[FileChange] = field(default_factory=list)

    def shown(self, path: Path) -> str:
        return display_path(path)

    def read_text(self, path: Path) -> str | None:
        try:
            return path.read_bytes().decode("utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.unmergeable(path, f"it cannot be read as UTF-8 text ({error})", "")
            return None

    def create(self, path: Path, text: str, reason: str) -> None:
        self.changes.append(
            FileChange(
                path=path,
                display=self.shown(path),
                before=None,
                after=text.encode("utf-8"),
                reason=reason,
            )
        )

    def update(self, path: Path, before: str, after: str, reason: str) -> None:
        if before != after:
            self.changes.append(
                FileChange(
                    path=path,
                    display=self.shown(path),
                    before=before.encode("utf-8"),
                    after=after.encode("utf-8"),
                    reason=reason,
                )
            )

    def whole_file(self, path: Path, text: str, reason: str) -> None:
        """Create ``path``; if it exists, leave it as it is (and say so when it differs)."""
        before = self.read_text(path)
        if before is None and not path.exists():
            self.create(path, text, reason)
        elif before == text:
            self.collector.info(
                "workflow-kept", f"{self.shown(path)} is already what lockmigrate writes"
            )
        elif before is not None:
            self.collector.warning(
                "workflow-differs",
                f"{self.shown(path)} exists and differs from what lockmigrate would write; "
                "it was left as it is (delete it and run again to have it written)",
            )

    def unmergeable(self, path: Path, why: str, addition: str) -> None:
        hint = f"; add this by hand:\n{addition.rstrip()}" if addition.strip() else ""
        self.collector.warning(
            "workflow-unmergeable",
            f"{self.shown(path)} was left as it is: {why}{hint}",
        )
