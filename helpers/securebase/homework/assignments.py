"""Assignments: a clinician sets an exercise of the client's program, how often (daily, twice daily or
weekly), at what times of the client's day, and until when. Today's practice and adherence are measured
against these, never against every exercise of the phase.

**What counts.** An entry of the assigned exercise on a day the assignment runs counts towards that day (a
week, for a weekly one: weeks run from the assignment's first day), up to the number set for it; more
entries on one day do not make up for another. A day that is not over yet counts only with what was
already done, so the morning of a twice-daily assignment is not "missed" before the evening comes.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from securebase.content import Exercise, Program
from securebase.core.errors import SecureBaseError
from securebase.store import Assignment, Entry, Store
from securebase.store.homework import FREQUENCIES

MAX_DAYS = 366            # an assignment runs for a year at most; set a new one after that
_TIME = re.compile(r"([01]?\d|2[0-3]):([0-5]\d)\Z")
_DEFAULT_TIMES = {"daily": ("09:00",), "twice_daily": ("08:00", "20:00"), "weekly": ("09:00",)}
FREQUENCY_WORDS = {"daily": "every day", "twice_daily": "twice a day", "weekly": "once a week"}


class HomeworkError(SecureBaseError):
    """An assignment that cannot be set as asked; the message says what to change."""


def default_times(frequency: str) -> tuple[str, ...]:
    return _DEFAULT_TIMES[frequency]


def parse_times(text: str | Sequence[str], frequency: str) -> tuple[str, ...]:
    """``"08:00,20:00"`` (or a sequence of such times) as the times of day a ``frequency`` needs."""
    parts = [p.strip() for p in (text.split(",") if isinstance(text, str) else text) if p.strip()]
    if not parts:
        return default_times(frequency)
    times = []
    for part in parts:
        found = _TIME.match(part)
        if not found:
            raise HomeworkError(f"{part!r} is not a time of day: write it as HH:MM, for example 08:30 or 19:00.")
        times.append(f"{int(found.group(1)):02d}:{found.group(2)}")
    wanted = FREQUENCIES[frequency]
    if len(times) != wanted:
        raise HomeworkError(f"{FREQUENCY_WORDS[frequency].capitalize()} needs {wanted} time(s) of day, not "
                            f"{len(times)}: for example {','.join(default_times(frequency))}.")
    if len(set(times)) != len(times):
        raise HomeworkError("The two times of a twice-daily assignment must differ.")
    return tuple(sorted(times))


def _exercise(program: Program, exercise_id: str) -> Exercise:
    try:
        return program.find_exercise(exercise_id)[1]
    except KeyError:
        known = ", ".join(e.id for p in program.phases for e in p.exercises)
        raise HomeworkError(f"{program.title} has no exercise {exercise_id!r}. Choose one of: {known}.") from None


def assign(store: Store, program: Program, client_id: str, exercise_id: str, *, frequency: str, until: date,
           today: date, starts_on: date | None = None, times: str | Sequence[str] = ()) -> Assignment:
    """Check an assignment against the client and the program's content, then record it."""
    client = store.require_client(client_id)
    if client.program_id and client.program_id != program.id:
        raise HomeworkError(f"{client_id} follows the program {client.program_id!r}, not {program.id!r}: assign an "
                            "exercise of their own program.")
    _exercise(program, exercise_id)
    if frequency not in FREQUENCIES:
        raise HomeworkError(f"{frequency!r} is not a frequency: choose daily, twice_daily or weekly.")
    starts_on = starts_on or today
    if until < starts_on:
        raise HomeworkError(f"The last day ({until}) is before the first ({starts_on}): choose a later date.")
    if until < today:
        raise HomeworkError(f"The last day ({until}) has already passed: choose today or a later date.")
    if (until - starts_on).days >= MAX_DAYS:
        raise HomeworkError(f"An assignment runs for {MAX_DAYS} days at most; set the last day to "
                            f"{starts_on + timedelta(days=MAX_DAYS - 1)} or earlier, and set a new one then.")
    return store.assign_homework(client_id, program_id=program.id, exercise_id=exercise_id, frequency=frequency,
                                 times=parse_times(times, frequency), starts_on=starts_on, until=until)


# ---------------------------------------------------------------- what counts


def _day(entry: Entry) -> date:
    return date.fromisoformat(entry.occurred_at[:10])


def _counts(assignment: Assignment, entries: Iterable[Entry]) -> Counter[date]:
    return Counter(_day(e) for e in entries if e.exercise_id == assignment.exercise_id and not e.deleted
                   and e.program_id == assignment.program_id and assignment.active_on(_day(e)))


def _periods(assignment: Assignment, today: date) -> list[tuple[date, date]]:
    """The days (or weeks) the assignment has run so far, each as (first, last) day."""
    step = 7 if assignment.frequency == "weekly" else 1
    end = min(assignment.last_day, today)
    out, first = [], assignment.starts_on
    while first <= end:
        out.append((first, min(first + timedelta(days=step - 1), assignment.last_day)))
        first += timedelta(days=step)
    return out


@dataclass(frozen=True)
class Adherence:
    assignment: Assignment
    done: int
    expected: int

    @property
    def fraction(self) -> float | None:
        return round(self.done / self.expected, 3) if self.expected else None


def assignment_adherence(assignment: Assignment, entries: Iterable[Entry], today: date) -> Adherence:
    counts = _counts(assignment, entries)
    per = FREQUENCIES[assignment.frequency]
    done = expected = 0
    for first, last in _periods(assignment, today):
        did = min(per, sum(n for day, n in counts.items() if first <= day <= last))
        done += did
        expected += per if last < today else did   # a period not over yet: only what was done counts
    return Adherence(assignment, done, expected)


def adherence(assignments: Sequence[Assignment], entries: Sequence[Entry], today: date) -> dict:
    """JSON-safe adherence to every assignment that has begun, and overall (no free text)."""
    rows = [assignment_adherence(a, entries, today) for a in assignments if a.starts_on <= today]
    done, expected = sum(r.done for r in rows), sum(r.expected for r in rows)
    return {
        "assignments": [{"assignment_id": r.assignment.assignment_id, "exercise_id": r.assignment.exercise_id,
                         "frequency": r.assignment.frequency, "starts_on": r.assignment.starts_on.isoformat(),
                         "last_day": r.assignment.last_day.isoformat(), "active": r.assignment.active_on(today),
                         "done": r.done, "expected": r.expected, "adherence": r.fraction} for r in rows],
        "done": done, "expected": expected, "adherence": round(done / expected, 3) if expected else None,
    }


@dataclass(frozen=True)
class TodayItem:
    assignment: Assignment
    exercise: Exercise
    phase_id: str
    done: int        # today (this week, for a weekly one)
    target: int

    @property
    def finished(self) -> bool:
        return self.done >= self.target

    def describe(self) -> str:
        period = "this week" if self.assignment.frequency == "weekly" else "today"
        return f"{min(self.done, self.target)} of {self.target} done {period}"


def todays_practice(program: Program, assignments: Sequence[Assignment], entries: Sequence[Entry],
                    today: date) -> list[TodayItem]:
    """The assignments set for ``today``, the ones still to do first, then in the order of their times."""
    items = []
    for a in assignments:
        if a.program_id != program.id or not a.active_on(today):
            continue
        try:
            phase, exercise = program.find_exercise(a.exercise_id)
        except KeyError:   # content changed since it was set: nothing to open
            continue
        first, last = next((p for p in _periods(a, today) if p[0] <= today <= p[1]), (today, today))
        counts = _counts(a, entries)
        done = sum(n for day, n in counts.items() if first <= day <= last)
        items.append(TodayItem(a, exercise, phase.id, done, FREQUENCIES[a.frequency]))
    return sorted(items, key=lambda i: (i.finished, i.assignment.times[0], i.exercise.title))
