"""Live group workshops: the agenda plan and anonymous polls (the content is :mod:`securebase.workshop.model`).

A facilitator runs a workshop from one notebook (``notebooks/workshop/live_session.ipynb``, served by
:class:`securebase.notebook.workshop.WorkshopSession`), in JupyterLab, as an app (Voila) or in batch
with papermill. This module holds everything that does not need a widget, so batch runs and tests use
exactly what the live session uses:

* **Agenda.** :func:`plan_agenda` gives each segment's planned clock times from a start time,
  the total and how far the plan runs over the booked length; :func:`projection` says when the
  session will end at the current pace.
* **Polls.** Answers are anonymous: :func:`record_answer` stores the poll, the option and the time,
  never who answered. :func:`poll_result` turns the counts into a table that is safe to show:
  options nobody chose count as 0, and every count goes through small-cell suppression
  (:func:`securebase.privacy.suppression.suppress_counts`), so a count below ``k`` is never shown.
  Polls have fixed options only: no free text and no safety flags ever reach a workshop output.
* **Results.** :func:`export_results` writes the plan and the suppressed poll tables as JSON.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path
from typing import Any

from securebase import content
from securebase.core import config
from securebase.content import Choice, Locale
from securebase.store import Store
from securebase.privacy.suppression import DEFAULT_K, Suppressed, suppress_counts
from securebase.core.errors import ParameterError
from securebase.workshop.model import Poll, Workshop, poll_options

RESULTS_FILE = "results.json"
SESSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\Z")
CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)\Z")


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
    config.ensure_private_dir(path.parent)
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


__all__ = [
    "AgendaPlan",
    "Bar",
    "PlannedSegment",
    "PollResult",
    "Projection",
    "chart_alt_text",
    "chart_bars",
    "check_k",
    "check_session_id",
    "clock",
    "default_results_path",
    "default_session_id",
    "duration_text",
    "export_results",
    "parse_start_time",
    "plan_agenda",
    "poll_result",
    "projection",
    "record_answer",
    "results_document",
    "session_results",
    "timer_text",
    "write_results",
    "CLOCK",
    "RESULTS_FILE",
    "SESSION_ID",
]
