"""A client's page of today (ui/today.py) and the clinician's homework control on the progress page."""

from __future__ import annotations

from datetime import date, timedelta

from securebase import content
from securebase.homework import assign
from securebase.notebook.progress import ProgressWorkbook
from securebase.notebook.today import TodayPage
from securebase.store import Store
from securebase.ui.progress import HomeworkControl
from securebase.ui.today import TodayView

TODAY = date(2026, 11, 4)


def _store(tmp_path) -> Store:
    store = Store(tmp_path / "s.sqlite3")
    store.ensure_client("C-T0DAY1", program_id="sie", start_date=TODAY - timedelta(days=2))
    return store


def test_the_page_shows_todays_practice_first_with_a_link_to_its_workbook(tmp_path):
    store = _store(tmp_path)
    assign(store, content.program("sie"), "C-T0DAY1", "grounding_54321", frequency="twice_daily",
           until=TODAY + timedelta(days=5), today=TODAY)
    view = TodayView(store, "C-T0DAY1", TODAY)
    assert "Grounding" in view.practice.value or "5-4-3-2-1" in view.practice.value
    assert "0 of 2 done today" in view.practice.value
    phase = content.program("sie").find_exercise("grounding_54321")[0]
    assert f"../sie/{phase.number:02d}_{phase.id}.ipynb?client_id=C-T0DAY1" in view.practice.value
    assert view.widget.children.index(view.practice) < view.widget.children.index(view.email)


def test_nothing_set_says_so_and_the_page_names_no_other_client(tmp_path):
    store = _store(tmp_path)
    store.ensure_client("C-OTHER1", program_id="sie")
    view = TodayView(store, "C-T0DAY1", TODAY)
    assert "Nothing is set for today" in view.practice.value and "C-OTHER1" not in view.practice.value


def test_the_calendar_address_is_shown_once_and_stopped_at_once(tmp_path):
    store = _store(tmp_path)
    view = TodayView(store, "C-T0DAY1", TODAY)
    view.calendar.new_feed()
    assert "/services/securebase/calendar/" in view.calendar.message.value and store.open_calendar_feeds("C-T0DAY1") == 1
    view.calendar.revoke()
    assert "Stopped 1" in view.calendar.message.value and store.open_calendar_feeds("C-T0DAY1") == 0


def test_bad_reminder_settings_are_refused_and_nothing_changes(tmp_path):
    store = _store(tmp_path)
    view = TodayView(store, "C-T0DAY1", TODAY)
    view.email.value, view.zone.value = "<b>not mail</b>", "Europe/Paris"
    view.save_reminders()
    assert "not an e-mail address" in view.reminder_message.value and "<b>" not in view.reminder_message.value
    assert store.reminder_settings("C-T0DAY1") is None
    view.email.value = "me@home.example"
    view.save_reminders()
    assert store.reminder_settings("C-T0DAY1").email == "me@home.example"


def test_batch_mode_prints_the_days_practice_without_widgets(tmp_path, capsys):
    store = _store(tmp_path)
    assign(store, content.program("sie"), "C-T0DAY1", "signal_scan", frequency="daily",
           until=TODAY + timedelta(days=5), today=TODAY)
    page = TodayPage(store_path=str(tmp_path / "s.sqlite3"), client_id="C-T0DAY1", mode="batch", today=TODAY)
    assert page.show() is None
    assert "0 of 1 done today" in capsys.readouterr().out


def test_the_clinician_sets_and_ends_homework_on_the_progress_page(tmp_path):
    _store(tmp_path).close()
    pw = ProgressWorkbook("sie", client_id="C-T0DAY1", store_path=str(tmp_path / "s.sqlite3"), today=str(TODAY))
    control = HomeworkControl(pw)
    control.exercise.value, control.frequency.value, control.times.value = "signal_scan", "twice_daily", "07:00"
    control.assign()
    assert "Not set:" in control.message.value and pw.store.assignments("C-T0DAY1") == []   # one time for two
    control.times.value = "07:00,19:30"
    control.assign()
    assert "Set from" in control.message.value and pw.progress["homework"]["assignments"]
    assert control.current.value and not control.end_button.disabled
    control.end()   # today is its last day: it still shows until tomorrow, ending on today
    assert "Ended; its last day is 2026-11-04" in control.message.value
    assert control.current.options[0][0].endswith(f"to {TODAY}")
    control.end()
    assert "already ended" in control.message.value
