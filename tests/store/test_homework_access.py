"""Who may read and write homework, calendar feeds, reminder settings (store/homework.py) and consent records
(store/consents.py) on a clinic's PostgreSQL store, tried through each person's own login role with plain SQL.

bob is ann's clinician and dan cat's; eve supervises bob; ray is a researcher. Expected, from the issue: a
clinician sets and ends homework for their own caseload only; a client reads theirs and sets no homework,
but makes and revokes their own calendar addresses and sets their own reminders; a supervisor reads their
clinicians' clients and writes nothing; a researcher sees none of it; no one changes or deletes history. A
consent is recorded by the client themselves or by a clinician of their caseload, under their own name.
"""

from __future__ import annotations

import uuid
from datetime import date

import psycopg
import pytest
import sqlalchemy

from securebase.core.errors import StoreError
from securebase.store import Store
from securebase.store import consents
from securebase.store.homework import APPEND_ONLY as HOMEWORK_APPEND_ONLY, TABLES as HOMEWORK_TABLES

TABLES = (*HOMEWORK_TABLES, *consents.TABLES)
APPEND_ONLY = (*HOMEWORK_APPEND_ONLY, *consents.TABLES)

pytestmark = pytest.mark.postgres

TAG = uuid.uuid4().hex[:6]
KIND = {"bob": "clinician", "dan": "clinician", "ann": "client", "cat": "client", "eve": "supervisor",
        "ray": "researcher"}
CLIENT = {"ann": "C-ANN7Q3", "cat": "C-CAT7Q3"}
READS = {"bob": {"ann"}, "dan": {"cat"}, "ann": {"ann"}, "cat": {"cat"}, "eve": {"ann"}, "ray": set()}
WRITES = {"bob": {"ann"}, "dan": {"cat"}, "ann": {"ann"}, "cat": {"cat"}}


def role(name: str) -> str:
    return f"sb_{name}_{TAG}"


@pytest.fixture(scope="module")
def clinic(pg_cluster):
    url = pg_cluster.create_database(f"hw_{TAG}")
    with Store(url) as owner:
        for name in ("bob", "dan"):
            owner.add_person(f"{name}-{TAG}", "clinician")
        owner.add_person(f"ann-{TAG}", "client", client_id=CLIENT["ann"], clinicians=[f"bob-{TAG}"])
        owner.add_person(f"cat-{TAG}", "client", client_id=CLIENT["cat"], clinicians=[f"dan-{TAG}"])
        owner.add_person(f"eve-{TAG}", "supervisor", clinicians=[f"bob-{TAG}"])
        owner.add_person(f"ray-{TAG}", "researcher")
        for client in CLIENT.values():
            a = owner.assign_homework(client, program_id="sie", exercise_id="signal_scan", frequency="daily",
                                      times=("09:00",), starts_on=date(2026, 11, 2), until=date(2026, 12, 2))
            owner.end_homework(a.assignment_id, date(2026, 11, 20))
            owner.add_calendar_feed(client, f"secret-{client}")
            owner.revoke_calendar_feeds(client)
            owner.add_calendar_feed(client, f"second-{client}")
            owner.set_reminders(client, email=f"{client}@home.example", time_zone="UTC")
            owner.reminder_sent(client, date(2026, 11, 3))
            owner.record_consent(client, kind="research", decision="given", text_version="1.0",
                                 decided_at="2026-11-02T10:00:00", via="cli")
    yield url
    pg_cluster.drop_database(f"hw_{TAG}")


def connect(url: str, name: str | None = None) -> psycopg.Connection:
    parsed = sqlalchemy.engine.make_url(url)
    return psycopg.connect(dbname=parsed.database, host=parsed.query["host"],
                           user=role(name) if name else parsed.username, autocommit=True)


def person_url(url: str, name: str) -> str:
    return url.replace("postgres@", f"{role(name)}@", 1)


_CLIENT_OF = {"homework": "client_id", "consents": "client_id", "calendar_feeds": "client_id", "reminder_settings": "client_id",
              "reminders_sent": "client_id",
              "homework_ends": "(SELECT client_id FROM homework h WHERE h.assignment_id = t.assignment_id)",
              "calendar_feed_revocations": "(SELECT client_id FROM calendar_feeds f WHERE f.feed_hash = t.feed_hash)"}


@pytest.mark.parametrize("table", TABLES)
@pytest.mark.parametrize("name", KIND)
def test_each_person_sees_only_their_clients_rows(clinic, name, table):
    with connect(clinic) as owner:
        expected = {r[0] for r in owner.execute(f"SELECT row_to_json(t)::text FROM {table} t WHERE {_CLIENT_OF[table]} "
                                                "= ANY(%s)", ([CLIENT[c] for c in READS[name]],))}
    with connect(clinic, name) as conn:
        if KIND[name] == "researcher":
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(f"SELECT * FROM {table}")
            return
        seen = {r[0] for r in conn.execute(f"SELECT row_to_json(t)::text FROM {table} t")}
    assert seen == expected and expected


def _attempt(conn, sql: str, params) -> str:
    try:
        conn.execute("BEGIN")
        return "permitted" if conn.execute(sql, params).rowcount > 0 else "denied"
    except psycopg.errors.InsufficientPrivilege:
        return "denied"
    except psycopg.errors.IntegrityError:
        return "permitted"
    finally:
        conn.execute("ROLLBACK")


@pytest.mark.parametrize("name", KIND)
@pytest.mark.parametrize("client", CLIENT)
def test_writes_follow_the_role_and_the_caseload(clinic, name, client):
    code, me = CLIENT[client], role(name)
    own = client in WRITES.get(name, ())
    clinician = KIND[name] == "clinician"
    with connect(clinic) as owner:
        assignment = owner.execute("SELECT assignment_id FROM homework WHERE client_id = %s", (code,)).fetchone()[0]
    tries = {
        "assign": ("INSERT INTO homework (assignment_id, client_id, program_id, exercise_id, frequency, times, starts_on, "
                   "until, assigned_by, assigned_at) VALUES (%s, %s, 'sie', 'signal_scan', 'daily', '09:00', '2026-12-01', "
                   "'2026-12-09', %s, 'now')", (f"H-{uuid.uuid4().hex[:8]}", code, me), own and clinician),
        "assign as someone else": ("INSERT INTO homework (assignment_id, client_id, program_id, exercise_id, frequency, "
                                   "times, starts_on, until, assigned_by, assigned_at) VALUES (%s, %s, 'sie', 'x', "
                                   "'daily', '09:00', '2026-12-01', '2026-12-09', 'postgres', 'now')",
                                   (f"H-{uuid.uuid4().hex[:8]}", code), False),
        "end": ("INSERT INTO homework_ends (assignment_id, ended_on, ended_by, ended_at) VALUES (%s, '2026-12-01', %s, "
                "'now')", (assignment, me), own and clinician),   # already ended: the key refuses it, if allowed
        "feed": ("INSERT INTO calendar_feeds (feed_hash, client_id, created_by, created_at) VALUES (%s, %s, %s, 'now')",
                 (uuid.uuid4().hex, code, me), own),
        "reminders": ("UPDATE reminder_settings SET email = NULL, set_by = %s WHERE client_id = %s", (me, code), own),
        "change homework": ("UPDATE homework SET until = '2030-01-01' WHERE client_id = %s", (code,), False),
        "delete feeds": ("DELETE FROM calendar_feeds WHERE client_id = %s", (code,), False),
        "consent": ("INSERT INTO consents (consent_id, client_id, kind, decision, text_version, decided_at, via, "
                    "recorded_by, recorded_at) VALUES (%s, %s, 'research', 'withdrawn', '1.0', 'now', 'workbook', %s, "
                    "'now')", (f"K-{uuid.uuid4().hex[:8]}", code, me), own),
        "consent in someone else's name": ("INSERT INTO consents (consent_id, client_id, kind, decision, text_version, "
                                           "decided_at, via, recorded_by, recorded_at) VALUES (%s, %s, 'research', "
                                           "'given', '1.0', 'now', 'cli', 'postgres', 'now')",
                                           (f"K-{uuid.uuid4().hex[:8]}", code), False),
        "change a consent": ("UPDATE consents SET decision = 'given' WHERE client_id = %s", (code,), False),
        "delete consents": ("DELETE FROM consents WHERE client_id = %s", (code,), False),
        "forge a sent reminder": ("INSERT INTO reminders_sent (client_id, local_day, sent_at) VALUES (%s, '2027-01-01', "
                                  "'now')", (code,), False),
    }
    with connect(clinic, name) as conn:
        for what, (sql, params, allowed) in tries.items():
            assert _attempt(conn, sql, params) == ("permitted" if allowed else "denied"), (name, client, what)


def test_through_the_store_a_client_cannot_set_homework_but_manages_their_own_feed(clinic):
    with Store(person_url(clinic, "ann")) as ann:
        with pytest.raises(StoreError):
            ann.assign_homework(CLIENT["ann"], program_id="sie", exercise_id="signal_scan", frequency="daily",
                                times=("09:00",), starts_on=date(2026, 12, 1), until=date(2026, 12, 9))
        assert ann.revoke_calendar_feeds(CLIENT["ann"]) == 1
        ann.add_calendar_feed(CLIENT["ann"], f"ann-own-{TAG}")
        assert ann.set_reminders(CLIENT["ann"], email=None, time_zone="Europe/Rome").set_by == role("ann")
        assert [a.client_id for a in ann.assignments()] == [CLIENT["ann"]]
    with Store(clinic) as owner:   # the feed server runs as the owner
        assert owner.calendar_feed_client(f"ann-own-{TAG}") == CLIENT["ann"]


def test_the_append_only_tables_are_protected_from_every_group(clinic):
    with connect(clinic) as owner:
        for table in APPEND_ONLY:
            grants = {r[0] for r in owner.execute(
                "SELECT privilege_type FROM information_schema.role_table_grants WHERE table_name = %s AND grantee LIKE "
                "'securebase_%%'", (table,))}
            assert grants & {"UPDATE", "DELETE", "TRUNCATE"} == set(), table
