"""A keyring backend for tests: credentials from ``$TEST_KEYRING_CREDENTIALS``.

The variable holds JSON ``{"service": ["username", "password"], ...}``; every lookup is
appended to the file named by ``$TEST_KEYRING_LOG`` (when set), one ``service username`` per
line, so a test can see what was asked. Select it in a process with
``PYTHON_KEYRING_BACKEND=index.keyring_backend.EnvironmentKeyring`` (``tests/`` on
``PYTHONPATH``), or in-process with ``EnvironmentKeyring(credentials)``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from keyring.backend import KeyringBackend
from keyring.credentials import SimpleCredential


class EnvironmentKeyring(KeyringBackend):
    priority = 1.0  # type: ignore[assignment]

    def __init__(self, credentials: dict[str, tuple[str, str]] | None = None) -> None:
        super().__init__()
        if credentials is None:
            raw = json.loads(os.environ.get("TEST_KEYRING_CREDENTIALS", "{}"))
            credentials = {service: (pair[0], pair[1]) for service, pair in raw.items()}
        self.credentials = credentials
        self.asked: list[tuple[str, str | None]] = []

    def _log(self, service: str, username: str | None) -> None:
        self.asked.append((service, username))
        log = os.environ.get("TEST_KEYRING_LOG")
        if log:
            with Path(log).open("a", encoding="utf-8") as handle:
                handle.write(f"{service} {username}\n")

    def get_credential(self, service: str, username: str | None) -> SimpleCredential | None:
        self._log(service, username)
        found = self.credentials.get(service)
        if found is None or (username is not None and username != found[0]):
            return None
        return SimpleCredential(*found)

    def get_password(self, service: str, username: str) -> str | None:
        found = self.get_credential(service, username)
        return None if found is None else found.password

    def set_password(self, service: str, username: str, password: str) -> None:
        raise NotImplementedError("a test keyring is read-only")

    def delete_password(self, service: str, username: str) -> None:
        raise NotImplementedError("a test keyring is read-only")
