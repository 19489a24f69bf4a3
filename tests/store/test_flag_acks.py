"""The store's acknowledgement and notification logs: append-only, audited with ids only, once per
clinician (acks) and once per flag, channel and recipient (notifications)."""

from __future__ import annotations


import pytest

from securebase.journal.entries import save_entry
from securebase.safety.flags import flags
from backends import REFUSED

DISCLOSURE = "After the fight I just wanted to kill myself."


def _flag(store, asb, client_id="C-8401"):
    store.ensure_client(client_id, program_id="asb")
    save_entry(store, client_id, asb, "activation_journal", {"trigger": DISCLOSURE, "response": "withdraw",
                                                             "intensity": 7})
    return flags(store, client_id)[-1]


def test_an_acknowledgement_is_kept_once_per_clinician_and_audited(store, asb):
    flag = _flag(store, asb)
    assert store.flag_acks() == []
    assert store.ack_flag_row(flag.flag_id, flag.client_id, acknowledged_by="dr-a") is True
    assert store.ack_flag_row(flag.flag_id, flag.client_id, acknowledged_by="dr-a") is False     # already seen
    assert store.ack_flag_row(flag.flag_id, flag.client_id, acknowledged_by="dr-b") is True
    rows = store.flag_acks(flag.flag_id)
    assert [(r[0], r[1]) for r in rows] == [(flag.flag_id, "dr-a"), (flag.flag_id, "dr-b")] and all(r[2] for r in rows)
    audit = [r for r in store.audit_log(client_id=flag.client_id) if r["action"] == "safety_ack"]
    assert len(audit) == 2 and audit[0]["object_id"] == flag.flag_id and "kill" not in repr(audit)
    assert flags(store, flag.client_id, open_only=True) == [flag]            # acknowledging does not clear
    for sql in ("DELETE FROM safety_flag_acks", "UPDATE safety_flag_acks SET acknowledged_by = 'x'"):
        with pytest.raises(REFUSED):
            store._db.execute(sql)


def test_an_acknowledgement_needs_a_real_flag(store):
    store.ensure_client("C-8402", program_id="asb")
    with pytest.raises(REFUSED):
        store.ack_flag_row("no-such-flag", "C-8402", acknowledged_by="dr-a")
    assert store.flag_acks() == []


def test_notifications_are_logged_once_per_recipient_and_audited_with_ids_only(store, asb):
    flag = _flag(store, asb, "C-8403")
    assert store.notifications_sent("email") == set()
    assert store.record_notification(flag.flag_id, flag.client_id, channel="email", recipient="a@clinic.example")
    assert not store.record_notification(flag.flag_id, flag.client_id, channel="email", recipient="a@clinic.example")
    assert store.notifications_sent("email") == {(flag.flag_id, "a@clinic.example")}
    assert store.notifications_sent("sms") == set()
    audit = [r for r in store.audit_log(client_id="C-8403") if r["action"] == "notify"]
    assert len(audit) == 1 and audit[0]["detail"] == {"channel": "email"}
    with pytest.raises(REFUSED):
        store._db.execute("DELETE FROM notifications_sent")


def test_yes_check_ins_are_found_by_entry_and_revision(store, asb):
    flag = _flag(store, asb, "C-8404")
    with store._write() as db:
        for check_in_id, answer, revision in (("q1", "yes", flag.revision), ("q2", "no", 7)):
            db.execute("INSERT INTO safety_check_ins VALUES (?, ?, ?, ?, '[\"self_harm\"]', '2026-03-01T10:00:00')",
                       (check_in_id, "C-8404", flag.entry_id, revision))
            db.execute("INSERT INTO safety_check_in_answers VALUES (?, ?, '2026-03-01T10:01:00')", (check_in_id, answer))
    assert store.yes_check_in_revisions() == {(flag.entry_id, flag.revision)}
