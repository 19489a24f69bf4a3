"""Unit tests of the SQLite store (helpers/securebase/store.py)."""

from __future__ import annotations

import json
import sqlite3
import stat
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from securebase.core.errors import ClientIdError, NotFoundError, StoreError
from securebase.store import SCHEMA_VERSION, DuplicateEntryError, EntryRef, Store
from legacy_store import make_legacy
from backends import REFUSED

CLIENT = "C-7KQ2M9"
OTHER = "C-3HX8P4"
# The actor audited: on SQLite the one the store is opened with; on PostgreSQL the database role logged in
# (here the throw-away cluster's superuser), whatever the caller says.
ACTOR = {False: "tester", True: "postgres"}
# Client text that must never reach the audit log.
SECRET = "I told nobody about the panic attack on the bus"


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "store.sqlite3"   # where the store fixture puts a SQLite store


@pytest.fixture
def store(store_location):
    with Store(store_location, actor="tester") as s:
        yield s


@pytest.fixture
def client_store(store: Store) -> Store:
    store.ensure_client(CLIENT, program_id="secure-base", start_date=date(2025, 1, 6))
    return store


def add(store: Store, client: str = CLIENT, **overrides) -> EntryRef:
    kwargs = dict(
        program_id="secure-base",
        phase_id="phase-1",
        exercise_id="daily-journal",
        content_version="1.0.0",
        data={"mood": 4, "note": SECRET},
        occurred_at="2025-01-07T20:00:00+00:00",
    )
    kwargs.update(overrides)
    return store.add_entry(client, **kwargs)


def raw(path: Path) -> sqlite3.Connection:
    """A plain sqlite3 connection, bypassing the Store."""
    return sqlite3.connect(path, isolation_level=None, timeout=5)


def dump(path: Path) -> dict[str, list[tuple]]:
    """Every row of every table, for before/after comparisons."""
    con = raw(path)
    try:
        return {
            table: con.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
            for table in ("meta", "clients", "entries", "audit")
        }
    finally:
        con.close()


def audit_actions(store: Store) -> list[tuple[str, str, str]]:
    return [(a["action"], a["object_type"], a["object_id"]) for a in store.audit_log()]


# ---------------------------------------------------------------- opening


@pytest.mark.sqlite_only
def test_connection_pragmas(store: Store) -> None:
    assert store._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert store._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL
    assert store._db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert store._db.execute("PRAGMA busy_timeout").fetchone()[0] == 10_000


def test_synchronous_option(db_path: Path) -> None:
    with Store(db_path, synchronous="NORMAL") as s:
        assert s._db.execute("PRAGMA synchronous").fetchone()[0] == 1
    with pytest.raises(ValueError, match="synchronous must be"):
        Store(db_path, synchronous="OFF")


def test_wal_mode_is_persistent_in_the_file(store: Store, db_path: Path) -> None:
    con = raw(db_path)
    try:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        con.close()


def test_file_permissions_are_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "store.db"
    with Store(path, actor="tester") as s:
        s.ensure_client(CLIENT)
        add(s)
        for f in (path, Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert f.exists(), f
            assert stat.S_IMODE(f.stat().st_mode) == 0o600, f
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_schema_version_is_recorded(store: Store, db_path: Path) -> None:
    meta = dict(dump(db_path)["meta"])
    assert meta["schema_version"] == str(SCHEMA_VERSION)
    assert set(meta) == {"schema_version", "store_id", "generation"}   # the store's identity (store/identity.py)


def test_reopen_keeps_data(db_path: Path) -> None:
    with Store(db_path, actor="tester") as s:
        s.ensure_client(CLIENT)
        ref = add(s)
    with Store(db_path, actor="tester") as s:
        assert s.get_entry(ref.entry_id).data == {"mood": 4, "note": SECRET}
        assert s.integrity_check() == "ok"


def test_newer_schema_is_refused(db_path: Path) -> None:
    with Store(db_path, actor="tester") as s:
        s.ensure_client(CLIENT)
    con = raw(db_path)
    con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    con.close()
    before = dump(db_path)
    with pytest.raises(StoreError) as info:
        Store(db_path, actor="tester")
    message = str(info.value)
    assert f"written by a newer Secure Base (schema {SCHEMA_VERSION + 1})" in message
    assert "upgrade Secure Base" in message
    assert str(db_path) in message
    assert dump(db_path) == before  # nothing was migrated or overwritten


def test_unopenable_path_gives_store_error(tmp_path: Path) -> None:
    (tmp_path / "a-directory.db").mkdir()
    with pytest.raises(StoreError, match="Cannot open the store"):
        Store(tmp_path / "a-directory.db")


# ---------------------------------------------------------------- clients


def test_ensure_and_get_client(store: Store) -> None:
    assert store.get_client(CLIENT) is None
    client = store.ensure_client(CLIENT, program_id="secure-base", start_date=date(2025, 1, 6), language="de")
    assert client.client_id == CLIENT
    assert client.program_id == "secure-base"
    assert client.start_date == date(2025, 1, 6)
    assert client.language == "de"
    assert client.phase_override is None
    assert store.get_client(CLIENT) == client
    assert store.require_client(CLIENT) == client
    assert [c.client_id for c in store.list_clients()] == [CLIENT]


def test_ensure_client_is_idempotent_and_audited_once(store: Store) -> None:
    first = store.ensure_client(CLIENT, program_id="secure-base")
    again = store.ensure_client(CLIENT, program_id="something-else")
    assert again == first
    log = store.audit_log()
    assert [(a["action"], a["object_type"], a["object_id"], a["client_id"]) for a in log] == [
        ("client_create", "client", CLIENT, CLIENT)
    ]
    assert log[0]["actor"] == ACTOR[store.url is not None]
    assert log[0]["detail"] == {"program_id": "secure-base"}


def test_ensure_client_refuses_names(store: Store) -> None:
    with pytest.raises(ClientIdError):
        store.ensure_client("Jane Doe")
    with pytest.raises(ClientIdError):
        store.ensure_client("Janedoe")
    assert store.list_clients() == []
    assert store.audit_log() == []


def test_require_client_unknown(store: Store) -> None:
    with pytest.raises(NotFoundError, match="There is no client 'C-0000' in the store"):
        store.require_client("C-0000")


def test_update_client_changes_settings_and_is_audited(client_store: Store) -> None:
    before = client_store.require_client(CLIENT)
    updated = client_store.update_client(
        CLIENT, phase_override="phase-3", start_date=date(2025, 2, 1), language="fr"
    )
    assert updated.phase_override == "phase-3"
    assert updated.start_date == date(2025, 2, 1)
    assert updated.language == "fr"
    assert updated.program_id == "secure-base"  # untouched
    assert updated.created_at == before.created_at
    assert updated.updated_at > before.updated_at
    last = client_store.audit_log()[-1]
    assert (last["action"], last["object_type"], last["object_id"]) == ("client_update", "client", CLIENT)
    # Names of the changed settings only, not their values.
    assert last["detail"] == {"changed": ["language", "phase_override", "start_date"]}

    cleared = client_store.update_client(CLIENT, phase_override=None)
    assert cleared.phase_override is None


def test_update_client_without_changes_writes_nothing(client_store: Store, db_path: Path) -> None:
    before = dump(db_path)
    assert client_store.update_client(CLIENT) == client_store.require_client(CLIENT)
    assert dump(db_path) == before


def test_update_client_refuses_unknown_client(client_store: Store, db_path: Path) -> None:
    before = dump(db_path)
    with pytest.raises(NotFoundError, match="There is no client 'C-0000' in the store"):
        client_store.update_client("C-0000", language="fr")
    with pytest.raises(NotFoundError):
        client_store.update_client("C-0000")
    assert dump(db_path) == before  # no client created, no audit row


# ---------------------------------------------------------------- entries


def test_add_entry_saves_revision_one_and_audits(client_store: Store) -> None:
    data = {"mood": 4, "note": "Grüße – café ☕", "tags": ["a", "b"], "felt_safe": True, "score": 2.5}
    ref = add(client_store, data=data)
    assert ref.revision == 1
    entry = client_store.get_entry(ref.entry_id)
    assert entry.ref == ref
    assert entry.data == data
    assert entry.client_id == CLIENT
    assert entry.exercise_id == "daily-journal"
    assert entry.recorded_by == ACTOR[client_store.url is not None]
    assert entry.deleted is False
    assert entry.source_key is None
    last = client_store.audit_log()[-1]
    assert (last["action"], last["object_type"], last["object_id"], last["client_id"]) == (
        "create", "entry", ref.entry_id, CLIENT,
    )
    assert last["detail"] == {"exercise_id": "daily-journal", "revision": 1}


def test_add_entry_for_unknown_client_writes_nothing(client_store: Store, db_path: Path) -> None:
    before = dump(db_path)
    with pytest.raises(NotFoundError, match="Create it first"):
        add(client_store, client="C-0000")
    assert dump(db_path) == before


@pytest.mark.parametrize(
    "data, error",
    [(["not", "a", "dict"], TypeError), ({"x": float("nan")}, ValueError), ({"x": object()}, TypeError)],
)
def test_add_entry_refuses_unstorable_data(client_store: Store, db_path: Path, data, error) -> None:
    before = dump(db_path)
    with pytest.raises(error):
        add(client_store, data=data)
    assert dump(db_path) == before


def test_revise_entry_adds_a_revision(client_store: Store) -> None:
    ref = add(client_store, data={"mood": 4, "note": SECRET})
    ref2 = client_store.revise_entry(ref.entry_id, data={"mood": 6, "note": SECRET + " (edited)"})
    assert ref2 == EntryRef(ref.entry_id, 2)
    revisions = client_store.entry_revisions(ref.entry_id)
    assert [r.revision for r in revisions] == [1, 2]
    assert revisions[0].data == {"mood": 4, "note": SECRET}  # the original is kept
    assert revisions[1].data == {"mood": 6, "note": SECRET + " (edited)"}
    assert client_store.get_entry(ref.entry_id).revision == 2
    last = client_store.audit_log()[-1]
    assert (last["action"], last["object_id"], last["client_id"]) == ("update", ref.entry_id, CLIENT)
    assert last["detail"] == {"exercise_id": "daily-journal", "revision": 2}


def test_revise_entry_carries_over_unspecified_parts(client_store: Store) -> None:
    ref = add(client_store, data={"mood": 4}, content_version="1.0.0")
    client_store.revise_entry(ref.entry_id, occurred_at="2025-01-08T09:00:00+00:00")
    first, second = client_store.entry_revisions(ref.entry_id)
    assert second.data == first.data
    assert second.content_version == "1.0.0"
    assert second.occurred_at == "2025-01-08T09:00:00+00:00"
    assert (second.client_id, second.program_id, second.phase_id, second.exercise_id) == (
        first.client_id, first.program_id, first.phase_id, first.exercise_id,
    )


def test_revise_unknown_entry(client_store: Store) -> None:
    with pytest.raises(NotFoundError, match="There is no entry 'nope'"):
        client_store.revise_entry("nope", data={})
    with pytest.raises(NotFoundError):
        client_store.get_entry("nope")


def test_delete_entry_adds_a_tombstone(client_store: Store) -> None:
    keep = add(client_store, occurred_at="2025-01-07T08:00:00+00:00")
    gone = add(client_store, occurred_at="2025-01-07T09:00:00+00:00")
    client_store.revise_entry(gone.entry_id, data={"mood": 1})
    tomb = client_store.delete_entry(gone.entry_id, expected_revision=2)
    assert tomb == EntryRef(gone.entry_id, 3)

    revisions = client_store.entry_revisions(gone.entry_id)
    assert [(r.revision, r.deleted) for r in revisions] == [(1, False), (2, False), (3, True)]
    assert revisions[2].data == {"mood": 1}  # the tombstone carries the last data; nothing is erased

    assert [e.entry_id for e in client_store.current_entries(CLIENT)] == [keep.entry_id]
    with_deleted = client_store.current_entries(CLIENT, include_deleted=True)
    assert [(e.entry_id, e.revision, e.deleted) for e in with_deleted] == [
        (keep.entry_id, 1, False), (gone.entry_id, 3, True),
    ]
    last = client_store.audit_log()[-1]
    assert (last["action"], last["object_id"]) == ("delete", gone.entry_id)
    assert last["detail"] == {"exercise_id": "daily-journal", "revision": 3}

    with pytest.raises(StoreError, match="This entry was deleted"):
        client_store.revise_entry(gone.entry_id, data={"mood": 2})
    assert client_store.count_entries(CLIENT) == 2  # entries, not revisions; tombstoned ones included


def test_entry_lifecycle_audit_trail(client_store: Store) -> None:
    ref = add(client_store)
    client_store.revise_entry(ref.entry_id, data={"mood": 5, "note": SECRET})
    client_store.delete_entry(ref.entry_id)
    entry_rows = [a for a in client_store.audit_log() if a["object_type"] == "entry"]
    assert [(a["action"], a["object_id"], a["detail"]["revision"]) for a in entry_rows] == [
        ("create", ref.entry_id, 1), ("update", ref.entry_id, 2), ("delete", ref.entry_id, 3),
    ]
    assert [a["audit_id"] for a in client_store.audit_log()] == sorted(
        a["audit_id"] for a in client_store.audit_log()
    )


def test_audit_never_holds_client_text(client_store: Store, db_path: Path) -> None:
    ref = add(client_store, data={"note": SECRET, "trigger": "argument about Mum"},
              source_key="import-row-17")
    client_store.revise_entry(ref.entry_id, data={"note": SECRET + "!", "trigger": "argument about Mum"})
    client_store.delete_entry(ref.entry_id)
    client_store.update_client(CLIENT, phase_override="phase-2")
    client_store.record_export(what="history.csv", client_ids=[CLIENT])
    con = raw(db_path)
    try:
        audit_text = json.dumps(con.execute("SELECT * FROM audit").fetchall())
    finally:
        con.close()
    for text in ("panic attack", "Mum", "phase-2", "import-row-17"):
        assert text not in audit_text
    assert len(client_store.audit_log()) == 6


def test_current_entries_returns_latest_revision_only(client_store: Store) -> None:
    client_store.ensure_client(OTHER)
    a = add(client_store, occurred_at="2025-01-09T08:00:00+00:00", data={"v": "a1"})
    b = add(client_store, occurred_at="2025-01-07T08:00:00+00:00", data={"v": "b1"}, exercise_id="check-in")
    c = add(client_store, occurred_at="2025-01-08T08:00:00+00:00", data={"v": "c1"}, program_id="other-program")
    add(client_store, client=OTHER, data={"v": "other"})
    client_store.revise_entry(a.entry_id, data={"v": "a2"})
    client_store.revise_entry(a.entry_id, data={"v": "a3"})
    client_store.revise_entry(b.entry_id, data={"v": "b2"})

    current = client_store.current_entries(CLIENT)
    # Oldest event first, one row per entry, latest revision.
    assert [(e.entry_id, e.revision, e.data["v"]) for e in current] == [
        (b.entry_id, 2, "b2"), (c.entry_id, 1, "c1"), (a.entry_id, 3, "a3"),
    ]
    assert [e.entry_id for e in client_store.current_entries(CLIENT, exercise_id="check-in")] == [b.entry_id]
    assert [e.entry_id for e in client_store.current_entries(CLIENT, program_id="other-program")] == [c.entry_id]
    assert [e.data["v"] for e in client_store.current_entries(OTHER)] == ["other"]
    assert client_store.current_entries("C-0000") == []
    # entry_revisions keeps every revision.
    assert [e.data["v"] for e in client_store.entry_revisions(a.entry_id)] == ["a1", "a2", "a3"]
    assert client_store.count_entries(CLIENT) == 3
    assert client_store.count_entries() == 4


def test_expected_revision_guards_against_lost_updates(client_store: Store, db_path: Path) -> None:
    ref = add(client_store)
    assert client_store.revise_entry(ref.entry_id, data={"mood": 5}, expected_revision=1).revision == 2
    before = dump(db_path)
    with pytest.raises(StoreError) as info:
        client_store.revise_entry(ref.entry_id, data={"mood": 6}, expected_revision=1)
    assert type(info.value) is StoreError
    assert str(info.value) == (
        "This entry changed while you were editing it (now at revision 2, you edited revision 1). "
        "Reload the history and make your edit again."
    )
    with pytest.raises(StoreError, match="now at revision 2, you edited revision 1"):
        client_store.delete_entry(ref.entry_id, expected_revision=1)
    assert dump(db_path) == before  # neither the revision nor an audit row was written
    assert client_store.get_entry(ref.entry_id).data == {"mood": 5}


def test_expected_revision_conflict_between_two_connections(client_store: Store, db_path: Path) -> None:
    ref = add(client_store)
    with Store(db_path, actor="colleague") as other:
        other.revise_entry(ref.entry_id, data={"mood": 9}, expected_revision=1)
    with pytest.raises(StoreError, match="changed while you were editing it"):
        client_store.revise_entry(ref.entry_id, data={"mood": 2}, expected_revision=1)
    latest = client_store.get_entry(ref.entry_id)
    assert (latest.revision, latest.data, latest.recorded_by) == (2, {"mood": 9}, "colleague")


def test_duplicate_source_key_is_refused_and_store_unchanged(client_store: Store, db_path: Path) -> None:
    first = add(client_store, source_key="diary.csv:17")
    before = dump(db_path)
    with pytest.raises(DuplicateEntryError) as info:
        add(client_store, source_key="diary.csv:17", data={"mood": 1})
    assert isinstance(info.value, StoreError)
    assert info.value.entry_id == first.entry_id
    assert str(info.value) == f"This entry was already saved (entry {first.entry_id}); it was not saved twice."
    assert dump(db_path) == before

    # The key is per client, and revising a keyed entry does not trip over its own key.
    client_store.ensure_client(OTHER)
    add(client_store, client=OTHER, source_key="diary.csv:17")
    assert client_store.revise_entry(first.entry_id, data={"mood": 2}).revision == 2
    assert client_store.entry_revisions(first.entry_id)[0].source_key == "diary.csv:17"
    with pytest.raises(DuplicateEntryError):
        add(client_store, source_key="diary.csv:17")


@pytest.mark.sqlite_only
def test_failed_write_surfaces_the_real_error_and_store_stays_usable(client_store: Store) -> None:
    """If SQLite rolls the transaction back itself (disk full), that error must reach the caller."""
    add(client_store)
    pages = client_store._db.execute("PRAGMA page_count").fetchone()[0]
    client_store._db.execute(f"PRAGMA max_page_count = {pages + 1}")
    with pytest.raises(StoreError, match="Nothing was saved: the store reported .database or disk is full"):
        add(client_store, data={"note": "x" * 200_000})
    assert not client_store._db.in_transaction
    client_store._db.execute("PRAGMA max_page_count = 1073741823")
    add(client_store)
    assert client_store.count_entries(CLIENT) == 2
    assert client_store.integrity_check() == "ok"


# ---------------------------------------------------------------- append-only triggers


@pytest.mark.parametrize(
    "sql, message",
    [
        ("UPDATE entries SET deleted = 1", "entries are append-only: save a new revision instead"),
        ("UPDATE entries SET data = '{}' WHERE revision = 1",
         "entries are append-only: save a new revision instead"),
        ("DELETE FROM entries", "entries are append-only: save a deletion revision instead"),
        ("UPDATE audit SET actor = 'someone else'", "the audit log is append-only"),
        ("DELETE FROM audit WHERE action = 'create'", "the audit log is append-only"),
        ("DELETE FROM audit", "the audit log is append-only"),
    ],
)
def test_triggers_refuse_changes_in_place(client_store: Store, db_path: Path, sql: str, message: str) -> None:
    ref = add(client_store)
    client_store.revise_entry(ref.entry_id, data={"mood": 1})
    before = dump(db_path)
    con = raw(db_path)
    try:
        with pytest.raises(REFUSED) as info:
            con.execute(sql)
        assert isinstance(info.value, sqlite3.DatabaseError)
        assert str(info.value) == message
        assert info.value.sqlite_errorname == "SQLITE_CONSTRAINT_TRIGGER"
        # Inside an explicit transaction too.
        con.execute("BEGIN IMMEDIATE")
        with pytest.raises(REFUSED, match=message):
            con.execute(sql)
        con.execute("ROLLBACK")
    finally:
        con.close()
    assert dump(db_path) == before


# ---------------------------------------------------------------- audit and exports


def test_record_export_is_audited(client_store: Store) -> None:
    client_store.ensure_client(OTHER)
    client_store.record_export(what="history.xlsx", client_ids=[CLIENT, OTHER], detail={"rows": 12, "format": "xlsx"})
    last = client_store.audit_log()[-1]
    assert last["action"] == "export"
    assert (last["object_type"], last["object_id"], last["client_id"]) == ("export", "history.xlsx", None)
    assert last["actor"] == ACTOR[client_store.url is not None]
    assert last["detail"] == {"clients": [CLIENT, OTHER], "rows": 12, "format": "xlsx"}
    client_store.record_export(what="all.csv")
    assert client_store.audit_log()[-1]["detail"] == {"clients": []}


def test_audit_log_filter_and_limit(client_store: Store) -> None:
    client_store.ensure_client(OTHER)
    add(client_store)
    add(client_store, client=OTHER)
    assert {a["client_id"] for a in client_store.audit_log(client_id=OTHER)} == {OTHER}
    assert len(client_store.audit_log(client_id=OTHER)) == 2  # client_create, create
    assert [a["action"] for a in client_store.audit_log(limit=2)] == ["client_create", "client_create"]


def test_actor_defaults_to_environment(db_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECUREBASE_ACTOR", "dr-who")
    with Store(db_path) as s:
        s.ensure_client(CLIENT)
        assert s.audit_log()[-1]["actor"] == "dr-who"


# ---------------------------------------------------------------- history frame


def test_history_frame(client_store: Store) -> None:
    a = add(client_store, occurred_at="2025-01-07T20:00:00+00:00", data={"mood": 4, "note": "first"})
    b = add(client_store, occurred_at="2025-01-08T20:00:00+00:00", data={"mood": 6, "slept": True})
    gone = add(client_store, occurred_at="2025-01-09T20:00:00+00:00", data={"mood": 1})
    add(client_store, occurred_at="2025-01-10T20:00:00+00:00", exercise_id="check-in", data={"score": 3})
    client_store.revise_entry(a.entry_id, data={"mood": 5, "note": "first, edited"})
    client_store.delete_entry(gone.entry_id)

    frame = client_store.history_frame(CLIENT, exercise_id="daily-journal")
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns)[:10] == [
        "entry_id", "revision", "client_id", "program_id", "phase_id", "exercise_id",
        "content_version", "occurred_at", "recorded_at", "recorded_by",
    ]
    assert set(frame.columns[10:]) == {"mood", "note", "slept"}  # one column per answer
    assert list(frame["entry_id"]) == [a.entry_id, b.entry_id]  # deleted entry hidden
    assert list(frame["revision"]) == [2, 1]
    assert list(frame["mood"]) == [5, 6]
    assert frame.loc[0, "note"] == "first, edited"
    assert pd.isna(frame.loc[1, "note"])
    assert pd.api.types.is_datetime64_any_dtype(frame["occurred_at"])
    assert pd.api.types.is_datetime64_any_dtype(frame["recorded_at"])
    assert frame.loc[0, "occurred_at"] == pd.Timestamp("2025-01-07T20:00:00+00:00")

    everything = client_store.history_frame(CLIENT)
    assert len(everything) == 3
    assert "score" in everything.columns


def test_history_frame_for_client_without_entries(client_store: Store) -> None:
    frame = client_store.history_frame(CLIENT)
    assert len(frame) == 0
    assert list(frame.columns) == [
        "entry_id", "revision", "client_id", "program_id", "phase_id", "exercise_id",
        "content_version", "occurred_at", "recorded_at", "recorded_by",
    ]


# ---------------------------------------------------------------- backup


def test_backup_writes_a_consistent_copy(client_store: Store, db_path: Path, tmp_path: Path) -> None:
    refs = [add(client_store, data={"i": i}) for i in range(5)]
    client_store.revise_entry(refs[0].entry_id, data={"i": 100})

    # Another connection is half-way through a write: the backup must not contain it.
    con = raw(db_path)
    con.execute("BEGIN IMMEDIATE")
    con.execute(
        "INSERT INTO clients (client_id, language, created_at, updated_at) VALUES ('C-9UNCOMMITTED', 'en', 'x', 'x')"
    )
    try:
        dest = client_store.backup(tmp_path / "backups" / "copy.db")
    finally:
        con.execute("ROLLBACK")
        con.close()

    assert dest == tmp_path / "backups" / "copy.db"
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600
    assert dump(dest) == dump(db_path)
    copy = raw(dest)
    try:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert copy.execute("SELECT COUNT(*) FROM clients WHERE client_id = 'C-9UNCOMMITTED'").fetchone()[0] == 0
    finally:
        copy.close()
    with Store(dest, actor="tester") as restored:
        assert restored.get_entry(refs[0].entry_id).data == {"i": 100}
        assert restored.count_entries(CLIENT) == 5


@pytest.mark.sqlite_only
def test_backup_refuses_to_overwrite(client_store: Store, tmp_path: Path) -> None:
    add(client_store)
    dest = tmp_path / "copy.db"
    dest.write_bytes(b"precious")
    with pytest.raises(StoreError, match="already exists; choose a new file name"):
        client_store.backup(dest)
    assert dest.read_bytes() == b"precious"

    client_store.backup(tmp_path / "first.db")
    with pytest.raises(StoreError, match="already exists"):
        client_store.backup(tmp_path / "first.db")


class _FailingBackup:
    """Stands in for the store's connection: notes the target's mode, then fails mid-copy."""

    def __init__(self, db: sqlite3.Connection, dest: Path):
        self._db, self._dest, self.mode_during_copy = db, dest, None

    @property
    def driver_connection(self) -> "_FailingBackup":
        return self

    def backup(self, target: sqlite3.Connection) -> None:
        self.mode_during_copy = stat.S_IMODE(self._dest.stat().st_mode)
        raise sqlite3.OperationalError("disk I/O error")

    def __getattr__(self, name: str):
        return getattr(self._db, name)


@pytest.mark.sqlite_only
def test_backup_file_is_never_readable_by_others(client_store: Store, tmp_path: Path) -> None:
    dest = tmp_path / "copy.db"
    real = client_store._db
    fake = _FailingBackup(real, dest)
    client_store._db = fake
    try:
        with pytest.raises(sqlite3.OperationalError, match="disk I/O error"):
            client_store.backup(dest)
    finally:
        client_store._db = real
    assert fake.mode_during_copy == 0o600  # owner-only before any client data goes in
    assert not dest.exists()  # no partial copy left behind
    client_store.backup(dest)  # and the name can be used again
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600


def _recomputed_heads(path):
    import sqlite3 as _sqlite3

    db = _sqlite3.connect(path)
    try:
        computed = db.execute(
            "SELECT entry_id, client_id, revision, occurred_at, recorded_at, deleted FROM entries AS e "
            "WHERE revision = (SELECT MAX(revision) FROM entries WHERE entry_id = e.entry_id) ORDER BY entry_id"
        ).fetchall()
        stored = db.execute("SELECT * FROM entry_heads ORDER BY entry_id").fetchall()
    finally:
        db.close()
    return computed, stored


def test_entry_heads_follow_every_revision_and_delete(tmp_path):
    path = tmp_path / "heads.db"
    with Store(path) as store:
        store.ensure_client("C-9001")
        refs = [store.add_entry("C-9001", program_id="p", phase_id="a", exercise_id="e", content_version="1",
                                data={"n": i}, occurred_at=f"2026-01-0{i + 1}T10:00:00") for i in range(3)]
        store.revise_entry(refs[0].entry_id, data={"n": 10}, occurred_at="2026-01-09T10:00:00")
        store.delete_entry(refs[1].entry_id)
        assert [e.data["n"] for e in store.current_entries("C-9001")] == [2, 10]  # ordered by occurred_at
    computed, stored = _recomputed_heads(path)
    assert computed == stored and len(stored) == 3


def test_upgrade_from_schema_1_builds_entry_heads(tmp_path):
    path = tmp_path / "old.db"
    with Store(path) as store:
        store.ensure_client("C-9002")
        ref = store.add_entry("C-9002", program_id="p", phase_id="a", exercise_id="e", content_version="1",
                              data={"n": 1}, occurred_at="2026-01-01T10:00:00")
        store.revise_entry(ref.entry_id, data={"n": 2})
    make_legacy(path, 1, "DROP TABLE entry_heads")  # what a schema-1 store looks like
    with Store(path, upgrade=True) as store:
        assert [e.data["n"] for e in store.current_entries("C-9002")] == [2]
    computed, stored = _recomputed_heads(path)
    assert computed == stored


def test_new_store_file_is_private_from_the_start(tmp_path):
    import stat

    path = tmp_path / "new" / "private.db"
    Store(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_connection_is_closed_when_opening_fails(tmp_path):
    with pytest.raises(ValueError, match="synchronous must be"):
        Store(tmp_path / "x.db", synchronous="OFF")
