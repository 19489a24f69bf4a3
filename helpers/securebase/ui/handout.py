"""The handout cell of the progress notebook (widgets): pick the summary's first day, add a
note for the client, choose whether the client's safety plan goes on it (off by default), write
the files.

The widget calls :meth:`ProgressWorkbook.write_handout`, the same function the batch cell
calls. The note is kept as typed in a text area (a text area shows text, never markup) and is
escaped in the handout like every other text.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import ipywidgets as w

from securebase.core.errors import SecureBaseError
from securebase.core.text import esc
from securebase.reports.handout import DEFAULT_WINDOW_DAYS, NOTE_LIMIT
from securebase.ui.files import file_links

if TYPE_CHECKING:
    from securebase.notebook.progress import ProgressWorkbook


class HandoutControl:
    """Since-date picker, clinician's note, and a button that writes the handout files."""

    def __init__(self, workbook: ProgressWorkbook):
        self.workbook = workbook
        wide = {"description_width": "10rem"}
        self.since = w.DatePicker(
            description="Summary from",
            value=workbook.handout_since or workbook.today - timedelta(days=DEFAULT_WINDOW_DAYS),
            style=wide,
        )
        self.note = w.Textarea(
            value=workbook.clinician_note,
            description="Note for the client",
            placeholder="Optional: what you agreed in session, in a sentence or two.",
            style=wide,
            layout=w.Layout(width="44rem", height="6rem"),
        )
        self.note_help = w.Label(f"Up to {NOTE_LIMIT} characters are printed; the handout shows no other journal text.")
        self.include_plan = w.Checkbox(
            value=workbook.include_safety_plan, description="Include the client's safety plan (only if they asked for it)",
            indent=False, layout=w.Layout(width="auto"),
        )
        self.button = w.Button(description="Write handout", button_style="primary", icon="file-text")
        self.status = w.HTML()
        self.button.on_click(lambda _b: self.write())
        self.widget = w.VBox([self.since, self.note, self.note_help, self.include_plan, self.button, self.status])

    def write(self) -> None:
        try:  # an empty date picker means the default window, the last 7 days
            _out_dir, files = self.workbook.write_handout(since=self.since.value, clinician_note=self.note.value,
                                                          include_safety_plan=bool(self.include_plan.value))
        except (SecureBaseError, ValueError, OSError) as exc:
            self.status.value = f'<p role="alert" class="sb-problem">The handout was not written: {esc(exc)}</p>'
            return
        labels = {"html": "Handout", "pdf": "Handout", "ics": "Practice reminders"}
        links = file_links([(labels.get(kind, kind), path) for kind, path in files.items() if isinstance(path, Path)])
        reason = files.get("pdf_unavailable")
        self.status.value = ('<p role="status">Handout written.</p>' + links
                             + (f"<p>{esc(reason)}</p>" if isinstance(reason, str) else ""))
