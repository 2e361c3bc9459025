"""The readers of ``sources/`` that writers are handed (see
:class:`lockmigrate.model.readers.Readers`): the caller of a writer passes :func:`readers`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from lockmigrate.model.readers import Readers
from lockmigrate.model.requirements import DeclaredRequirement
from lockmigrate.sources.includes import load_graph
from lockmigrate.sources.locks.command import recorded_constraints
from lockmigrate.sources.locks.pip_compile import read_header
from lockmigrate.sources.requirements import parse_bytes
from lockmigrate.sources.toml_files import load_toml

__all__ = ["readers"]


def _pyproject_requirements(
    data: bytes, *, path: Path, display: str
) -> Sequence[DeclaredRequirement]:
    """The requirements of a ``pyproject.toml`` (its declared ranges, in order)."""
    from lockmigrate.sources.pyproject import parse_pyproject  # only --with to-poetry asks

    declarations = parse_pyproject(data, path=path, display=display)
    return [item.requirement for item in declarations.requirements]


def readers() -> Readers:
    """The readers of ``sources/``, for a writer to call."""
    return Readers(
        requirements=parse_bytes,
        include_graph=load_graph,
        lock_header=read_header,
        recorded_constraints=recorded_constraints,
        pyproject_requirements=_pyproject_requirements,
        toml=load_toml,
    )
