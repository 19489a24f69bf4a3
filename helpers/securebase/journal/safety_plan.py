"""Saving and reading a person's safety plan (the plan's parts are :mod:`securebase.safety.plan`).

A person has at most one plan. It is an ordinary entry of the store, with revisions, stored under
program ``safety_plan``, phase ``help`` and exercise ``safety_plan`` (see
:data:`~securebase.safety.plan.PLAN_PROGRAM_ID`); no program uses those ids, so the plan never
shows up in a program's summaries, progress or research export. :func:`save_plan` writes the
first version, and every later save is a new revision of the same entry (with the usual guard
against a lost update).

The answers are checked by the same rules as any entry (:func:`validate_answers` on the plan's
exercise), but **the plan is not screened for safety flags**: a safety plan names warning signs
and means on purpose, and flagging every plan would cry wolf. So the store is called with no
safety categories, and :class:`SaveResult` always has ``safety == ()``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from securebase.core import clock
from securebase.core.errors import EntryValidationError, SecureBaseError
from securebase.journal.entries import SaveResult
from securebase.journal.validation import validate_answers
from securebase.safety.plan import PLAN_EXERCISE_ID, PLAN_PHASE_ID, PLAN_PROGRAM_ID, PlanContent, plan_content
from securebase.store import Entry, Store

NOTHING = "(plan)"   # the problem key when nothing at all is written


@dataclass(frozen=True)
class PlanSection:
    """One part of a written plan, for showing it: the part's title and prompt, and the items."""

    part_id: str
    title: str
    prompt: str
    items: tuple[str, ...]


def current_plan(store: Store, client_id: str) -> Entry | None:
    """The latest revision of the person's plan, or ``None`` when they have not written one."""
    found = store.current_entries(client_id, exercise_id=PLAN_EXERCISE_ID, program_id=PLAN_PROGRAM_ID)
    return found[-1] if found else None


def save_plan(
    store: Store,
    client_id: str,
    answers: Mapping[str, Any],
    *,
    language: str = "en",
    expected_revision: int | None = None,
) -> SaveResult:
    """Save the plan: the first one as a new entry, later ones as a new revision of it.

    ``answers`` maps part id to a list of short texts. Raises :class:`EntryValidationError` with
    every problem (an unknown part, an item too long, too many items, nothing written at all).
    ``expected_revision`` is the revision the person was editing; if the plan changed since (in
    another window), the save is refused with a message saying so. Never screened (see above).
    """
    plan = plan_content(language)
    cleaned = validate_answers(plan.exercise(), answers)
    cleaned = {k: v for k, v in cleaned.items() if v}
    if not cleaned:
        raise EntryValidationError({NOTHING: plan.nothing_written})
    existing = current_plan(store, client_id)
    when = clock.now().replace(microsecond=0).isoformat(timespec="seconds")
    if existing is None:
        if expected_revision:
            raise SecureBaseError("This safety plan is no longer in the store. Reload the workbook and write it again.")
        ref = store.add_entry(
            client_id, program_id=PLAN_PROGRAM_ID, phase_id=PLAN_PHASE_ID, exercise_id=PLAN_EXERCISE_ID,
            content_version=plan.version, data=cleaned, occurred_at=when, safety_categories=(),
        )
    else:
        ref = store.revise_entry(
            existing.entry_id, data=cleaned, occurred_at=when, content_version=plan.version,
            expected_revision=expected_revision if expected_revision is not None else existing.revision,
            safety_categories=(),
        )
    return SaveResult(ref, cleaned, (), {})


def plan_sections(entry: Entry | None, language: str = "en") -> list[PlanSection]:
    """The parts of a written plan that have items, in the plan's order (plain text, not escaped).

    Items of a part that the content no longer has are left out; items that are not text are skipped.
    """
    if entry is None:
        return []
    plan = plan_content(language)
    sections = []
    for part in plan.parts:
        value = entry.data.get(part.id)
        items = tuple(i for i in (value if isinstance(value, list) else []) if isinstance(i, str) and i.strip())
        if items:
            sections.append(PlanSection(part.id, part.title, part.prompt, items))
    return sections


def plan_lines(entry: Entry | None, language: str = "en") -> list[str]:
    """The plan as plain text lines (batch mode): empty when there is no plan with items."""
    sections = plan_sections(entry, language)
    if not sections or entry is None:
        return []
    plan: PlanContent = plan_content(language)
    lines = [plan.title, plan.last_changed.format(when=entry.occurred_at[:10])]
    for s in sections:
        lines.append(f"{s.title}:")
        lines += [f"  - {item}" for item in s.items]
    return lines
