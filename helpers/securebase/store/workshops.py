"""The workshop tables of the store: returned workbooks collected in, group membership and
anonymous poll answers. A mixin of :class:`~securebase.store.database.Store`."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from securebase.core.errors import NotFoundError
from securebase.store.records import ENTRY_COLUMNS, Entry, dump_data, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store


class WorkshopTables:
    def import_revisions(self: "Store", revisions: Sequence[Entry], *, source: str,
                         safety: dict[tuple[str, int], Sequence[str]] | None = None,
                         check_ins: dict[tuple[str, int], tuple[Sequence[str], str | None]] | None = None,
                         ) -> dict[str, int]:
        """Copy entry revisions from another store (a participant's returned workbook) as they are:
        same entry id, revision, times and answers. Idempotent: a revision already here with the
        same content is skipped; one that differs is a conflict and is left out (counted).
        ``safety`` maps (entry id, revision) to the categories the screen found; a flag is raised
        in the same transaction. ``check_ins`` maps (entry id, revision) to the categories of a check-in
        the revision asks and the person's answer in their own workbook (``None``: not answered); the
        check-in (and its answer) is recorded in the same transaction. All revisions go in one transaction; ``source`` (no client text)
        is recorded in the audit. Returns ``{"added", "present", "conflicts"}``."""
        counts = {"added": 0, "present": 0, "conflicts": 0}
        with self._write() as db:
            for e in revisions:
                if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (e.client_id,)).fetchone() is None:
                    raise NotFoundError(f"There is no client {e.client_id!r} in the store. Create it first.")
                row = db.execute(f"SELECT {ENTRY_COLUMNS} FROM entries WHERE entry_id = ? AND revision = ?",
                                 (e.entry_id, e.revision)).fetchone()
                if row is not None:
                    here = Entry.from_row(row)
                    same = (here.client_id, here.exercise_id, here.data, here.deleted, here.occurred_at) == (
                        e.client_id, e.exercise_id, e.data, e.deleted, e.occurred_at)
                    counts["present" if same else "conflicts"] += 1
                    continue
                db.execute(
                    f"INSERT INTO entries ({ENTRY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                    (e.entry_id, e.revision, e.client_id, e.program_id, e.phase_id, e.exercise_id,
                     e.content_version, e.occurred_at, e.recorded_at, e.recorded_by, int(e.deleted), dump_data(e.data)),
                )
                db.execute(
                    "INSERT INTO entry_heads (entry_id, client_id, revision, occurred_at, recorded_at, deleted) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (entry_id) DO UPDATE SET revision = excluded.revision, "
                    "occurred_at = excluded.occurred_at, recorded_at = excluded.recorded_at, deleted = excluded.deleted "
                    "WHERE excluded.revision > entry_heads.revision",
                    (e.entry_id, e.client_id, e.revision, e.occurred_at, e.recorded_at, int(e.deleted)),
                )
                self._flag(db, e.client_id, e.entry_id, e.revision, (safety or {}).get((e.entry_id, e.revision), ()),
                           utc_now())
                asked = (check_ins or {}).get((e.entry_id, e.revision))
                if asked:
                    self._check_in(db, e.client_id, e.entry_id, e.revision, asked[0], utc_now(), answer=asked[1])
                counts["added"] += 1
            clients = sorted({e.client_id for e in revisions})
            if counts["added"]:
                for client_id in clients:
                    self._audit(db, "collect", "entries", source, client_id, counts)
        return counts

    def add_group_member(self: "Store", group_id: str, client_id: str) -> bool:
        """Put a client in a group (audited); False when they were already in it."""
        if not group_id.strip():
            raise ValueError("A group needs a name.")
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store. Create it first.")
            added = db.execute("INSERT INTO group_members (group_id, client_id, joined_at) VALUES (?, ?, ?) "
                               "ON CONFLICT DO NOTHING",
                               (group_id, client_id, utc_now())).rowcount
            if added:
                self._audit(db, "group_join", "group", group_id, client_id)
        return bool(added)

    def group_members(self: "Store", group_id: str) -> list[str]:
        return [r[0] for r in self._db.execute(
            "SELECT client_id FROM group_members WHERE group_id = ? ORDER BY client_id", (group_id,))]

    def groups(self) -> list[str]:
        return [r[0] for r in self._db.execute("SELECT DISTINCT group_id FROM group_members ORDER BY group_id")]

    def add_poll_vote(self: "Store", session_id: str, poll_id: str, option_id: str) -> None:
        """Record one anonymous poll answer (no client id is stored)."""
        with self._write() as db:
            db.execute("INSERT INTO poll_votes (session_id, poll_id, option_id, at) VALUES (?, ?, ?, ?)",
                       (session_id, poll_id, option_id, utc_now()))

    def poll_counts(self: "Store", session_id: str, poll_id: str) -> dict[str, int]:
        """``{option id: answers}`` for one poll of one session (options nobody chose are absent)."""
        return dict(self._db.execute(
            "SELECT option_id, COUNT(*) FROM poll_votes WHERE session_id = ? AND poll_id = ? GROUP BY option_id",
            (session_id, poll_id)).fetchall())

    # ------------------------------------------------------------ audit and maintenance
