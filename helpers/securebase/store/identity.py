"""The store's identity, recorded beside it, so that a lost store is never silently replaced by an empty one.

SQLite makes a new, empty database for any path it is given, so a store that is deleted, truncated to
0 bytes, swapped for another file, or that lost its write-ahead log after a crash used to open as an
empty store with "integrity: ok". Now:

* **The store knows who it is.** Its ``meta`` table holds a ``store_id`` (made once, with the store)
  and a ``generation`` that every write transaction counts up, in the same transaction.
* **Its folder knows too.** ``<store>.identity`` (owner-only JSON beside the store file) records the
  store's id and the latest generation a commit reached. It is written after each commit returned,
  so it can lag behind the store (a crash between the two) but never run ahead of it.
* **Opening compares the two** (:func:`check_file` before SQLite touches the path, :func:`check_store`
  after): a missing or 0-byte store file, a store with no id or another id, or a store older than
  its last recorded commit (commits lost with the log) stops every command with a plain message that
  points to ``securebase restore``. Nothing is created, changed or deleted on the way.

``securebase restore BACKUP`` puts a backup in place and records its identity; ``securebase init
--start-empty`` begins a new store on purpose, keeping the lost store's record aside.
"""

from __future__ import annotations

import json
import os
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from securebase.core.errors import StoreError
from securebase.core import config

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.database import Store

__all__ = ["Identified", "Identity", "LostStoreError", "check_file", "check_store", "identity_path", "recorded", "record",
           "set_aside"]

SUFFIX = ".identity"


class LostStoreError(StoreError):
    """The store at a path is not the store that was recorded there."""


@dataclass(frozen=True)
class Identity:
    store_id: str
    generation: int

    @staticmethod
    def new() -> "Identity":
        return Identity(store_id=str(uuid.uuid4()), generation=0)


def identity_path(store_path: Path) -> Path:
    return store_path.with_name(store_path.name + SUFFIX)


def clinic_record(where: str) -> Path:
    """Where this data folder records which PostgreSQL store ``where`` (a URL without its password) is:
    ``<data folder>/clinic-stores/<digest>.identity``, so that a database that was emptied or swapped is
    refused as a lost SQLite file is."""
    import hashlib

    from securebase.core.config import data_dir

    folder = data_dir() / "clinic-stores"
    config.ensure_private_dir(folder)
    return folder / hashlib.sha256(where.encode("utf-8")).hexdigest()[:24]


def check_clinic_store(where: str, record_at: Path, known: Identity | None, found: Identity | None) -> None:
    """A PostgreSQL store this data folder used before must still be that store (not empty, not another)."""
    if known is None or (found is not None and found.store_id == known.store_id):
        return
    what = "empty: it has no Secure Base store" if found is None else f"another store ({found.store_id[:8]})"
    raise LostStoreError(f"The database {where} is not the clinic store this data folder used before (store "
                         f"{known.store_id[:8]}): it is {what}. Nothing was changed. Check SECUREBASE_DATABASE_URL; if "
                         "the clinic's database was lost, restore its latest backup (pg_restore). To begin a new store "
                         f"there on purpose, move {identity_path(record_at)} away first.")


def advice(store_path: Path) -> str:
    return (f"Nothing was changed. Restore the latest backup with `securebase restore BACKUP-FILE --store {store_path}`. "
            "To begin again with an empty store on purpose, run `securebase init --start-empty`.")


def recorded(store_path: Path) -> Identity | None:
    """The identity recorded beside ``store_path``, or None if no store was ever made there."""
    path = identity_path(store_path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return Identity(store_id=str(data["store_id"]), generation=int(data["generation"]))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError):
        raise StoreError(f"The store's identity file {path} cannot be read. It records which store belongs here; "
                         "restore it from the backup of this folder, or move it away if the store beside it is "
                         "the right one (its identity is then recorded again).") from None


def record(store_path: Path, identity: Identity) -> None:
    """Record ``identity`` beside the store: owner-only from the first byte, replaced in one step."""
    path = identity_path(store_path)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(asdict(identity), handle)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def check_file(store_path: Path, known: Identity | None) -> None:
    """Before the store is opened: a store recorded here must still be a file with something in it."""
    if known is None:
        return
    if not store_path.exists():
        raise LostStoreError(f"The store {store_path} is missing, but a store was kept there (its identity is "
                             f"recorded in {identity_path(store_path).name}). {advice(store_path)}")
    if store_path.stat().st_size == 0:
        raise LostStoreError(f"The store {store_path} is empty (0 bytes): its contents are lost. {advice(store_path)}")


def check_store(store_path: Path, known: Identity | None, found: Identity | None) -> None:
    """Once the store is open: it is the recorded store, with every commit recorded for it."""
    if known is None:
        return
    if found is None:
        raise LostStoreError(f"The store {store_path} is not the store that was kept there: it has no Secure Base "
                             f"data (an empty or new file, or a store whose write-ahead log was lost). {advice(store_path)}")
    if found.store_id != known.store_id:
        raise LostStoreError(f"The file {store_path} is a different Secure Base store from the one kept there "
                             f"(store {found.store_id[:8]}, not {known.store_id[:8]}). {advice(store_path)}")
    if found.generation < known.generation:
        raise LostStoreError(f"The store {store_path} is missing its latest saves ({known.generation - found.generation} "
                             "write(s)), as when its write-ahead log (the -wal file) is lost after a crash. "
                             f"{advice(store_path)}")


def set_aside(path: Path, why: str) -> Path | None:
    """Move ``path`` (a damaged store, or a lost store's identity) aside under a dated name; never delete it."""
    if not path.exists():
        return None
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    target = path.with_name(f"{path.name}.{why}-{stamp}")
    os.replace(path, target)
    return target


def found_in(db) -> Identity | None:
    """The identity the open store ``db`` holds in its ``meta`` table (None for an empty file)."""
    from securebase.store.migrate import tables

    if "meta" not in tables(db):
        return None
    rows = dict(db.execute("SELECT key, value FROM meta WHERE key IN ('store_id', 'generation')").fetchall())
    if "store_id" not in rows:
        return None
    return Identity(store_id=rows["store_id"], generation=int(rows.get("generation") or 0))


def quick_check(db, store_path: Path) -> None:
    """SQLite's quick check of every page of the store; damage stops the command here, in plain words."""
    result = [row[0] for row in db.execute("PRAGMA quick_check(3)").fetchall()]
    if result != ["ok"]:
        raise StoreError(f"The store {store_path} is damaged (SQLite's check found: {'; '.join(result)[:300]}). "
                         f"{advice(store_path)}")


class Identified:
    """The store's side of it: a mixin of :class:`~securebase.store.database.Store`."""

    def _claim_identity(self: "Store") -> None:
        """Give a new (or older) store its identity, and record it beside the store."""
        found = found_in(self._db)
        if found is None:
            new = Identity.new()
            with self._write() as db:
                db.execute("INSERT INTO meta (key, value) VALUES ('store_id', ?), ('generation', '0') "
                           "ON CONFLICT DO NOTHING", (new.store_id,))
            found = found_in(self._db)
        self._identity = found
        if self._known != found and (self.path is not None or self._known is None):
            record(self.path or self._record_at, found)   # PostgreSQL: only its id, which never changes

    def _count_write(self: "Store") -> Identity | None:
        """Count this write transaction in the store's generation (see :mod:`securebase.store.identity`)."""
        if self._identity is None or self.path is None:   # PostgreSQL keeps its own write-ahead log
            return None
        row = self._db.execute("UPDATE meta SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = 'generation' "
                               "RETURNING value").fetchone()
        return Identity(self._identity.store_id, int(row[0])) if row else None

    def _record_count(self: "Store", counted: Identity | None) -> None:
        """Record the generation a commit reached, once the commit returned: the record may lag behind the
        store (a crash in between), never run ahead of it."""
        if counted is None or self.path is None:
            return
        try:
            record(self.path, counted)
        except OSError:
            pass   # the next write records it; the commit itself is safe
