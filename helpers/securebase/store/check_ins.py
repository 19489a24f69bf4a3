"""The check-in tables of the store: a save the safety screen found close to risk, the question the
workbook then asked, and the person's answer.

A mixin of :class:`~securebase.store.database.Store`. The question is recorded with its entry, in the
same transaction (``_check_in``, called by the entry writers), so a clinician can see that a check-in
was due even if the person closed the page without answering. The answer is a separate append-only
row; a "yes" raises a flag in the same transaction as the answer. Audit rows name ids, categories and
the answer, never the entry's text.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from securebase.core.errors import NotFoundError, StoreError
from securebase.store.records import utc_now

if TYPE_CHECKING:  # pragma: no cover
    import sqlite3

    from securebase.store.database import Store

CHECK_IN_ANSWERS = ("yes", "no", "rather_not_say")
# check_in_id, client_id, entry_id, revision, categories (tuple), asked_at, answer or None, answered_at or None
CheckInRow = tuple


class CheckInTables:
    def _check_in(self: "Store", db: "sqlite3.Connection", client_id: str, entry_id: str, revision: int,
                  categories: Sequence[str], at: str, *, answer: str | None = None) -> None:
        """Record the question (and, for a collected workbook, the answer the person already gave)."""
        if not categories:
            return
        check_in_id = uuid.uuid4().hex
        db.execute(
            "INSERT INTO safety_check_ins (check_in_id, client_id, entry_id, revision, categories, asked_at) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (check_in_id, client_id, entry_id, revision, json.dumps(list(categories)), at),
        )
        self._audit(db, "safety_check_in", "safety_check_in", check_in_id, client_id,
                    {"entry_id": entry_id, "revision": revision, "categories": list(categories)})
        if answer is not None:
            self._answer(db, check_in_id, client_id, entry_id, revision, categories, answer, at)

    def check_in_rows(self: "Store", client_id: str | None = None, *, entry_id: str | None = None) -> list[CheckInRow]:
        """Check-ins, oldest first, each with its answer (``None`` twice while unanswered)."""
        sql = ("SELECT c.check_in_id, c.client_id, c.entry_id, c.revision, c.categories, c.asked_at, "
               "a.answer, a.answered_at FROM safety_check_ins AS c "
               "LEFT JOIN safety_check_in_answers AS a ON a.check_in_id = c.check_in_id")
        where, params = [], []
        if client_id is not None:
            where.append("c.client_id = ?")
            params.append(client_id)
        if entry_id is not None:
            where.append("c.entry_id = ?")
            params.append(entry_id)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self._db.execute(sql + " ORDER BY c.asked_at, c.check_in_id", params).fetchall()
        return [(r[0], r[1], r[2], r[3], tuple(json.loads(r[4])), *r[5:]) for r in rows]

    def answer_check_in_row(self: "Store", check_in_id: str, answer: str) -> None:
        """Record the answer; a "yes" flags the entry's revision in the same transaction."""
        with self._write() as db:
            row = db.execute(
                "SELECT c.client_id, c.entry_id, c.revision, c.categories, a.answer FROM safety_check_ins AS c "
                "LEFT JOIN safety_check_in_answers AS a ON a.check_in_id = c.check_in_id WHERE c.check_in_id = ?",
                (check_in_id,),
            ).fetchone()
            if row is None:
                raise NotFoundError(f"There is no check-in {check_in_id!r} in the store.")
            client_id, entry_id, revision, categories, previous = row
            if previous is not None:
                raise StoreError("This check-in was already answered; the first answer is kept.")
            self._answer(db, check_in_id, client_id, entry_id, revision, json.loads(categories), answer, utc_now())

    def _answer(self: "Store", db: "sqlite3.Connection", check_in_id: str, client_id: str, entry_id: str,
                revision: int, categories: Sequence[str], answer: str, at: str) -> None:
        """The answer row (a "yes" also flags), inside the caller's transaction."""
        if answer not in CHECK_IN_ANSWERS:
            raise ValueError(f"a check-in answer is one of {', '.join(CHECK_IN_ANSWERS)}, not {answer!r}")
        db.execute("INSERT INTO safety_check_in_answers (check_in_id, answer, answered_at) VALUES (?, ?, ?)",
                   (check_in_id, answer, at))
        self._audit(db, "safety_check_in_answer", "safety_check_in", check_in_id, client_id,
                    {"entry_id": entry_id, "revision": revision, "answer": answer})
        if answer == "yes":
            self._flag(db, client_id, entry_id, revision, categories, at)
