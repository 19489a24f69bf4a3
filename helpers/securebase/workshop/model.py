"""Workshop content: ``content/workshops/<id>.yaml`` describes a workshop (title, program, an ordered
list of timed segments, a list of polls). :func:`workshops` loads and validates every file with
pydantic and reports a problem with the file, the place in it and how to fix it (unknown program,
minutes that are not above 0, duplicate ids, a poll pointing at a field that is not a choice field).
A poll's options come from a choice or multi-choice field of the program content
(``field: program/exercise/field``, so the labels are the program's own) or from an explicit list."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import Field, Strict, ValidationError, ValidationInfo, field_validator, model_validator

from securebase import content
from securebase.content import Choice, FieldSpec, Identifier, Model, Program, Text, format_location, read_yaml, unique
from securebase.core.errors import ContentError

WORKSHOPS_DIR = "workshops"            # under content/
MAX_SEGMENT_MINUTES = 240
EXPLICIT_SOURCE = "workshop"           # a poll's source when its options are listed in the workshop file
WholeNumber = Annotated[int, Strict()]


def _programs(info: ValidationInfo) -> Mapping[str, Program]:
    """The programs a workshop file is checked against: from the validation context, else content/."""
    context = info.context or {}
    return context["programs"] if "programs" in context else content.programs()


def resolve_field(ref: str, programs: Mapping[str, Program]) -> FieldSpec:
    """The choice field named by ``program/exercise/field``; ``ValueError`` says what is wrong."""
    parts = ref.split("/")
    if len(parts) != 3 or not all(parts):
        raise ValueError(
            f"'field' must name a field as program/exercise/field, e.g. asb/activation_journal/response, not {ref!r}")
    program_id, exercise_id, field_id = parts
    if program_id not in programs:
        raise ValueError(f"'field' {ref!r} names the unknown program {program_id!r}; known programs: "
                         f"{', '.join(sorted(programs))}")
    try:
        _phase, exercise = programs[program_id].find_exercise(exercise_id)
    except KeyError:
        raise ValueError(f"'field' {ref!r}: program {program_id!r} has no exercise {exercise_id!r}") from None
    choice_fields = [f.id for f in exercise.fields if f.type.poll_source]
    hint = f"choice fields of {exercise_id!r}: {', '.join(choice_fields) or 'none'}"
    try:
        spec = exercise.field(field_id)
    except KeyError:
        raise ValueError(f"'field' {ref!r}: exercise {exercise_id!r} has no field {field_id!r} ({hint})") from None
    if not spec.type.poll_source:
        raise ValueError(
            f"'field' {ref!r} is a {spec.type.value} field, not a choice field: a poll's options come from a "
            f"choice or multi_choice field ({hint}), or list them under 'options'")
    return spec


class Segment(Model):
    """One timed part of the workshop, run in the order listed."""

    id: Identifier
    title: Text
    minutes: WholeNumber
    description: Text

    @field_validator("minutes")
    @classmethod
    def _positive(cls, value: int) -> int:
        if value <= 0:
            raise ValueError(f"minutes must be a whole number above 0, not {value}: give the segment's planned length")
        if value > MAX_SEGMENT_MINUTES:
            raise ValueError(f"minutes is {value}, more than {MAX_SEGMENT_MINUTES}: split the segment into shorter ones")
        return value


class Poll(Model):
    """An anonymous poll with fixed options: from a choice field of the content, or listed here."""

    id: Identifier
    question: Text
    field: str = ""                     # program/exercise/field of a choice or multi_choice field
    options: tuple[Choice, ...] = ()    # or an explicit list of {value, label}
    segment: str = ""                   # the segment during which the poll is run (optional)

    @model_validator(mode="after")
    def _one_source(self, info: ValidationInfo) -> "Poll":
        if self.field and self.options:
            raise ValueError("a poll takes its options from 'field' or from 'options', not both: remove one")
        if not self.field and not self.options:
            raise ValueError("a poll needs options: set 'field' (program/exercise/field of a choice field) "
                             "or list 'options' as {value, label}")
        if self.options:
            if len(self.options) < 2:
                raise ValueError("a poll needs at least two 'options'")
            unique([o.value for o in self.options], "option value")
        else:
            resolve_field(self.field, _programs(info))
        return self

    @property
    def source(self) -> str:
        """Where the options come from: the field reference, or ``workshop`` for a listed set."""
        return self.field or EXPLICIT_SOURCE


class Workshop(Model):
    """A workshop: its program, the segments in order and the polls."""

    id: Identifier
    title: Text
    program: Identifier
    summary: str = ""
    length_minutes: WholeNumber | None = None   # the booked length; empty means the segments' total
    segments: tuple[Segment, ...] = Field(min_length=1)
    polls: tuple[Poll, ...] = ()

    @field_validator("program")
    @classmethod
    def _known_program(cls, value: str, info: ValidationInfo) -> str:
        known = _programs(info)
        if value not in known:
            raise ValueError(f"unknown program {value!r}; set 'program' to one of: {', '.join(sorted(known))}")
        return value

    @field_validator("length_minutes")
    @classmethod
    def _positive_length(cls, value: int | None) -> int | None:
        if value is not None and value <= 0:
            raise ValueError(f"length_minutes must be a whole number above 0, not {value}; or leave it out")
        return value

    @model_validator(mode="after")
    def _references(self) -> "Workshop":
        unique([s.id for s in self.segments], "segment id")
        unique([p.id for p in self.polls], "poll id")
        segment_ids = [s.id for s in self.segments]
        for poll in self.polls:
            if poll.segment and poll.segment not in segment_ids:
                raise ValueError(f"poll {poll.id!r} names the segment {poll.segment!r}, which this workshop does "
                                 f"not have (segments: {', '.join(segment_ids)})")
        return self

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.segments)

    def poll(self, poll_id: str) -> Poll:
        for p in self.polls:
            if p.id == poll_id:
                return p
        raise KeyError(f"workshop {self.id!r} has no poll {poll_id!r} (it has: {', '.join(p.id for p in self.polls)})")

    def segment(self, segment_id: str) -> Segment:
        for s in self.segments:
            if s.id == segment_id:
                return s
        raise KeyError(f"workshop {self.id!r} has no segment {segment_id!r}")


# ================================================================ loading


def _validate(path: Path, data: Any, programs: Mapping[str, Program]) -> Workshop:
    try:
        return Workshop.model_validate(data, context={"programs": programs})
    except ValidationError as exc:
        problems = [
            (format_location(err["loc"], data), err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        ]
        raise ContentError(path, problems[0][0], problems[0][1], more=problems[1:]) from None


def load_workshop_file(path: Path, programs: Mapping[str, Program] | None = None) -> Workshop:
    """Read and validate one workshop file; its ``id`` must match the file name."""
    path = Path(path)
    workshop = _validate(path, read_yaml(path), content.programs() if programs is None else programs)
    if workshop.id != path.stem:
        raise ContentError(path, "id", f"the id {workshop.id!r} does not match the file name {path.name!r}: "
                                       f"rename the file to {workshop.id}.yaml or change the id")
    return workshop


@functools.cache
def _load_workshops(root: Path) -> dict[str, Workshop]:
    programs = content.programs()
    return {path.stem: load_workshop_file(path, programs) for path in sorted((root / WORKSHOPS_DIR).glob("*.yaml"))}


def workshops() -> dict[str, Workshop]:
    """Every workshop in ``content/workshops``, validated, keyed by id."""
    return _load_workshops(content.content_dir())


def workshop(workshop_id: str) -> Workshop:
    found = workshops()
    if workshop_id not in found:
        raise KeyError(f"unknown workshop {workshop_id!r}; known workshops (files in content/{WORKSHOPS_DIR}): "
                       f"{', '.join(sorted(found)) or 'none'}")
    return found[workshop_id]


def clear_cache() -> None:
    """Forget loaded workshops and programs (for tests and authors editing content in a live kernel)."""
    _load_workshops.cache_clear()
    content.clear_cache()


def check_content() -> list[str]:
    """Validate every workshop file; one line per workshop (for ``securebase check-content``)."""
    clear_cache()
    return [f"workshop {w.id} ({w.program}): {len(w.segments)} segments, {w.total_minutes} minutes, "
            f"{len(w.polls)} polls" for w in workshops().values()]


def poll_options(poll: Poll, programs: Mapping[str, Program] | None = None) -> tuple[Choice, ...]:
    """The options of a poll, in order, with the labels of the content they come from."""
    if poll.options:
        return poll.options
    return resolve_field(poll.field, content.programs() if programs is None else programs).choices


__all__ = [
    "Poll",
    "Segment",
    "Workshop",
    "check_content",
    "clear_cache",
    "load_workshop_file",
    "poll_options",
    "resolve_field",
    "workshop",
    "workshops",
    "EXPLICIT_SOURCE",
    "MAX_SEGMENT_MINUTES",
    "WORKSHOPS_DIR",
]
