"""Archiving a client (schema 7): a logged, audited decision that hides nothing but the row; never a deletion."""

from __future__ import annotations

import sqlite3

import pytest

from securebase.core.errors import NotFoundError
from securebase.store import SCHEMA_VERSION, Store
from legacy_store import make_legacy
from backends import REFUSED


def test_archive_and_bring_back_keeps_everything(tmp_path):
    with Store(tmp_path / "s.db") as store:
        store.ensure_client("C-AR1")
        store.add_entry("C-AR1", program_id="sie", phase_id="a", exercise_id="e", content_version="1",
                        data={"n": 1}, occurred_at="2026-11-01T10:00:00")
        assert store.archived_client_ids() == set()
        assert store.set_archived("C-AR1", True) is True
        assert store.set_archived("C-AR1", True) is False        # already archived: nothing recorded
        assert store.archived_client_ids() == {"C-AR1"}
        assert [c.client_id for c in store.list_clients()] == ["C-AR1"] and store.count_entries("C-AR1") == 1
        assert store.set_archived("C-AR1", False) is True
        assert store.archived_client_ids() == set()
        actions = [a["action"] for a in store.audit_log(client_id="C-AR1")]
        assert actions[-2:] == ["client_archive", "client_unarchive"] and actions.count("client_archive") == 1
        with pytest.raises(NotFoundError, match="no client 'C-NONE1'"):
            store.set_archived("C-NONE1", True)


def test_the_archive_log_is_append_only(tmp_path):
    path = tmp_path / "s.db"
    with Store(path) as store:
        store.ensure_client("C-AR2")
        store.set_archived("C-AR2", True)
    db = sqlite3.connect(path)
    for sql in ("UPDATE client_archive SET archived = 0", "DELETE FROM client_archive"):
        with pytest.raises(REFUSED, match="archiving is a log"):
            db.execute(sql)
    db.close()


def test_a_schema_6_store_opens_and_gains_the_archive(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.ensure_client("C-OLD6")
    make_legacy(path, 6, "DROP TABLE client_archive")     # what a schema-6 store looks like
    with Store(path, upgrade=True) as store:
        assert store.upgraded_from == 6
        assert store.get_client("C-OLD6") is not None and store.archived_client_ids() == set()
        store.set_archived("C-OLD6", True)
        assert store.archived_client_ids() == {"C-OLD6"}
    db = sqlite3.connect(path)
    assert db.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone() == (str(SCHEMA_VERSION),)
    db.close()
    assert SCHEMA_VERSION == 11   # 9: people and access (test_rls_matrix.py); 10: homework (tests/homework); 11: consents (tests/intake/test_consent.py)
