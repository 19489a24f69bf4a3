"""The audit log is a hash chain (issue 16, point 5, on SQLite): a row changed, removed or added outside
Secure Base, even after its trigger was dropped, breaks the chain, and `securebase audit verify` names the
first row where it breaks."""

from __future__ import annotations

import sqlite3

import pytest

from securebase.cli import main
from securebase.core import config
from securebase.core.errors import StoreError
from securebase.store import Store
from securebase.store.auditchain import GENESIS, row_hash, verify
from legacy_store import make_legacy
from backends import REFUSED


@pytest.fixture
def path():
    path = config.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with Store(path) as store:
        for n in range(5):
            store.ensure_client(f"C-AUD{n:03d}", program_id="sie")
    return path


def tamper(path, *statements):
    db = sqlite3.connect(path)
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


def test_every_audit_row_is_chained_to_the_one_before(path):
    with Store(path) as store:
        log = store.audit_log()
        report = store.verify_audit()
    assert report.intact and report.rows == len(log) == 5
    db = sqlite3.connect(path)
    hashes = [h for (h,) in db.execute("SELECT hash FROM audit_chain ORDER BY audit_id")]
    first = db.execute("SELECT audit_id, at, actor, action, object_type, object_id, client_id, detail FROM audit "
                       "ORDER BY audit_id LIMIT 1").fetchone()
    db.close()
    assert hashes[0] == row_hash(GENESIS, first) and len(set(hashes)) == 5


def test_the_chain_is_append_only_like_the_audit(path):
    db = sqlite3.connect(path)
    with pytest.raises(REFUSED, match="append-only"):
        db.execute("UPDATE audit_chain SET hash = ? WHERE audit_id = 1", ("f" * 64,))
    with pytest.raises(REFUSED, match="append-only"):
        db.execute("DELETE FROM audit_chain")
    db.close()


@pytest.mark.parametrize("case,statements,row", [
    ("changed", ["DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'someone else' WHERE audit_id = 3"], 3),
    ("removed", ["DROP TRIGGER audit_no_delete", "DELETE FROM audit WHERE audit_id = 4"], 4),
    ("slipped in", ["INSERT INTO audit (at, actor, action, object_type, object_id) "
                    "VALUES ('2026-01-01T00:00:00Z', 'x', 'export', 'export', 'all')"], 6),
    ("rechained", ["DROP TRIGGER audit_no_update", "DROP TRIGGER audit_chain_no_update",
                   "UPDATE audit SET actor = 'x' WHERE audit_id = 2",
                   "UPDATE audit_chain SET hash = 'a' || substr(hash, 2) WHERE audit_id = 2"], 2),
])
def test_tampering_breaks_the_chain_at_the_first_row_it_touched(path, capsys, case, statements, row):
    assert main(["audit", "verify"]) == 0
    assert "intact: 5 audit row(s)" in capsys.readouterr().out
    tamper(path, *statements)
    assert main(["audit", "verify"]) == 1
    err = capsys.readouterr().err
    assert f"broken at audit row {row}" in err and "Traceback" not in err


def test_a_schema_7_store_has_its_old_audit_rows_chained_when_it_is_opened(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.ensure_client("C-OLD7A")
        store.ensure_client("C-OLD7B")
    make_legacy(path, 7, "DROP TABLE audit_chain")     # what a schema-7 store looks like
    with Store(path, upgrade=True) as store:
        store.ensure_client("C-NEW8A")
        report = store.verify_audit()
    assert report.intact and report.rows == 3
    db = sqlite3.connect(path)
    assert db.execute("SELECT COUNT(*) FROM audit_chain").fetchone() == (3,)
    assert verify(db).intact
    db.close()


def test_a_store_whose_protections_were_dropped_is_not_opened(path):
    tamper(path, "DROP TRIGGER audit_no_update", "UPDATE audit SET actor = 'x' WHERE audit_id = 1")
    with pytest.raises(StoreError, match="audit_no_update dropped outside Secure Base"):
        Store(path)
    assert main(["safety", "list"]) == 2
    assert main(["audit", "verify"]) == 1     # the verification still reads it, and names the row


def test_verify_on_a_missing_store_says_so(tmp_path, capsys):
    assert main(["audit", "verify", "--store", str(tmp_path / "none.db")]) == 2
    assert "There is no store" in capsys.readouterr().err


def test_opening_a_clients_workbook_or_progress_view_is_audited_as_a_read(tmp_path):
    from securebase.notebook.progress import ProgressWorkbook
    from securebase.notebook.workbook import Workbook

    store_path = str(tmp_path / "s.sqlite3")
    Workbook("sie", "awareness", client_id="C-READ01", store_path=store_path).store.close()
    ProgressWorkbook("sie", client_id="C-READ01", store_path=store_path, mode="batch").store.close()
    with Store(store_path) as store:
        reads = [(a["object_id"], a["client_id"]) for a in store.audit_log() if a["action"] == "read"]
        assert store.verify_audit().intact
    assert reads == [("sie/awareness", "C-READ01"), ("sie/progress", "C-READ01")]
