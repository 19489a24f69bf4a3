"""The session summary and homework handout a clinician gives a client.

:func:`build_handout` gathers a JSON-safe context from the store: where the client is in the
program, what they recorded since the last session (counts, mean ratings, derived values), the
client's own words that belong on a handout (active safety statements, the latest values
ranking, the next maintenance-plan dates) and the homework of the current phase.
:func:`write_handout` renders it as ``handout.html`` (and ``handout.pdf`` when WeasyPrint works
on this machine) plus ``maintenance.ics`` when there is a maintenance plan.

Safety
------
* Client text is plain text in the context. It is cleaned (control characters and lone
  surrogates removed) and shortened *before* rendering, so an ellipsis can never split an
  HTML entity; the template escapes everything (Jinja2 autoescape, no ``|safe``).
* The page renders no links at all, loads nothing and carries a Content-Security-Policy that
  forbids scripts. The PDF renderer is given a URL fetcher that refuses every fetch.
* Only these client free texts reach the handout: safety statements, the clinician's note and,
  only when asked for (``include_safety_plan``, off by default), the person's safety plan.
  Other free text (journal entries, who a client involves) never does.
"""

from __future__ import annotations

import unicodedata
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from securebase import content as content_mod
from securebase.core.config import write_private_file
from securebase.content import Exercise, Program
from securebase.journal.derived import derive, derived_labels
from securebase.reports.render import render
from securebase.journal.schedule import WEEKDAYS, PlannedEvent, current_position, maintenance_events, to_ics
from securebase.store import Entry, Store
from securebase.core import config

TEXT_LIMIT = 400            # characters of one piece of client text shown on the handout
NOTE_LIMIT = 2000           # characters of the clinician's note
MAX_STATEMENTS = 20         # active safety statements shown (the most recent ones)
UPCOMING_EVENTS = 8         # maintenance dates listed on the page
DEFAULT_WINDOW_DAYS = 7     # "since" defaults to this many days before today
_MAX_STRING = NOTE_LIMIT    # write_handout bounds every string of a context to this
_MAX_LIST = 200             # ... and every list to this many items

# The behaviours (content/programs/*.yaml, ``behaviours:``) of the exercises whose entries the handout shows.
STATEMENTS_BEHAVIOUR = "handout_statements"
VALUES_BEHAVIOUR = "handout_values"
VALUES_RANKING_FIELD = "value_ranking"
PLAN_BEHAVIOUR = "maintenance_schedule"

_KEEP_CONTROLS = {"\n", "\t"}


# ---------------------------------------------------------------- text


def clean_text(value: Any) -> str:
    """Plain text safe to hand to a template: newlines normalised, control characters and lone
    surrogates (which cannot be written as UTF-8) removed, surrounding blank space stripped."""
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return "".join(
        ch for ch in text
        if ch in _KEEP_CONTROLS or unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()


def shorten(value: Any, limit: int = TEXT_LIMIT) -> str:
    """Clean ``value`` and cut it to at most ``limit`` characters, ending in an ellipsis when cut.

    This works on plain text, before any escaping, so it can never split an HTML entity. It
    prefers to cut at a space near the end, and never cuts combining marks off their character.
    """
    text = clean_text(value)
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ", max(0, len(cut) - 40))
    if space > 0:
        cut = cut[:space]
    if unicodedata.combining(text[len(cut)]):
        # the cut falls inside a character and its combining marks: drop back before the base
        while cut and unicodedata.combining(cut[-1]):
            cut = cut[:-1]
        cut = cut[:-1]
    return cut.rstrip() + "…"


def _first_paragraph(text: str) -> str:
    paragraphs = [p for p in text.strip().split("\n\n") if p.strip()]
    return " ".join(paragraphs[0].split()) if paragraphs else ""


def _bounded(value: Any) -> Any:
    """A copy of a context with every string and list bounded, whatever produced it."""
    if isinstance(value, str):
        return shorten(value, _MAX_STRING)
    if isinstance(value, dict):
        return {str(k): _bounded(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_bounded(v) for v in list(value)[:_MAX_LIST]]
    return value


# ---------------------------------------------------------------- context


def _entry_day(entry: Entry) -> date | None:
    try:
        return date.fromisoformat(entry.occurred_at[:10])
    except ValueError:
        return None


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _schedule_text(exercise: Exercise, language: str) -> str:
    freq = exercise.schedule.frequency
    slots = ", ".join(s.label for s in exercise.schedule.slots)
    try:
        return content_mod.locale(language).text(f"schedule_{freq}", slots=slots)
    except KeyError:
        return freq.replace("_", " ").capitalize()


def _position(program: Program, start: date | None, override: str | None, today: date) -> dict[str, Any]:
    phase_ids = {p.id for p in program.phases}
    override = override if override in phase_ids else None  # an override for another program does not apply
    unit_name = "day" if program.window_unit == "days" else "week"
    if start is None:
        phase = program.phase(override) if override else program.phases[0]
        source = "override" if override else "no_start_date"
        description = f"{program.title}: {phase.title}" + (
            " (set by the clinician)" if override else " (no start date is set, so the first step is shown)"
        )
        return {
            "phase_id": phase.id, "phase_title": phase.title, "phase_number": phase.number,
            "unit": None, "unit_name": unit_name, "source": source,
            "scheduled_phase_id": None, "description": description,
        }
    pos = current_position(program, start, today, override)
    return {
        "phase_id": pos.phase.id, "phase_title": pos.phase.title, "phase_number": pos.phase.number,
        "unit": pos.unit, "unit_name": unit_name, "source": pos.source,
        "scheduled_phase_id": pos.scheduled_phase.id, "description": pos.describe(program),
    }


def _exercise_summary(exercise: Exercise, entries: list[Entry]) -> dict[str, Any]:
    ratings = []
    for spec in exercise.fields:
        if not spec.type.rated:
            continue
        values = [float(e.data[spec.id]) for e in entries if _number(e.data.get(spec.id))]
        if values:
            ratings.append({
                "field_id": spec.id,
                "label": spec.short_label or spec.label,
                "mean": _mean(values),
                "n": len(values),
                "min": spec.min,
                "max": spec.max,
            })
    labels = derived_labels(exercise)
    derived_values: dict[str, list[float]] = {}
    for e in entries:
        for name, value in derive(exercise, e.data).items():
            if _number(value):  # text-valued derived values (a rephrased thought) stay off the handout
                derived_values.setdefault(name, []).append(float(value))
    derived = [
        {"name": name, "label": labels.get(name, name), "mean": _mean(values), "n": len(values)}
        for name, values in derived_values.items()
    ]
    return {
        "exercise_id": exercise.id,
        "title": exercise.title,
        "count": len(entries),
        "ratings": ratings,
        "derived": derived,
    }


def _has_exercise(program: Program, behaviour: str) -> Exercise | None:
    try:
        return program.find_exercise_with(behaviour)[1]
    except KeyError:
        return None


def _safety_statements(program: Program, entries: list[Entry]) -> dict[str, Any] | None:
    exercise = _has_exercise(program, STATEMENTS_BEHAVIOUR)
    if exercise is None:
        return None
    active = [
        e for e in entries
        if e.exercise_id == exercise.id and e.data.get("status") == "active"
        and clean_text(e.data.get("statement") or "")
    ]
    shown = active[-MAX_STATEMENTS:]
    return {
        "statements": [{"text": shorten(e.data["statement"]), "since": e.occurred_at[:10]} for e in shown],
        "not_shown": len(active) - len(shown),
    }


def _values_ranking(program: Program, entries: list[Entry]) -> dict[str, Any] | None:
    exercise = _has_exercise(program, VALUES_BEHAVIOUR)
    if exercise is None:
        return None
    try:
        spec = exercise.field(VALUES_RANKING_FIELD)
    except KeyError:
        return None
    latest = next(
        (e for e in reversed(entries)
         if e.exercise_id == exercise.id and isinstance(e.data.get(VALUES_RANKING_FIELD), list)
         and e.data[VALUES_RANKING_FIELD]),
        None,
    )
    if latest is None:
        return None
    ranking = [v for v in latest.data[VALUES_RANKING_FIELD] if isinstance(v, str)][: spec.max_items or 10]
    return {
        "recorded_on": latest.occurred_at[:10],
        "ranking": [
            {"place": i, "value": shorten(v, 80), "label": shorten(spec.choice_label(v))}
            for i, v in enumerate(ranking, start=1)
        ],
    }


def _event_dict(event: PlannedEvent) -> dict[str, Any]:
    return {
        "date": event.when.isoformat(),
        "weekday": WEEKDAYS[event.when.weekday()].capitalize(),
        "kind": event.kind,
        "label": event.label,
    }


def _maintenance(program: Program, entries: list[Entry], start: date | None, today: date) -> dict[str, Any] | None:
    exercise = _has_exercise(program, PLAN_BEHAVIOUR)
    if exercise is None:
        return None
    latest = next((e for e in reversed(entries) if e.exercise_id == exercise.id), None)
    if latest is None:
        return None
    plan_day = _entry_day(latest) or today
    # Scheduling starts on program day 46 (the integration step). Without a start date it starts
    # on the day the plan was made.
    program_start = start if start is not None else plan_day - timedelta(days=45)
    try:
        events = maintenance_events(latest.data, program_start=program_start)
    except (KeyError, ValueError, TypeError):
        return None  # a plan from older content that no longer gives dates: leave it off
    coming = [e for e in events if e.when >= today]
    weekday = latest.data.get("checkin_weekday")
    try:
        weekday_label = exercise.field("checkin_weekday").choice_label(weekday) if weekday else ""
    except KeyError:
        weekday_label = ""
    return {
        "recorded_on": plan_day.isoformat(),
        "checkin_weekday": shorten(weekday_label, 40),
        "appreciation_day": latest.data.get("appreciation_day") if _number(latest.data.get("appreciation_day")) else None,
        "upcoming": [_event_dict(e) for e in coming[:UPCOMING_EVENTS]],
        "calendar": [_event_dict(e) for e in coming],
    }


def _safety_plan(store: Store, client_id: str, language: str) -> dict[str, Any] | None:
    """The person's safety plan, when they have written one (plain text, shortened)."""
    from securebase.journal.safety_plan import current_plan, plan_sections
    from securebase.safety.plan import plan_content

    entry = current_plan(store, client_id)
    sections = plan_sections(entry, language)
    if entry is None or not sections:
        return None
    plan = plan_content(language)
    return {
        "title": plan.title,
        "last_changed": plan.last_changed.format(when=entry.occurred_at[:10]),
        "sections": [{"part_id": s.part_id, "title": s.title, "lines": [shorten(i) for i in s.items]} for s in sections],
    }


def _homework(program: Program, phase_id: str, language: str) -> list[dict[str, Any]]:
    phase = program.phase(phase_id)
    return [
        {
            "exercise_id": ex.id,
            "title": ex.title,
            "schedule": _schedule_text(ex, language),
            "instructions": _first_paragraph(ex.instructions),
        }
        for ex in phase.exercises
    ]


def build_handout(
    store: Store,
    program: Program | str,
    client_id: str,
    *,
    today: date,
    since: date | None = None,
    language: str = "en",
    clinician_note: str = "",
    phase_id: str | None = None,
    include_safety_plan: bool = False,
) -> dict[str, Any]:
    """The handout's context: only JSON types (str, int, float, None, lists, dicts).

    ``include_safety_plan`` adds the person's safety plan (``safety_plan``; ``None`` when it is off
    or there is no plan). It is off by default: the plan is private until the person asks for it.

    ``phase_id`` shows that phase (its homework) whatever the dates say, for example the phase
    of the workbook a workshop hands out; otherwise the client's position decides.

    The session summary covers entries that happened on the days ``since`` to ``today``, both
    included (``since`` defaults to seven days before ``today``). Safety statements, the values
    ranking and the maintenance plan are the latest ones whenever they were recorded.
    """
    if isinstance(program, str):
        program = content_mod.program(program)
    if since is None:
        since = today - timedelta(days=DEFAULT_WINDOW_DAYS)
    if since > today:
        raise ValueError(f"'since' ({since}) is after 'today' ({today})")
    client = store.require_client(client_id)
    entries = store.current_entries(client_id, program_id=program.id)

    position = _position(program, client.start_date, phase_id or client.phase_override, today)

    in_window = [e for e in entries if (d := _entry_day(e)) is not None and since <= d <= today]
    by_exercise: dict[str, list[Entry]] = {}
    for e in in_window:
        by_exercise.setdefault(e.exercise_id, []).append(e)
    exercises = []
    for phase in program.phases:  # program order; exercises no longer in the content are left out
        for ex in phase.exercises:
            if by_exercise.get(ex.id):
                block = _exercise_summary(ex, by_exercise[ex.id])
                block["phase_title"] = phase.title
                exercises.append(block)

    loc = content_mod.locale(language)
    return {
        "kind": "securebase.handout",
        "version": 1,
        "language": language,
        "client_id": client.client_id,
        "program": {"id": program.id, "title": program.title, "version": program.version},
        "today": today.isoformat(),
        "since": since.isoformat(),
        "position": position,
        "summary": {
            "since": since.isoformat(),
            "until": today.isoformat(),
            "total_entries": sum(block["count"] for block in exercises),
            "exercises": exercises,
        },
        "safety_statements": _safety_statements(program, entries),
        "values_ranking": _values_ranking(program, entries),
        "maintenance": _maintenance(program, entries, client.start_date, today),
        "safety_plan": _safety_plan(store, client.client_id, language) if include_safety_plan else None,
        "homework": {
            "phase_id": position["phase_id"],
            "phase_title": position["phase_title"],
            "exercises": _homework(program, position["phase_id"], language),
        },
        "clinician_note": shorten(clinician_note or "", NOTE_LIMIT),
        "privacy_note": loc.text("privacy_note"),
        "limits": {"text": TEXT_LIMIT, "note": NOTE_LIMIT},
    }


# ---------------------------------------------------------------- files


def _refusing_fetcher(weasyprint: Any) -> Any:
    """A URL fetcher that fetches nothing: the handout needs no outside resource."""
    base = getattr(getattr(weasyprint, "urls", None), "URLFetcher", None)

    def refuse(url: str, *args: Any, **kwargs: Any) -> Any:
        raise ValueError(f"the handout loads no resources (refused {url[:60]!r})")

    if base is None or not isinstance(base, type):  # WeasyPrint before the URLFetcher class
        return refuse

    class _Refuse(base):  # type: ignore[misc, valid-type]
        def fetch(self, url: str, headers: Any = None) -> Any:
            return refuse(url)

    return _Refuse()


def pdf_backend() -> tuple[Any, str | None]:
    """``(weasyprint, None)`` when WeasyPrint can make PDFs here, else ``(None, reason)``."""
    try:
        import weasyprint  # noqa: PLC0415  (optional, and slow to import)
    except ImportError as exc:
        return None, (
            "PDF not written: WeasyPrint is not installed (pip install weasyprint). "
            f"Print handout.html from a browser instead. ({exc})"
        )
    except OSError as exc:  # WeasyPrint is there, but a system library (Pango) is missing
        return None, (
            "PDF not written: WeasyPrint cannot load its system libraries. On Debian or Ubuntu "
            "install libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 (and a font such as "
            f"fonts-dejavu-core). Print handout.html from a browser instead. ({exc})"
        )
    return weasyprint, None


def _calendar_events(context: dict[str, Any]) -> list[PlannedEvent]:
    maintenance = context.get("maintenance") or {}
    kinds = {"weekly_checkin", "monthly_appreciation", "quarterly_review"}
    events = []
    for item in maintenance.get("calendar") or []:
        try:
            when = date.fromisoformat(item["date"])
        except (KeyError, TypeError, ValueError):
            continue
        kind = item.get("kind") if item.get("kind") in kinds else "weekly_checkin"
        # the label goes into an iCalendar line: keep it to one plain line
        label = " ".join(shorten(item.get("label") or "", 120).split()) or "Secure Base"
        events.append(PlannedEvent(when, kind, label))
    return events


def write_handout(out_dir: Path, context: dict[str, Any], *, pdf: bool = True) -> dict[str, Path | str]:
    """Write ``handout.html``, ``handout.pdf`` (when ``pdf`` and WeasyPrint works) and
    ``maintenance.ics`` (when there is a maintenance plan). Returns the paths by kind (``html``,
    ``pdf``, ``ics``); when no PDF could be made, ``pdf_unavailable`` holds the reason instead.
    """
    out_dir = Path(out_dir)
    config.ensure_private_dir(out_dir)
    ctx = _bounded(context)
    html = render("handout.html.j2", h=ctx)
    files: dict[str, Path | str] = {"html": write_private_file(out_dir / "handout.html", html.encode("utf-8"))}

    weasyprint, reason = pdf_backend() if pdf else (None, None)
    if weasyprint is not None:
        try:
            pdf_bytes = weasyprint.HTML(string=html, base_url=None, url_fetcher=_refusing_fetcher(weasyprint)).write_pdf()
        except Exception as exc:  # a renderer failure must not lose the HTML handout
            reason = f"PDF not written: WeasyPrint failed ({type(exc).__name__}: {exc}). Print handout.html instead."
        else:
            files["pdf"] = write_private_file(out_dir / "handout.pdf", pdf_bytes)
    if reason:
        files["pdf_unavailable"] = reason

    events = _calendar_events(ctx)
    if ctx.get("maintenance") and events:
        ics = to_ics(events)
        files["ics"] = write_private_file(out_dir / "maintenance.ics", ics.encode("utf-8"))
    return files


def describe_files(out_dir: Path, files: dict[str, Path | str]) -> list[str]:
    """Plain-text lines saying what :func:`write_handout` wrote, for a notebook or a log."""
    names = [p.name for kind, p in files.items() if isinstance(p, Path)]
    lines = [f"Handout written to {out_dir}: " + ", ".join(names)]
    if isinstance(files.get("pdf_unavailable"), str):
        lines.append(str(files["pdf_unavailable"]))
    return lines
