"""The progress notebook's widgets: the overview, the charts, the step override and text panels.
Each takes the :class:`~securebase.notebook.progress.ProgressWorkbook` and follows its refreshes."""

from __future__ import annotations

import html
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
from securebase.couples.pause import lift_pause
from securebase.progress.compute import USE_START_DATE, overview_html, position_text, stage_word
from securebase.progress.plots import adherence_png, chart_description, progress_png
from securebase.ui.files import file_links
from securebase.ui.images import picture, png_html

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.progress import ProgressWorkbook

_CHART = dict(max_width="52rem")


def overview_view(workbook: "ProgressWorkbook") -> w.HTML:
    view = w.HTML(overview_html(workbook.program, workbook.progress))
    workbook.on_refresh(lambda progress: setattr(view, "value", overview_html(workbook.program, progress)))
    return view


def plots_view(workbook: "ProgressWorkbook") -> w.HTML:
    def draw(progress: dict[str, Any]) -> str:
        return png_html(progress_png(progress, workbook.program), chart_description(progress, workbook.program),
                        _CHART["max_width"])

    image = w.HTML(draw(workbook.progress), layout=w.Layout(width="100%"))
    workbook.on_refresh(lambda progress: setattr(image, "value", draw(progress)))
    return image


def lines_view(lines: list[str]) -> w.HTML:
    """Plain sentences, escaped, one a line."""
    return w.HTML("<br>".join(html.escape(line) for line in lines))


def couple_view(lines: list[str], figures: dict[str, Any] | None, lift: "LiftPauseControl | None" = None) -> w.VBox:
    """The couple's sentences, the control that lifts a pause (when paused), and the adherence chart
    when the client is linked."""
    parts: list[w.Widget] = [lines_view(lines)]
    if lift is not None:
        parts.append(lift.widget)
    if figures is not None:
        parts.append(picture(adherence_png(figures), "Chart of how the couple kept to their protocol, day by day",
                             _CHART["max_width"]))
    return w.VBox(parts)


class LiftPauseControl:
    """For the clinician: a reason box and a button that lift the couple's pause (the reason is kept)."""

    def __init__(self, workbook: "ProgressWorkbook", dyad_id: str):
        self.workbook, self.dyad_id = workbook, dyad_id
        loc = self.loc = content.locale("en")
        self.reason = w.Textarea(description=loc.text("couple_lift_reason"), placeholder=loc.text("couple_lift_placeholder"),
                                 style={"description_width": "initial"}, layout=w.Layout(width="40rem", height="4rem"))
        self.button = w.Button(description=loc.text("couple_lift_button"), button_style="warning", icon="play",
                               layout=w.Layout(width="auto"))
        self.message = w.HTML()
        self.button.on_click(lambda _b: self.lift())
        self.widget = w.VBox([
            w.HTML(f"<h4>{html.escape(loc.text('couple_lift_title'))}</h4><p>{html.escape(loc.text('couple_lift_intro'))}</p>"),
            self.reason, self.button, self.message,
        ])

    def lift(self) -> None:
        try:
            lift_pause(self.workbook.store, self.dyad_id, reason=self.reason.value)
        except SecureBaseError as exc:
            self.message.value = (f"<p role='alert' style='color:#9a2a1f'>"
                                  f"{html.escape(self.loc.text('couple_lift_failed', message=str(exc)))}</p>")
            return
        self.reason.value = ""
        for part in (self.reason, self.button):
            part.layout.display = "none"
        self.message.value = f"<p role='status'>{html.escape(self.loc.text('couple_lift_done'))}</p>"


class OverrideControl:
    """A phase picker and an Apply button that set (or clear) the clinician's override (widgets)."""

    def __init__(self, workbook: "ProgressWorkbook"):
        self.workbook = workbook
        program = workbook.program
        override = workbook.store.require_client(workbook.client_id).phase_override
        options = [(USE_START_DATE, ""), *((p.title, p.id) for p in program.phases)]
        self.dropdown = w.Dropdown(
            options=options,
            value=override if override in {p.id for p in program.phases} else "",
            description=f"Current {stage_word(program)}",
            style={"description_width": "initial"},
        )
        self.apply_button = w.Button(description="Apply", button_style="primary", icon="check")
        self.status = w.Label(self._status_text(workbook.progress))
        self.apply_button.on_click(lambda _b: self.apply())
        workbook.on_refresh(lambda progress: setattr(self.status, "value", self._status_text(progress)))
        self.widget = w.VBox([w.HBox([self.dropdown, self.apply_button]), self.status])

    def apply(self) -> None:
        try:
            self.workbook.set_override(self.dropdown.value or None)
        except SecureBaseError as exc:
            self.status.value = f"Not changed: {exc}"

    def _status_text(self, progress: dict[str, Any]) -> str:
        return f"Now: {position_text(self.workbook.program, progress)}"


class ReportControl:
    """The progress report: a button that writes it (again), and links to open, download and print it.
    The links stay right when a cleared flag rewrites the report (the files keep their names)."""

    def __init__(self, workbook: "ProgressWorkbook"):
        self.workbook = workbook
        self.button = w.Button(description="Write progress report", button_style="primary", icon="file-text",
                               layout=w.Layout(width="max-content"))
        self.links = w.HTML()
        self.button.on_click(lambda _b: self.write())
        self.widget = w.VBox([self.button, self.links])
        self.show()

    def write(self) -> None:
        self.button.disabled = True
        try:
            self.workbook.write_report()
        except (SecureBaseError, OSError) as exc:
            self.links.value = f'<p role="alert" class="sb-problem">The report was not written: {html.escape(str(exc))}</p>'
            return
        finally:
            self.button.disabled = False
        self.show(just_written=True)

    def show(self, just_written: bool = False) -> None:
        files = self.workbook.report_files()
        if not files:
            self.links.value = "<p>No progress report yet. It gives the tables and charts above as one page to keep or print.</p>"
            return
        self.button.description = "Write progress report again"
        when = "Written just now." if just_written else "The report written last:"
        self.links.value = f'<p role="status">{when}</p>' + file_links(
            [("Progress report", files["html"]), ("Charts", files["png"]), ("Figures", files["json"])])


class HomeworkControl:
    """Set homework for the client (an exercise, how often, at what times, until when), end it, and make or
    stop the client's calendar addresses (widgets)."""

    def __init__(self, workbook: "ProgressWorkbook"):
        from securebase.homework import FREQUENCY_WORDS

        self.workbook = workbook
        program = workbook.program
        self.exercise = w.Dropdown(options=[(f"{p.title}: {e.title}", e.id) for p in program.phases for e in p.exercises],
                                   description="Exercise", style={"description_width": "initial"},
                                   layout=w.Layout(width="34rem", max_width="100%"))
        self.frequency = w.Dropdown(options=[(words, key) for key, words in FREQUENCY_WORDS.items()],
                                    description="How often", style={"description_width": "initial"})
        self.times = w.Text(description="At (HH:MM)", placeholder="09:00, or 08:00,20:00 twice a day",
                            style={"description_width": "initial"}, layout=w.Layout(width="22rem", max_width="100%"))
        self.until = w.DatePicker(description="Until", value=workbook.today + timedelta(days=13),
                                  style={"description_width": "initial"})
        self.assign_button = w.Button(description="Set homework", button_style="primary", icon="plus",
                                      layout=w.Layout(width="auto"))
        self.assign_button.on_click(lambda _b: self.assign())
        self.current = w.Dropdown(description="Set now", style={"description_width": "initial"},
                                  layout=w.Layout(width="34rem", max_width="100%"))
        self.end_button = w.Button(description="End it today", icon="stop", layout=w.Layout(width="auto"))
        self.end_button.on_click(lambda _b: self.end())
        from securebase.ui.today import CalendarAddresses

        self.calendar = CalendarAddresses(workbook.store, workbook.client_id, new="New calendar address for the client",
                                          stop="Stop the client's calendar addresses",
                                          intro="Give this address to the client only (shown once): their calendar "
                                                "program subscribes to it.")
        self.message = self.calendar.message
        row = w.Layout(flex_flow="row wrap", align_items="center")
        self.widget = w.VBox([self.exercise, w.HBox([self.frequency, self.times], layout=row), self.until,
                              self.assign_button, w.HBox([self.current, self.end_button], layout=row),
                              self.calendar.buttons, self.message])
        self._list()

    def _list(self) -> None:
        today = self.workbook.today
        active = [a for a in self.workbook.store.assignments(self.workbook.client_id) if a.last_day >= today]
        titles = {e.id: e.title for p in self.workbook.program.phases for e in p.exercises}
        self.current.options = [(f"{titles.get(a.exercise_id, a.exercise_id)}, {a.frequency.replace('_', ' ')} "
                                 f"at {', '.join(a.times)}, to {a.last_day}", a.assignment_id) for a in active] or [
                                    ("nothing set", "")]
        self.current.value = self.current.options[0][1]   # the first one, not none (ipywidgets would keep none)
        self.end_button.disabled = not active

    def _say(self, text: str, alert: bool = False) -> None:
        self.message.value = f"<p role='{'alert' if alert else 'status'}'>{esc(text)}</p>"

    def assign(self) -> None:
        from securebase.homework import assign

        try:
            a = assign(self.workbook.store, self.workbook.program, self.workbook.client_id, self.exercise.value,
                       frequency=self.frequency.value, until=self.until.value or self.workbook.today,
                       today=self.workbook.today, times=self.times.value[:40])
        except SecureBaseError as exc:
            return self._say(f"Not set: {exc}", alert=True)
        self._list()
        self.workbook.refresh()
        self._say(f"Set from {a.starts_on} to {a.until}, at {', '.join(a.times)}. The client sees it on their page "
                  "of today.")

    def end(self) -> None:
        if not self.current.value:
            return
        try:
            a = self.workbook.store.end_homework(self.current.value, self.workbook.today)
        except SecureBaseError as exc:
            return self._say(f"Not ended: {exc}", alert=True)
        self._list()
        self.workbook.refresh()
        self._say(f"Ended; its last day is {a.ended_on}.")
