"""Where ``diff`` asks for versions, and how: pip's configuration turned into one value.

:class:`IndexSources` holds the indexes, ``--find-links`` locations and trusted hosts in
pip's order, and the network settings pip would apply to them (certificates, client
certificate, proxy, retries, timeout, keyring provider), read from pip's configuration files
and ``PIP_*`` variables (:func:`lockmigrate.pipconfig.read_index_settings`) with a
requirements file's own options on top, as pip applies them. It is hashable: callers group
projects by the sources they are asked of.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from lockmigrate.pipconfig import IndexSettings, read_index_settings
from lockmigrate.redact import redact_url

if TYPE_CHECKING:
    from lockmigrate.model.requirements import Option

__all__ = ["DEFAULT_INDEX_URL", "DEFAULT_RETRIES", "DEFAULT_TIMEOUT", "IndexSources"]

DEFAULT_INDEX_URL = "https://pypi.org/simple/"
DEFAULT_TIMEOUT = 15.0  # seconds: pip's --timeout default
DEFAULT_RETRIES = 5  # pip's --retries default


@dataclass(frozen=True, slots=True, kw_only=True)
class IndexSources:
    """Where versions are looked up, in pip's order, and pip's network settings for them.

    URLs keep their credentials (they are needed to authenticate); :attr:`shown` is the
    redacted form for messages. The network settings mean what pip's options of the same
    names mean:

    * ``cert``: a CA bundle trusted beside the system's certificates and certifi's
      (``--cert``); ``legacy_certs`` (``--use-deprecated=legacy-certs``) trusts certifi's,
      or ``cert`` alone, instead of the system's;
    * ``client_cert``: a PEM file holding the client's key and certificate;
    * ``timeout``: seconds to connect and between bytes read, ``None`` for none (pip's
      ``--timeout 0``); ``retries``: attempts after the first one (pip's ``--retries``);
    * ``proxy``: pip's ``--proxy``, used for every request instead of the environment's
      ``*_proxy`` variables (``""``: no proxy at all); ``no_proxy_env``: ignore those
      variables (pip's ``--no-proxy-env``);
    * ``keyring_provider`` (``auto``, ``disabled``, ``import``, ``subprocess``) and
      ``no_input``: whether keyring is asked after a 401, as pip decides it. lockmigrate
      itself never prompts, and runs pip-compile with ``PIP_NO_INPUT=1`` unless that
      variable is set: ``no_input`` is true in the same cases, so that ``auto`` asks
      keyring in ``diff`` exactly when it does in the resolver.
    """

    index_urls: tuple[str, ...] = (DEFAULT_INDEX_URL,)
    find_links: tuple[str, ...] = ()
    trusted_hosts: tuple[str, ...] = ()
    cert: str | None = None
    client_cert: str | None = None
    timeout: float | None = DEFAULT_TIMEOUT
    retries: int = DEFAULT_RETRIES
    proxy: str | None = None
    no_proxy_env: bool = False
    keyring_provider: str = "auto"
    no_input: bool = True
    legacy_certs: bool = False

    @property
    def shown(self) -> tuple[str, ...]:
        """Every source, redacted, for messages and reports."""
        return tuple(redact_url(url) for url in (*self.index_urls, *self.find_links))

    @classmethod
    def from_settings(
        cls,
        settings: IndexSettings,
        options: Sequence[Option] = (),
        *,
        base: Path | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> IndexSources:
        """pip's configuration, then a requirements file's own options on top of it, as pip
        applies them: ``--index-url`` replaces the configured index, ``--extra-index-url``,
        ``--find-links`` and ``--trusted-host`` add to it, ``--no-index`` drops every index.
        ``${VAR}`` in option values is expanded; relative ``--find-links`` paths are taken
        relative to ``base`` (the requirements file's folder) when they exist there. The
        network settings come from the configuration alone: pip accepts none of them in a
        requirements file."""
        env = os.environ if environ is None else environ
        locations = _Locations.configured(settings)
        for option in options:
            # imported here: the parser is not needed before diff's first request
            from lockmigrate.sources.requirements import expand_variables

            value = expand_variables(option.value, env) if option.value is not None else None
            locations.apply(option.name, value, base)
        timeout = DEFAULT_TIMEOUT if settings.timeout is None else settings.timeout
        return cls(
            index_urls=locations.index_urls(),
            find_links=tuple(dict.fromkeys(locations.find_links)),
            trusted_hosts=tuple(dict.fromkeys(locations.trusted)),
            cert=settings.cert,
            client_cert=settings.client_cert,
            # pip sets the session's timeout only when it is not 0 (index_command.py)
            timeout=timeout or None,
            retries=max(0, DEFAULT_RETRIES if settings.retries is None else settings.retries),
            proxy=settings.proxy,
            no_proxy_env=settings.no_proxy_env,
            keyring_provider=settings.keyring_provider or "auto",
            # lockmigrate.resolve gives pip-compile PIP_NO_INPUT=1 unless it is set
            no_input=settings.no_input if "PIP_NO_INPUT" in env else True,
            legacy_certs="legacy-certs" in settings.deprecated_features,
        )

    @classmethod
    def from_pip(cls, options: Sequence[Option] = (), *, base: Path | None = None) -> IndexSources:
        """The sources pip would use here (its configuration files and ``PIP_*``
        variables), with ``options`` from a requirements file applied."""
        return cls.from_settings(read_index_settings(), options, base=base)


@dataclass(slots=True, kw_only=True)
class _Locations:
    """The indexes, ``--find-links`` locations and trusted hosts gathered so far, in pip's
    order: the configured ones, then a requirements file's options one by one."""

    index_url: str
    extra: list[str]
    find_links: list[str]
    trusted: list[str]
    no_index: bool

    @classmethod
    def configured(cls, settings: IndexSettings) -> _Locations:
        """The locations pip's configuration names."""
        return cls(
            index_url=settings.index_url or DEFAULT_INDEX_URL,
            extra=list(settings.extra_index_urls),
            find_links=list(settings.find_links),
            trusted=list(settings.trusted_hosts),
            no_index=settings.no_index,
        )

    def apply(self, name: str, value: str | None, base: Path | None) -> None:
        """Apply the option ``name`` of a requirements file in the folder ``base``, its
        ``value`` expanded, as pip does; other options change nothing."""
        if name == "--index-url" and value:
            self.index_url = value
        elif name == "--extra-index-url" and value:
            self.extra.append(value)
        elif name == "--find-links" and value:
            self.find_links.append(_find_links_location(value, base))
        elif name == "--trusted-host" and value:
            self.trusted.append(value)
        elif name == "--no-index":
            self.no_index = True

    def index_urls(self) -> tuple[str, ...]:
        """The indexes, each once: none after ``--no-index``."""
        return () if self.no_index else tuple(dict.fromkeys([self.index_url, *self.extra]))


def _find_links_location(value: str, base: Path | None) -> str:
    """A ``--find-links`` value: a relative path that exists under ``base`` as that path,
    anything else as written."""
    local = base / value if base is not None and "://" not in value else None
    return str(local) if local is not None and local.exists() else value
