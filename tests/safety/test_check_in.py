"""The check-in: a text close to risk but not flagged asks the person directly; the answer is
recorded, a "yes" flags, "I'd rather not say" shows the resources, "no" neither."""

from __future__ import annotations

import re

import pytest

from securebase import content
from securebase.core.errors import NotFoundError, StoreError
from securebase.journal.entries import revise_entry, save_entry
from securebase.safety import check_in
from securebase.safety.categories import CATEGORIES
from securebase.safety.flags import Screening, flags, screen_answers
from securebase.safety.screen import screen_text
from toy_content import edit_yaml

# Texts the current screen puts in the check-in tier (close to risk, not flagged), by category.
CHECK_IN_TEXTS = {
    "self_harm": ["I feel hopeless", "I would never kill myself"],   # (hopelessness, a denial)
    "abuse_danger": ["He has never hit me."],
    "harm_to_others": ["I'm scared of my own anger"],
}
ASKS = CHECK_IN_TEXTS["self_harm"][0]
DISCLOSURE = "After the fight I just wanted to kill myself."
ORDINARY = "They were slow to reply and I felt hurt and a bit lonely."


def journal(trigger, **more):
    return {"trigger": trigger, "response": "withdraw", "intensity": 6, **more}


@pytest.fixture
def activation(asb):
    return asb.find_exercise("activation_journal")[1]


@pytest.mark.parametrize(("category", "text"), [(c, t) for c, ts in CHECK_IN_TEXTS.items() for t in ts])
def test_the_chosen_texts_are_in_the_check_in_tier(category, text):
    """A guard for the tests below: these texts ask, and do not flag."""
    result = screen_text(text)
    assert result.check_in and result.check_in_categories == (category,) and not result.flagged


# ---------------------------------------------------------------- screen_answers


@pytest.mark.parametrize(("category", "text"), [(c, ts[0]) for c, ts in CHECK_IN_TEXTS.items()])
def test_screen_answers_asks_about_a_text_close_to_risk(activation, category, text):
    assert screen_answers(activation, journal(text)) == Screening(flag=(), check_in=(category,))


def test_screen_answers_looks_at_every_free_text_field(activation):
    found = screen_answers(activation, journal(ORDINARY, response_detail=ASKS))
    assert found == Screening((), ("self_harm",))


def test_screen_answers_looks_at_each_item_of_a_list(sie):
    gratitude = sie.find_exercise("gratitude_log")[1]
    assert screen_answers(gratitude, {"items": ["a walk", ASKS]}) == Screening((), ("self_harm",))


def test_ordinary_text_asks_nothing(activation):
    assert screen_answers(activation, journal(ORDINARY)) == Screening()


def test_a_flag_in_one_category_does_not_also_ask_about_it(activation):
    found = screen_answers(activation, journal(DISCLOSURE, response_detail=ASKS))
    assert found == Screening(("self_harm",), ())


def test_flagged_and_asked_categories_are_kept_apart_and_in_order(activation):
    found = screen_answers(activation, journal(CHECK_IN_TEXTS["harm_to_others"][0], response_detail=ASKS,
                                               early_resonance="He said he would hurt me if I leave."))
    assert found.flag == ("abuse_danger",)
    assert found.check_in == ("self_harm", "harm_to_others")


# ---------------------------------------------------------------- saving records the check-in


def test_a_save_close_to_risk_is_saved_and_asks(store, asb):
    store.ensure_client("C-9201", program_id="asb")
    result = save_entry(store, "C-9201", asb, "activation_journal", journal(ASKS))
    assert store.get_entry(result.entry_id).data["trigger"] == ASKS
    assert result.check_in == ("self_harm",) and result.safety == () and not result.flagged
    found = check_in.check_in_for(store, result.entry_id, 1)
    assert found is not None and found.categories == ("self_harm",) and not found.answered
    assert flags(store, "C-9201") == []


def test_an_ordinary_or_flagged_save_does_not_ask(store, asb):
    store.ensure_client("C-9202", program_id="asb")
    plain = save_entry(store, "C-9202", asb, "activation_journal", journal(ORDINARY))
    flagged = save_entry(store, "C-9202", asb, "activation_journal", journal(DISCLOSURE))
    assert plain.check_in == () and flagged.check_in == () and flagged.safety == ("self_harm",)
    assert check_in.check_ins(store, "C-9202") == []


def test_a_revision_close_to_risk_asks_about_that_revision(store, asb):
    store.ensure_client("C-9203", program_id="asb")
    first = save_entry(store, "C-9203", asb, "activation_journal", journal(ORDINARY))
    second = revise_entry(store, asb, first.entry_id, journal(ASKS))
    assert second.revision == 2 and second.check_in == ("self_harm",)
    assert check_in.check_in_for(store, first.entry_id, 1) is None
    assert check_in.check_in_for(store, first.entry_id, 2).categories == ("self_harm",)


# ---------------------------------------------------------------- answering


def _asked(store, asb, client_id, text=ASKS):
    store.ensure_client(client_id, program_id="asb")
    return save_entry(store, client_id, asb, "activation_journal", journal(text))


def test_yes_flags_the_entry_and_shows_the_resources(store, asb):
    saved = _asked(store, asb, "C-9210")
    outcome = check_in.answer(store, saved.entry_id, saved.revision, "yes")
    assert outcome == check_in.Outcome("yes", ("self_harm",), True)
    [flag] = flags(store, "C-9210")
    assert (flag.entry_id, flag.revision, flag.categories, flag.open) == (saved.entry_id, 1, ("self_harm",), True)
    asked = check_in.check_in_for(store, saved.entry_id, 1)
    assert asked.answered and asked.answer == "yes" and asked.answered_at


def test_rather_not_say_shows_the_resources_without_a_flag(store, asb):
    saved = _asked(store, asb, "C-9211")
    assert check_in.answer(store, saved.entry_id, 1, "rather_not_say") == check_in.Outcome("rather_not_say", (), True)
    assert flags(store, "C-9211") == []
    assert check_in.check_in_for(store, saved.entry_id, 1).answer == "rather_not_say"


def test_no_shows_neither(store, asb):
    saved = _asked(store, asb, "C-9212")
    assert check_in.answer(store, saved.entry_id, 1, "no") == check_in.Outcome("no", (), False)
    assert flags(store, "C-9212") == []


def test_a_yes_about_abuse_flags_abuse(store, asb):
    saved = _asked(store, asb, "C-9213", CHECK_IN_TEXTS["abuse_danger"][0])
    assert check_in.answer(store, saved.entry_id, 1, "yes").flagged == ("abuse_danger",)
    assert [f.categories for f in flags(store, "C-9213")] == [("abuse_danger",)]


def test_a_check_in_is_answered_once(store, asb):
    saved = _asked(store, asb, "C-9214")
    check_in.answer(store, saved.entry_id, 1, "no")
    with pytest.raises(StoreError, match="already answered"):
        check_in.answer(store, saved.entry_id, 1, "yes")
    assert flags(store, "C-9214") == [] and check_in.check_in_for(store, saved.entry_id, 1).answer == "no"


def test_answering_where_nothing_was_asked_says_so(store, asb):
    saved = _asked(store, asb, "C-9215", ORDINARY)
    with pytest.raises(NotFoundError, match="no check-in for this entry"):
        check_in.answer(store, saved.entry_id, 1, "yes")
    asked = _asked(store, asb, "C-9215")
    with pytest.raises(NotFoundError):
        check_in.answer(store, asked.entry_id, 2, "yes")               # a revision that was not asked about
    assert flags(store, "C-9215") == []


@pytest.mark.parametrize("reply", ["Yes", "maybe", "", "rather not say"])
def test_a_bad_answer_is_refused_with_the_allowed_ones(store, asb, reply):
    saved = _asked(store, asb, "C-9216")
    with pytest.raises(ValueError, match="yes, no, rather_not_say"):
        check_in.answer(store, saved.entry_id, 1, reply)
    assert not check_in.check_in_for(store, saved.entry_id, 1).answered


# ---------------------------------------------------------------- the questions


def test_each_category_has_its_own_plain_question_without_numbers():
    loc = content.locale("en")
    asked = check_in.questions(CATEGORIES, loc)
    assert asked == [loc.text(f"check_in_q_{c}") for c in CATEGORIES]
    assert len(set(asked)) == len(CATEGORIES)
    for question in asked:
        assert question.endswith("?") and not re.search(r"\d", question) and "_" not in question
    assert check_in.questions(("abuse_danger",), loc) == [loc.text("check_in_q_abuse_danger")]
    assert check_in.questions((), loc) == []


def test_every_check_in_string_is_plain_and_has_no_score():
    loc = content.locale("en")
    keys = ["check_in_intro", *(f"check_in_{a}" for a in check_in.ANSWERS),
            *(f"check_in_after_{a}" for a in check_in.ANSWERS)]
    for key in keys:
        text = loc.text(key)
        assert text.strip() and not re.search(r"\d|%|score|risk level", text, re.I), (key, text)


def test_the_questions_come_from_the_locale(content_copy):
    def reword(data):
        data["strings"]["check_in_q_self_harm"] = "Are you having thoughts of ending your life?"

    edit_yaml(content_copy / "locales" / "en.yaml", reword)
    content.clear_cache()
    assert check_in.questions(("self_harm",), content.locale("en")) == ["Are you having thoughts of ending your life?"]


def test_a_check_in_nobody_answered_reaches_the_clinicians_summary(store, asb):
    from securebase.safety.flags import flag_summary, summary_lines

    store.ensure_client("C-7311", program_id="asb")
    saved = save_entry(store, "C-7311", asb, "activation_journal", journal(ASKS))
    lines = "\n".join(summary_lines(flag_summary(store, "C-7311")))
    assert "Check-ins nobody answered (1)" in lines and "self-harm or suicide" in lines and "Activation journal" in lines
    assert ASKS not in lines and saved.entry_id not in lines                     # never the text, never an id
    check_in.answer(store, saved.entry_id, saved.revision, "no")
    assert "Check-ins nobody answered" not in "\n".join(summary_lines(flag_summary(store, "C-7311")))


# ---------------------------------------------------------------- the couple's protocol and collected workbooks

PROTOCOL = {"signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
            "self_soothing_activities": ["walk"], "return_commitment": "Back at eight.", "reconnection_phrases": ["I'm here."]}


def test_a_protocol_close_to_risk_asks_a_check_in_that_the_answer_finds(store, asb, couple):
    from securebase.couples.protocol import save_protocol
    from securebase.store import protocol_screen_id

    dyad, a, _b = couple
    result = save_protocol(store, asb, a, {**PROTOCOL, "reconnection_phrases": ["I'm here.", ASKS]})
    assert result.check_in == ("self_harm",) and not result.flagged
    assert result.screen_id == protocol_screen_id(dyad.dyad_id, 1) != result.entry_id
    asked = check_in.check_in_for(store, result.screen_id, 1)
    assert asked is not None and asked.client_id == a and not asked.answered
    assert check_in.answer(store, result.screen_id, 1, "yes").flagged == ("self_harm",)
    assert [(f.entry_id, f.categories) for f in flags(store, a)] == [(result.screen_id, ("self_harm",))]


def test_the_protocol_form_asks_the_check_in_and_records_the_answer(tmp_path):
    from securebase.couples.dyads import link_couple
    from securebase.notebook.workbook import Workbook

    wb = Workbook("asb", "co_creation", client_id="C-4101", store_path=str(tmp_path / "s.db"))
    wb.store.ensure_client("C-4102", program_id="asb")
    link_couple(wb.store, "C-4101", "C-4102", program_id="asb")
    wb.exercise("security_protocol")
    form = wb.forms["security_protocol"]
    for field_id, value in {**PROTOCOL, "reconnection_phrases": ["I'm here.", ASKS]}.items():
        form.fields[field_id].set(value)
    form.save_button.click()
    assert form.check_in.widget.layout.display != "none" and "thinking about ending your life" in form.check_in.question.value
    form.check_in.buttons["no"].click()
    assert [row[6] for row in wb.store.check_in_rows("C-4101")] == ["no"] and flags(wb.store, "C-4101") == []


def test_a_collected_workbook_brings_its_check_in_and_the_answer_given_at_home(store, tmp_path):
    from datetime import date

    from securebase.store import Store
    from securebase.workshop.collect import collect
    from securebase.workshop.roster import parse_roster

    sie = content.program("sie")
    roster = parse_roster("participant_id,group,program,language\nP-101,tue,sie,en\nP-102,tue,sie,en\n")
    gratitude = {"items": ["a walk", "my sister called", ASKS]}
    refs = {}
    for pid, reply in (("P-101", "yes"), ("P-102", None)):
        with Store(tmp_path / "back" / "tue" / pid / "securebase.db", actor=pid) as theirs:
            theirs.ensure_client(pid, program_id="sie", start_date=date(2026, 11, 2))
            refs[pid] = save_entry(theirs, pid, sie, "gratitude_log", gratitude, occurred_at="2026-11-03 20:00")
            if reply:
                check_in.answer(theirs, refs[pid].entry_id, 1, reply)
    report = collect(store, roster, tmp_path / "back")
    rows = {row[1]: row for row in store.check_in_rows()}
    assert rows["P-101"][2] == refs["P-101"].entry_id and rows["P-101"][6] == "yes"
    assert rows["P-102"][4] == ("self_harm",) and rows["P-102"][6] is None
    assert [f.client_id for f in flags(store)] == ["P-101"]          # the yes given at home flags here too
    assert [(p.participant_id, p.flagged, p.unanswered) for p in report.participants] == [("P-101", 1, 0), ("P-102", 0, 1)]
    assert any("1 collected revision(s) came close to a safety concern" in line for line in report.lines())
    assert ASKS not in "\n".join(report.lines())
    again = collect(store, roster, tmp_path / "back")          # collecting again adds nothing
    assert len(store.check_in_rows()) == 2 and sum(p.added for p in again.participants) == 0
