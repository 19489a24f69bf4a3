"""What the store hands out: entry revisions, client records and references to them. Plain
frozen dataclasses with no database in them, so every layer can use them."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any

from securebase.core.errors import StoreError

ENTRY_COLUMNS = (
    "entry_id, revision, client_id, program_id, phase_id, exercise_id, content_version, "
    "occurred_at, recorded_at, recorded_by, deleted, data, source_key"
)


def utc_now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def default_actor() -> str:
    """Who is acting, for the audit log: ``SECUREBASE_ACTOR`` or the login name."""
    actor = os.environ.get("SECUREBASE_ACTOR")
    if actor:
        return actor
    try:
        return getpass.getuser()
    except Exception:  # no login name in some containers
        return "unknown"


@dataclass(frozen=True)
class EntryRef:
    entry_id: str
    revision: int


@dataclass(frozen=True)
class Entry:
    """One revision of one entry."""

    entry_id: str
    revision: int
    client_id: str
    program_id: str
    phase_id: str
    exercise_id: str
    content_version: str
    occurred_at: str
    recorded_at: str
    recorded_by: str
    deleted: bool
    data: dict[str, Any]
    source_key: str | None

    @classmethod
    def from_row(cls, row: tuple) -> "Entry":
        values = list(row)
        values[10] = bool(values[10])
        values[11] = json.loads(values[11])
        return cls(*values)

    @property
    def ref(self) -> EntryRef:
        return EntryRef(self.entry_id, self.revision)


@dataclass(frozen=True)
class Client:
    client_id: str
    program_id: str | None
    start_date: date | None
    phase_override: str | None
    language: str
    created_at: str
    updated_at: str

    @classmethod
    def from_row(cls, row: tuple) -> "Client":
        values = list(row)
        values[2] = date.fromisoformat(values[2]) if values[2] else None
        return cls(*values)


class DuplicateEntryError(StoreError):
    """An entry with the same source key was already saved for this client."""

    def __init__(self, entry_id: str):
        self.entry_id = entry_id
        super().__init__(f"This entry was already saved (entry {entry_id}); it was not saved twice.")
