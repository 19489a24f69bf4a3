"""An abuse-or-danger flag on either partner's entry pauses the couple's joint features until a
clinician lifts the pause with a reason; the partner is never told why."""

import pytest

from securebase.core.errors import CoupleError, NotFoundError
from securebase.couples.dyads import share_entry, shared_by, shared_with, unshare_entry
from securebase.couples.pause import CouplePaused, lift_pause, pause_of, paused_couples
from securebase.couples.protocol import propose_version, set_consent, versions, visible_entries
from securebase.journal.entries import save_entry
from securebase.store import CouplePausedError

PROTOCOL = {
    "signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
    "self_soothing_activities": ["walk"], "return_commitment": "I'll come and find you at eight.",
    "reconnection_phrases": ["I'm still with you."],
}
ORDINARY = {"trigger": "They looked at their phone while I was talking about my day.", "response": "withdraw",
            "intensity": 6}


def flagged_entry(store, client_id, *categories):
    """An entry the screen flagged in ``categories`` (given directly, so the word lists do not matter here)."""
    return store.add_entry(client_id, program_id="asb", phase_id="awareness", exercise_id="activation_journal",
                           content_version="1", data=ORDINARY, occurred_at="2026-03-02T10:00:00",
                           safety_categories=categories)


def actions(store, action):
    return [r for r in store.audit_log() if r["action"] == action]


def test_an_abuse_flag_on_partner_a_pauses_the_couple(store, asb, couple):
    dyad, a, b = couple
    assert pause_of(store, dyad) is None
    saved = save_entry(store, a, asb, "activation_journal",
                       {**ORDINARY, "trigger": "He hit me last night and I am scared of him."})
    assert saved.safety == ("abuse_danger",)
    pause = pause_of(store, dyad)
    assert pause is not None and pause.is_flagged(a) and not pause.is_flagged(b)
    [row] = store.couple_pauses(dyad.dyad_id)
    [flag] = store.flag_rows(a)
    assert row.flag_id == flag[0] and row.client_id == a and row.open
    [audit] = actions(store, "couple_pause")
    assert audit["client_id"] == a and audit["detail"] == {"dyad_id": dyad.dyad_id, "flag_id": flag[0]}
    assert set(paused_couples(store)) == {a, b}


def test_an_abuse_flag_on_partner_b_pauses_the_couple_too(store, couple):
    dyad, a, b = couple
    flagged_entry(store, b, "self_harm", "abuse_danger")
    pause = pause_of(store, dyad)
    assert pause is not None and pause.flagged == {b}


@pytest.mark.parametrize("categories", [("self_harm",), ("harm_to_others",), ("unscreened",), ()])
def test_other_flags_do_not_pause(store, couple, categories):
    dyad, a, b = couple
    flagged_entry(store, a, *categories)
    assert pause_of(store, dyad) is None and store.couple_pauses() == [] and actions(store, "couple_pause") == []


def test_a_client_without_a_couple_is_flagged_but_nothing_is_paused(store):
    store.ensure_client("C-3001", program_id="asb")
    flagged_entry(store, "C-3001", "abuse_danger")
    assert len(store.flag_rows("C-3001")) == 1 and store.couple_pauses() == []


def test_sharing_and_the_partner_view_refuse_with_a_neutral_message(store, couple):
    dyad, a, b = couple
    mine = flagged_entry(store, a)
    theirs = flagged_entry(store, b)
    share_entry(store, a, mine.entry_id)
    share_entry(store, b, theirs.entry_id)
    flagged_entry(store, a, "abuse_danger")

    for client_id, entry_id in ((a, mine.entry_id), (b, theirs.entry_id)):
        with pytest.raises(CouplePaused) as refused:
            share_entry(store, client_id, entry_id)
        message = str(refused.value)
        assert "paused" in message and "clinician" in message
        for word in ("abuse", "danger", "flag", "safety", "harm", "screen", a, b):
            assert word.lower() not in message.lower()
        assert shared_with(store, client_id) == []           # neither partner sees the other's shares
    assert shared_by(store, a) == {mine.entry_id: 1}          # nothing was unshared
    unshare_entry(store, b, theirs.entry_id)                  # taking a share back stays possible
    assert shared_by(store, b) == {}


def test_protocol_proposals_and_consent_refuse_but_withdrawal_is_allowed(store, asb, couple):
    dyad, a, b = couple
    propose_version(store, asb, a, PROTOCOL)
    flagged_entry(store, b, "abuse_danger")
    with pytest.raises(CouplePaused, match="paused"):
        propose_version(store, asb, b, {**PROTOCOL, "timeout_minutes": 40})
    with pytest.raises(CouplePaused, match="paused"):
        set_consent(store, b, 1)
    assert [v.version for v in versions(store, dyad.dyad_id)] == [1]
    assert set_consent(store, a, 1, consent=False).consented(a) is False
    assert visible_entries(store, b) == []                     # A's proposal is not shown to B while paused
    assert [e.entry_id for e in visible_entries(store, a)] == ["protocol-v1"]


def test_the_store_refuses_in_the_transaction_too(store, couple):
    """A share decided just before a pause landed is still refused by the store itself."""
    dyad, a, b = couple
    entry = store.get_entry(flagged_entry(store, a).entry_id)
    flagged_entry(store, b, "abuse_danger")
    with pytest.raises(CouplePausedError):
        store.record_share(entry, dyad.dyad_id, shared=True)
    with pytest.raises(CouplePausedError):
        store.add_protocol_version(dyad.dyad_id, PROTOCOL, content_version="1", proposed_by=a,
                                   proposed_at="2026-03-02T10:00:00", source_key=None, safety_categories=(),
                                   consent=True)
    assert store.shared_revisions(dyad.dyad_id, a) == {} and store.protocol_versions(dyad.dyad_id) == []


def test_lifting_needs_a_reason_is_audited_and_restores_the_features(store, couple):
    dyad, a, b = couple
    mine = flagged_entry(store, a)
    share_entry(store, a, mine.entry_id)
    flagged_entry(store, a, "abuse_danger")
    flagged_entry(store, a, "abuse_danger")                   # two flags: one pause each, lifted together
    for reason in ("", "  ", "ok"):
        with pytest.raises(CoupleError, match="why"):
            lift_pause(store, dyad.dyad_id, reason=reason)
    assert pause_of(store, dyad) is not None and actions(store, "couple_resume") == []
    with pytest.raises(NotFoundError):
        lift_pause(store, "D-NOPE00", reason="seen both separately")

    lifted = lift_pause(store, dyad.dyad_id, reason="  Seen both partners separately; safe to resume.  ",
                        clinician="dr-lee")
    assert len(lifted) == 2 and pause_of(store, dyad) is None
    assert all(p.lifted_by == "dr-lee" and p.reason == "Seen both partners separately; safe to resume."
               for p in store.couple_pauses(dyad.dyad_id))
    audits = actions(store, "couple_resume")
    assert sorted(r["object_id"] for r in audits) == sorted(lifted)
    assert all(r["detail"] == {"dyad_id": dyad.dyad_id, "lifted_by": "dr-lee"} for r in audits)
    assert [e.entry_id for e in shared_with(store, b)] == [mine.entry_id]   # shown again
    assert share_entry(store, b, flagged_entry(store, b).entry_id) == 1
    with pytest.raises(CoupleError, match="not paused"):
        lift_pause(store, dyad.dyad_id, reason="again, by mistake")


def test_a_second_abuse_flag_after_a_lift_pauses_again(store, couple):
    dyad, a, b = couple
    flagged_entry(store, a, "abuse_danger")
    lift_pause(store, dyad.dyad_id, reason="talked with both")
    assert pause_of(store, dyad) is None
    entry = flagged_entry(store, b)
    store.revise_entry(entry.entry_id, data=ORDINARY, safety_categories=("abuse_danger",))   # a revision flags too
    pause = pause_of(store, dyad)
    assert pause is not None and pause.flagged == {b}
    assert [p.open for p in store.couple_pauses(dyad.dyad_id)] == [False, True]


def test_the_pause_commits_with_the_flag_and_the_entry(store, couple, monkeypatch):
    dyad, a, b = couple
    real_flag = type(store)._flag

    def flag_then_fail(self, db, *args):
        real_flag(self, db, *args)
        assert db.execute("SELECT COUNT(*) FROM couple_pauses").fetchone()[0] == 1   # written in the transaction
        raise OSError("disk went away")

    monkeypatch.setattr(type(store), "_flag", flag_then_fail)
    with pytest.raises(OSError):
        flagged_entry(store, a, "abuse_danger")
    monkeypatch.undo()
    assert store.couple_pauses() == [] and store.flag_rows() == [] and store.count_entries(a) == 0

    real_audit = type(store)._audit

    def audit_fails_on_pause(self, db, action, *args):
        if action == "couple_pause":
            raise OSError("disk went away")
        real_audit(self, db, action, *args)

    monkeypatch.setattr(type(store), "_audit", audit_fails_on_pause)
    with pytest.raises(OSError):
        flagged_entry(store, a, "abuse_danger")
    monkeypatch.undo()
    assert store.couple_pauses() == [] and store.flag_rows() == [] and store.count_entries(a) == 0
    assert pause_of(store, dyad) is None


def test_an_ended_couple_is_not_paused(store, couple):
    from securebase.couples.dyads import end_couple

    dyad, a, b = couple
    flagged_entry(store, a, "abuse_danger")
    end_couple(store, dyad.dyad_id)
    assert pause_of(store, store.dyad(dyad.dyad_id)) is None and paused_couples(store) == {}
