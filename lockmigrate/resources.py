"""Access to the files under ``templates/`` that ship inside the package."""

from __future__ import annotations

import sys
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    if sys.version_info >= (3, 11):
        from importlib.resources.abc import Traversable
    else:
        from importlib.abc import Traversable

__all__ = ["read_template", "templates_root"]


def templates_root() -> Traversable:
    """The folder of templates, wherever this copy of lockmigrate was installed from.

    A built wheel carries them as ``lockmigrate/templates`` (hatchling force-include).
    An editable install or a source checkout has them at the repository root instead.
    """
    packaged = resources.files("lockmigrate") / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def read_template(name: str) -> str:
    """The text of one template, by its path below ``templates/`` (``/``-separated)."""
    node = templates_root()
    for part in name.split("/"):
        node = node / part
    text: str = node.read_text(encoding="utf-8")
    return text
