"""Widget callbacks tested in plain Python: set .value, call .click()."""

from datetime import date, datetime, timedelta

import ipywidgets as w
import pytest

from securebase import content
from securebase.notebook.workbook import Workbook

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.fixture
def wb(tmp_path):
    return Workbook("sie", "awareness", client_id="C-2001", store_path=str(tmp_path / "s.sqlite3"))


@pytest.fixture
def journal(wb):
    return wb.form("insecurity_pattern_journal")


def fill_journal(form, **overrides):
    values = {
        "trigger": "No reply to my message for two hours",
        "trigger_type": "slow_reply",
        "automatic_thoughts": "They are losing interest",
        "behaviour": "Sent three more messages",
        "intensity": 7,
        **overrides,
    }
    for field_id, value in values.items():
        form.fields[field_id].set(value)
    form.fields["emotions"]._parts["fear"].value = True
    form.fields["body_sensations"]._parts["racing_heart"].value = True


def test_form_is_built_from_content(journal):
    spec = content.program("sie").phase("awareness").exercise("insecurity_pattern_journal")
    assert list(journal.fields) == [f.id for f in spec.fields]
    assert journal.fields["intensity"]._parts[""].options[0] == ("0", 0)
    assert "No entries yet" in journal.history.value


def test_save_writes_to_store_and_history(wb, journal):
    fill_journal(journal)
    journal.occurred_at.value = "2026-03-01 20:15"
    journal.save_button.click()
    assert "Saved" in journal.status.value
    entries = wb.store.current_entries("C-2001")
    assert len(entries) == 1 and entries[0].data["emotions"] == ["fear"]
    assert entries[0].occurred_at == "2026-03-01T20:15:00"
    assert "2026-03-01 20:15" in journal.history.value
    assert journal.fields["trigger"].get() == ""  # the form is cleared for the next entry


def test_a_second_press_of_save_does_not_turn_the_form_red(wb, journal):
    fill_journal(journal)
    journal.save_button.click()
    assert "Saved" in journal.status.value and journal.save_button.disabled    # the saved state is clear
    journal.save_button.click()                                                 # pressed again: nothing happens
    assert "Saved" in journal.status.value and wb.store.count_entries("C-2001") == 1
    assert all(f.error.value == "" for f in journal.fields.values())
    journal.fields["trigger"].control.value = "Another evening"                 # a new answer: Save is back
    assert not journal.save_button.disabled
    journal.save_button.click()                                                 # an incomplete entry: refused, and Save stays on
    assert "Not saved yet" in journal.status.value and not journal.save_button.disabled


def test_invalid_save_shows_inline_messages_and_keeps_answers(wb, journal):
    fill_journal(journal, intensity=None, automatic_thoughts="")
    journal.occurred_at.date.value = date.today() + timedelta(days=3)
    assert journal.occurred_at.date.value == date.today()               # the picker goes no further than today
    assert journal.occurred_at.value <= datetime.now().strftime("%Y-%m-%d %H:%M")   # and today is never ahead
    journal.save_button.click()
    assert "needs an answer" in journal.fields["intensity"].error.value
    assert "needs an answer" in journal.fields["automatic_thoughts"].error.value
    assert "Not saved yet: 2 answer(s)" in journal.status.value
    journal._show_problems({"occurred_at": "23:59 today is in the future; check the date"})
    assert "When did it happen? 23:59 today is in the future" in journal.occurred_error.value
    assert journal.fields["trigger"].get() == "No reply to my message for two hours"
    assert wb.store.count_entries("C-2001") == 0


def test_inline_validation_while_typing(journal):
    journal.fields["trigger"].control.value = "x" * 20_001
    assert "the limit is 20,000" in journal.fields["trigger"].error.value
    journal.fields["trigger"].control.value = "fine now"
    assert journal.fields["trigger"].error.value == ""


def test_a_long_entry_fits_and_a_counter_shows_near_the_limit(journal):
    field = journal.fields["trigger"]
    field.control.value = "A long evening, written out in full. " * 400      # 14,800 characters: room to spare
    assert field.error.value == "" and field.counter.value == ""
    field.control.value = "x" * 17_000
    assert "3,000 characters left" in field.counter.value and field.error.value == ""
    field.control.value = "x" * 20_050
    assert "50 characters over the limit of 20,000" in field.counter.value
    field.control.value = "short again"
    assert field.counter.value == ""


def test_edit_adds_a_revision(wb, journal):
    fill_journal(journal)
    journal.save_button.click()
    entry = wb.store.current_entries("C-2001")[0]
    journal.picker.value = entry.entry_id
    journal.edit_button.click()
    assert journal.fields["trigger"].get() == "No reply to my message for two hours"
    assert journal.save_button.description == "Save changes"
    journal.fields["intensity"].set(4)
    journal.save_button.click()
    assert "revision 2" in journal.status.value
    revisions = wb.store.entry_revisions(entry.entry_id)
    assert [r.data["intensity"] for r in revisions] == [7, 4]
    assert "(2 revisions)" in journal.history.value
    assert journal.save_button.description == "Save entry"


def test_cancel_edit(wb, journal):
    fill_journal(journal)
    journal.save_button.click()
    journal.picker.value = journal.picker.options[0][1]
    journal.edit_button.click()
    journal.cancel_button.click()
    assert journal.editing is None and journal.fields["trigger"].get() == ""


def test_edit_without_selection_says_so(journal):
    journal.edit_button.click()
    assert "Choose an entry" in journal.status.value


def test_delete_needs_confirmation_and_keeps_revisions(wb, journal):
    fill_journal(journal)
    journal.save_button.click()
    entry_id = journal.picker.options[0][1]
    journal.picker.value = entry_id
    journal.delete_button.click()
    assert wb.store.count_entries("C-2001") == 1 and journal.confirm_delete_button.layout.display is None
    journal.confirm_delete_button.click()
    assert wb.store.current_entries("C-2001") == []
    assert len(wb.store.entry_revisions(entry_id)) == 2
    assert "No entries yet" in journal.history.value
    actions = [a["action"] for a in wb.store.audit_log(client_id="C-2001")]
    assert actions.count("delete") == 1


def test_client_text_is_escaped_in_history_and_messages(wb, journal):
    fill_journal(journal, trigger=HOSTILE, behaviour="</script><svg onload=alert(3)>")
    journal.save_button.click()
    html = journal.history.value
    assert "<img" not in html and "<script" not in html and "<svg" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
    journal.fields["intensity"].control.children[0].value = None
    journal.fields["trigger_type"].set(None)
    journal.save_button.click()
    assert "<script" not in journal.status.value


def test_signal_scan_body_map(wb):
    scan = wb.form("signal_scan")
    scan.fields["slot"].set("evening")
    scan.fields["body_signals"]._parts["shoulders"].value = "threat"
    scan.fields["body_signals"]._parts["breathing"].value = "safety"
    scan.fields["felt_safety"].set(5)
    scan.save_button.click()
    saved = wb.store.current_entries("C-2001", exercise_id="signal_scan")[0]
    assert saved.data["body_signals"] == {"breathing": "safety", "shoulders": "threat"}
    assert "Neck and shoulders: Threat signal" in scan.history.value


def test_store_error_is_shown_and_answers_kept(wb, journal, monkeypatch):
    from securebase.core.errors import StoreBusyError

    def busy(*_a, **_k):
        raise StoreBusyError("The workbook store is busy.")

    monkeypatch.setattr(journal.cb, "save", busy)
    fill_journal(journal)
    journal.save_button.click()
    assert "store is busy" in journal.status.value
    assert journal.fields["trigger"].get().startswith("No reply")


def test_entries_survive_a_new_workbook_object(tmp_path):
    """Like a kernel restart: a fresh Workbook on the same store shows the saved entry."""
    path = str(tmp_path / "s.sqlite3")
    first = Workbook("sie", "awareness", client_id="C-2002", store_path=path).form("insecurity_pattern_journal")
    fill_journal(first)
    first.save_button.click()
    second = Workbook("sie", "awareness", client_id="C-2002", store_path=path).form("insecurity_pattern_journal")
    assert len(second.picker.options) == 1 and "No reply to my message" in second.history.value


def test_steps_are_listed_as_text_in_plain_forms_and_paged_in_guided_ones(tmp_path):
    from securebase import content

    rehearsal = content.program("asb").phase("co_creation").exercise("protocol_rehearsal")
    assert rehearsal.steps and not rehearsal.guided
    plain = Workbook("asb", "co_creation", client_id="C-2100", store_path=str(tmp_path / "a.db")).form("protocol_rehearsal")
    header = plain.widget.children[0].value
    assert "<ol><li>" in header and "text=" not in header and rehearsal.steps[0].text[:20] in header
    guided = Workbook("sie", "acceptance", client_id="C-2101", store_path=str(tmp_path / "b.db")).form("acceptance_practice")
    assert "<ol>" not in guided.widget.children[0].value


def test_a_list_still_being_filled_is_not_flagged_until_save(tmp_path):
    wb = Workbook("sie", "values_action", client_id="C-2102", store_path=str(tmp_path / "s.db"))
    form = wb.form("gratitude_log")
    form.fields["items"]._parts["0"].value = "Morning coffee together"
    assert form.fields["items"].error.value == ""
    form.save_button.click()
    assert "needs at least 3 items, but has 1" in form.fields["items"].error.value


def test_the_date_and_time_are_picked_not_typed():
    from datetime import time

    from securebase.ui.when import WhenInput

    loc = content.locale("en")
    when = WhenInput("When did you practise?", loc, today=date(2026, 3, 11))
    assert isinstance(when.date, w.DatePicker) and isinstance(when.time, w.TimePicker)
    assert when.date.description == "When did you practise?" and when.date.max == date(2026, 3, 11)
    assert when.value == ""                                          # empty: the moment of saving
    when.date.value = date(2026, 3, 9)
    assert when.value == "2026-03-09 12:00"                          # a day with no time: midday
    when.time.value = time(18, 30)
    assert when.value == "2026-03-09 18:30"
    when.value = "2026-03-01T20:15:00"                               # an entry as stored, when editing it
    assert (when.date.value, when.time.value) == (date(2026, 3, 1), time(20, 15))
    when.value = ""
    assert when.date.value is None and when.time.value is None


def test_each_exercise_asks_a_question_that_fits_it():
    loc = content.locale("en")
    questions = {e.id: e.when_question(loc) for p in ("sie", "asb") for ph in content.program(p).phases
                 for e in ph.exercises}
    assert questions["insecurity_pattern_journal"] == "When did it happen?"
    assert questions["values_clarification"] == "When did you write this?"
    assert questions["grounding_54321"] == "When did you practise?"
    assert questions["behavioural_experiment"] == "When did you try it?"
    assert questions["daily_checkin"] == "Which day is this check-in for?"
    assert sum(q == "When did it happen?" for q in questions.values()) <= 6   # only for things that happen


def test_today_without_a_time_is_never_in_the_future(monkeypatch):
    from datetime import time

    from securebase.core import clock
    from securebase.ui.when import WhenInput

    when = WhenInput("When did it happen?", content.locale("en"), today=date(2026, 3, 11))
    monkeypatch.setenv(clock.TODAY_ENV, "2026-03-11")                  # pinned: 09:00 on that day
    when.date.value = date(2026, 3, 11)
    assert when.value == "2026-03-11 09:00"                          # before midday: the time now, not 12:00
    when.time.value = time(8, 15)
    assert when.value == "2026-03-11 08:15"
