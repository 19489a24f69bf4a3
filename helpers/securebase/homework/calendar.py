"""The client's private calendar feed: their assignments and maintenance dates as iCalendar (``icalendar``).

* **One repeating event per time of day** of an assignment, in the client's time zone (with its
  ``VTIMEZONE``), repeating daily or weekly until the assignment's last day, with an alarm when it is due.
* **UIDs stay the same** (the assignment's id and the time's number; a maintenance date's kind and day), so
  a calendar that subscribed updates its copy: an assignment that is ended keeps its UID, gets a new
  ``SEQUENCE`` and stops repeating after its last day.
* **Subscribable by a secret address** (:func:`new_feed`): the secret is shown once, the store keeps only its
  hash, and :meth:`~securebase.store.Store.revoke_calendar_feeds` ends every address of the client at once.
* **What it says**: the exercise's title and how often, from the program's content; nothing the client
  wrote, no client code, no clinician's name.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from securebase.content import Program
from securebase.homework.assignments import FREQUENCY_WORDS, HomeworkError
from securebase.journal import schedule
from securebase.store import Assignment, Store

FEED_NAME = "Secure Base practice"
PRACTICE_MINUTES = 15
REFRESH = timedelta(hours=6)      # how often a calendar program should fetch the feed again (x-published-ttl too)
SECRET_BYTES = 32
MAINTENANCE = "maintenance_schedule"


def check_time_zone(name: str) -> str:
    """An IANA time zone name (``Europe/Berlin``), or a message saying how to write one."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        near = sorted(z for z in available_timezones() if name and name.split("/")[-1].lower() in z.lower())[:3]
        hint = f" Did you mean {', '.join(near)}?" if near else ""
        raise HomeworkError(f"{name!r} is not a time zone: give its name, for example Europe/London or "
                            f"America/New_York.{hint}") from None
    return name


def new_feed(store: Store, client_id: str) -> str:
    """A new secret for the client's feed (record its hash; show the secret once)."""
    secret = secrets.token_urlsafe(SECRET_BYTES)
    store.add_calendar_feed(client_id, secret)
    return secret


def _stamp(at: str) -> datetime:
    return datetime.fromisoformat(at).astimezone(timezone.utc).replace(microsecond=0)


def _assignment_events(program: Program, a: Assignment, zone: ZoneInfo, url: str | None) -> list:
    from icalendar import Alarm, Event

    try:
        title = program.find_exercise(a.exercise_id)[1].title
    except KeyError:
        title = "Practice"
    last = a.last_day
    until = datetime.combine(last, time(23, 59, 59), zone).astimezone(timezone.utc)
    out = []
    for number, at in enumerate(a.times, start=1):
        hour, minute = map(int, at.split(":"))
        event = Event()
        event.add("uid", f"{a.assignment_id}-{number}@homework.securebase")
        event.add("dtstamp", _stamp(a.ended_at or a.assigned_at))
        event.add("last-modified", _stamp(a.ended_at or a.assigned_at))
        event.add("sequence", 1 if a.ended_on else 0)
        event.add("dtstart", datetime.combine(a.starts_on, time(hour, minute), zone))
        event.add("duration", timedelta(minutes=PRACTICE_MINUTES))
        if last < a.starts_on:   # ended before its first day
            event.add("status", "CANCELLED")
        else:
            event.add("rrule", {"freq": "weekly" if a.frequency == "weekly" else "daily", "until": until})
        event.add("summary", f"Practice: {title}")
        event.add("description", f"Set by your clinician, {FREQUENCY_WORDS[a.frequency]} until {last:%d %B %Y}. "
                                 "Open Secure Base to do it.")
        if url:
            event.add("url", url)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", f"Time for your practice: {title}")
        alarm.add("trigger", timedelta(0))
        event.add_component(alarm)
        out.append(event)
    return out


def maintenance_dates(program: Program, store: Store, client_id: str) -> list[schedule.PlannedEvent]:
    """The dates the client's latest maintenance plan sets (none without a plan or a start date)."""
    client = store.get_client(client_id)
    exercises = program.exercises_with(MAINTENANCE)
    if client is None or client.start_date is None or not exercises:
        return []
    plans = [e for e in store.current_entries(client_id, exercise_id=exercises[0].id, program_id=program.id)
             if not e.deleted]
    return schedule.maintenance_events(plans[-1].data, program_start=client.start_date) if plans else []


def feed_calendar(program: Program | None, assignments: Sequence[Assignment], maintenance: Sequence[schedule.PlannedEvent],
                  time_zone: str, *, url: str | None = None) -> bytes:
    """The feed as iCalendar bytes."""
    from icalendar import Calendar

    zone = ZoneInfo(check_time_zone(time_zone))
    cal = Calendar()
    cal.add("prodid", "-//Secure Base//Homework//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", FEED_NAME)
    cal.add("x-wr-timezone", time_zone)
    cal.add("refresh-interval", REFRESH, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT6H")
    for a in assignments if program is not None else ():
        for event in _assignment_events(program, a, zone, url):
            cal.add_component(event)
    for event in schedule.maintenance_vevents(list(maintenance)):
        cal.add_component(event)
    days = [a.starts_on for a in assignments] + [a.last_day for a in assignments] + [e.when for e in maintenance]
    if days:   # the zone's rules over the years the feed covers, not 1970-2038
        cal.add_missing_timezones(date(min(days).year, 1, 1), date(max(days).year + 2, 1, 1))
    return cal.to_ical()


def client_feed(store: Store, program_of, client_id: str, *, default_time_zone: str, url: str | None = None) -> bytes:
    """The whole feed of one client; ``program_of(program_id)`` gives the content of a program."""
    client = store.require_client(client_id)
    settings = store.reminder_settings(client_id)
    time_zone = settings.time_zone if settings else default_time_zone
    assignments = store.assignments(client_id)
    program_id = client.program_id or (assignments[0].program_id if assignments else None)
    if program_id is None:   # no program yet: nothing set, an empty calendar
        return feed_calendar(None, [], [], time_zone, url=url)
    program = program_of(program_id)
    return feed_calendar(program, [a for a in assignments if a.program_id == program.id],
                         maintenance_dates(program, store, client_id), time_zone, url=url)


def today_in(time_zone: str, now: datetime | None = None) -> date:
    """The client's own date now."""
    return (now or datetime.now(timezone.utc)).astimezone(ZoneInfo(time_zone)).date()
