"""The interactive summary at the end of a phase notebook (widgets)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase.core.text import esc
from securebase.ui.images import png_html

if TYPE_CHECKING:  # pragma: no cover
    from securebase.notebook.workbook import Workbook


def summary_html(data: dict[str, Any], loc: Any, top_n: int = 3) -> str:
    """Counts, adherence and the most frequent answers; content labels only, all escaped."""
    if not data["total_entries"]:
        return f"<p>{esc(loc.text('summary_empty'))}</p>"
    rows = [f"<tr><th style='text-align:left'>{esc(b['title'])}</th><td>{esc(loc.text('entries_count_one') if b['count'] == 1 else loc.text('entries_count', count=b['count']))}"
            + (f" &middot; {b['schedule']['completed']}/{b['schedule']['expected']}"
               if b.get("schedule") and b["schedule"]["expected"] else "")
            + "</td></tr>" for b in data["exercises"].values()]
    parts = [f"<table>{''.join(rows)}</table>"]
    for block in data["exercises"].values():
        for choice in block["choices"].values():
            if choice["counts"]:
                items = "".join(f"<li>{esc(r['label'])} ({r['count']})</li>" for r in choice["counts"][:top_n])
                parts.append(f"<p><strong>{esc(choice['label'])}</strong></p><ol>{items}</ol>")
    return "".join(parts)


class SummaryView:
    def __init__(self, workbook: "Workbook", data: dict[str, Any]):
        self.workbook = workbook
        self.text = w.HTML()
        self.plot = w.HTML(layout=w.Layout(width="100%", display="none"))
        self.refresh_button = w.Button(description="Refresh summary", icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        workbook.on_change(self.refresh)  # stays current as entries are saved above
        self.widget = w.VBox([w.HTML(f"<h3>{esc(workbook.loc.text('summary_title'))}</h3>"),
                              self.text, self.plot, self.refresh_button])
        self.show(data)

    def refresh(self) -> None:
        self.show(self.workbook.compute_summary())

    def show(self, data: dict[str, Any]) -> None:
        self.text.value = summary_html(data, self.workbook.loc)
        png = None
        if any(r["by_day"] for block in data["exercises"].values() for r in block["ratings"].values()):
            from securebase.reports import plots  # matplotlib and pandas only once there is something to draw

            png = plots.ratings_png(data, title=f"{self.workbook.phase.title}: ratings by day")
        self.plot.value = png_html(png or b"", "Chart of the ratings in this step's entries, by day", "46rem")
        self.plot.layout.display = None if png else "none"
