"""The relationship check as widgets: one row of answer buttons per statement, and the result.

Statements and labels come from the instrument file and are escaped. Pressing *See my result*
calls :meth:`IntakeWorkbook.submit`, the same function batch mode uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
from securebase.ui.files import file_links
from securebase.ui.images import picture

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.intake import IntakeWorkbook


class Questionnaire:
    def __init__(self, workbook: "IntakeWorkbook"):
        self.workbook = workbook
        instrument = workbook.instrument
        scale = instrument.response_scale
        values = list(range(scale.min, scale.max + 1))
        legend = ", ".join(f"{v} = {label}" for v, label in sorted(scale.labels.items()))
        self.buttons: dict[str, w.ToggleButtons] = {}
        from securebase.intake.assessments import OCCASIONS

        self.occasion = w.Dropdown(options=[(workbook.occasion_label(o), o) for o in OCCASIONS],
                                   value=workbook.occasion, description="Occasion", style={"description_width": "6rem"},
                                   layout=w.Layout(width="20rem"))
        rows: list[Any] = [self.occasion, w.HTML(f'<p style="color:#3b4a63">{esc(legend)}</p>')]
        for n, item in enumerate(instrument.items, start=1):
            buttons = w.ToggleButtons(
                options=[(str(v), v) for v in values], value=None, description=f"{n}.",
                tooltips=[scale.labels.get(v, str(v)) for v in values],
                style={"button_width": "2.6rem", "description_width": "2rem"},
            )
            buttons.add_class("sb-numbered")   # the number names the group for screen readers; the statement shows it
            self.buttons[item.id] = buttons
            rows += [w.HTML(f'<p style="margin:0.8rem 0 0.1rem 0"><strong>{n}.</strong> {esc(item.text)}</p>'), buttons]
        self.submit_button = w.Button(description="See my result", button_style="primary", icon="check",
                                      layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.result = w.VBox([])
        self.earlier = w.HTML(self.earlier_html())
        self.submit_button.on_click(lambda _b: self.submit())
        self.widget = w.VBox(rows + [self.submit_button, self.status, self.result, self.earlier],
                             layout=w.Layout(max_width="52rem"))

    def earlier_html(self) -> str:
        """This client's earlier checks, newest first, each with its files (every check's files are kept)."""
        checks = self.workbook.earlier_checks()
        if not checks:
            return ""
        items = []
        for assessment, files in checks:
            when = f"{assessment.administered_at[:10]}, {self.workbook.occasion_label(assessment.occasion)}"
            items.append(f"<li><strong>{esc(when)}</strong>{file_links(self.file_list(files))}</li>")
        return f"<h3>Checks so far</h3><ul class='sb-checks'>{''.join(items)}</ul>"

    @staticmethod
    def file_list(files: dict[str, Any]) -> list[tuple[str, Any]]:
        return [("Action report", files["report"]), ("Result card", files["card"]), ("Scores", files["json"])]

    def responses(self) -> dict[str, Any]:
        return {item_id: b.value for item_id, b in self.buttons.items() if b.value is not None}

    def submit(self) -> None:
        from securebase.intake.results import result_lines

        answers = self.responses()
        if not answers:
            self.status.value = '<p role="alert" style="color:#9a2a1f">Answer at least some of the statements first.</p>'
            return
        self.workbook.occasion = self.occasion.value
        try:
            files = self.workbook.submit(answers)
        except SecureBaseError as exc:
            self.status.value = f'<p role="alert" style="color:#9a2a1f">Not saved: {esc(exc)}</p>'
            return
        skipped = len(self.buttons) - len(answers)
        note = f" You skipped {skipped} statement(s)." if skipped else ""
        self.status.value = f'<p role="status" style="color:#1d5a2e">Saved.{esc(note)}</p>'
        lines = result_lines(self.workbook.instrument, self.workbook.latest)
        self.result.children = (
            picture(files["card"].read_bytes(), "The result card of the relationship check", "26rem"),
            w.HTML("".join(f"<p>{esc(line)}</p>" for line in lines)),
            w.HTML('<p style="color:#5a6372">The card has no name or date on it, so it can be shared. '
                   "The action report says where to start.</p>" + file_links(self.file_list(files))),
        )
        self.earlier.value = self.earlier_html()
