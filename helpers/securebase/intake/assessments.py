"""Questionnaire results in the store, and their change over time.

:func:`save_assessment` scores responses with the scale engine and stores the answers, the
scores and the instrument and scoring versions in one append-only row. :func:`change_from_first`
compares each later result with the first one using the reliable change index, but only when
both were scored with the same scoring version (otherwise the comparison would mix rules).
:func:`due_milestones` says which program milestones still lack a repeat of the instrument.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any, Mapping

from securebase.content import Program
from securebase.core.errors import SecureBaseError
from securebase.content.scales import Instrument, reliable_change, score
from securebase.store import Store, utc_now

OCCASIONS = ("intake", "milestone", "follow_up")


class AlreadyRecorded(SecureBaseError):
    def __init__(self, assessment_id: str):
        self.assessment_id = assessment_id
        super().__init__(f"These answers were already saved (assessment {assessment_id}); they were not saved twice.")


@dataclass(frozen=True)
class Assessment:
    assessment_id: str
    client_id: str
    instrument_id: str
    instrument_version: str
    scoring_version: str
    occasion: str
    administered_at: str
    responses: dict[str, Any]
    result: dict[str, Any]

    @property
    def scores(self) -> dict[str, float | None]:
        return {k: v["score"] for k, v in self.result["subscales"].items()}


_COLUMNS = ("assessment_id, client_id, instrument_id, instrument_version, scoring_version, occasion, "
            "administered_at, responses, result")


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
    assessment_id = uuid.uuid4().hex
    when = administered_at or utc_now()[:19]
    with store._write() as db:
        if source_key is not None:
            found = db.execute("SELECT assessment_id FROM assessments WHERE client_id = ? AND source_key = ?",
                               (client_id, source_key)).fetchone()
            if found:
                raise AlreadyRecorded(found[0])
        db.execute(
            f"INSERT INTO assessments ({_COLUMNS}, recorded_at, source_key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (assessment_id, client_id, instrument.id, instrument.version, instrument.scoring_version, occasion, when,
             json.dumps(answers, sort_keys=True), json.dumps(result, sort_keys=True), utc_now(), source_key),
        )
        store._audit(db, "assessment", "assessment", assessment_id, client_id,
                     {"instrument_id": instrument.id, "scoring_version": instrument.scoring_version, "occasion": occasion})
    return _get(store, assessment_id)


def _get(store: Store, assessment_id: str) -> Assessment:
    row = store._db.execute(f"SELECT {_COLUMNS} FROM assessments WHERE assessment_id = ?", (assessment_id,)).fetchone()
    return _assessment(row)


def _assessment(row: tuple) -> Assessment:
    values = list(row)
    values[7], values[8] = json.loads(values[7]), json.loads(values[8])
    return Assessment(*values)


def get_assessments(store: Store, client_id: str, instrument_id: str | None = None) -> list[Assessment]:
    """A client's results, oldest first."""
    sql = f"SELECT {_COLUMNS} FROM assessments WHERE client_id = ?"
    params: list[Any] = [client_id]
    if instrument_id is not None:
        sql += " AND instrument_id = ?"
        params.append(instrument_id)
    rows = store._db.execute(sql + " ORDER BY administered_at, recorded_at", params).fetchall()
    return [_assessment(r) for r in rows]


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
