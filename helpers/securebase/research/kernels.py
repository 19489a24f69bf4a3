"""Compiled one-pass loops (Numba) behind the per-subject reductions of the research modules.

Each kernel reads its input once, straight through, and allocates only per-subject outputs, so a
million-row diary costs about one read of each column. The kernels release the GIL; :func:`map_threads`
runs several columns at once on the machine's cores.

Inputs are rows in *group order* (each subject's rows contiguous, see
:class:`~securebase.research.descriptives.Groups`), described by ``starts`` (first row of each
subject) and ``sizes`` (rows per subject). Arrays are passed as read-only, C-contiguous views
(:func:`ro`) so each kernel compiles once whatever the caller's array flags; compiled code is
cached on disk (``cache=True``), so only the first run on a machine pays the compile.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

import numba
import numpy as np

__all__ = ["group_moments", "longest_runs", "map_threads", "person_days", "ro"]

_jit = numba.njit(cache=True, nogil=True)
T = TypeVar("T")
_POOL: ThreadPoolExecutor | None = None


def ro(x: np.ndarray, dtype: Any = np.float64) -> np.ndarray:
    """A read-only, C-contiguous view (a copy only when ``x`` is not already ``dtype`` and contiguous)."""
    v = np.ascontiguousarray(x, dtype=dtype).view()
    v.flags.writeable = False
    return v


def map_threads(fn: Callable[[T], Any], items: Iterable[T]) -> list[Any]:
    """``[fn(i) for i in items]``, on one thread per core when there is more than one item and core."""
    items = list(items)
    workers = min(len(items), os.cpu_count() or 1)
    if workers < 2:
        return [fn(i) for i in items]
    global _POOL
    if _POOL is None:
        _POOL = ThreadPoolExecutor(max_workers=os.cpu_count(), thread_name_prefix="securebase-research")
    return list(_POOL.map(fn, items))


@_jit
def _group_moments(x, starts, sizes):  # pragma: no cover - compiled; tested through group_moments
    k = len(starts)
    n = np.zeros(k, np.int64)
    s1 = np.zeros(k)
    s2 = np.zeros(k)
    first = np.full(k, np.nan)
    lo, hi = np.inf, -np.inf
    for g in range(k):
        c, shift, t1, t2 = 0, 0.0, 0.0, 0.0
        for i in range(starts[g], starts[g] + sizes[g]):
            v = x[i]
            if v == v:  # not NaN
                if c == 0:
                    shift = v
                    first[g] = v
                d = v - shift
                t1 += d
                t2 += d * d
                c += 1
                lo = min(lo, v)
                hi = max(hi, v)
        n[g], s1[g], s2[g] = c, t1, t2
    return n, s1, s2, first, lo, hi


def group_moments(x: np.ndarray, starts: np.ndarray, sizes: np.ndarray) -> dict[str, Any]:
    """Per subject: ``n`` (non-missing values), ``mean``, ``ss`` (sum of squared deviations from
    the subject's mean), ``first`` (first value, NaN when none), ``constant`` (at least one value,
    all equal - exact); and ``min``/``max`` over all rows (NaN when there is no value).

    Shifted sums: each value is taken relative to the subject's first value ``s``, and
    ``ss = sum((x - s)^2) - (sum(x - s))^2 / n``. The rounding error is of the order of machine
    precision times ``1 + (mean - s)^2 / variance`` - as good as two passes in practice - and a
    subject whose values are all equal gives exact zeros, so ``constant`` is exact.
    """
    n, s1, s2, first, lo, hi = _group_moments(ro(x), ro(starts, np.int64), ro(sizes, np.int64))
    with np.errstate(invalid="ignore", divide="ignore"):
        d = s1 / n
        mean = np.where(n > 0, first + d, np.nan)
        ss = np.where(n > 0, np.maximum(s2 - s1 * d, 0.0), 0.0)
    return {"n": n, "mean": mean, "ss": ss, "first": first, "constant": (n > 0) & (s2 == 0),
            "min": lo if np.isfinite(lo) else np.nan, "max": hi if np.isfinite(hi) else np.nan}


@_jit
def _longest_runs(items):  # pragma: no cover - compiled; tested through longest_runs
    n = len(items[0])
    k = len(items)
    best = np.zeros(n, np.uint8)
    for i in range(n):
        prev = items[0][i]
        missing = 0 if prev == prev else 1
        run, top = 1, 1
        for j in range(1, k):
            cur = items[j][i]
            if cur != cur:
                missing += 1
            run = run + 1 if cur == prev else 1  # a blank equals nothing, so it breaks a run
            top = max(top, run)
            prev = cur
        best[i] = top if missing <= k - 2 else 0
    return best


def longest_runs(items: list[np.ndarray]) -> np.ndarray:
    """Per row the longest run of equal consecutive answers across the item columns (in order;
    a blank breaks a run); 0 for rows with fewer than two answered items. At most 255 items."""
    return _longest_runs(tuple(ro(x) for x in items))


@_jit
def _person_days(day, starts, sizes, study_days, expected_per_day):  # pragma: no cover - compiled
    k = len(starts)
    n_pd = np.zeros(k, np.int64)  # person-days with an entry
    n_inside = np.zeros(k, np.int64)  # of those, within study_days of the first day
    max_per_day = np.zeros(k, np.int64)
    dist = np.zeros(np.max(sizes) + 1 if k else 1, np.int64)  # person-days by number of entries
    over_subject = np.empty(len(day), np.int64)  # person-days with more than expected_per_day entries
    over_day = np.empty(len(day), np.int64)
    over_entries = np.empty(len(day), np.int64)
    n_over = 0
    for g in range(k):
        a, b = starts[g], starts[g] + sizes[g]
        first = day[a]
        i = a
        while i < b:
            j = i + 1
            while j < b and day[j] == day[i]:
                j += 1
            m = j - i
            n_pd[g] += 1
            if study_days < 0 or day[i] - first < study_days:
                n_inside[g] += 1
            max_per_day[g] = max(max_per_day[g], m)
            dist[m] += 1
            if m > expected_per_day:
                over_subject[n_over], over_day[n_over], over_entries[n_over] = g, day[i], m
                n_over += 1
            i = j
    return n_pd, n_inside, max_per_day, dist, over_subject[:n_over].copy(), over_day[:n_over].copy(), \
        over_entries[:n_over].copy()


def person_days(day: np.ndarray, starts: np.ndarray, sizes: np.ndarray, *, study_days: int | None,
                expected_per_day: int) -> dict[str, np.ndarray]:
    """Runs of equal day numbers within each subject (``day`` sorted within each subject):
    per subject ``n_days``, ``n_inside`` (days less than ``study_days`` after the subject's first;
    all days when ``study_days`` is None) and ``max_per_day``; ``dist`` (person-days by number of
    entries, index = entries) and the person-days with more than ``expected_per_day`` entries
    (``over_subject``, ``over_day``, ``over_entries``)."""
    out = _person_days(ro(day, np.int64), ro(starts, np.int64), ro(sizes, np.int64),
                       -1 if study_days is None else int(study_days), int(expected_per_day))
    keys = ("n_days", "n_inside", "max_per_day", "dist", "over_subject", "over_day", "over_entries")
    return dict(zip(keys, out))
