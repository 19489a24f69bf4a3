"""Small-cell suppression: no count below k is shown, and no total gives a hidden count away."""

from __future__ import annotations

import itertools
import random

import pytest

from securebase.privacy.audit import hidden_ranges, suppress
from securebase.privacy.suppression import safe_mean, suppress_counts


def _recoverable(table, shown) -> list[tuple[int, int]]:
    """Cells whose exact value follows from the shown cells and totals: a line with exactly one
    hidden cell and a shown total. Repeated until nothing more follows."""
    cells = [row[:] for row in shown.cells]
    rows, cols = len(cells), len(cells[0])
    found = []
    progress = True
    while progress:
        progress = False
        for i in range(rows):
            miss = [j for j in range(cols) if cells[i][j] is None]
            if len(miss) == 1 and shown.row_totals[i] is not None:
                j = miss[0]
                cells[i][j] = shown.row_totals[i] - sum(v for v in cells[i] if v is not None)
                found.append((i, j))
                progress = True
        for j in range(cols):
            miss = [i for i in range(rows) if cells[i][j] is None]
            if len(miss) == 1 and shown.col_totals[j] is not None:
                i = miss[0]
                cells[i][j] = shown.col_totals[j] - sum(cells[r][j] for r in range(rows) if cells[r][j] is not None)
                found.append((i, j))
                progress = True
    return [(i, j) for i, j in found if table[i][j] < shown.k]


def test_one_way_poll():
    s = suppress_counts({"criticism": 7, "silence": 2, "lateness": 9, "money": 12, "distance": 0})
    # 2 and 0 are small; together they hold 2 < 5, so the smallest shown count (7) is hidden too
    assert s.row() == {"criticism": None, "silence": None, "lateness": 9, "money": 12, "distance": None}
    assert s.total == 30 and s.n_hidden == 3


def test_single_small_cell_gets_a_complement():
    # only "silence" is small; showing the other two and the total would give it away
    s = suppress_counts({"criticism": 7, "silence": 2, "lateness": 9})
    assert s.row() == {"criticism": None, "silence": None, "lateness": 9}
    assert s.label(s.row()["silence"]) == "fewer than 5"


def test_hidden_cells_must_hold_at_least_k_together():
    # 1 and 0 are both hidden but together hold 1 < 5: a third cell goes too
    s = suppress_counts({"a": 1, "b": 0, "c": 6, "d": 20})
    assert s.row() == {"a": None, "b": None, "c": None, "d": 20}


def test_tiny_group_shows_nothing():
    s = suppress_counts({"a": 2, "b": 1})
    assert s.row() == {"a": None, "b": None} and s.total is None


def test_two_way_with_margins():
    table = [[10, 3, 8], [6, 7, 12], [9, 11, 2]]
    s = suppress(table, rows=["g1", "g2", "g3"], cols=["x", "y", "z"])
    assert s.cells[0][1] is None and s.cells[2][2] is None
    assert not _recoverable(table, s)


@pytest.mark.parametrize("seed", range(200))
def test_random_tables_never_reveal_a_small_cell(seed):
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 5), rng.randint(1, 6)
    table = [[rng.choice([0, 1, 2, 3, 4, 5, 6, 8, 12, 20]) for _ in range(cols)] for _ in range(rows)]
    s = suppress(table, k=5)
    for i, j in itertools.product(range(rows), range(cols)):
        if table[i][j] < 5:
            assert s.cells[i][j] is None
        elif s.cells[i][j] is not None:
            assert s.cells[i][j] == table[i][j]
    assert not _recoverable(table, s)
    assert not [h for h in hidden_ranges({"t": s}) if h.exact]        # nor by linear programming (privacy.audit)
    for t in [*s.row_totals, *s.col_totals, s.total]:
        assert t is None or t >= 5


def test_bad_input_is_explained():
    with pytest.raises(ValueError, match="whole numbers"):
        suppress_counts({"a": -1})
    with pytest.raises(ValueError, match="threshold"):
        suppress_counts({"a": 1}, k=0)
    with pytest.raises(ValueError, match="same number of cells"):
        suppress([[1, 2], [3]])


def test_safe_mean():
    assert safe_mean([1, 2, 3, 4]) is None
    assert safe_mean([1, 2, 3, 4, 5]) == 3
