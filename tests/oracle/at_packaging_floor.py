"""Run the differential comparison with pip 26.3's vendored packaging as ``packaging``.

pip 26.3 vendors packaging 26.3, the floor in pyproject.toml. Aliasing
``pip._vendor.packaging`` and its submodules in ``sys.modules`` before lockmigrate is imported
makes lockmigrate run on exactly that packaging, hermetically (no network, no second venv).
Input on stdin: a JSON list of ``{"root": ABS_PATH, "result": <pip_oracle.py result>}``;
output: a JSON object with the packaging version used and, per case, the classes and problems
``pip_fuzz.compare_case`` finds (empty when lockmigrate reads the file as pip does; a
``traceback`` when lockmigrate raised something other than ``InputError``).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import traceback
from pathlib import Path


def alias_vendored_packaging() -> str:
    import pip._vendor.packaging as vendored

    for module in pkgutil.iter_modules(vendored.__path__):
        importlib.import_module(f"pip._vendor.packaging.{module.name}")
    for name, module in list(sys.modules.items()):
        if name == "pip._vendor.packaging" or name.startswith("pip._vendor.packaging."):
            sys.modules[name.removeprefix("pip._vendor.")] = module
    return vendored.__version__


def main() -> int:
    version = alias_vendored_packaging()
    tests = Path(__file__).parents[1]
    sys.path[:0] = [str(tests), str(tests / "sources")]
    import packaging
    from pip_fuzz import FuzzCase, compare_case

    assert packaging.__version__ == version
    outcomes: list[dict[str, list[str]]] = []
    for job in json.load(sys.stdin):
        try:
            outcome = compare_case(FuzzCase(root=b""), Path(job["root"]), job["result"])
            outcomes.append({"classes": outcome.classes, "problems": outcome.problems})
        except Exception:  # noqa: BLE001 - a fault of the harness, reported to the test
            outcomes.append({"classes": ["harness"], "problems": [traceback.format_exc()]})
    json.dump({"packaging": version, "outcomes": outcomes}, sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
