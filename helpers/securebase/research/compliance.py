"""Compliance and data-quality checks of a diary study (person-period data).

One row per entry (a person on an occasion), one column per variable. :func:`compliance_report`
gathers everything below into one JSON-safe dict; each part is also a function of its own.

* :func:`entries_per_person_day` - entries per person-day: per subject the entries, the days
  with an entry, first and last day, the expected days (first to last day inclusive, or a given
  study length counted from the subject's first day), missed days and the compliance rate; over
  all subjects the distribution of entries per person-day and the person-days with more entries
  than expected.
* :func:`missingness` - blank cells per variable and per subject.
* Careless-response checks, each reported as ``n_evaluated``, ``n_flagged``, the flagged subjects
  (with counts) and the flagged occasions (subject, time, frame row, what was seen):

  - :func:`long_string` - per occasion the longest run of identical consecutive answers across a
    set of rating items (in the order given); flagged when the run is at least ``min_run``
    (default: one less than the number of items, for four or more items; else all items).
    Straight-lining (every item answered, all the same) is reported separately.
  - :func:`invariant_subjects` - zero within-person variance over the whole study: a subject
    with at least ``min_obs`` values of a variable that are all equal.
  - :func:`fast_completion` - an entry completed faster than ``min_duration`` (same unit as the
    duration column; default 2 per rating item, the 2-seconds-per-item rule of Huang et al., 2012).
  - :func:`out_of_range` - values outside a variable's allowed range ``[lo, hi]``.

The per-row work is done by compiled one-pass loops (:mod:`securebase.research.kernels`), so a
report on a million entries takes well under a second. Flagged occasions are listed in full
unless ``max_listed`` caps the list (the counts are always complete; ``truncated`` says so).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from securebase.research import kernels
from securebase.research.frames import Groups, SubjectCols, numeric, parse_columns, read_long, table, to_jsonable, write_results

__all__ = [
    "compliance_report",
    "entries_per_person_day",
    "fast_completion",
    "invariant_subjects",
    "long_string",
    "missingness",
    "out_of_range",
    "parse_ranges",
    "run",
    "summary_text",
]

SECONDS_PER_ITEM = 2.0


# --------------------------------------------------------------------------- helpers


def parse_ranges(spec: str | Mapping[str, Sequence[float]] | None, items: Sequence[str] = (),
                 items_range: str | Sequence[float] | None = None) -> dict[str, tuple[float, float]]:
    """Allowed ranges as ``{variable: (lo, hi)}``.

    ``spec`` is a dict, or text ``"name:lo:hi, name:lo:hi"``; ``items_range`` (``"lo:hi"`` or a
    pair) gives the same range to every name in ``items``. Either may be empty.
    """
    out: dict[str, tuple[float, float]] = {}
    if items_range not in (None, ""):
        lo, hi = (items_range.split(":") if isinstance(items_range, str) else items_range)
        for it in items:
            out[it] = (float(lo), float(hi))
    if isinstance(spec, Mapping):
        for k, (lo, hi) in spec.items():
            out[str(k)] = (float(lo), float(hi))
    elif spec:
        for part in str(spec).split(","):
            part = part.strip()
            if not part:
                continue
            bits = part.rsplit(":", 2)
            if len(bits) != 3:
                raise ValueError(f"range {part!r} is not name:lo:hi (e.g. satisf:1:7).")
            out[bits[0].strip()] = (float(bits[1]), float(bits[2]))
    for k, (lo, hi) in out.items():
        if lo > hi:
            raise ValueError(f"range for {k!r}: lower bound {lo} is above upper bound {hi}.")
    return out


def _day_numbers(s: pd.Series) -> tuple[np.ndarray, np.ndarray | None, str]:
    """Occasion times -> whole day numbers (int64), the mask of rows without a time (``None``
    when every row has one) and the kind of time (``"number"`` or ``"date"``)."""
    if pd.api.types.is_integer_dtype(s) and not s.hasnans:
        return s.to_numpy(dtype=np.int64), None, "number"
    if pd.api.types.is_datetime64_any_dtype(s):
        v = s.dt.tz_localize(None) if getattr(s.dt, "tz", None) is not None else s
        missing = v.isna().to_numpy()
        days = v.to_numpy(dtype="datetime64[ns]").astype("datetime64[D]").astype(np.int64)
        return days, (missing if missing.any() else None), "date"
    if pd.api.types.is_numeric_dtype(s) and not pd.api.types.is_bool_dtype(s):
        f = s.to_numpy(dtype=np.float64, na_value=np.nan)
        missing = np.isnan(f)
        return np.floor(np.where(missing, 0.0, f)).astype(np.int64), (missing if missing.any() else None), "number"
    num = pd.to_numeric(s, errors="coerce")
    if int(num.isna().sum() - s.isna().sum()) == 0:
        return _day_numbers(num)
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    bad = int(parsed.isna().sum() - s.isna().sum())
    if bad:
        raise ValueError(f"time column {s.name!r}: {bad} value(s) are neither dates nor numbers.")
    return _day_numbers(parsed)


def _days_out(days: np.ndarray, kind: str) -> list[Any]:
    """Day numbers for the report: ints, or ISO dates for date columns."""
    if kind == "date":
        return [str(d) for d in days.astype("datetime64[D]")]
    return days.tolist()


class _Rows:
    """Per-row subject codes for listing flagged occasions (built once, lazily)."""

    def __init__(self, df: pd.DataFrame, g: Groups, time_col: str | None, max_listed: int | None):
        self.df, self.g, self.time_col, self.max_listed = df, g, time_col, max_listed
        self._codes: np.ndarray | None = None
        self._labels = np.asarray(g.labels, dtype=object)

    def codes(self) -> np.ndarray:
        if self._codes is None:
            self._codes = self.g.untake(self.g.codes)
        return self._codes

    def flagged(self, mask: np.ndarray | None, extra: Mapping[str, np.ndarray] | None = None) -> dict[str, Any]:
        """Counts, flagged subjects and (up to ``max_listed``) flagged occasions for a row mask
        (``None``: nothing flagged).

        ``flagged_subjects`` is the table ``{"subject", "n"}``; ``flagged_occasions`` the table
        ``{"subject", "time", "row", <extra>...}`` (``row`` is the frame's index label)."""
        rows = np.zeros(0, dtype=np.intp) if mask is None else np.flatnonzero(mask)
        codes = self.codes()[rows]
        per_subj = np.bincount(codes, minlength=self.g.n)
        subj_idx = np.flatnonzero(per_subj)
        shown = rows if self.max_listed is None else rows[: self.max_listed]
        times = self.df[self.time_col].to_numpy()[shown] if self.time_col else np.full(len(shown), None, dtype=object)
        return {
            "n_flagged": int(len(rows)),
            "n_subjects_flagged": int(len(subj_idx)),
            "flagged_subjects": table(subject=self._labels[subj_idx].tolist(), n=per_subj[subj_idx]),
            "flagged_occasions": table(subject=self._labels[codes[: len(shown)]].tolist(), time=times,
                                       row=np.asarray(self.df.index[shown]),
                                       **{k: v[shown] for k, v in (extra or {}).items()}),
            "truncated": bool(len(shown) < len(rows)),
        }


def _valid_subject_rows(df: pd.DataFrame, subject_col: SubjectCols) -> tuple[pd.DataFrame, int]:
    cols = parse_columns(subject_col)
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"subject column(s) {missing} not found (columns are {list(map(str, df.columns))}).")
    blank = df[cols].isna().any(axis=1).to_numpy()
    return (df[~blank] if blank.any() else df), int(blank.sum())


# --------------------------------------------------------------------------- entries per person-day


def entries_per_person_day(df: pd.DataFrame, subject_col: SubjectCols, time_col: str, *,
                           study_days: int | None = None, expected_per_day: int = 1,
                           low_compliance: float = 0.5, groups: Groups | None = None,
                           max_listed: int | None = None) -> dict[str, Any]:
    """Entries per person-day and per-subject compliance (see the module docstring).

    ``time_col`` holds day numbers (fractions are floored) or dates/timestamps (the calendar
    day counts). ``study_days``: the planned length of the study in days, counted from each
    subject's first day (days after it are reported as ``days_outside_window``); without it a
    subject is expected on every day from their first to their last entry. ``expected_per_day``:
    person-days with more entries than this are listed. Subjects whose compliance (days with an
    entry / expected days) is below ``low_compliance`` are listed as ``low_compliance_subjects``.
    """
    if time_col not in df.columns:
        raise ValueError(f"time column {time_col!r} not found (columns are {list(map(str, df.columns))}).")
    day_all, no_time, kind = _day_numbers(df[time_col])
    n_no_time = 0
    if no_time is not None:
        n_no_time = int(no_time.sum())
        df = df[~no_time]
        day_all = day_all[~no_time]
        groups = None
    g = groups or Groups(df, subject_col)
    n = len(df)
    res: dict[str, Any] = {"time_kind": kind, "rows_without_time": n_no_time, "study_days": study_days,
                           "expected_per_day": expected_per_day}
    if n == 0:
        return res | {"n_entries": 0, "n_subjects": 0, "n_person_days": 0, "per_subject": table(subject=[])}
    dg = g.take(day_all)
    last_rows = g.starts[1:] - 1  # in the length-(n-1) step arrays: a subject's last row -> next's first
    step = dg[1:] >= dg[:-1]
    step[last_rows] = True
    if not step.all():  # sort each subject's rows by day (stable); subjects stay in place
        dg = dg[np.lexsort((dg, g.codes))]
    first_day = dg[g.starts]
    last_day = dg[g.starts + g.sizes - 1]
    runs = kernels.person_days(dg, g.starts, g.sizes, study_days=study_days, expected_per_day=expected_per_day)
    n_pd, n_days, max_per_day, dist = runs["n_days"], runs["n_inside"], runs["max_per_day"], runs["dist"]
    if study_days is not None:
        expected = np.full(g.n, int(study_days), dtype=np.int64)
        outside = n_pd - n_days
    else:
        expected = (last_day - first_day + 1).astype(np.int64)
        outside = np.zeros(g.n, dtype=np.int64)
    compliance = n_days / expected
    n_over = len(runs["over_subject"])
    shown = slice(None) if max_listed is None else slice(0, max_listed)
    labels = np.asarray(g.labels, dtype=object)
    low = np.flatnonzero(compliance < low_compliance)
    return res | {
        "n_entries": n, "n_subjects": g.n, "n_person_days": int(n_pd.sum()),
        "entries_per_person_day": {str(k): int(c) for k, c in enumerate(dist) if k and c},
        "mean_entries_per_person_day": float(n / n_pd.sum()),
        "compliance": {"mean": float(compliance.mean()), "median": float(np.median(compliance)),
                       "min": float(compliance.min()), "max": float(compliance.max())},
        "expected_days_total": int(expected.sum()), "days_with_entry_total": int(n_days.sum()),
        "low_compliance": low_compliance,
        "low_compliance_subjects": table(subject=labels[low].tolist(), compliance=compliance[low]),
        "person_days_over_expected": {
            "n_flagged": n_over,
            "flagged": table(subject=labels[runs["over_subject"][shown]].tolist(),
                             day=_days_out(runs["over_day"][shown], kind), entries=runs["over_entries"][shown]),
            "truncated": max_listed is not None and n_over > max_listed,
        },
        "per_subject": table(
            subject=g.labels, n_entries=g.sizes, n_days=n_days,
            first_day=_days_out(first_day, kind), last_day=_days_out(last_day, kind),
            expected_days=expected, missed_days=np.maximum(expected - n_days, 0), days_outside_window=outside,
            compliance=compliance, max_entries_per_day=max_per_day),
    }


# --------------------------------------------------------------------------- missingness


def missingness(df: pd.DataFrame, subject_col: SubjectCols, variables: str | Sequence[str], *,
                groups: Groups | None = None) -> dict[str, Any]:
    """Blank cells per variable (count and proportion) and per subject (per variable and overall);
    subjects with no value at all for a variable are listed under ``subjects_all_missing``."""
    variables = parse_columns(variables)
    g = groups or Groups(df, subject_col)
    per_var: dict[str, Any] = {}
    per_subj_counts = np.zeros((g.n, len(variables)), dtype=np.int64)
    all_missing: dict[str, list[Any]] = {}
    for j, v in enumerate(variables):
        if v not in df.columns:
            raise ValueError(f"missingness: column {v!r} not found (columns are {list(map(str, df.columns))}).")
        if isinstance(df[v], pd.DataFrame):
            raise ValueError(f"missingness: column name {v!r} occurs more than once; rename the copies first.")
        if pd.api.types.is_numeric_dtype(df[v]):
            cnt = g.sizes - g.stats(df, v, "missingness")["n"]
        else:
            cnt = g.count(g.take(df[v].isna().to_numpy()))
        per_subj_counts[:, j] = cnt
        per_var[v] = {"n_missing": int(cnt.sum()), "prop_missing": float(cnt.sum() / len(df)) if len(df) else None}
        am = np.flatnonzero(cnt == g.sizes)
        if len(am):
            all_missing[v] = [g.labels[i] for i in am]
    tot = per_subj_counts.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        prop = tot / (g.sizes * len(variables)) if variables else np.full(g.n, np.nan)
    return {
        "n_rows": len(df), "variables": variables, "per_variable": per_var,
        "total_missing_cells": int(per_subj_counts.sum()),
        "prop_missing_cells": float(per_subj_counts.sum() / (len(df) * len(variables))) if len(df) and variables else None,
        "subjects_all_missing": all_missing,
        "per_subject": table(subject=g.labels, n_rows=g.sizes, n_missing_cells=tot, prop_missing=prop,
                             **{f"missing_{v}": per_subj_counts[:, j] for j, v in enumerate(variables)}),
    }


# --------------------------------------------------------------------------- careless responding


def _default_min_run(n_items: int) -> int:
    return n_items - 1 if n_items >= 4 else n_items


def long_string(df: pd.DataFrame, subject_col: SubjectCols, time_col: str | None, items: str | Sequence[str], *,
                min_run: int | None = None, groups: Groups | None = None, max_listed: int | None = None,
                _rows: _Rows | None = None) -> dict[str, Any]:
    """Long-string and straight-lining across ``items`` on each occasion.

    Per occasion the longest run of identical consecutive answers (a blank item breaks a run).
    Occasions with fewer than two answered items are not evaluated. Returns
    ``{"items", "min_run", "long_string": {...flagged...}, "straight_lining": {...flagged...},
    "mean_longest_run"}``; straight-lining means every item answered and all equal.
    """
    items = parse_columns(items)
    if len(items) < 2:
        raise ValueError("long_string needs at least two rating items.")
    if len(items) > 255:
        raise ValueError("long_string takes at most 255 items.")
    g = groups or Groups(df, subject_col)
    rows = _rows or _Rows(df, g, time_col, max_listed)
    min_run = int(min_run) if min_run else _default_min_run(len(items))
    X = [numeric(df, c, "long_string") for c in items]
    n_items = len(items)
    best = kernels.longest_runs(X)  # longest run of equal consecutive answers (0: not evaluated)
    evaluated = best > 0
    n_eval = int(np.count_nonzero(evaluated))
    ls = best >= min_run
    sl = best == n_items  # a run over every item: all answered and all equal
    return {
        "items": items, "min_run": min_run, "n_evaluated": n_eval,
        "mean_longest_run": float(best.sum(dtype=np.int64) / n_eval) if n_eval else None,
        "long_string": rows.flagged(ls, {"longest_run": best}),
        "straight_lining": rows.flagged(sl, {"value": X[0]}),
    }


def invariant_subjects(df: pd.DataFrame, subject_col: SubjectCols, variables: str | Sequence[str], *,
                       min_obs: int = 2, groups: Groups | None = None) -> dict[str, Any]:
    """Per variable the subjects with at least ``min_obs`` values, all equal (zero within-person
    variance across the study), with that value and the number of observations."""
    g = groups or Groups(df, subject_col)
    out: dict[str, Any] = {}
    for v in parse_columns(variables):
        m = g.stats(df, v, "invariant_subjects")
        n = m["n"]
        evaluated = n >= min_obs
        flag = np.flatnonzero(evaluated & m["constant"])
        out[v] = {"n_evaluated": int(evaluated.sum()), "n_flagged": int(len(flag)),
                  "flagged_subjects": table(subject=[g.labels[i] for i in flag], n=n[flag], value=m["first"][flag])}
    return {"min_obs": min_obs, "variables": out}


def fast_completion(df: pd.DataFrame, subject_col: SubjectCols, time_col: str | None, duration_col: str, *,
                    min_duration: float, groups: Groups | None = None, max_listed: int | None = None,
                    _rows: _Rows | None = None) -> dict[str, Any]:
    """Occasions whose ``duration_col`` is below ``min_duration`` (blank durations are not evaluated)."""
    g = groups or Groups(df, subject_col)
    rows = _rows or _Rows(df, g, time_col, max_listed)
    d = numeric(df, duration_col, "fast_completion")
    flag = d < min_duration  # False for a blank
    return {"duration_col": duration_col, "min_duration": float(min_duration),
            "n_evaluated": int(g.stats(df, duration_col, "fast_completion")["n"].sum()),
            **rows.flagged(flag, {"duration": d})}


def out_of_range(df: pd.DataFrame, subject_col: SubjectCols, time_col: str | None,
                 ranges: Mapping[str, Sequence[float]] | str, *, groups: Groups | None = None,
                 max_listed: int | None = None, _rows: _Rows | None = None) -> dict[str, Any]:
    """Per variable with a range ``(lo, hi)``: values below ``lo`` or above ``hi`` (blanks are not
    evaluated), with counts below/above and the flagged occasions."""
    g = groups or Groups(df, subject_col)
    rows = _rows or _Rows(df, g, time_col, max_listed)
    out: dict[str, Any] = {}
    for v, (lo, hi) in parse_ranges(ranges).items():
        m = g.stats(df, v, "out_of_range")
        x = numeric(df, v, "out_of_range")
        below = x < lo if m["min"] < lo else None  # nothing outside: no row-wise pass
        above = x > hi if m["max"] > hi else None
        both = below if above is None else above if below is None else below | above
        out[v] = {"lo": lo, "hi": hi, "n_evaluated": int(m["n"].sum()),
                  "n_below": 0 if below is None else int(below.sum()),
                  "n_above": 0 if above is None else int(above.sum()),
                  **rows.flagged(both, {"value": x})}
    return {"n_flagged": sum(r["n_flagged"] for r in out.values()), "variables": out}


# --------------------------------------------------------------------------- the report


def compliance_report(df: pd.DataFrame, subject_col: SubjectCols, time_col: str, *,
                      variables: str | Sequence[str] | None = None, items: str | Sequence[str] | None = None,
                      ranges: Mapping[str, Sequence[float]] | str | None = None,
                      duration_col: str | None = None, min_duration: float | None = None,
                      study_days: int | None = None, expected_per_day: int = 1, low_compliance: float = 0.5,
                      min_run: int | None = None, min_obs: int = 2, max_listed: int | None = None,
                      groups: Groups | None = None) -> dict[str, Any]:
    """Everything in one JSON-safe dict.

    ``variables`` (default: ``items``, else every numeric column other than the ids, time and
    duration) are checked for missingness and invariance; ``items`` (two or more rating items
    answered on the same occasion) for long-string answering; ``ranges`` (dict or
    ``"name:lo:hi, ..."``) for out-of-range values; ``duration_col`` for fast completion.
    A check that is not asked for is ``None``. Rows without a subject id are counted
    (``rows_without_subject``) and left out. Tables (per subject, flagged subjects and occasions)
    are column-oriented: ``{column: [values...]}``, so ``pandas.DataFrame(table)`` rebuilds them.
    ``groups``: a :class:`~securebase.research.descriptives.Groups` of ``df`` already built.
    """
    kept, n_no_subject = _valid_subject_rows(df, subject_col)
    if kept is not df:
        df, groups = kept, None
    items = parse_columns(items)
    id_cols = set(parse_columns(subject_col)) | {time_col, duration_col}
    if variables is None or (isinstance(variables, str) and not variables.strip()):
        variables = items or [c for c in df.columns if c not in id_cols and pd.api.types.is_numeric_dtype(df[c])]
    variables = parse_columns(variables)
    g = groups or Groups(df, subject_col)
    rows = _Rows(df, g, time_col, max_listed)
    if duration_col and min_duration is None:
        min_duration = SECONDS_PER_ITEM * max(len(items), 1)
    rng = parse_ranges(ranges) if ranges else {}
    g.prefetch(df, [*variables, *rng, *([duration_col] if duration_col else [])], "compliance_report")
    checks = {
        "long_string": long_string(df, subject_col, time_col, items, min_run=min_run, groups=g, _rows=rows)
        if len(items) >= 2 else None,
        "invariant": invariant_subjects(df, subject_col, variables, min_obs=min_obs, groups=g) if variables else None,
        "fast_completion": fast_completion(df, subject_col, time_col, duration_col, min_duration=min_duration,
                                           groups=g, _rows=rows) if duration_col else None,
        "out_of_range": out_of_range(df, subject_col, time_col, rng, groups=g, _rows=rows) if rng else None,
    }
    return to_jsonable({
        "n_rows": len(df), "n_subjects": g.n, "rows_without_subject": n_no_subject,
        "subject_col": g.columns, "time_col": time_col, "variables": variables, "items": items,
        "entries": entries_per_person_day(df, subject_col, time_col, study_days=study_days,
                                          expected_per_day=expected_per_day, low_compliance=low_compliance,
                                          groups=g, max_listed=max_listed),
        "missingness": missingness(df, subject_col, variables, groups=g),
        "checks": checks,
    })


def summary_text(results: Mapping[str, Any]) -> str:
    """Plain lines: entries and compliance, missingness, and the count of each check."""
    e, m, c = results["entries"], results["missingness"], results["checks"]
    lines = [f"{results['n_rows']} entries from {results['n_subjects']} subjects on {e.get('n_person_days', 0)} "
             f"person-days ({e.get('mean_entries_per_person_day', 0):.2f} entries per person-day)."]
    if e.get("compliance"):
        cm = e["compliance"]
        lines.append(f"Compliance (days with an entry / expected days): mean {cm['mean']:.2f}, "
                     f"range {cm['min']:.2f} to {cm['max']:.2f}; {len(e['low_compliance_subjects']['subject'])} subject(s) "
                     f"below {e['low_compliance']:.2f}; {e['person_days_over_expected']['n_flagged']} person-day(s) "
                     f"with more than {e['expected_per_day']} entr{'y' if e['expected_per_day'] == 1 else 'ies'}.")
    if m["prop_missing_cells"] is not None:
        worst = max(m["per_variable"].items(), key=lambda kv: kv[1]["n_missing"])
        lines.append(f"Missing cells: {m['total_missing_cells']} ({100 * m['prop_missing_cells']:.1f}%); "
                     f"most in {worst[0]} ({worst[1]['n_missing']}).")
    if c["long_string"]:
        ls = c["long_string"]
        lines.append(f"Long-string (run of {ls['min_run']}+ identical answers over {len(ls['items'])} items): "
                     f"{ls['long_string']['n_flagged']} of {ls['n_evaluated']} occasions; straight-lining: "
                     f"{ls['straight_lining']['n_flagged']} occasions from {ls['straight_lining']['n_subjects_flagged']} subject(s).")
    if c["invariant"]:
        inv = c["invariant"]["variables"]
        lines.append("No within-person variance: " + ", ".join(f"{v} {r['n_flagged']}" for v, r in inv.items())
                     + " subject(s).")
    if c["fast_completion"]:
        fc = c["fast_completion"]
        lines.append(f"Completed in under {fc['min_duration']:g} (duration unit): {fc['n_flagged']} of "
                     f"{fc['n_evaluated']} entries.")
    if c["out_of_range"]:
        lines.append("Out of range: " + ", ".join(f"{v} {r['n_flagged']}" for v, r in c["out_of_range"]["variables"].items())
                     + " value(s).")
    return "\n".join(lines)


def run(data_path: str | PathLike[str], *, subject_col: SubjectCols, time_col: str,
        variables: str | Sequence[str] | None = None, items: str | Sequence[str] | None = None,
        ranges: Mapping[str, Sequence[float]] | str | None = None, items_range: str | None = None,
        duration_col: str | None = None, min_duration: float | None = None, study_days: int | None = None,
        expected_per_day: int = 1, max_listed: int | None = None,
        results_path: str | PathLike[str] | None = "") -> dict[str, Any]:
    """Notebook entry point: read ``data_path`` (CSV or Parquet), :func:`compliance_report`, write the
    JSON to ``results_path`` (unless empty) and return the dict. Empty strings and zeros mean
    "not given" for the optional settings (``study_days``, ``min_duration``, ``max_listed``)."""
    df = read_long(data_path)
    rng = parse_ranges(ranges or None, parse_columns(items), items_range or None)
    results = compliance_report(
        df, subject_col, time_col, variables=variables or None, items=items or None, ranges=rng or None,
        duration_col=duration_col or None, min_duration=min_duration or None, study_days=study_days or None,
        expected_per_day=expected_per_day, max_listed=max_listed or None)
    write_results(results, results_path)
    return results
