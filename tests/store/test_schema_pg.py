"""The PostgreSQL schema (securebase.store.schema_pg) against the SQLite one (schema.py), on a throw-away
cluster (tests/pgcluster.py; the pg_url fixture gives each test a fresh database)."""

from __future__ import annotations

import re
import sqlite3

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError, IntegrityError

from securebase.store import schema
from securebase.store.schema_pg import APPEND_ONLY, pg_statements, split_pg

NOW = "2025-01-01T00:00:00Z"


# --- the two schemas, read back from the databases ------------------------------------------------

@pytest.fixture(scope="module")
def lite():
    db = sqlite3.connect(":memory:")
    for statement in schema.split_sql(schema.SCHEMA):
        db.execute(statement)
    yield db
    db.close()


@pytest.fixture
def pg(pg_url):
    engine = sa.create_engine(pg_url)
    with engine.begin() as conn:
        for statement in pg_statements():
            conn.exec_driver_sql(statement)
    yield engine
    engine.dispose()


def lite_tables(db) -> list[str]:
    return [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' "
                                     "AND name NOT LIKE 'sqlite_%' ORDER BY name")]


def lite_sql(db, name: str) -> str:
    return db.execute("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).fetchone()[0]


def lite_triggers(db) -> dict[str, tuple[str, str]]:
    """trigger name: (table, the message it raises)."""
    out = {}
    for name, table, sql in db.execute("SELECT name, tbl_name, sql FROM sqlite_master WHERE type = 'trigger'"):
        out[name] = (table, re.search(r"RAISE\(ABORT, '((?:[^']|'')*)'\)", sql).group(1).replace("''", "'"))
    return out


def pg_rows(conn, sql: str, **params) -> list[tuple]:
    return [tuple(r) for r in conn.execute(sa.text(sql), params)]


PG_INDEXES = """
SELECT i.relname, t.relname, x.indisunique, x.indisprimary, pg_get_expr(x.indpred, x.indrelid),
       array(SELECT a.attname FROM unnest(x.indkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.attnum ORDER BY k.n)
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace s ON s.oid = t.relnamespace WHERE s.nspname = current_schema()
"""
PG_FKS = """
SELECT c.conrelid::regclass::text, c.confrelid::regclass::text,
       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n),
       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY AS k(attnum, n)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)
FROM pg_constraint c WHERE c.contype = 'f' AND c.connamespace = current_schema()::regnamespace
"""


def test_same_tables_columns_and_types(lite, pg):
    with pg.connect() as conn:
        pg_tables = [r[0] for r in pg_rows(conn, "SELECT tablename FROM pg_tables "
                                                 "WHERE schemaname = current_schema() ORDER BY tablename")]
        assert pg_tables == lite_tables(lite)
        for table in pg_tables:
            sql = lite_sql(lite, table)
            json_cols = set(re.findall(r"json_valid\((\w+)\)", sql))
            autoinc = set(re.findall(r"(\w+)\s+INTEGER PRIMARY KEY AUTOINCREMENT", sql))
            info = lite.execute(f"PRAGMA table_info({table})").fetchall()  # cid, name, type, notnull, dflt, pk
            cols = pg_rows(conn, "SELECT column_name, data_type, is_nullable, column_default, is_identity, "
                                 "identity_generation FROM information_schema.columns WHERE table_schema = "
                                 "current_schema() AND table_name = :t ORDER BY ordinal_position", t=table)
            assert [c[0] for c in cols] == [r[1] for r in info], table
            for (name, pg_type, nullable, default, identity, generation), lite_col in zip(cols, info):
                where = f"{table}.{name}"
                if name in json_cols:
                    assert pg_type == "jsonb", where
                elif lite_col[2] == "INTEGER":
                    assert pg_type in ("integer", "bigint"), where
                else:
                    assert (lite_col[2], pg_type) == ("TEXT", "text"), where
                assert (nullable == "NO") == bool(lite_col[3] or lite_col[5]), where
                assert (default is not None or identity == "YES") == (lite_col[4] is not None or name in autoinc), where
                if name in autoinc:
                    assert (pg_type, identity, generation) == ("bigint", "YES", "ALWAYS"), where
                if lite_col[4] is not None:  # the same default value
                    assert default.split("::")[0] == lite_col[4], where


def test_same_primary_keys_indexes_and_foreign_keys(lite, pg):
    with pg.connect() as conn:
        pg_index = {r[0]: r[1:] for r in pg_rows(conn, PG_INDEXES)}
        pg_fks = sorted((t, ft, tuple(c), tuple(fc)) for t, ft, c, fc in pg_rows(conn, PG_FKS))
    lite_fks, named = [], set()
    for table in lite_tables(lite):
        info = lite.execute(f"PRAGMA table_info({table})").fetchall()
        pk = tuple(r[1] for r in sorted((r for r in info if r[5]), key=lambda r: r[5]))
        [(pg_table, unique, primary, _, cols)] = [v for v in pg_index.values() if v[0] == table and v[2]]
        assert (unique, tuple(cols)) == (True, pk), table
        for _seq, name, is_unique, _origin, partial in lite.execute(f"PRAGMA index_list({table})").fetchall():
            if name.startswith("sqlite_autoindex_"):
                continue  # the primary key's, checked above
            named.add(name)
            assert name in pg_index, name
            pg_table, unique, primary, predicate, cols = pg_index[name]
            lite_cols = tuple(r[2] for r in lite.execute(f"PRAGMA index_info({name})"))
            assert (pg_table, unique, primary, tuple(cols)) == (table, bool(is_unique), False, lite_cols), name
            assert (predicate is not None) == bool(partial), name
            if partial:
                lite_where = lite_sql(lite, name).split(" WHERE ", 1)[1]
                assert predicate.strip("()").lower() == lite_where.strip().lower(), name
        rows = lite.execute(f"PRAGMA foreign_key_list({table})").fetchall()  # id, seq, table, from, to, ...
        for fk_id in sorted({r[0] for r in rows}):
            part = sorted((r for r in rows if r[0] == fk_id), key=lambda r: r[1])
            lite_fks.append((table, part[0][2], tuple(r[3] for r in part), tuple(r[4] for r in part)))
    assert {n for n, v in pg_index.items() if not v[2]} == named  # no index PostgreSQL has on its own
    assert pg_fks == sorted(lite_fks)


def test_same_triggers_plus_truncate(lite, pg):
    with pg.connect() as conn:
        pg_trig = set(pg_rows(conn, "SELECT tgname, tgrelid::regclass::text FROM pg_trigger WHERE NOT tgisinternal"))
    lite_trig = {(name, table) for name, (table, _) in lite_triggers(lite).items()}
    append_only = {table for name, (table, _) in lite_triggers(lite).items() if re.search("_no_(update|delete)$", name)}
    assert set(APPEND_ONLY) == append_only
    assert pg_trig == lite_trig | {(f"{t}_no_truncate", t) for t in append_only}


# --- behaviour --------------------------------------------------------------------------------------

ROWS = [  # one row in every append-only table (and what they refer to), in foreign-key order
    ("clients", dict(client_id="C-1", created_at=NOW, updated_at=NOW)),
    ("clients", dict(client_id="C-2", created_at=NOW, updated_at=NOW)),
    ("entries", dict(entry_id="E-1", revision=1, client_id="C-1", program_id="sie", phase_id="p", exercise_id="x",
                     content_version="1", occurred_at=NOW, recorded_at=NOW, recorded_by="t", data='{"a": 1}')),
    ("audit", dict(at=NOW, actor="t", action="create", object_type="entry", object_id="E-1")),
    ("audit_chain", dict(audit_id=1, hash="0" * 64)),
    ("dyads", dict(dyad_id="D-1", partner_a="C-1", partner_b="C-2", program_id="asb", created_at=NOW)),
    ("entry_shares", dict(entry_id="E-1", revision=1, client_id="C-1", dyad_id="D-1", shared=1, at=NOW)),
    ("protocol_versions", dict(dyad_id="D-1", version=1, data='{"timeout_minutes": 20}', content_version="1",
                               proposed_by="C-1", proposed_at=NOW)),
    ("protocol_consents", dict(dyad_id="D-1", version=1, client_id="C-1", consent=1, at=NOW)),
    ("assessments", dict(assessment_id="A-1", client_id="C-1", instrument_id="phq9", instrument_version="1",
                         scoring_version="1", occasion="intake", administered_at=NOW, recorded_at=NOW,
                         responses="[1, 2]", result='{"total": 3}')),
    ("safety_flags", dict(flag_id="F-1", client_id="C-1", entry_id="E-1", revision=1, categories='["x"]',
                          flagged_at=NOW)),
    ("safety_flag_clears", dict(flag_id="F-1", cleared_at=NOW, cleared_by="t", reason="reviewed")),
    ("poll_votes", dict(session_id="S", poll_id="P", option_id="o", at=NOW)),
    ("safety_check_ins", dict(check_in_id="K-1", client_id="C-1", entry_id="E-1", revision=1, categories="[]",
                              asked_at=NOW)),
    ("safety_check_in_answers", dict(check_in_id="K-1", answer="no", answered_at=NOW)),
    ("safety_flag_acks", dict(flag_id="F-1", acknowledged_by="t", acknowledged_at=NOW)),
    ("notifications_sent", dict(flag_id="F-1", channel="email", recipient="r", sent_at=NOW)),
    ("couple_pauses", dict(pause_id="P-1", dyad_id="D-1", client_id="C-1", flag_id="F-1", paused_at=NOW)),
    ("couple_pause_lifts", dict(pause_id="P-1", lifted_at=NOW, lifted_by="t", reason="safe again")),
    ("client_archive", dict(client_id="C-1", archived=1, at=NOW, by_actor="t")),
]


def insert(conn, table: str, row: dict):
    cols = ", ".join(row)
    return conn.execute(sa.text(f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in row)})"), row)


@pytest.fixture
def filled(pg):
    with pg.begin() as conn:
        for table, row in ROWS:
            insert(conn, table, row)
    return pg


def refusal(engine, sql: str, **params) -> str:
    """Run ``sql`` in a transaction of its own; return the message it was refused with."""
    with engine.connect() as conn, pytest.raises(DBAPIError) as caught:
        conn.execute(sa.text(sql), params)
    return caught.value.orig.diag.message_primary


def test_append_only_tables_refuse_update_delete_and_truncate(lite, filled):
    assert {t for t, _ in ROWS} >= set(APPEND_ONLY)
    triggers = lite_triggers(lite)
    for table in APPEND_ONLY:
        col = ROWS[[t for t, _ in ROWS].index(table)][1]
        col = next(iter(col))
        on_update = triggers.get(f"{table}_no_update", (None, None))[1]
        on_delete = triggers.get(f"{table}_no_delete", (None, None))[1]
        if on_update:
            assert refusal(filled, f"UPDATE {table} SET {col} = {col}") == on_update, table
        if on_delete:
            assert refusal(filled, f"DELETE FROM {table}") == on_delete, table
        # CASCADE: a table that others refer to cannot be truncated alone anyway (a foreign-key error)
        assert refusal(filled, f"TRUNCATE {table} CASCADE") == (on_delete or on_update), table
        refusal(filled, f"TRUNCATE {table}")
        with filled.connect() as conn:
            assert conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar() >= 1, table
        with filled.connect() as conn:
            for verb, message in (("UPDATE", on_update), ("DELETE", on_delete)):  # allowed where SQLite allows
                if message is None and table != "dyads":
                    conn.execute(sa.text(f"DELETE FROM {table}" if verb == "DELETE" else
                                         f"UPDATE {table} SET {col} = {col}"))
            conn.rollback()


def test_trigger_refusal_is_an_integrity_error(filled):
    with filled.connect() as conn, pytest.raises(IntegrityError):
        conn.execute(sa.text("DELETE FROM audit"))


def test_dyad_ends_once_and_nothing_else_changes(lite, filled):
    message = lite_triggers(lite)["dyads_only_end"][1]
    with filled.begin() as conn:
        insert(conn, "clients", dict(client_id="C-3", created_at=NOW, updated_at=NOW))
    for change in ("partner_a = 'C-3'", "partner_b = 'C-3'", "created_at = 'x'", "dyad_id = 'D-2'",
                   "program_id = 'sie'", "program_id = NULL", "partner_a = 'C-3', ended_at = 'now'"):
        assert refusal(filled, f"UPDATE dyads SET {change} WHERE dyad_id = 'D-1'") == message, change
    with filled.begin() as conn:
        assert conn.execute(sa.text("UPDATE dyads SET ended_at = :at WHERE dyad_id = 'D-1'"), {"at": NOW}).rowcount == 1
    assert refusal(filled, "UPDATE dyads SET ended_at = 'later' WHERE dyad_id = 'D-1'") == message
    assert refusal(filled, "UPDATE dyads SET ended_at = NULL WHERE dyad_id = 'D-1'") == message
    assert refusal(filled, "UPDATE dyads SET ended_at = ended_at WHERE dyad_id = 'D-1'") == message
    with filled.connect() as conn:
        assert conn.execute(sa.text("SELECT ended_at FROM dyads")).scalar_one() == NOW


@pytest.mark.parametrize("table,column", [("entries", "data"), ("audit", "detail"), ("assessments", "result"),
                                          ("safety_flags", "categories"), ("protocol_versions", "data")])
def test_invalid_json_is_refused(filled, table, column):
    row = dict(ROWS[[t for t, _ in ROWS].index(table)][1])
    for key in ("entry_id", "assessment_id", "flag_id"):
        if key in row:
            row[key] += "-b"
    if table == "protocol_versions":
        row["version"] = 2
    row[column] = '{"a": 1'
    with filled.connect() as conn, pytest.raises(DBAPIError) as caught:
        insert(conn, table, row)
    assert caught.value.orig.sqlstate == "22P02"  # invalid_text_representation: not JSON
    row[column] = '{"timeout_minutes": 30}'
    with filled.begin() as conn:
        insert(conn, table, row)


# SQLite's CHECK passes when timeout_minutes is missing (json_type gives NULL, and a NULL check passes):
# PostgreSQL refuses those too ("sqlite" column: what schema.py does today).
@pytest.mark.parametrize("data,ok,sqlite", [
    ('{"timeout_minutes": 20}', True, True), ('{"timeout_minutes": 45}', True, True),
    ('{"timeout_minutes": 19}', False, False), ('{"timeout_minutes": "30"}', False, False),
    ('{"timeout_minutes": 20.5}', False, False), ('{"timeout_minutes": 20.0}', False, False),
    ('{"timeout_minutes": null}', False, False), ('{"timeout_minutes": true}', False, False),
    ('{"other": 30}', False, True), ('[20]', False, True), ('20', False, True),
])
def test_protocol_timeout_floor(filled, data, ok, sqlite):
    row = dict(ROWS[[t for t, _ in ROWS].index("protocol_versions")][1], version=2, data=data)
    with filled.connect() as conn:
        if ok:
            insert(conn, "protocol_versions", row)
            conn.commit()
        else:
            with pytest.raises(IntegrityError) as caught:
                insert(conn, "protocol_versions", row)
            assert caught.value.orig.sqlstate == "23514"  # check_violation
    db = sqlite3.connect(":memory:")
    for statement in schema.split_sql(schema.SCHEMA):
        db.execute(statement)
    for table, r in ROWS[:6]:
        db.execute(f"INSERT INTO {table} ({', '.join(r)}) VALUES ({', '.join(':' + c for c in r)})", r)
    try:
        db.execute("INSERT INTO protocol_versions (dyad_id, version, data, content_version, proposed_by, proposed_at) "
                   "VALUES ('D-1', 2, ?, '1', 'C-1', ?)", (data, NOW))
        accepted = True
    except sqlite3.IntegrityError:
        accepted = False
    db.close()
    assert accepted == sqlite


def test_source_key_unique_per_client_but_nulls_repeat(filled):
    base = dict(ROWS[2][1], client_id="C-2")
    with filled.begin() as conn:
        insert(conn, "entries", dict(base, entry_id="N-1"))
        insert(conn, "entries", dict(base, entry_id="N-2"))  # two NULL source keys
        insert(conn, "entries", dict(base, entry_id="K-1", source_key="k"))
        insert(conn, "entries", dict(base, entry_id="K-3", source_key="k", client_id="C-1"))  # another client
    with filled.connect() as conn, pytest.raises(IntegrityError) as caught:
        insert(conn, "entries", dict(base, entry_id="K-2", source_key="k"))
    assert caught.value.orig.diag.constraint_name == "entries_by_source"


PORTABLE = [  # the same SQL and parameters on both backends
    ("INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
     {"k": "schema_version", "v": "8"}),
    ("INSERT INTO meta (key, value) VALUES (:k, :v) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
     {"k": "schema_version", "v": "9"}),
    ("INSERT INTO entries (entry_id, revision, client_id, program_id, phase_id, exercise_id, content_version, "
     "occurred_at, recorded_at, recorded_by, data, source_key) VALUES (:e, 1, 'C-1', 's', 'p', 'x', '1', :t, :t, "
     "'t', :d, 'src') ON CONFLICT (client_id, source_key) WHERE source_key IS NOT NULL DO NOTHING",
     {"e": "S-1", "t": NOW, "d": "{}"}),
    ("INSERT INTO entries (entry_id, revision, client_id, program_id, phase_id, exercise_id, content_version, "
     "occurred_at, recorded_at, recorded_by, data, source_key) VALUES (:e, 1, 'C-1', 's', 'p', 'x', '1', :t, :t, "
     "'t', :d, 'src') ON CONFLICT (client_id, source_key) WHERE source_key IS NOT NULL DO NOTHING",
     {"e": "S-2", "t": NOW, "d": "{}"}),
]


def test_portable_sql_and_returning_ids(filled):
    lite_engine = sa.create_engine("sqlite://")
    with lite_engine.begin() as conn:
        for statement in schema.split_sql(schema.SCHEMA):
            conn.exec_driver_sql(statement)
        insert(conn, *ROWS[0])
    audit_ids = {}
    for name, engine in (("sqlite", lite_engine), ("postgresql", filled)):
        with engine.begin() as conn:
            for sql, params in PORTABLE:
                conn.execute(sa.text(sql), params)
            assert conn.execute(sa.text("SELECT value FROM meta")).scalar_one() == "9"
            assert conn.execute(sa.text("SELECT entry_id FROM entries WHERE source_key = 'src'")).all() == [("S-1",)]
            audit_ids[name] = [
                conn.execute(sa.text("INSERT INTO audit (at, actor, action, object_type, object_id, detail) VALUES "
                                     "(:at, 't', 'read', 'entry', :o, :d) RETURNING audit_id"),
                             {"at": NOW, "o": f"E-{i}", "d": '{"n": %d}' % i}).scalar_one()
                for i in range(5)]
    for ids in audit_ids.values():
        assert ids == sorted(ids) and len(set(ids)) == 5
    assert audit_ids["postgresql"][0] == 2  # after the one audit row of ROWS
    with filled.connect() as conn, pytest.raises(DBAPIError) as caught:  # GENERATED ALWAYS: no chosen ids
        conn.execute(sa.text("INSERT INTO audit (audit_id, at, actor, action, object_type, object_id) "
                             "VALUES (100, :at, 't', 'read', 'e', 'x')"), {"at": NOW})
    assert caught.value.orig.sqlstate == "428C9"  # generated_always
    lite_engine.dispose()


def test_statements_rerun_cleanly(pg):
    with pg.begin() as conn:
        for statement in pg_statements():
            conn.exec_driver_sql(statement)


# --- the cluster and the splitter -------------------------------------------------------------------

def test_cluster_is_socket_only_and_durable(pg_cluster, pg_url):
    assert pg_url.startswith(f"postgresql+psycopg://{pg_cluster.superuser}@/t")
    assert "?host=%2F" in pg_url
    engine = sa.create_engine(pg_url)
    with engine.connect() as conn:
        settings = {name: conn.exec_driver_sql(f"SHOW {name}").scalar() for name in
                    ("listen_addresses", "fsync", "synchronous_commit", "full_page_writes", "server_encoding",
                     "lc_collate", "unix_socket_directories")}
        assert conn.exec_driver_sql("SELECT current_user").scalar() == pg_cluster.superuser
    engine.dispose()
    assert settings == dict(listen_addresses="", fsync="on", synchronous_commit="on", full_page_writes="on",
                            server_encoding="UTF8", lc_collate="C", unix_socket_directories=str(pg_cluster.socket_dir))
    assert pg_cluster.socket_dir.stat().st_mode & 0o777 == 0o700


def test_missing_binaries_say_what_to_run(tmp_path):
    from pgcluster import PostgresNotInstalled, find_bin_dir

    with pytest.raises(PostgresNotInstalled, match="make system-deps"):
        find_bin_dir(tmp_path)


def test_split_keeps_dollar_quoted_bodies_strings_and_comments_whole():
    script = """
    -- a comment; with a semicolon
    CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'a;b'; END; $$;
    /* block; /* nested; */ still comment; */
    SELECT 'it''s; fine', "odd;name", $1;
    CREATE FUNCTION g() RETURNS int LANGUAGE sql AS $body$ SELECT 1; $x$ not the end; $x$ $body$;
    ;
    SELECT 2
    """
    statements = split_pg(script)
    assert len(statements) == 4
    assert statements[0].endswith("END; $$") and statements[0].startswith("-- a comment")
    assert statements[1].endswith("""SELECT 'it''s; fine', "odd;name", $1""")
    assert statements[2].endswith("$x$ not the end; $x$ $body$")
    assert statements[3] == "SELECT 2"
    assert all(s.count("$refuse$") in (0, 2) for s in pg_statements())
