"""Program content: the schema for ``content/`` (the loader is :mod:`securebase.content.loader`).

Programs, phases, exercises and fields are data. This module validates them with
pydantic when they are loaded, and reports every problem with the file, the path
inside the file and what is wrong, so that a content author can fix it without
reading Python.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel, ConfigDict, Field, PlainSerializer, PlainValidator, StringConstraints, field_validator, model_validator,
)
from pydantic_core import PydanticCustomError

from securebase.content.checks import unique
from securebase.content.fields import FieldKind, field_types

from securebase.content import behaviours as _behaviours


Identifier = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _field_type(value: Any) -> FieldKind:
    """A field's ``type``: the name of a registered field type (or the type itself)."""
    if isinstance(value, FieldKind) and value.name in field_types and field_types.get(value.name) is value:
        return value
    if isinstance(value, str) and value in field_types:
        return field_types.get(value)
    raise PydanticCustomError("enum", "Input should be {expected}", {"expected": field_types.expected()})


# ``type: rating`` in content is the registered rating type (see securebase.content.fields).
FieldTypeName = Annotated[FieldKind, PlainValidator(_field_type), PlainSerializer(str, return_type=str)]


class Choice(Model):
    value: Identifier
    label: Text


# Entry metadata columns: a field with one of these ids would clash with them in tables and exports.
RESERVED_FIELD_IDS = frozenset({
    "entry_id", "revision", "client_id", "program_id", "phase_id", "exercise_id", "content_version",
    "occurred_at", "recorded_at", "recorded_by", "deleted", "data", "source_key",
})


class FieldSpec(Model):
    """One question in an exercise form."""

    id: Identifier
    type: FieldTypeName
    label: Text
    short_label: str = ""          # column header in history tables; fields without one stay out of the table
    help: str = ""
    required: bool = False
    min: float | None = None
    max: float | None = None
    min_label: str = ""            # anchor text for the low end of a rating
    max_label: str = ""            # anchor text for the high end of a rating
    choices: tuple[Choice, ...] = ()
    states: tuple[Choice, ...] = ()   # body_map: the states a location can be in
    max_length: int | None = Field(default=None, gt=0, le=100_000)
    min_items: int | None = Field(default=None, ge=0)
    max_items: int | None = Field(default=None, ge=1)
    identifier: bool = False       # true when the answer could identify a person
    calendar: Literal["", "weekday", "day_of_month"] = ""   # a day the person chose: exports shift or drop it
    trend: str = ""                # tag for progress trends, e.g. "intensity" (ratings only)
    suggestions: tuple[Text, ...] = ()   # starter texts a person may pick and adapt (short text only)
    rank_from: str = ""            # ranking: the multi_choice field whose picks are ranked

    @model_validator(mode="after")
    def _check_shape(self) -> "FieldSpec":
        if self.id in RESERVED_FIELD_IDS:
            raise ValueError(f"field id {self.id!r} is reserved for entry metadata; choose another id")
        self.type.check_spec(self)
        if self.calendar == "weekday" and (self.type.value != "choice" or tuple(c.value for c in self.choices) != WEEKDAYS):
            raise ValueError(f"a calendar: weekday field is a choice of exactly {', '.join(WEEKDAYS)}, in that order")
        if self.calendar == "day_of_month" and (self.type.value != "integer" or (self.min or 0) < 1 or
                                                (self.max or 99) > 31):
            raise ValueError("a calendar: day_of_month field is an integer with min 1 and max at most 31")
        return self

    @property
    def text_limit(self) -> int | None:
        if not self.type.is_free_text:
            return None
        return self.max_length or self.type.default_max_length

    def choice_label(self, value: str) -> str:
        for c in self.choices:
            if c.value == value:
                return c.label
        return value


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
Frequency = Literal["once", "as_needed", "daily", "twice_daily", "weekly", "monthly", "quarterly"]


class Schedule(Model):
    frequency: Frequency = "as_needed"
    slots: tuple[Choice, ...] = ()   # named times of day, e.g. midday and evening

    @model_validator(mode="after")
    def _slots_match(self) -> "Schedule":
        if self.frequency == "twice_daily" and len(self.slots) != 2:
            raise ValueError("a twice_daily schedule names exactly two 'slots'")
        return self

    @property
    def per_day(self) -> float | None:
        return {"daily": 1.0, "twice_daily": 2.0}.get(self.frequency)


class Step(Model):
    """One step of a guided practice; ``fields`` are answered on that step's page."""

    text: Text
    fields: tuple[Identifier, ...] = ()
    timer: bool = False            # show the exercise's timer on this step


ExerciseKind = Literal[
    "journal", "scan", "practice", "record", "list", "plan", "log", "protocol", "checkin", "screen"
]


class Exercise(Model):
    id: Identifier
    kind: ExerciseKind
    title: Text
    instructions: Text
    steps: tuple[Step, ...] = ()        # guided steps, shown in order (plain text or {text, fields})
    schedule: Schedule = Schedule()
    timer_seconds: int | None = Field(default=None, gt=0, le=3600)
    fields: tuple[FieldSpec, ...] = Field(min_length=1)
    behaviours: tuple[Identifier, ...] = ()   # what it does beyond its form (securebase.content.behaviours)
    when_label: Annotated[str, StringConstraints(min_length=1, max_length=80, strip_whitespace=True)] | None = None
    # the question above the entry's date ("When did you try it?"); unset: the locale's when_<kind>

    def when_question(self, loc: "Locale") -> str:
        """The question above this exercise's date and time."""
        return self.when_label or loc.text(f"when_{self.kind}")

    @field_validator("behaviours")
    @classmethod
    def _known_behaviours(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for name in value:
            if name not in _behaviours.BEHAVIOURS:
                raise ValueError(_behaviours.unknown_message(name))
        unique(value, "behaviour")
        return value

    @field_validator("steps", mode="before")
    @classmethod
    def _steps_from_text(cls, value: Any) -> Any:
        if isinstance(value, (list, tuple)):
            return [{"text": v} if isinstance(v, str) else v for v in value]
        return value

    @model_validator(mode="after")
    def _unique_fields(self) -> "Exercise":
        ids = [f.id for f in self.fields]
        unique(ids, "field id")
        placed: list[str] = []
        for step in self.steps:
            for fid in step.fields:
                if fid not in ids:
                    raise ValueError(f"step {step.text[:30]!r} names field {fid!r}, which this exercise does not have")
                placed.append(fid)
        unique(placed, "field placed in a step")
        if any(step.timer for step in self.steps) and not self.timer_seconds:
            raise ValueError("a step shows a timer, but the exercise sets no 'timer_seconds'")
        for f in self.fields:
            f.type.check_in_exercise(f, self.fields)
        for name in self.behaviours:
            if missing := _behaviours.missing_fields(name, ids):
                raise ValueError(f"behaviour {name!r} reads the field(s) {', '.join(map(repr, missing))}, "
                                 "which this exercise does not have")
        return self

    def has(self, behaviour: str) -> bool:
        """Whether this exercise declares ``behaviour`` (a known behaviour name)."""
        _behaviours.behaviour(behaviour)
        return behaviour in self.behaviours

    @property
    def guided(self) -> bool:
        """A guided practice walks through its steps one page at a time."""
        return any(step.fields or step.timer for step in self.steps)

    @property
    def history_fields(self) -> tuple[FieldSpec, ...]:
        """The fields shown as history columns: those with a ``short_label``, else all of them."""
        return tuple(f for f in self.fields if f.short_label) or self.fields

    def field(self, field_id: str) -> FieldSpec:
        for f in self.fields:
            if f.id == field_id:
                return f
        raise KeyError(f"exercise {self.id!r} has no field {field_id!r}")


class Window(Model):
    """When a phase runs, counted from the client's start in the program's unit (day 1 / week 1)."""

    start: int = Field(ge=1)
    end: int | None = Field(default=None, ge=1)   # None: open-ended

    @model_validator(mode="after")
    def _ordered(self) -> "Window":
        if self.end is not None and self.end < self.start:
            raise ValueError(f"window ends ({self.end}) before it starts ({self.start})")
        return self

    def contains(self, n: int) -> bool:
        return n >= self.start and (self.end is None or n <= self.end)


class Phase(Model):
    id: Identifier
    number: int = Field(ge=1)
    title: Text
    layer: Text                      # the layer or goal this phase builds
    window: Window
    intro: Text
    exercises: tuple[Exercise, ...] = Field(min_length=1)
    views: tuple[Literal["patterns", "partner"], ...] = ()   # extra views shown after the exercises

    @model_validator(mode="after")
    def _unique_exercises(self) -> "Phase":
        unique([e.id for e in self.exercises], "exercise id")
        for view in self.views:
            if (needs := _behaviours.VIEW_NEEDS.get(view)) and not any(needs in e.behaviours for e in self.exercises):
                raise ValueError(f"view {view!r} needs an exercise of this phase with behaviour {needs!r}")
        return self

    def exercise(self, exercise_id: str) -> Exercise:
        for e in self.exercises:
            if e.id == exercise_id:
                return e
        known = ", ".join(e.id for e in self.exercises)
        raise KeyError(f"phase {self.id!r} has no exercise {exercise_id!r} (it has: {known})")

    def exercise_with(self, behaviour: str) -> Exercise:
        """The first exercise of this phase that declares ``behaviour``."""
        for e in self.exercises:
            if e.has(behaviour):
                return e
        raise KeyError(f"phase {self.id!r} has no exercise with behaviour {behaviour!r}")


class Program(Model):
    id: Identifier
    title: Text
    version: Annotated[str, StringConstraints(pattern=r"^\d+\.\d+(\.\d+)?$")]
    summary: Text
    window_unit: Literal["days", "weeks"]
    phases: tuple[Phase, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _phases_in_order(self) -> "Program":
        unique([p.id for p in self.phases], "phase id")
        exercise_ids = [e.id for p in self.phases for e in p.exercises]
        unique(exercise_ids, "exercise id (across the program)")
        for i, phase in enumerate(self.phases):
            if phase.number != i + 1:
                raise ValueError(f"phase {phase.id!r} is number {phase.number}, expected {i + 1}")
            if i and (prev := self.phases[i - 1].window).end is not None and phase.window.start != prev.end + 1:
                raise ValueError(
                    f"phase {phase.id!r} starts at {phase.window.start}, but the previous phase ends at "
                    f"{prev.end}: windows must follow on without gaps or overlaps"
                )
            if i < len(self.phases) - 1 and phase.window.end is None:
                raise ValueError(f"only the last phase may be open-ended, but {phase.id!r} has no 'end'")
        for name, behaviour in _behaviours.BEHAVIOURS.items():
            having = [f"{e.id!r} (phase {p.id!r})" for p in self.phases for e in p.exercises if name in e.behaviours]
            if behaviour.once and len(having) > 1:
                raise ValueError(f"behaviour {name!r} is for one exercise of a program, but {', '.join(having)} declare it")
        return self

    def phase(self, phase_id: str) -> Phase:
        for p in self.phases:
            if p.id == phase_id:
                return p
        known = ", ".join(p.id for p in self.phases)
        raise KeyError(f"program {self.id!r} has no phase {phase_id!r} (it has: {known})")

    def find_exercise(self, exercise_id: str) -> tuple[Phase, Exercise]:
        for p in self.phases:
            for e in p.exercises:
                if e.id == exercise_id:
                    return p, e
        raise KeyError(f"program {self.id!r} has no exercise {exercise_id!r}")

    def exercises_with(self, behaviour: str) -> tuple[Exercise, ...]:
        """The exercises of this program that declare ``behaviour``, in program order."""
        return tuple(e for p in self.phases for e in p.exercises if e.has(behaviour))

    def find_exercise_with(self, behaviour: str) -> tuple[Phase, Exercise]:
        """The phase and exercise that declare ``behaviour`` (the first, for one that is not once-only)."""
        for p in self.phases:
            for e in p.exercises:
                if e.has(behaviour):
                    return p, e
        raise KeyError(f"program {self.id!r} has no exercise with behaviour {behaviour!r}")


class Locale(Model):
    """Interface strings for one language. Keys are looked up with :meth:`text`."""

    language: Annotated[str, StringConstraints(pattern=r"^[a-z]{2}(-[A-Z]{2})?$")]
    name: Text
    strings: dict[Identifier, Text]

    def text(self, key: str, **values: Any) -> str:
        try:
            template = self.strings[key]
        except KeyError:
            raise KeyError(f"locale {self.language!r} has no string {key!r}") from None
        return template.format(**values) if values else template
