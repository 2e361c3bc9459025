"""Credentials for index requests, found where pip's ``MultiDomainBasicAuth`` finds them.

pip 26.3 (``pip._internal.network.auth``), without the prompts: before a request, the
credentials written in its URL, else those of the configured index URL on the same host
(the one sharing the longest path), else ``~/.netrc`` (``$NETRC``), else those that already
worked for that host; after a 401, the URL's or the index's again, then keyring when pip
would ask it. lockmigrate runs unattended, as pip does with ``--no-input``: it never prompts,
and a 401 that no credential found answers stays a 401.

Keyring is asked as pip asks it: ``--keyring-provider`` (``PIP_KEYRING_PROVIDER``)
``import`` uses the ``keyring`` package importable here, ``subprocess`` runs a ``keyring``
executable from ``PATH`` (not this environment's own), ``auto`` tries the first then the
second but only while pip could prompt (no ``--no-input``/``PIP_NO_INPUT``, since a keyring
backend may itself need a person), ``disabled`` never asks. A keyring that fails is
warned about once (through :attr:`Credentials.warnings`) and not asked again, as pip does.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sysconfig
import threading
import urllib.parse
from collections.abc import Mapping, Sequence
from pathlib import Path
from posixpath import commonpath

__all__ = ["Credentials", "netrc_credentials", "split_credentials"]

#: (username, password); either may be missing, as in pip's ``AuthInfo``.
AuthInfo = tuple[str | None, str | None]


def split_credentials(url: str) -> tuple[str, str, AuthInfo]:
    """``url`` without its userinfo, its netloc without userinfo, and the (unquoted) user
    and password it held: pip's ``split_auth_netloc_from_url``."""
    parts = urllib.parse.urlsplit(url)
    netloc = parts.netloc
    user: str | None = None
    password: str | None = None
    if "@" in netloc:
        auth, netloc = netloc.rsplit("@", 1)
        user, separator, rest = auth.partition(":")
        password = urllib.parse.unquote(rest) if separator else None
        user = urllib.parse.unquote(user)
    bare = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))
    return bare, netloc, (user, password)


def netrc_credentials(url: str, environ: Mapping[str, str]) -> tuple[str, str] | None:
    """The login and password ``.netrc`` holds for ``url``'s host, as requests'
    ``get_netrc_auth`` reads it: ``$NETRC``, else ``~/.netrc``, else ``~/_netrc``; the
    account stands for the login when there is none; a broken file is no credential."""
    given = environ.get("NETRC")
    home = environ.get("HOME") or str(Path.home())
    candidates = [given] if given is not None else [f"{home}/.netrc", f"{home}/_netrc"]
    found = next((path for path in candidates if Path(path).expanduser().exists()), None)
    host = urllib.parse.urlsplit(url).hostname
    if found is None or host is None:
        return None
    import netrc

    try:
        entry = netrc.netrc(str(Path(found).expanduser())).authenticators(host)
    except (netrc.NetrcParseError, OSError):
        return None
    if not entry or not any(entry):
        return None
    login = entry[0] if entry[0] else entry[1]
    return login or "", entry[2] or ""


class _Keyring:
    """One of pip's keyring providers: ``lookup(service, username)``."""

    def lookup(self, service: str, username: str | None) -> tuple[str, str] | None:
        raise NotImplementedError


class _ImportedKeyring(_Keyring):
    """pip's ``KeyRingPythonProvider``: the ``keyring`` package, imported here."""

    def __init__(self) -> None:
        import keyring

        self._keyring = keyring

    def lookup(self, service: str, username: str | None) -> tuple[str, str] | None:
        found = self._keyring.get_credential(service, username)
        return None if found is None else (found.username, found.password)


class _KeyringCommand(_Keyring):
    """pip's ``KeyRingCliProvider``: ``keyring --mode=creds --output=json get SERVICE
    [USERNAME]``, with no input."""

    def __init__(self, executable: str, environ: Mapping[str, str]) -> None:
        self._executable = executable
        self._environ = {**environ, "PYTHONIOENCODING": "utf-8"}

    def lookup(self, service: str, username: str | None) -> tuple[str, str] | None:
        command = [self._executable, "--mode=creds", "--output=json", "get", service]
        if username is not None:
            command.append(username)
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, env=self._environ,
            check=False,
        )  # fmt: skip
        errors = done.stderr.decode("utf-8", "replace")
        if done.returncode == 2 and "unrecognized arguments" in errors:
            raise RuntimeError("the keyring executable is too old; keyring 25.2.1 or later")
        if done.returncode:
            return None
        data = json.loads(done.stdout.decode("utf-8"))
        return str(data["username"]), str(data["password"])


def _keyring_executable(environ: Mapping[str, str]) -> str | None:
    """pip's search for a ``keyring`` executable: on ``PATH``, skipping this environment's
    own scripts folder (a keyring there would have been imported)."""
    path = environ.get("PATH")
    found = shutil.which("keyring", path=path)
    scripts = sysconfig.get_path("scripts")
    if found is None or not found.startswith(scripts):
        return found
    kept = []
    for folder in (path if path is not None else os.defpath).split(os.pathsep):
        try:
            if not Path(folder).samefile(scripts):
                kept.append(folder)
        except OSError:
            continue
    return shutil.which("keyring", path=os.pathsep.join(kept))


class Credentials:
    """Which credentials go with which request, and what a 401 can be answered with.

    ``index_urls`` are the configured indexes (their credentials serve any URL on the same
    host); ``use_keyring`` is pip's decision (see the module's docstring). Safe to use from
    several threads at once.
    """

    def __init__(
        self,
        *,
        index_urls: Sequence[str] = (),
        keyring_provider: str = "auto",
        use_keyring: bool = True,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._index_urls = tuple(index_urls)
        #: the netlocs of the index URLs: most requests are for a host with none
        self._index_netlocs = frozenset(split_credentials(url)[1] for url in self._index_urls)
        self._provider = keyring_provider
        self._use_keyring = use_keyring and keyring_provider != "disabled"
        self._environ = dict(os.environ if environ is None else environ)
        self._lock = threading.Lock()  # the passwords
        self._keyring_lock = threading.Lock()  # keyring's questions, one at a time
        self._keyring: _Keyring | None = None
        self._keyring_chosen = False
        self._asked: dict[tuple[str, str | None], tuple[str, str] | None] = {}
        #: credentials that worked or were found, by netloc (pip's ``passwords``)
        self._passwords: dict[str, tuple[str, str]] = {}
        self._netrc: dict[str, tuple[str, str] | None] = {}  # by host, read once
        #: what went wrong with keyring, once (credentials never appear in it)
        self.warnings: list[str] = []

    # -- before a request ---------------------------------------------------------------------

    def for_request(self, url: str) -> tuple[str, tuple[str, str] | None]:
        """``url`` without credentials, and the user and password to send with it (pip's
        ``_get_url_and_credentials``)."""
        bare, netloc, _ = split_credentials(url)
        username, password = self._find(url, netrc=True, keyring=False)
        with self._lock:
            if (username is None or password is None) and netloc in self._passwords:
                known_user, known_password = self._passwords[netloc]
                if username is None or username == known_user:
                    username, password = known_user, known_password
            if username is None and password is None:
                return bare, None
            found = (username or "", password or "")
            self._passwords[netloc] = found
        return bare, found

    # -- after a 401 ----------------------------------------------------------------------------

    def after_401(self, url: str) -> tuple[str, str] | None:
        """What to send again after ``url`` answered 401 (pip's ``handle_401``): the URL's
        or its index's credentials, else keyring's when pip would ask it; ``None``: nothing
        to try, the 401 stands."""
        username, password = self._find(url, netrc=False, keyring=self._use_keyring)
        if not username and not password:
            return None
        found = (username or "", password or "")
        _, netloc, _ = split_credentials(url)
        with self._lock:
            self._passwords[netloc] = found
        return found

    # -- the lookups ----------------------------------------------------------------------------

    def _index_url(self, bare_url: str) -> str | None:
        """The configured index URL (with its credentials) for ``bare_url``: the same one,
        else the one on the same host sharing the longest path (pip's ``_get_index_url``)."""
        wanted = urllib.parse.urlsplit(bare_url.rstrip("/") + "/")
        if wanted.netloc not in self._index_netlocs:
            return None
        candidates = []
        for configured in self._index_urls:
            index = configured.rstrip("/") + "/"
            parsed = urllib.parse.urlsplit(split_credentials(index)[0])
            if parsed == wanted:
                return index
            if parsed.netloc == wanted.netloc:
                candidates.append(urllib.parse.urlsplit(index))
        if not candidates:
            return None
        candidates.sort(reverse=True, key=lambda found: len(commonpath([wanted.path, found.path])))
        return urllib.parse.urlunsplit(candidates[0])

    def _find(self, url: str, *, netrc: bool, keyring: bool) -> AuthInfo:
        """pip's ``_get_new_credentials``: the URL's, the index's, netrc's, keyring's."""
        bare, netloc, (username, password) = split_credentials(url)
        if username is not None and password is not None:
            return username, password
        index_url = self._index_url(bare)
        index_bare: str | None = None
        if index_url is not None:
            index_bare, _, (index_user, index_password) = split_credentials(index_url)
            if index_user is not None and index_password is not None:
                return index_user, index_password
        if netrc:
            host = urllib.parse.urlsplit(bare).hostname or ""
            if host not in self._netrc:
                self._netrc[host] = netrc_credentials(bare, self._environ)
            found = self._netrc[host]
            if found is not None:
                return found
        if keyring:
            found = self._from_keyring(index_bare, username) or self._from_keyring(netloc, username)
            if found is not None:
                return found
        return username, password

    def _from_keyring(self, service: str | None, username: str | None) -> tuple[str, str] | None:
        if not service:
            return None
        with self._keyring_lock:  # one question to keyring at a time, each asked once
            if (service, username) in self._asked:
                return self._asked[(service, username)]
            provider = self._chosen_keyring()
            found: tuple[str, str] | None = None
            if provider is not None:
                try:
                    found = provider.lookup(service, username)
                except Exception as error:  # noqa: BLE001 - pip: any keyring failure disables it
                    self.warnings.append(f"keyring is skipped after an error: {error}")
                    self._keyring = None
            self._asked[(service, username)] = found
            return found

    def _chosen_keyring(self) -> _Keyring | None:
        """pip's ``get_keyring_provider``, chosen once."""
        if self._keyring_chosen:
            return self._keyring
        self._keyring_chosen = True
        if self._provider in {"import", "auto"}:
            try:
                self._keyring = _ImportedKeyring()
                return self._keyring
            except ImportError:
                pass
            except Exception as error:  # noqa: BLE001 - pip warns and falls back
                self.warnings.append(f"the installed keyring fails: {error}")
        if self._provider in {"subprocess", "auto"}:
            executable = _keyring_executable(self._environ)
            if executable is not None:
                self._keyring = _KeyringCommand(executable, self._environ)
        return self._keyring
