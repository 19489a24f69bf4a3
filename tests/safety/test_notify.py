"""New flags stay a notice for each clinician until they acknowledge it; acknowledging does not clear."""

from __future__ import annotations

import pytest

from securebase.core.errors import NotFoundError, SecureBaseError
from securebase.journal.entries import save_entry
from securebase.safety.flags import clear_flag, flags
from securebase.safety.notify import acknowledge, unacknowledged

DISCLOSURE = "After the fight I just wanted to kill myself."
ORDINARY = "They were slow to reply and I felt hurt."


def journal(text):
    return {"trigger": text, "response": "withdraw", "intensity": 6}


def yes_to_a_check_in(store, client_id, entry_id, revision):
    """What the check-in tier writes when a client answers "yes": the question, the answer, and an
    ordinary flag for the same entry and revision."""
    from securebase.store.records import utc_now

    with store._write() as db:
        db.execute("INSERT INTO safety_check_ins VALUES ('q-1', ?, ?, ?, '[\"self_harm\"]', ?)",
                   (client_id, entry_id, revision, utc_now()))
        db.execute("INSERT INTO safety_check_in_answers VALUES ('q-1', 'yes', ?)", (utc_now(),))
        store._flag(db, client_id, entry_id, revision, ("self_harm",), utc_now())


def test_every_new_flag_is_a_notice_until_acknowledged(store, asb):
    store.ensure_client("C-8501", program_id="asb")
    save_entry(store, "C-8501", asb, "activation_journal", journal(DISCLOSURE), occurred_at="2026-03-01 20:00")
    quiet = save_entry(store, "C-8501", asb, "activation_journal", journal(ORDINARY))
    assert unacknowledged(store) != [] and len(unacknowledged(store)) == 1
    yes_to_a_check_in(store, "C-8501", quiet.entry_id, 1)
    notices = unacknowledged(store)
    assert len(notices) == 2
    newest, first = notices                                          # newest first
    assert newest.check_in and not first.check_in
    assert first.client_id == "C-8501" and first.categories == "self-harm or suicide"
    assert first.exercise == newest.exercise == "Activation journal"       # the exercise title from content
    for notice in notices:
        line = notice.line()
        assert "C-8501" in line and "self-harm or suicide" in line and notice.flagged_at[:10] in line
        assert "kill" not in line and notice.flag_id not in line
    assert "answered yes when asked directly" in newest.line()

    acknowledge(store, first.flag_id)
    assert [n.flag_id for n in unacknowledged(store)] == [newest.flag_id]
    assert len(unacknowledged(store, "another-clinician")) == 2     # each clinician acknowledges for themselves
    assert len(flags(store, "C-8501", open_only=True)) == 2         # still open: acknowledging is not clearing
    audit = [r for r in store.audit_log(client_id="C-8501") if r["action"] == "safety_ack"]
    assert [r["object_id"] for r in audit] == [first.flag_id] and audit[0]["actor"] == "test-clinician"


def test_a_cleared_flag_is_no_longer_a_notice(store, asb):
    store.ensure_client("C-8502", program_id="asb")
    save_entry(store, "C-8502", asb, "activation_journal", journal(DISCLOSURE))
    flag = flags(store, "C-8502")[0]
    clear_flag(store, flag.flag_id, reason="Seen the same day; safety plan agreed.")
    assert unacknowledged(store) == []
    with pytest.raises(SecureBaseError, match="already cleared"):
        acknowledge(store, flag.flag_id)


def test_acknowledging_twice_or_an_unknown_flag_says_what_is_wrong(store, asb):
    store.ensure_client("C-8503", program_id="asb")
    save_entry(store, "C-8503", asb, "activation_journal", journal(DISCLOSURE))
    flag = flags(store, "C-8503")[0]
    assert acknowledge(store, flag.flag_id[:8], clinician="dr-k").flag_id == flag.flag_id   # a prefix is enough
    with pytest.raises(SecureBaseError, match="already acknowledged"):
        acknowledge(store, flag.flag_id, clinician="dr-k")
    with pytest.raises(NotFoundError, match="no safety flag"):
        acknowledge(store, "ffffffffffff")
    with pytest.raises(NotFoundError):
        acknowledge(store, "")
