"""The clinician's safety-flag panel (widgets): each flag's category, date and exercise; the matched
words only on request; clearing one with a reason.

The panel never repeats what the client wrote and shows no internal ids. "Show matched words"
screens the flagged revision again and shows only the words that matched, escaped. Clearing a
flag refreshes the progress view and rewrites the progress report if one was written, so what
the clinician sees and prints says the flag is cleared.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

import ipywidgets as w

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.safety.flags import clear_flag, flag_summary, flags, matched_words, summary_lines

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.progress import ProgressWorkbook


class ClearFlagControl:
    def __init__(self, workbook: "ProgressWorkbook", language: str = "en"):
        self.workbook = workbook
        self.loc = content.locale(language)
        self.list = w.HTML()
        self.show_words = w.ToggleButton(value=False, description=self.loc.text("flag_show_words"),
                                         tooltip=self.loc.text("flag_show_words_tooltip"), icon="eye",
                                         layout=w.Layout(width="auto", align_self="flex-start"))
        self.words = w.HTML()
        self.show_words.observe(lambda _change: self.refresh_words(), names="value")
        self.picker = w.Dropdown(description="Open flag", options=[], style={"description_width": "initial"},
                                 layout=w.Layout(width="40rem"))   # room for the date, concern and exercise
        self.reason = w.Textarea(description="How it was followed up", placeholder="for example: discussed in "
                                 "session on 3 March; safety plan agreed", style={"description_width": "initial"},
                                 layout=w.Layout(width="40rem", height="4rem"))
        self.button = w.Button(description="Clear flag", button_style="warning", icon="check")
        self.message = w.HTML()
        self.button.on_click(lambda _b: self.clear())
        self.widget = w.VBox([self.list, self.show_words, self.words, self.picker, self.reason, self.button,
                              self.message])
        self.refresh()

    def refresh(self) -> None:
        summary = flag_summary(self.workbook.store, self.workbook.client_id)
        colour = "#9a2a1f" if summary["open"] else "#3b4a63"
        self.list.value = f'<div style="color:{colour}">' + "<br>".join(
            html.escape(line) for line in summary_lines(summary)) + "</div>"
        self.picker.options = [(f"{f['flagged_at'][:10]} {f['categories']} (in {f['where']})", f["flag_id"])
                               for f in summary["flags"] if f["open"]]
        self.picker.value = self.picker.options[0][1] if self.picker.options else None
        shown = None if self.picker.options else "none"
        for part in (self.picker, self.reason, self.button):
            part.layout.display = shown
        self.show_words.layout.display = None if summary["flags"] else "none"
        self._rows = summary["flags"]
        self.refresh_words()

    def refresh_words(self) -> None:
        """The matched words of each flag, escaped, only while the toggle is on (its label says what a click does)."""
        self.show_words.description = self.loc.text("flag_hide_words" if self.show_words.value else "flag_show_words")
        if not self.show_words.value:
            self.words.value = ""
            return
        by_id = {f.flag_id: f for f in flags(self.workbook.store, self.workbook.client_id)}
        items = []
        for row in self._rows:
            quoted = ", ".join(f"“{word}”" for word in matched_words(self.workbook.store, by_id[row["flag_id"]]))
            if row.get("check_in"):   # raised by a "yes": say so first, even when words of the text also match
                words = self.loc.text("flag_words_check_in") + (f" ({quoted})" if quoted else "")
            else:
                words = quoted or self.loc.text("flag_words_none")
            items.append("<li>" + html.escape(self.loc.text("flag_words_line", date=row["flagged_at"][:10],
                                                               categories=row["categories"], exercise=row["where"],
                                                               words=words)) + "</li>")
        self.words.value = f"<ul class='sb-matched-words'>{''.join(items)}</ul>"

    def clear(self) -> None:
        if self.picker.value is None:
            return
        try:
            clear_flag(self.workbook.store, self.picker.value, reason=self.reason.value)
        except SecureBaseError as exc:
            self.message.value = f'<p role="alert" style="color:#9a2a1f">Not cleared: {html.escape(str(exc))}</p>'
            return
        self.reason.value = ""
        self.workbook.refresh()
        rewritten = self.workbook.refresh_report() if hasattr(self.workbook, "refresh_report") else None
        self.message.value = ('<p role="status">Cleared. The reason is kept with the flag.'
                              + (" The progress report was written again." if rewritten else "") + "</p>")
        self.refresh()
