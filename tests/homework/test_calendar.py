"""securebase.homework.calendar: the client's private feed, read back with icalendar."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar

from securebase import content
from securebase.homework import HomeworkError, assign
from securebase.homework.calendar import check_time_zone, client_feed, new_feed

DAY1 = date(2026, 11, 2)


def _feed(store, zone="UTC") -> Calendar:
    return Calendar.from_ical(client_feed(store, content.program, "C-1001", default_time_zone=zone,
                                          url="https://clinic.example/hub"))


def _events(cal: Calendar) -> dict[str, object]:
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_each_time_of_day_repeats_in_the_clients_zone_until_the_last_day_with_an_alarm(store, sie, client):
    a = assign(store, sie, "C-1001", "signal_scan", frequency="twice_daily", until=DAY1 + timedelta(days=13),
               today=DAY1, times="07:30,19:00")
    store.set_reminders("C-1001", email=None, time_zone="America/New_York")
    cal = _feed(store)
    events = _events(cal)
    assert set(events) == {f"{a.assignment_id}-1@homework.securebase", f"{a.assignment_id}-2@homework.securebase"}
    morning = events[f"{a.assignment_id}-1@homework.securebase"]
    start = morning.decoded("DTSTART")
    assert start == datetime(2026, 11, 2, 7, 30, tzinfo=ZoneInfo("America/New_York"))
    assert str(start.tzinfo) == "America/New_York"
    rule = morning["RRULE"]
    assert rule["FREQ"] == ["DAILY"]
    assert rule["UNTIL"][0] == datetime(2026, 11, 15, 23, 59, 59, tzinfo=ZoneInfo("America/New_York")).astimezone(timezone.utc)
    assert str(morning["SUMMARY"]) == "Practice: Safety and threat signal scan"
    alarm = morning.walk("VALARM")[0]
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm.decoded("TRIGGER") == timedelta(0)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["America/New_York"]
    assert str(cal["X-WR-TIMEZONE"]) == "America/New_York"


def test_uids_stay_the_same_and_an_ended_assignment_gets_a_new_sequence(store, sie, client):
    a = assign(store, sie, "C-1001", "grounding_54321", frequency="weekly", until=DAY1 + timedelta(days=60), today=DAY1)
    before = _events(_feed(store))
    assert _events(_feed(store)).keys() == before.keys()
    uid = f"{a.assignment_id}-1@homework.securebase"
    assert before[uid]["RRULE"]["FREQ"] == ["WEEKLY"] and before[uid]["SEQUENCE"] == 0
    store.end_homework(a.assignment_id, DAY1 + timedelta(days=20))
    after = _events(_feed(store))[uid]
    assert after["SEQUENCE"] == 1
    assert after["RRULE"]["UNTIL"][0].date() == DAY1 + timedelta(days=20)


def test_the_maintenance_dates_are_in_the_feed_with_stable_uids(store, sie):
    store.ensure_client("C-1001", program_id="sie", start_date=DAY1)
    store.add_entry("C-1001", program_id="sie", phase_id="integration", exercise_id="maintenance_plan",
                    content_version="1", data={"checkin_weekday": "sunday", "appreciation_day": 3},
                    occurred_at=f"{DAY1 + timedelta(days=50)}T10:00:00")
    events = _events(_feed(store, "Europe/London"))
    checkins = sorted(uid for uid in events if uid.startswith("weekly_checkin-"))
    assert checkins and all(uid.endswith("@maintenance.securebase") for uid in checkins)
    first = events[checkins[0]].decoded("DTSTART")
    assert first.weekday() == 6 and first >= DAY1 + timedelta(days=45)


def test_the_feed_names_no_client_and_holds_nothing_they_wrote(store, sie, client):
    assign(store, sie, "C-1001", "signal_scan", frequency="daily", until=DAY1 + timedelta(days=5), today=DAY1)
    store.add_entry("C-1001", program_id="sie", phase_id="awareness", exercise_id="signal_scan", content_version="1",
                    data={"note": "my private words"}, occurred_at=f"{DAY1}T10:00:00")
    text = client_feed(store, content.program, "C-1001", default_time_zone="UTC").decode()
    assert "C-1001" not in text and "private words" not in text and store.actor not in text


def test_a_client_with_nothing_set_has_an_empty_valid_feed(store):
    store.ensure_client("C-1001")
    cal = _feed(store)
    assert cal.walk("VEVENT") == [] and str(cal["PRODID"]).startswith("-//Secure Base")


def test_feed_secrets_are_kept_only_as_hashes_and_revoking_ends_every_address(store, client):
    first, second = new_feed(store, "C-1001"), new_feed(store, "C-1001")
    assert first != second and len(first) >= 40
    assert store.calendar_feed_client(first) == store.calendar_feed_client(second) == "C-1001"
    stored = store._db.execute("SELECT feed_hash FROM calendar_feeds").fetchall()
    assert first not in {r[0] for r in stored} and store.open_calendar_feeds("C-1001") == 2
    assert store.revoke_calendar_feeds("C-1001") == 2
    assert store.calendar_feed_client(first) is None and store.calendar_feed_client(second) is None
    assert store.calendar_feed_client("not-a-secret") is None
    assert store.revoke_calendar_feeds("C-1001") == 0
    details = [r["detail"] for r in store.audit_log(client_id="C-1001")]
    assert not any(first in str(d) for d in details)


def test_a_time_zone_is_checked_with_a_suggestion():
    assert check_time_zone("Europe/Paris") == "Europe/Paris"
    with pytest.raises(HomeworkError, match="Did you mean Europe/Paris"):
        check_time_zone("Paris")
