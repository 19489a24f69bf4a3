"""The pattern view of Step 1 (widgets): each entry as a chain of boxes, and the recurring sequences."""

from __future__ import annotations

from typing import TYPE_CHECKING

import ipywidgets as w

from securebase.core.text import esc
from securebase.journal.patterns import JOURNAL, chain, recurring_sequences

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.workbook import Workbook

SHOWN_CHAINS = 10
_BOX = ("display:inline-block;vertical-align:top;width:9.5rem;min-height:4rem;margin:0.2rem 0;padding:0.35rem;"
        "border:1px solid #c9d3e0;border-radius:6px;background:#f6f8fb;font-size:0.85em;overflow-wrap:anywhere")
_ARROW = '<span style="display:inline-block;padding:1.4rem 0.2rem 0;color:#6b7a90" aria-hidden="true">&rarr;</span>'


def chains_html(workbook: "Workbook", limit: int = SHOWN_CHAINS) -> str:
    exercise = workbook.phase.exercise_with(JOURNAL)
    entries = workbook.store.current_entries(workbook.client_id, exercise_id=exercise.id, program_id=workbook.program.id)
    if not entries:
        return f"<p>{esc(workbook.loc.text('history_empty'))}</p>"
    rows = []
    for entry in reversed(entries[-limit:]):
        boxes = [
            f'<div style="{_BOX}"><strong>{esc(link.title)}</strong><br>{esc(_short(link.text) or "-")}</div>'
            for link in chain(exercise, entry)
        ]
        rows.append(f'<div class="sb-chain" style="margin-bottom:0.6rem"><div style="color:#5a6372">'
                    f'{esc(entry.occurred_at.replace("T", " ")[:16])}</div>{_ARROW.join(boxes)}</div>')
    return "".join(rows)


def sequences_html(workbook: "Workbook") -> str:
    exercise = workbook.phase.exercise_with(JOURNAL)
    entries = workbook.store.current_entries(workbook.client_id, exercise_id=exercise.id, program_id=workbook.program.id)
    found = recurring_sequences(exercise, entries)
    if not found:
        return f"<p>{esc(workbook.loc.text('patterns_none'))}</p>"
    items = "".join(
        f"<li><strong>{' &rarr; '.join(esc(step) for step in s['sequence'])}</strong>"
        f" &middot; {esc(workbook.loc.text('patterns_count', count=s['count'], total=len(entries)))}"
        + (f" &middot; {esc(workbook.loc.text('patterns_intensity', mean=s['mean_intensity']))}" if s["mean_intensity"] is not None else "")
        + "</li>"
        for s in found
    )
    return f"<ol>{items}</ol>"


class PatternView:
    def __init__(self, workbook: "Workbook"):
        self.workbook = workbook
        self.sequences = w.HTML()
        self.chains = w.HTML()
        self.widget = w.VBox([
            w.HTML(f"<h3>{esc(workbook.loc.text('patterns_title'))}</h3>"
                   f"<p>{esc(workbook.loc.text('patterns_intro'))}</p>"),
            self.sequences,
            w.HTML(f"<h4>{esc(workbook.loc.text('patterns_chains'))}</h4>"),
            self.chains,
        ])
        workbook.on_change(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        self.sequences.value = sequences_html(self.workbook)
        self.chains.value = chains_html(self.workbook)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
