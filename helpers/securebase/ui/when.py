"""When an entry happened, picked with the browser's own date and time pickers (widgets)."""

from __future__ import annotations

from datetime import date, datetime
from datetime import time as dt_time

import ipywidgets as w

from securebase.content import Locale
from securebase.core import clock
from securebase.core.text import esc
from securebase.ui.styles import LABEL_STYLE as _LABEL_STYLE
from securebase.ui.styles import STACKED as _STACKED
from securebase.ui.styles import shared_layout, shared_style, text



class WhenInput:
    """When an entry happened: the browser's own date and time pickers under the exercise's question.
    An empty date means "when it is saved". :attr:`value` is what the journal takes: ``""`` or
    ``YYYY-MM-DD HH:MM`` (a date with no time is midday, so the day is right in any time zone; today
    before midday, the time now)."""

    def __init__(self, question: str, loc: Locale, today: date | None = None):
        self.date = w.DatePicker(description=question, value=None, max=today or clock.today(),
                                 style=shared_style(w.DatePicker, **_LABEL_STYLE), layout=shared_layout(width="auto"))
        self.time = w.TimePicker(description=loc.text("occurred_at_time"), value=None,
                                 style=shared_style(w.TimePicker, **_LABEL_STYLE), layout=shared_layout(width="auto"))
        self.hint = text(f'<span class="sb-hint">{esc(loc.text("occurred_at_hint"))}</span>')
        self.widget = w.VBox([w.HBox([self.date, self.time], layout=shared_layout(flex_flow="row wrap")),
                              self.hint], layout=w.Layout(**_STACKED))   # its own: a panel may hide it
        self.widget.add_class("sb-when")

    @property
    def layout(self) -> w.Layout:
        return self.widget.layout

    def parts(self) -> list[w.Widget]:
        return [self.date, self.time]

    @property
    def value(self) -> str:
        if self.date.value is None:
            return ""
        moment = self.time.value or self._no_time(self.date.value)
        return f"{self.date.value.isoformat()} {moment.strftime('%H:%M')}"

    @staticmethod
    def _no_time(day: date) -> dt_time:
        """A day picked without a time: midday, or for today the time now (midday may not have come yet)."""
        now = clock.now()
        return now.time() if day == now.date() and now.time() < dt_time(12, 0) else dt_time(12, 0)

    @value.setter
    def value(self, text: str) -> None:
        """Show ``text`` (``YYYY-MM-DD[ HH:MM]``, as stored or typed) in the pickers; ``""`` empties them."""
        text = (text or "").strip().replace("T", " ")
        if not text:
            self.date.value, self.time.value = None, None
            return
        moment = datetime.fromisoformat(text)
        self.date.value = moment.date()
        self.time.value = moment.time().replace(second=0, microsecond=0) if len(text) > 10 else None
