"""The clinician's safety-flag control (widgets): the flags, and clearing one with a reason."""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from securebase.core.errors import SecureBaseError
from securebase.safety.flags import clear_flag, flag_summary, summary_lines

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.progress import ProgressWorkbook


class ClearFlagControl:
    def __init__(self, workbook: "ProgressWorkbook"):
        self.workbook = workbook
        self.list = w.HTML()
        self.picker = w.Dropdown(description="Open flag", options=[], style={"description_width": "initial"})
        self.reason = w.Textarea(description="How it was followed up", placeholder="for example: discussed in "
                                 "session on 3 March; safety plan agreed", style={"description_width": "initial"},
                                 layout=w.Layout(width="40rem", height="4rem"))
        self.button = w.Button(description="Clear flag", button_style="warning", icon="check")
        self.message = w.HTML()
        self.button.on_click(lambda _b: self.clear())
        self.widget = w.VBox([self.list, self.picker, self.reason, self.button, self.message])
        self.refresh()

    def refresh(self) -> None:
        summary = flag_summary(self.workbook.store, self.workbook.client_id)
        colour = "#9a2a1f" if summary["open"] else "#3b4a63"
        self.list.value = f'<div style="color:{colour}">' + "<br>".join(
            html.escape(line) for line in summary_lines(summary)) + "</div>"
        self.picker.options = [(f"{f['flagged_at'][:10]} {f['categories']} ({f['where']})", f["flag_id"])
                               for f in summary["flags"] if f["open"]]
        self.picker.value = self.picker.options[0][1] if self.picker.options else None
        shown = None if self.picker.options else "none"
        for part in (self.picker, self.reason, self.button):
            part.layout.display = shown

    def clear(self) -> None:
        if self.picker.value is None:
            return
        try:
            clear_flag(self.workbook.store, self.picker.value, reason=self.reason.value)
        except SecureBaseError as exc:
            self.message.value = f'<p role="alert" style="color:#9a2a1f">Not cleared: {html.escape(str(exc))}</p>'
            return
        self.reason.value = ""
        self.message.value = '<p role="status">Cleared. The reason is kept with the flag.</p>'
        self.workbook.refresh()
        self.refresh()
