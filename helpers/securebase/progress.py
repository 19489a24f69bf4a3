"""The clinician's progress view: where a client is in a program and how the work is going.

:func:`compute_progress` turns one client's entries into JSON-safe numbers:

* the position (current phase by start date, or the clinician's override);
* per phase: its window, whether it is done, current or upcoming, and how much of it was
  used (entries per exercise, scheduled practice done versus expected);
* every exercise of the program with its entry count (0 when none);
* the intensity trend (ratings tagged ``trend: intensity``): daily means, a 7-day rolling
  mean and the slope of a least-squares line, in points per week;
* the prediction errors of behavioural experiments (predicted minus felt), with their trend;
* the means of derived values per exercise.

The result holds content labels and numbers only, never client free text.

:class:`ProgressWorkbook` serves the progress notebook in both modes, like
:class:`~securebase.workbook.Workbook`: interactive cells return widgets, batch cells return
plain text, and ``report()`` writes ``progress.json``, ``progress.html`` and ``progress.png``.
ipywidgets is imported only on the interactive paths, so batch mode never creates a widget.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import nbformat
import numpy as np
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from . import config, content, derived, schedule
from .content import Exercise, FieldType, Phase, Program
from .errors import SecureBaseError
from .notebooks import ENGINE_KERNEL, OPENING
from .store import Client, Entry, Store
from .safety_flags import flag_summary, summary_lines
from .workbook import ParameterError, Text, check_mode_and_client, date_parameter

TREND_TAG = "intensity"
EXPERIMENT = "behavioural_experiment"
ROLLING_DAYS = 7
MIN_TREND_DAYS = 3
STATUS_LABELS = {"done": "Done", "current": "Current", "upcoming": "Upcoming"}
USE_START_DATE = "Use start date"
REPORT_FILES = ("progress.json", "progress.html", "progress.png")


# ---------------------------------------------------------------- small helpers


def _esc(value: Any) -> str:
    return html.escape(str(value), quote=True)


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
            ids = [f.id for f in exercise.fields if f.type is FieldType.rating and f.trend == tag]
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


def prediction_errors(entries: list[Entry]) -> dict[str, Any]:
    """Predicted minus felt intensity for each behavioural experiment with both ratings."""
    points = []
    for entry in entries:
        if entry.exercise_id != EXPERIMENT:
            continue
        error = derived.derive(entry.exercise_id, entry.data).get("prediction_error")
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
            labels = derived.derived_labels(exercise.id)
            values: dict[str, list[float]] = {}
            for entry in by_exercise.get(exercise.id, []):
                for name, value in derived.derive(exercise.id, entry.data).items():
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


def compute_progress(program: Program, client: Client, entries: list[Entry], today: date) -> dict[str, Any]:
    """One client's progress through ``program`` as of ``today``: JSON-safe, no free text.

    ``entries`` are the client's current entries; deleted entries, entries of other programs
    and entries after ``today`` are left out. A client without a start date is counted from ``today``.
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
        "prediction_errors": prediction_errors(entries),
        "derived_means": derived_means(program, by_exercise),
    }


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
    if not trend["days"]:
        lines = ["Intensity: no ratings yet."]
    elif trend["slope_per_week"] is None:
        lines = [f"Intensity: rated on {len(trend['days'])} day(s); a trend needs at least {MIN_TREND_DAYS} days."]
    else:
        lines = [
            f"Intensity: {trend['slope_per_week']:+.1f} points per week over {len(trend['days'])} days "
            f"(latest 7-day mean {trend['days'][-1]['rolling_mean_7d']:.1f} of 10)."
        ]
    if not errors["n"]:
        lines.append("Prediction errors: no completed experiments yet.")
    else:
        mean = errors["mean"]
        leaning = "fear overestimated" if mean > 0 else "felt worse than predicted" if mean < 0 else "as predicted"
        line = f"Prediction errors: mean {errors['mean']:+.1f} over {errors['n']} experiment(s) ({leaning})"
        if errors["slope_per_week"] is not None:
            line += f"; trend {errors['slope_per_week']:+.1f} per week"
        lines.append(line + ".")
    return lines


def overview_lines(program: Program, progress: dict[str, Any]) -> list[str]:
    lines = [f"Client {progress['client_id']} · {program.title}", position_text(program, progress)]
    for row in phase_rows(progress):
        practice = f"; scheduled practice {row['practice']}" if row["practice"] != "-" else ""
        lines.append(f"  [{row['status']}] {row['title']} ({row['window']}): {row['exercises']}{practice}")
    return lines


def overview_html(program: Program, progress: dict[str, Any]) -> str:
    """The overview for an ``HTML`` widget: every piece of text escaped."""
    head = "".join(
        f"<th style='text-align:left;padding:0.2rem 0.8rem 0.2rem 0'>{_esc(h)}</th>"
        for h in (stage_word(program).capitalize(), "Layer", "When", "Status", "Exercises", "Scheduled practice")
    )
    body = []
    for row in phase_rows(progress):
        weight = "font-weight:600;background:#eef3fa" if row["status_key"] == "current" else ""
        cells = "".join(
            f"<td style='padding:0.2rem 0.8rem 0.2rem 0;border-bottom:1px solid #d9dee6'>{_esc(row[key])}</td>"
            for key in ("title", "layer", "window", "status", "exercises", "practice")
        )
        body.append(f"<tr style='{weight}'>{cells}</tr>")
    return (
        f"<h3>{_esc(program.title)}: progress</h3>"
        f"<p>Client <strong>{_esc(progress['client_id'])}</strong> &middot; "
        f"{_esc(position_text(program, progress))}</p>"
        f"<table><tr>{head}</tr>{''.join(body)}</table>"
    )


# ---------------------------------------------------------------- report files


def write_progress_report(output_dir: Path, *, program: Program, progress: dict[str, Any]) -> dict[str, Path]:
    """Write ``progress.json``, ``progress.png`` and ``progress.html`` (escaped, no scripts)."""
    from . import reports
    from .progress_plots import progress_png

    config.ensure_private_dir(output_dir)
    files = dict(zip(("json", "html", "png"), (output_dir / name for name in REPORT_FILES)))
    generated_at = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    files["png"].write_bytes(progress_png(progress, program))
    files["html"].write_text(
        reports.render(
            "progress.html.j2",
            language="en",
            program=program,
            progress=progress,
            generated_at=generated_at,
            position=position_text(program, progress),
            rows=phase_rows(progress),
            headlines=headline_lines(progress),
            phase_titles={p.id: p.title for p in program.phases},
            stage=stage_word(program).capitalize(),
            plot_file=files["png"].name,
            privacy_note=content.locale("en").text("privacy_note"),
            safety=progress.get("safety"),
        ),
        encoding="utf-8",
    )
    reports.write_json(files["json"], {**progress, "generated_at": generated_at, "files": list(REPORT_FILES)})
    return files


# ---------------------------------------------------------------- the notebook object


class ProgressWorkbook:
    """The progress notebook's cells: ``overview``, ``plots``, ``override`` and ``report``."""

    def __init__(
        self,
        program_id: str,
        *,
        client_id: str,
        store_path: str = "",
        mode: str = "interactive",
        output_dir: str = "",
        today: str = "",
        handout_since: str = "",
        clinician_note: str = "",
    ):
        from securebase import clock

        client_id = check_mode_and_client(mode, client_id)
        self.today = date_parameter("today", today) or clock.today()
        self.handout_since = date_parameter("handout_since", handout_since)
        if self.handout_since and self.handout_since > self.today:
            raise ParameterError(f"handout_since ({handout_since}) is after today ({self.today}); give an earlier day.")
        self.clinician_note = clinician_note
        try:
            self.program = content.program(program_id)
        except KeyError as exc:
            raise ParameterError(str(exc.args[0])) from None
        self.mode = mode
        self.client_id = client_id
        self.store = Store(config.resolve_store_path(store_path))
        self.store.ensure_client(client_id, program_id=program_id, start_date=self.today)
        self.output_dir = Path(output_dir).expanduser() if output_dir else (
            config.client_dir(client_id) / "reports" / program_id / "progress"
        )
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.progress = self.compute()

    # ------------------------------------------------------------ logic

    def compute(self) -> dict[str, Any]:
        from .protocol import as_entries

        client = self.store.require_client(self.client_id)
        entries = self.store.current_entries(self.client_id, program_id=self.program.id)
        entries += [e for e in as_entries(self.store, self.client_id) if e.program_id == self.program.id]
        return {**compute_progress(self.program, client, entries, self.today),
                "safety": flag_summary(self.store, self.client_id)}

    def refresh(self) -> dict[str, Any]:
        """Recompute the progress and update every view shown so far."""
        self.progress = self.compute()
        for listener in self._listeners:
            listener(self.progress)
        return self.progress

    def on_refresh(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners.append(listener)

    def set_override(self, phase_id: str | None) -> None:
        """Put the client in ``phase_id`` whatever the date says; ``None`` goes back to the start date."""
        if phase_id is not None and phase_id not in {p.id for p in self.program.phases}:
            raise ParameterError(f"{phase_id!r} is not a {stage_word(self.program)} of {self.program.title}.")
        self.store.update_client(self.client_id, phase_override=phase_id)
        self.refresh()

    # ------------------------------------------------------------ cells

    def overview(self) -> Any:
        if self.mode == "batch":
            return Text(overview_lines(self.program, self.progress))
        import ipywidgets as w

        view = w.HTML(overview_html(self.program, self.progress))
        self.on_refresh(lambda progress: setattr(view, "value", overview_html(self.program, progress)))
        return view

    def plots(self) -> Any:
        if self.mode == "batch":
            return Text([*headline_lines(self.progress), f"The charts are in {REPORT_FILES[2]}, written by report()."])
        import ipywidgets as w

        from .progress_plots import progress_png

        image = w.Image(value=progress_png(self.progress, self.program), format="png",
                        layout=w.Layout(max_width="52rem"))
        self.on_refresh(lambda progress: setattr(image, "value", progress_png(progress, self.program)))
        return image

    def override(self) -> Any:
        if self.mode == "batch":
            return Text([f"Current position: {position_text(self.program, self.progress)}"])
        return OverrideControl(self).widget

    def report(self) -> Text:
        files = write_progress_report(self.output_dir, program=self.program, progress=self.progress)
        return Text([f"Progress report written to {self.output_dir}: " + ", ".join(p.name for p in files.values())])

    def safety(self) -> Any:
        """Safety flags of this client: open and cleared, with a control to clear one with a reason."""
        lines = summary_lines(self.progress["safety"])
        if self.mode == "batch":
            return Text(lines)
        from .safety_view import ClearFlagControl

        return ClearFlagControl(self).widget

    def assessment_lines(self, instrument_id: str = "relationship_check") -> list[str]:
        """The relationship check over time: each result, the change from the first with the
        reliable change index, and milestones at which it has not been repeated yet."""
        from . import scales
        from .assessments import change_from_first, due_milestones, get_assessments

        instrument = scales.instrument(instrument_id)
        history = get_assessments(self.store, self.client_id, instrument_id)
        if not history:
            return [f"{instrument.title}: not taken yet (notebooks/intake/{instrument_id}.ipynb)."]
        lines = [f"{instrument.title}: taken {len(history)} time(s)."]
        for a in history:
            scores = ", ".join(f"{instrument.subscale(k).label} {v:g}" for k, v in a.scores.items() if v is not None)
            lines.append(f"  {a.administered_at[:10]} ({a.occasion}): {scores}")
        for row in change_from_first(instrument, history):
            if not row["comparable"]:
                lines.append(f"  {row['administered_at'][:10]}: {row['note']}")
                continue
            parts = []
            for sub_id, c in row["changes"].items():
                verdict = "" if c["rci"] is None else (f", RCI {c['rci']:+.2f}" + (" (reliable)" if c["reliable"] else ""))
                parts.append(f"{instrument.subscale(sub_id).label} {c['change']:+g}{verdict}")
            lines.append(f"  Change by {row['administered_at'][:10]} since the first: " + "; ".join(parts))
        client = self.store.require_client(self.client_id)
        due = due_milestones(self.program, client.start_date, self.today, history)
        if due:
            lines.append("  Due again: it has not been repeated since " + ", ".join(due) + " began.")
        return lines

    def assessments(self) -> Any:
        lines = self.assessment_lines()
        if self.mode == "batch":
            return Text(lines)
        import ipywidgets as w

        return w.HTML("<br>".join(html.escape(line) for line in lines))

    def couple_lines(self) -> list[str]:
        """The couple's link, protocol versions and adherence, as plain sentences (no client text)."""
        from .adherence import adherence, adherence_lines
        from .couples import dyad_of
        from .protocol import in_force, status_text, versions

        dyad = dyad_of(self.store, self.client_id)
        if dyad is None:
            return [f"{self.client_id} is not linked with a partner (securebase couple link A B)."]
        partner = dyad.partner_of(self.client_id)
        lines = [f"Couple {dyad.dyad_id}: partner A {dyad.partner_a}, partner B {dyad.partner_b} "
                 f"({self.client_id} with {partner})."]
        history = versions(self.store, dyad.dyad_id)
        current = in_force(self.store, dyad.dyad_id)
        lines.append(f"Protocol in force: version {current.version}, timeout {current.data['timeout_minutes']} minutes."
                     if current else "Protocol in force: none agreed yet.")
        lines += [f"  Version {v.version} ({v.proposed_at[:10]}, by partner {dyad.role_of(v.proposed_by)}): "
                  f"{status_text(v, dyad, current)}" for v in history]
        lines += adherence_lines(adherence(self.store, dyad, program_id=self.program.id, until=self.today.isoformat()))
        return lines

    def couple(self) -> Any:
        """The couple view: link, protocol versions and adherence (text in batch, text and chart interactively)."""
        lines = self.couple_lines()
        if self.mode == "batch":
            return Text(lines)
        import ipywidgets as w

        from .adherence import adherence
        from .couples import dyad_of
        from .progress_plots import adherence_png

        parts: list[Any] = [w.HTML("<br>".join(html.escape(line) for line in lines))]
        dyad = dyad_of(self.store, self.client_id)
        if dyad is not None:
            figures = adherence(self.store, dyad, program_id=self.program.id, until=self.today.isoformat())
            parts.append(w.Image(value=adherence_png(figures), format="png", layout=w.Layout(max_width="52rem")))
        return w.VBox(parts)

    def write_handout(self, *, since: date | None = None, clinician_note: str = "") -> tuple[Path, dict[str, Any]]:
        """Write the session summary and homework handout to ``<output_dir>/handout-<today>``."""
        from .handout import build_handout, write_handout

        context = build_handout(
            self.store, self.program, self.client_id, today=self.today, since=since, clinician_note=clinician_note,
        )
        out_dir = self.output_dir / f"handout-{self.today.isoformat()}"
        return out_dir, write_handout(out_dir, context)

    def handout(self) -> Any:
        if self.mode == "batch":
            from .handout import describe_files

            out_dir, files = self.write_handout(since=self.handout_since, clinician_note=self.clinician_note)
            return Text(describe_files(out_dir, files))
        from .handout_view import HandoutControl

        return HandoutControl(self).widget


class OverrideControl:
    """A phase picker and an Apply button that set (or clear) the clinician's override (widgets)."""

    def __init__(self, workbook: ProgressWorkbook):
        import ipywidgets as w

        self.workbook = workbook
        program = workbook.program
        override = workbook.store.require_client(workbook.client_id).phase_override
        options = [(USE_START_DATE, ""), *((p.title, p.id) for p in program.phases)]
        self.dropdown = w.Dropdown(
            options=options,
            value=override if override in {p.id for p in program.phases} else "",
            description=f"Current {stage_word(program)}",
            style={"description_width": "initial"},
        )
        self.apply_button = w.Button(description="Apply", button_style="primary", icon="check")
        self.status = w.Label(self._status_text(workbook.progress))
        self.apply_button.on_click(lambda _b: self.apply())
        workbook.on_refresh(lambda progress: setattr(self.status, "value", self._status_text(progress)))
        self.widget = w.VBox([w.HBox([self.dropdown, self.apply_button]), self.status])

    def apply(self) -> None:
        try:
            self.workbook.set_override(self.dropdown.value or None)
        except SecureBaseError as exc:
            self.status.value = f"Not changed: {exc}"

    def _status_text(self, progress: dict[str, Any]) -> str:
        return f"Now: {position_text(self.workbook.program, progress)}"


# ---------------------------------------------------------------- the notebook


PARAMETERS = '''\
# Parameters. In batch runs papermill injects new values in a cell below this one.
client_id: str = "demo-001"     # pseudonymous client code such as C-7KQ2M9 (never a name)
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder
mode: str = "interactive"       # "interactive" shows widgets; "batch" prints text and writes the report files
output_dir: str = ""            # folder for progress.json/.html/.png; empty means <data folder>/clients/<client_id>/reports
today: str = ""                 # the day to view progress as of, YYYY-MM-DD; empty means the real date
handout_since: str = ""         # first day of the session summary on the handout, YYYY-MM-DD; empty means 7 days before today
clinician_note: str = ""        # batch only: a short note printed on the handout; interactive mode has a text box'''


def _couple_cells(program: Program) -> list[Any]:
    """A couple view for programs with a shared protocol."""
    from .protocol import PROTOCOL_EXERCISE

    if not any(ex.id == PROTOCOL_EXERCISE for phase in program.phases for ex in phase.exercises):
        return []
    return [
        new_markdown_cell("### The couple\n\nThe protocol's versions and consents, and how the couple keeps to it, "
                          "from both partners' daily check-ins (counts only)."),
        new_code_cell("pw.couple()"),
    ]


def build_progress_notebook(program: Program) -> nbformat.NotebookNode:
    """The clinician's progress notebook for ``program``: parameters, overview, charts, override, report."""
    cells = [
        new_markdown_cell(
            f"# {program.title}\n## Progress\n\n"
            "This view reads the Secure Base store; it shows counts and ratings, never what the client wrote. "
            f"{OPENING}"
        ),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from securebase.progress import ProgressWorkbook\n\n"
            f'pw = ProgressWorkbook("{program.id}", client_id=client_id, store_path=store_path, mode=mode,\n'
            "                      output_dir=output_dir, today=today, handout_since=handout_since,\n"
            "                      clinician_note=clinician_note)"
        ),
        new_markdown_cell("### Safety flags\n\nSaved entries that may describe a risk. Clear a flag only after "
                          "you have followed it up, and say how."),
        new_code_cell("pw.safety()"),
        new_markdown_cell("### Where the client is"),
        new_code_cell("pw.overview()"),
        new_markdown_cell("### Charts"),
        new_code_cell("pw.plots()"),
        new_markdown_cell("### Change the current step\n\nBy default the step follows the start date."),
        new_code_cell("pw.override()"),
        new_markdown_cell("### Relationship check over time\n\nThe intake check repeated at milestones, "
                          "with the reliable change index (|RCI| of at least 1.96 is a reliable change)."),
        new_code_cell("pw.assessments()"),
        *_couple_cells(program),
        new_markdown_cell("### Report files"),
        new_code_cell("pw.report()"),
        new_markdown_cell(
            "### Session summary and homework handout\n\n"
            "For the client to take home: what they recorded since the chosen day, their safety statements, "
            "values and maintenance dates, and this step's homework. Written as HTML and PDF."
        ),
        new_code_cell("pw.handout()"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"progress-{i:02d}"  # stable ids keep diffs readable
    return nb
