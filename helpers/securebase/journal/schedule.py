"""Where a client is in a program, and the dates a maintenance plan sets.

Pure functions over dates: the client's start date decides the current phase by the
phase windows in content, unless a clinician has set an override.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Literal

from securebase.content import Phase, Program
from securebase.content.model import WEEKDAYS



def program_day(start: date, today: date) -> int:
    """Day 1 is the start date. Days before the start are 0 or negative."""
    return (today - start).days + 1


def program_unit(program: Program, start: date, today: date) -> int:
    """The day (for day-windowed programs) or week (for week-windowed programs) the client is in."""
    day = program_day(start, today)
    if program.window_unit == "days" or day < 1:
        return day
    return (day - 1) // 7 + 1


def phase_for(program: Program, unit: int) -> Phase:
    """The phase whose window holds ``unit``; before day 1 that is the first phase."""
    if unit < 1:
        return program.phases[0]
    for phase in program.phases:
        if phase.window.contains(unit):
            return phase
    return program.phases[-1]


@dataclass(frozen=True)
class Position:
    phase: Phase
    unit: int                                   # day or week number in the program
    source: Literal["start_date", "override"]  # how the phase was decided
    scheduled_phase: Phase                      # what the start date alone says

    def describe(self, program: Program) -> str:
        unit = "day" if program.window_unit == "days" else "week"
        text = f"{unit.capitalize()} {self.unit} of {program.title}: {self.phase.title}"
        if self.source == "override":
            text += f" (set by the clinician; by date it would be {self.scheduled_phase.title})"
        return text


def current_position(program: Program, start: date, today: date, override: str | None = None) -> Position:
    """The current phase by date, or the clinician's override when one is set for this program."""
    unit = program_unit(program, start, today)
    scheduled = phase_for(program, unit)
    if override:
        return Position(program.phase(override), unit, "override", scheduled)
    return Position(scheduled, unit, "start_date", scheduled)


# ---------------------------------------------------------------- maintenance plan


@dataclass(frozen=True)
class PlannedEvent:
    when: date
    kind: Literal["weekly_checkin", "monthly_appreciation", "quarterly_review"]
    label: str


def _next_weekday(start: date, weekday: int) -> date:
    return start + timedelta(days=(weekday - start.weekday()) % 7)


def _month_day(year: int, month: int, day: int) -> date:
    return date(year, month, min(day, calendar.monthrange(year, month)[1]))


def _add_months(d: date, months: int) -> date:
    index = d.month - 1 + months
    return _month_day(d.year + index // 12, index % 12 + 1, d.day)


def maintenance_events(
    plan: dict[str, Any], *, program_start: date, from_day: int = 46, weeks: int = 26
) -> list[PlannedEvent]:
    """Dates of the weekly check-ins, monthly appreciation dialogues and quarterly reviews.

    Scheduling starts on program day ``from_day`` (the first day of the integration step)
    and runs for ``weeks`` weeks. ``plan`` holds the maintenance-plan answers:
    ``checkin_weekday`` (monday..sunday) and ``appreciation_day`` (1-28).
    """
    begin = program_start + timedelta(days=from_day - 1)
    end = begin + timedelta(weeks=weeks)
    events: list[PlannedEvent] = []
    weekday = WEEKDAYS.index(plan["checkin_weekday"])
    day = _next_weekday(begin, weekday)
    while day < end:
        events.append(PlannedEvent(day, "weekly_checkin", "Weekly security check-in"))
        day += timedelta(weeks=1)
    month_day = int(plan["appreciation_day"])
    day = _month_day(begin.year, begin.month, month_day)
    if day < begin:
        day = _add_months(day, 1)
    while day < end:
        events.append(PlannedEvent(day, "monthly_appreciation", "Relationship appreciation dialogue"))
        day = _month_day(*(_add_months(day, 1).timetuple()[:2]), month_day)
    day = _add_months(begin, 3)
    while day < end:
        events.append(PlannedEvent(day, "quarterly_review", "Quarterly review of your progress"))
        day = _add_months(day, 3)
    return sorted(events, key=lambda e: (e.when, e.kind))


def maintenance_vevents(events: list[PlannedEvent]) -> list[Any]:
    """The events as all-day iCalendar events (``icalendar``), each with a UID made of its kind and date, so a
    calendar that subscribed keeps one copy of each, however often the plan is saved again."""
    from icalendar import Event

    out = []
    for event in events:
        vevent = Event()
        vevent.add("uid", f"{event.kind}-{event.when:%Y%m%d}@maintenance.securebase")
        vevent.add("dtstamp", datetime.combine(event.when, time(0), timezone.utc))
        vevent.add("dtstart", event.when)
        vevent.add("summary", event.label)
        out.append(vevent)
    return out


def to_ics(events: list[PlannedEvent], *, calendar_name: str = "Secure Base maintenance plan") -> str:
    """The events as an iCalendar file (all-day events), for any calendar program."""
    from icalendar import Calendar

    cal = Calendar()
    cal.add("prodid", "-//Secure Base//Maintenance plan//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", calendar_name)
    for vevent in maintenance_vevents(events):
        cal.add_component(vevent)
    return cal.to_ical().decode("utf-8")
