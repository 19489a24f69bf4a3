"""A flagged save is still saved, flagged in the same transaction, shown with crisis resources at
once, marked for the clinician, and cleared only by a clinician with a logged reason."""


import pytest
import yaml

from securebase.journal.entries import revise_entry, save_entry
from securebase.core.errors import SecureBaseError
from securebase.safety.flags import clear_flag, flags
from securebase.notebook.workbook import Workbook
from backends import REFUSED

DISCLOSURE = "After the fight I just wanted to kill myself. <b>bold</b>"
ORDINARY = "They were slow to reply and I felt hurt and a bit lonely."


def journal(trigger):
    return {"trigger": trigger, "response": "withdraw", "intensity": 6}


def test_flagged_entry_is_saved_and_flagged(store, asb):
    store.ensure_client("C-8201", program_id="asb")
    ok = save_entry(store, "C-8201", asb, "activation_journal", journal(ORDINARY))
    ref = save_entry(store, "C-8201", asb, "activation_journal", journal(DISCLOSURE))
    assert store.get_entry(ref.entry_id).data["trigger"] == DISCLOSURE          # saved as written
    found = flags(store, "C-8201")
    assert [(f.entry_id, f.revision, f.categories) for f in found] == [(ref.entry_id, 1, ("self_harm",))]
    assert ok.entry_id not in {f.entry_id for f in found}
    audit = [r for r in store.audit_log(client_id="C-8201") if r["action"] == "safety_flag"]
    assert audit[0]["detail"]["categories"] == ["self_harm"] and "kill" not in repr(audit)

    revise_entry(store, asb, ref.entry_id, journal("He said he would hurt me if I leave."))
    assert [f.categories for f in flags(store, "C-8201")] == [("self_harm",), ("abuse_danger",)]


def test_only_a_clinician_reason_clears_a_flag(store, asb):
    store.ensure_client("C-8202", program_id="asb")
    save_entry(store, "C-8202", asb, "activation_journal", journal(DISCLOSURE))
    flag = flags(store, "C-8202", open_only=True)[0]
    with pytest.raises(SecureBaseError, match="Say why the flag is cleared"):
        clear_flag(store, flag.flag_id, reason="  ")
    cleared = clear_flag(store, flag.flag_id, reason="Discussed in session; safety plan agreed.", clinician="dr-k")
    assert not cleared.open and cleared.cleared_by == "dr-k" and cleared.reason.startswith("Discussed")
    assert flags(store, "C-8202", open_only=True) == []
    with pytest.raises(SecureBaseError, match="already cleared"):
        clear_flag(store, flag.flag_id, reason="again")
    for sql in ("DELETE FROM safety_flags", "UPDATE safety_flags SET categories = '[]'",
                "DELETE FROM safety_flag_clears", "UPDATE safety_flag_clears SET reason = 'x'"):
        with pytest.raises(REFUSED):
            store._db.execute(sql)
    assert [r["action"] for r in store.audit_log(client_id="C-8202")][-1] == "safety_clear"


def test_the_form_shows_resources_at_once_and_escapes(tmp_path):
    wb = Workbook("asb", "awareness", client_id="C-8203", store_path=str(tmp_path / "s.db"))
    wb.exercise("activation_journal")
    form = wb.forms["activation_journal"]
    for text, flagged in ((ORDINARY, False), (DISCLOSURE, True)):
        form.fields["trigger"].set(text)
        form.fields["response"].set("withdraw")
        form.fields["intensity"].set(5)
        form.save_button.click()
        assert ("Your clinician will see a marker" in form.safety.value) is flagged
    assert "emergency" in form.safety.value.lower() and "116 123" in form.safety.value
    assert "<b>bold</b>" not in form.history.value and "&lt;b&gt;bold" in form.history.value


def test_batch_shows_resources_in_the_output(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"entries": [
        {"exercise": "activation_journal", "occurred_at": "2026-04-01 20:00", "answers": journal(DISCLOSURE)}]}))
    wb = Workbook("asb", "awareness", client_id="C-8204", store_path=str(tmp_path / "s.db"), mode="batch",
                  answers_path=str(answers))
    text = repr(wb.exercise("activation_journal"))
    assert "1 saved entry was flagged for the clinician (self-harm or suicide)" in text
    assert "999" in text and "116 123" in text


def test_protocol_text_is_screened_too(store, asb, couple):
    from securebase.couples.protocol import propose_version

    dyad, a, b = couple
    propose_version(store, asb, a, {
        "signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
        "self_soothing_activities": ["walk"], "return_commitment": "Back at eight, or I'll end my life.",
        "reconnection_phrases": ["I'm here."]})
    assert [(f.entry_id, f.categories) for f in flags(store, a)] == [(f"protocol:{dyad.dyad_id}:v1", ("self_harm",))]


def test_phase_report_marks_flags_without_the_text(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"entries": [
        {"exercise": "activation_journal", "occurred_at": "2026-04-01 20:00", "answers": journal(DISCLOSURE)}]}))
    wb = Workbook("asb", "awareness", client_id="C-8205", store_path=str(tmp_path / "s.db"), mode="batch",
                  answers_path=str(answers), output_dir=str(tmp_path / "out"))
    wb.summary()
    page = (tmp_path / "out" / "summary.html").read_text()
    assert "Safety flags: 1 open, 0 cleared." in page and "self-harm or suicide" in page
    assert "Crisis resources" in page and "116 123" in page


def test_help_is_in_every_workbook_in_both_modes(tmp_path):
    batch = Workbook("sie", "awareness", client_id="C-8206", store_path=str(tmp_path / "s.db"), mode="batch")
    text = repr(batch.help())
    assert "not for emergencies" in text and "999" in text and "gone on for years" in text
    screen = Workbook("sie", "awareness", client_id="C-8206", store_path=str(tmp_path / "s.db")).help()
    box = screen.children[0]
    answers = [c for c in box.children if hasattr(c, "options")]
    assert len(answers) == 4
    answers[1].value = True                                               # out-of-control moments
    message = box.children[-1].value
    assert "emergency" in message.lower()


def test_a_broken_word_list_still_saves_and_flags_for_review(store, asb, monkeypatch):
    from securebase.safety import screen as safety
    from securebase.core.errors import ContentError

    def broken(text):
        raise ContentError("content/safety/lexicon.yaml", "entries[3]", "not valid")

    monkeypatch.setattr(safety, "screen_text", broken)
    store.ensure_client("C-8207", program_id="asb")
    ref = save_entry(store, "C-8207", asb, "activation_journal", journal(ORDINARY))
    assert store.get_entry(ref.entry_id).data["trigger"] == ORDINARY
    assert [f.categories for f in flags(store, "C-8207")] == [("unscreened",)]


def test_a_save_is_screened_once_and_its_result_carries_what_was_found(store, asb, monkeypatch):
    """One check (validate, derive, screen) per save: the form shows the resources from the save's
    result instead of screening the answers a second time."""
    import securebase.journal.entries as entries
    from securebase.notebook.workbook import Workbook

    calls = []
    real = entries.screen_answers
    monkeypatch.setattr(entries, "screen_answers", lambda ex, answers: calls.append(ex.id) or real(ex, answers))
    store.ensure_client("C-8203", program_id="asb")
    result = save_entry(store, "C-8203", asb, "activation_journal", journal(DISCLOSURE))
    assert calls == ["activation_journal"]
    assert result.flagged and result.safety == ("self_harm",)
    assert result.answers["trigger"] == DISCLOSURE and store.get_entry(result.entry_id).data == result.answers

    wb = Workbook("asb", "awareness", client_id="C-8204", store_path=store.location, mode="interactive")
    form = wb.form("activation_journal")
    form.fields["trigger"].set(DISCLOSURE)
    form.fields["response"].set("withdraw")
    form.fields["intensity"].set(6)
    calls.clear()
    form.save_button.click()
    assert calls == ["activation_journal"]                       # screened once, by the save itself
    assert "sb-safety" in form.safety.value and "kill myself" not in form.safety.value
    assert [f.categories for f in flags(store, "C-8204")] == [("self_harm",)]


def test_the_protocol_and_collected_revisions_go_through_the_same_check(store, asb, couple, monkeypatch):
    import securebase.journal.entries as entries
    from securebase.couples.protocol import save_protocol

    dyad, a, b = couple
    calls = []
    real = entries.screen_answers
    monkeypatch.setattr(entries, "screen_answers", lambda ex, answers: calls.append(ex.id) or real(ex, answers))
    result = save_protocol(store, asb, a, {
        "signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
        "self_soothing_activities": ["walk", "breathing"],
        "return_commitment": "I'll come back at eight, even if part of me wants to kill myself.",
        "reconnection_phrases": ["I'm still with you."],
    })
    assert calls == ["security_protocol"] and result.safety == ("self_harm",)
    assert result.ref.entry_id == "protocol-v1" and result.revision == 1
