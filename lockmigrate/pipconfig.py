"""pip's effective index and network configuration (``pip.conf`` files and ``PIP_*``
variables), read in-process by pip's own rules (starting ``pip config list`` costs half a
second). Used to give uv, which does not read pip's configuration, the same indexes, and by
the index client of ``lockmigrate diff`` (indexes, certificates, proxy, retries, timeout,
keyring provider)."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import configparser

__all__ = ["IndexSettings", "pip_config_files", "read_index_settings", "resolver_config_files"]


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSettings:
    """pip's settings for finding and fetching packages, as pip's option parser would hold
    them before any command-line option: ``None`` (or empty) where nothing is configured."""

    index_url: str | None = None
    extra_index_urls: tuple[str, ...] = ()
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    no_index: bool = False
    cert: str | None = None  # a CA bundle (pip's --cert)
    client_cert: str | None = None  # a PEM file with the key and the certificate (--client-cert)
    timeout: float | None = None  # seconds (pip's --timeout, --default-timeout)
    retries: int | None = None  # pip's --retries
    proxy: str | None = None  # pip's --proxy: it replaces the environment's proxies
    no_proxy_env: bool = False  # pip's --no-proxy-env: ignore the *_proxy variables
    keyring_provider: str | None = None  # auto, disabled, import or subprocess
    no_input: bool = False  # pip's --no-input (keyring's "auto" provider is then off)
    deprecated_features: tuple[str, ...] = ()  # pip's --use-deprecated (legacy-certs, ...)


# pip's strtobool (pip._internal.utils.misc): anything else makes pip refuse to start.
_TRUE = frozenset({"y", "yes", "t", "true", "on", "1"})
_FALSE = frozenset({"n", "no", "f", "false", "off", "0"})
#: Other spellings of the options read here (pip's option aliases), by their first name.
_ALIASES = {"default-timeout": "timeout", "pypi-url": "index-url"}
_KEYRING_PROVIDERS = frozenset({"auto", "disabled", "import", "subprocess"})
_DEPRECATED_FEATURES = frozenset({"legacy-resolver", "legacy-certs"})


def _flag(value: str | None) -> bool | None:
    """A boolean option's value as pip's ``strtobool`` reads it; ``None`` when unset or
    unreadable (pip would refuse to start: lockmigrate keeps the default)."""
    if value is None:
        return None
    lowered = value.strip().lower()
    return True if lowered in _TRUE else False if lowered in _FALSE else None


def _integer(value: str | None) -> int | None:
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


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


def resolver_config_files() -> list[Path]:
    """pip's configuration files (:func:`pip_config_files`) and uv's (``uv.toml`` in the
    user's and the system's configuration folders, and ``UV_CONFIG_FILE``): what a
    resolver run here may read, so what an answer kept from one depends on."""
    home = Path(os.environ.get("HOME") or Path.home())
    config_home = Path(os.environ.get("XDG_CONFIG_HOME") or home / ".config")
    uv_files = [config_home / "uv" / "uv.toml", Path("/etc/uv/uv.toml")]
    if os.environ.get("UV_CONFIG_FILE"):
        uv_files.append(Path(os.environ["UV_CONFIG_FILE"]))
    return [*pip_config_files(), *uv_files]


def read_index_settings(
    environ: Mapping[str, str] | None = None, *, command: str = "install"
) -> IndexSettings:
    """The index settings pip's ``command`` would use, read in-process: the ``[global]``
    then ``[command]`` sections of every configuration file, then ``PIP_*`` variables, each
    overriding the one before, as pip orders them."""
    env = os.environ if environ is None else environ
    parsers: list[configparser.RawConfigParser] = []
    for path in pip_config_files(env):
        import configparser  # only with a file to read (diff's first request waits for it)

        parser = configparser.RawConfigParser()
        try:
            parser.read(path, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            continue  # pip refuses to start on a broken file; pip-compile will say so
        parsers.append(parser)
    # pip's ConfigOptionParser._get_ordered_configuration_items: the keys of each section in
    # the order first met, the files' [global], then their [command], then PIP_* variables
    # (prefix in upper case, as pip matches it); empty values are dropped. Aliases of one
    # option are separate keys there, so the one that comes later wins.
    sections: list[dict[str, str]] = [{}, {}, {}]
    for position, section in enumerate(("global", command)):
        for parser in parsers:
            if parser.has_section(section):
                for key, value in parser.items(section):
                    sections[position][_config_name(key)] = value
    for key, value in env.items():
        if key.startswith("PIP_") and key[4:].lower() not in {"config-file", "config_file"}:
            sections[2][_config_name(key[4:])] = value
    values: dict[str, str] = {}
    for items in sections:
        for key, value in items.items():
            if value:
                values[_ALIASES.get(key, key)] = value
    provider = values.get("keyring-provider")
    return IndexSettings(
        index_url=values.get("index-url") or None,
        extra_index_urls=tuple(values.get("extra-index-url", "").split()),
        find_links=tuple(values.get("find-links", "").split()),
        trusted_hosts=tuple(values.get("trusted-host", "").split()),
        no_index=bool(_flag(values.get("no-index"))),
        cert=values.get("cert") or None,
        client_cert=values.get("client-cert") or None,
        timeout=_seconds(values.get("timeout")),
        retries=_integer(values.get("retries")),
        proxy=values.get("proxy"),
        no_proxy_env=bool(_flag(values.get("no-proxy-env"))),
        keyring_provider=provider if provider in _KEYRING_PROVIDERS else None,
        no_input=bool(_flag(values.get("no-input"))),
        deprecated_features=tuple(
            feature
            for feature in values.get("use-deprecated", "").split()
            if feature in _DEPRECATED_FEATURES
        ),
    )
