"""Saving workbook entries: validate against content, screen for safety, then write to the store.

The one path by which answers reach the store, used by the widget forms and by batch
imports alike. Nothing is written unless the whole entry is valid. Every save and every
revision is screened (:func:`securebase.safety.flags.screen_answers`); a flagged entry is still
saved, with its flag written in the same transaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from securebase.content import Program
from securebase.core.errors import EntryValidationError
from securebase.safety.flags import screen_answers
from securebase.store import EntryRef, Store
from securebase.journal.validation import parse_occurred_at, validate_answers


def _check(program: Program, exercise_id: str, answers: Mapping[str, Any], occurred_at: Any) -> tuple[Any, ...]:
    phase, exercise = program.find_exercise(exercise_id)
    problems: dict[str, str] = {}
    when = cleaned = None
    try:
        when = parse_occurred_at(occurred_at)
    except EntryValidationError as exc:
        problems.update(exc.problems)
    try:
        cleaned = validate_answers(exercise, answers)
    except EntryValidationError as exc:
        problems.update(exc.problems)
    if problems:
        raise EntryValidationError(problems)
    return phase, exercise, cleaned, when


def save_entry(
    store: Store,
    client_id: str,
    program: Program,
    exercise_id: str,
    answers: Mapping[str, Any],
    *,
    occurred_at: Any = None,
    source_key: str | None = None,
) -> EntryRef:
    """Validate and save a new entry. Raises :class:`EntryValidationError` listing every problem."""
    phase, exercise, cleaned, when = _check(program, exercise_id, answers, occurred_at)
    return store.add_entry(
        client_id,
        program_id=program.id,
        phase_id=phase.id,
        exercise_id=exercise.id,
        content_version=program.version,
        data=cleaned,
        occurred_at=when,
        source_key=source_key,
        safety_categories=screen_answers(exercise, cleaned),
    )


def revise_entry(
    store: Store,
    program: Program,
    entry_id: str,
    answers: Mapping[str, Any],
    *,
    occurred_at: Any = None,
    expected_revision: int | None = None,
) -> EntryRef:
    """Validate edited answers and save them as a new revision of ``entry_id``."""
    current = store.get_entry(entry_id)
    _, exercise, cleaned, when = _check(program, current.exercise_id, answers, occurred_at or current.occurred_at)
    return store.revise_entry(
        entry_id,
        safety_categories=screen_answers(exercise, cleaned),
        data=cleaned,
        occurred_at=when,
        content_version=program.version,
        expected_revision=expected_revision,
    )


def source_key_for(exercise_id: str, occurred_at: Any, answers: Mapping[str, Any]) -> str:
    """A stable key for an imported entry, so that importing the same file twice saves it once."""
    canonical = json.dumps(
        {"exercise": exercise_id, "occurred_at": str(occurred_at), "answers": answers},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return "import:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
