"""The audit log as a hash chain: each audit row's hash covers the row and the hash before it, so a row
that is changed, removed or slipped in later breaks the chain from that row on.

The triggers already refuse ``UPDATE`` and ``DELETE`` on the audit table, but anyone who can write the
file can drop a trigger first (``DROP TRIGGER audit_no_update; UPDATE audit ...``). The chain makes that
visible afterwards: :func:`verify` (``securebase audit verify``) recomputes it and reports the first row
where it breaks. The hashes live in their own append-only table, ``audit_chain`` (one row per audit row,
written in the same transaction), so the audit table itself keeps its shape.

A hash is SHA-256 over the previous hash and the row's fields as canonical JSON (the first row's
previous hash is 64 zeros). Rows written before the chain existed are chained, in order, when the store
is first opened by this version: the chain vouches for them from then on, not for their past.
"""

from __future__ import annotations

import functools
import hashlib
import json
import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from securebase.core.errors import StoreError

GENESIS = "0" * 64
FIELDS = ("audit_id", "at", "actor", "action", "object_type", "object_id", "client_id", "detail")
_SELECT = f"SELECT {', '.join('a.' + f for f in FIELDS)}, c.hash FROM audit a LEFT JOIN audit_chain c USING (audit_id)"


def _body(row: tuple) -> str:
    return json.dumps(dict(zip(FIELDS, row)), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(previous: str, row: tuple) -> str:
    return hashlib.sha256(f"{previous}\n{_body(row)}".encode("utf-8")).hexdigest()


def body_hash(row: tuple) -> str:
    """The hash of an audit row's fields alone: an erasure records it for each row it redacted."""
    return hashlib.sha256(_body(row).encode("utf-8")).hexdigest()


def last_hash(db: sqlite3.Connection) -> str:
    row = db.execute("SELECT hash FROM audit_chain ORDER BY audit_id DESC LIMIT 1").fetchone()
    return row[0] if row else GENESIS


def chain_row(db: sqlite3.Connection, audit_id: int) -> None:
    """Chain the audit row ``audit_id`` (just inserted, in the caller's write transaction)."""
    row = db.execute(f"SELECT {', '.join(FIELDS)} FROM audit WHERE audit_id = ?", (audit_id,)).fetchone()
    db.execute("INSERT INTO audit_chain (audit_id, hash) VALUES (?, ?)", (audit_id, row_hash(last_hash(db), row)))


def chain_unchained(db: sqlite3.Connection) -> int:
    """Chain, in order, the audit rows written before the chain existed (in the caller's transaction)."""
    newest = db.execute("SELECT COALESCE(MAX(audit_id), 0) FROM audit_chain").fetchone()[0]
    ids = [r[0] for r in db.execute("SELECT audit_id FROM audit WHERE audit_id > ? ORDER BY audit_id", (newest,))]
    for audit_id in ids:
        chain_row(db, audit_id)
    return len(ids)


@dataclass(frozen=True)
class ChainReport:
    rows: int                  # audit rows checked
    first_break: int | None    # the audit id where the chain first breaks (None: intact)
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.first_break is None


def _redacted(rows: list) -> dict[int, str]:
    """The audit rows an erasure redacted (:mod:`securebase.store.erasure`) and the hash of each one's redacted
    body, as the erasure's own audit row lists them."""
    found: dict[int, str] = {}
    for row in rows:
        if row[3] == "erase":
            detail = row[7] if isinstance(row[7], dict) else json.loads(row[7] or "{}")
            try:
                found.update({int(i): str(h) for i, h in (detail.get("redacted") or {}).items()})
            except (ValueError, TypeError, AttributeError):
                continue
    return found


def verify(db: sqlite3.Connection) -> ChainReport:
    """Recompute the chain over every audit row; the first row where it breaks, and why. A row an erasure
    redacted (listed by a later ``erase`` row, its client id gone) keeps the hash it was chained with: the
    chain goes on from that hash, so every row after it is still checked; the redacted row itself must be exactly
    what the erasure left (the erase row holds the hash of its redacted body)."""
    rows = db.execute(_SELECT + " ORDER BY a.audit_id").fetchall()
    redacted = _redacted(rows)
    present = {r[0] for r in rows}
    removed = sorted(r[0] for r in db.execute("SELECT audit_id FROM audit_chain") if r[0] not in present)
    previous = GENESIS
    for count, (*row, stored) in enumerate(rows, start=1):
        audit_id = row[0]
        if removed and removed[0] < audit_id:
            return ChainReport(count - 1, removed[0], "the audit row with this id was removed")
        if stored is None:
            return ChainReport(count, audit_id, "this audit row has no hash: it was added outside Secure Base")
        if row_hash(previous, tuple(row)) != stored and redacted.get(audit_id) != body_hash(tuple(row)):
            return ChainReport(count, audit_id, "this audit row, or its hash, was changed")
        previous = stored
    if removed:
        return ChainReport(len(rows), removed[0], "the audit row with this id was removed")
    return ChainReport(len(rows), None)


@functools.cache
def _triggers(schema: str) -> frozenset[str]:
    """The triggers the schema makes (read once, not at every open)."""
    return frozenset(re.findall(r"CREATE TRIGGER IF NOT EXISTS (\w+)", schema))


def check_protections(db, schema: str, where: str) -> None:
    """Every trigger the schema makes is still there (a store of the current schema). One that is gone was
    dropped outside Secure Base, and history may have been changed since: the store is not opened."""
    from securebase.store import consents, homework

    expected = _triggers(schema) | consents.SQLITE_TRIGGERS   # schema 11's, on both (checked once current)
    if db.dialect == "sqlite":
        expected |= homework.SQLITE_TRIGGERS   # schema 10's (on PostgreSQL its grants keep it append-only)
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    else:   # enabled ones only: a disabled trigger protects nothing
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal AND tgenabled <> 'D'"
    present = {r[0] for r in db.execute(sql)}
    missing = sorted(expected - present)
    if db.dialect != "sqlite":
        missing += postgres_protections_missing(db, present)
    if missing:
        raise StoreError(f"The store {where} has lost protections that keep its history unchanged "
                         f"({', '.join(missing[:3])}{', ...' if len(missing) > 3 else ''} dropped outside Secure "
                         "Base), so its records may have been changed. Nothing was opened. Run `securebase audit "
                         "verify` to find the first changed audit row, then restore a backup from before it "
                         "(`securebase restore BACKUP-FILE`).")


# What PostgreSQL adds from schema 9 on (store/access_pg.py): the audit's stamp and chain link, and
# row-level security on every table that holds people's data.
PG_TRIGGERS = frozenset({"audit_stamp", "audit_link", "clients_assign_new"})


def postgres_protections_missing(db, present: set[str]) -> list[str]:
    from securebase.store import access_pg

    if "people" not in {r[0] for r in db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")}:
        return []   # schema 8: no roles yet
    missing = sorted(PG_TRIGGERS - present)
    from securebase.store import consents, homework

    tables = (*access_pg.DATA_TABLES, *homework.TABLES, *consents.TABLES, "audit", "audit_chain", "people", "caseload",
              "supervision")
    unprotected = {r[0] for r in db.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE n.nspname = current_schema() AND c.relkind = 'r' AND NOT c.relrowsecurity")}
    return missing + sorted(f"row-level security on {t}" for t in tables if t in unprotected)


def verify_file(store_path: Path) -> ChainReport:
    """:func:`verify` on the store file itself, read-only (also for a store that will not open)."""
    if not store_path.is_file():
        raise StoreError(f"There is no store at {store_path}.")
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    try:
        return verify(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"The audit log of {store_path} cannot be read ({exc}).") from None
    finally:
        db.close()
