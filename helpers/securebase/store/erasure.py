"""Erasing a client (GDPR Art. 17): every row of theirs, in one transaction, and nothing of it left in the files.

Append-only stays the rule for everything else; this is its one exception, and only the store's owner may do
it. :meth:`Erasure.erase_client` removes, in one transaction:

* the client, their entries and every revision, entry heads, assessments, safety flags with their clears,
  acknowledgements and notifications, check-ins and their answers, consents, homework and its ends, calendar
  feeds and their revocations, reminder settings and reminders sent, group memberships, archive records and
  caseload links;
* **their couple**: the link, the shared protocol versions and everyone's consents to them, pauses, and every
  share made in that couple (the partner's shares too: they were shares *to* the erased client). The
  partner's own entries, assessments and the rest of their record stay; they are no longer in a couple.

The audit keeps its rows, because its chain must stay whole, but each row that named the client is
**redacted**: its client id removed, its object id and every mention of the id in its details replaced by
``[erased]``. A new audit row (``erase``) records that an erasure happened, why, how many rows went and which
audit rows were redacted, without the client's id; :func:`securebase.store.auditchain.verify` accepts a
redacted row only when such a row lists it. Afterwards the freed pages are wiped: SQLite runs with
``secure_delete``, checkpoints its log and ``VACUUM``\\ s; PostgreSQL rewrites the tables with ``VACUUM FULL``.

What this cannot reach: backups made before (they still hold the client until they are rotated out, see the
README) and research exports already handed out (de-identified, without a way back once the key file is
destroyed).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from securebase.core.errors import NotFoundError, StoreError

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store

ERASED = "[erased]"
MAX_REASON = 500

# (table, the rows of the client: a WHERE clause on :client and the couple's dyads :dyads) in the order they go
_ROWS = (
    ("safety_check_in_answers", "check_in_id IN (SELECT check_in_id FROM safety_check_ins WHERE client_id = :client)"),
    ("safety_check_ins", "client_id = :client"),
    ("notifications_sent", "flag_id IN (SELECT flag_id FROM safety_flags WHERE client_id = :client)"),
    ("safety_flag_acks", "flag_id IN (SELECT flag_id FROM safety_flags WHERE client_id = :client)"),
    ("safety_flag_clears", "flag_id IN (SELECT flag_id FROM safety_flags WHERE client_id = :client)"),
    ("couple_pause_lifts", "pause_id IN (SELECT pause_id FROM couple_pauses WHERE dyad_id IN ({dyads}) "
                           "OR client_id = :client)"),
    ("couple_pauses", "dyad_id IN ({dyads}) OR client_id = :client"),
    ("safety_flags", "client_id = :client"),
    ("entry_shares", "client_id = :client OR dyad_id IN ({dyads})"),
    ("protocol_consents", "dyad_id IN ({dyads})"),
    ("protocol_versions", "dyad_id IN ({dyads})"),
    ("dyads", "dyad_id IN ({dyads})"),
    ("entry_heads", "client_id = :client"),
    ("entries", "client_id = :client"),
    ("assessments", "client_id = :client"),
    ("consents", "client_id = :client"),
    ("homework_ends", "assignment_id IN (SELECT assignment_id FROM homework WHERE client_id = :client)"),
    ("homework", "client_id = :client"),
    ("calendar_feed_revocations", "feed_hash IN (SELECT feed_hash FROM calendar_feeds WHERE client_id = :client)"),
    ("calendar_feeds", "client_id = :client"),
    ("reminder_settings", "client_id = :client"),
    ("reminders_sent", "client_id = :client"),
    ("group_members", "client_id = :client"),
    ("client_archive", "client_id = :client"),
    ("caseload", "client_id = :client"),
    ("clients", "client_id = :client"),
)


@dataclass(frozen=True)
class ErasureReport:
    rows_removed: dict[str, int]
    audit_rows_redacted: int
    partner_left: bool = False        # the client was in a couple: the partner's record stays, unlinked
    wiped: list[str] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.rows_removed.values())


def _sql(where: str, client_id: str, dyads: list[str]) -> tuple[str, list[str]]:
    """``where`` with ``?`` for the client (``:client``) and each of the couple's dyads (``{dyads}``)."""
    out, params = [], []
    for part in re.split(r"(:client|\{dyads\})", where):
        if part == ":client":
            out.append("?")
            params.append(client_id)
        elif part == "{dyads}":
            out.append(", ".join("?" * len(dyads)) or "NULL")
            params.extend(dyads)
        else:
            out.append(part)
    return "".join(out), params


class Erasure:
    def erase_client(self: "Store", client_id: str, *, reason: str) -> ErasureReport:
        """Erase the client (see the module docstring). Only the store's owner may; ``reason`` is kept in the
        audit (it must not name the client, and is at most 500 characters)."""
        reason = " ".join(str(reason).split())
        if not reason:
            raise StoreError("Give the reason for the erasure (--reason), for example the client's request of a date.")
        if len(reason) > MAX_REASON:
            raise StoreError(f"The reason is {len(reason)} characters; keep it under {MAX_REASON}.")
        if client_id.lower() in reason.lower():
            raise StoreError("The reason must not name the client's code: the audit keeps it after the erasure.")
        if self.url is not None and self._db.execute("SELECT 1 FROM people WHERE db_role = session_user").fetchone():
            raise StoreError("Only the store's owner (the role that ran `securebase init`) can erase a client.")
        if self.get_client(client_id) is None:
            raise NotFoundError(f"There is no client {client_id!r} in the store; nothing was erased.")
        active = [name for name, disabled in self._db.execute(
            "SELECT name, disabled FROM people WHERE client_id = ?", (client_id,)).fetchall() if not disabled]
        if active:
            raise StoreError(f"{client_id} still has a sign-in ({active[0]}); end it first with `securebase users "
                             f"disable {active[0]}`, then erase.")
        removed: dict[str, int] = {}
        sqlite = self._db.dialect == "sqlite"
        if sqlite:
            self._db.script("PRAGMA secure_delete = ON")   # freed pages are zeroed, not left as they were
        with self._write() as db:
            dyads = [r[0] for r in db.execute("SELECT dyad_id FROM dyads WHERE partner_a = ? OR partner_b = ?",
                                              (client_id, client_id))]
            roles = [r[0] for r in db.execute("SELECT db_role FROM people WHERE client_id = ?", (client_id,))]
            protected = _drop_protections(db)   # a failure below rolls back, and the lifting with it
            removed["people"] = db.execute("DELETE FROM people WHERE client_id = ?", (client_id,)).rowcount
            for table, where in _ROWS:
                sql, params = _sql(where, client_id, dyads)
                removed[table] = db.execute(f"DELETE FROM {table} WHERE {sql}", params).rowcount
            redacted = _redact_audit(db, client_id, roles)
            _restore_protections(db, protected)
            self._audit(db, "erase", "client", ERASED, None, {
                "reason": reason, "rows_removed": {t: n for t, n in removed.items() if n},
                "redacted": redacted, "couple_unlinked": bool(dyads)})
        wiped = self._wipe_freed_pages([t for t, n in removed.items() if n] + ["audit"])
        return ErasureReport({t: n for t, n in removed.items() if n}, len(redacted), bool(dyads), wiped)

    def closed_clients(self: "Store", before: str) -> list[tuple[str, str]]:
        """(client, when archived) of every client archived, and still archived, before ``before`` (ISO time):
        the ones a retention rule erases."""
        return [(r[0], r[1]) for r in self._db.execute(
            "SELECT a.client_id, a.at FROM client_archive AS a WHERE a.archived = 1 AND a.seq = (SELECT MAX(seq) FROM "
            "client_archive WHERE client_id = a.client_id) AND a.at < ? ORDER BY a.at, a.client_id", (before,))]

    def _wipe_freed_pages(self: "Store", tables: list[str]) -> list[str]:
        if self._db.dialect == "sqlite":
            for statement in ("PRAGMA wal_checkpoint(TRUNCATE)", "VACUUM", "PRAGMA wal_checkpoint(TRUNCATE)",
                              "PRAGMA secure_delete = OFF"):
                self._db.script(statement)
            return ["VACUUM"]
        for table in tables:
            self._db.script(f"VACUUM FULL {table}")
        return [f"VACUUM FULL {t}" for t in tables]


def _drop_protections(db) -> list[tuple[str, str]]:
    """Lift the triggers that keep history append-only, for this transaction only; their definitions."""
    if db.dialect == "sqlite":
        found = [(name, sql) for name, sql in db.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND (name LIKE '%\\_no\\_delete' ESCAPE '\\' "
            "OR name LIKE '%\\_no\\_update' ESCAPE '\\')")]
        for name, _sql_text in found:
            db.script(f"DROP TRIGGER {name}")
        return found
    tables = [r[0] for r in db.execute(
        "SELECT DISTINCT c.relname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON "
        "n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal AND "
        "(t.tgname LIKE '%\\_no\\_delete' OR t.tgname LIKE '%\\_no\\_update' OR t.tgname = 'dyads_only_end')")]
    for table in tables:
        db.script(f"ALTER TABLE {table} DISABLE TRIGGER USER")
    return [(table, "") for table in tables]


def _restore_protections(db, protected: list[tuple[str, str]]) -> None:
    if db.dialect == "sqlite":
        for _name, sql in protected:
            db.script(sql)
        return
    for table, _ in protected:
        db.script(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def _scrub(value, names: set[str]):
    """``value`` (a JSON detail) with every string equal to one of ``names`` replaced by ``[erased]``."""
    if isinstance(value, str):
        return ERASED if value in names else value
    if isinstance(value, list):
        return [_scrub(v, names) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, names) for k, v in value.items()}
    return value


def _redact_audit(db, client_id: str, roles: list[str]) -> dict[str, str]:
    """Remove the client (and their login role, which names them as an actor) from every audit row that
    names them, by exact value; each changed row's id and the hash of its redacted body (for verify)."""
    from securebase.store.auditchain import FIELDS, body_hash

    names = {client_id, *roles}
    where = " OR ".join(["client_id = ?", "object_id IN ({0})", "actor IN ({0})"]).format(", ".join("?" * len(names)))
    candidates = db.execute(f"SELECT audit_id, actor, object_id, client_id, detail FROM audit WHERE {where} OR "
                            "CAST(detail AS TEXT) LIKE ?", (client_id, *names, *names, f"%{client_id}%")).fetchall()
    detail_value = "?" if db.dialect == "sqlite" else "CAST(? AS jsonb)"
    changed = []
    for audit_id, actor, object_id, row_client, detail in candidates:
        parsed = json.loads(detail) if isinstance(detail, str) else detail
        scrubbed = _scrub(parsed, names)
        if row_client != client_id and actor not in names and object_id not in names and scrubbed == parsed:
            continue   # the id only appeared inside a longer string: not this client
        db.execute(f"UPDATE audit SET actor = ?, object_id = ?, client_id = ?, detail = {detail_value} "
                   "WHERE audit_id = ?", (ERASED if actor in names else actor, ERASED if object_id in names else object_id,
                                          None if row_client == client_id else row_client,
                                          json.dumps(scrubbed, ensure_ascii=False), audit_id))
        changed.append(audit_id)
    if not changed:
        return {}
    rows = db.execute(f"SELECT {', '.join(FIELDS)} FROM audit WHERE audit_id IN ({', '.join('?' * len(changed))})",
                      changed).fetchall()
    return {str(row[0]): body_hash(tuple(row)) for row in rows}
