"""Live group workshops: the content in ``content/workshops``, the agenda plan, anonymous polls.

A facilitator runs a workshop from one notebook (``notebooks/workshop/live_session.ipynb``), in
JupyterLab, as an app (Voila) or in batch with papermill. This module holds everything that
does not need a widget, so batch runs and tests use exactly what the live session uses:

* **Content.** ``content/workshops/<id>.yaml`` describes a workshop: title, program, an ordered
  list of timed segments and a list of polls. :func:`workshops` loads and validates every file
  with pydantic and reports a problem with the file, the place in it and how to fix it (unknown
  program, minutes that are not above 0, duplicate ids, a poll pointing at a field that is not a
  choice field, ...).
* **Agenda.** :func:`plan_agenda` gives each segment's planned clock times from a start time,
  the total and how far the plan runs over the booked length; :func:`projection` says when the
  session will end at the current pace.
* **Polls.** A poll's options come from a choice or multi-choice field of the program content
  (``field: program/exercise/field``, so the labels are the program's own) or from an explicit
  list. Answers are anonymous: :func:`record_answer` stores the poll, the option and the time,
  never who answered. :func:`poll_result` turns the counts into a table that is safe to show:
  options nobody chose count as 0, and every count goes through small-cell suppression
  (:func:`securebase.suppression.suppress_counts`), so a count below ``k`` is never shown.
  Polls have fixed options only: no free text and no safety flags ever reach a workshop output.
* **Batch.** :func:`run_batch` writes the plan and the suppressed poll tables as JSON and
  returns plain text. :class:`WorkshopSession` serves the notebook in both modes; ipywidgets
  (in :mod:`securebase.workshop_view`) is imported only on the interactive paths.
* **Notebook.** :func:`build_workshop_notebook` generates the notebook; the committed copy keeps
  the outputs of one run on a throw-away store as the nbval baseline
  (:func:`write_workshop_notebook`).
"""

from __future__ import annotations

import functools
import html
import json
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Annotated, Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from pydantic import Field, Strict, ValidationError, ValidationInfo, field_validator, model_validator

from . import config, content
from .content import Choice, FieldSpec, FieldType, Identifier, Locale, Program, Text, _Model, _format_location, _read_yaml, _unique
from .errors import ContentError
from .notebooks import ENGINE_KERNEL
from .store import Store
from .suppression import DEFAULT_K, Suppressed, suppress_counts
from .workbook import MODES, ParameterError
from .workbook import Text as PlainText

WORKSHOPS_DIR = "workshops"            # under content/
MAX_SEGMENT_MINUTES = 240
POLL_FIELD_TYPES = (FieldType.choice, FieldType.multi_choice)
EXPLICIT_SOURCE = "workshop"           # a poll's source when its options are listed in the workshop file
NOTEBOOK = Path("workshop") / "live_session.ipynb"   # under notebooks/
RESULTS_FILE = "results.json"
SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
WholeNumber = Annotated[int, Strict()]


def esc(value: Any) -> str:
    """Escape any text for HTML (content and labels alike)."""
    return html.escape(str(value), quote=True)


# ================================================================ content models


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
    choice_fields = [f.id for f in exercise.fields if f.type in POLL_FIELD_TYPES]
    hint = f"choice fields of {exercise_id!r}: {', '.join(choice_fields) or 'none'}"
    try:
        spec = exercise.field(field_id)
    except KeyError:
        raise ValueError(f"'field' {ref!r}: exercise {exercise_id!r} has no field {field_id!r} ({hint})") from None
    if spec.type not in POLL_FIELD_TYPES:
        raise ValueError(
            f"'field' {ref!r} is a {spec.type.value} field, not a choice field: a poll's options come from a "
            f"choice or multi_choice field ({hint}), or list them under 'options'")
    return spec


class Segment(_Model):
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


class Poll(_Model):
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
            _unique([o.value for o in self.options], "option value")
        else:
            resolve_field(self.field, _programs(info))
        return self

    @property
    def source(self) -> str:
        """Where the options come from: the field reference, or ``workshop`` for a listed set."""
        return self.field or EXPLICIT_SOURCE


class Workshop(_Model):
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
        _unique([s.id for s in self.segments], "segment id")
        _unique([p.id for p in self.polls], "poll id")
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
            (_format_location(err["loc"], data), err["msg"].removeprefix("Value error, "))
            for err in exc.errors(include_url=False)
        ]
        raise ContentError(path, problems[0][0], problems[0][1], more=problems[1:]) from None


def load_workshop_file(path: Path, programs: Mapping[str, Program] | None = None) -> Workshop:
    """Read and validate one workshop file; its ``id`` must match the file name."""
    path = Path(path)
    workshop = _validate(path, _read_yaml(path), content.programs() if programs is None else programs)
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


# ================================================================ the agenda


def clock(moment: datetime) -> str:
    return f"{moment:%H:%M}"


def duration_text(seconds: int) -> str:
    """``m:ss`` for a timer display."""
    seconds = max(0, int(seconds))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass(frozen=True)
class PlannedSegment:
    """One segment with its planned clock times."""

    index: int
    id: str
    title: str
    minutes: int
    description: str
    start: datetime
    end: datetime

    @property
    def seconds(self) -> int:
        return self.minutes * 60

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "title": self.title, "minutes": self.minutes, "start": clock(self.start),
                "end": clock(self.end), "description": self.description}


@dataclass(frozen=True)
class AgendaPlan:
    """The planned times of a workshop from a start time, its total and its overrun."""

    workshop_id: str
    title: str
    start: datetime
    segments: tuple[PlannedSegment, ...]
    booked_minutes: int

    @property
    def total_minutes(self) -> int:
        return sum(s.minutes for s in self.segments)

    @property
    def end(self) -> datetime:
        return self.start + timedelta(minutes=self.total_minutes)

    @property
    def booked_end(self) -> datetime:
        return self.start + timedelta(minutes=self.booked_minutes)

    @property
    def overrun_minutes(self) -> int:
        """How far the segments run past the booked length (0 when they fit)."""
        return max(0, self.total_minutes - self.booked_minutes)

    @property
    def spare_minutes(self) -> int:
        return max(0, self.booked_minutes - self.total_minutes)

    def segment(self, segment_id: str) -> PlannedSegment:
        for s in self.segments:
            if s.id == segment_id:
                return s
        raise KeyError(f"the agenda has no segment {segment_id!r}")

    def summary_text(self, loc: Locale) -> str:
        text = loc.text("workshop_plan_total", total=self.total_minutes, start=clock(self.start), end=clock(self.end))
        if self.overrun_minutes:
            return text + " " + loc.text("workshop_plan_overrun", minutes=self.overrun_minutes, booked=self.booked_minutes)
        if self.spare_minutes:
            return text + " " + loc.text("workshop_plan_spare", minutes=self.spare_minutes, booked=self.booked_minutes)
        return text

    def lines(self, loc: Locale) -> list[str]:
        """The plan as plain text (batch output)."""
        out = [loc.text("workshop_agenda_heading", title=self.title, date=f"{self.start:%Y-%m-%d}")]
        out += [f"  {clock(s.start)}-{clock(s.end)}  {s.title} ({s.minutes} min)" for s in self.segments]
        out.append(self.summary_text(loc))
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": f"{self.start:%Y-%m-%d}", "start": clock(self.start), "end": clock(self.end),
            "total_minutes": self.total_minutes, "booked_minutes": self.booked_minutes,
            "booked_end": clock(self.booked_end), "overrun_minutes": self.overrun_minutes,
            "spare_minutes": self.spare_minutes, "segments": [s.as_dict() for s in self.segments],
        }


def plan_agenda(workshop: Workshop, start: datetime) -> AgendaPlan:
    """Each segment's planned start and end, one after another from ``start``."""
    planned: list[PlannedSegment] = []
    at = start.replace(second=0, microsecond=0)
    for i, seg in enumerate(workshop.segments):
        end = at + timedelta(minutes=seg.minutes)
        planned.append(PlannedSegment(i, seg.id, seg.title, seg.minutes, seg.description, at, end))
        at = end
    return AgendaPlan(workshop.id, workshop.title, start.replace(second=0, microsecond=0), tuple(planned),
                      workshop.length_minutes or workshop.total_minutes)


@dataclass(frozen=True)
class Projection:
    """When the session ends at the current pace, against the plan."""

    end: datetime
    late_minutes: int      # positive: running late; negative: ahead of the plan

    def text(self, loc: Locale) -> str:
        if self.late_minutes > 0:
            return loc.text("workshop_pace_late", end=clock(self.end), minutes=self.late_minutes)
        if self.late_minutes < 0:
            return loc.text("workshop_pace_early", end=clock(self.end), minutes=-self.late_minutes)
        return loc.text("workshop_pace_on_time", end=clock(self.end))


def projection(plan: AgendaPlan, segment_id: str, elapsed_seconds: int, now: datetime) -> Projection:
    """The projected end when ``segment_id`` has run ``elapsed_seconds`` at ``now`` and the rest
    follows as planned. Compared with the planned end, rounded to whole minutes."""
    current = plan.segment(segment_id)
    left = max(0, current.seconds - int(elapsed_seconds))
    later = sum(s.seconds for s in plan.segments[current.index + 1:])
    end = now + timedelta(seconds=left + later)
    late = round((end - plan.end).total_seconds() / 60)
    return Projection(end.replace(microsecond=0), int(late))


def timer_text(planned: PlannedSegment, elapsed: int, loc: Locale) -> str:
    """What a segment's timer says after ``elapsed`` seconds."""
    if elapsed <= 0:
        return loc.text("workshop_timer_ready", time=duration_text(planned.seconds))
    if elapsed >= planned.seconds:
        return loc.text("workshop_timer_done", title=planned.title)
    return loc.text("workshop_timer_left", time=duration_text(planned.seconds - elapsed),
                    total=duration_text(planned.seconds))


def parse_start_time(value: str, now: datetime) -> datetime:
    """The ``start_time`` parameter (HH:MM, 24-hour) on ``now``'s day; empty means ``now``."""
    value = (value or "").strip()
    if not value:
        return now.replace(second=0, microsecond=0)
    match = CLOCK.match(value)
    if not match:
        raise ParameterError(f"start_time {value!r} is not a time: write it as HH:MM on a 24-hour clock, e.g. 09:30, "
                             "or leave it empty to start now.")
    return datetime.combine(now.date(), time(int(match[1]), int(match[2])))


# ================================================================ polls


@dataclass(frozen=True)
class PollResult:
    """One poll's answers, suppressed: ``table`` holds ``None`` wherever a count is hidden."""

    poll_id: str
    question: str
    source: str
    segment: str
    options: tuple[Choice, ...]
    table: Suppressed

    @property
    def k(self) -> int:
        return self.table.k

    @property
    def total(self) -> int | None:
        """The number of answers, or ``None`` when it is hidden (fewer than k in all)."""
        return self.table.total

    @property
    def total_text(self) -> str:
        return self.table.label(self.table.total)

    def rows(self) -> list[dict[str, Any]]:
        """``[{id, label, count (None when hidden), text}]`` in the options' order."""
        shown = self.table.row()
        return [{"id": o.value, "label": o.label, "count": shown[o.value], "text": self.table.label(shown[o.value])}
                for o in self.options]

    def lines(self, loc: Locale) -> list[str]:
        out = [loc.text("workshop_poll_heading", question=self.question, total=self.total_text)]
        out += [f"  {row['label']}: {row['text']}" for row in self.rows()]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.poll_id, "question": self.question, "source": self.source, "segment": self.segment,
                "k": self.k, "total": self.total, "total_text": self.total_text,
                "hidden_options": self.table.n_hidden, "options": self.rows()}


def poll_result(poll: Poll, counts: Mapping[str, int], *, k: int = DEFAULT_K,
                options: Sequence[Choice] | None = None) -> PollResult:
    """Suppress one poll's counts for showing. Options nobody chose count as 0 (and are hidden like
    any count below ``k``); answers for an option the poll no longer offers are left out."""
    options = tuple(poll_options(poll) if options is None else options)
    full = {o.value: int(counts.get(o.value, 0)) for o in options}
    return PollResult(poll.id, poll.question, poll.source, poll.segment, options,
                      suppress_counts(full, k=k, label=poll.id))


def record_answer(store: Store, session_id: str, poll: Poll, option_id: str,
                  options: Sequence[Choice] | None = None) -> None:
    """Record one anonymous answer after checking it is one of the poll's options."""
    valid = [o.value for o in (poll_options(poll) if options is None else options)]
    if option_id not in valid:
        raise ValueError(f"{option_id!r} is not an option of poll {poll.id!r}; its options are: {', '.join(valid)}")
    store.add_poll_vote(check_session_id(session_id), poll.id, option_id)


def session_results(store: Store, workshop: Workshop, session_id: str, *, k: int = DEFAULT_K) -> list[PollResult]:
    """Every poll of the workshop for one session, suppressed."""
    return [poll_result(p, store.poll_counts(session_id, p.id), k=k) for p in workshop.polls]


@dataclass(frozen=True)
class Bar:
    """One bar of a poll chart. A hidden count is drawn as a placeholder of fixed height."""

    label: str
    height: float
    text: str
    hidden: bool


def chart_bars(result: PollResult) -> list[Bar]:
    """The bars of a poll chart: a shown count is its own height; a hidden one is a placeholder of
    height ``k`` (the same for every hidden bar, so it never gives a count away)."""
    return [Bar(row["label"], float(result.k) if row["count"] is None else float(row["count"]), row["text"],
                row["count"] is None) for row in result.rows()]


def chart_alt_text(result: PollResult, loc: Locale) -> str:
    """A plain-text description of a poll chart (for screen readers and text output)."""
    return " ".join(result.lines(loc))


# ================================================================ results and batch


def check_session_id(session_id: str) -> str:
    if not SESSION_ID.match(session_id or ""):
        raise ParameterError(
            f"session_id {session_id!r} is not a usable label: use letters, digits, '-' and '_' only "
            "(up to 64, starting with a letter or digit), or leave it empty for the workshop id and today's date.")
    return session_id


def default_session_id(workshop_id: str, today: date) -> str:
    return f"{workshop_id}-{today:%Y-%m-%d}"


def check_k(k: Any) -> int:
    """``k`` may be raised above 5 for a stricter threshold, never lowered below it."""
    if isinstance(k, bool) or not isinstance(k, int) or k < DEFAULT_K:
        raise ParameterError(f"k must be a whole number of {DEFAULT_K} or more, not {k!r}: in a group no count "
                             f"below {DEFAULT_K} is ever shown.")
    return k


def default_results_path(session_id: str) -> Path:
    return config.data_dir() / "workshops" / session_id / RESULTS_FILE


def results_document(workshop: Workshop, plan: AgendaPlan, results: Sequence[PollResult], *, session_id: str,
                     k: int, generated_at: datetime | None = None) -> dict[str, Any]:
    """The JSON written for a session: the plan and the suppressed poll tables (no free text)."""
    program = content.program(workshop.program)
    moment = generated_at or datetime.now(timezone.utc)
    return {
        "workshop": {"id": workshop.id, "title": workshop.title, "program": program.id,
                     "program_title": program.title},
        "session_id": session_id,
        "k": k,
        "suppression": f"a count below {k} is null here and reads 'fewer than {k}'",
        "generated_at": moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "plan": plan.as_dict(),
        "polls": [r.as_dict() for r in results],
    }


def write_results(path: Path, document: Mapping[str, Any]) -> Path:
    """Write the results JSON atomically, readable by its owner only."""
    path = Path(path).expanduser()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, tmp = tempfile.mkstemp(prefix=".results-", suffix=".json", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(document, fh, indent=2, ensure_ascii=False)
            fh.write("\n")
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def export_results(store: Store, workshop: Workshop, plan: AgendaPlan, *, session_id: str, k: int,
                   path: Path) -> tuple[dict[str, Any], Path]:
    """Suppress the session's polls, write them with the plan to ``path`` and audit the export."""
    document = results_document(workshop, plan, session_results(store, workshop, session_id, k=k),
                                session_id=session_id, k=k)
    written = write_results(path, document)
    store.record_export(what=f"workshop:{session_id}",
                        detail={"workshop": workshop.id, "polls": [p.id for p in workshop.polls], "k": k})
    return document, written


@dataclass(frozen=True)
class BatchRun:
    document: dict[str, Any]
    path: Path
    lines: list[str]


def run_batch(workshop_id: str, *, store_path: str = "", session_id: str = "", start_time: str = "",
              k: int = DEFAULT_K, results_path: str = "", now: datetime | None = None,
              language: str = "en") -> BatchRun:
    """Batch mode without widgets: plan the agenda, suppress the session's polls, write the JSON."""
    session = WorkshopSession(workshop_id, store_path=store_path, session_id=session_id, mode="batch",
                              start_time=start_time, k=k, results_path=results_path, now=now, language=language)
    try:
        document, path = session.export()
        lines = session.plan.lines(session.loc)
        for result in session.poll_results():
            lines += result.lines(session.loc)
        lines.append(session.loc.text("workshop_results_written", path=str(path)))
        return BatchRun(document, path, lines)
    finally:
        session.close()


# ================================================================ the notebook's session


class WorkshopSession:
    """Serves the live-session notebook. Interactive cells return widgets (imported on demand from
    :mod:`securebase.workshop_view`); batch cells return plain text, and :meth:`results` writes the
    JSON file. Both call the same functions of this module."""

    def __init__(self, workshop_id: str, *, store_path: str = "", session_id: str = "", mode: str = "interactive",
                 start_time: str = "", k: int = DEFAULT_K, results_path: str = "",
                 now: datetime | Callable[[], datetime] | None = None, language: str = "en"):
        if mode not in MODES:
            raise ParameterError(f"mode must be 'interactive' or 'batch', not {mode!r}.")
        from securebase import clock

        try:
            self.workshop = workshop(workshop_id)
        except KeyError as exc:
            raise ParameterError(f"workshop: {exc.args[0]}") from None
        self.k = check_k(k)
        self._now: Callable[[], datetime] = (now if callable(now) else (lambda: now)) if now is not None else clock.now
        started = self._now()
        self.session_id = check_session_id(session_id) if session_id else default_session_id(self.workshop.id, started.date())
        self.mode = mode
        self.loc = content.locale(language)
        self.program = content.program(self.workshop.program)
        self.plan = plan_agenda(self.workshop, parse_start_time(start_time, started))
        self.results_path = Path(results_path).expanduser() if results_path else default_results_path(self.session_id)
        self.store = Store(config.resolve_store_path(store_path))
        self._views: dict[str, Any] = {}

    def now(self) -> datetime:
        return self._now()

    def close(self) -> None:
        self.store.close()

    # ------------------------------------------------------------ pure parts

    def poll_results(self) -> list[PollResult]:
        return session_results(self.store, self.workshop, self.session_id, k=self.k)

    def export(self) -> tuple[dict[str, Any], Path]:
        return export_results(self.store, self.workshop, self.plan, session_id=self.session_id, k=self.k,
                              path=self.results_path)

    # ------------------------------------------------------------ cells

    def intro(self) -> Any:
        """The workshop's heading and how the session keeps answers anonymous."""
        lines = [self.workshop.title, self.loc.text("workshop_intro", program=self.program.title,
                                                    session=self.session_id, k=self.k)]
        if self.mode == "batch":
            return PlainText(lines)
        from IPython.display import HTML

        summary = f"<p>{esc(self.workshop.summary)}</p>" if self.workshop.summary else ""
        return HTML(f"<h2>{esc(lines[0])}</h2>{summary}<p style=\"color:#3b4a63\">{esc(lines[1])}</p>"
                    f"<p style=\"color:#5a6372;font-size:0.9em\">{esc(self.loc.text('workshop_privacy'))}</p>")

    def agenda(self) -> Any:
        """Batch: the plan as text. Interactive: a timer per segment with the planned clock times."""
        if self.mode == "batch":
            return PlainText(self.plan.lines(self.loc))
        from .workshop_view import AgendaView

        view = AgendaView(self.workshop, self.plan, self.loc, now=self.now)
        self._views["agenda"] = view
        return view.widget

    def polls(self) -> Any:
        """Batch: each poll's suppressed answers as text. Interactive: the polls and their charts."""
        if self.mode == "batch":
            lines: list[str] = []
            for result in self.poll_results():
                lines += result.lines(self.loc)
            return PlainText(lines or [self.loc.text("workshop_no_polls")])
        from .workshop_view import PollsView

        view = PollsView(self.workshop, self.store, self.session_id, k=self.k, loc=self.loc)
        self._views["polls"] = view
        return view.widget

    def results(self) -> Any:
        """Batch: write the results JSON and say where. Interactive: a button that writes it."""
        if self.mode == "batch":
            _document, path = self.export()
            return PlainText([self.loc.text("workshop_results_written", path=str(path))])
        from .workshop_view import ResultsView

        view = ResultsView(self.export, self.loc)
        self._views["results"] = view
        return view.widget


# ================================================================ the notebook


PARAMETERS = '''\
# Parameters. In batch runs papermill injects new values in a cell below this one.
workshop: str = "asb_intro"     # workshop file in content/workshops (its name without .yaml)
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder
session_id: str = ""            # label of this session (letters, digits, - and _); empty means the workshop id and today's date
mode: str = "interactive"       # "interactive" shows timers and polls; "batch" prints text and writes results_path
start_time: str = ""            # HH:MM the session starts, 24-hour clock; empty means now
k: int = 5                      # smallest count ever shown, 5 or more; smaller counts read "fewer than k"
results_path: str = ""          # batch: JSON file for the agenda plan and the suppressed poll results; empty means <data folder>/workshops/<session_id>/results.json'''


def build_workshop_notebook() -> nbformat.NotebookNode:
    """The live-session notebook: parameters, intro, agenda, polls and results (thin: calls this module)."""
    cells = [
        new_markdown_cell(
            "# Live workshop session\n\n"
            "For facilitators. Choose the workshop in the first cell, then run all cells "
            "(*Run > Run All*), or open this notebook as an app with Voila. Poll answers are anonymous "
            "and saved in the Secure Base store; counts below k are never shown."
        ),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from securebase.workshop import WorkshopSession\n\n"
            "ws = WorkshopSession(workshop, store_path=store_path, session_id=session_id, mode=mode,\n"
            "                     start_time=start_time, k=k, results_path=results_path)\n"
            "ws.intro()"
        ),
        new_markdown_cell("### Agenda\n\nEach segment has its own timer. The planned times follow from the start time."),
        new_code_cell("ws.agenda()"),
        new_markdown_cell("### Polls\n\nOne answer per press of *Submit answer*; the choice clears so the device "
                          "can be passed on."),
        new_code_cell("ws.polls()"),
        new_markdown_cell("### Results file\n\nThe agenda plan and the suppressed poll counts, as JSON."),
        new_code_cell("ws.results()"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"workshop-{i:02d}"  # stable ids keep diffs readable
    return nb


def write_workshop_notebook(root: Path, *, execute: bool = True) -> Path:
    """Write ``notebooks/workshop/live_session.ipynb`` under ``root`` (the notebooks folder).

    With ``execute``, the outputs of one run on a throw-away store are kept as the nbval baseline."""
    from .notebooks import execute_on_demo_store

    path = Path(root) / NOTEBOOK
    path.parent.mkdir(parents=True, exist_ok=True)
    nb = build_workshop_notebook()
    if execute:
        nb = execute_on_demo_store(nb, path.parent)
    nbformat.write(nb, path)
    return path


__all__ = [
    "AgendaPlan", "Bar", "BatchRun", "PlannedSegment", "Poll", "PollResult", "Projection", "Segment", "Workshop",
    "WorkshopSession", "build_workshop_notebook", "chart_alt_text", "chart_bars", "check_content", "check_k",
    "check_session_id", "clear_cache", "export_results", "load_workshop_file", "parse_start_time", "plan_agenda",
    "poll_options", "poll_result", "projection", "record_answer", "resolve_field", "results_document", "run_batch",
    "session_results", "timer_text", "workshop", "workshops", "write_results", "write_workshop_notebook",
]
