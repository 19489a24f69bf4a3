"""Erasing a client: every row of theirs goes in one transaction, nothing of it stays in the store's files, the
partner keeps their own record, the audit chain stays whole with the client's id redacted, and append-only
protections are back afterwards. Retention: the clients archived long ago, listed, then erased."""

from __future__ import annotations

import json
import sqlite3
from datetime import date

import pytest

from securebase import cli, content
from securebase.core.errors import NotFoundError, StoreError
from securebase.couples.dyads import link_couple, share_entry
from securebase.couples.protocol import propose_version
from securebase.intake import consent
from securebase.journal.entries import save_entry
from securebase.store import Store

GONE, PARTNER, OTHER = "C-GQ7ZW2", "C-PQ7ZW3", "C-OQ7ZW4"
MARK = "XMARKERASE"
JOURNAL = {"trigger": "They read my message and did not reply.", "response": "withdraw", "intensity": 6}
PROTOCOL = {"signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
            "self_soothing_activities": ["walk"], "return_commitment": f"{MARK} back at eight",
            "reconnection_phrases": ["still here"]}


@pytest.fixture
def clinic(store):
    asb = content.program("asb")
    for code in (GONE, PARTNER, OTHER):
        store.ensure_client(code, program_id="asb", start_date=date(2026, 3, 2))
        consent.record(store, code, "research", "give", via="cli")
    dyad = link_couple(store, GONE, PARTNER)
    mine = save_entry(store, GONE, asb, "activation_journal", {**JOURNAL, "trigger": f"{MARK} mine, first words"},
                      occurred_at="2026-03-03 10:00")
    store.revise_entry(mine.entry_id, data={**JOURNAL, "trigger": f"{MARK} mine, revised", "intensity": 7})
    share_entry(store, GONE, mine.entry_id)
    theirs = save_entry(store, PARTNER, asb, "activation_journal", JOURNAL, occurred_at="2026-03-03 11:00")
    share_entry(store, PARTNER, theirs.entry_id)
    propose_version(store, asb, GONE, PROTOCOL)
    save_entry(store, GONE, asb, "activation_journal", {**JOURNAL, "trigger": f"{MARK} he hit me and I am scared"},
               occurred_at="2026-03-04 10:00")                         # flagged, and pauses the couple
    save_entry(store, OTHER, asb, "activation_journal", JOURNAL, occurred_at="2026-03-03 12:00")
    a = store.assign_homework(GONE, program_id="asb", exercise_id="activation_journal", frequency="daily",
                              times=("09:00",), starts_on=date(2026, 3, 2), until=date(2026, 4, 2))
    store.end_homework(a.assignment_id, date(2026, 3, 20))
    store.add_calendar_feed(GONE, "secret-feed")
    store.revoke_calendar_feeds(GONE)
    store.set_reminders(GONE, email="gone@home.example", time_zone="UTC")
    store.reminder_sent(GONE, date(2026, 3, 3))
    store.add_group_member("tue", GONE)
    store.set_archived(GONE, True)
    store.record_export(what="research_export", client_ids=[GONE, PARTNER, OTHER])
    return store, dyad


def _rows_naming(store, value: str) -> dict[str, int]:
    """Every table's rows that hold ``value`` anywhere, read as the owner."""
    found = {}
    if store.path is not None:
        con = sqlite3.connect(store.path)
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for table in tables:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
            n = con.execute(f"SELECT count(*) FROM {table} WHERE " + " OR ".join(f"CAST({c} AS TEXT) LIKE ?" for c in cols),
                            [f"%{value}%"] * len(cols)).fetchone()[0]
            if n:
                found[table] = n
        con.close()
        return found
    for (table,) in store._db.execute("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").fetchall():
        n = store._db.execute(f"SELECT count(*) FROM {table} t WHERE row_to_json(t)::text LIKE ?", (f"%{value}%",)).scalar_one()
        if n:
            found[table] = n
    return found


def test_everything_of_the_client_goes_and_the_partner_keeps_their_own(clinic):
    store, dyad = clinic
    before = _rows_naming(store, GONE)
    assert {"entries", "dyads", "safety_flags", "homework", "consents", "audit"} <= set(before)
    report = store.erase_client(GONE, reason="the client asked, letter of 2026-12-01")
    assert report.partner_left and report.audit_rows_redacted > 10
    assert report.rows_removed["entries"] == 3 and report.rows_removed["dyads"] == 1
    assert _rows_naming(store, GONE) == {}                               # not one row names them
    assert store.get_client(GONE) is None
    with pytest.raises(NotFoundError):
        store.require_client(GONE)
    # the partner keeps their own record and entry; their share into the couple and the couple are gone
    assert store.get_client(PARTNER) is not None and len(store.current_entries(PARTNER)) == 1
    assert _rows_naming(store, dyad.dyad_id) == {} or set(_rows_naming(store, dyad.dyad_id)) <= {"audit"}
    assert store.get_client(OTHER) is not None and len(store.current_entries(OTHER)) == 1
    # the audit: whole, and one row says an erasure happened, without the client
    assert store.verify_audit().intact
    (erase,) = [r for r in store.audit_log() if r["action"] == "erase"]
    assert erase["client_id"] is None and GONE not in json.dumps(erase)
    assert erase["detail"]["reason"] == "the client asked, letter of 2026-12-01"
    # append-only is the rule again
    with pytest.raises(Exception, match="append-only|refused"):
        with store._write() as db:
            db.execute("DELETE FROM entries WHERE client_id = ?", (OTHER,))
    assert len(store.current_entries(OTHER)) == 1


@pytest.mark.sqlite_only
def test_nothing_of_the_client_is_left_in_the_files(clinic):
    store, _ = clinic
    path = store.path
    store.erase_client(GONE, reason="request")
    store.close()
    for file in path.parent.iterdir():
        if file.name.startswith(path.name):
            raw = file.read_bytes()
            assert GONE.encode() not in raw and MARK.encode() not in raw and b"gone@home" not in raw, file.name
    with Store(path) as again:                                        # opens: every protection is in place
        assert again.verify_audit().intact and again.get_client(PARTNER) is not None


@pytest.mark.parametrize("reason, message", [("", "Give the reason"), ("x" * 501, "keep it under 500"),
                                             (f"asked by {GONE}", "must not name the client's code")])
def test_a_bad_reason_erases_nothing(clinic, reason, message):
    store, _ = clinic
    with pytest.raises(StoreError, match=message):
        store.erase_client(GONE, reason=reason)
    assert store.get_client(GONE) is not None


def test_an_unknown_client(store):
    with pytest.raises(NotFoundError, match="nothing was erased"):
        store.erase_client("C-NOPE22", reason="request")


@pytest.mark.sqlite_only
def test_retention_lists_then_erases_the_clients_closed_long_ago(clinic, capsys, monkeypatch):
    store, _ = clinic
    con = sqlite3.connect(store.path)                                 # archived in 2018 (a record of then)
    con.execute("INSERT INTO client_archive (client_id, archived, at, by_actor) VALUES (?, 1, "
                "'2018-01-05T10:00:00+00:00', 'clinician')", (OTHER,))
    con.commit()
    con.close()
    args = ["--store", str(store.path)]
    assert cli.main(["retention", *args]) == 2
    assert "--years N or SECUREBASE_RETENTION_YEARS=N" in capsys.readouterr().err
    monkeypatch.setenv("SECUREBASE_RETENTION_YEARS", "7")
    assert cli.main(["retention", *args]) == 0
    out = capsys.readouterr().out
    assert f"{OTHER}  archived 2018-01-05" in out and GONE not in out and "a dry run" in out
    assert store.get_client(OTHER) is not None
    assert cli.main(["retention", "--apply", "--reason", "retention rule of the clinic", *args]) == 0
    assert "1 client(s) erased" in capsys.readouterr().out
    assert store.get_client(OTHER) is None and store.get_client(GONE) is not None
    assert cli.main(["erase-client", GONE, "--reason", "request of 2026-12-01", *args]) == 0
    assert "Backups made before this still hold the client" in capsys.readouterr().out


@pytest.mark.postgres
def test_on_a_clinic_store_only_the_owner_erases(pg_url):
    import uuid

    from securebase.store.access_pg import role_name

    tag = uuid.uuid4().hex[:6]
    with Store(pg_url) as owner:
        owner.add_person(f"bob-{tag}", "clinician")
        owner.add_person(f"ann-{tag}", "client", client_id=GONE, clinicians=[f"bob-{tag}"])
        with pytest.raises(StoreError, match="still has a sign-in"):      # the client can still sign in
            owner.erase_client(GONE, reason="request")
    with Store(pg_url.replace("postgres@", f"{role_name(f'bob-{tag}')}@", 1)) as bob:
        with pytest.raises(StoreError, match="Only the store's owner"):
            bob.erase_client(GONE, reason="request")
    with Store(pg_url) as owner:
        assert owner.get_client(GONE) is not None
        owner.disable_person(f"ann-{tag}")
        assert owner.erase_client(GONE, reason="request").rows_removed["clients"] == 1


def test_only_the_erased_id_is_redacted_and_a_redacted_row_cannot_be_edited_unseen(store):
    longer = GONE + "K"                                               # another client whose code begins the same
    for code in (GONE, longer):
        store.ensure_client(code, program_id="sie")
    store.record_export(what="research_export", client_ids=[GONE, longer])
    store.erase_client(GONE, reason="request")
    (export,) = [r for r in store.audit_log() if r["action"] == "export"]
    assert export["detail"]["clients"] == ["[erased]", longer]
    assert store.get_client(longer) is not None and store.verify_audit().intact
    if store.path is None:
        return
    con = sqlite3.connect(store.path)                                 # someone edits the redacted row later
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET detail = '{\"clients\": [\"[erased]\"]}' WHERE audit_id = ?", (export["audit_id"],))
    con.commit()
    con.close()
    report = store.verify_audit()
    assert not report.intact and report.first_break == export["audit_id"]
