"""The couples tables of the store: dyads, the log of share decisions, protocol versions and consents.

A mixin of :class:`~securebase.store.database.Store`: every query the couples features need, so that
:mod:`securebase.couples` holds the rules and no SQL. Checks that must hold against concurrent
writers (a partner already linked, a proposal already saved) run inside the write transaction.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from securebase.core.ids import new_client_id
from securebase.store.records import (
    ENTRY_COLUMNS,
    AlreadyLinked,
    AlreadySaved,
    CouplePause,
    CouplePausedError,
    Dyad,
    Entry,
    ProtocolRecord,
    UnchangedProtocol,
    protocol_screen_id,
    utc_now,
)

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from securebase.store.database import Store

_DYAD_COLUMNS = "dyad_id, partner_a, partner_b, program_id, created_at, ended_at"
PAUSING_CATEGORY = "abuse_danger"  # a flag in this category pauses the flagged client's couple
_PAUSE_SELECT = ("SELECT p.pause_id, p.dyad_id, p.client_id, p.flag_id, p.paused_at, l.lifted_at, l.lifted_by, l.reason "
                 "FROM couple_pauses AS p LEFT JOIN couple_pause_lifts AS l ON l.pause_id = p.pause_id")


class CouplesTables:
    """Dyads, shares and the couple's protocol (mixed into the SQLite store)."""

    # ------------------------------------------------------------ dyads

    def dyad(self: "Store", dyad_id: str) -> Dyad | None:
        row = self._db.execute(f"SELECT {_DYAD_COLUMNS} FROM dyads WHERE dyad_id = ?", (dyad_id,)).fetchone()
        return Dyad(*row) if row else None

    def active_dyad(self: "Store", client_id: str) -> Dyad | None:
        """The client's active couple, or ``None``."""
        row = self._db.execute(
            f"SELECT {_DYAD_COLUMNS} FROM dyads WHERE ended_at IS NULL AND ? IN (partner_a, partner_b)", (client_id,)
        ).fetchone()
        return Dyad(*row) if row else None

    def dyads(self: "Store", *, include_ended: bool = False) -> list[Dyad]:
        sql = f"SELECT {_DYAD_COLUMNS} FROM dyads" + ("" if include_ended else " WHERE ended_at IS NULL")
        return [Dyad(*row) for row in self._db.execute(sql + " ORDER BY created_at, dyad_id").fetchall()]

    def link_dyad(self: "Store", partner_a: str, partner_b: str, *, program_id: str | None) -> Dyad:
        """Add a dyad for two clients (audited for both); :class:`AlreadyLinked` if either is in one."""
        with self._write() as db:
            for client_id in (partner_a, partner_b):
                row = db.execute(
                    "SELECT dyad_id FROM dyads WHERE ended_at IS NULL AND ? IN (partner_a, partner_b)", (client_id,)
                ).fetchone()
                if row:
                    raise AlreadyLinked(client_id, row[0])
            while True:
                dyad_id = new_client_id("D")
                if db.execute("SELECT 1 FROM dyads WHERE dyad_id = ?", (dyad_id,)).fetchone() is None:
                    break
            db.execute(
                f"INSERT INTO dyads ({_DYAD_COLUMNS}) VALUES (?, ?, ?, ?, ?, NULL)",
                (dyad_id, partner_a, partner_b, program_id, utc_now()),
            )
            for client_id, role in ((partner_a, "A"), (partner_b, "B")):
                self._audit(db, "couple_link", "dyad", dyad_id, client_id, {"role": role})
        return self.dyad(dyad_id)

    def end_dyad(self: "Store", dyad: Dyad) -> Dyad:
        with self._write() as db:
            db.execute("UPDATE dyads SET ended_at = ? WHERE dyad_id = ?", (utc_now(), dyad.dyad_id))
            for client_id in dyad.members:
                self._audit(db, "couple_unlink", "dyad", dyad.dyad_id, client_id, {})
        return self.dyad(dyad.dyad_id)

    # ------------------------------------------------------------ shares

    def record_share(self: "Store", entry: Entry, dyad_id: str, *, shared: bool) -> None:
        """Append a share (or unshare) decision on the entry's current revision; a share is refused with
        :class:`CouplePausedError` while the couple is paused (checked in the transaction)."""
        with self._write() as db:
            if shared:
                self._refuse_if_paused(db, dyad_id)
            db.execute(
                "INSERT INTO entry_shares (entry_id, revision, client_id, dyad_id, shared, at) VALUES (?, ?, ?, ?, ?, ?)",
                (entry.entry_id, entry.revision, entry.client_id, dyad_id, int(shared), utc_now()),
            )
            self._audit(db, "share" if shared else "unshare", "entry", entry.entry_id, entry.client_id,
                        {"dyad_id": dyad_id, "revision": entry.revision})

    def shared_revisions(self: "Store", dyad_id: str, owner: str) -> dict[str, int]:
        """``{entry_id: revision}`` of the owner's entries whose latest decision in this couple is "shared"."""
        rows = self._db.execute(
            "SELECT s.entry_id, s.revision, s.shared FROM entry_shares AS s "
            "WHERE s.dyad_id = ? AND s.client_id = ? AND s.seq = "
            "(SELECT MAX(seq) FROM entry_shares WHERE dyad_id = s.dyad_id AND entry_id = s.entry_id)",
            (dyad_id, owner),
        ).fetchall()
        return {entry_id: revision for entry_id, revision, shared in rows if shared}

    def deleted_entry_ids(self: "Store", client_id: str) -> set[str]:
        return {entry_id for (entry_id,) in self._db.execute(
            "SELECT entry_id FROM entry_heads WHERE client_id = ? AND deleted = 1", (client_id,)).fetchall()}

    def entry_at(self: "Store", entry_id: str, revision: int) -> Entry | None:
        """One revision of an entry (``None`` when there is no such revision)."""
        row = self._db.execute(
            f"SELECT {ENTRY_COLUMNS} FROM entries WHERE entry_id = ? AND revision = ?", (entry_id, revision)
        ).fetchone()
        return Entry.from_row(row) if row else None

    # ------------------------------------------------------------ the protocol

    def protocol_versions(self: "Store", dyad_id: str) -> list[ProtocolRecord]:
        """Every version of the couple's protocol, oldest first, with each partner's latest decision."""
        decisions: dict[int, dict[str, bool]] = {}
        for version, client_id, consent in self._db.execute(
            "SELECT version, client_id, consent FROM protocol_consents WHERE dyad_id = ? ORDER BY seq", (dyad_id,)
        ).fetchall():
            decisions.setdefault(version, {})[client_id] = bool(consent)
        rows = self._db.execute(
            "SELECT version, data, content_version, proposed_by, proposed_at FROM protocol_versions "
            "WHERE dyad_id = ? ORDER BY version", (dyad_id,)
        ).fetchall()
        return [ProtocolRecord(dyad_id, version, json.loads(data), content_version, by, at, decisions.get(version, {}))
                for version, data, content_version, by, at in rows]

    def add_protocol_version(
        self: "Store", dyad_id: str, data: dict, *, content_version: str, proposed_by: str, proposed_at: str,
        source_key: str | None, safety_categories: Sequence[str], consent: bool,
        check_in_categories: Sequence[str] = (),
    ) -> int:
        """Append version N+1 with its safety flag or check-in question (under
        :func:`protocol_screen_id`) and (unless ``consent`` is False) the proposer's consent, in one
        transaction. :class:`AlreadySaved` when ``source_key`` was saved before,
        :class:`UnchangedProtocol` when ``data`` equals the latest version, :class:`CouplePausedError` while
        the couple is paused."""
        with self._write() as db:
            if source_key is not None:
                found = db.execute(
                    "SELECT version FROM protocol_versions WHERE dyad_id = ? AND proposed_by = ? AND source_key = ?",
                    (dyad_id, proposed_by, source_key),
                ).fetchone()
                if found:
                    raise AlreadySaved(found[0])
            self._refuse_if_paused(db, dyad_id)
            latest = db.execute(
                "SELECT version, data FROM protocol_versions WHERE dyad_id = ? ORDER BY version DESC LIMIT 1",
                (dyad_id,),
            ).fetchone()
            if latest and json.loads(latest[1]) == data:
                raise UnchangedProtocol(latest[0])
            number = (latest[0] if latest else 0) + 1
            db.execute(
                "INSERT INTO protocol_versions (dyad_id, version, data, content_version, proposed_by, proposed_at, "
                "source_key) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (dyad_id, number, json.dumps(data, sort_keys=True, ensure_ascii=False), content_version,
                 proposed_by, proposed_at, source_key),
            )
            self._audit(db, "protocol_propose", "protocol", f"{dyad_id}/v{number}", proposed_by, {"version": number})
            self._flag(db, proposed_by, protocol_screen_id(dyad_id, number), number, safety_categories, proposed_at)
            self._check_in(db, proposed_by, protocol_screen_id(dyad_id, number), number, check_in_categories, proposed_at)
            if consent:
                self._insert_consent(db, dyad_id, number, proposed_by, True, proposed_at)
        return number

    def add_protocol_consent(self: "Store", dyad_id: str, version: int, client_id: str, consent: bool, at: str) -> None:
        with self._write() as db:
            if consent:
                self._refuse_if_paused(db, dyad_id)
            self._insert_consent(db, dyad_id, version, client_id, consent, at)

    def _insert_consent(self: "Store", db, dyad_id: str, version: int, client_id: str, consent: bool, at: str) -> None:
        db.execute(
            "INSERT INTO protocol_consents (dyad_id, version, client_id, consent, at) VALUES (?, ?, ?, ?, ?)",
            (dyad_id, version, client_id, int(consent), at),
        )
        self._audit(db, "protocol_consent" if consent else "protocol_withdraw", "protocol",
                    f"{dyad_id}/v{version}", client_id, {"version": version})

    # ------------------------------------------------------------ pauses

    def _pause_on_flag(self: "Store", db: "sqlite3.Connection", client_id: str, flag_id: str,
                       categories: Sequence[str], at: str) -> None:
        """Pause the client's active couple when a flag names abuse or danger (in the flag's transaction)."""
        if PAUSING_CATEGORY not in categories:
            return
        row = db.execute(
            "SELECT dyad_id FROM dyads WHERE ended_at IS NULL AND ? IN (partner_a, partner_b)", (client_id,)
        ).fetchone()
        if row is None:
            return
        pause_id = uuid.uuid4().hex
        db.execute("INSERT INTO couple_pauses (pause_id, dyad_id, client_id, flag_id, paused_at) VALUES (?, ?, ?, ?, ?)",
                   (pause_id, row[0], client_id, flag_id, at))
        self._audit(db, "couple_pause", "couple_pause", pause_id, client_id, {"dyad_id": row[0], "flag_id": flag_id})

    def _refuse_if_paused(self: "Store", db: "sqlite3.Connection", dyad_id: str) -> None:
        """Checked inside the write transaction, so a pause raised by a concurrent save is never missed."""
        if self._paused_since(db, dyad_id) is not None:
            raise CouplePausedError(dyad_id)

    def couple_paused_since(self: "Store", dyad_id: str) -> str | None:
        return self._paused_since(self._db, dyad_id)

    def _paused_since(self: "Store", db, dyad_id: str) -> str | None:
        if db.dialect != "sqlite":   # the pause rows name the flagged partner: a partner's role may not read them
            return db.execute("SELECT securebase_couple_paused_since(?)", (dyad_id,)).scalar_one()
        return db.execute("SELECT MIN(p.paused_at) FROM couple_pauses AS p LEFT JOIN couple_pause_lifts AS l "
                          "ON l.pause_id = p.pause_id WHERE p.dyad_id = ? AND l.pause_id IS NULL",
                          (dyad_id,)).scalar_one()

    def couple_pauses(self: "Store", dyad_id: str | None = None, *, open_only: bool = False) -> list[CouplePause]:
        """Pauses (of one couple, or of all), oldest first, each with its lift (``None`` three times while open)."""
        where, params = [], []
        if dyad_id is not None:
            where.append("p.dyad_id = ?")
            params.append(dyad_id)
        if open_only:
            where.append("l.pause_id IS NULL")
        sql = _PAUSE_SELECT + (" WHERE " + " AND ".join(where) if where else "")
        return [CouplePause(*row) for row in self._db.execute(sql + " ORDER BY p.paused_at, p.pause_id", params)]

    def lift_couple_pauses(self: "Store", dyad_id: str, *, lifted_by: str, reason: str) -> list[str]:
        """Lift every open pause of the couple, with the clinician's reason (audited per pause, one
        transaction); returns the ids of the pauses lifted (none when the couple was not paused)."""
        with self._write() as db:
            rows = db.execute(
                "SELECT p.pause_id, p.client_id FROM couple_pauses AS p LEFT JOIN couple_pause_lifts AS l "
                "ON l.pause_id = p.pause_id WHERE p.dyad_id = ? AND l.pause_id IS NULL ORDER BY p.paused_at",
                (dyad_id,),
            ).fetchall()
            at = utc_now()
            for pause_id, client_id in rows:
                db.execute("INSERT INTO couple_pause_lifts (pause_id, lifted_at, lifted_by, reason) VALUES (?, ?, ?, ?)",
                           (pause_id, at, lifted_by, reason))
                self._audit(db, "couple_resume", "couple_pause", pause_id, client_id,
                            {"dyad_id": dyad_id, "lifted_by": lifted_by})
        return [pause_id for pause_id, _ in rows]
