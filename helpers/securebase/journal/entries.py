"""Saving workbook entries: validate against content, derive, screen for safety, then store.

:func:`check_entry` is the one path by which answers are made ready for the store: it validates
them (every problem at once), computes the derived values and screens the free text
(:func:`securebase.safety.flags.screen_answers`). :func:`save_entry` and :func:`revise_entry`
store what it gives; the couple's protocol (:func:`securebase.couples.protocol.save_protocol`),
collected workbooks (:mod:`securebase.workshop.collect`) and batch imports
(:mod:`securebase.notebook.answers`) go through it too, so nothing is screened twice and
nothing is written unless the whole entry is valid. A flagged entry is still saved, with its flag
written in the same transaction, and the :class:`SaveResult` carries the categories so that the
person sees the resources at once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from securebase.content import Exercise, Phase, Program
from securebase.core.errors import EntryValidationError
from securebase.safety.flags import Screening, screen_answers
from securebase.store import EntryRef, Store
from securebase.journal.derived import derive
from securebase.journal.validation import parse_occurred_at, validate_answers


@dataclass(frozen=True)
class Checked:
    """Answers ready for the store: cleaned, with their derived values and what the screen found."""

    phase: Phase
    exercise: Exercise
    answers: dict[str, Any]
    occurred_at: str
    derived: dict[str, Any]
    screening: Screening

    @property
    def safety(self) -> tuple[str, ...]:
        return self.screening.flag


@dataclass(frozen=True)
class SaveResult:
    """What a save did: the entry (or protocol version) it wrote, the cleaned answers, the
    derived values and the safety categories found (empty when none; the entry is saved anyway)."""

    ref: EntryRef
    answers: dict[str, Any]
    safety: tuple[str, ...] = ()
    derived: dict[str, Any] = field(default_factory=dict)
    check_in: tuple[str, ...] = ()   # categories to ask the person about (see securebase.safety.check_in)
    screened_as: str | None = None   # the id its flag and check-in are stored under, when not ``entry_id`` (a protocol)

    @property
    def screen_id(self) -> str:
        return self.screened_as or self.ref.entry_id

    @property
    def entry_id(self) -> str:
        return self.ref.entry_id

    @property
    def revision(self) -> int:
        return self.ref.revision

    @property
    def flagged(self) -> bool:
        return bool(self.safety)


def check_entry(program: Program, exercise_id: str, answers: Mapping[str, Any], occurred_at: Any = None) -> Checked:
    """:func:`check_answers` for the exercise ``exercise_id`` of ``program``."""
    phase, exercise = program.find_exercise(exercise_id)
    return check_answers(phase, exercise, answers, occurred_at)


def check_answers(phase: Phase, exercise: Exercise, answers: Mapping[str, Any], occurred_at: Any = None) -> Checked:
    """Validate ``answers`` (raising :class:`EntryValidationError` with every problem, the time
    included), derive and screen them: the one check before anything is stored."""
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
    return Checked(phase, exercise, cleaned, when, derive(exercise, cleaned), screen_answers(exercise, cleaned))


def save_entry(
    store: Store,
    client_id: str,
    program: Program,
    exercise_id: str,
    answers: Mapping[str, Any],
    *,
    occurred_at: Any = None,
    source_key: str | None = None,
) -> SaveResult:
    """Validate and save a new entry. Raises :class:`EntryValidationError` listing every problem."""
    checked = check_entry(program, exercise_id, answers, occurred_at)
    ref = store.add_entry(
        client_id,
        program_id=program.id,
        phase_id=checked.phase.id,
        exercise_id=checked.exercise.id,
        content_version=program.version,
        data=checked.answers,
        occurred_at=checked.occurred_at,
        source_key=source_key,
        safety_categories=checked.safety,
        check_in_categories=checked.screening.check_in,
    )
    _notify(store, checked)
    return SaveResult(ref, checked.answers, checked.safety, checked.derived, checked.screening.check_in)


def revise_entry(
    store: Store,
    program: Program,
    entry_id: str,
    answers: Mapping[str, Any],
    *,
    occurred_at: Any = None,
    expected_revision: int | None = None,
) -> SaveResult:
    """Validate edited answers and save them as a new revision of ``entry_id``."""
    current = store.get_entry(entry_id)
    checked = check_entry(program, current.exercise_id, answers, occurred_at or current.occurred_at)
    ref = store.revise_entry(
        entry_id,
        safety_categories=checked.safety,
        check_in_categories=checked.screening.check_in,
        data=checked.answers,
        occurred_at=checked.occurred_at,
        content_version=program.version,
        expected_revision=expected_revision,
    )
    _notify(store, checked)
    return SaveResult(ref, checked.answers, checked.safety, checked.derived, checked.screening.check_in)


def _notify(store: Store, checked: Checked) -> None:
    """A flagged save tells the clinician by e-mail too, when SMTP is set up (ids and categories only,
    sent in the background: the save never waits for the mail server)."""
    if checked.safety:
        from securebase.safety.mailer import notify_soon

        notify_soon(store)


def source_key_for(exercise_id: str, occurred_at: Any, answers: Mapping[str, Any]) -> str:
    """A stable key for an imported entry, so that importing the same file twice saves it once."""
    canonical = json.dumps(
        {"exercise": exercise_id, "occurred_at": str(occurred_at), "answers": answers},
        sort_keys=True,
        ensure_ascii=False,
        default=str,
    )
    return "import:" + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:32]
