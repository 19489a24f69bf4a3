"""The check-in box under the save row, through a real workbook form: a save close to risk is saved and
asks the question with three buttons; each answer does what it says, once; errors are explained and
lose nothing; nothing the client wrote reaches the page unescaped."""

from __future__ import annotations

import pytest

from securebase import content
from securebase.core.errors import StoreError
from securebase.notebook.workbook import Workbook
from securebase.safety.check_in import check_in_for, check_ins
from securebase.safety.flags import flags

ASKS = "I feel hopeless"                           # the check-in tier (see tests/safety/test_check_in.py)
HOSTILE = ASKS + ' <img src=x onerror="alert(1)"><script>alert(2)</script>'
DISCLOSURE = "After the fight I just wanted to kill myself."
ORDINARY = "They were slow to reply and I felt hurt and a bit lonely."
LOC = content.locale("en")


@pytest.fixture
def wb(tmp_path):
    return Workbook("asb", "awareness", client_id="C-9301", store_path=str(tmp_path / "s.sqlite3"))


@pytest.fixture
def form(wb):
    return wb.form("activation_journal")


def type_and_save(form, trigger):
    form.fields["trigger"].control.value = trigger                  # typed, as in the page
    form.fields["response"].set("withdraw")
    form.fields["intensity"].set(6)
    form.save_button.click()


def shown(widget) -> bool:
    return widget.layout.display != "none"


def page_html(form) -> str:
    box = form.check_in
    return " ".join([form.status.value, form.safety.value, form.history.value, box.question.value, box.after.value])


def test_a_save_close_to_risk_is_saved_and_asks_with_three_buttons(wb, form):
    type_and_save(form, ASKS)
    [entry] = wb.store.current_entries("C-9301")
    assert entry.data["trigger"] == ASKS and "Saved" in form.status.value
    box = form.check_in
    assert shown(box.widget) and shown(box.row)
    assert LOC.text("check_in_q_self_harm").replace("'", "&#x27;") in box.question.value
    assert LOC.text("check_in_q_abuse_danger") not in box.question.value
    assert [b.description for b in box.row.children] == ["Yes", "No", "I'd rather not say"]
    assert box.after.value == "" and form.safety.value == ""        # nothing flagged yet, no resources yet
    assert flags(wb.store, "C-9301") == []
    assert not check_in_for(wb.store, entry.entry_id, 1).answered


def test_an_ordinary_save_asks_nothing_and_closes_an_earlier_question(wb, form):
    type_and_save(form, ORDINARY)
    assert not shown(form.check_in.widget)
    type_and_save(form, ASKS)
    assert shown(form.check_in.widget)
    type_and_save(form, ORDINARY)
    assert not shown(form.check_in.widget) and form.check_in.question.value == ""


def test_a_flagged_save_shows_the_resources_and_no_question(wb, form):
    type_and_save(form, DISCLOSURE)
    assert "sb-safety" in form.safety.value and not shown(form.check_in.widget)
    assert check_ins(wb.store, "C-9301") == []


def test_yes_flags_the_entry_and_shows_the_resources(wb, form):
    type_and_save(form, ASKS)
    form.check_in.buttons["yes"].click()
    [entry] = wb.store.current_entries("C-9301")
    [flag] = flags(wb.store, "C-9301")
    assert (flag.entry_id, flag.revision, flag.categories) == (entry.entry_id, 1, ("self_harm",))
    after = form.check_in.after.value
    assert "Thank you for telling us" in after and "sb-safety" in after
    assert check_in_for(wb.store, entry.entry_id, 1).answer == "yes"


def test_rather_not_say_shows_the_resources_without_a_flag(wb, form):
    type_and_save(form, ASKS)
    form.check_in.buttons["rather_not_say"].click()
    after = form.check_in.after.value
    assert "That&#x27;s all right" in after and "sb-safety" in after
    assert flags(wb.store, "C-9301") == []
    assert check_ins(wb.store, "C-9301")[0].answer == "rather_not_say"


def test_rather_not_say_promises_no_marker_and_does_not_repeat_saved(wb, form):
    """Seen in the browser: the resources after "I'd rather not say" said the clinician would see a
    marker (no flag is raised) and said a third time that the entry was saved."""
    type_and_save(form, ASKS)
    form.check_in.buttons["rather_not_say"].click()
    after = form.check_in.after.value
    assert "marker" not in after and "has been saved" not in after
    assert "not watched in real time" in after and "Samaritans" in after


def test_yes_says_once_that_the_clinician_will_see_it(wb, form):
    type_and_save(form, ASKS)
    form.check_in.buttons["yes"].click()
    assert form.check_in.after.value.count("marker") == 1


def test_the_buttons_sit_inside_the_frame_of_the_question(form):
    type_and_save(form, ASKS)
    box = form.check_in
    assert box.widget.layout.border and box.row in box.widget.children     # the frame holds the buttons
    assert "border" not in box.question.value


def test_an_answered_check_in_goes_away_at_the_next_save_attempt(wb, form):
    """Seen in the browser: "Not saved yet" above, and below it the old "Your entry is saved" box."""
    type_and_save(form, ASKS)
    form.check_in.buttons["no"].click()
    form.fields["response_detail"].control.value = "Went for a walk"     # a new entry, incomplete: its save fails
    form.save_button.click()
    assert "Not saved" in form.status.value and not shown(form.check_in.widget)


def test_an_unanswered_check_in_stays_through_a_failed_save(wb, form):
    type_and_save(form, ASKS)
    form.fields["response_detail"].control.value = "Went for a walk"     # a new entry, incomplete: its save fails
    form.save_button.click()
    assert "Not saved" in form.status.value
    assert shown(form.check_in.widget) and shown(form.check_in.row)


def test_no_thanks_the_person_without_resources_or_flag(wb, form):
    type_and_save(form, ASKS)
    form.check_in.buttons["no"].click()
    after = form.check_in.after.value
    assert "Thank you for answering" in after and "sb-safety" not in after
    assert flags(wb.store, "C-9301") == [] and check_ins(wb.store, "C-9301")[0].answer == "no"


@pytest.mark.parametrize("first", ["yes", "no", "rather_not_say"])
def test_the_buttons_go_away_after_one_answer(wb, form, first):
    type_and_save(form, ASKS)
    form.check_in.buttons[first].click()
    assert not shown(form.check_in.row) and shown(form.check_in.widget)   # the reply stays on the page
    after = form.check_in.after.value
    for other in ("yes", "no", "rather_not_say"):
        form.check_in.buttons[other].click()                                 # a stray click changes nothing
    assert form.check_in.after.value == after
    assert [c.answer for c in check_ins(wb.store, "C-9301")] == [first]
    assert len(flags(wb.store, "C-9301")) == (first == "yes")


def test_a_store_error_is_explained_and_nothing_saved_is_lost(wb, form, monkeypatch):
    import securebase.notebook.workbook as workbook

    def busy(*_a, **_k):
        raise StoreError("The workbook store is busy <b>now</b>.")

    monkeypatch.setattr(workbook, "answer_check_in", busy)
    type_and_save(form, ASKS)
    form.check_in.buttons["yes"].click()
    after = form.check_in.after.value
    assert "Your answer could not be saved" in after and "Your entry itself is saved" in after
    assert "store is busy &lt;b&gt;now&lt;/b&gt;" in after and "<b>" not in after and "Traceback" not in after
    assert shown(form.check_in.row)                                          # the person can answer again
    [entry] = wb.store.current_entries("C-9301")
    assert entry.data["trigger"] == ASKS and not check_in_for(wb.store, entry.entry_id, 1).answered
    monkeypatch.undo()
    form.check_in.buttons["yes"].click()                                     # and the answer goes through
    assert len(flags(wb.store, "C-9301")) == 1 and not shown(form.check_in.row)


def test_an_answer_given_elsewhere_first_is_explained(wb, form):
    """Answered in another tab: the store keeps the first answer, the page says so plainly."""
    from securebase.safety.check_in import answer

    type_and_save(form, ASKS)
    [entry] = wb.store.current_entries("C-9301")
    answer(wb.store, entry.entry_id, 1, "no")
    form.check_in.buttons["yes"].click()
    assert "already answered; the first answer is kept" in form.check_in.after.value
    assert flags(wb.store, "C-9301") == []


def test_an_edit_close_to_risk_asks_about_the_new_revision(wb, form):
    type_and_save(form, ORDINARY)
    [entry] = wb.store.current_entries("C-9301")
    form.picker.value = entry.entry_id
    form.edit_button.click()
    form.fields["trigger"].control.value = ASKS
    form.save_button.click()
    assert shown(form.check_in.widget)
    form.check_in.buttons["yes"].click()
    [flag] = flags(wb.store, "C-9301")
    assert (flag.entry_id, flag.revision) == (entry.entry_id, 2)


def test_an_answer_tells_the_workbook_listeners(wb, form):
    calls = []
    wb.on_change(lambda: calls.append(1))
    type_and_save(form, ASKS)
    before = len(calls)
    form.check_in.buttons["yes"].click()
    assert len(calls) == before + 1


def test_client_text_is_escaped_everywhere_on_the_page(wb, form):
    type_and_save(form, HOSTILE)
    assert shown(form.check_in.widget)
    for answer in ("rather_not_say",):
        form.check_in.buttons[answer].click()
    page = page_html(form)
    assert "<img" not in page and "<script" not in page
    assert "&lt;script&gt;" in form.history.value
    assert wb.store.current_entries("C-9301")[0].data["trigger"] == HOSTILE   # saved as written


def test_the_clinicians_flag_panel_says_a_yes_came_from_asking(tmp_path):
    """The flag a "yes" raised is marked as such in the clinician's panel, also when words of a denial
    ("not suicidal") match the screen."""
    from securebase.notebook.progress import ProgressWorkbook
    from securebase.ui.safety import ClearFlagControl

    path = str(tmp_path / "s.db")
    form = Workbook("asb", "awareness", client_id="C-9302", store_path=path).form("activation_journal")
    type_and_save(form, ASKS)
    form.check_in.buttons["yes"].click()
    pw = ProgressWorkbook("asb", client_id="C-9302", store_path=path, output_dir=str(tmp_path / "out"))
    control = ClearFlagControl(pw)
    assert "answered yes when asked directly" in control.list.value
    control.show_words.value = True
    assert "the client answered yes when asked directly" in control.words.value
