"""What a phase's entries add up to: counts, ratings over days, frequent choices, schedule adherence.

Driven by content, so it works for every phase: each rating field becomes a daily series,
each choice field a frequency table, and each daily or twice-daily exercise an adherence
figure. The result holds no free text, so it can go into reports and JSON safely.
"""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from securebase.content import Exercise, Phase, Program
from securebase.journal.derived import derive, derived_labels
from securebase.store import Entry


def _day(entry: Entry) -> str:
    return entry.occurred_at[:10]


def rating_series(entries: list[Entry], field_id: str) -> dict[str, float]:
    """Mean of a rating field per day, oldest day first."""
    per_day: dict[str, list[float]] = {}
    for e in entries:
        value = e.data.get(field_id)
        if isinstance(value, (int, float)):
            per_day.setdefault(_day(e), []).append(float(value))
    return {day: round(sum(v) / len(v), 2) for day, v in sorted(per_day.items())}


def choice_counts(entries: list[Entry], exercise: Exercise, field_id: str) -> list[dict[str, Any]]:
    """How often each option of a choice or multi-choice field was picked, most frequent first."""
    spec = exercise.field(field_id)
    counter: Counter[str] = Counter()
    for e in entries:
        value = e.data.get(field_id)
        if isinstance(value, str):
            counter[value] += 1
        elif isinstance(value, list):
            counter.update(value)
        elif isinstance(value, dict):  # body map: count location:state pairs
            counter.update(f"{loc}:{state}" for loc, state in value.items())
    order = {c.value: i for i, c in enumerate(spec.choices)}
    ranked = sorted(counter.items(), key=lambda kv: (-kv[1], order.get(kv[0].split(":")[0], 99), kv[0]))
    out = []
    for value, count in ranked:
        out.append({"value": value, "label": spec.type.tally_label(spec, value), "count": count})
    return out


def schedule_adherence(entries: list[Entry], exercise: Exercise, *, today: date | None = None) -> dict[str, Any] | None:
    """For daily and twice-daily exercises: completed versus expected, over the days since the first entry."""
    per_day = exercise.schedule.per_day
    if per_day is None:
        return None
    days = sorted({_day(e) for e in entries})
    if not days:
        return {"expected_per_day": per_day, "days": 0, "completed": 0, "expected": 0, "adherence": None}
    first = date.fromisoformat(days[0])
    last = max(date.fromisoformat(days[-1]), today or date.fromisoformat(days[-1]))
    n_days = (last - first).days + 1
    per_day_counts = Counter(_day(e) for e in entries)
    completed = sum(min(c, int(per_day)) for c in per_day_counts.values())
    expected = int(per_day * n_days)
    result: dict[str, Any] = {
        "expected_per_day": per_day,
        "days": n_days,
        "completed": completed,
        "expected": expected,
        "adherence": round(completed / expected, 3) if expected else None,
    }
    slot_field = next((f for f in exercise.fields if f.id == "slot"), None)
    if slot_field is not None and exercise.schedule.slots:
        result["by_slot"] = {
            s.value: sum(1 for e in entries if e.data.get("slot") == s.value) for s in exercise.schedule.slots
        }
    return result


def summarise_phase(
    program: Program, phase: Phase, entries: list[Entry], *, today: date | None = None
) -> dict[str, Any]:
    """The summary of one client's entries in one phase. ``entries`` may include other phases."""
    summary: dict[str, Any] = {
        "program_id": program.id,
        "phase_id": phase.id,
        "content_version": program.version,
        "total_entries": 0,
        "days_with_entries": 0,
        "exercises": {},
    }
    days: set[str] = set()
    for exercise in phase.exercises:
        mine = [e for e in entries if e.exercise_id == exercise.id]
        days.update(_day(e) for e in mine)
        block: dict[str, Any] = {"title": exercise.title, "count": len(mine), "ratings": {}, "choices": {}}
        for spec in exercise.fields:
            if spec.type.rated:
                series = rating_series(mine, spec.id)
                values = [e.data[spec.id] for e in mine if isinstance(e.data.get(spec.id), (int, float))]
                block["ratings"][spec.id] = {
                    "label": spec.label,
                    "min": spec.min,
                    "max": spec.max,
                    "n": len(values),
                    "mean": round(sum(values) / len(values), 2) if values else None,
                    "by_day": series,
                }
            elif spec.type.tallied:
                block["choices"][spec.id] = {"label": spec.label, "counts": choice_counts(mine, exercise, spec.id)}
        labels = derived_labels(exercise)
        if labels:
            block["derived"] = {}
            for name, label in labels.items():
                per_day: dict[str, list[float]] = {}
                for e in mine:
                    value = derive(exercise, e.data).get(name)
                    if isinstance(value, (int, float)):
                        per_day.setdefault(_day(e), []).append(float(value))
                values = [v for vs in per_day.values() for v in vs]
                block["derived"][name] = {
                    "label": label,
                    "n": len(values),
                    "mean": round(sum(values) / len(values), 2) if values else None,
                    "by_day": {d: round(sum(v) / len(v), 2) for d, v in sorted(per_day.items())},
                }
        adherence = schedule_adherence(mine, exercise, today=today)
        if adherence is not None:
            block["schedule"] = adherence
        summary["exercises"][exercise.id] = block
        summary["total_entries"] += len(mine)
    summary["days_with_entries"] = len(days)
    summary["first_day"] = min(days) if days else None
    summary["last_day"] = max(days) if days else None
    return summary


def top_choices(summary: dict[str, Any], exercise_id: str, field_id: str, n: int = 3) -> list[dict[str, Any]]:
    """The ``n`` most frequent options of one field in a summary (e.g. the most frequent triggers)."""
    block = summary["exercises"].get(exercise_id, {}).get("choices", {}).get(field_id)
    return block["counts"][:n] if block else []
