"""pip's effective index configuration (``pip.conf`` files and ``PIP_*`` variables), read
in-process by pip's own rules (starting ``pip config list`` costs half a second). Used to
give uv, which does not read pip's configuration, the same indexes, and by the index
client of ``lockmigrate diff``."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import configparser

__all__ = ["IndexSettings", "pip_config_files", "read_index_settings"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSettings:
    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_index: bool = False
    cert: str | None = None  # a CA bundle (pip's --cert)
    timeout: float | None = None  # seconds (pip's --timeout)


_TRUE = frozenset({"1", "true", "yes", "on", "y"})


def _config_name(key: str) -> str:
    """pip's ``_normalize_name``: lower case, ``_`` as ``-``, no leading ``--``."""
    key = key.lower().replace("_", "-")
    return key[2:] if key.startswith("--") else key


def pip_config_files(environ: Mapping[str, str] | None = None) -> list[Path]:
    """The configuration files pip reads, lowest precedence first (pip 23-26 rules):
    global (``/etc/xdg/pip/pip.conf``, ``/etc/pip.conf``), user (``~/.pip/pip.conf``,
    ``~/.config/pip/pip.conf``; skipped when ``PIP_CONFIG_FILE`` names an existing file),
    site (``sys.prefix/pip.conf``), then ``PIP_CONFIG_FILE``. ``PIP_CONFIG_FILE=os.devnull``
    means no file at all."""
    env = os.environ if environ is None else environ
    override = env.get("PIP_CONFIG_FILE")
    if override == os.devnull:
        return []
    name = "pip.ini" if sys.platform == "win32" else "pip.conf"
    home = Path(env.get("HOME") or Path.home())
    files: list[Path] = []
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        program_data = env.get("PROGRAMDATA")
        if program_data:
            files.append(Path(program_data) / "pip" / name)
        user = [Path(env.get("APPDATA") or home) / "pip" / name]
    elif sys.platform == "darwin":  # pragma: no cover - exercised on macOS only
        files.append(Path("/Library/Application Support/pip") / name)
        user = [home / ".pip" / name, home / "Library" / "Application Support" / "pip" / name]
    else:
        xdg_dirs = env.get("XDG_CONFIG_DIRS") or "/etc/xdg"
        files += [Path(folder) / "pip" / name for folder in xdg_dirs.split(os.pathsep) if folder]
        files.append(Path("/etc") / name)
        config_home = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
        user = [home / ".pip" / name, config_home / "pip" / name]
    if not (override and Path(override).exists()):
        files += user
    files.append(Path(sys.prefix) / name)
    if override:
        files.append(Path(override))
    return files


def read_index_settings(
    environ: Mapping[str, str] | None = None, *, command: str = "install"
) -> IndexSettings:
    """The index settings pip's ``command`` would use, read in-process: the ``[global]``
    then ``[command]`` sections of every configuration file, then ``PIP_*`` variables, each
    overriding the one before, as pip orders them."""
    env = os.environ if environ is None else environ
    values: dict[str, str] = {}
    parsers: list[configparser.RawConfigParser] = []
    for path in pip_config_files(env):
        import configparser  # only with a file to read (diff's first request waits for it)

        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            continue  # pip refuses to start on a broken file; pip-compile will say so
        parsers.append(parser)
    for section in ("global", command):
        for parser in parsers:
            if parser.has_section(section):
                for key, value in parser.items(section):
                    values[_config_name(key)] = value
    for key, value in env.items():
        if key.upper().startswith("PIP_") and key.upper() != "PIP_CONFIG_FILE":
            values[_config_name(key[4:])] = value
    timeout: float | None
    try:
        timeout = float(values["timeout"]) if "timeout" in values else None
    except ValueError:
        timeout = None
    return IndexSettings(
        index_url=values.get("index-url") or None,
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        find_links=tuple(values.get("find-links", "").split()),
        trusted_hosts=tuple(values.get("trusted-host", "").split()),
        no_index=values.get("no-index", "").strip().lower() in _TRUE,
        cert=values.get("cert") or None,
        timeout=timeout,
    )
