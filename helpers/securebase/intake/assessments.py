"""Questionnaire results in the store, and their change over time.

:func:`save_assessment` scores responses with the scale engine and stores the answers, the
scores and the instrument and scoring versions in one append-only row. :func:`change_from_first`
compares each later result with the first one using the reliable change index, but only when
both were scored with the same scoring version (otherwise the comparison would mix rules).
:func:`due_milestones` says which program milestones still lack a repeat of the instrument.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Mapping

from securebase.content import Program
from securebase.core.errors import SecureBaseError
from securebase.content.scales import Instrument, reliable_change, score
from securebase.store import AlreadySaved, Assessment, Store, utc_now

OCCASIONS = ("intake", "milestone", "follow_up")
OCCASION_LABELS = {"intake": "Intake", "milestone": "Milestone", "follow_up": "Follow-up"}

__all__ = ["OCCASIONS", "OCCASION_LABELS", "AlreadyRecorded", "Assessment", "change_from_first", "due_milestones", "get_assessments",
           "save_assessment"]


class AlreadyRecorded(SecureBaseError):
    def __init__(self, assessment_id: str):
        self.assessment_id = assessment_id
        super().__init__(f"These answers were already saved (assessment {assessment_id}); they were not saved twice.")


def save_assessment(
    store: Store,
    client_id: str,
    instrument: Instrument,
    responses: Mapping[str, Any],
    *,
    occasion: str = "intake",
    administered_at: str | None = None,
    source_key: str | None = None,
) -> Assessment:
    """Score and store one administration; raises :class:`~securebase.content.scales.ScaleError` on bad answers."""
    if occasion not in OCCASIONS:
        raise SecureBaseError(f"occasion {occasion!r} is not one of {', '.join(OCCASIONS)}.")
    store.require_client(client_id)
    result = score(instrument, responses).as_dict()
    answers = {k: v for k, v in responses.items() if v is not None}
    try:
        return store.add_assessment(
            client_id, instrument_id=instrument.id, instrument_version=instrument.version,
            scoring_version=instrument.scoring_version, occasion=occasion,
            administered_at=administered_at or utc_now()[:19], responses=answers, result=result, source_key=source_key,
        )
    except AlreadySaved as exc:
        raise AlreadyRecorded(str(exc.existing)) from None


def get_assessments(store: Store, client_id: str, instrument_id: str | None = None) -> list[Assessment]:
    """A client's results, oldest first."""
    return store.assessments(client_id, instrument_id)


def change_from_first(instrument: Instrument, history: list[Assessment]) -> list[dict[str, Any]]:
    """For each result after the first: per subscale, the change from the first and its RCI."""
    if not history:
        return []
    first = history[0]
    rows = []
    for later in history[1:]:
        comparable = later.scoring_version == first.scoring_version
        changes = {}
        for sub in instrument.subscales:
            before, after = first.scores.get(sub.id), later.scores.get(sub.id)
            if comparable and before is not None and after is not None:
                changes[sub.id] = reliable_change(sub, before, after) or {
                    "before": before, "after": after, "change": round(after - before, 4), "rci": None, "reliable": None}
        rows.append({
            "administered_at": later.administered_at, "occasion": later.occasion, "comparable": comparable,
            "note": "" if comparable else (f"scored with version {later.scoring_version}, the first with "
                                           f"{first.scoring_version}: not compared"),
            "changes": changes,
        })
    return rows


def due_milestones(program: Program, start: date | None, today: date, history: list[Assessment]) -> list[str]:
    """Phases (after the first) that have begun without the instrument being repeated since."""
    from securebase.journal.schedule import current_position

    if start is None or not history:
        return []
    current = current_position(program, start, today, None).scheduled_phase
    due = []
    for phase in program.phases[1:]:
        if phase.number > current.number:
            break
        unit_days = 1 if program.window_unit == "days" else 7
        began = start.toordinal() + (phase.window.start - 1) * unit_days
        if not any(date.fromisoformat(a.administered_at[:10]).toordinal() >= began for a in history):
            due.append(phase.title)
    return due
