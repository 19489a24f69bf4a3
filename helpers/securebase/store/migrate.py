"""The store's schema version, and its migrations with Alembic (``store/migrations``), on both backends.

* **A new store** is made by running every migration (the first, ``0008``, is the whole schema 8).
* **A current store** opens at once: its ``alembic_version`` is :data:`HEAD`. Opening never loads Alembic.
* **An older store** is not opened: the message says to run ``securebase db upgrade``, which backs a
  SQLite store up first and then migrates it in one transaction. A SQLite store made before migrations
  existed records its schema (1-8) only in ``meta.schema_version``; the upgrade adds what it lacks (the
  schema statements only add what is missing), chains its old audit rows, and stamps it ``0008``. A
  schema-8 store of that kind has nothing to add, so it is stamped when it is first opened.
* **A store written by a newer Secure Base** (a revision this version does not know, or a higher
  ``meta.schema_version``) is refused and left as it is.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from securebase.core.errors import StoreError

if TYPE_CHECKING:  # pragma: no cover
    from securebase.store.engine import Connection

HEAD = "0011"               # the newest migration (tests/store/test_migrations.py checks it against the scripts)
REVISIONS = ("0008", "0009", "0010", "0011") # every migration, oldest first
SCHEMA_OF = {"0008": 8, "0009": 9, "0010": 10, "0011": 11} # the meta.schema_version each revision leaves
LEGACY_CURRENT = 8          # the schema a store made before migrations has when it needs nothing added
_SCRIPTS = Path(__file__).with_name("migrations")


class OutdatedStoreError(StoreError):
    """The store was made by an older Secure Base: ``securebase db upgrade`` brings it up to date."""


def baseline_statements(dialect: str) -> list[str]:
    """The statements of schema 8 for ``dialect`` (the first migration)."""
    if dialect == "sqlite":
        from securebase.store.schema import SCHEMA, split_sql

        return split_sql(SCHEMA)
    from securebase.store.schema_pg import pg_statements

    return pg_statements()


def tables(db: "Connection") -> set[str]:
    if getattr(db, "dialect", "sqlite") == "sqlite":   # the store's Connection, or a plain sqlite3 one
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    return {row[0] for row in db.execute(sql)}


def _schema_version(db: "Connection") -> int | None:
    row = db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    try:
        return int(row[0]) if row else None
    except ValueError:
        return None


def state(db: "Connection") -> tuple[str, str | None, int | None]:
    """``(kind, revision, schema)``: kind is "empty", "legacy" (made before migrations) or "migrated"."""
    found = tables(db)
    if "alembic_version" in found:
        row = db.execute("SELECT version_num FROM alembic_version").fetchone()
        return "migrated", row[0] if row else None, _schema_version(db) if "meta" in found else None
    if "meta" in found:
        return "legacy", None, _schema_version(db)
    return "empty", None, None


def needs(db: "Connection", where: str) -> str | None:
    """What the open store needs before it is used: None (current), "create", "stamp" or "upgrade".
    A store written by a newer Secure Base raises :class:`StoreError`."""
    kind, revision, schema = state(db)
    if kind == "empty":
        return "create"
    newer = StoreError(f"The store at {where} was written by a newer Secure Base (schema {schema or '?'}); "
                       "upgrade Secure Base to open it. Nothing was changed.")
    if kind == "legacy":
        if schema is not None and schema > LEGACY_CURRENT:
            raise newer
        return "stamp" if schema == LEGACY_CURRENT else "upgrade"
    if revision not in REVISIONS or (schema or 0) > SCHEMA_OF[HEAD]:
        raise newer
    return None if revision == HEAD else "upgrade"


def outdated(where: str, schema: int | None) -> OutdatedStoreError:
    return OutdatedStoreError(
        f"The store at {where} was made by an older Secure Base (schema {schema if schema is not None else '?'}) and "
        "must be upgraded before it is used. Run `securebase db upgrade` (it takes a backup first); nothing was "
        "changed.")


def _config(db: "Connection"):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    config.attributes["connection"] = db.sqlalchemy
    return config


def run(db: "Connection", what: str) -> None:
    """Carry out ``what`` (from :func:`needs`) in the caller's write transaction."""
    from alembic import command

    if what in ("stamp", "upgrade") and state(db)[0] == "legacy":
        if what == "upgrade":
            from securebase.store import auditchain

            for statement in baseline_statements(db.dialect):
                db.script(statement)
            auditchain.chain_unchained(db)   # audit rows from before schema 8
            db.execute("UPDATE meta SET value = '8' WHERE key = 'schema_version'")
        command.stamp(_config(db), "0008")
    command.upgrade(_config(db), HEAD)


def script_head() -> str:
    """The newest revision among the migration scripts (for the tests, and ``securebase db current``)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(_SCRIPTS)).get_current_head()
