"""Make a store look as one made before migrations did (schema 1-8, recorded only in meta.schema_version)."""

from __future__ import annotations

import sqlite3
from pathlib import Path


def make_legacy(path: Path, schema: int, *statements: str) -> None:
    """Turn the SQLite store at ``path`` into a pre-migration store of ``schema``: ``statements`` take away
    what that schema did not have yet (``DROP TABLE client_archive`` for schema 6, say)."""
    db = sqlite3.connect(path)
    try:
        db.execute("DROP TABLE alembic_version")
        for statement in statements:
            db.execute(statement)
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(schema),))
        db.commit()
    finally:
        db.close()
