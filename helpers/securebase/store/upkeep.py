"""Keeping the store: export records and the audit log, the integrity check, and backups taken
with SQLite's backup API (never a copy of a live file). A mixin of :class:`~securebase.store.sqlite.Store`."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securebase.core.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.sqlite import Store


class Upkeep:
    def record_export(self: "Store", *, what: str, client_ids: list[str] | None = None, detail: dict | None = None) -> None:
        """Audit an export. ``detail`` must hold no client text (ids, counts, options only)."""
        with self._write() as db:
            self._audit(db, "export", "export", what, None, {"clients": client_ids or [], **(detail or {})})

    def audit_log(self: "Store", *, client_id: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT audit_id, at, actor, action, object_type, object_id, client_id, detail FROM audit"
        params: list[Any] = []
        if client_id is not None:
            sql += " WHERE client_id = ?"
            params.append(client_id)
        sql += " ORDER BY audit_id"
        if limit is not None:
            sql += " LIMIT ?"
            params.append(limit)
        keys = ("audit_id", "at", "actor", "action", "object_type", "object_id", "client_id", "detail")
        out = []
        for row in self._db.execute(sql, params).fetchall():
            item = dict(zip(keys, row))
            item["detail"] = json.loads(item["detail"])
            out.append(item)
        return out

    def integrity_check(self: "Store") -> str:
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def backup(self: "Store", destination: str | os.PathLike[str]) -> Path:
        """Write a consistent copy of the live store (never copy the file itself)."""
        dest = Path(destination)
        if dest.exists():
            raise StoreError(f"{dest} already exists; choose a new file name for the backup.")
        dest.parent.mkdir(parents=True, exist_ok=True)
        try:  # create it owner-only before any client data is copied into it
            os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise StoreError(f"{dest} already exists; choose a new file name for the backup.") from None
        try:
            target = sqlite3.connect(dest)
            try:
                self._db.backup(target)
            finally:
                target.close()
        except BaseException:
            dest.unlink(missing_ok=True)  # never leave a partial copy of client data behind
            raise
        os.chmod(dest, 0o600)
        return dest
