"""The personal safety plan: what it holds, from ``content/safety/plan/<language>.yaml``.

A person can write a safety plan in the help section of every workbook: seven parts (warning
signs, things to do on one's own, people and places that take one's mind off things, people to
ask for help, professionals and crisis lines, safer surroundings, what one lives for), each a
short list of free-text items with a one-line prompt. The parts, their prompts and limits are
content, validated on load; every language has the same part ids, so a plan written in one
language can be read in another.

The plan is stored as an ordinary entry with revisions, under fixed ids that no program uses:
program :data:`PLAN_PROGRAM_ID`, phase :data:`PLAN_PHASE_ID`, exercise :data:`PLAN_EXERCISE_ID`
(see :mod:`securebase.journal.safety_plan`). :meth:`PlanContent.exercise` gives it as an
:class:`~securebase.content.Exercise` (one ``text_list`` field per part), so it is checked, shown
and edited by the same field machinery as every workbook form.

**The plan is never screened for safety flags.** A safety plan names risks on purpose (the
warning signs, the means to put away), so screening it would raise a flag on every plan and teach
clinicians to ignore flags.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, StringConstraints, field_validator

from securebase.content import Exercise, Identifier, Model, Text, content_dir, load_language_file, read_yaml, unique, validate
from securebase.core.errors import ContentError

PLAN_PROGRAM_ID = "safety_plan"   # the program_id of plan entries: not a program, and no program may use it
PLAN_PHASE_ID = "help"            # the plan lives in the help section, outside the program's phases
PLAN_EXERCISE_ID = "safety_plan"

# The parts every language has, in this order (their ids are the keys of a stored plan).
PART_IDS = (
    "warning_signs", "on_my_own", "take_my_mind_off", "people_to_ask", "professionals",
    "safer_surroundings", "reasons_to_live",
)
MAX_ITEM_LENGTH = 300   # the longest a limit may be: items are short lines, not paragraphs
MAX_ITEMS = 10          # each item gets a box of its own in the form


class PlanPart(Model):
    id: Identifier
    title: Text
    prompt: Text
    item: Text                    # what one line of the part is ("Sign"): each box is labelled "Sign 1", "Sign 2"...
    max_items: int = Field(default=6, ge=1, le=MAX_ITEMS)
    max_length: int = Field(default=200, ge=20, le=MAX_ITEM_LENGTH)

    @field_validator("prompt")
    @classmethod
    def _one_line(cls, value: str) -> str:
        if "\n" in value:
            raise ValueError("a prompt is one line; shorten it or move the rest into the plan's 'intro'")
        return value


class PlanContent(Model):
    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})?$")]
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")]
    title: Text
    intro: Text
    invitation: Text              # shown when the person has no plan yet
    private_note: Text
    last_changed: Text            # with {when}
    write_button: Text
    revise_button: Text
    save_button: Text
    cancel_button: Text
    saved: Text
    revised: Text
    nothing_written: Text
    parts: tuple[PlanPart, ...]

    @field_validator("last_changed")
    @classmethod
    def _has_when(cls, value: str) -> str:
        if "{when}" not in value:
            raise ValueError("'last_changed' must contain {when}, where the date goes")
        try:
            value.format(when="2026-01-01")
        except (KeyError, IndexError, ValueError):
            raise ValueError("'last_changed' may only use {when}; write other braces as {{ and }}") from None
        return value

    @field_validator("parts")
    @classmethod
    def _the_seven_parts(cls, parts: tuple[PlanPart, ...]) -> tuple[PlanPart, ...]:
        ids = [p.id for p in parts]
        unique(ids, "part id")
        missing = [i for i in PART_IDS if i not in ids]
        extra = [i for i in ids if i not in PART_IDS]
        if missing or extra:
            problems = []
            if missing:
                problems.append(f"missing {', '.join(map(repr, missing))}")
            if extra:
                problems.append(f"unknown {', '.join(map(repr, extra))}")
            raise ValueError(f"the plan has the parts {', '.join(PART_IDS)}, in that order ({'; '.join(problems)})")
        if tuple(ids) != PART_IDS:
            raise ValueError(f"the parts must come in this order: {', '.join(PART_IDS)}")
        return parts

    def part(self, part_id: str) -> PlanPart:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(f"the safety plan has no part {part_id!r}; it has: {', '.join(PART_IDS)}")

    def exercise(self) -> Exercise:
        """The plan as an exercise: one list of short texts per part (label: its title; help: its prompt)."""
        return _exercise(self)


@functools.cache
def _exercise(plan: PlanContent) -> Exercise:
    return Exercise.model_validate({
        "id": PLAN_EXERCISE_ID, "kind": "plan", "title": plan.title, "instructions": plan.intro,
        "fields": [{"id": p.id, "type": "text_list", "label": p.title, "short_label": p.item, "help": p.prompt,
                    "max_items": p.max_items, "max_length": p.max_length} for p in plan.parts],
    })


def load_plan_file(path: Path) -> PlanContent:
    plan = validate(PlanContent, path, read_yaml(path))
    try:
        plan.exercise()
    except ValueError as exc:  # the field model refused it: say so as a content problem
        raise ContentError(path, "parts", str(exc).splitlines()[0]) from None
    return plan


@functools.cache
def _load_plan(root: Path, language: str) -> PlanContent:
    return load_language_file(root / "safety" / "plan", language, load_plan_file, "safety plan for this language")


def plan_content(language: str = "en") -> PlanContent:
    """The safety plan's parts and wording for ``language`` (``content/safety/plan/<language>.yaml``)."""
    return _load_plan(content_dir(), language)


def plan_languages() -> list[str]:
    """The languages that have a safety plan file, for ``securebase check-content``."""
    folder = content_dir() / "safety" / "plan"
    return sorted(p.stem for p in folder.glob("*.yaml")) if folder.is_dir() else []


def check_program_ids(program_ids: Any) -> None:
    """Refuse a program that uses the plan's reserved program id (its entries would be mixed up)."""
    if PLAN_PROGRAM_ID in set(program_ids):
        raise ContentError(content_dir() / "programs", "id",
                           f"program id {PLAN_PROGRAM_ID!r} is reserved for the personal safety plan; choose another id")


def clear_cache() -> None:
    _load_plan.cache_clear()
    _exercise.cache_clear()
