"""securebase.homework.assignments: setting homework, today's practice, and adherence against what was set."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from securebase.homework import HomeworkError, adherence, assign, todays_practice
from securebase.homework.assignments import assignment_adherence, parse_times
from securebase.store.homework import Assignment

DAY1 = date(2026, 11, 2)   # a Monday


def _entry(store, exercise_id: str, day: date, hour: int = 9, program_id: str = "sie", client: str = "C-1001"):
    phase = "awareness" if exercise_id in ("signal_scan", "insecurity_pattern_journal") else "acceptance"
    return store.add_entry(client, program_id=program_id, phase_id=phase, exercise_id=exercise_id,
                           content_version="1", data={"note": "x"}, occurred_at=f"{day}T{hour:02d}:00:00")


def _assignment(frequency="daily", starts_on=DAY1, until=DAY1 + timedelta(days=13), ended_on=None,
                exercise_id="signal_scan") -> Assignment:
    times = ("08:00", "20:00") if frequency == "twice_daily" else ("09:00",)
    return Assignment("H-1", "C-1001", "sie", exercise_id, frequency, times, starts_on, until, "dr", "2026-11-01T00:00",
                      ended_on, "2026-11-05T00:00" if ended_on else None)


def test_assign_records_a_checked_assignment(store, sie, client):
    a = assign(store, sie, "C-1001", "signal_scan", frequency="twice_daily", until=DAY1 + timedelta(days=20),
               today=DAY1, times="20:00, 7:30")
    assert a.times == ("07:30", "20:00") and a.starts_on == DAY1 and a.assigned_by == store.actor
    assert store.assignments("C-1001") == [a]
    assert [r["action"] for r in store.audit_log(client_id="C-1001")][-1] == "homework_assign"


@pytest.mark.parametrize("kwargs, says", [
    ({"exercise_id": "no_such"}, "has no exercise 'no_such'"),
    ({"frequency": "hourly"}, "not a frequency"),
    ({"until": DAY1 - timedelta(days=1), "starts_on": DAY1}, "before the first"),
    ({"until": DAY1 - timedelta(days=1), "starts_on": DAY1 - timedelta(days=5)}, "already passed"),
    ({"until": DAY1 + timedelta(days=400)}, "366 days at most"),
    ({"times": "25:00"}, "not a time of day"),
    ({"times": "08:00,09:00"}, "needs 1 time(s)"),
])
def test_a_bad_assignment_says_what_to_change_and_nothing_is_saved(store, sie, client, kwargs, says):
    args = {"exercise_id": "signal_scan", "frequency": "daily", "until": DAY1 + timedelta(days=6), **kwargs}
    with pytest.raises(HomeworkError, match=says.replace("(", r"\(").replace(")", r"\)")):
        assign(store, sie, "C-1001", args.pop("exercise_id"), today=DAY1, **args)
    assert store.assignments("C-1001") == []


def test_an_exercise_of_another_program_is_refused(store, asb, client):
    with pytest.raises(HomeworkError, match="follows the program 'sie'"):
        assign(store, asb, "C-1001", "signal_scan", frequency="daily", until=DAY1, today=DAY1)


def test_twice_daily_times_must_differ():
    with pytest.raises(HomeworkError, match="must differ"):
        parse_times("08:00,8:00", "twice_daily")


def test_daily_adherence_caps_each_day_and_counts_today_only_for_what_was_done(store, client):
    a = _assignment("daily")
    for day, times in ((DAY1, 3), (DAY1 + timedelta(days=2), 1)):     # three on day 1 count once
        for _ in range(times):
            _entry(store, "signal_scan", day)
    _entry(store, "grounding_54321", DAY1 + timedelta(days=1))           # another exercise does not count
    entries = store.current_entries("C-1001")
    today = DAY1 + timedelta(days=3)                                     # day 4, nothing done yet today
    result = assignment_adherence(a, entries, today)
    assert (result.done, result.expected) == (2, 3)                      # days 1-3 over; today not yet missed
    _entry(store, "signal_scan", today)
    result = assignment_adherence(a, store.current_entries("C-1001"), today)
    assert (result.done, result.expected) == (3, 4)


def test_twice_daily_counts_two_a_day(store, client):
    a = _assignment("twice_daily")
    _entry(store, "signal_scan", DAY1, 8)
    _entry(store, "signal_scan", DAY1, 20)
    _entry(store, "signal_scan", DAY1 + timedelta(days=1), 8)
    result = assignment_adherence(a, store.current_entries("C-1001"), DAY1 + timedelta(days=2))
    assert (result.done, result.expected) == (3, 4)


def test_weekly_counts_weeks_from_the_first_day(store, client):
    a = _assignment("weekly", starts_on=DAY1 + timedelta(days=2), until=DAY1 + timedelta(days=30))  # Wednesdays on
    _entry(store, "signal_scan", DAY1 + timedelta(days=3))                  # week 1
    _entry(store, "signal_scan", DAY1 + timedelta(days=4))                  # week 1 again: once
    _entry(store, "signal_scan", DAY1 + timedelta(days=1))                  # before it began: not counted
    today = DAY1 + timedelta(days=2 + 14)                                   # first day of week 3
    result = assignment_adherence(a, store.current_entries("C-1001"), today)
    assert (result.done, result.expected) == (1, 2)


def test_an_ended_assignment_stops_counting_and_deleted_entries_do_not_count(store, client):
    a = _assignment("daily", ended_on=DAY1 + timedelta(days=1))
    ref = _entry(store, "signal_scan", DAY1)
    _entry(store, "signal_scan", DAY1 + timedelta(days=5))                 # after it ended
    store.delete_entry(ref.entry_id)
    result = assignment_adherence(a, store.current_entries("C-1001", include_deleted=True), DAY1 + timedelta(days=9))
    assert (result.done, result.expected) == (0, 2)


def test_adherence_overall_is_the_sum_over_assignments_that_began(store, client):
    daily, later = _assignment("daily"), _assignment("weekly", starts_on=DAY1 + timedelta(days=30),
                                                     until=DAY1 + timedelta(days=40))
    _entry(store, "signal_scan", DAY1)
    result = adherence([daily, later], store.current_entries("C-1001"), DAY1 + timedelta(days=2))
    assert (result["done"], result["expected"], result["adherence"]) == (1, 2, 0.5)
    assert [r["assignment_id"] for r in result["assignments"]] == ["H-1"]   # the later one has not begun


def test_todays_practice_lists_what_is_still_to_do_first(store, sie, client):
    scan = assign(store, sie, "C-1001", "signal_scan", frequency="twice_daily", until=DAY1 + timedelta(days=9),
                  today=DAY1)
    journal = assign(store, sie, "C-1001", "insecurity_pattern_journal", frequency="daily",
                     until=DAY1 + timedelta(days=9), today=DAY1, times="07:00")
    assign(store, sie, "C-1001", "grounding_54321", frequency="daily", until=DAY1 + timedelta(days=9),
           today=DAY1, starts_on=DAY1 + timedelta(days=3))                 # not yet begun
    _entry(store, "insecurity_pattern_journal", DAY1)
    _entry(store, "signal_scan", DAY1)
    items = todays_practice(sie, store.assignments("C-1001"), store.current_entries("C-1001"), DAY1)
    assert [i.assignment.assignment_id for i in items] == [scan.assignment_id, journal.assignment_id]
    assert [i.describe() for i in items] == ["1 of 2 done today", "1 of 1 done today"]
    assert items[0].phase_id == "awareness" and not items[0].finished and items[1].finished


def test_ending_an_assignment_is_recorded_and_cannot_be_done_twice(store, sie, client):
    from securebase.core.errors import StoreError

    a = assign(store, sie, "C-1001", "signal_scan", frequency="daily", until=DAY1 + timedelta(days=9), today=DAY1)
    ended = store.end_homework(a.assignment_id, DAY1 + timedelta(days=3))
    assert ended.ended_on == DAY1 + timedelta(days=3) and ended.last_day == DAY1 + timedelta(days=3)
    with pytest.raises(StoreError, match="already ended"):
        store.end_homework(a.assignment_id, DAY1 + timedelta(days=4))
    assert not ended.active_on(DAY1 + timedelta(days=4))
