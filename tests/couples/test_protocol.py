"""The couple's protocol: versions, consent per partner, and the 20-minute timeout floor."""

import json

import pytest

from securebase.couples.dyads import CoupleError
from securebase.core.errors import EntryValidationError
from backends import REFUSED
from securebase.couples.protocol import (
    MIN_TIMEOUT_MINUTES, changed_fields, in_force, propose_version, protocol_exercise, set_consent, status_text,
    versions,
)


def protocol(**changes):
    answers = {
        "signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
        "self_soothing_activities": ["walk", "breathing"],
        "return_commitment": "I'll come and find you at eight and we'll carry on.",
        "reconnection_phrases": ["I'm still with you.", "We'll be all right."],
    }
    answers.update(changes)
    return answers


def test_a_version_is_in_force_only_when_both_consent(store, asb, couple):
    dyad, a, b = couple
    v1 = propose_version(store, asb, a, protocol())
    assert v1.version == 1 and v1.consented(a) and not v1.consented(b)
    assert in_force(store, dyad.dyad_id) is None
    assert status_text(v1, dyad, None) == "Waiting for partner B"
    set_consent(store, b, 1)
    current = in_force(store, dyad.dyad_id)
    assert current.version == 1 and current.agreed(dyad)
    assert status_text(current, dyad, current) == "In force: agreed by both"


def test_a_change_is_a_new_version_and_history_is_kept(store, asb, couple):
    dyad, a, b = couple
    propose_version(store, asb, a, protocol())
    set_consent(store, b, 1)
    v2 = propose_version(store, asb, b, protocol(timeout_minutes=45, signal="🌊", signal_type="emoji"))
    assert v2.version == 2 and v2.proposed_by == b
    assert in_force(store, dyad.dyad_id).version == 1            # v2 waits for A; v1 stays in force
    assert status_text(v2, dyad, in_force(store, dyad.dyad_id)) == "Waiting for partner A"
    set_consent(store, a, 2)
    assert in_force(store, dyad.dyad_id).version == 2
    history = versions(store, dyad.dyad_id)
    assert [v.version for v in history] == [1, 2]
    assert history[0].data["timeout_minutes"] == 30 and history[1].data["signal"] == "🌊"
    assert status_text(history[0], dyad, history[1]) == "Agreed earlier, replaced by a newer agreed version"
    assert changed_fields(protocol_exercise(asb), history[0].data, history[1].data) == [
        "What kind of signal will you use?", "Signal", "Timeout (minutes)"]
    for sql in ("UPDATE protocol_versions SET data = '{}'", "DELETE FROM protocol_versions",
                "UPDATE protocol_consents SET consent = 0", "DELETE FROM protocol_consents"):
        with pytest.raises(REFUSED):
            store._db.execute(sql)


def test_withdrawing_consent_falls_back_to_the_last_agreed_version(store, asb, couple):
    dyad, a, b = couple
    propose_version(store, asb, a, protocol())
    set_consent(store, b, 1)
    propose_version(store, asb, a, protocol(timeout_minutes=25))
    set_consent(store, b, 2)
    set_consent(store, b, 2, consent=False)
    assert in_force(store, dyad.dyad_id).version == 1
    assert [r["action"] for r in store.audit_log(client_id=b) if r["object_type"] == "protocol"] == [
        "protocol_consent", "protocol_consent", "protocol_withdraw"]


def test_consent_to_an_old_or_unknown_version_is_explained(store, asb, couple):
    dyad, a, b = couple
    propose_version(store, asb, a, protocol())
    propose_version(store, asb, a, protocol(timeout_minutes=40))
    set_consent(store, b, 2)
    with pytest.raises(CoupleError, match="Version 1 is older than version 2"):
        set_consent(store, b, 1)
    with pytest.raises(CoupleError, match=r"no version 7 of your protocol \(versions: 1, 2\)"):
        set_consent(store, b, 7)


@pytest.mark.parametrize("minutes", [0, 5, 19])
def test_a_timeout_under_twenty_minutes_is_refused(store, asb, couple, minutes):
    dyad, a, b = couple
    with pytest.raises(EntryValidationError) as info:
        propose_version(store, asb, a, protocol(timeout_minutes=minutes))
    assert "20" in info.value.problems["timeout_minutes"]
    assert versions(store, dyad.dyad_id) == []


def test_the_floor_holds_even_if_the_content_is_loosened(store, asb, couple, monkeypatch):
    dyad, a, b = couple
    exercise = protocol_exercise(asb)
    loose = exercise.model_copy(update={"fields": tuple(
        f.model_copy(update={"min": 1}) if f.id == "timeout_minutes" else f for f in exercise.fields)})
    monkeypatch.setattr("securebase.couples.protocol.protocol_exercise", lambda program: loose)
    with pytest.raises(EntryValidationError, match="at least 20 minutes"):
        propose_version(store, asb, a, protocol(timeout_minutes=10))
    with pytest.raises(REFUSED):     # and the store itself refuses it
        store._db.execute(
            "INSERT INTO protocol_versions (dyad_id, version, data, content_version, proposed_by, proposed_at) "
            "VALUES (?, 1, ?, '1.0', ?, '2026-01-01')",
            (dyad.dyad_id, json.dumps(protocol(timeout_minutes=10)), a),
        )
    assert MIN_TIMEOUT_MINUTES == 20


def test_other_bad_answers_and_no_change_are_explained(store, asb, couple):
    dyad, a, b = couple
    with pytest.raises(EntryValidationError) as info:
        propose_version(store, asb, a, protocol(signal="", reconnection_phrases=[]))
    assert set(info.value.problems) == {"signal", "reconnection_phrases"}
    propose_version(store, asb, a, protocol())
    with pytest.raises(CoupleError, match="same as version 1"):
        propose_version(store, asb, b, protocol())


def test_a_single_client_has_no_protocol(store, asb):
    store.ensure_client("C-2050", program_id="asb")
    with pytest.raises(CoupleError, match="not linked with a partner"):
        propose_version(store, asb, "C-2050", protocol())


def test_batch_safe_repeats(store, asb, couple):
    from securebase.couples.protocol import AlreadyProposed

    dyad, a, b = couple
    propose_version(store, asb, a, protocol(), source_key="k1", proposed_at="2026-04-01T20:00:00")
    with pytest.raises(AlreadyProposed, match="already saved as version 1"):
        propose_version(store, asb, a, protocol(timeout_minutes=99), source_key="k1")
    set_consent(store, b, "latest", at="2026-04-02T09:00:00")
    set_consent(store, b, "latest")                       # the same decision again: nothing is written
    assert [r["action"] for r in store.audit_log(client_id=b) if r["object_type"] == "protocol"] == ["protocol_consent"]
    set_consent(store, b, 1, consent=False)
    set_consent(store, b, 1, consent=False)
    assert in_force(store, dyad.dyad_id) is None
    assert versions(store, dyad.dyad_id)[0].proposed_at == "2026-04-01T20:00:00"


@pytest.mark.parametrize("words, ok", [
    ("I'll come and find you at eight.", True), ("Back in 30 minutes.", True), ("I'll return at 20:30", True),
    ("Give me half an hour.", True), ("I'll be back after an hour.", True),
    ("I'll come back later.", False), ("When I'm ready.", False), ("Soon, I promise.", False),
])
def test_the_return_commitment_must_say_when(store, asb, couple, words, ok):
    dyad, a, b = couple
    if ok:
        assert propose_version(store, asb, a, protocol(return_commitment=words)).version == 1
    else:
        with pytest.raises(EntryValidationError) as info:
            propose_version(store, asb, a, protocol(return_commitment=words))
        assert "Say when you will come back" in info.value.problems["return_commitment"]
