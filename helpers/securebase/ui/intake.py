"""The relationship check as widgets: one row of answer buttons per statement, and the result.

Statements and labels come from the instrument file and are escaped. Pressing *See my result*
calls :meth:`IntakeWorkbook.submit`, the same function batch mode uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
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
        rows: list[Any] = [w.HTML(f'<p style="color:#3b4a63">{esc(legend)}</p>')]
        for n, item in enumerate(instrument.items, start=1):
            buttons = w.ToggleButtons(
                options=[(str(v), v) for v in values], value=None, description=f"{n}.",
                tooltips=[scale.labels.get(v, str(v)) for v in values],
                style={"button_width": "2.6rem", "description_width": "2rem"},
            )
            self.buttons[item.id] = buttons
            rows += [w.HTML(f'<p style="margin:0.8rem 0 0.1rem 0"><strong>{n}.</strong> {esc(item.text)}</p>'), buttons]
        self.submit_button = w.Button(description="See my result", button_style="primary", icon="check",
                                      layout=w.Layout(width="auto"))
        self.status = w.HTML()
        self.result = w.VBox([])
        self.submit_button.on_click(lambda _b: self.submit())
        self.widget = w.VBox(rows + [self.submit_button, self.status, self.result], layout=w.Layout(max_width="52rem"))

    def responses(self) -> dict[str, Any]:
        return {item_id: b.value for item_id, b in self.buttons.items() if b.value is not None}

    def submit(self) -> None:
        from securebase.intake.results import result_lines

        answers = self.responses()
        if not answers:
            self.status.value = '<p role="alert" style="color:#9a2a1f">Answer at least some of the statements first.</p>'
            return
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
            w.HTML(f'<p style="color:#5a6372">The card (no name or date on it), the action report and the scores '
                   f"are in {esc(str(files['card'].parent))}.</p>"),
        )
