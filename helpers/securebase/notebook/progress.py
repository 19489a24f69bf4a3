"""The progress notebook's cells, in both modes, like :class:`~securebase.notebook.workbook.Workbook`:
interactive cells return widgets (built in :mod:`securebase.ui.progress`), batch cells return plain
text, and ``report()`` writes ``progress.json``, ``progress.html`` and ``progress.png``. The
numbers come from :func:`securebase.progress.compute.compute_progress`; ipywidgets is imported
only on the interactive paths, so batch mode never creates a widget."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from securebase import content
from securebase.core import clock, config
from securebase.notebook.parameters import ParameterError, Text, check_mode_and_client, date_parameter
from securebase.notebook.page import Page, client_of_page
from securebase.progress.compute import (
    REPORT_FILES,
    compute_progress,
    headline_lines,
    homework_rows,
    homework_text,
    overview_lines,
    position_text,
    stage_word,
)
from securebase.progress.report import write_progress_report
from securebase.safety.flags import flag_summary, summary_lines
from securebase.store import Store


def _yes_no(name: str, value: Any) -> bool:
    """A yes/no parameter: True or False, or (from the command line) "true"/"false", "yes"/"no"."""
    if isinstance(value, bool):
        return value
    word = str(value).strip().lower()
    if word in ("true", "yes", "1"):
        return True
    if word in ("false", "no", "0", ""):
        return False
    raise ParameterError(f"{name} must be True or False (or yes or no), not {value!r}.")


class ProgressWorkbook(Page):
    """The progress notebook's cells: ``overview``, ``plots``, ``override`` and ``report``."""

    warm_modules = (*Page.warm_modules, "securebase.ui.progress", "securebase.ui.safety", "securebase.ui.handout",
                    "securebase.intake.assessments", "securebase.couples.protocol", "securebase.couples.adherence",
                    "securebase.reports.handout")

    page_label = "Progress"

    @classmethod
    def warm_up(cls) -> None:
        from securebase.progress import plots

        super().warm_up()
        plots.warm_up()

    def __init__(
        self,
        program_id: str,
        *,
        client_id: str,
        store_path: str = "",
        mode: str = "interactive",
        output_dir: str = "",
        today: str = "",
        handout_since: str = "",
        clinician_note: str = "",
        include_safety_plan: bool = False,
    ):
        try:
            self.program = content.program(program_id)   # before the wait for the page's request (preheated)
        except KeyError as exc:
            raise ParameterError(str(exc.args[0])) from None
        client_id = check_mode_and_client(mode, client_id)
        self.include_safety_plan = _yes_no("include_safety_plan", include_safety_plan)
        self.today = date_parameter("today", today) or clock.today()
        self.handout_since = date_parameter("handout_since", handout_since)
        if self.handout_since and self.handout_since > self.today:
            raise ParameterError(f"handout_since ({handout_since}) is after today ({self.today}); give an earlier day.")
        self.clinician_note = clinician_note
        self.mode = mode
        self.client_id = client_id
        self.store = Store(config.resolve_store(store_path))
        client_of_page(self.store, client_id, f"{program_id}/progress", program_id=program_id, start_date=self.today)
        self.output_dir = Path(output_dir).expanduser() if output_dir else (
            config.client_dir(client_id) / "reports" / program_id / "progress"
        )
        self._listeners: list[Callable[[dict[str, Any]], None]] = []
        self.report_written = False  # set by report(); a cleared flag then rewrites it (refresh_report)
        self.progress = self.compute()

    # ------------------------------------------------------------ logic

    def compute(self) -> dict[str, Any]:
        from securebase.couples.protocol import as_entries

        client = self.store.require_client(self.client_id)
        entries = self.store.current_entries(self.client_id, program_id=self.program.id)
        entries += [e for e in as_entries(self.store, self.client_id) if e.program_id == self.program.id]
        return {**compute_progress(self.program, client, entries, self.today, self.store.assignments(self.client_id)),
                "safety": flag_summary(self.store, self.client_id)}

    def refresh(self) -> dict[str, Any]:
        """Recompute the progress and update every view shown so far."""
        self.progress = self.compute()
        for listener in self._listeners:
            listener(self.progress)
        return self.progress

    def on_refresh(self, listener: Callable[[dict[str, Any]], None]) -> None:
        self._listeners.append(listener)

    def set_override(self, phase_id: str | None) -> None:
        """Put the client in ``phase_id`` whatever the date says; ``None`` goes back to the start date."""
        if phase_id is not None and phase_id not in {p.id for p in self.program.phases}:
            raise ParameterError(f"{phase_id!r} is not a {stage_word(self.program)} of {self.program.title}.")
        self.store.update_client(self.client_id, phase_override=phase_id)
        self.refresh()

    # ------------------------------------------------------------ cells

    def overview(self) -> Any:
        if self.mode == "batch":
            return Text(overview_lines(self.program, self.progress))
        from securebase.ui.progress import overview_view

        return overview_view(self)

    def plots(self) -> Any:
        if self.mode == "batch":
            return Text([*headline_lines(self.progress), f"The charts are in {REPORT_FILES[2]}, written by report()."])
        from securebase.ui.progress import plots_view

        return plots_view(self)

    def override(self) -> Any:
        if self.mode == "batch":
            return Text([f"Current position: {position_text(self.program, self.progress)}"])
        from securebase.ui.progress import OverrideControl

        return OverrideControl(self).widget

    def homework(self) -> Any:
        """Interactive: set and end the client's homework, and their calendar addresses. Batch: what is set."""
        if self.mode == "interactive":
            from securebase.ui.progress import HomeworkControl

            return HomeworkControl(self).widget
        rows = homework_rows(self.progress)
        return Text([homework_text(self.progress) or "No homework set.",
                     *(f"  {r['title']}, {r['how_often']}, {r['when']}: {r['done']}" for r in rows)])

    def report(self) -> Any:
        """Batch: write the progress report and name its files. Interactive: a button that writes it, with
        links that open, download and print it."""
        if self.mode == "interactive":
            from securebase.ui.progress import ReportControl

            return ReportControl(self).widget
        files = self.write_report()
        return Text([f"Progress report written to {self.output_dir}: " + ", ".join(p.name for p in files.values())])

    def write_report(self) -> dict[str, Path]:
        files = write_progress_report(self.output_dir, program=self.program, progress=self.progress)
        self.report_written = True
        return files

    def report_files(self) -> dict[str, Path]:
        """The progress report's files on disk (``json``, ``html``, ``png``), or ``{}`` before it is written."""
        files = dict(zip(("json", "html", "png"), (self.output_dir / name for name in REPORT_FILES)))
        return files if all(path.is_file() for path in files.values()) else {}

    def refresh_report(self) -> bool:
        """Write the progress report again from the current progress if it was written in this session or
        is on disk (after a flag is cleared, so the report does not still show it open). True if rewritten."""
        if not (self.report_written or any((self.output_dir / name).exists() for name in REPORT_FILES)):
            return False
        write_progress_report(self.output_dir, program=self.program, progress=self.progress)
        return True

    def safety(self) -> Any:
        """Safety flags of this client: open and cleared, with a control to clear one with a reason."""
        lines = summary_lines(self.progress["safety"])
        if self.mode == "batch":
            return Text(lines)
        from securebase.ui.safety import ClearFlagControl

        return ClearFlagControl(self).widget

    def assessment_lines(self, instrument_id: str = "relationship_check") -> list[str]:
        """The relationship check over time: each result, the change from the first with the
        reliable change index, and milestones at which it has not been repeated yet."""
        from securebase.content import scales
        from securebase.intake.assessments import change_from_first, due_milestones, get_assessments

        instrument = scales.instrument(instrument_id)
        history = get_assessments(self.store, self.client_id, instrument_id)
        if not history:
            return [f"{instrument.title}: not taken yet (notebooks/intake/{instrument_id}.ipynb)."]
        lines = [f"{instrument.title}: taken {len(history)} time(s)."]
        for a in history:
            scores = ", ".join(f"{instrument.subscale(k).label} {v:g}" for k, v in a.scores.items() if v is not None)
            lines.append(f"  {a.administered_at[:10]} ({a.occasion}): {scores}")
        for row in change_from_first(instrument, history):
            if not row["comparable"]:
                lines.append(f"  {row['administered_at'][:10]}: {row['note']}")
                continue
            parts = []
            for sub_id, c in row["changes"].items():
                verdict = "" if c["rci"] is None else (f", RCI {c['rci']:+.2f}" + (" (reliable)" if c["reliable"] else ""))
                parts.append(f"{instrument.subscale(sub_id).label} {c['change']:+g}{verdict}")
            lines.append(f"  Change by {row['administered_at'][:10]} since the first: "
                         + ("; ".join(parts) if parts else "none to compare (too many statements skipped in one of them)"))
        client = self.store.require_client(self.client_id)
        due = due_milestones(self.program, client.start_date, self.today, history)
        if due:
            lines.append("  Due again: it has not been repeated since " + ", ".join(due) + " began.")
        return lines

    def assessments(self) -> Any:
        lines = self.assessment_lines()
        if self.mode == "batch":
            return Text(lines)
        from securebase.ui.progress import lines_view

        return lines_view(lines)

    def couple_lines(self) -> list[str]:
        """The couple's link, protocol versions and adherence, as plain sentences (no client text)."""
        from securebase.couples.adherence import adherence, adherence_lines
        from securebase.couples.dyads import dyad_of
        from securebase.couples.protocol import in_force, status_text, versions
        from securebase.couples.pause import pause_of

        dyad = dyad_of(self.store, self.client_id)
        if dyad is None:
            return [f"{self.client_id} is not linked with a partner. Link partners on the clients page."]
        partner = dyad.partner_of(self.client_id)
        lines = [f"Couple {dyad.dyad_id}: partner A {dyad.partner_a}, partner B {dyad.partner_b} "
                 f"({self.client_id} with {partner})."]
        pause = pause_of(self.store, dyad)
        if pause is not None:
            who = " and ".join(f"partner {dyad.role_of(m)}" for m in dyad.members if pause.is_flagged(m))
            lines += [f"Shared features paused since {pause.since[:10]}: an entry of {who} was flagged for abuse or "
                      "danger. See the partners separately. Neither partner was told why.",
                      "To lift the pause, write your reason in the control below." if self.mode == "interactive" else
                      f"To lift the pause: securebase couple resume {dyad.dyad_id} --reason TEXT."]
        history = versions(self.store, dyad.dyad_id)
        current = in_force(self.store, dyad.dyad_id)
        lines.append(f"Protocol in force: version {current.version}, timeout {current.data['timeout_minutes']} minutes."
                     if current else "Protocol in force: none agreed yet.")
        lines += [f"  Version {v.version} ({v.proposed_at[:10]}, by partner {dyad.role_of(v.proposed_by)}): "
                  f"{status_text(v, dyad, current)}" for v in history]
        lines += adherence_lines(adherence(self.store, dyad, program_id=self.program.id, until=self.today.isoformat()))
        return lines

    def couple(self) -> Any:
        """The couple view: link, protocol versions and adherence (text in batch, text and chart interactively)."""
        lines = self.couple_lines()
        if self.mode == "batch":
            return Text(lines)
        from securebase.couples.adherence import adherence
        from securebase.couples.dyads import dyad_of
        from securebase.couples.pause import pause_of
        from securebase.ui.progress import LiftPauseControl, couple_view

        dyad = dyad_of(self.store, self.client_id)
        figures = None if dyad is None else adherence(self.store, dyad, program_id=self.program.id,
                                                      until=self.today.isoformat())
        lift = LiftPauseControl(self, dyad.dyad_id) if pause_of(self.store, dyad) is not None else None
        return couple_view(lines, figures, lift)

    def write_handout(self, *, since: date | None = None, clinician_note: str = "",
                      include_safety_plan: bool = False) -> tuple[Path, dict[str, Any]]:
        """Write the session summary and homework handout to ``<output_dir>/handout-<today>``
        (with the client's safety plan only when ``include_safety_plan``)."""
        from securebase.reports.handout import build_handout, write_handout

        context = build_handout(
            self.store, self.program, self.client_id, today=self.today, since=since, clinician_note=clinician_note,
            include_safety_plan=include_safety_plan,
        )
        out_dir = self.output_dir / f"handout-{self.today.isoformat()}"
        return out_dir, write_handout(out_dir, context)

    def handout(self) -> Any:
        if self.mode == "batch":
            from securebase.reports.handout import describe_files

            out_dir, files = self.write_handout(since=self.handout_since, clinician_note=self.clinician_note,
                                                include_safety_plan=self.include_safety_plan)
            return Text(describe_files(out_dir, files))
        from securebase.ui.handout import HandoutControl

        return HandoutControl(self).widget
