"""The clinician's progress figure: one PNG, up to three panels (matplotlib, headless).

(a) how much of each step has been used, current step highlighted;
(b) intensity ratings over time, daily means and a 7-day mean, steps shaded along the dates;
(c) prediction errors of behavioural experiments over time, with a zero line and a trend.

A panel the program can never fill is left out (the Autonomy-Security Balance has no behavioural
experiments, so its figure has two): :func:`chart_panels` says which are drawn.

Drawn from the dict of :func:`securebase.progress.compute.compute_progress` only.
"""

from __future__ import annotations

import io
import math
from datetime import date, datetime, time, timedelta
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: batch runs and servers have no display

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import matplotlib.transforms as mtransforms  # noqa: E402
import numpy as np  # noqa: E402

from securebase.content import Program  # noqa: E402
from securebase.progress.compute import EXPERIMENT, position_text, stage_word  # noqa: E402

CURRENT = "#2f6db5"
DONE = "#8fb1d9"
UPCOMING = "#c9d3df"
TRACK = "#eef1f5"
POINTS = "#7a8699"
LINE = "#2f6db5"
SHADES = ("#f4f6f9", "#e8edf4")
MIN_SPAN_DAYS = 14


def progress_png(progress: dict[str, Any], program: Program) -> bytes:
    """The progress figure (its panels are :func:`chart_panels`) as PNG bytes."""
    fig = progress_figure(progress, program)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def progress_figure(progress: dict[str, Any], program: Program) -> Any:
    """The progress figure, drawn on fixed margins (:func:`_margins`); the caller closes it."""
    panels = chart_panels(progress, program)
    heights = {"completion": 1.0, "intensity": 1.15, "experiments": 1.15}
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.5 + 3.2 * len(panels)), dpi=100,
                             height_ratios=[heights[p] for p in panels], squeeze=False,
                             gridspec_kw=_margins(9, 1.5 + 3.2 * len(panels), len(panels)))
    span = date_span(progress)
    for letter, name, ax in zip("abc", panels, axes[:, 0]):
        if name == "completion":
            completion_panel(ax, progress, stage_word(program), letter)
        elif name == "intensity":
            intensity_panel(ax, progress, span, letter)
        else:
            prediction_panel(ax, progress, span, letter)
    fig.suptitle(f"{program.title}\n{position_text(program, progress)}", fontsize=12, y=1 - 0.08 / fig.get_figheight(),
                 va="top")
    return fig


# Fixed margins, in inches, for what sits around the panels: the two-line title above them all, each
# panel's own title, the date labels under a panel (two lines when the dates span two years), and the
# y-axis label and ticks at the left, half a date label at the right. Matplotlib's constrained layout finds the same room, but by
# drawing the figure twice: a third of the time a progress page took to open.
_TOP, _BOTTOM, _LEFT, _RIGHT, _GAP = 0.8, 0.5, 0.5, 0.3, 0.74


def _margins(width: float, height: float, panels: int) -> dict[str, float]:
    """The grid's margins for a figure of this size (inches) with this many panels, one above the other."""
    room = height - _TOP - _BOTTOM - _GAP * (panels - 1)
    return dict(left=_LEFT / width, right=1 - _RIGHT / width, top=1 - _TOP / height, bottom=_BOTTOM / height,
                hspace=_GAP / (room / panels))


def warm_up() -> None:
    """Draw a throw-away figure with the figure's fonts, so that the first real one (on a preheated
    page, after its request) finds them loaded and their glyphs cached."""
    fig = plt.figure(figsize=(2, 1), dpi=100)
    fig.text(0.05, 0.6, "Step 1 · now 25%", fontsize=9.5, fontweight="bold")
    fig.text(0.05, 0.2, "3/4 exercises · practice 50%", fontsize=8.5)
    fig.savefig(io.BytesIO(), format="png")
    plt.close(fig)


def chart_panels(progress: dict[str, Any], program: Program) -> list[str]:
    """The panels the figure draws: the steps always; intensity when the program rates intensity;
    behavioural experiments when it has any."""
    panels = ["completion"]
    if progress["intensity_trend"]["fields"]:
        panels.append("intensity")
    if program.exercises_with(EXPERIMENT):
        panels.append("experiments")
    return panels


def chart_description(progress: dict[str, Any], program: Program) -> str:
    """The figure's text alternative: what each of its panels shows."""
    parts = {"completion": f"how much of each {stage_word(program)} has been used",
             "intensity": "intensity ratings over time", "experiments": "prediction errors of behavioural experiments"}
    shown = [parts[p] for p in chart_panels(progress, program)]
    return "Charts of the client's progress: " + (", ".join(shown[:-1]) + " and " + shown[-1] if len(shown) > 1 else shown[0])


# ---------------------------------------------------------------- (a) completion


def completion_panel(ax: Any, progress: dict[str, Any], stage: str = "step", letter: str = "a") -> None:
    """One bar per step: the share of its exercises used; each step named above its bar."""
    phases = progress["phases"]
    y = np.arange(len(phases))
    percents = [100 * (p["completion"]["fraction"] or 0) for p in phases]
    colours = [{"current": CURRENT, "done": DONE}.get(p["status"], UPCOMING) for p in phases]
    ax.barh(y, [100] * len(phases), color=TRACK, height=0.42)
    ax.barh(y, percents, color=colours, height=0.42)
    for i, (phase, percent) in enumerate(zip(phases, percents)):
        current = phase["status"] == "current"
        ax.text(0, i - 0.26, _step_label(phase), va="bottom", fontsize=9.5, color=CURRENT if current else "#1d2430",
                fontweight="bold" if current else "normal")
        ax.text(percent + 1.2, i, _bar_note(phase), va="center", fontsize=8.5, color="#1d2430")
    ax.set_yticks([])
    ax.set_ylim(len(phases) - 0.5, -0.95)  # first step at the top, room above it for its name
    ax.set_xlim(0, 140)  # room right of a full bar for its note
    ax.set_xticks(range(0, 101, 25), [f"{v}%" for v in range(0, 101, 25)], fontsize=8.5)
    ax.spines[["top", "right", "left"]].set_visible(False)
    ax.spines["bottom"].set_bounds(0, 100)
    ax.set_title(f"({letter}) Share of each {stage}'s exercises used", loc="left", fontsize=10.5)


def _step_label(phase: dict[str, Any]) -> str:
    status = {"current": "now", "done": "done", "upcoming": "upcoming"}[phase["status"]]
    return f"{phase['title']}  ·  {status}"


def _bar_note(phase: dict[str, Any]) -> str:
    completion = phase["completion"]
    note = f"{completion['exercises_used']}/{completion['exercises_total']} exercises"
    if completion["scheduled_expected"]:
        note += f" · practice {completion['adherence']:.0%}"
    return note


# ---------------------------------------------------------------- shared time axis


def _data_days(progress: dict[str, Any]) -> list[date]:
    days = [d["date"] for d in progress["intensity_trend"]["days"]]
    days += [p["date"] for p in progress["prediction_errors"]["points"]]
    return [date.fromisoformat(d) for d in days]


def date_span(progress: dict[str, Any]) -> tuple[date, date]:
    """From the start (or the first entry) to today (or the last entry), at least two weeks wide."""
    today = date.fromisoformat(progress["today"])
    start = date.fromisoformat(progress["start_date"]) if progress["start_date"] else today
    days = _data_days(progress)
    first, last = min([start, *days]), max([today, *days])
    if (last - first).days < MIN_SPAN_DAYS:
        last = first + timedelta(days=MIN_SPAN_DAYS)
    return first, last


def _setup_time_axis(ax: Any, progress: dict[str, Any], span: tuple[date, date]) -> None:
    """Dates along x, each step shaded and named along the top, today marked."""
    first, last = span
    ax.set_xlim(mdates.date2num(first) - 1, mdates.date2num(last) + 1)  # a day's margin: edge dots stay whole
    top = mtransforms.blended_transform_factory(ax.transData, ax.transAxes)
    width = (last - first).days + 1
    for i, phase in enumerate(progress["phases"]):
        begin = date.fromisoformat(phase["window"]["first_day"])
        end = date.fromisoformat(phase["window"]["last_day"]) if phase["window"]["last_day"] else last
        begin, end = max(begin, first), min(end, last)
        if begin > end:
            continue
        ax.axvspan(mdates.date2num(begin) - 0.5, mdates.date2num(end) + 0.5, color=SHADES[i % 2], zorder=0, lw=0)
        days = (end - begin).days + 1
        label = _short_title(phase["title"]) if days / width >= 0.11 else str(phase["number"])
        ax.text(mdates.date2num(begin) + (days - 1) / 2, 0.985, label, transform=top, ha="center", va="top",
                fontsize=8, color="#5a6372")
    today = date.fromisoformat(progress["today"])
    ax.axvline(mdates.date2num(today), color="#b5523b", lw=1, ls="--", zorder=1)
    ax.text(mdates.date2num(today) - 0.3, 0.015, "today", transform=top, fontsize=7.5, color="#b5523b",
            ha="right", va="bottom")
    ax.xaxis.set_major_locator(_weekly_ticks(first, last))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b" if first.year == last.year else "%d %b\n%Y"))
    ax.tick_params(labelsize=8.5)
    ax.spines[["top", "right"]].set_visible(False)


def _weekly_ticks(first: date, last: date, most: int = 9) -> Any:
    """A tick every week (or every few weeks) from the first day: they fall on day 1, 8, 15, ..."""
    weeks = max(1, math.ceil((last - first).days / 7 / most))
    rule = mdates.rrulewrapper(mdates.WEEKLY, interval=weeks, dtstart=datetime.combine(first, time()))
    return mdates.RRuleLocator(rule)


def _short_title(title: str) -> str:
    """``Step 2: Acceptance`` -> ``Acceptance``."""
    return title.split(": ", 1)[-1]


def _no_data(ax: Any, title: str, message: str = "No data yet") -> None:
    ax.set_title(title, loc="left", fontsize=10.5)
    ax.text(0.5, 0.5, message, transform=ax.transAxes, ha="center", va="center", fontsize=12, color="#5a6372")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("#d9dee6")


# ---------------------------------------------------------------- (b) intensity


def intensity_panel(ax: Any, progress: dict[str, Any], span: tuple[date, date], letter: str = "b") -> None:
    title = f"({letter}) Intensity ratings, 0-10 (dots: daily mean; line: 7-day mean)"
    days = progress["intensity_trend"]["days"]
    if not days:
        _no_data(ax, title)
        return
    _setup_time_axis(ax, progress, span)
    x = [mdates.date2num(date.fromisoformat(d["date"])) for d in days]
    ax.scatter(x, [d["mean"] for d in days], s=22, color=POINTS, zorder=3, label="daily mean")
    # the 7-day line breaks where a week or more passes without a rating, rather than
    # drawing a straight line across weeks that have no data
    line_x, line_y = [], []
    for i, (xi, d) in enumerate(zip(x, days)):
        if i and xi - x[i - 1] > 7:
            line_x.append(np.nan)
            line_y.append(np.nan)
        line_x.append(xi)
        line_y.append(d["rolling_mean_7d"])
    ax.plot(line_x, line_y, color=LINE, lw=2.2, zorder=4, label="7-day mean")
    ax.set_ylim(-0.3, 11.2)  # headroom above 10 for the step names
    ax.set_yticks(range(0, 11, 2))
    ax.set_ylabel("intensity", fontsize=9)
    slope = progress["intensity_trend"]["slope_per_week"]
    if slope is not None:
        title += f"; trend {slope:+.1f} points/week"
    ax.set_title(title, loc="left", fontsize=10.5)


# ---------------------------------------------------------------- (c) prediction errors


def prediction_panel(ax: Any, progress: dict[str, Any], span: tuple[date, date], letter: str = "c") -> None:
    title = f"({letter}) Behavioural experiments: predicted minus felt intensity"
    errors = progress["prediction_errors"]
    if not errors["points"]:
        _no_data(ax, title)
        return
    _setup_time_axis(ax, progress, span)
    days = [date.fromisoformat(p["date"]) for p in errors["points"]]
    values = [p["error"] for p in errors["points"]]
    x = np.array([mdates.date2num(d) for d in days])
    limit = max(5, max(abs(v) for v in values) + 1)
    ax.set_ylim(-limit, limit * 1.25)  # headroom above for the step names
    ax.axhline(0, color="#1d2430", lw=1, zorder=2)
    ax.scatter(x, values, s=30, color=LINE, zorder=3)
    if errors["slope_per_week"] is not None:
        fit = np.polyfit(x - x.min(), values, 1)
        ends = np.array([x.min(), x.max()])
        ax.plot(ends, np.polyval(fit, ends - x.min()), color="#b5523b", lw=1.6, zorder=4)
        title += f"; trend {errors['slope_per_week']:+.1f} points/week"
    along_zero = mtransforms.blended_transform_factory(ax.transAxes, ax.transData)
    ax.text(0.005, 0.25, "↑ fear overestimated (felt less than predicted)", transform=along_zero,
            fontsize=8, color="#2b6a3c", va="bottom")
    ax.text(0.005, -0.25, "↓ felt worse than predicted", transform=along_zero, fontsize=8, color="#9a2a1f", va="top")
    ax.set_ylabel("points (0-10 scale)", fontsize=9)
    ax.set_title(title, loc="left", fontsize=10.5)


# ---------------------------------------------------------------- couples: adherence


def days_axis_end(on_time: list[int], late: list[int], signal: list[int]) -> int:
    """Where a count-of-days axis ends: at the longest bar, and never below one day (with no days at all,
    matplotlib would draw an axis from -0.04 to 0.04)."""
    longest = max([a + b for a, b in zip(on_time, late)] + list(signal) + [0])
    return max(1, longest)


def adherence_png(figures: dict[str, Any]) -> bytes:
    """Two panels: each partner's timeouts (on time, late) and signal days; and how often the
    partners' reports of the same day agree."""
    fig, (ax_use, ax_agree) = plt.subplots(1, 2, figsize=(9, 3.6), dpi=100, layout="constrained")
    roles = list(figures["partners"])
    y = np.arange(len(roles))
    on_time = [figures["partners"][r]["returned_on_time"] for r in roles]
    late = [figures["partners"][r]["returned_late"] for r in roles]
    signal = [figures["partners"][r]["signal_days"] for r in roles]
    ax_use.barh(y + 0.2, on_time, height=0.38, color=CURRENT, label="timeout, back on time")
    ax_use.barh(y + 0.2, late, left=on_time, height=0.38, color="#d9822b", label="timeout, back late")
    ax_use.barh(y - 0.2, signal, height=0.38, color=DONE, label="days the signal was used")
    ax_use.set_yticks(y, [f"Partner {r}" for r in roles])
    ax_use.set_xlabel("days")
    ax_use.set_xlim(0, days_axis_end(on_time, late, signal))
    ax_use.xaxis.get_major_locator().set_params(integer=True)
    ax_use.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=2, fontsize=8, frameon=False)
    ax_use.set_title("Using the protocol", fontsize=11)

    labels = {"connected": "took time\nto connect", "signal_used": "signal used", "timeout_called": "timeout called"}
    agreement = figures["agreement"]
    shown = [k for k in labels if agreement[k]["days"]]
    values = [agreement[k]["percent"] * 100 for k in shown]
    ax_agree.barh(range(len(shown)), values, color=CURRENT)
    for i, k in enumerate(shown):
        kappa = agreement[k]["kappa"]
        note = f"{agreement[k]['agree']}/{agreement[k]['days']} days" + (f", κ {kappa:.2f}" if kappa is not None else "")
        inside = values[i] >= 45
        ax_agree.text(2 if inside else values[i] + 2, i, note, va="center", fontsize=8,
                      color="white" if inside else "black")
    ax_agree.set_yticks(range(len(shown)), [labels[k] for k in shown])
    ax_agree.set_xlim(0, 100)
    ax_agree.set_xlabel("% of days both reported on which they agree")
    ax_agree.set_title("Do their reports of the same day agree?", fontsize=11)
    for ax in (ax_use, ax_agree):
        ax.spines[["top", "right"]].set_visible(False)
    fig.suptitle(f"Couple {figures['dyad_id']}: {figures['days_both_reported']} days reported by both", fontsize=12)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()
