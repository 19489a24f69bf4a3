"""The compiled kernels against plain-Python references on random data with blanks and edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from securebase.research import kernels as k


def _groups(sizes):
    sizes = np.asarray(sizes, dtype=np.int64)
    return np.r_[0, np.cumsum(sizes)[:-1]].astype(np.int64), sizes


def test_group_moments_against_python():
    rng = np.random.default_rng(11)
    sizes = rng.integers(1, 25, 40)
    starts, sizes = _groups(sizes)
    x = rng.normal(50, 4, int(sizes.sum()))
    x[rng.random(len(x)) < 0.2] = np.nan
    x[starts[5]: starts[5] + sizes[5]] = np.nan        # a subject with no value
    x[starts[6]: starts[6] + sizes[6]] = 3.3            # a constant subject
    m = k.group_moments(x, starts, sizes)
    for g, (a, n) in enumerate(zip(starts, sizes)):
        vals = [v for v in x[a: a + n] if not math.isnan(v)]
        assert m["n"][g] == len(vals)
        if not vals:
            assert math.isnan(m["mean"][g]) and m["ss"][g] == 0 and math.isnan(m["first"][g]) and not m["constant"][g]
            continue
        mean = sum(vals) / len(vals)
        assert m["mean"][g] == pytest.approx(mean, rel=1e-13)
        assert m["ss"][g] == pytest.approx(sum((v - mean) ** 2 for v in vals), rel=1e-9, abs=1e-9)
        assert m["first"][g] == vals[0]
        assert bool(m["constant"][g]) == (len(set(vals)) == 1)
    assert m["min"] == np.nanmin(x) and m["max"] == np.nanmax(x)


def test_group_moments_all_blank_and_read_only_input():
    starts, sizes = _groups([3, 2])
    x = np.full(5, np.nan)
    x.flags.writeable = False
    m = k.group_moments(x, starts, sizes)
    assert list(m["n"]) == [0, 0] and math.isnan(m["min"]) and math.isnan(m["max"])


def _longest_run_python(row):
    answered = sum(not math.isnan(v) for v in row)
    if answered < 2:
        return 0
    best = run = 1
    for prev, cur in zip(row, row[1:]):
        run = run + 1 if cur == prev else 1   # NaN == anything is False
        best = max(best, run)
    return best


def test_longest_runs_against_python():
    rng = np.random.default_rng(3)
    n, n_items = 2000, 6
    items = [rng.integers(1, 4, n).astype(float) for _ in range(n_items)]
    for x in items:
        x[rng.random(n) < 0.15] = np.nan
    for x in items[1:]:
        x[0] = np.nan  # row 0: one answer only, not evaluated
    items[2].flags.writeable = False  # mixed flags compile to the same kernel
    got = k.longest_runs(items)
    want = [_longest_run_python([x[i] for x in items]) for i in range(n)]
    assert got.tolist() == want
    assert set(want) >= {0, 1, 2, 3}


def test_person_days_counts_runs_of_days():
    # subject 0: days 1,1,2,5,5,5 ; subject 1: day 3 ; subject 2: days 1,2,30
    day = np.array([1, 1, 2, 5, 5, 5, 3, 1, 2, 30])
    starts, sizes = _groups([6, 1, 3])
    r = k.person_days(day, starts, sizes, study_days=None, expected_per_day=2)
    assert r["n_days"].tolist() == [3, 1, 3] and r["n_inside"].tolist() == [3, 1, 3]
    assert r["max_per_day"].tolist() == [3, 1, 1]
    assert r["dist"].tolist()[1:4] == [5, 1, 1]  # five days with one entry, one with two, one with three
    assert r["over_subject"].tolist() == [0] and r["over_day"].tolist() == [5] and r["over_entries"].tolist() == [3]
    r = k.person_days(day, starts, sizes, study_days=4, expected_per_day=1)
    assert r["n_inside"].tolist() == [2, 1, 2]  # day 5 is 4 days after day 1; day 30 outside
    assert r["over_day"].tolist() == [1, 5]


def test_map_threads_keeps_order_and_errors():
    assert k.map_threads(lambda i: i * i, range(7)) == [i * i for i in range(7)]
    with pytest.raises(ZeroDivisionError):
        k.map_threads(lambda i: 1 / i, [1, 0])


def test_ro_views_without_copying():
    x = np.arange(5.0)
    v = k.ro(x)
    assert np.shares_memory(v, x) and not v.flags.writeable and x.flags.writeable
