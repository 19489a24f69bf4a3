"""Row-level security, tested through each person's own login role with arbitrary SQL (store/access_pg.py):
every role x every table x SELECT, INSERT, UPDATE and DELETE.

The people: clinicians bob and dan; clients ann and al (a couple, both bob's) and cat (dan's); eve, who
supervises bob; ray, a researcher. Their data is made by the owner through the store, then each person
connects as their own role (``sb_<name>``) and tries everything on every table. Writes are tried inside a
transaction that is rolled back, so the data stays as it was for the next cell.

What each person may see is written here from the issue, independently of the policies: a client their
own rows, what their partner shared with them, and their couple's protocol and consents; a clinician
their caseload; a supervisor their clinicians' caseloads; a researcher no client rows; everyone only
the audit of their own actions.
"""

from __future__ import annotations

import json
import uuid

import psycopg
import pytest
import sqlalchemy

from securebase.core.errors import StoreError
from securebase.store import Store
from securebase.store.access_pg import APPEND_ONLY, CHILD_TABLES, COUPLE_TABLES, CLIENT_TABLES, WRITES

pytestmark = pytest.mark.postgres

TAG = uuid.uuid4().hex[:6]   # roles are the cluster's, shared by every database in it
KIND = {"bob": "clinician", "dan": "clinician", "ann": "client", "al": "client", "cat": "client",
        "eve": "supervisor", "ray": "researcher"}
CLIENT = {"ann": "C-ANN7Q2", "al": "C-AL7Q2M", "cat": "C-CAT7Q2"}
CASELOAD = {"bob": {"ann", "al"}, "dan": {"cat"}}


def role(name: str) -> str:
    return f"sb_{name}_{TAG}"


def writable(name: str) -> set[str]:
    if KIND[name] == "client":
        return {CLIENT[name]}
    return {CLIENT[c] for c in CASELOAD.get(name, ())} if KIND[name] == "clinician" else set()


def readable(name: str) -> set[str]:
    return {CLIENT[c] for c in CASELOAD["bob"]} if KIND[name] == "supervisor" else writable(name)


# For each table: the SQL (run by the owner) naming the client each row belongs to.
OWNER_OF = {
    **{t: "client_id" for t in CLIENT_TABLES},
    "dyads": "partner_a", "protocol_versions": "proposed_by", "protocol_consents": "client_id",
    **{t: f"(SELECT client_id FROM {parent} p WHERE p.{column} = t.{column})"
       for t, (column, parent) in CHILD_TABLES.items()},
}


@pytest.fixture(scope="module")
def clinic(pg_cluster):
    """The clinic's database: people, and data of every kind for every client."""
    url = pg_cluster.create_database(f"rls_{TAG}")
    with Store(url) as owner:
        for name in ("bob", "dan"):
            owner.add_person(f"{name}-{TAG}", "clinician")
        for name, clinician in (("ann", "bob"), ("al", "bob"), ("cat", "dan")):
            owner.add_person(f"{name}-{TAG}", "client", client_id=CLIENT[name], clinicians=[f"{clinician}-{TAG}"])
        owner.add_person(f"eve-{TAG}", "supervisor", clinicians=[f"bob-{TAG}"])
        owner.add_person(f"ray-{TAG}", "researcher")
        dyad = owner.link_dyad(CLIENT["ann"], CLIENT["al"], program_id="asb")
        for name, client in CLIENT.items():
            entry = dict(program_id="asb", phase_id="awareness", exercise_id="e", content_version="1",
                         occurred_at="2026-01-01T10:00:00")
            owner.add_entry(client, data={"who": name, "shared": False}, **entry)
            flagged = owner.add_entry(client, data={"who": name}, safety_categories=["self_harm"],
                                      check_in_categories=["self_harm"], **entry)
            owner.revise_entry(flagged.entry_id, data={"who": name, "revised": True})
            flag_id = owner.flag_rows(client)[0][0]
            owner.ack_flag_row(flag_id, client, acknowledged_by=owner.actor)
            owner.record_notification(flag_id, client, channel="email", recipient=f"{name}@clinic.example")
            owner.clear_flag_row(flag_id, client, cleared_by=owner.actor, reason="talked it through")
            check_in = owner._db.execute("SELECT check_in_id FROM safety_check_ins WHERE client_id = ?",
                                         (client,)).scalar_one()
            owner.answer_check_in_row(check_in, "no")
            owner.add_assessment(client, instrument_id="ecr", instrument_version="1", scoring_version="1",
                                 occasion="intake", administered_at="2026-01-01T10:00:00", responses={"q1": 3},
                                 result={"anxiety": 3.0})
            owner.add_group_member(f"group-{name}", client)
            owner.set_archived(client, True)
            owner.set_archived(client, False)
        shared = owner.add_entry(CLIENT["al"], data={"who": "al", "shared": True}, program_id="asb",
                                 phase_id="awareness", exercise_id="e", content_version="1",
                                 occurred_at="2026-01-02T10:00:00")
        owner.record_share(owner.get_entry(shared.entry_id), dyad.dyad_id, shared=True)
        owner.add_protocol_version(dyad.dyad_id, {"timeout_minutes": 30}, content_version="1",
                                   proposed_by=CLIENT["ann"], proposed_at="2026-01-03T10:00:00", source_key=None,
                                   safety_categories=(), consent=True)
        owner.add_protocol_consent(dyad.dyad_id, 1, CLIENT["al"], True, "2026-01-03T11:00:00")
        owner.add_entry(CLIENT["al"], data={"who": "al"}, safety_categories=["abuse_danger"], program_id="asb",
                        phase_id="awareness", exercise_id="e", content_version="1", occurred_at="2026-01-04T10:00:00")
        owner.lift_couple_pauses(dyad.dyad_id, lifted_by=owner.actor, reason="safety plan in place")
        owner.add_poll_vote("session-1", "poll-1", "a")
    for name in KIND:   # each person writes something of their own into the audit
        with Store(person_url(url, name)) as store:
            store.record_read(next(iter(readable(name)), CLIENT["ann"]), "rls/test")
    yield url
    pg_cluster.drop_database(f"rls_{TAG}")


def person_url(url: str, name: str) -> str:
    return url.replace("postgres@", f"{role(name)}@", 1)


def connect(url: str, name: str | None = None) -> psycopg.Connection:
    parsed = sqlalchemy.engine.make_url(url)
    return psycopg.connect(dbname=parsed.database, host=parsed.query["host"],
                           user=role(name) if name else parsed.username, autocommit=True)


@pytest.fixture(scope="module")
def owner(clinic):
    with connect(clinic) as conn:
        yield conn


def rows(conn, table: str, where: str = "TRUE", params: dict | None = None) -> set[str]:
    return {r[0] for r in conn.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE {where}", params or {})}


def expected_visible(owner, table: str, name: str) -> set[str]:
    mine = sorted(readable(name))
    if table == "audit":
        return rows(owner, table, "actor = %(r)s", {"r": role(name)})
    if table == "audit_chain":
        return rows(owner, table, "audit_id IN (SELECT audit_id FROM audit WHERE actor = %(r)s)", {"r": role(name)})
    if table in COUPLE_TABLES or table == "entry_shares":
        couples = "SELECT dyad_id FROM dyads WHERE partner_a = ANY(%(c)s) OR partner_b = ANY(%(c)s)"
        where = f"t.{'dyad_id' if table != 'dyads' else 'dyad_id'} IN ({couples})"
        if table == "entry_shares":
            where += " OR t.client_id = ANY(%(c)s)"
        return rows(owner, table, where, {"c": mine})
    where = f"{OWNER_OF[table]} = ANY(%(c)s)"
    if table == "entries":   # and what a partner shared with them: the latest decision says "shared"
        where += (" OR (t.entry_id, t.revision) IN (SELECT s.entry_id, s.revision FROM entry_shares s WHERE s.shared = 1"
                  " AND s.seq = (SELECT MAX(seq) FROM entry_shares WHERE entry_id = s.entry_id AND dyad_id = s.dyad_id)"
                  " AND s.dyad_id IN (SELECT dyad_id FROM dyads WHERE partner_a = ANY(%(c)s) OR partner_b = ANY(%(c)s)))")
    return rows(owner, table, where, {"c": mine})


DATA = (*CLIENT_TABLES, *COUPLE_TABLES, *CHILD_TABLES)
ALL = (*DATA, "audit", "audit_chain", "people", "caseload", "supervision", "poll_votes", "meta")


@pytest.mark.parametrize("table", ALL)
@pytest.mark.parametrize("name", KIND)
def test_select_shows_each_person_only_what_is_theirs_to_see(clinic, owner, name, table):
    with connect(clinic, name) as conn:
        if KIND[name] == "researcher" and table in DATA or table == "poll_votes" and KIND[name] != "clinician":
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                rows(conn, table)
            return
        seen = rows(conn, table)
    if table in DATA or table in ("audit", "audit_chain"):
        expected = expected_visible(owner, table, name)
        assert seen == expected
        couple_only = table in (*COUPLE_TABLES, "entry_shares", "couple_pauses", "couple_pause_lifts")
        flagged_partner = table in ("couple_pauses", "couple_pause_lifts") and name == "ann"   # al's flag paused them
        if table in DATA and not flagged_partner and (name in ("bob", "eve", "al") or name != "ray" and not couple_only):
            assert expected, f"the matrix has nothing of {name}'s in {table} to look at"
    elif table == "people":
        assert {r for r in seen} == rows(owner, "people", "db_role = %(r)s", {"r": role(name)})
    elif table == "meta":
        assert seen == rows(owner, "meta")
    elif table == "poll_votes":
        assert bool(seen) == (KIND[name] == "clinician")
    else:   # caseload, supervision: only the person's own links (and their clients')
        assert all(role(name) in r or any(c in r for c in readable(name)) for r in seen)


def test_a_client_sees_what_their_partner_shared_and_nothing_else_of_theirs(clinic):
    with connect(clinic, "ann") as conn:
        theirs = [r[0] for r in conn.execute("SELECT data::text FROM entries WHERE client_id = %s", (CLIENT["al"],))]
        assert theirs == ['{"who": "al", "shared": true}']
        assert not list(conn.execute("SELECT 1 FROM clients WHERE client_id <> %s", (CLIENT["ann"],)))
    with connect(clinic, "cat") as conn:
        assert not list(conn.execute("SELECT 1 FROM entries WHERE client_id <> %s", (CLIENT["cat"],)))


def _attempt(conn, sql: str, params: dict | tuple) -> str:
    """"permitted" (it ran, or only a constraint stopped it) or "denied" (privilege, policy, trigger, no row)."""
    try:
        conn.execute("BEGIN")
        cursor = conn.execute(sql, params)
        return "permitted" if cursor.rowcount > 0 else "denied"
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    except psycopg.errors.RestrictViolation:   # the append-only triggers
        return "denied"
    except psycopg.errors.IntegrityError:      # a unique or foreign key: the access itself was allowed
        return "permitted"
    finally:
        conn.execute("ROLLBACK")


def _columns(owner, table: str) -> list[str]:
    return [r[0] for r in owner.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_identity = 'NO' "
        "ORDER BY ordinal_position", (table,))]


def _sample(owner, table: str, client: str) -> dict | None:
    found = owner.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE {OWNER_OF[table]} = %s LIMIT 1",
                          (client,)).fetchone()
    return json.loads(found[0]) if found else None


@pytest.mark.parametrize("table", DATA)
@pytest.mark.parametrize("name", KIND)
def test_writes_are_allowed_only_where_the_person_may_write(clinic, owner, name, table):
    kind, checked = KIND[name], 0
    grants = WRITES[kind]
    columns = _columns(owner, table)
    key = columns[0]
    for client in CLIENT.values():
        row = _sample(owner, table, client)
        if row is None:
            continue
        own = client in writable(name)
        values = {c: row[c] for c in columns}
        for author in ("recorded_by", "cleared_by", "acknowledged_by", "by_actor", "lifted_by"):
            if author in values:
                values[author] = role(name)
        for c, v in values.items():
            if isinstance(v, (dict, list)):
                values[c] = json.dumps(v)
        if table == "entries":   # a well-formed next revision (the database refuses any other)
            values["revision"] = owner.execute("SELECT MAX(revision) + 1 FROM entries WHERE entry_id = %s",
                                               (values["entry_id"],)).fetchone()[0]
        insert = (f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('%(' + c + ')s' for c in columns)})")
        match = " AND ".join(f"{c}::text IS NOT DISTINCT FROM %({c})s::text" for c in columns[:2])
        keyed = {c: json.dumps(v) if isinstance(v, (dict, list)) else v for c, v in row.items()}
        with connect(clinic, name) as conn:
            may_insert = table in grants.get("INSERT", ()) and (own or (table == "clients" and kind == "clinician"))
            assert _attempt(conn, insert, values) == ("permitted" if may_insert else "denied"), (name, table, client)
            may_update = table in grants.get("UPDATE", ()) and own
            assert _attempt(conn, f"UPDATE {table} SET {key} = {key} WHERE {match}", keyed) == (
                "permitted" if may_update else "denied"), (name, table, client, "update")
            assert _attempt(conn, f"DELETE FROM {table} WHERE {match}", keyed) == "denied", (name, table, client)
        checked += 1
    couple_only = table in (*COUPLE_TABLES, "entry_shares", "couple_pauses", "couple_pause_lifts")
    assert checked >= (1 if couple_only else 3), f"{table} has rows of too few clients to test"


@pytest.mark.parametrize("name", KIND)
def test_no_person_can_change_history_drop_a_trigger_or_touch_the_records_of_who_is_who(clinic, owner, name):
    before = {t: rows(owner, t) for t in (*APPEND_ONLY, "people", "caseload", "supervision")}
    with connect(clinic, name) as conn:
        for sql in ("DROP TRIGGER audit_no_update ON audit", "ALTER TABLE entries DISABLE TRIGGER entries_no_update",
                    "ALTER TABLE entries DISABLE ROW LEVEL SECURITY", "DROP POLICY entries_read ON entries",
                    "TRUNCATE audit", "UPDATE audit SET actor = 'x'", "DELETE FROM audit",
                    "UPDATE audit_chain SET hash = repeat('0', 64)", "INSERT INTO audit_chain VALUES (999999, repeat('0', 64))",
                    f"INSERT INTO caseload VALUES ('{role(name)}', '{CLIENT['cat']}', 'now')",
                    f"INSERT INTO supervision VALUES ('{role(name)}', '{role('dan')}', 'now')",
                    f"UPDATE people SET kind = 'clinician' WHERE db_role = '{role(name)}'",
                    "UPDATE meta SET value = '0' WHERE key = 'generation'",
                    f"GRANT securebase_clinician TO {role(name)}"):
            assert _attempt(conn, sql, {}) == "denied", (name, sql)
    assert {t: rows(owner, t) for t in before} == before


def test_audit_rows_carry_the_login_role_whatever_the_row_says_and_the_chain_holds(clinic):
    with connect(clinic, "ann") as conn:
        conn.execute("INSERT INTO audit (at, actor, action, object_type, object_id, client_id, detail) "
                     "VALUES ('2026-01-05T10:00:00', 'sb_bob', 'read', 'page', 'x', %s, '{}')", (CLIENT["ann"],))
        assert [r[0] for r in conn.execute("SELECT actor FROM audit WHERE object_id = 'x'")] == [role("ann")]
    with Store(clinic) as store:
        assert store.verify_audit().intact
    with Store(person_url(clinic, "bob")) as bob, pytest.raises(StoreError, match="Only the store's owner"):
        bob.verify_audit()


def test_a_clinician_cannot_take_another_clinicians_client(clinic, owner):
    with Store(person_url(clinic, "dan")) as dan:
        with pytest.raises(Exception, match="not in your caseload"):
            dan.ensure_client(CLIENT["ann"])
        assert dan.get_client(CLIENT["ann"]) is None
    assert not rows(owner, "caseload", "clinician = %(d)s AND client_id = %(c)s", {"d": role("dan"), "c": CLIENT["ann"]})


def test_a_disabled_person_can_no_longer_log_in(pg_cluster):
    url = pg_cluster.create_database(f"rls_off_{TAG}")
    try:
        with Store(url) as owner:
            owner.add_person(f"zed-{TAG}", "clinician")
            Store(url.replace("postgres@", f"sb_zed_{TAG}@", 1)).close()   # can log in
            assert owner.disable_person(f"zed-{TAG}") and not owner.disable_person(f"zed-{TAG}")
            assert owner.person(f"zed-{TAG}").disabled
        with pytest.raises(Exception, match="Cannot connect to the store"):
            Store(url.replace("postgres@", f"sb_zed_{TAG}@", 1))
    finally:
        pg_cluster.drop_database(f"rls_off_{TAG}")


def test_a_paused_couple_is_paused_for_both_partners_without_naming_whose_entry_was_flagged(clinic, owner):
    from securebase.store import CouplePausedError

    with Store(clinic) as admin:
        dyad = admin.active_dyad(CLIENT["ann"])
        admin.add_entry(CLIENT["al"], data={"who": "al"}, safety_categories=["abuse_danger"], program_id="asb",
                        phase_id="awareness", exercise_id="e", content_version="1", occurred_at="2026-01-06T10:00:00")
    try:
        with Store(person_url(clinic, "ann")) as ann:
            assert ann.couple_paused_since(dyad.dyad_id) is not None
            assert ann.couple_pauses(dyad.dyad_id, open_only=True) == []   # al's pause row: not ann's to read
            own = ann.current_entries(CLIENT["ann"])[0]
            with pytest.raises(CouplePausedError):
                ann.record_share(own, dyad.dyad_id, shared=True)
        with connect(clinic, "ann") as conn:   # and past the application, the database refuses it too
            assert _attempt(conn, "INSERT INTO entry_shares (entry_id, revision, client_id, dyad_id, shared, at) "
                                  "VALUES (%(e)s, %(r)s, %(c)s, %(d)s, 1, 'now')",
                            {"e": own.entry_id, "r": own.revision, "c": CLIENT["ann"], "d": dyad.dyad_id}) == "denied"
            shared = conn.execute("SELECT COUNT(*) FROM entries WHERE client_id = %s", (CLIENT["al"],)).fetchone()[0]
            assert shared == 0   # the partner's view pauses as well
    finally:
        with Store(clinic) as admin:
            admin.lift_couple_pauses(dyad.dyad_id, lifted_by=admin.actor, reason="reviewed with both")


def test_the_attacks_of_the_security_review_are_refused(clinic, owner):
    """Each was found by trying it: a temporary table standing in for the people table; sharing the partner's
    entry on their behalf; a forged revision or head; a chosen audit id or time; holding the write lock for a
    session; pausing someone else's couple."""
    al_entry = owner.execute("SELECT entry_id, MAX(revision) FROM entries WHERE client_id = %s "
                             "GROUP BY entry_id LIMIT 1", (CLIENT["al"],)).fetchone()
    dyad = owner.execute("SELECT dyad_id FROM dyads LIMIT 1").fetchone()[0]
    before = {t: rows(owner, t) for t in ("entries", "entry_heads", "entry_shares", "couple_pauses")}
    with connect(clinic, "ann") as conn:
        try:
            conn.execute("CREATE TEMP TABLE people (name text, db_role text, kind text, client_id text, disabled int)")
        except psycopg.errors.InsufficientPrivilege:
            pass   # no temporary tables at all
        else:
            conn.execute("INSERT INTO people VALUES ('x', session_user, 'client', %s, 0)", (CLIENT["cat"],))
        assert not list(conn.execute("SELECT 1 FROM entries WHERE client_id = %s", (CLIENT["cat"],)))
    with connect(clinic, "ann") as conn:
        for sql, params in (
            ("INSERT INTO entry_shares (entry_id, revision, client_id, dyad_id, shared, at) VALUES (%s, %s, %s, %s, 1, 'x')",
             (al_entry[0], al_entry[1], CLIENT["ann"], dyad)),
            ("INSERT INTO entries SELECT entry_id, %s, %s, program_id, phase_id, exercise_id, content_version, "
             "occurred_at, recorded_at, session_user, deleted, '{}'::jsonb, NULL FROM entries WHERE entry_id = %s LIMIT 1",
             (al_entry[1] + 1, CLIENT["ann"], al_entry[0])),   # a revision of the partner's shared entry, as ann's
            ("UPDATE entry_heads SET deleted = 1, revision = 99 WHERE client_id = %s", (CLIENT["ann"],)),
            ("SELECT pg_advisory_lock(1)", ()),
            ("INSERT INTO couple_pauses SELECT 'p-x', 'D-OTHER1', %s, f.flag_id, 'now' FROM safety_flags f "
             "WHERE f.client_id = %s LIMIT 1", (CLIENT["ann"], CLIENT["ann"])),   # another couple's
            ("INSERT INTO couple_pauses SELECT 'p-y', %s, %s, f.flag_id, 'now' FROM safety_flags f "
             "WHERE f.client_id = %s LIMIT 1", (dyad, CLIENT["ann"], CLIENT["al"])),   # on the partner's flag
        ):
            assert _attempt(conn, sql, params) == "denied", sql
        conn.execute("INSERT INTO audit (audit_id, at, actor, action, object_type, object_id, client_id, detail) "
                     "OVERRIDING SYSTEM VALUE VALUES (9000000000, '1999-01-01', 'sb_bob', 'read', 'page', 'forged', "
                     "%s, '{}')", (CLIENT["ann"],))
        audit_id, at = conn.execute("SELECT audit_id, at FROM audit WHERE object_id = 'forged'").fetchone()
        assert audit_id < 9000000000 and at > "2026"
    assert {t: rows(owner, t) for t in before} == before
    with Store(clinic) as store:
        assert store.verify_audit().intact
        store.ensure_client("C-SPARE1")   # the owner's next write is not blocked


def test_a_client_code_a_clinician_claimed_first_is_not_silently_shared(clinic):
    with Store(person_url(clinic, "dan")) as dan:
        dan.ensure_client("C-CLAIM1")
    with Store(clinic) as admin, pytest.raises(StoreError, match="already in the caseload of dan"):
        admin.add_person(f"zoe-{TAG}", "client", client_id="C-CLAIM1", clinicians=[f"bob-{TAG}"])
