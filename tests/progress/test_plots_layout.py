"""The progress figure is laid out on fixed margins (constrained layout drew it twice): nothing it writes
may fall off the figure or run into another panel, whatever the program and the dates."""

from datetime import date, timedelta

import matplotlib.pyplot as plt
import pytest
from matplotlib.text import Text

from securebase import content
from securebase.progress.compute import compute_progress
from securebase.progress.plots import progress_figure

START = date(2026, 12, 7)


def progress_for(store, program_id, days, *, ratings=True, experiments=False, today_day=None):
    program = content.program(program_id)
    client = store.ensure_client(f"C-LAY{program_id.upper()}{days}", program_id=program_id, start_date=START)
    rated = next(e for p in program.phases for e in p.exercises
                 if any(f.type.rated and f.id == "intensity" for f in e.fields))
    phase, _ = program.find_exercise(rated.id)
    for day in range(0, days, 2) if ratings else ():
        data = {f.id: 5 for f in rated.fields if f.type.rated}
        store.add_entry(client.client_id, program_id=program_id, phase_id=phase.id, exercise_id=rated.id,
                        content_version=program.version, data=data,
                        occurred_at=f"{START + timedelta(days=day)}T20:00:00")
    today = START + timedelta(days=(today_day or days) - 1)
    result = compute_progress(program, store.require_client(client.client_id), store.current_entries(client.client_id), today)
    if experiments:   # the figure's panel (c) with points, as compute_progress would give them
        result["prediction_errors"] = {"points": [{"date": str(START + timedelta(days=d)), "error": e}
                                                  for d, e in ((3, 4.0), (9, -2.5), (20, 1.0))], "slope_per_week": -0.6}
    return program, result


def boxes(fig):
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    return [(t.get_text(), t.get_window_extent(renderer)) for t in fig.findobj(Text) if t.get_visible() and t.get_text()]


@pytest.mark.parametrize("program_id,days,experiments", [
    ("sie", 30, True),      # three panels, dates in one year
    ("sie", 60, True),      # dates across the new year: two-line date labels
    ("asb", 20, False),     # two panels
    ("sie", 1, False),      # nothing rated yet: "No data yet"
])
def test_every_text_is_inside_the_figure(store, program_id, days, experiments):
    program, progress = progress_for(store, program_id, days, ratings=days > 1, experiments=experiments)
    fig = progress_figure(progress, program)
    try:
        width, height = fig.bbox.width, fig.bbox.height
        found = boxes(fig)
        assert found
        outside = [text for text, box in found if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height]
        assert outside == []
        # each panel's title sits above its panel, clear of the panel above's date labels
        axes = fig.axes
        for upper, lower in zip(axes, axes[1:]):
            title = lower.title if lower.title.get_text() else lower._left_title
            labels = [lab.get_window_extent() for lab in upper.get_xticklabels() if lab.get_text()]
            if labels:
                assert title.get_window_extent().y1 < min(lab.y0 for lab in labels)
    finally:
        plt.close(fig)

