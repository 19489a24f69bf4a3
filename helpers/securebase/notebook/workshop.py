"""The live-session notebook's cells (:class:`WorkshopSession`) and its batch run (:func:`run_batch`).

Interactive cells return widgets (imported on demand from :mod:`securebase.ui.workshop`); batch
cells return plain text, and :meth:`WorkshopSession.results` writes the JSON file. Both call the
same functions of :mod:`securebase.workshop.session`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from securebase import content
from securebase.core import clock, config
from securebase.core.text import esc
from securebase.notebook.parameters import MODES, ParameterError
from securebase.notebook.parameters import Text as PlainText
from securebase.store import Store
from securebase.workshop.model import workshop
from securebase.workshop.session import (
    DEFAULT_K,
    PollResult,
    check_k,
    check_session_id,
    default_results_path,
    default_session_id,
    export_results,
    parse_start_time,
    plan_agenda,
    session_results,
)


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


class WorkshopSession:
    """Serves the live-session notebook. Interactive cells return widgets (imported on demand from
    :mod:`securebase.ui.workshop`); batch cells return plain text, and :meth:`results` writes the
    JSON file. Both call the same functions of this module."""

    def __init__(self, workshop_id: str, *, store_path: str = "", session_id: str = "", mode: str = "interactive",
                 start_time: str = "", k: int = DEFAULT_K, results_path: str = "",
                 now: datetime | Callable[[], datetime] | None = None, language: str = "en"):
        if mode not in MODES:
            raise ParameterError(f"mode must be 'interactive' or 'batch', not {mode!r}.")
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
        self.store = Store(config.resolve_store(store_path))
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
        from securebase.ui.workshop import AgendaView

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
        from securebase.ui.workshop import PollsView

        view = PollsView(self.workshop, self.store, self.session_id, k=self.k, loc=self.loc)
        self._views["polls"] = view
        return view.widget

    def results(self) -> Any:
        """Batch: write the results JSON and say where. Interactive: a button that writes it."""
        if self.mode == "batch":
            _document, path = self.export()
            return PlainText([self.loc.text("workshop_results_written", path=str(path))])
        from securebase.ui.workshop import ResultsView

        view = ResultsView(self.export, self.loc)
        self._views["results"] = view
        return view.widget
