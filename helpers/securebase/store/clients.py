"""Clients: creating, changing, archiving and finding them. A mixin of :class:`~securebase.store.database.Store`."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from securebase.core.errors import NotFoundError, StoreError
from securebase.core.ids import validate_client_id
from securebase.store.records import Client, utc_now

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store


class ClientTables:
    def ensure_client(
        self: "Store",
        client_id: str,
        *,
        program_id: str | None = None,
        start_date: date | None = None,
        language: str = "en",
    ) -> Client:
        """Return the client, creating it (audited) if it does not exist yet."""
        validate_client_id(client_id)
        existing = self.get_client(client_id)
        if existing:
            return existing
        now = utc_now()
        with self._write() as db:
            inserted = db.execute(
                "INSERT INTO clients (client_id, program_id, start_date, language, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                (client_id, program_id, start_date.isoformat() if start_date else None, language, now, now),
            ).rowcount
            if inserted:
                self._audit(db, "client_create", "client", client_id, client_id, {"program_id": program_id})
        client = self.get_client(client_id)
        if client is None:   # PostgreSQL: it exists, in another clinician's caseload
            raise StoreError(f"The client {client_id} is in the store but not in your caseload. Ask the clinic's "
                             f"administrator to assign them to you (`securebase users assign`).")
        return client

    def get_client(self: "Store", client_id: str) -> Client | None:
        row = self._db.execute(
            "SELECT client_id, program_id, start_date, phase_override, language, created_at, updated_at "
            "FROM clients WHERE client_id = ?",
            (client_id,),
        ).fetchone()
        return Client.from_row(row) if row else None

    def list_clients(self: "Store") -> list[Client]:
        rows = self._db.execute(
            "SELECT client_id, program_id, start_date, phase_override, language, created_at, updated_at "
            "FROM clients ORDER BY client_id"
        ).fetchall()
        return [Client.from_row(r) for r in rows]

    def set_archived(self: "Store", client_id: str, archived: bool) -> bool:
        """Archive a client (hidden from the home page by default) or bring them back; nothing of theirs is
        removed. Recorded in the archive log and audited; returns False when they already were so."""
        with self._write() as db:
            if db.execute("SELECT 1 FROM clients WHERE client_id = ?", (client_id,)).fetchone() is None:
                raise NotFoundError(f"There is no client {client_id!r} in the store.")
            row = db.execute("SELECT archived FROM client_archive WHERE client_id = ? ORDER BY seq DESC LIMIT 1",
                             (client_id,)).fetchone()
            if bool(row and row[0]) == archived:
                return False
            db.execute("INSERT INTO client_archive (client_id, archived, at, by_actor) VALUES (?, ?, ?, ?)",
                       (client_id, int(archived), utc_now(), self.actor))
            self._audit(db, "client_archive" if archived else "client_unarchive", "client", client_id, client_id, {})
        return True

    def archived_client_ids(self: "Store") -> set[str]:
        """The clients whose latest archive decision is "archived" (one query)."""
        return {client_id for (client_id,) in self._db.execute(
            "SELECT a.client_id FROM client_archive AS a WHERE a.archived = 1 AND a.seq = "
            "(SELECT MAX(seq) FROM client_archive WHERE client_id = a.client_id)").fetchall()}

    _UNSET: Any = object()

    def update_client(
        self: "Store",
        client_id: str,
        *,
        program_id: Any = _UNSET,
        start_date: Any = _UNSET,
        phase_override: Any = _UNSET,
        language: Any = _UNSET,
    ) -> Client:
        """Change a client's settings (program, start date, phase override, language); audited."""
        changes = {
            name: value
            for name, value in (
                ("program_id", program_id),
                ("start_date", start_date.isoformat() if isinstance(start_date, date) else start_date),
                ("phase_override", phase_override),
                ("language", language),
            )
            if value is not self._UNSET
        }
        if not changes:
            return self.require_client(client_id)
        with self._write() as db:
            assignments = ", ".join(f"{name} = ?" for name in changes)
            updated = db.execute(
                f"UPDATE clients SET {assignments}, updated_at = ? WHERE client_id = ?",
                (*changes.values(), utc_now(), client_id),
            ).rowcount
            if not updated:
                raise NotFoundError(f"There is no client {client_id!r} in the store.")
            self._audit(db, "client_update", "client", client_id, client_id, {"changed": sorted(changes)})
        return self.require_client(client_id)

    def require_client(self: "Store", client_id: str) -> Client:
        client = self.get_client(client_id)
        if client is None:
            raise NotFoundError(f"There is no client {client_id!r} in the store. Create it first.")
        return client

