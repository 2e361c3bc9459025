"""Real compiled wheels for the NumPy ABI tests: extension modules built with this machine's C
compiler against real numpy headers, packaged as real platform wheels.

The NumPy 2 ABI question is what a compiled package was built against, so the tests need the
real thing: a module that includes ``numpy/arrayobject.h`` and calls ``import_array()``, whose
binary then names ``numpy.core._multiarray_umath`` (NumPy 1.x headers) or also
``numpy._core._multiarray_umath`` (NumPy 2.x headers), and which, installed beside the wrong
numpy, really fails to import. The numpy wheels come from ``tests/.wheels/``, filled once by
``scripts/fetch_test_wheels.py``; nothing here reaches the network.

Three kinds of package, each a real wheel tagged for this interpreter and platform, with
``Requires-Dist: numpy``:

* ``NUMPY1``: ``<pkg>/_ext*.so`` compiled against numpy 1.26.4's headers;
* ``NUMPY2``: the same source compiled against numpy 2.x's headers;
* ``CTYPES``: a plain C library ``<pkg>/lib_<pkg>.so`` (no Python, no numpy symbol) that the
  package loads with :mod:`ctypes`, as lightgbm and xgboost do (tag ``py3-none-<platform>``).

Every package imports as its escaped name and has ``zeros()`` (three float64 zeros, made by the
extension, or by numpy from the C library's answer) and ``built_for`` (``"numpy1"``, ...).

The pytest fixture is ``abi_wheels`` (:mod:`index.fixtures`)::

    def test_old_build_is_flagged(abi_wheels: AbiWheels, local_index_factory) -> None:
        index = local_index_factory([
            *abi_wheels.numpy_releases(),                  # the real numpy 2.x (and 1.26.4)
            abi_wheels.extension("oldext", "1.0", NUMPY1),
            abi_wheels.extension("newext", "1.0", NUMPY2),
        ])
"""

from __future__ import annotations

import enum
import shlex
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from packaging.tags import sys_tags
from packaging.utils import canonicalize_name, parse_wheel_filename

from .catalog import Release
from .wheels import build_wheel_with_metadata, escape_name

__all__ = [
    "CTYPES",
    "FETCH_SCRIPT",
    "NUMPY1",
    "NUMPY2",
    "WHEELS_DIR",
    "AbiWheels",
    "BuiltFor",
    "Unavailable",
    "build_abi_wheels",
    "c_compiler",
    "numpy_wheels",
]

#: Where ``scripts/fetch_test_wheels.py`` puts the real numpy wheels (gitignored).
WHEELS_DIR = Path(__file__).resolve().parent.parent / ".wheels"
FETCH_SCRIPT = "scripts/fetch_test_wheels.py"


class BuiltFor(str, enum.Enum):
    """What a test package's binary was built against."""

    NUMPY1 = "numpy1"
    NUMPY2 = "numpy2"
    CTYPES = "ctypes"


NUMPY1, NUMPY2, CTYPES = BuiltFor.NUMPY1, BuiltFor.NUMPY2, BuiltFor.CTYPES


class Unavailable(RuntimeError):
    """What the ABI wheels need is missing here (the numpy wheels, a C compiler): the message
    says what, and how to get it; the fixture turns it into a skip."""


_EXTENSION_SOURCE = r"""
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

static PyObject *zeros(PyObject *self, PyObject *unused) {
    npy_intp dims[1] = {3};
    return PyArray_ZEROS(1, dims, NPY_DOUBLE, 0);
}

static PyMethodDef methods[] = {
    {"zeros", zeros, METH_NOARGS, "Three float64 zeros, made through the NumPy C API."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_ext", NULL, -1, methods};

PyMODINIT_FUNC PyInit__ext(void) {
    import_array();
    return PyModule_Create(&module);
}
"""

_LIBRARY_SOURCE = r"""
int lockmigrate_test_length(void) { return 3; }
"""

_EXTENSION_INIT = '''"""{name}: an extension module built for {built_for} (lockmigrate's tests)."""

from ._ext import zeros

built_for = "{built_for}"
__version__ = "{version}"
'''

_CTYPES_INIT = '''"""{name}: a C library loaded with ctypes, no NumPy C API (for the tests)."""

import ctypes
from pathlib import Path

import numpy

_library = ctypes.CDLL(str(Path(__file__).with_name("{library}")))

built_for = "{built_for}"
__version__ = "{version}"


def zeros():
    """Three float64 zeros: the length comes from the C library, the array from numpy."""
    return numpy.zeros(_library.lockmigrate_test_length())
'''


def c_compiler() -> list[str]:
    """The C compiler Python was built with (``sysconfig``'s ``CC``), else ``cc``/``gcc``.

    Raises :class:`Unavailable` when none is on ``PATH``.
    """
    configured = shlex.split(sysconfig.get_config_var("CC") or "")
    for command in (configured, ["cc"], ["gcc"]):
        if command and shutil.which(command[0]):
            return command
    raise Unavailable("no C compiler (sysconfig CC, cc or gcc) to build the test extension modules")


@dataclass(frozen=True, kw_only=True, slots=True)
class NumpyWheels:
    """The real numpy wheels found in :data:`WHEELS_DIR`."""

    #: numpy 1.26.4: its headers; installable here when :attr:`numpy1_installable`.
    numpy1: Path
    #: numpy 2.x for this interpreter and platform.
    numpy2: Path

    @property
    def numpy1_installable(self) -> bool:
        return _installable_here(self.numpy1)

    @property
    def numpy2_version(self) -> str:
        return str(parse_wheel_filename(self.numpy2.name)[1])


def _installable_here(wheel: Path) -> bool:
    return not set(sys_tags()).isdisjoint(parse_wheel_filename(wheel.name)[3])


def numpy_wheels(folder: Path = WHEELS_DIR) -> NumpyWheels:
    """The numpy 1.26.4 and 2.x wheels in ``folder``; :class:`Unavailable` naming the fetch
    script when either is missing."""
    ones, twos = [], []
    for wheel in sorted(folder.glob("numpy-*.whl")):
        version = parse_wheel_filename(wheel.name)[1]
        if str(version) == "1.26.4":
            ones.append(wheel)
        elif version.major == 2 and _installable_here(wheel):
            twos.append(wheel)
    if not ones or not twos:
        raise Unavailable(
            f"the real numpy wheels are not in {folder}: run "
            f"`.venv/bin/python {FETCH_SCRIPT}` once (it downloads numpy 1.26.4 and 2.x)"
        )
    ones.sort(key=_installable_here)  # one installable here last, so preferred
    twos.sort(key=lambda wheel: parse_wheel_filename(wheel.name)[1])
    return NumpyWheels(numpy1=ones[-1], numpy2=twos[-1])


def _headers(numpy_wheel: Path, dest: Path) -> Path:
    """Extract numpy's C headers (``numpy/core/include`` or ``numpy/_core/include``)."""
    with zipfile.ZipFile(numpy_wheel) as archive:
        members = [
            name
            for name in archive.namelist()
            if name.startswith(("numpy/core/include/", "numpy/_core/include/"))
        ]
        if not members:
            raise Unavailable(f"{numpy_wheel.name} holds no C headers")
        archive.extractall(dest, members)
    root = members[0].split("/include/")[0]
    return dest / root / "include"


def _compile(source: str, dest: Path, includes: Iterable[Path], *, python: bool) -> Path:
    dest.parent.mkdir(parents=True, exist_ok=True)
    source_path = dest.with_suffix(".c")
    source_path.write_text(source)
    flags = [f"-I{folder}" for folder in includes]
    if python:
        flags.insert(0, f"-I{sysconfig.get_paths()['include']}")
    command = [*c_compiler(), "-shared", "-fPIC", "-O1", *flags, str(source_path), "-o", str(dest)]
    if sys.platform == "darwin" and python:
        command[1:1] = ["-undefined", "dynamic_lookup"]
    done = subprocess.run(
        command, check=False, capture_output=True, text=True, stdin=subprocess.DEVNULL
    )
    if done.returncode != 0:
        raise Unavailable(f"the C compiler failed ({shlex.join(command)}):\n{done.stderr}")
    return dest


def _platform_tag() -> str:
    return next(iter(sys_tags())).platform


@dataclass(kw_only=True)
class AbiWheels:
    """The compiled modules, ready to be packaged as any project and version, and the real
    numpy wheels: everything a test catalogue for the ABI check needs."""

    numpy: NumpyWheels
    #: the compiled extension modules, by what they were built against (CTYPES: the library)
    binaries: dict[BuiltFor, Path]
    #: where packaged wheels are written
    wheel_dir: Path
    #: this interpreter and platform (``cp311-cp311-manylinux_2_39_x86_64``)
    tag: str
    _built: dict[tuple[str, str, BuiltFor, tuple[str, ...], str | None], Path] = field(
        default_factory=dict, repr=False
    )

    @property
    def numpy2_version(self) -> str:
        """The real numpy 2.x version served (``2.4.6``, say)."""
        return self.numpy.numpy2_version

    def numpy_releases(self, *, numpy1: bool = True) -> list[Release]:
        """The real numpy wheels as catalogue entries: numpy 2.x, and numpy 1.26.4 when its
        wheel installs here and ``numpy1``. Serve them *instead of* the default catalogue's
        stand-in numpy (drop ``project == "numpy"`` entries from it)."""
        wheels = [self.numpy.numpy2]
        if numpy1 and self.numpy.numpy1_installable:
            wheels.append(self.numpy.numpy1)
        return [
            Release(
                name="numpy",
                version=str(parse_wheel_filename(wheel.name)[1]),
                prebuilt=wheel,
                upload_time="2025-01-01T00:00:00Z",
            )
            for wheel in wheels
        ]

    def extension(
        self,
        name: str,
        version: str,
        built_for: BuiltFor,
        *,
        requires_dist: Iterable[str] = ("numpy",),
        requires_python: str | None = None,
        upload_time: str | None = None,
    ) -> Release:
        """A catalogue entry for ``name`` ``version``: a real wheel holding the binary built
        for ``built_for``, tagged for this interpreter and platform."""
        requires = tuple(requires_dist)
        key = (name, version, built_for, requires, requires_python)
        path = self._built.get(key)
        if path is None:
            path = self._package(name, version, built_for, requires, requires_python)
            self._built[key] = path
        return Release(
            name=name,
            version=version,
            requires_dist=requires,
            requires_python=requires_python,
            upload_time=upload_time,
            prebuilt=path,
        )

    def _package(
        self,
        name: str,
        version: str,
        built_for: BuiltFor,
        requires: tuple[str, ...],
        requires_python: str | None,
    ) -> Path:
        package = escape_name(name)
        binary = self.binaries[built_for]
        context = {"name": name, "version": version, "built_for": built_for.value}
        if built_for is CTYPES:
            library = f"lib_{package}.so"
            files = {
                f"{package}/__init__.py": _CTYPES_INIT.format(library=library, **context).encode(),
                f"{package}/{library}": binary.read_bytes(),
            }
            tag = f"py3-none-{_platform_tag()}"
        else:
            files = {
                f"{package}/__init__.py": _EXTENSION_INIT.format(**context).encode(),
                f"{package}/{binary.name}": binary.read_bytes(),
            }
            tag = self.tag
        dest = self.wheel_dir / f"{canonicalize_name(name)}-{version}-{built_for.value}"
        return build_wheel_with_metadata(
            dest,
            name,
            version,
            requires_dist=requires,
            requires_python=requires_python,
            tag=tag,
            files=files,
        ).path


def build_abi_wheels(work_dir: Path, wheels_dir: Path = WHEELS_DIR) -> AbiWheels:
    """Find the numpy wheels, extract their headers and compile the three binaries into
    ``work_dir``. Raises :class:`Unavailable` (with the reason) when it cannot."""
    found = numpy_wheels(wheels_dir)
    c_compiler()
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    binaries = {
        NUMPY1: _compile(
            _EXTENSION_SOURCE,
            work_dir / "numpy1" / f"_ext{suffix}",
            [_headers(found.numpy1, work_dir / "headers1")],
            python=True,
        ),
        NUMPY2: _compile(
            _EXTENSION_SOURCE,
            work_dir / "numpy2" / f"_ext{suffix}",
            [_headers(found.numpy2, work_dir / "headers2")],
            python=True,
        ),
        CTYPES: _compile(_LIBRARY_SOURCE, work_dir / "ctypes" / "lib.so", [], python=False),
    }
    tag = next(iter(sys_tags()))
    return AbiWheels(
        numpy=found,
        binaries=binaries,
        wheel_dir=work_dir / "wheels",
        tag=f"{tag.interpreter}-{tag.abi}-{tag.platform}",
    )
