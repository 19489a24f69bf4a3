"""How the couples data readers word values, lists and ranges in their messages and reports, so
that every report (the pairwise reader, the diary importer) reads the same."""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import numpy as np

MAX_SHOWN = 5  # examples listed in error messages and report lines


def fmt_value(value: Any) -> str:
    """A value for a message: integral floats without ``.0``, NaN as ``NaN``."""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return "NaN"
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def join_items(items: Iterable[Any], limit: int | None = None) -> str:
    items = list(items)
    shown = [fmt_value(i) for i in (items if limit is None else items[:limit])]
    text = ", ".join(shown)
    if limit is not None and len(items) > limit:
        text += f", ... ({len(items) - limit} more)"
    return text


def is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def ranges_text(values: Iterable[Any], limit: int | None = None) -> str:
    """``[1, 2, 3, 5, 7, 8]`` -> ``"1-3, 5, 7, 8"`` for whole-number periods; a plain list otherwise
    (at most ``limit`` items of it)."""
    vals = sorted(values)
    if not vals or not all(is_number(v) and float(v).is_integer() for v in vals):
        return join_items(vals, limit)
    runs: list[list[int]] = []
    for v in (int(x) for x in vals):
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def quote_names(names: Iterable[Hashable]) -> str:
    return ", ".join(repr(n) for n in names)
