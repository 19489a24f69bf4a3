"""securebase.homework.reminders: one e-mail a day, once practice is due, with no client text (local SMTP)."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from securebase import content
from securebase.homework import HomeworkError, assign
from securebase.homework.reminders import send_reminders, set_reminders
from securebase.safety.mailer import SmtpSettings
from smtp_sink import local_smtp

DAY1 = date(2026, 11, 2)


@pytest.fixture
def sink():
    with local_smtp() as server:
        yield server


def _settings(sink) -> SmtpSettings:
    return SmtpSettings("127.0.0.1", sink.port, "securebase@clinic.example", (), "none")


def _at(hour: int, minute: int = 0, day: date = DAY1) -> datetime:   # UTC
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=timezone.utc)


def _set_up(store, sie, zone="Europe/Berlin"):
    store.ensure_client("C-1001", program_id="sie")
    assign(store, sie, "C-1001", "signal_scan", frequency="twice_daily", until=DAY1 + timedelta(days=9),
           today=DAY1, times="08:00,20:00")
    set_reminders(store, "C-1001", email="ann@home.example", time_zone=zone)


def test_the_reminder_goes_once_the_first_practice_is_due_in_the_clients_zone_and_once_a_day(store, sie, sink):
    _set_up(store, sie)
    send = lambda now: send_reminders(store, _settings(sink), content.program, now=now,  # noqa: E731
                                      sign_in_url="https://clinic.example/hub/login")
    assert send(_at(6, 30)).sent == 0            # 07:30 in Berlin: not due yet
    assert send(_at(7, 5)).sent == 1             # 08:05 in Berlin
    assert send(_at(19, 30)).sent == 0           # the same day: already reminded
    assert send(_at(7, 5, DAY1 + timedelta(days=1))).sent == 1
    assert len(sink.messages) == 2
    sender, rcpt, message = sink.messages[0]
    assert rcpt == ["ann@home.example"] and message["Subject"] == "Your practice for today"
    body = message.get_content()
    assert "https://clinic.example/hub/login" in body
    for private in ("C-1001", "signal", "scan", "Security through", store.actor):
        assert private not in body and private not in message["Subject"]


def test_no_reminder_when_todays_practice_is_done_or_no_address_is_set(store, sie, sink):
    _set_up(store, sie)
    for hour in (8, 9):
        store.add_entry("C-1001", program_id="sie", phase_id="awareness", exercise_id="signal_scan",
                        content_version="1", data={}, occurred_at=f"{DAY1}T0{hour}:00:00")
    assert send_reminders(store, _settings(sink), content.program, now=_at(10)).sent == 0
    set_reminders(store, "C-1001", email="", time_zone="Europe/Berlin")
    assert send_reminders(store, _settings(sink), content.program, now=_at(10, day=DAY1 + timedelta(days=1))).sent == 0
    assert sink.messages == []


def test_a_refused_reminder_is_tried_again_next_time(store, sie, sink):
    _set_up(store, sie)
    sink.refuse = True
    report = send_reminders(store, _settings(sink), content.program, now=_at(9))
    assert (report.sent, report.failed) == (0, 1)
    sink.refuse = False
    assert send_reminders(store, _settings(sink), content.program, now=_at(10)).sent == 1


def test_an_unreachable_server_sends_nothing_and_records_nothing(store, sie):
    _set_up(store, sie)
    closed = SmtpSettings("127.0.0.1", 9, "securebase@clinic.example", (), "none", timeout=2)
    assert send_reminders(store, closed, content.program, now=_at(9)).failed == 1
    assert store.reminders_sent_on(DAY1) == set()


@pytest.mark.parametrize("email, zone, says", [("not-an-address", "UTC", "not an e-mail address"),
                                               ("a@b.example", "Mars/Olympus", "not a time zone")])
def test_bad_reminder_settings_are_refused_and_the_old_ones_kept(store, sie, email, zone, says):
    _set_up(store, sie)
    with pytest.raises(HomeworkError, match=says):
        set_reminders(store, "C-1001", email=email, time_zone=zone)
    assert store.reminder_settings("C-1001").email == "ann@home.example"
