"""Consent in the store (schema 11): each decision a client made, treatment or research, as a record.

``consents`` is append-only: a decision is given or withdrawn with the version of the text it was about,
when the person decided, who recorded it and from where (the workbook, the home page or the command line).
The latest decision of a kind is the one in force (:func:`securebase.intake.consent.status` says whether it
is current for the text of today). A mixin of :class:`~securebase.store.database.Store`.

On PostgreSQL (:func:`pg_statements`) a client records their own decisions and their clinicians record them
for their caseload, each under their own login; supervisors read; researchers see none of it; nobody changes
or deletes a record.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import TYPE_CHECKING

from securebase.core.errors import NotFoundError, StoreError
from securebase.store.records import utc_now

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store

KINDS = ("treatment", "research")
DECISIONS = ("given", "withdrawn")
VIA = ("workbook", "home", "cli")

_TABLE = """
CREATE TABLE IF NOT EXISTS consents (
    consent_id   TEXT PRIMARY KEY,
    client_id    TEXT NOT NULL REFERENCES clients (client_id),
    kind         TEXT NOT NULL CHECK (kind IN ('treatment', 'research')),
    decision     TEXT NOT NULL CHECK (decision IN ('given', 'withdrawn')),
    text_version TEXT NOT NULL,
    decided_at   TEXT NOT NULL,
    via          TEXT NOT NULL CHECK (via IN ('workbook', 'home', 'cli')),
    recorded_by  TEXT NOT NULL,
    recorded_at  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS consents_client ON consents (client_id, kind, recorded_at)
"""
TABLES = ("consents",)
SQLITE_TRIGGERS = frozenset({"consents_no_update", "consents_no_delete"})


def sqlite_statements() -> list[str]:
    table, index = (s.strip() for s in _TABLE.split(";"))
    return [table.replace("\n);", "\n) STRICT"), index] + [
        f"CREATE TRIGGER IF NOT EXISTS consents_no_{verb} BEFORE {verb.upper()} ON consents "
        "BEGIN SELECT RAISE(ABORT, 'consents is append-only'); END" for verb in ("update", "delete")]


def pg_statements() -> list[str]:
    """The table on PostgreSQL, its grants and its row-level security (after schema 9's groups)."""
    from securebase.store.access_pg import GROUP, READABLE, WRITABLE, policy
    from securebase.store.schema_pg import REFUSE

    table, index = (s.strip().replace("TEXT", "text") for s in _TABLE.split(";"))
    groups = ", ".join(GROUP.values())
    refuse = [f"CREATE OR REPLACE TRIGGER consents_no_{verb.lower()} BEFORE {verb} ON consents FOR EACH "
              f"{'STATEMENT' if verb == 'TRUNCATE' else 'ROW'} EXECUTE FUNCTION {REFUSE}('consents is append-only')"
              for verb in ("UPDATE", "DELETE", "TRUNCATE")]
    return [
        table, index, *refuse,
        "REVOKE ALL ON consents FROM PUBLIC",
        f"GRANT SELECT ON consents TO {GROUP['client']}, {GROUP['clinician']}, {GROUP['supervisor']}",
        f"GRANT INSERT ON consents TO {GROUP['client']}, {GROUP['clinician']}",
        f"REVOKE UPDATE, DELETE, TRUNCATE ON consents FROM PUBLIC, {groups}",
        "ALTER TABLE consents ENABLE ROW LEVEL SECURITY",
        policy("consents", "read", "SELECT", READABLE),
        policy("consents", "add", "INSERT", None, f"{WRITABLE} AND recorded_by = session_user "
                                                  "AND securebase_my_kind() IN ('client', 'clinician')"),
    ]


@dataclass(frozen=True)
class Consent:
    consent_id: str
    client_id: str
    kind: str
    decision: str
    text_version: str
    decided_at: str
    via: str
    recorded_by: str
    recorded_at: str

    @property
    def given(self) -> bool:
        return self.decision == "given"


_COLUMNS = "consent_id, client_id, kind, decision, text_version, decided_at, via, recorded_by, recorded_at"


class ConsentTables:
    def record_consent(self: "Store", client_id: str, *, kind: str, decision: str, text_version: str,
                       decided_at: str, via: str) -> Consent:
        """Record a decision (checked by :mod:`securebase.intake.consent`). Audited, by kind and decision."""
        if kind not in KINDS or decision not in DECISIONS or via not in VIA:
            raise StoreError(f"A consent is {' or '.join(KINDS)}, {' or '.join(DECISIONS)}, recorded from "
                             f"{', '.join(VIA)}.")
        consent_id = "K-" + uuid.uuid4().hex[:12]
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store.")
            db.execute(f"INSERT INTO consents ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                       (consent_id, client_id, kind, decision, text_version, decided_at, via, self.actor, utc_now()))
            self._audit(db, "consent_give" if decision == "given" else "consent_withdraw", "consent", consent_id,
                        client_id, {"kind": kind, "text_version": text_version, "via": via})
        return next(c for c in self.consents(client_id) if c.consent_id == consent_id)

    def consents(self: "Store", client_id: str | None = None) -> list[Consent]:
        """Every decision, in the order they were made (``decided_at``; a decision entered later but dated
        earlier takes its place in time); every client's when ``client_id`` is None."""
        sql, params = f"SELECT {_COLUMNS} FROM consents", ()
        if client_id is not None:
            sql, params = sql + " WHERE client_id = ?", (client_id,)
        return [Consent(*r) for r in self._db.execute(sql + " ORDER BY decided_at, recorded_at, consent_id", params)]

    def latest_consents(self: "Store") -> dict[tuple[str, str], Consent]:
        """The decision in force per (client, kind): the last one made."""
        latest: dict[tuple[str, str], Consent] = {}
        for c in self.consents():
            latest[(c.client_id, c.kind)] = c
        return latest
