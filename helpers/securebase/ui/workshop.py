"""The live workshop's widgets: a timer per agenda segment, anonymous polls and their charts.

* **Agenda.** Each segment shows its planned clock times, its description, Start/Pause and Reset
  buttons, the time left and a progress bar. The timer is an ``ipywidgets.Play`` widget: it
  ticks in the browser, so no kernel thread or sleep is involved, and the kernel only hears each
  tick to update the words and the pace line. Changing the start time re-plans the clock times.
* **Polls.** A labelled choice, a *Submit answer* button that records one anonymous answer and
  clears the choice (so the device can be passed round), and a bar chart redrawn after each
  answer. Every count shown goes through small-cell suppression
  (:func:`securebase.workshop.session.poll_result`): a hidden count is drawn as a hatched grey
  placeholder bar of fixed height labelled "fewer than k", never as its own height.
* **Results.** A button that writes the same JSON file as batch mode.

All the arithmetic lives in :mod:`securebase.workshop.session`; this module only draws. Content and
labels reach the page through ``Label``/``Button`` descriptions (plain text) or ``HTML`` widgets
after :func:`html.escape`.
"""

from __future__ import annotations

import base64
import io
import textwrap
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import ipywidgets as w

from securebase.content import Choice, Locale
from securebase.core.errors import SecureBaseError
from securebase.store import Store
from securebase.privacy.suppression import DEFAULT_K
from securebase.core.text import esc
from securebase.workshop import (
    AgendaPlan,
    PlannedSegment,
    Poll,
    PollResult,
    Workshop,
    chart_alt_text,
    chart_bars,
    clock,
    parse_start_time,
    plan_agenda,
    poll_options,
    poll_result,
    projection,
    record_answer,
    timer_text,
)

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.figure import Figure

_MUTED, _NOTE = "#5a6372", "#3b4a63"
_SHOWN_COLOUR, _HIDDEN_FILL, _HIDDEN_EDGE = "#3b6ea8", "#e3e6ea", "#6b7480"
_LABEL_STYLE = {"description_width": "initial"}
_STACKED = dict(display="flex", flex_flow="column", align_items="stretch", width="100%", max_width="46rem")
_BOX = w.Layout(border="1px solid #d9dee6", padding="0.5rem 0.8rem", margin="0.4rem 0", max_width="48rem")

# Our own CSS (no content text): labels and radio options wrap instead of being cut off.
_CSS = (
    "<style>.sb-workshop .widget-label{white-space:normal;}"
    ".sb-workshop .widget-radio-box label{white-space:normal;height:auto;line-height:1.3;margin-bottom:0.25rem;}"
    "</style>"
)


def _say(label: w.Label, text: str) -> None:
    """Show a message line, or take it off the page while it is empty."""
    label.value = text
    label.layout.display = None if text else "none"


def _button(label: str, icon: str = "", tooltip: str = "", style: str = "") -> w.Button:
    return w.Button(description=label, icon=icon, tooltip=tooltip or label, button_style=style,
                    layout=w.Layout(width="auto"))


# ================================================================ agenda


class SegmentTimer:
    """One segment's timer: Play (ticks in the browser), Start/Pause, Reset, time left, progress bar."""

    def __init__(self, planned: PlannedSegment, loc: Locale, on_tick: Callable[["SegmentTimer"], None] | None = None):
        self.planned = planned
        self.loc = loc
        self.on_tick = on_tick
        seconds = planned.seconds
        # The Play widget is the clock: it ticks in the browser. It stays on the page (its view runs
        # the ticks) but hidden, because its icon-only buttons would duplicate the labelled ones.
        self.play = w.Play(value=0, min=0, max=seconds, step=1, interval=1000, show_repeat=False,
                           description=loc.text("workshop_timer_label", title=planned.title), style=_LABEL_STYLE,
                           layout=w.Layout(display="none"))
        self.progress = w.IntProgress(value=0, min=0, max=seconds, bar_style="info",
                                      description=loc.text("workshop_progress_label"), style=_LABEL_STYLE,
                                      layout=w.Layout(width="24rem"))
        w.jslink((self.play, "value"), (self.progress, "value"))  # the bar moves even while the kernel is busy
        self.remaining = w.Label(value=timer_text(planned, 0, loc))
        self.start_button = _button(loc.text("workshop_start"), "play",
                                    loc.text("workshop_start_tooltip", title=planned.title))
        self.reset_button = _button(loc.text("workshop_reset"), "undo",
                                    loc.text("workshop_reset_tooltip", title=planned.title))
        self.start_button.on_click(lambda _b: self.start_pause())
        self.reset_button.on_click(lambda _b: self.reset())
        self.play.observe(self._tick, names="value")
        self.play.observe(lambda _c: self._update_button(), names="playing")
        self.widget = w.VBox([w.HBox([self.start_button, self.reset_button, self.play]),
                              w.HBox([self.progress, self.remaining])])
        self.widget.add_class("sb-timer")

    @property
    def elapsed(self) -> int:
        return int(self.play.value)

    @property
    def done(self) -> bool:
        return self.elapsed >= self.planned.seconds

    def start_pause(self) -> None:
        if self.play.playing:
            self.play.playing = False
            return
        if self.done:
            self.play.value = 0
        self.play.playing = True

    def reset(self) -> None:
        self.play.playing = False
        self.play.value = 0

    def set_planned(self, planned: PlannedSegment) -> None:
        """New clock times (the start time moved); the length and the time used stay."""
        self.planned = planned
        self._show(self.elapsed)

    def _update_button(self) -> None:
        if self.play.playing:
            self.start_button.description, self.start_button.icon = self.loc.text("workshop_pause"), "pause"
        else:
            key = "workshop_start" if self.elapsed == 0 or self.done else "workshop_resume"
            self.start_button.description, self.start_button.icon = self.loc.text(key), "play"

    def _show(self, elapsed: int) -> None:
        self.progress.value = min(max(elapsed, 0), self.planned.seconds)
        self.remaining.value = timer_text(self.planned, elapsed, self.loc)
        left = self.planned.seconds - elapsed
        self.progress.bar_style = "danger" if left <= 0 else "warning" if left <= 60 else "info"

    def _tick(self, change: dict[str, Any]) -> None:
        self._show(int(change["new"]))
        self._update_button()
        if self.on_tick is not None:
            self.on_tick(self)


class AgendaView:
    """The agenda: start time, totals, the pace, and per segment its times, description and timer."""

    def __init__(self, workshop: Workshop, plan: AgendaPlan, loc: Locale, now: Callable[[], datetime] = datetime.now):
        self.workshop = workshop
        self.plan = plan
        self.loc = loc
        self.now = now
        self.header = w.HTML(f"<h3>{esc(loc.text('workshop_agenda_title', title=workshop.title))}</h3>")
        self.start_input = w.Text(value=clock(plan.start), description=loc.text("workshop_start_time_label"),
                                  placeholder="HH:MM", continuous_update=False, style=_LABEL_STYLE,
                                  layout=w.Layout(width="20rem"))
        self.start_message = w.Label(value="", layout=w.Layout(display="none"))
        self.summary = w.Label(value=plan.summary_text(loc))
        self.pace = w.Label(value="", layout=w.Layout(display="none"))
        self.timers: dict[str, SegmentTimer] = {}
        self.times: dict[str, w.Label] = {}
        rows: list[w.Widget] = []
        for seg in plan.segments:
            timer = SegmentTimer(seg, loc, on_tick=self._on_tick)
            self.timers[seg.id] = timer
            self.times[seg.id] = w.Label(value=self._times_text(seg))
            rows.append(w.VBox([
                w.HTML(f"<strong>{esc(loc.text('workshop_segment_title', number=seg.index + 1, title=seg.title))}</strong>"),
                self.times[seg.id],
                w.HTML(f'<div style="color:{_NOTE};max-width:44rem">{esc(seg.description)}</div>'),
                timer.widget,
            ], layout=_BOX))
        self.start_input.observe(lambda _c: self.replan(self.start_input.value), names="value")
        self.widget = w.VBox([w.HTML(_CSS), self.header, self.start_input, self.start_message, self.summary,
                              self.pace, *rows])
        self.widget.add_class("sb-workshop")

    def _times_text(self, seg: PlannedSegment) -> str:
        return self.loc.text("workshop_times", start=clock(seg.start), end=clock(seg.end), minutes=seg.minutes)

    def replan(self, start_text: str) -> None:
        """Move the planned clock times to a new start (HH:MM); a bad value leaves them as they are."""
        try:
            start = parse_start_time(start_text, self.plan.start)
        except SecureBaseError as exc:
            _say(self.start_message, str(exc))
            return
        _say(self.start_message, "")
        self.plan = plan_agenda(self.workshop, start)
        for seg in self.plan.segments:
            self.times[seg.id].value = self._times_text(seg)
            self.timers[seg.id].set_planned(seg)
        self.summary.value = self.plan.summary_text(self.loc)

    def _on_tick(self, timer: SegmentTimer) -> None:
        if timer.elapsed <= 0:
            return
        _say(self.pace, projection(self.plan, timer.planned.id, timer.elapsed, self.now()).text(self.loc))


# ================================================================ polls


def _wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def poll_chart_figure(result: PollResult, loc: Locale) -> "Figure":
    """A horizontal bar chart of one poll's suppressed answers (a matplotlib ``Figure``, no pyplot).

    A shown count is a solid bar with its number; a hidden count is a hatched grey bar of fixed
    height (``k``) with "fewer than k": the picture never gives a hidden count away. The axis has
    no scale, so the only numbers on the chart are the shown counts and the total."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    bars = chart_bars(result)
    n = len(bars)
    fig = Figure(figsize=(7.6, 1.6 + 0.46 * n), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = max((b.height for b in bars), default=float(result.k))
    pad = top * 0.02 + 0.1
    for i, bar in enumerate(bars):
        y = n - 1 - i  # the first option at the top
        if bar.hidden:
            ax.barh(y, bar.height, height=0.62, color=_HIDDEN_FILL, edgecolor=_HIDDEN_EDGE, hatch="///", linewidth=0.8)
            ax.text(bar.height + pad, y, bar.text, va="center", fontsize=9, color=_MUTED, style="italic",
                    parse_math=False)
        else:
            ax.barh(y, bar.height, height=0.62, color=_SHOWN_COLOUR)
            ax.text(bar.height + pad, y, bar.text, va="center", fontsize=10, fontweight="bold", color="#1f2a3a",
                    parse_math=False)
    ax.set_yticks([n - 1 - i for i in range(n)])
    for tick in ax.set_yticklabels([_wrap(b.label, 38) for b in bars], fontsize=9):
        tick.set_parse_math(False)
    ax.set_ylim(-0.6, n - 0.4)
    ax.set_xlim(0, top * 1.45 + 1)
    ax.set_xticks([])
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    fig.suptitle(_wrap(result.question, 80), x=0.01, ha="left", fontsize=11, parse_math=False)
    ax.set_xlabel(loc.text("workshop_poll_total", total=result.total_text), fontsize=10, color=_NOTE, loc="left")
    if any(b.hidden for b in bars):
        fig.legend(handles=[Patch(facecolor=_HIDDEN_FILL, edgecolor=_HIDDEN_EDGE, hatch="///",
                                  label=loc.text("workshop_chart_hidden_note", k=result.k))],
                   loc="outside lower left", fontsize=9, frameon=False)
    return fig


def poll_chart_png(result: PollResult, loc: Locale) -> bytes:
    """:func:`poll_chart_figure` as PNG bytes."""
    buffer = io.BytesIO()
    poll_chart_figure(result, loc).savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


class PollView:
    """One poll: the question, a labelled choice, Submit answer, and the live suppressed chart."""

    def __init__(self, poll: Poll, store: Store, session_id: str, *, k: int = DEFAULT_K, loc: Locale,
                 segment_title: str = "", options: tuple[Choice, ...] | None = None):
        self.poll = poll
        self.store = store
        self.session_id = session_id
        self.k = k
        self.loc = loc
        self.options = options if options is not None else poll_options(poll)
        during = (f'<div style="color:{_MUTED};font-size:0.9em">{esc(loc.text("workshop_poll_during", segment=segment_title))}</div>'
                  if segment_title else "")
        self.question = w.HTML(f"<h4 style=\"margin:0.2rem 0\">{esc(poll.question)}</h4>{during}")
        self.choice = w.RadioButtons(options=[(o.label, o.value) for o in self.options], value=None,
                                     description=loc.text("workshop_poll_choice_label"), style=_LABEL_STYLE,
                                     layout=w.Layout(**_STACKED))
        self.submit_button = _button(loc.text("workshop_submit"), "check",
                                     loc.text("workshop_submit_tooltip"), style="primary")
        self.status = w.Label(value="")
        self.show = w.Checkbox(value=True, description=loc.text("workshop_show_results"), indent=False,
                               layout=w.Layout(width="auto"))
        self.refresh_button = _button(loc.text("workshop_refresh"), "refresh", loc.text("workshop_refresh_tooltip"))
        self.total = w.Label(value="")
        self.chart = w.Output(layout=w.Layout(max_width="46rem"))
        self.result: PollResult | None = None
        self.submit_button.on_click(lambda _b: self.submit())
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.show.observe(lambda _c: self.refresh(), names="value")
        self.widget = w.VBox([self.question, self.choice, w.HBox([self.submit_button, self.status]),
                              w.HBox([self.show, self.refresh_button]), self.total, self.chart], layout=_BOX)
        self.refresh()

    def submit(self) -> None:
        """Record the chosen option (anonymously), clear the choice and redraw the chart."""
        option = self.choice.value
        if option is None:
            self.status.value = self.loc.text("workshop_answer_missing")
            return
        try:
            record_answer(self.store, self.session_id, self.poll, option, self.options)
        except (SecureBaseError, ValueError) as exc:
            self.status.value = self.loc.text("workshop_answer_failed", message=str(exc))
            return
        self.choice.value = None
        self.status.value = self.loc.text("workshop_answer_recorded")
        self.refresh()

    def refresh(self) -> None:
        """Read the counts from the store, suppress them and redraw (or say the results are hidden)."""
        self.result = poll_result(self.poll, self.store.poll_counts(self.session_id, self.poll.id), k=self.k,
                                  options=self.options)
        if not self.show.value:
            self.total.value = ""
            self.chart.outputs = ({"output_type": "display_data", "metadata": {},
                                   "data": {"text/plain": self.loc.text("workshop_results_hidden")}},)
            return
        self.total.value = self.loc.text("workshop_poll_total", total=self.result.total_text)
        png = poll_chart_png(self.result, self.loc)
        self.chart.outputs = ({
            "output_type": "display_data",
            "metadata": {},
            "data": {"image/png": base64.b64encode(png).decode("ascii"),
                     "text/plain": chart_alt_text(self.result, self.loc)},
        },)


class PollsView:
    """Every poll of the workshop, one after the other."""

    def __init__(self, workshop: Workshop, store: Store, session_id: str, *, k: int = DEFAULT_K, loc: Locale):
        titles = {s.id: s.title for s in workshop.segments}
        self.polls = {p.id: PollView(p, store, session_id, k=k, loc=loc, segment_title=titles.get(p.segment, ""))
                      for p in workshop.polls}
        intro = w.HTML(f'<p style="color:{_NOTE}">{esc(loc.text("workshop_polls_intro", k=k))}</p>')
        items: list[w.Widget] = [w.HTML(_CSS), intro]
        items += [v.widget for v in self.polls.values()] or [w.Label(value=loc.text("workshop_no_polls"))]
        self.widget = w.VBox(items)
        self.widget.add_class("sb-workshop")


# ================================================================ results file


class ResultsView:
    """A button that writes the results JSON (the plan and the suppressed polls) and says where."""

    def __init__(self, export: Callable[[], tuple[dict[str, Any], Path]], loc: Locale):
        self.export = export
        self.loc = loc
        self.save_button = _button(loc.text("workshop_save_results"), "save", loc.text("workshop_save_results_tooltip"))
        self.status = w.Label(value="")
        self.path: Path | None = None
        self.save_button.on_click(lambda _b: self.save())
        self.widget = w.VBox([self.save_button, self.status])

    def save(self) -> None:
        try:
            _document, self.path = self.export()
        except (OSError, SecureBaseError) as exc:
            self.status.value = self.loc.text("workshop_save_failed", message=str(exc))
            return
        self.status.value = self.loc.text("workshop_results_written", path=str(self.path))
