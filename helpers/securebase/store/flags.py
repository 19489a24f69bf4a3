"""The safety-flag tables of the store: flags raised with the entry they belong to, and their clearing.

A mixin of :class:`~securebase.store.database.Store`. Flags are written in the same transaction as
their entry (``_flag``, called by the entry writers); a flag is never deleted, and clearing one is
an append-only row with who, when and why.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from securebase.store.records import utc_now

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from securebase.store.database import Store

FlagRow = tuple  # flag_id, client_id, entry_id, revision, categories (tuple), flagged_at, cleared_at, cleared_by, reason


class FlagTables:
    def _flag(self: "Store", db: "sqlite3.Connection", client_id: str, entry_id: str, revision: int,
              categories: Sequence[str], at: str) -> None:
        if not categories:
            return
        flag_id = uuid.uuid4().hex
        db.execute(
            "INSERT INTO safety_flags (flag_id, client_id, entry_id, revision, categories, flagged_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (flag_id, client_id, entry_id, revision, json.dumps(list(categories)), at),
        )
        self._audit(db, "safety_flag", "safety_flag", flag_id, client_id,
                    {"entry_id": entry_id, "revision": revision, "categories": list(categories)})
        self._pause_on_flag(db, client_id, flag_id, categories, at)  # same transaction (store/couples.py)

    def flag_rows(self: "Store", client_id: str | None = None, *, open_only: bool = False) -> list[FlagRow]:
        """Flags, oldest first, each with how it was cleared (``None`` three times while open)."""
        sql = ("SELECT f.flag_id, f.client_id, f.entry_id, f.revision, f.categories, f.flagged_at, "
               "c.cleared_at, c.cleared_by, c.reason FROM safety_flags AS f "
               "LEFT JOIN safety_flag_clears AS c ON c.flag_id = f.flag_id")
        where, params = [], []
        if client_id is not None:
            where.append("f.client_id = ?")
            params.append(client_id)
        if open_only:
            where.append("c.flag_id IS NULL")
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY f.flagged_at, f.flag_id", params).fetchall()
        return [(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), *r[5:]) for r in rows]

    def clear_flag_row(self: "Store", flag_id: str, client_id: str, *, cleared_by: str, reason: str) -> None:
        with self._write() as db:
            db.execute("INSERT INTO safety_flag_clears (flag_id, cleared_at, cleared_by, reason) VALUES (?, ?, ?, ?)",
                       (flag_id, utc_now(), cleared_by, reason))
            self._audit(db, "safety_clear", "safety_flag", flag_id, client_id, {"cleared_by": cleared_by})

    # ------------------------------------------------------------ acknowledgements and notifications (schema 6)
    def ack_flag_row(self: "Store", flag_id: str, client_id: str, *, acknowledged_by: str) -> bool:
        """Record that ``acknowledged_by`` has seen the flag (audited); False when they had already."""
        with self._write() as db:
            cursor = db.execute("INSERT INTO safety_flag_acks (flag_id, acknowledged_by, acknowledged_at) "
                                "VALUES (?, ?, ?) ON CONFLICT DO NOTHING", (flag_id, acknowledged_by, utc_now()))
            if cursor.rowcount == 0:
                return False
            self._audit(db, "safety_ack", "safety_flag", flag_id, client_id, {"acknowledged_by": acknowledged_by})
        return True

    def flag_acks(self: "Store", flag_id: str | None = None) -> list[tuple[str, str, str]]:
        """``(flag_id, acknowledged_by, acknowledged_at)`` rows, oldest first (of one flag, or all)."""
        sql = "SELECT flag_id, acknowledged_by, acknowledged_at FROM safety_flag_acks"
        params: tuple = ()
        if flag_id is not None:
            sql, params = sql + " WHERE flag_id = ?", (flag_id,)
        return [tuple(r) for r in self._db.execute(sql + " ORDER BY acknowledged_at, flag_id", params).fetchall()]

    def yes_check_in_revisions(self: "Store") -> set[tuple[str, int]]:
        """``(entry_id, revision)`` of every check-in the client answered "yes" to (their flags came from it)."""
        rows = self._db.execute("SELECT q.entry_id, q.revision FROM safety_check_ins AS q JOIN safety_check_in_answers "
                                "AS a ON a.check_in_id = q.check_in_id WHERE a.answer = 'yes'").fetchall()
        return {(r[0], r[1]) for r in rows}

    def notifications_sent(self: "Store", channel: str) -> set[tuple[str, str]]:
        """``(flag_id, recipient)`` of every notification already sent on ``channel`` (e.g. "email")."""
        rows = self._db.execute("SELECT flag_id, recipient FROM notifications_sent WHERE channel = ?", (channel,))
        return {(r[0], r[1]) for r in rows.fetchall()}

    def record_notification(self: "Store", flag_id: str, client_id: str, *, channel: str, recipient: str) -> bool:
        """Log one sent notification (audited "notify", ids only); False when it was logged before."""
        with self._write() as db:
            cursor = db.execute("INSERT INTO notifications_sent (flag_id, channel, recipient, sent_at) "
                                "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING", (flag_id, channel, recipient, utc_now()))
            if cursor.rowcount == 0:
                return False
            self._audit(db, "notify", "safety_flag", flag_id, client_id, {"channel": channel})
        return True
