"""Guided practices: a step-by-step walk through an exercise, and a timer (widgets).

The timer counts in the browser (``ipywidgets.Play``), so a kernel busy elsewhere does not
stall it; the kernel only hears each tick to update the words under it.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import ipywidgets as w

from securebase.content import Exercise, Locale


def _clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"


class Timer:
    """A start/pause timer with a progress bar and the time left in words."""

    def __init__(self, seconds: int, loc: Locale):
        self.seconds = seconds
        self.loc = loc
        self.play = w.Play(value=0, min=0, max=seconds, step=1, interval=1000, show_repeat=False,
                           description=loc.text("timer_label"))
        self.progress = w.IntProgress(value=0, min=0, max=seconds, layout=w.Layout(width="20rem"),
                                      description="", bar_style="info")
        w.jslink((self.play, "value"), (self.progress, "value"))
        self.label = w.Label(value=loc.text("timer_ready", time=_clock(seconds)))
        self.play.observe(self._tick, names="value")
        self.widget = w.VBox([w.HBox([self.play, self.progress]), self.label])
        self.widget.add_class("sb-timer")

    @property
    def done(self) -> bool:
        return self.play.value >= self.seconds

    def _tick(self, change: dict) -> None:
        value = change["new"]
        if value >= self.seconds:
            self.label.value = self.loc.text("timer_done")
        elif value == 0:
            self.label.value = self.loc.text("timer_ready", time=_clock(self.seconds))
        else:
            self.label.value = self.loc.text("timer_left", time=_clock(self.seconds - value))


class GuidedSteps:
    """Shows an exercise one step at a time. Fields named by a step appear on its page;
    the rest, and the save button, come on a last page.

    ``check_page(field_ids)`` returns the ids with a problem; Next stays on the page until
    there are none, so mistakes are fixed where they were made.
    """

    def __init__(
        self,
        exercise: Exercise,
        loc: Locale,
        field_widgets: dict[str, w.Widget],
        *,
        first_page_extra: list[w.Widget],
        last_page_extra: list[w.Widget],
        check_page: Callable[[list[str]], list[str]],
    ):
        self.loc = loc
        self.check_page = check_page
        self.timer = Timer(exercise.timer_seconds, loc) if exercise.timer_seconds else None
        placed = {fid for step in exercise.steps for fid in step.fields}
        self.page_fields: list[list[str]] = [list(step.fields) for step in exercise.steps]
        pages: list[list[w.Widget]] = []
        total = len(exercise.steps) + 1
        for number, step in enumerate(exercise.steps, start=1):
            items: list[w.Widget] = [w.HTML(
                f'<div class="sb-step"><strong>{loc.text("step_of", number=number, total=total)}</strong>'
                f'<p style="font-size:1.1em">{escape(step.text)}</p></div>'
            )]
            if step.timer and self.timer:
                items.append(self.timer.widget)
            items += [field_widgets[fid] for fid in step.fields]
            pages.append(items)
        rest = [fid for fid in field_widgets if fid not in placed]
        self.page_fields.append(rest)
        pages.append([w.HTML(f'<div class="sb-step"><strong>{loc.text("step_of", number=total, total=total)}</strong>'
                             f"<p>{escape(loc.text('step_finish'))}</p></div>")]
                     + [field_widgets[fid] for fid in rest] + last_page_extra)
        pages[0] = pages[0][:1] + first_page_extra + pages[0][1:]
        self.pages = [w.VBox(items) for items in pages]
        self.back_button = w.Button(description=loc.text("step_back"), icon="arrow-left", layout=w.Layout(width="auto"))
        self.next_button = w.Button(description=loc.text("step_next"), icon="arrow-right", button_style="info",
                                    layout=w.Layout(width="auto"))
        self.back_button.on_click(lambda _b: self.go(self.page - 1))
        self.next_button.on_click(self._next)
        self.body = w.VBox([])
        self.widget = w.VBox([self.body, w.HBox([self.back_button, self.next_button])])
        self.page = 0
        self.go(0)

    def go(self, page: int) -> None:
        self.page = max(0, min(page, len(self.pages) - 1))
        self.body.children = (self.pages[self.page],)
        self.back_button.disabled = self.page == 0
        self.next_button.layout.display = "none" if self.page == len(self.pages) - 1 else None

    def _next(self, _button: w.Button | None = None) -> None:
        if not self.check_page(self.page_fields[self.page]):
            self.go(self.page + 1)

    def page_of(self, field_id: str) -> int:
        return next((i for i, ids in enumerate(self.page_fields) if field_id in ids), len(self.pages) - 1)
