"""The store, on SQLAlchemy Core: one SQLite file per installation (embedded), or a clinic's shared
PostgreSQL database (``postgresql+psycopg://`` URL; roles and row-level security in access_pg.py).

Design (SQLite; on PostgreSQL the server's write-ahead log, triggers and one advisory lock per write
give the same guarantees)
------
* **Durable.** WAL journal with ``synchronous=FULL``: a commit that returned is on disk,
  even if the process is killed or the machine loses power right after.
* **Concurrent.** Every write runs in ``BEGIN IMMEDIATE`` with a busy timeout, and a
  write that still finds the store locked is retried with back-off, so two notebooks or
  a notebook and a batch job can write at the same time.
* **Append-only.** Entries are never changed in place. Editing adds a revision; deleting
  adds a tombstone revision. Triggers refuse ``UPDATE`` and ``DELETE`` on entries.
* **Audited.** Every create, update, delete and export writes an audit row in the same
  transaction. The audit table refuses ``UPDATE`` and ``DELETE``. Audit rows name
  objects by id and never hold client text.

This module has no pandas or widget imports at module level so that it loads fast in
short-lived writer processes.
"""

from __future__ import annotations

import gc
import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securebase.core.errors import NotFoundError, StoreBusyError, StoreError
from securebase.store.records import ENTRY_COLUMNS, dump_data, DuplicateEntryError, Entry, EntryRef, default_actor, utc_now
from securebase.store.assessments import AssessmentTables
from securebase.store.clients import ClientTables
from securebase.store.couples import CouplesTables
from securebase.store.check_ins import CheckInTables
from securebase.store.flags import FlagTables
from securebase.store.consents import ConsentTables
from securebase.store.erasure import Erasure
from securebase.store.homework import HomeworkTables
from securebase.store import auditchain, identity, migrate
from securebase.store.engine import Connection, database_url, display_url, is_busy, is_operational, sqlite_url
from securebase.store.interface import EntryStore
from securebase.store.people import PeopleTables
from securebase.store.upkeep import Upkeep
from securebase.store.workshops import WorkshopTables
from securebase.store.schema import AUDIT_ACTIONS, SCHEMA
from securebase.core import config

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

class Store(ClientTables, CouplesTables, AssessmentTables, CheckInTables, FlagTables, WorkshopTables, PeopleTables,
            HomeworkTables, ConsentTables, Erasure, Upkeep, identity.Identified, EntryStore):
    """A connection to the store: a SQLite file path, or a PostgreSQL URL. Use as a context manager or call
    :meth:`close`. On PostgreSQL ``actor`` is ignored: the actor is the role logged in."""

    def __init__(
        self,
        location: str | os.PathLike[str],
        *,
        actor: str | None = None,
        busy_timeout_ms: int = 10_000,
        max_attempts: int = 8,
        synchronous: str = "FULL",
        upgrade: bool = False,
    ):
        self.max_attempts = max_attempts
        self.upgraded_from: int | None = None   # set when ``upgrade=True`` migrated the store ...
        self.upgrade_backup: Path | None = None  # ... after this backup of it
        self._identity: identity.Identity | None = None   # set once the store is known to be the right one
        self.url = database_url(location)
        if self.url is not None:
            self._open_postgres(upgrade)
        else:
            self._open_sqlite(Path(location).expanduser(), actor, busy_timeout_ms, synchronous, upgrade)

    def _open_postgres(self, upgrade: bool) -> None:
        """A clinic's store: the person is the database role they log in as (``session_user``)."""
        self.path, self.where, self._known = None, display_url(self.url), None
        self.location = self.url   # what opens this store again (Store(store.location))
        try:
            self._db = Connection(self.url)
        except Exception as exc:
            if not is_operational(exc):
                raise
            raise StoreError(f"Cannot connect to the store {self.where}: {' '.join(str(exc).split())} Check the "
                             "URL, that the server runs, and that your login may use it.") from None
        try:
            self.actor = self._db.execute("SELECT session_user").scalar_one()
            self._record_at = identity.clinic_record(self.where)
            self._known = identity.recorded(self._record_at)
            identity.check_clinic_store(self.where, self._record_at, self._known, identity.found_in(self._db))
            self._migrate(upgrade)
            self._claim_identity()
        except BaseException:
            self._db.close()
            raise

    def _open_sqlite(self, path: Path, actor: str | None, busy_timeout_ms: int, synchronous: str, upgrade: bool) -> None:
        self.path = path
        self.where = self.location = str(self.path)
        self.actor = actor or default_actor()
        if synchronous not in ("FULL", "EXTRA", "NORMAL"):
            raise ValueError("synchronous must be FULL, EXTRA or NORMAL")
        self._known = identity.recorded(self.path)   # a store was kept here: it must still be there, whole
        identity.check_file(self.path, self._known)
        if not self.path.exists():
            config.ensure_private_dir(self.path.parent)
            try:  # create it owner-only before any client data goes in (SQLite gives -wal/-shm the same mode)
                os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            except FileExistsError:
                pass  # another process created it first
            except OSError as exc:
                raise StoreError(f"Cannot create the store at {self.path}: {exc.strerror}. Check the path and permissions.") from None
        try:
            self._db = Connection(sqlite_url(self.path), connect_args={"timeout": busy_timeout_ms / 1000})
        except sqlite3.Error as exc:
            raise StoreError(f"Cannot open the store at {self.path}: {exc}. Check the path and permissions.") from None
        try:
            self._configure(busy_timeout_ms, synchronous, upgrade)
        except sqlite3.DatabaseError as exc:
            self._db.close()
            raise StoreError(f"{self.path} is not a readable Secure Base store ({exc}): check that the path names "
                             f"the right file. {identity.advice(self.path)}") from None
        except BaseException:
            self._db.close()
            raise

    def _configure(self, busy_timeout_ms: int, synchronous: str, upgrade: bool) -> None:
        self._db.script(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        self._run_with_retry(lambda: self._db.script("PRAGMA journal_mode = WAL").fetchone())
        self._db.script(f"PRAGMA synchronous = {synchronous}")
        self._db.script("PRAGMA foreign_keys = ON")
        # Reads: memory-map the file and keep a larger page cache, so loading a long history
        # does not go through one read() call per page. Writes are unaffected (WAL, FULL).
        self._db.script("PRAGMA mmap_size = 268435456")
        self._db.script("PRAGMA cache_size = -32768")
        identity.quick_check(self._db, self.path)
        identity.check_store(self.path, self._known, identity.found_in(self._db))
        self._migrate(upgrade)
        self._claim_identity()

    # ------------------------------------------------------------ plumbing

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> "Store":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _run_with_retry(self, fn: Any) -> Any:
        delay = 0.01
        for attempt in range(1, self.max_attempts + 1):
            try:
                return fn()
            except Exception as exc:
                if not is_busy(exc):
                    if is_operational(exc):
                        raise StoreError(f"The store could not complete the operation: {exc}") from None
                    raise
                if attempt == self.max_attempts:
                    raise StoreBusyError(
                        "The workbook store is busy: another program (a second notebook or a batch job) "
                        "kept it locked for too long. Nothing was saved by this attempt; please try again."
                    ) from None
                time.sleep(delay * (1 + random.random()))
                delay = min(delay * 2, 1.0)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        """A write transaction (:meth:`Connection.begin` ... ``COMMIT``), rolled back on any error."""
        self._run_with_retry(self._db.begin)
        try:
            yield self._db
        except BaseException as exc:
            self._db.rollback()
            if is_operational(exc):
                raise StoreError(f"Nothing was saved: the store reported '{exc}'. Check the disk and try again.") from exc
            raise
        else:
            counted = self._count_write()
            try:
                self._run_with_retry(self._db.commit)
            except BaseException:
                self._db.rollback()
                raise
            self._record_count(counted)

    def _migrate(self, upgrade: bool) -> None:
        """Bring a new store to the current schema, or check that an existing one is current
        (:mod:`securebase.store.migrate`); an older one is upgraded only when ``upgrade`` is asked for."""
        def apply() -> None:
            with self._write() as db:
                what = migrate.needs(db, self.where)
                if what is None:
                    return auditchain.check_protections(db, SCHEMA, self.where)
                if what == "upgrade":
                    if not upgrade:
                        raise migrate.outdated(self.where, migrate.state(db)[2])
                    self.upgraded_from = migrate.state(db)[2] or 0
                migrate.run(db, what)
        if upgrade and self.path is not None:   # PostgreSQL: the clinic's own backups (pg_dump), see the README
            self._backup_before_upgrade()
        self._run_with_retry(apply)

    def _backup_before_upgrade(self) -> None:
        """A backup beside the store before an upgrade changes it: ``<store>.before-upgrade-<time>``."""
        if migrate.needs(self._db, self.where) != "upgrade":
            return
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        self.upgrade_backup = self.backup(self.path.with_name(f"{self.path.name}.before-upgrade-{stamp}"))

    def _audit(self, db: Connection, action: str, object_type: str, object_id: str, client_id: str | None,
               detail: dict[str, Any] | None = None) -> None:
        """One audit row, and its link in the audit chain (:mod:`securebase.store.auditchain`)."""
        if action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {action!r}")
        audit_id = db.execute(
            "INSERT INTO audit (at, actor, action, object_type, object_id, client_id, detail) "
            "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING audit_id",
            (utc_now(), self.actor, action, object_type, object_id, client_id, json.dumps(detail or {})),
        ).scalar_one()
        if db.dialect == "sqlite":   # on PostgreSQL a trigger links it (and stamps the actor): store/access_pg.py
            auditchain.chain_row(db, audit_id)

    # ------------------------------------------------------------ entries

    def add_entry(
        self,
        client_id: str,
        *,
        program_id: str,
        phase_id: str,
        exercise_id: str,
        content_version: str,
        data: dict[str, Any],
        occurred_at: str,
        source_key: str | None = None,
        safety_categories: Sequence[str] = (),
        check_in_categories: Sequence[str] = (),
    ) -> EntryRef:
        """Save a new entry (revision 1). Returns only after the commit is on disk.

        ``safety_categories`` (from the safety screen) raise a flag in the same transaction, and
        ``check_in_categories`` record the check-in question the workbook asks next.

        ``source_key`` makes imports idempotent: a second entry with the same key for the
        same client is refused with :class:`DuplicateEntryError` and the store is unchanged.
        """
        payload = dump_data(data)
        entry_id = uuid.uuid4().hex
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store. Create it first.")
            if source_key is not None:
                dup = db.execute(
                    "SELECT entry_id FROM entries WHERE client_id = ? AND source_key = ?", (client_id, source_key)
                ).fetchone()
                if dup:
                    raise DuplicateEntryError(dup[0])
            now = utc_now()
            db.execute(
                f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?)",
                (
                    entry_id, client_id, program_id, phase_id, exercise_id, content_version,
                    occurred_at, now, self.actor, payload, source_key,
                ),
            )
            db.execute(
                "INSERT INTO entry_heads (entry_id, client_id, revision, occurred_at, recorded_at, deleted) "
                "VALUES (?, ?, 1, ?, ?, 0)",
                (entry_id, client_id, occurred_at, now),
            )
            self._audit(db, "create", "entry", entry_id, client_id, {"exercise_id": exercise_id, "revision": 1})
            self._flag(db, client_id, entry_id, 1, safety_categories, now)
            self._check_in(db, client_id, entry_id, 1, check_in_categories, now)
        return EntryRef(entry_id, 1)

    def revise_entry(
        self,
        entry_id: str,
        *,
        data: dict[str, Any] | None = None,
        occurred_at: str | None = None,
        content_version: str | None = None,
        expected_revision: int | None = None,
        deleted: bool = False,
        safety_categories: Sequence[str] = (),
        check_in_categories: Sequence[str] = (),
    ) -> EntryRef:
        """Add a revision to an entry. Unspecified parts are carried over from the latest revision.

        ``expected_revision`` guards against lost updates: if someone else revised the entry
        since it was read, the revision is refused with a message saying so.
        """
        payload = dump_data(data) if data is not None else None
        with self._write() as db:
            row = db.execute(
                f"SELECT {ENTRY_COLUMNS} FROM entries WHERE entry_id = ? ORDER BY revision DESC LIMIT 1",
                (entry_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no entry {entry_id!r} in the store.")
            latest = Entry.from_row(row)
            if latest.deleted and not deleted:
                raise StoreError("This entry was deleted. Restore is not supported; save a new entry instead.")
            if expected_revision is not None and latest.revision != expected_revision:
                raise StoreError(
                    f"This entry changed while you were editing it (now at revision {latest.revision}, you "
                    f"edited revision {expected_revision}). Reload the history and make your edit again."
                )
            revision, now, when = latest.revision + 1, utc_now(), occurred_at or latest.occurred_at
            db.execute(
                f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                (
                    entry_id, revision, latest.client_id, latest.program_id, latest.phase_id,
                    latest.exercise_id, content_version or latest.content_version,
                    when, now, self.actor, int(deleted),
                    payload if payload is not None else json.dumps(latest.data),
                ),
            )
            db.execute(
                "INSERT INTO entry_heads (entry_id, client_id, revision, occurred_at, recorded_at, deleted) "
                "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET revision = excluded.revision, "
                "occurred_at = excluded.occurred_at, recorded_at = excluded.recorded_at, deleted = excluded.deleted",
                (entry_id, latest.client_id, revision, when, now, int(deleted)),
            )
            self._audit(
                db, "delete" if deleted else "update", "entry", entry_id, latest.client_id,
                {"exercise_id": latest.exercise_id, "revision": revision},
            )
            self._flag(db, latest.client_id, entry_id, revision, safety_categories, now)
            self._check_in(db, latest.client_id, entry_id, revision, check_in_categories, now)
        return EntryRef(entry_id, revision)

    def delete_entry(self, entry_id: str, *, expected_revision: int | None = None) -> EntryRef:
        """Mark an entry deleted by adding a tombstone revision; earlier revisions stay."""
        return self.revise_entry(entry_id, deleted=True, expected_revision=expected_revision)

    def entry_revisions(self, entry_id: str) -> list[Entry]:
        rows = self._db.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE entry_id = ? ORDER BY revision", (entry_id,)
        ).fetchall()
        return [Entry.from_row(r) for r in rows]

    def client_revisions(self, client_id: str) -> list[Entry]:
        """Every revision of every entry of a client (tombstones included), oldest first."""
        rows = self._db.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE client_id = ? ORDER BY recorded_at, entry_id, revision",
            (client_id,)).fetchall()
        return [Entry.from_row(r) for r in rows]

    def get_entry(self, entry_id: str) -> Entry:
        revisions = self.entry_revisions(entry_id)
        if not revisions:
            raise NotFoundError(f"There is no entry {entry_id!r} in the store.")
        return revisions[-1]

    def _current_rows(
        self, client_id: str, exercise_id: str | None, program_id: str | None, include_deleted: bool
    ) -> list[tuple]:
        sql = (
            f"SELECT {', '.join('e.' + c.strip() for c in ENTRY_COLUMNS.split(','))} FROM entry_heads AS h "
            "JOIN entries AS e ON e.entry_id = h.entry_id AND e.revision = h.revision WHERE h.client_id = ?"
        )
        params: list[Any] = [client_id]
        if not include_deleted:
            sql += " AND h.deleted = 0"
        if exercise_id is not None:
            sql += " AND e.exercise_id = ?"
            params.append(exercise_id)
        if program_id is not None:
            sql += " AND e.program_id = ?"
            params.append(program_id)
        sql += " ORDER BY h.occurred_at, h.recorded_at"
        return self._db.execute(sql, params).fetchall()

    def current_entries(
        self,
        client_id: str,
        *,
        exercise_id: str | None = None,
        program_id: str | None = None,
        include_deleted: bool = False,
    ) -> list[Entry]:
        """The latest revision of each of a client's entries, oldest event first."""
        return [Entry.from_row(r) for r in self._current_rows(client_id, exercise_id, program_id, include_deleted)]

    def history_frame(
        self, client_id: str, *, exercise_id: str | None = None, program_id: str | None = None
    ) -> "pd.DataFrame":
        """A client's current entries as a DataFrame: metadata columns, then one column per answer."""
        import pandas as pd

        with _no_gc():
            return self._history_frame(pd, client_id, exercise_id, program_id)

    def _history_frame(self, pd: Any, client_id: str, exercise_id: str | None, program_id: str | None) -> "pd.DataFrame":
        rows = self._current_rows(client_id, exercise_id, program_id, include_deleted=False)
        meta = pd.DataFrame.from_records(
            [r[:10] for r in rows],
            columns=[
                "entry_id", "revision", "client_id", "program_id", "phase_id", "exercise_id",
                "content_version", "occurred_at", "recorded_at", "recorded_by",
            ],
        )
        # one json.loads over all answers is markedly faster than one call per row
        answers = pd.DataFrame(json.loads("[" + ",".join(r[11] for r in rows) + "]"), index=meta.index)
        frame = pd.concat([meta, answers], axis=1) if len(answers.columns) else meta
        frame["occurred_at"] = pd.to_datetime(frame["occurred_at"], format="ISO8601")
        frame["recorded_at"] = pd.to_datetime(frame["recorded_at"], format="ISO8601")
        return frame

    def latest_entry_times(self) -> dict[str, str]:
        """``{client id: occurred_at of their latest current entry}`` for clients with entries (one query)."""
        return dict(self._db.execute(
            "SELECT client_id, MAX(occurred_at) FROM entry_heads WHERE deleted = 0 GROUP BY client_id").fetchall())

    def count_entries(self, client_id: str | None = None) -> int:
        """How many entries (not revisions) exist, optionally for one client."""
        if client_id is None:
            return self._db.execute("SELECT COUNT(DISTINCT entry_id) FROM entries").fetchone()[0]
        return self._db.execute(
            "SELECT COUNT(DISTINCT entry_id) FROM entries WHERE client_id = ?", (client_id,)
        ).fetchone()[0]


@contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector while building many short-lived objects that hold no cycles.

    Loading a long history creates ~10^5 strings and dicts; without this the collector runs
    many times over them and makes load times vary by a third or more.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
