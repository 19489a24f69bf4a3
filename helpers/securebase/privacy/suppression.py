"""Small-cell suppression for every figure a group sees (workshop polls, group summaries).

Rules, applied to a table of counts with its row and column totals:

* **Primary suppression.** A count below ``k`` (default 5) is never shown - zero included, so
  that "nobody chose this" cannot be read off either.
* **Complementary suppression.** A total is shown only when the hidden cells it covers cannot be
  worked out from it: within every row and every column that has hidden cells, at least two cells
  are hidden and together they hold at least ``k``. Further cells are hidden, smallest first,
  until that holds; when it cannot hold (the row's total is itself below ``k``) the total is
  hidden too. Rows and columns are revisited until nothing changes, so a cell hidden for its row
  is also covered in its column. The row totals and the column totals are then covered the same
  way against the grand total.
* A grand total below ``k`` hides the whole table.

A one-way table (poll answers) is the one-row case, and these rules are enough for it. A table of
more rows and columns is suppressed by :func:`securebase.privacy.audit.suppress`, which applies
them and then audits the result. The result keeps the true counts out of
the displayed values entirely: :class:`Suppressed` holds ``None`` wherever a figure is hidden.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

DEFAULT_K = 5
HIDDEN_LABEL = "fewer than {k}"  # what a report prints instead of a hidden count (a suppressed cell)


@dataclass(frozen=True)
class Suppressed:
    """A table safe to show: ``cells[r][c]``, ``row_totals``, ``col_totals`` and ``total`` are the
    counts, or ``None`` where hidden. ``rows``/``cols`` are the labels; ``k`` the threshold."""

    rows: list[str]
    cols: list[str]
    cells: list[list[int | None]]
    row_totals: list[int | None]
    col_totals: list[int | None]
    total: int | None
    k: int
    n_hidden: int = field(default=0)

    def as_dict(self) -> dict[str, Any]:
        return {"rows": self.rows, "cols": self.cols, "cells": self.cells, "row_totals": self.row_totals,
                "col_totals": self.col_totals, "total": self.total, "k": self.k, "n_hidden": self.n_hidden}

    def row(self, index: int = 0) -> dict[str, int | None]:
        """One row as ``{column label: count or None}`` (for a one-way table: the answers)."""
        return dict(zip(self.cols, self.cells[index]))

    def label(self, value: int | None) -> str:
        """A figure as text for a report: the count, or "fewer than k"."""
        return HIDDEN_LABEL.format(k=self.k) if value is None else str(value)


def _check(counts: Sequence[Sequence[int]], k: int) -> None:
    if k < 1:
        raise ValueError(f"the suppression threshold k must be 1 or more, not {k}.")
    widths = {len(r) for r in counts}
    if len(widths) > 1:
        raise ValueError("every row of the table needs the same number of cells.")
    for r in counts:
        for v in r:
            if isinstance(v, bool) or not isinstance(v, int) or v < 0:
                raise ValueError(f"counts must be whole numbers of 0 or more, not {v!r}.")


def _cover(values: list[int], hidden: list[bool], k: int) -> bool:
    """Hide more cells of one line (smallest first) until its hidden cells are safe.
    Returns whether the line's total may be shown; ``hidden`` is updated in place."""
    if not any(hidden):
        return True
    while True:
        n = sum(hidden)
        held = sum(v for v, h in zip(values, hidden) if h)
        if n >= 2 and held >= k:
            return True
        visible = [i for i, h in enumerate(hidden) if not h]
        if not visible:
            return False  # everything hidden and still below k: the total would give it away
        hidden[min(visible, key=lambda i: (values[i], i))] = True


def suppress_by_lines(counts: Sequence[Sequence[int]], *, rows: Sequence[str] | None = None,
                      cols: Sequence[str] | None = None, k: int = DEFAULT_K,
                      also_hidden: Collection[tuple[int, int]] = (), hide_totals: bool = False) -> Suppressed:
    """The line rules only (primary and complementary suppression, line by line), with ``also_hidden``
    cells and (``hide_totals``) every total hidden as well: the audit's step."""
    _check(counts, k)
    table = [list(r) for r in counts]
    n_rows = len(table)
    n_cols = len(table[0]) if table else 0
    rows = [str(r) for r in (rows if rows is not None else range(n_rows))]
    cols = [str(c) for c in (cols if cols is not None else range(n_cols))]
    if len(rows) != n_rows or len(cols) != n_cols:
        raise ValueError("the row and column labels must match the table's shape.")
    hidden = [[v < k or (i, j) in also_hidden for j, v in enumerate(r)] for i, r in enumerate(table)]
    row_ok = [True] * n_rows
    col_ok = [True] * n_cols
    changed = True
    while changed:
        changed = False
        for i in range(n_rows):
            before = sum(hidden[i])
            row_ok[i] = _cover(table[i], hidden[i], k)
            changed |= sum(hidden[i]) != before
        for j in range(n_cols):
            col = [hidden[i][j] for i in range(n_rows)]
            before = sum(col)
            col_ok[j] = _cover([table[i][j] for i in range(n_rows)], col, k)
            for i in range(n_rows):
                hidden[i][j] = col[i]
            changed |= sum(col) != before
    row_totals = [sum(r) for r in table]
    col_totals = [sum(table[i][j] for i in range(n_rows)) for j in range(n_cols)]
    grand = sum(row_totals)
    if grand < k:  # too few people overall: show nothing at all
        return Suppressed(rows, cols, [[None] * n_cols for _ in range(n_rows)], [None] * n_rows,
                          [None] * n_cols, None, k, n_rows * n_cols)
    # the totals are a line of their own under the grand total: cover them the same way
    row_hidden = [hide_totals or not ok or t < k for t, ok in zip(row_totals, row_ok)]
    col_hidden = [hide_totals or not ok or t < k for t, ok in zip(col_totals, col_ok)]
    _cover(row_totals, row_hidden, k)
    _cover(col_totals, col_hidden, k)
    return Suppressed(
        rows, cols,
        [[None if hidden[i][j] else table[i][j] for j in range(n_cols)] for i in range(n_rows)],
        [None if h else t for t, h in zip(row_totals, row_hidden)],
        [None if h else t for t, h in zip(col_totals, col_hidden)],
        None if hide_totals else grand, k, sum(map(sum, hidden)),
    )


def suppress_counts(counts: Mapping[str, int], *, k: int = DEFAULT_K, label: str = "count") -> Suppressed:
    """A one-way table ``{option: count}`` (a poll, the answers to one question), suppressed."""
    return suppress_by_lines([list(counts.values())], rows=[label], cols=list(counts), k=k)


def safe_mean(values: Sequence[float], *, k: int = DEFAULT_K) -> float | None:
    """The mean of ``values`` when at least ``k`` people gave one, else ``None`` (hidden)."""
    vals = [float(v) for v in values]
    return sum(vals) / len(vals) if len(vals) >= k else None
