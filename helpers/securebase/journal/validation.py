"""Checking answers against the fields defined in content.

Pure functions, shared by the widget forms (interactive mode) and the answers-file
reader (batch mode). Every problem becomes a sentence that says what is wrong and how
to fix it; nothing is stored unless every answer in the entry is acceptable.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from securebase.content import Exercise, FieldSpec
from securebase.content.fields import FieldProblem
from securebase.content.fields.base import describe as _describe, is_empty as _is_empty
from securebase.core.errors import EntryValidationError

OCCURRED_AT = "occurred_at"


def validate_field(spec: FieldSpec, value: Any, *, partial: bool = False) -> Any:
    """Return the cleaned value of one non-empty answer, or raise :class:`FieldProblem`.

    ``partial`` is for checking while someone is still answering: a list that is not yet
    long enough is not a problem until the entry is saved. The field's type does the checking
    (:meth:`securebase.content.fields.FieldKind.clean`).
    """
    return spec.type.clean(spec, value, partial=partial)


def validate_answers(exercise: Exercise, answers: Mapping[str, Any]) -> dict[str, Any]:
    """Check all answers of one entry; return them cleaned or raise :class:`EntryValidationError`."""
    if not isinstance(answers, Mapping):
        raise EntryValidationError({"(entry)": f"answers must be a mapping of field id to value, not {type(answers).__name__}"})
    problems: dict[str, str] = {}
    known = {f.id for f in exercise.fields}
    for key in answers:
        if key not in known:
            problems[str(key)] = (
                f"{exercise.title!r} has no question with id {key!r}; the questions are: {', '.join(sorted(known))}"
            )
    cleaned: dict[str, Any] = {}
    for spec in exercise.fields:
        value = answers.get(spec.id)
        if _is_empty(value):
            if spec.required:
                problems[spec.id] = f"{spec.label!r} needs an answer"
            continue
        try:
            cleaned[spec.id] = validate_field(spec, value)
        except FieldProblem as exc:   # under the field in a form; after the field's id in a batch report
            problems[spec.id] = exc.advice or f"{spec.label!r} {exc}"
    for spec in exercise.fields:  # a ranking may only rank what was picked in its source field
        if spec.rank_from and spec.id in cleaned and spec.id not in problems:
            picked = set(cleaned.get(spec.rank_from, []))
            stray = [v for v in cleaned[spec.id] if v not in picked]
            if stray:
                problems[spec.id] = (
                    f"{spec.label!r} ranks {', '.join(map(repr, stray))}, which you did not pick in "
                    f"{exercise.field(spec.rank_from).label!r}; pick it there first or rank another value"
                )
    if problems:
        raise EntryValidationError(problems)
    return cleaned


def parse_occurred_at(value: Any, *, now: datetime | None = None) -> str:
    """When the experience happened, as ``YYYY-MM-DDTHH:MM:SS`` local time; empty means now."""
    now = (now or datetime.now()).replace(microsecond=0)
    if _is_empty(value):
        moment = now
    elif isinstance(value, datetime):
        moment = value.replace(tzinfo=None, microsecond=0)
    elif isinstance(value, date):
        moment = datetime.combine(value, time(12, 0))
    elif isinstance(value, str):
        text = value.strip().replace(" ", "T", 1)
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise EntryValidationError(
                {OCCURRED_AT: f"{_describe(value)} is not a date and time; write it as YYYY-MM-DD HH:MM, "
                 "for example 2026-03-09 18:30"}
            ) from None
        if moment.tzinfo is not None:
            moment = moment.astimezone().replace(tzinfo=None)
        if len(text) == 10:  # a bare date: midday, so that the day is right in any time zone
            moment = moment.replace(hour=12)
        moment = moment.replace(microsecond=0)
    else:
        raise EntryValidationError({OCCURRED_AT: f"must be a date and time, but got {_describe(value)}"})
    if moment > now + timedelta(hours=1):
        raise EntryValidationError({OCCURRED_AT: f"{moment:%Y-%m-%d %H:%M} is in the future; check the date"})
    if moment.year < 1900:
        raise EntryValidationError({OCCURRED_AT: f"{moment:%Y-%m-%d} is too far in the past; check the year"})
    return moment.isoformat()
