"""The suppression audit: the feasible range of every hidden figure, from everything shown, by linear
programming; and suppression that hides more until no hidden figure is pinned down."""

from __future__ import annotations

import pytest

from securebase.privacy.audit import HiddenRange, Tie, hidden_ranges, suppress, suppress_together
from securebase.privacy.suppression import suppress_by_lines

LEAKY = [[2, 2], [6, 5], [4, 20]]      # found among random tables: the line rules alone give row 0 away


def test_the_line_rules_alone_let_a_small_total_be_worked_out():
    by_lines = suppress_by_lines(LEAKY)
    assert by_lines.cells == [[None, None], [6, 5], [None, None]] and by_lines.row_totals == [None, None, 24]
    exact = {h.ref: h.low for h in hidden_ranges({"t": by_lines}) if h.exact}
    assert exact == {("t", "row", 0): 4, ("t", "row", 1): 11}         # 39 - 24 - (6 + 5): fewer than 5, exactly


def test_suppress_hides_more_until_nothing_is_pinned_down():
    s = suppress(LEAKY)
    assert not [h for h in hidden_ranges({"t": s}) if h.exact]
    assert s.cells[0] == [None, None] and s.cells[2][0] is None             # the small cells stay hidden
    for i, row in enumerate(LEAKY):
        for j, v in enumerate(row):
            assert s.cells[i][j] in (None, v)


def test_ranges_are_the_whole_numbers_a_reader_cannot_rule_out():
    s = suppress([[10, 3, 8], [6, 7, 12], [9, 11, 2]])
    ranges = {h.ref: (h.low, h.high) for h in hidden_ranges({"t": s})}
    assert ranges and all(low < high for low, high in ranges.values())
    assert all(low >= 0 for low, _ in ranges.values())


def test_tables_tied_to_each_other_are_audited_together():
    """The third answer of A is a count that B shows too (say, the same people counted in two places):
    each table is safe alone, together they give A's small cell away, so more of A is hidden."""
    counts = {"A": [[2, 10, 9]], "B": [[9, 12]]}
    tie = [Tie.equal(("A", "cell", 0, 2), ("B", "cell", 0, 0))]
    alone = {name: suppress_by_lines(c) for name, c in counts.items()}
    assert alone["A"].cells == [[None, 10, None]] and alone["A"].total == 21
    assert not [h for h in hidden_ranges({"A": alone["A"]}) if h.exact]                 # safe alone
    assert {h.ref: h.low for h in hidden_ranges(alone, tie) if h.exact} == {
        ("A", "cell", 0, 0): 2, ("A", "cell", 0, 2): 9, ("A", "col", 0): 2, ("A", "col", 2): 9}  # a column is its cell
    together = suppress_together(counts, ties=tie)
    assert together["A"].cells == [[None, None, 9]] and together["B"].cells == [[9, 12]]   # 2 hides with the 10 now
    assert not [h for h in hidden_ranges(together, tie) if h.exact]


def test_at_most_ties_narrow_ranges_but_do_not_pin():
    shown = {"did": suppress_by_lines([[7, 5]]), "answered": suppress_by_lines([[3, 6]])}
    tie = [Tie.at_most(("answered", "cell", 0, 0), ("did", "cell", 0, 0))]
    ranges = {h.ref: h for h in hidden_ranges(shown, tie)}
    assert ranges[("answered", "cell", 0, 0)] == HiddenRange(("answered", "cell", 0, 0), 0, 7)


def test_a_tie_to_a_figure_no_table_has_is_refused():
    with pytest.raises(ValueError, match="no table has"):
        hidden_ranges({"a": suppress_by_lines([[7, 5]])}, [Tie.equal(("a", "total"), ("b", "total"))])
