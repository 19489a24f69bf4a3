"""What the store hands out: entry revisions, client records and references to them. Plain
frozen dataclasses with no database in them, so every layer can use them."""

from __future__ import annotations

import getpass
import json
import os
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Any, Literal

Role = Literal["A", "B"]

from securebase.core.errors import CoupleError, StoreError

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


@dataclass(frozen=True)
class Dyad:
    dyad_id: str
    partner_a: str
    partner_b: str
    program_id: str | None
    created_at: str
    ended_at: str | None

    @property
    def active(self) -> bool:
        return self.ended_at is None

    @property
    def members(self) -> tuple[str, str]:
        return (self.partner_a, self.partner_b)

    def role_of(self, client_id: str) -> Role:
        if client_id == self.partner_a:
            return "A"
        if client_id == self.partner_b:
            return "B"
        raise CoupleError(f"{client_id!r} is not a partner in couple {self.dyad_id}.")

    def partner_of(self, client_id: str) -> str:
        return self.partner_b if self.role_of(client_id) == "A" else self.partner_a

    def person_number(self, client_id: str) -> int:
        """1 for partner A, 2 for partner B: the ``person`` column of dyadic data sets."""
        return 1 if self.role_of(client_id) == "A" else 2


@dataclass(frozen=True)
class CouplePause:
    """A pause of a couple's joint features, raised by an abuse-or-danger flag on one partner's entry.
    It applies until a clinician lifts it (``lifted_at``, ``lifted_by`` and ``reason`` are then set)."""

    pause_id: str
    dyad_id: str
    client_id: str                 # the partner whose entry was flagged
    flag_id: str
    paused_at: str
    lifted_at: str | None = None
    lifted_by: str | None = None
    reason: str | None = None

    @property
    def open(self) -> bool:
        return self.lifted_at is None


@dataclass(frozen=True)
class Assessment:
    """One administration of a questionnaire: the answers, the scores and the versions that scored them."""

    assessment_id: str
    client_id: str
    instrument_id: str
    instrument_version: str
    scoring_version: str
    occasion: str
    administered_at: str
    responses: dict[str, Any]
    result: dict[str, Any]

    @property
    def scores(self) -> dict[str, float | None]:
        return {k: v["score"] for k, v in self.result["subscales"].items()}


@dataclass(frozen=True)
class ProtocolRecord:
    """One stored version of a couple's protocol, and each partner's latest decision on it."""

    dyad_id: str
    version: int
    data: dict[str, Any]
    content_version: str
    proposed_by: str
    proposed_at: str
    consents: dict[str, bool]


class AlreadySaved(StoreError):
    """Something with this source key was saved before; ``existing`` names what it was saved as."""

    def __init__(self, existing: str | int):
        self.existing = existing
        super().__init__(f"This was already saved ({existing}); it was not saved twice.")


class AlreadyLinked(StoreError):
    """A partner is already in an active couple."""

    def __init__(self, client_id: str, dyad_id: str):
        self.client_id, self.dyad_id = client_id, dyad_id
        super().__init__(f"{client_id} is already linked in couple {dyad_id}.")


class CouplePausedError(StoreError):
    """A joint feature (sharing, a protocol proposal or consent) was refused: the couple is paused."""

    def __init__(self, dyad_id: str):
        self.dyad_id = dyad_id
        super().__init__("Shared features are paused for now.")


class UnchangedProtocol(StoreError):
    """A proposed protocol is the same as the latest version."""

    def __init__(self, version: int):
        self.version = version
        super().__init__(f"This is the same as version {version}.")


def dump_data(data: dict[str, Any]) -> str:
    """An entry's answers as canonical JSON (sorted keys, no NaN): what the store keeps."""
    if not isinstance(data, dict):
        raise TypeError("entry data must be a dict of field id to value")
    return json.dumps(data, ensure_ascii=False, sort_keys=True, allow_nan=False)


def protocol_screen_id(dyad_id: str, version: int) -> str:
    """The id a protocol version's safety flag and check-in are stored under (as an entry's id would be)."""
    return f"protocol:{dyad_id}:v{version}"
