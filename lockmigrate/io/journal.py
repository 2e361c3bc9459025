"""The journal of one multi-file commit: what it records and how it is read back.

A journal names files and fingerprints of their contents, never the contents: the original
of a replaced file is kept as a file beside it (a hard link, else a copy), so the journal
holds nothing the tree does not hold already. Paths are relative to the tree's root and
written with ``/``, so a tree moved or mounted elsewhere after a crash is still recovered.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

__all__ = [
    "Entry",
    "Journal",
    "JournalError",
    "State",
    "backup_name",
    "fingerprint",
    "new_id",
    "temp_name",
]

#: The format written; a journal of a newer format is left to the lockmigrate that wrote it.
VERSION = 1
#: What lockmigrate's own temporary files and backups look like, and nothing else does:
#: ``.requirements.txt.lockmigrate-0123abcd.tmp`` beside ``requirements.txt``.
OWN_FILE = re.compile(r"^\.(?P<name>.+)\.lockmigrate-(?P<id>[0-9a-f]{8})\.(?P<kind>tmp|orig)$")


def new_id() -> str:
    """A commit's id: it names the commit's temporary files and backups."""
    return secrets.token_hex(4)


def temp_name(name: str, commit: str) -> str:
    """The temporary file holding the new content of the file called ``name``."""
    return f".{name}.lockmigrate-{commit}.tmp"


def backup_name(name: str, commit: str) -> str:
    """The backup (hard link or copy) of the original of the file called ``name``."""
    return f".{name}.lockmigrate-{commit}.orig"


class JournalError(ValueError):
    """A journal that cannot be read; the message names the key."""


class State(str, enum.Enum):
    """How far a commit got; decides what a later run does with it."""

    #: Temporary files and backups are being made; no target has been touched.
    STAGING = "staging"
    #: Every new content is complete on disk; targets are being replaced.
    COMMITTING = "committing"
    #: Writing failed; the targets already replaced are being put back.
    ROLLING_BACK = "rolling-back"


def fingerprint(content: bytes | None) -> str | None:
    """``sha256:HEX`` of ``content``; ``None`` stands for "no file"."""
    return None if content is None else "sha256:" + hashlib.sha256(content).hexdigest()


@dataclass(frozen=True, slots=True, kw_only=True)
class Entry:
    """One file of the commit. ``before``/``after`` are fingerprints (``None``: no file);
    ``temp`` and ``backup`` are names in the target's folder (``None``: not needed)."""

    path: str
    before: str | None
    after: str | None
    temp: str | None
    backup: str | None

    @classmethod
    def from_dict(cls, data: object, where: str, *, commit: str) -> Entry:
        """One entry of the journal of commit ``commit``. Its path must stay inside the
        tree, and its temporary file and backup must be that commit's own names beside it:
        a journal never makes lockmigrate touch anything else."""
        mapping = _mapping(data, where)
        path = _relative_path(mapping, "path", where)
        name = PurePosixPath(path).name
        entry = cls(
            path=path,
            before=_optional_string(mapping, "before", where),
            after=_optional_string(mapping, "after", where),
            temp=_optional_string(mapping, "temp", where),
            backup=_optional_string(mapping, "backup", where),
        )
        if entry.temp not in (None, temp_name(name, commit)):
            raise JournalError(f"{where}: temp: not this commit's temporary file for {path}")
        if entry.backup not in (None, backup_name(name, commit)):
            raise JournalError(f"{where}: backup: not this commit's backup of {path}")
        if entry.after is not None and entry.temp is None:
            raise JournalError(f"{where}: temp: missing for a file with new content")
        if entry.before is not None and entry.backup is None:
            raise JournalError(f"{where}: backup: missing for a file that existed")
        return entry


@dataclass(frozen=True, slots=True, kw_only=True)
class Journal:
    """A commit in progress: its ``entries`` in the order they are replaced, and the
    ``folders`` it created for new files (parents first)."""

    id: str
    state: State
    pid: int
    entries: tuple[Entry, ...]
    folders: tuple[str, ...] = ()

    def with_state(self, state: State) -> Journal:
        return dataclasses.replace(self, state=state)

    def to_json(self) -> bytes:
        """The journal as JSON, one entry a line (the C encoder, so a commit of many files
        does not wait for it)."""
        head = json.dumps(
            {"lockmigrate-journal": VERSION, "id": self.id, "state": self.state.value}
        )[:-1]
        entries = ",\n    ".join(
            json.dumps(
                {
                    "path": entry.path,
                    "before": entry.before,
                    "after": entry.after,
                    "temp": entry.temp,
                    "backup": entry.backup,
                }
            )
            for entry in self.entries
        )
        return (
            f'{head}, "pid": {self.pid},\n  "entries": [\n    {entries}\n  ],\n'
            f'  "folders": {json.dumps(list(self.folders))}\n}}\n'
        ).encode()

    @classmethod
    def from_json(cls, text: bytes, where: str) -> Journal:
        """Read a journal; :class:`JournalError` names what is wrong (``where: key``)."""
        try:
            data = json.loads(text)
        except ValueError as error:
            raise JournalError(f"{where}: not JSON ({error})") from None
        mapping = _mapping(data, where)
        version = mapping.get("lockmigrate-journal")
        if not isinstance(version, int) or isinstance(version, bool):
            raise JournalError(f"{where}: lockmigrate-journal: expected the format's number")
        if version > VERSION:
            raise JournalError(
                f"{where}: written by a newer lockmigrate (format {version}); "
                "recover it with that version"
            )
        state = _string(mapping, "state", where)
        try:
            parsed_state = State(state)
        except ValueError:
            raise JournalError(f"{where}: state: unknown state {state!r}") from None
        pid = mapping.get("pid")
        if not isinstance(pid, int) or isinstance(pid, bool):
            raise JournalError(f"{where}: pid: expected an integer")
        entries = mapping.get("entries")
        if not isinstance(entries, list):
            raise JournalError(f"{where}: entries: expected a list")
        folders = mapping.get("folders", [])
        if not isinstance(folders, list):
            raise JournalError(f"{where}: folders: expected a list")
        commit = _string(mapping, "id", where)
        if not re.fullmatch(r"[0-9a-f]{8}", commit):
            raise JournalError(f"{where}: id: expected 8 hexadecimal digits")
        return cls(
            id=commit,
            state=parsed_state,
            pid=pid,
            entries=tuple(
                Entry.from_dict(entry, f"{where}: entries[{index}]", commit=commit)
                for index, entry in enumerate(entries)
            ),
            folders=tuple(
                _relative_path({"folders": folder}, "folders", f"{where}: folders[{index}]")
                for index, folder in enumerate(folders)
            ),
        )


def _mapping(data: object, where: str) -> dict[str, object]:
    if not isinstance(data, dict):
        raise JournalError(f"{where}: expected an object")
    return data


def _string(mapping: dict[str, object], key: str, where: str) -> str:
    value = mapping.get(key)
    if not isinstance(value, str) or not value:
        raise JournalError(f"{where}: {key}: expected a string")
    return value


def _relative_path(mapping: dict[str, object], key: str, where: str) -> str:
    value = _string(mapping, key, where)
    # read as both kinds of path, so that neither separator can lead out of the tree
    posix, windows = PurePosixPath(value), PureWindowsPath(value)
    if posix.is_absolute() or windows.anchor or ".." in (*posix.parts, *windows.parts):
        raise JournalError(f"{where}: {key}: expected a path inside the tree, not {value!r}")
    return value


def _optional_string(mapping: dict[str, object], key: str, where: str) -> str | None:
    if key not in mapping:
        raise JournalError(f"{where}: {key}: missing")
    value = mapping[key]
    if value is not None and (not isinstance(value, str) or not value):
        raise JournalError(f"{where}: {key}: expected a string or null")
    return value
