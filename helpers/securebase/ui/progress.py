"""The progress notebook's widgets: the overview, the charts, the step override and text panels.
Each takes the :class:`~securebase.notebook.progress.ProgressWorkbook` and follows its refreshes."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.couples.pause import lift_pause
from securebase.progress.compute import USE_START_DATE, overview_html, position_text, stage_word
from securebase.progress.plots import adherence_png, progress_png
from securebase.ui.images import picture, png_html

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.progress import ProgressWorkbook

_CHART = dict(max_width="52rem")


def overview_view(workbook: "ProgressWorkbook") -> w.HTML:
    view = w.HTML(overview_html(workbook.program, workbook.progress))
    workbook.on_refresh(lambda progress: setattr(view, "value", overview_html(workbook.program, progress)))
    return view


_PROGRESS_ALT = "Chart of the client's progress: exercises used and practice kept up, step by step"


def plots_view(workbook: "ProgressWorkbook") -> w.HTML:
    image = picture(progress_png(workbook.progress, workbook.program), _PROGRESS_ALT, _CHART["max_width"])
    workbook.on_refresh(lambda progress: setattr(image, "value", png_html(progress_png(progress, workbook.program),
                                                                        _PROGRESS_ALT, _CHART["max_width"])))
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
