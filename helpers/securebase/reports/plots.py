"""Plots for clinicians and clients (matplotlib, headless)."""

from __future__ import annotations

import io

from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # headless: batch runs and servers have no display

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from securebase.core import config  # noqa: E402


def ratings_over_days(summary: dict[str, Any], path: Path, *, title: str) -> Path | None:
    """Write :func:`ratings_png` to ``path``; ``None`` (nothing written) when there are no ratings."""
    png = ratings_png(summary, title=title)
    if png is None:
        return None
    config.ensure_private_dir(path.parent)
    return config.write_private_file(path, png)


def ratings_png(summary: dict[str, Any], *, title: str) -> bytes | None:
    """One line per rating field of the phase: the daily mean on that field's own scale, as PNG bytes.

    Returns ``None`` when no rating has been recorded yet.
    """
    series = []
    for block in summary["exercises"].values():
        for rating in block["ratings"].values():
            if rating["by_day"]:
                points = pd.Series(rating["by_day"], dtype=float)
                points.index = pd.to_datetime(points.index)
                series.append((block["title"], rating, points))
    if not series:
        return None
    # One small panel per rating: scales differ in meaning (a high "insecurity" is bad, a
    # high "felt safety" is good), so they are never drawn on one axis.
    first = min(p.index.min() for _, _, p in series)
    last = max(p.index.max() for _, _, p in series)
    span_days = (last - first).days
    fig, axes = plt.subplots(
        len(series), 1, figsize=(8, 1.2 + 2.1 * len(series)), dpi=110, sharex=True, layout="constrained", squeeze=False
    )
    for ax, (exercise_title, rating, points) in zip(axes[:, 0], series):
        ax.plot(points.index, points.values, marker="o", linewidth=2, color="#3b6ea8")
        ax.set_ylim(rating["min"] - 0.5, rating["max"] + 0.5)
        ax.set_title(_wrap(f"{exercise_title}: {rating['label']}"), fontsize=9, loc="left")
        ax.set_ylabel(f"{rating['min']:g}-{rating['max']:g}", fontsize=8)
        ax.grid(alpha=0.3)
    ax = axes[-1, 0]
    ax.set_xlim(first - pd.Timedelta(hours=12), last + pd.Timedelta(hours=12))
    ax.xaxis.set_major_locator(mdates.DayLocator(interval=max(1, span_days // 10 + 1)))
    ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    fig.suptitle(title, fontsize=11)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": None})
    plt.close(fig)
    return buffer.getvalue()


def _wrap(text: str, width: int = 95) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"
