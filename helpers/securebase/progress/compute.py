"""The clinician's progress view: where a client is in a program and how the work is going.

:func:`compute_progress` turns one client's entries into JSON-safe numbers:

* the position (current phase by start date, or the clinician's override);
* per phase: its window, whether it is done, current or upcoming, and how much of it was
  used (entries per exercise, scheduled practice done versus expected);
* every exercise of the program with its entry count (0 when none);
* the intensity trend (ratings tagged ``trend: intensity``): daily means, a 7-day rolling
  mean and the slope of a least-squares line, in points per week;
* the prediction errors of behavioural experiments (predicted minus felt), with their trend;
* the means of derived values per exercise;
* when the clinician set homework, adherence against it (each assignment and overall).

The result holds content labels and numbers only, never client free text.

The progress notebook's cells are :class:`securebase.notebook.progress.ProgressWorkbook`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

import numpy as np

from securebase import homework
from securebase.core.text import esc
from securebase.journal import derived
from securebase.journal import schedule
from securebase.content import Exercise, Phase, Program
from securebase.store import Assignment, Client, Entry

TREND_TAG = "intensity"
EXPERIMENT = "prediction_error"  # the behaviour of behavioural experiments
ROLLING_DAYS = 7
MIN_TREND_DAYS = 3
STATUS_LABELS = {"done": "Done", "current": "Current", "upcoming": "Upcoming"}
USE_START_DATE = "Use start date"
REPORT_FILES = ("progress.json", "progress.html", "progress.png")


# ---------------------------------------------------------------- small helpers




def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _day(entry: Entry) -> date:
    return date.fromisoformat(entry.occurred_at[:10])


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _fraction(part: float, whole: float) -> float | None:
    return round(part / whole, 3) if whole else None


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


def slope_per_week(days: list[date], values: list[float]) -> float | None:
    """Slope of the least-squares line through (day, value), in units per week.

    ``None`` when the values fall on fewer than three different days: a line through
    one or two days says nothing about a trend.
    """
    if len(set(days)) < MIN_TREND_DAYS:
        return None
    origin = min(days)
    x = np.array([(d - origin).days for d in days], dtype=float)
    slope = np.polyfit(x, np.array(values, dtype=float), 1)[0]
    return round(float(slope) * 7, 3)


# ---------------------------------------------------------------- position and windows


def phase_days(program: Program, phase: Phase) -> tuple[int, int | None]:
    """A phase's window in program days (day 1 is the start date), whatever the program's unit."""
    window = phase.window
    if program.window_unit == "days":
        return window.start, window.end
    return (window.start - 1) * 7 + 1, (window.end * 7 if window.end is not None else None)


def phase_dates(program: Program, phase: Phase, start: date) -> tuple[date, date | None]:
    """The first and last calendar day of a phase; the last is ``None`` for an open-ended phase."""
    first, last = phase_days(program, phase)
    return start + timedelta(days=first - 1), (start + timedelta(days=last - 1) if last is not None else None)


def client_position(program: Program, client: Client, today: date) -> schedule.Position:
    """The client's position; an override that names no phase of this program is ignored."""
    override = client.phase_override if client.phase_override in {p.id for p in program.phases} else None
    return schedule.current_position(program, client.start_date or today, today, override)


def phase_status(phase: Phase, current: Phase) -> str:
    if phase.number < current.number:
        return "done"
    return "current" if phase.number == current.number else "upcoming"


# ---------------------------------------------------------------- completion


def scheduled_practice(
    entries: list[Entry], per_day: float, first: date, last: date | None, today: date
) -> dict[str, Any]:
    """Done versus expected for a daily or twice-daily exercise, inside the phase window up to today."""
    end = today if last is None else min(last, today)
    n_days = max(0, (end - first).days + 1)
    per_day_counts = Counter(d for d in map(_day, entries) if first <= d <= end)
    done = sum(min(count, int(per_day)) for count in per_day_counts.values())
    expected = int(per_day * n_days)
    return {
        "per_day": per_day, "days": n_days, "done": done, "expected": expected, "adherence": _fraction(done, expected),
    }


def exercise_completion(
    exercise: Exercise, entries: list[Entry], first: date, last: date | None, today: date
) -> dict[str, Any]:
    block: dict[str, Any] = {
        "title": exercise.title,
        "frequency": exercise.schedule.frequency,
        "count": len(entries),
        "days": len({_day(e) for e in entries}),
    }
    if exercise.schedule.per_day is not None:
        block["schedule"] = scheduled_practice(entries, exercise.schedule.per_day, first, last, today)
    return block


def phase_progress(
    program: Program, phase: Phase, by_exercise: dict[str, list[Entry]], start: date, today: date, current: Phase
) -> dict[str, Any]:
    first, last = phase_dates(program, phase, start)
    exercises = {
        ex.id: exercise_completion(ex, by_exercise.get(ex.id, []), first, last, today) for ex in phase.exercises
    }
    used = sum(1 for block in exercises.values() if block["count"])
    scheduled = [block["schedule"] for block in exercises.values() if "schedule" in block]
    done, expected = sum(s["done"] for s in scheduled), sum(s["expected"] for s in scheduled)
    return {
        "id": phase.id,
        "number": phase.number,
        "title": phase.title,
        "layer": phase.layer,
        "window": {
            "unit": program.window_unit,
            "start": phase.window.start,
            "end": phase.window.end,
            "first_day": _iso(first),
            "last_day": _iso(last),
        },
        "status": phase_status(phase, current),
        "completion": {
            "exercises": exercises,
            "exercises_used": used,
            "exercises_total": len(exercises),
            "fraction": _fraction(used, len(exercises)),
            "scheduled_done": done,
            "scheduled_expected": expected,
            "adherence": _fraction(done, expected),
        },
    }


def exercise_index(program: Program, by_exercise: dict[str, list[Entry]]) -> dict[str, dict[str, Any]]:
    """Every exercise of the program, with its entry count and first and last day (count 0 when none)."""
    index = {}
    for phase in program.phases:
        for exercise in phase.exercises:
            days = [_day(e) for e in by_exercise.get(exercise.id, [])]
            index[exercise.id] = {
                "title": exercise.title,
                "phase_id": phase.id,
                "count": len(days),
                "first": _iso(min(days)) if days else None,
                "last": _iso(max(days)) if days else None,
            }
    return index


# ---------------------------------------------------------------- trends


def trend_fields(program: Program, tag: str = TREND_TAG) -> dict[str, list[str]]:
    """exercise id -> the ids of its rating fields tagged ``trend: <tag>``."""
    found: dict[str, list[str]] = {}
    for phase in program.phases:
        for exercise in phase.exercises:
            ids = [f.id for f in exercise.fields if f.type.rated and f.trend == tag]
            if ids:
                found[exercise.id] = ids
    return found


def _rolling_mean(daily: dict[date, float], day: date, days: int = ROLLING_DAYS) -> float:
    window = [value for d, value in daily.items() if day - timedelta(days=days - 1) <= d <= day]
    return sum(window) / len(window)


def intensity_trend(program: Program, entries: list[Entry]) -> dict[str, Any]:
    """Daily mean of all intensity-tagged ratings, its 7-day rolling mean and the slope per week."""
    fields = trend_fields(program)
    per_day: dict[date, list[float]] = {}
    for entry in entries:
        for field_id in fields.get(entry.exercise_id, ()):
            value = entry.data.get(field_id)
            if _is_number(value):
                per_day.setdefault(_day(entry), []).append(float(value))
    daily = {d: sum(v) / len(v) for d, v in sorted(per_day.items())}
    return {
        "fields": fields,
        "days": [
            {"date": d.isoformat(), "mean": round(value, 2), "rolling_mean_7d": round(_rolling_mean(daily, d), 2)}
            for d, value in daily.items()
        ],
        "slope_per_week": slope_per_week(list(daily), list(daily.values())),
    }


def prediction_errors(program: Program, entries: list[Entry]) -> dict[str, Any]:
    """Predicted minus felt intensity for each behavioural experiment with both ratings."""
    experiments = {e.id: e for e in program.exercises_with(EXPERIMENT)}
    points = []
    for entry in entries:
        if entry.exercise_id not in experiments:
            continue
        error = derived.derive(experiments[entry.exercise_id], entry.data).get("prediction_error")
        if error is not None:
            points.append({
                "date": _day(entry).isoformat(),
                "predicted": entry.data["predicted_intensity"],
                "actual": entry.data["actual_intensity"],
                "error": error,
            })
    errors = [p["error"] for p in points]
    return {
        "points": points,
        "n": len(points),
        "mean": _mean(errors),
        "slope_per_week": slope_per_week([date.fromisoformat(p["date"]) for p in points], errors),
    }


def derived_means(program: Program, by_exercise: dict[str, list[Entry]]) -> dict[str, dict[str, Any]]:
    """exercise id -> {derived value: label, n, mean}, for the numeric derived values recorded."""
    out: dict[str, dict[str, Any]] = {}
    for phase in program.phases:
        for exercise in phase.exercises:
            labels = derived.derived_labels(exercise)
            values: dict[str, list[float]] = {}
            for entry in by_exercise.get(exercise.id, []):
                for name, value in derived.derive(exercise, entry.data).items():
                    if _is_number(value):  # "defused" is rephrased client text: never here
                        values.setdefault(name, []).append(value)
            if values:
                out[exercise.id] = {
                    name: {"label": labels[name], "n": len(vs), "mean": _mean(vs)} for name, vs in values.items()
                }
    return out


# ---------------------------------------------------------------- the whole picture


def _group_by_exercise(entries: Iterable[Entry]) -> dict[str, list[Entry]]:
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.exercise_id, []).append(entry)
    return groups


def compute_progress(program: Program, client: Client, entries: list[Entry], today: date,
                     assignments: Sequence[Assignment] = ()) -> dict[str, Any]:
    """One client's progress through ``program`` as of ``today``: JSON-safe, no free text.

    ``entries`` are the client's current entries; deleted entries, entries of other programs
    and entries after ``today`` are left out. A client without a start date is counted from ``today``.
    With ``assignments`` (homework a clinician set), ``homework`` measures adherence against them
    (:func:`securebase.homework.adherence`); without, it is None.
    """
    entries = [e for e in entries if e.program_id == program.id and not e.deleted and _day(e) <= today]
    by_exercise = _group_by_exercise(entries)
    start = client.start_date or today
    position = client_position(program, client, today)
    return {
        "client_id": client.client_id,
        "program_id": program.id,
        "content_version": program.version,
        "today": today.isoformat(),
        "start_date": _iso(client.start_date),
        "window_unit": program.window_unit,
        "position": {
            "phase_id": position.phase.id,
            "unit": position.unit,
            "day": schedule.program_day(start, today),
            "source": position.source,
            "scheduled_phase_id": position.scheduled_phase.id,
        },
        "phases": [
            phase_progress(program, phase, by_exercise, start, today, position.phase) for phase in program.phases
        ],
        "exercises": exercise_index(program, by_exercise),
        "intensity_trend": intensity_trend(program, entries),
        "prediction_errors": prediction_errors(program, entries),
        "has_experiments": bool(program.exercises_with(EXPERIMENT)),
        "derived_means": derived_means(program, by_exercise),
        "homework": _homework(program, assignments, entries, today),
    }


def _homework(program: Program, assignments: Sequence[Assignment], entries: list[Entry], today: date) -> dict | None:
    mine = [a for a in assignments if a.program_id == program.id]
    if not mine:
        return None
    result = homework.adherence(mine, entries, today)
    titles = {e.id: e.title for p in program.phases for e in p.exercises}
    for row in result["assignments"]:
        row["title"] = titles.get(row["exercise_id"], row["exercise_id"])
    return result


# ---------------------------------------------------------------- words for people


def stage_word(program: Program) -> str:
    """What the program calls its phases, from their titles: "step" (``Step 1: ...``) or "phase"."""
    word = program.phases[0].title.split(" ", 1)[0]
    return word.lower() if word.isalpha() else "phase"


def _unit_word(window_unit: str) -> str:
    return "Day" if window_unit == "days" else "Week"


def window_text(phase: dict[str, Any]) -> str:
    """``Days 1-7``, ``Week 3``, ``Day 46 on``."""
    window, word = phase["window"], _unit_word(phase["window"]["unit"])
    if window["end"] is None:
        return f"{word} {window['start']} on"
    if window["end"] == window["start"]:
        return f"{word} {window['start']}"
    return f"{word}s {window['start']}-{window['end']}"


def position_text(program: Program, progress: dict[str, Any]) -> str:
    """``Day 10 · Step 2: Acceptance``, noting a clinician's override."""
    pos = progress["position"]
    phase = program.phase(pos["phase_id"])
    if pos["unit"] < 1:
        text = f"Not started yet (day 1 is {progress['start_date']}) · {phase.title}"
    else:
        text = f"{_unit_word(progress['window_unit'])} {pos['unit']} · {phase.title}"
    if pos["source"] == "override":
        text += f" (set by the clinician; by date: {program.phase(pos['scheduled_phase_id']).title})"
    return text


def _practice_text(completion: dict[str, Any]) -> str:
    if not completion["scheduled_expected"]:  # nothing scheduled in this step, or not started yet
        return "-"
    return f"{completion['scheduled_done']} of {completion['scheduled_expected']} ({completion['adherence']:.0%})"


def phase_rows(progress: dict[str, Any]) -> list[dict[str, str]]:
    """One row of display strings per phase, for the overview table, the text view and the report."""
    rows = []
    for phase in progress["phases"]:
        completion = phase["completion"]
        rows.append({
            "title": phase["title"],
            "layer": phase["layer"],
            "window": window_text(phase),
            "status": STATUS_LABELS[phase["status"]],
            "status_key": phase["status"],
            "exercises": f"{completion['exercises_used']} of {completion['exercises_total']} used",
            "practice": _practice_text(completion),
        })
    return rows


def headline_lines(progress: dict[str, Any]) -> list[str]:
    """What the charts show, in two sentences."""
    trend, errors = progress["intensity_trend"], progress["prediction_errors"]
    if not trend["fields"]:
        lines = []
    elif not trend["days"]:
        lines = ["Intensity: no ratings yet."]
    elif trend["slope_per_week"] is None:
        lines = [f"Intensity: rated on {len(trend['days'])} day(s); a trend needs at least {MIN_TREND_DAYS} days."]
    else:
        lines = [
            f"Intensity: {trend['slope_per_week']:+.1f} points per week over {len(trend['days'])} days "
            f"(latest 7-day mean {trend['days'][-1]['rolling_mean_7d']:.1f} of 10)."
        ]
    if not progress.get("has_experiments", True):
        pass                                    # a program without behavioural experiments: nothing to say
    elif not errors["n"]:
        lines.append("Prediction errors: no completed experiments yet.")
    else:
        mean = errors["mean"]
        leaning = "fear overestimated" if mean > 0 else "felt worse than predicted" if mean < 0 else "as predicted"
        line = f"Prediction errors: mean {errors['mean']:+.1f} over {errors['n']} experiment(s) ({leaning})"
        if errors["slope_per_week"] is not None:
            line += f"; trend {errors['slope_per_week']:+.1f} per week"
        lines.append(line + ".")
    return lines


def homework_rows(progress: dict[str, Any]) -> list[dict[str, str]]:
    """One row of display strings per assignment that has begun (none without homework)."""
    rows = []
    for row in (progress.get("homework") or {}).get("assignments", []):
        done = f"{row['done']} of {row['expected']}" + (f" ({row['adherence']:.0%})" if row["expected"] else "")
        rows.append({"title": row["title"], "how_often": homework.FREQUENCY_WORDS[row["frequency"]],
                     "when": f"{row['starts_on']} to {row['last_day']}" + ("" if row["active"] else " (ended)"),
                     "done": done})
    return rows


def homework_text(progress: dict[str, Any]) -> str | None:
    """``Homework: 9 of 14 set practices done (64%)``, or None when none was set (or none began yet)."""
    block = progress.get("homework")
    if not block or not block["assignments"]:
        return None
    if not block["expected"]:
        return "Homework: set, nothing due yet."
    return f"Homework: {block['done']} of {block['expected']} set practices done ({block['adherence']:.0%})."


def overview_lines(program: Program, progress: dict[str, Any]) -> list[str]:
    lines = [f"Client {progress['client_id']} · {program.title}", position_text(program, progress)]
    if (text := homework_text(progress)) is not None:
        lines.append(text)
        lines += [f"  {r['title']}, {r['how_often']}, {r['when']}: {r['done']}" for r in homework_rows(progress)]
    for row in phase_rows(progress):
        practice = f"; scheduled practice {row['practice']}" if row["practice"] != "-" else ""
        lines.append(f"  [{row['status']}] {row['title']} ({row['window']}): {row['exercises']}{practice}")
    return lines


def _table(headers: Sequence[str], rows: list[dict[str, str]], keys: Sequence[str], bold: str = "") -> str:
    cell = "padding:0.2rem 0.8rem 0.2rem 0"
    head = "".join(f"<th style='text-align:left;{cell}'>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        weight = "font-weight:600;background:#eef3fa" if bold and row.get("status_key") == bold else ""
        cells = "".join(f"<td style='{cell};border-bottom:1px solid #d9dee6'>{esc(row[key])}</td>" for key in keys)
        body.append(f"<tr style='{weight}'>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def overview_html(program: Program, progress: dict[str, Any]) -> str:
    """The overview for an ``HTML`` widget: every piece of text escaped. With homework, adherence to it
    comes first; the phases' scheduled practice is then what the program suggests, for reference."""
    phases = _table((stage_word(program).capitalize(), "Layer", "When", "Status", "Exercises", "Scheduled practice"),
                    phase_rows(progress), ("title", "layer", "window", "status", "exercises", "practice"), "current")
    set_work = ""
    if (text := homework_text(progress)) is not None:
        set_work = (f"<p><strong>{esc(text)}</strong></p>"
                    + _table(("Homework", "How often", "When", "Done"), homework_rows(progress),
                             ("title", "how_often", "when", "done")))
    return (
        f"<h3>{esc(program.title)}: progress</h3>"
        f"<p>Client <strong>{esc(progress['client_id'])}</strong> &middot; "
        f"{esc(position_text(program, progress))}</p>{set_work}{phases}"
    )
