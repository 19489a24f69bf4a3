"""Keeping the store: export records and the audit log, the integrity check, and backups taken
with SQLite's backup API (never a copy of a live file). A mixin of :class:`~securebase.store.database.Store`."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Any

from securebase.core.errors import StoreError
from securebase.store import auditchain, identity
from securebase.core import config

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store


class Upkeep:
    def record_export(self: "Store", *, what: str, client_ids: list[str] | None = None, detail: dict | None = None) -> None:
        """Audit an export. ``detail`` must hold no client text (ids, counts, options only)."""
        with self._write() as db:
            self._audit(db, "export", "export", what, None, {"clients": client_ids or [], **(detail or {})})

    def record_read(self: "Store", client_id: str, page: str) -> None:
        """Audit that a page showing the client's records was opened (``page``: which, e.g. ``sie/progress``)."""
        with self._write() as db:
            self._audit(db, "read", "page", page, client_id)

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

    def verify_audit(self: "Store") -> "auditchain.ChainReport":
        """Recompute the audit chain; where it first breaks, if it does. On PostgreSQL only the owner reads
        every audit row: a person's own role sees only their own, which is no chain to check."""
        if self.url is not None and self._db.execute("SELECT 1 FROM people WHERE db_role = session_user").fetchone():
            raise StoreError("Only the store's owner (the role that ran `securebase init`) can check the whole audit "
                             "chain: each person's own login reads only the audit of their own actions.")
        return auditchain.verify(self._db)

    def integrity_check(self: "Store") -> str:
        """SQLite's integrity check ("ok", or what it found). A PostgreSQL server checks its own pages as it
        reads them (and with the amcheck extension); what is reported here is that the store answers."""
        if self._db.dialect != "sqlite":
            return "ok" if self._db.execute("SELECT 1").scalar_one() == 1 else "no answer"
        return self._db.execute("PRAGMA integrity_check").fetchone()[0]

    def backup(self: "Store", destination: str | os.PathLike[str]) -> Path:
        """Write a consistent copy of the live store (never copy the file itself)."""
        if self.path is None:
            raise StoreError("A PostgreSQL store is backed up by the clinic's database backups (pg_dump or "
                             "pg_basebackup, see the README), not by `securebase backup`.")
        dest = Path(destination)
        if dest.exists():
            raise StoreError(f"{dest} already exists; choose a new file name for the backup.")
        config.ensure_private_dir(dest.parent)
        try:  # create it owner-only before any client data is copied into it
            os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except FileExistsError:
            raise StoreError(f"{dest} already exists; choose a new file name for the backup.") from None
        try:
            target = sqlite3.connect(dest)
            try:
                self._db.driver_connection.backup(target)
            finally:
                target.close()
        except BaseException:
            dest.unlink(missing_ok=True)  # never leave a partial copy of client data behind
            raise
        os.chmod(dest, 0o600)
        return dest


def _store_files(store_path: Path) -> list[Path]:
    return [store_path, *(store_path.with_name(store_path.name + s) for s in ("-wal", "-shm"))]


def restore_backup(backup: str | os.PathLike[str], store_path: str | os.PathLike[str]) -> tuple[Path, list[Path]]:
    """Put the backup ``backup`` in place as the store at ``store_path`` and record its identity. Whatever
    was there (a damaged store, its log) is moved aside under a dated name, never deleted. Returns the
    store's path and the files set aside."""
    source, target = Path(backup).expanduser(), Path(store_path).expanduser()
    if not source.is_file() or source.stat().st_size == 0:
        raise StoreError(f"{source} is not a backup file; give the path of a file made by `securebase backup`.")
    try:
        db = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        try:
            identity.quick_check(db, source)
            found = identity.found_in(db)
        finally:
            db.close()
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{source} is not a Secure Base backup ({exc}); nothing was changed.") from None
    if found is None:
        raise StoreError(f"{source} is not a Secure Base backup (it has no store identity); nothing was changed.")
    aside = [p for p in (identity.set_aside(f, "replaced") for f in _store_files(target)) if p is not None]
    config.ensure_private_dir(target.parent)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    src, dest = sqlite3.connect(f"file:{source}?mode=ro", uri=True), sqlite3.connect(target)
    try:
        src.backup(dest)
    finally:
        src.close()
        dest.close()
    identity.record(target, found)
    return target, aside


def start_empty(store_path: str | os.PathLike[str]) -> list[Path]:
    """Begin again with no store at ``store_path`` on purpose: the lost store's record and whatever is left of
    it are moved aside under dated names (never deleted). Returns what was set aside. Only for a store
    that no longer opens (the command checks that first)."""
    target = Path(store_path).expanduser()
    files = [identity.identity_path(target), *_store_files(target)]
    return [p for p in (identity.set_aside(f, "lost") for f in files) if p is not None]
