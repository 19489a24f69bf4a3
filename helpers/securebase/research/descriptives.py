"""Descriptive statistics of a diary study, with the within-/between-person split and ICC(1).

Input is a person-period frame (one row per person per occasion, one column per variable).
Every public function returns a JSON-safe dict (plain ``int``/``float``/``str``/``None``, NaN as
``None``) except :func:`person_mean_centre`, which returns a frame for further modelling.

* :func:`describe` - per variable ``n``, ``n_missing``, ``mean``, ``sd`` (ddof 1), ``min``, ``max``.
* :func:`within_between` - per variable the grand mean, the SD of the person means (``between_sd``,
  ddof 1 over persons) and the pooled within-person SD (``within_sd`` = sqrt of the within-person
  mean square, SS of person-mean-centred deviations / (N - k)).
* :func:`icc_anova` - ICC(1) by one-way random-effects ANOVA (method of moments), with the
  unbalanced-design group size ``n0 = (N - sum n_i^2 / N) / (k - 1)``:
  ``var_between = (MSB - MSW) / n0``, ``var_within = MSW``,
  ``icc = var_between / (var_between + var_within)``. It is not truncated at zero (a negative value
  says the person means vary less than chance would make them).
* :func:`icc_mixedlm` - ICC(1) from a random-intercept model ``y ~ 1 + (1 | subject)`` fitted by
  REML with statsmodels ``MixedLM``: ``var_between / (var_between + var_within)``.
  For balanced data and a positive estimate the two coincide (REML = ANOVA estimator); with
  a few missing cells they stay close. MixedLM needs seconds on 10^5-10^6 rows, so at scale use
  ``icc_method="anova"`` (the research benchmark does).
* :func:`describe_study` - all of the above for several variables; :func:`run` - the notebook's
  entry point (read a CSV or Parquet file, compute, write JSON).

The module also holds the small pieces the other research modules share: :func:`read_long`
(CSV/Parquet reader), :func:`to_jsonable`, :func:`write_results`, :func:`parse_columns` and
:class:`Groups` (per-subject reductions in one compiled pass, :mod:`securebase.research.kernels`).
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "Groups",
    "column",
    "describe",
    "describe_study",
    "icc_anova",
    "icc_mixedlm",
    "parse_columns",
    "person_mean_centre",
    "read_long",
    "run",
    "summary_text",
    "table",
    "to_jsonable",
    "within_between",
    "write_results",
]

SubjectCols = str | Sequence[str]


# --------------------------------------------------------------------------- shared helpers


def parse_columns(spec: str | Sequence[str] | None) -> list[str]:
    """``"a, b"`` or ``["a", "b"]`` -> ``["a", "b"]``; ``""``/``None`` -> ``[]``."""
    if spec is None:
        return []
    if isinstance(spec, str):
        return [s.strip() for s in spec.split(",") if s.strip()]
    return [str(s) for s in spec]


def _subject_list(subject_col: SubjectCols) -> list[str]:
    cols = parse_columns(subject_col)
    if not cols:
        raise ValueError("subject_col is empty: give the subject id column (or several, comma-separated).")
    return cols


def read_long(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a person-period table: Parquet for ``.parquet``/``.pq``, CSV otherwise.

    CSV cells that are blank or only whitespace become NaN, and a column whose non-blank cells
    all parse as numbers becomes numeric (so a blank written as a space does not turn a numeric
    column into text). A duplicated column name is kept as pandas' mangled copy (``name.1``).
    """
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        # ParquetFile.read keeps one Arrow chunk per row group, so columns without nulls in a
        # one-row-group file become pandas columns without a copy (read-only arrays).
        return pq.ParquetFile(path).read().to_pandas(split_blocks=True)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out = {}
    for col in raw.columns:
        s = raw[col].str.strip()
        s = s.mask(s == "")
        num = pd.to_numeric(s, errors="coerce")
        out[col] = num if num.notna().sum() == s.notna().sum() else s
    return pd.DataFrame(out)


_PLAIN = (int, str, bool, type(None))


class Column(list):
    """A list already made JSON-safe by :func:`column` (so :func:`to_jsonable` passes it through)."""

    __slots__ = ()


def to_jsonable(obj: Any) -> Any:
    """Recursively turn numpy/pandas scalars and containers into JSON-safe Python values
    (NaN and infinities become ``None``; dates become ISO strings)."""
    if obj is None or isinstance(obj, (bool, str)) or type(obj) is Column:
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        kinds = set(map(type, obj))
        if kinds <= {int, str, bool, type(None)}:  # fast path for long plain columns
            return list(obj)
        if kinds <= {float, int, type(None)}:
            return [v if type(v) is not float or math.isfinite(v) else None for v in obj]
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (pd.Timestamp, datetime, date)):
        return obj.isoformat()
    if isinstance(obj, np.datetime64):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return column(obj)
    if isinstance(obj, (tuple, set, pd.Index, pd.Series)):
        return [to_jsonable(v) for v in obj]
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def column(values: Any) -> Column:
    """A JSON-safe list from a numpy array or list (NaN -> None, numpy scalars -> Python)."""
    if isinstance(values, Column):
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        out = values.tolist()
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            out = [v if math.isfinite(v) else None for v in out]
        return Column(out)
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return Column(None if pd.isna(v) else str(v) for v in values)
    return Column(to_jsonable(list(values)))


def table(**columns: Any) -> dict[str, list[Any]]:
    """A column-oriented table ``{name: [values...]}`` (all columns the same length);
    ``pandas.DataFrame(table)`` turns it back into a frame."""
    return {k: column(v) for k, v in columns.items()}


def write_results(results: Mapping[str, Any], path: str | PathLike[str] | None) -> None:
    """Write ``results`` as indented JSON to ``path`` (nothing when ``path`` is empty)."""
    if not path:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(to_jsonable(results), indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _numeric(df: pd.DataFrame, col: str, where: str) -> np.ndarray:
    if col not in df.columns:
        raise ValueError(f"{where}: column {col!r} not found (columns are {list(map(str, df.columns))}).")
    s = df[col]
    if isinstance(s, pd.DataFrame):
        raise ValueError(f"{where}: column name {col!r} occurs more than once; rename the copies first.")
    if s.dtype == np.float64:
        return s.to_numpy()
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        num = pd.to_numeric(s, errors="coerce")
        bad = int(num.isna().sum() - s.isna().sum())
        if bad:
            raise ValueError(f"{where}: column {col!r} has {bad} value(s) that are not numbers.")
        s = num
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


class Groups:
    """Rows grouped by subject, for per-subject reductions.

    ``subject_col`` is one column or several (e.g. ``["dyadid", "person"]``: a subject is a
    person within a couple). When the rows of each subject are contiguous and in sorted order
    (the usual export order) the groups are read off directly; otherwise the ids are factorised
    and the rows reordered once. Rows without a subject id raise ValueError.

    Attributes: ``n`` (number of subjects), ``sizes`` (rows per subject), ``starts`` (first row
    of each subject in group order), ``labels`` (JSON-safe ids; several columns are joined
    with ``_``, e.g. ``"12_1"``), ``order`` (row permutation into group order, or ``None`` when already in order).
    """

    def __init__(self, df: pd.DataFrame, subject_col: SubjectCols):
        cols = _subject_list(subject_col)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"subject column(s) {missing} not found (columns are {list(map(str, df.columns))}).")
        self.columns = cols
        keys = [df[c].to_numpy() for c in cols]
        blank = np.zeros(len(df), dtype=bool)
        for c in cols:
            blank |= df[c].isna().to_numpy()
        if blank.any():
            raise ValueError(f"{int(blank.sum())} row(s) have no subject id in {cols}; drop or fill them first.")
        n_rows = len(df)
        self.n_rows = n_rows
        order = None
        if n_rows and self._sorted(keys):
            change = np.zeros(n_rows - 1, dtype=bool)
            for k in keys:
                change |= k[1:] != k[:-1]
            starts = np.flatnonzero(np.r_[True, change])
        elif n_rows:
            if len(cols) == 1:
                codes, _ = pd.factorize(df[cols[0]], sort=True)
            else:
                codes = df.groupby(cols, sort=True).ngroup().to_numpy()
            order = np.argsort(codes, kind="stable")
            sc = codes[order]
            starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        else:
            starts = np.zeros(0, dtype=np.intp)
        self.order = order
        self.starts = starts
        self.sizes = np.diff(np.r_[starts, n_rows]).astype(np.int64)
        self.n = len(starts)
        first_rows = starts if order is None else order[starts]
        if len(cols) == 1:
            self.labels = to_jsonable(keys[0][first_rows])
        else:
            self.labels = ["_".join(str(to_jsonable(k[i])) for k in keys) for i in first_rows]
        self._frame = df
        self._stats: dict[str, dict[str, np.ndarray]] = {}
        self._codes: np.ndarray | None = None

    @staticmethod
    def _sorted(keys: list[np.ndarray]) -> bool:
        """Lexicographically non-decreasing over the key columns (cheap: one vectorised pass)."""
        try:
            if len(keys) == 1:
                k = keys[0]
                return bool(np.all(k[1:] >= k[:-1]))
            gt = np.zeros(len(keys[0]) - 1, dtype=bool)
            eq = np.ones(len(keys[0]) - 1, dtype=bool)
            for k in keys:
                a, b = k[1:], k[:-1]
                gt |= eq & (a > b)
                eq &= a == b
            return bool(np.all(gt | eq))
        except TypeError:  # mixed or unorderable ids: fall back to factorising
            return False

    def take(self, x: np.ndarray) -> np.ndarray:
        """``x`` in group order (rows of each subject contiguous)."""
        return x if self.order is None else x[self.order]

    def untake(self, y: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`take`: values in group order back to the frame's row order."""
        if self.order is None:
            return y
        out = np.empty_like(y)
        out[self.order] = y
        return out

    def sum(self, x_grouped: np.ndarray) -> np.ndarray:
        """Per-subject sums of an array already in group order (NaN propagates)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.result_type(x_grouped, np.float64))
        return np.add.reduceat(x_grouped, self.starts)

    def count(self, mask_grouped: np.ndarray) -> np.ndarray:
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask_grouped, self.starts, dtype=np.int64)

    def nanmin(self, x_grouped: np.ndarray) -> np.ndarray:
        return np.fmin.reduceat(x_grouped, self.starts) if self.n else np.zeros(0)

    def nanmax(self, x_grouped: np.ndarray) -> np.ndarray:
        return np.fmax.reduceat(x_grouped, self.starts) if self.n else np.zeros(0)

    def broadcast(self, per_group: np.ndarray) -> np.ndarray:
        """One value per subject -> one per row, in group order."""
        return np.repeat(per_group, self.sizes)

    @property
    def codes(self) -> np.ndarray:
        """The subject code (0 .. n-1) of each row, in group order."""
        if self._codes is None:
            self._codes = np.repeat(np.arange(self.n, dtype=np.intp), self.sizes)
        return self._codes

    def moments(self, x: np.ndarray) -> dict[str, Any]:
        """Per subject, for values ``x`` in frame row order (NaN = missing): ``n``, ``mean``,
        ``ss`` (sum of squared deviations from the subject's own mean), ``first`` and
        ``constant``; plus ``min`` and ``max`` over all rows. One compiled pass; see
        :func:`securebase.research.kernels.group_moments` for the numerics."""
        from securebase.research import kernels  # numba loads only when moments are needed, not for read_long or write_results

        return kernels.group_moments(self.take(x), self.starts, self.sizes)

    def stats(self, df: pd.DataFrame, col: str, where: str = "") -> dict[str, Any]:
        """:meth:`moments` of column ``col`` of ``df``, remembered when ``df`` is the frame these
        groups were built from (so a compliance report and the descriptives of the same frame
        share one pass per variable). Build new groups after changing the frame in place."""
        if df is self._frame and col in self._stats:
            return self._stats[col]
        m = self.moments(_numeric(df, col, where or "stats"))
        if df is self._frame:
            self._stats[col] = m
        return m

    def prefetch(self, df: pd.DataFrame, cols: Sequence[str], where: str = "") -> None:
        """:meth:`stats` of several numeric columns at once, one thread per core."""
        todo = [c for c in dict.fromkeys(cols) if c in df.columns and pd.api.types.is_numeric_dtype(df[c])
                and not isinstance(df[c], pd.DataFrame)]
        from securebase.research import kernels

        kernels.map_threads(lambda c: self.stats(df, c, where), todo)


def _f(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- descriptives


def describe(df: pd.DataFrame, variables: str | Sequence[str]) -> dict[str, Any]:
    """Per variable: ``n`` (non-missing), ``n_missing``, ``mean``, ``sd`` (ddof 1), ``min``, ``max``."""
    out: dict[str, Any] = {}
    for v in parse_columns(variables):
        x = _numeric(df, v, "describe")
        ok = ~np.isnan(x)
        n = int(ok.sum())
        if n:
            xs = x[ok]
            mean = float(xs.mean())
            sd = float(np.sqrt(((xs - mean) ** 2).sum() / (n - 1))) if n > 1 else None
            out[v] = {"n": n, "n_missing": int(len(x) - n), "mean": mean, "sd": sd,
                      "min": float(xs.min()), "max": float(xs.max())}
        else:
            out[v] = {"n": 0, "n_missing": int(len(x)), "mean": None, "sd": None, "min": None, "max": None}
    return out


def _anova_from_moments(m: dict[str, np.ndarray]) -> dict[str, Any]:
    n_i, mean_i, ss_i = m["n"], m["mean"], m["ss"]
    has = n_i > 0
    n_i, mean_i, ss_i = n_i[has], mean_i[has], ss_i[has]
    k = int(len(n_i))
    N = int(n_i.sum())
    res: dict[str, Any] = {"method": "anova", "n_obs": N, "n_subjects": k}
    if k < 2 or N - k < 1:
        return res | {"icc": None, "var_between": None, "var_within": None, "msb": None, "msw": None,
                      "n0": None, "note": "needs at least two subjects and one subject with two observations"}
    grand = float((n_i * mean_i).sum() / N)
    ssb = float((n_i * (mean_i - grand) ** 2).sum())
    ssw = float(ss_i.sum())
    msb = ssb / (k - 1)
    msw = ssw / (N - k)
    n0 = float((N - (n_i.astype(np.float64) ** 2).sum() / N) / (k - 1))
    var_b = (msb - msw) / n0
    denom = var_b + msw
    icc = var_b / denom if denom > 0 else None
    return res | {"icc": icc, "var_between": var_b, "var_within": msw, "msb": msb, "msw": msw, "n0": n0,
                  "df_between": k - 1, "df_within": N - k}


def icc_anova(df: pd.DataFrame, subject_col: SubjectCols, variable: str, *,
              groups: Groups | None = None) -> dict[str, Any]:
    """ICC(1) by one-way random-effects ANOVA (see the module docstring for the formulas)."""
    g = groups or Groups(df, subject_col)
    return _anova_from_moments(g.stats(df, variable, "icc_anova"))


def icc_mixedlm(df: pd.DataFrame, subject_col: SubjectCols, variable: str, *,
                groups: Groups | None = None) -> dict[str, Any]:
    """ICC(1) from a REML random-intercept model (statsmodels MixedLM).

    Returns ``icc``, ``var_between`` (random-intercept variance), ``var_within`` (residual
    variance), ``intercept``, ``converged`` and any warnings statsmodels raised (as text).
    """
    import statsmodels.api as sm

    g = groups or Groups(df, subject_col)
    x = g.take(_numeric(df, variable, "icc_mixedlm"))
    codes = np.repeat(np.arange(g.n), g.sizes)
    ok = ~np.isnan(x)
    y, grp = x[ok], codes[ok]
    k = int(len(np.unique(grp)))
    res: dict[str, Any] = {"method": "mixedlm_reml", "n_obs": int(ok.sum()), "n_subjects": k}
    if k < 2 or len(y) - k < 1:
        return res | {"icc": None, "var_between": None, "var_within": None, "converged": False,
                      "note": "needs at least two subjects and one subject with two observations"}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = sm.MixedLM(y, np.ones((len(y), 1)), groups=grp)
        fit, used = None, None
        # BFGS first (statsmodels' default); L-BFGS can stop at the zero-variance boundary and
        # still report convergence (seen on the Kashy diary), so it comes last.
        for method in ("bfgs", "powell", "nm", "lbfgs"):
            try:
                fit, used = model.fit(reml=True, method=method), method
            except (np.linalg.LinAlgError, ValueError):
                continue
            if fit.converged:
                break
    if fit is None:
        return res | {"icc": None, "var_between": None, "var_within": None, "converged": False,
                      "note": "the model could not be fitted"}
    var_b = float(np.asarray(fit.cov_re)[0, 0])
    var_w = float(fit.scale)
    return res | {
        "icc": var_b / (var_b + var_w) if var_b + var_w > 0 else None,
        "var_between": var_b, "var_within": var_w, "intercept": float(np.asarray(fit.fe_params)[0]),
        "converged": bool(fit.converged), "optimizer": used,
        "warnings": sorted({str(w.message).splitlines()[0] for w in caught}),
    }


def within_between(df: pd.DataFrame, subject_col: SubjectCols, variables: str | Sequence[str], *,
                   groups: Groups | None = None, person_means: bool = False) -> dict[str, Any]:
    """Within-/between-person decomposition per variable.

    ``grand_mean`` (of all observations), ``mean_of_person_means``, ``between_sd`` (SD of the
    person means, ddof 1, subjects with at least one value), ``within_sd`` (pooled within-person
    SD: sqrt(SS of person-mean-centred deviations / (N - k))), ``within_sd_raw`` (plain SD of the
    centred deviations, ddof 1), ``n_subjects``, ``n_obs``, and with ``person_means=True`` a
    table (``{"subject": [...], "n": [...], "mean": [...]}``) of every subject's mean (``None``
    when the subject has no value).
    """
    g = groups or Groups(df, subject_col)
    out: dict[str, Any] = {}
    for v in parse_columns(variables):
        m = g.stats(df, v, "within_between")
        out[v] = _wb_from_moments(m, g, person_means)
    return out


def _wb_from_moments(m: dict[str, np.ndarray], g: Groups, person_means: bool) -> dict[str, Any]:
    n_i, mean_i, ss_i = m["n"], m["mean"], m["ss"]
    has = n_i > 0
    k, N = int(has.sum()), int(n_i.sum())
    pm = mean_i[has]
    res: dict[str, Any] = {
        "n_obs": N, "n_subjects": k,
        "grand_mean": _f((n_i[has] * pm).sum() / N) if N else None,
        "mean_of_person_means": _f(pm.mean()) if k else None,
        "between_sd": _f(pm.std(ddof=1)) if k > 1 else None,
        "within_sd": _f(math.sqrt(ss_i.sum() / (N - k))) if N - k > 0 else None,
        "within_sd_raw": _f(math.sqrt(ss_i.sum() / (N - 1))) if N > 1 else None,
    }
    if person_means:
        res["person_means"] = table(subject=g.labels, n=n_i, mean=mean_i)
    return res


def person_mean_centre(df: pd.DataFrame, subject_col: SubjectCols, variables: str | Sequence[str]) -> pd.DataFrame:
    """A frame (same index as ``df``) with ``<v>_pm`` (the subject's mean of ``v``) and ``<v>_within``
    (``v`` minus that mean; NaN where ``v`` is missing) for each variable."""
    g = Groups(df, subject_col)
    cols: dict[str, np.ndarray] = {}
    for v in parse_columns(variables):
        x = _numeric(df, v, "person_mean_centre")
        m = g.moments(x)
        pm = g.untake(g.broadcast(m["mean"]))
        cols[f"{v}_pm"] = pm
        cols[f"{v}_within"] = x - pm
    return pd.DataFrame(cols, index=df.index)


def _desc_from_moments(m: dict[str, np.ndarray], n_rows: int) -> dict[str, Any]:
    """``describe`` figures from per-subject moments (exact pooling of the subjects' SS)."""
    n_i, mean_i, ss_i = m["n"], m["mean"], m["ss"]
    has = n_i > 0
    N = int(n_i.sum())
    if N == 0:
        return {"n": 0, "n_missing": n_rows, "mean": None, "sd": None, "min": None, "max": None}
    grand = float((n_i[has] * mean_i[has]).sum() / N)
    ss_total = float(ss_i.sum() + (n_i[has] * (mean_i[has] - grand) ** 2).sum())
    return {"n": N, "n_missing": n_rows - N, "mean": grand,
            "sd": math.sqrt(ss_total / (N - 1)) if N > 1 else None,
            "min": float(m["min"]), "max": float(m["max"])}


def describe_study(df: pd.DataFrame, subject_col: SubjectCols, variables: str | Sequence[str], *,
                   time_col: str | None = None, icc_method: str = "both",
                   person_means: bool = False, groups: Groups | None = None) -> dict[str, Any]:
    """Descriptives, within/between decomposition and ICC(1) for each variable.

    ``icc_method``: ``"anova"`` (fast, method of moments), ``"mixedlm"`` (REML random intercept)
    or ``"both"`` (then ``icc_difference`` = mixedlm minus anova is reported as a check).
    Result: ``{"n_rows", "n_subjects", "subject_col", "time_col", "icc_method", "variables":
    {v: {"descriptives", "within_between", "icc_anova"?, "icc_mixedlm"?, "icc", "icc_source",
    "icc_difference"?}}}``; ``icc`` is the MixedLM value when computed and converged, else the
    ANOVA value. Every figure comes from one set of per-subject moments per variable (one pass
    of grouped reductions), so this is fast on a million rows with ``icc_method="anova"``.
    ``groups``: a :class:`Groups` of ``df`` already built (saves re-grouping).
    """
    if icc_method not in ("anova", "mixedlm", "both"):
        raise ValueError(f"icc_method must be 'anova', 'mixedlm' or 'both', not {icc_method!r}.")
    variables = parse_columns(variables)
    g = groups or Groups(df, subject_col)
    g.prefetch(df, variables, "describe_study")
    out_vars: dict[str, Any] = {}
    for v in variables:
        m = g.stats(df, v, "describe_study")
        entry: dict[str, Any] = {"descriptives": _desc_from_moments(m, len(df)),
                                 "within_between": _wb_from_moments(m, g, person_means)}
        a = mx = None
        if icc_method in ("anova", "both"):
            a = entry["icc_anova"] = _anova_from_moments(m)
        if icc_method in ("mixedlm", "both"):
            mx = entry["icc_mixedlm"] = icc_mixedlm(df, subject_col, v, groups=g)
        use_mx = mx is not None and mx.get("icc") is not None and mx.get("converged")
        entry["icc"] = mx["icc"] if use_mx else (a or {}).get("icc")
        entry["icc_source"] = "mixedlm" if use_mx else "anova"
        if a is not None and mx is not None and a.get("icc") is not None and mx.get("icc") is not None:
            entry["icc_difference"] = mx["icc"] - a["icc"]
        out_vars[v] = entry
    return to_jsonable({
        "n_rows": len(df), "n_subjects": g.n, "subject_col": g.columns, "time_col": time_col,
        "icc_method": icc_method, "variables": out_vars,
    })


def summary_text(results: Mapping[str, Any]) -> str:
    """A few plain lines: per variable the mean (SD), the between/within SDs and the ICC."""
    lines = [f"{results['n_rows']} rows, {results['n_subjects']} subjects; ICC method: {results['icc_method']}."]
    for v, e in results["variables"].items():
        d, wb = e["descriptives"], e["within_between"]
        fmt = lambda x: "n/a" if x is None else f"{x:.3f}"  # noqa: E731
        lines.append(f"{v}: n {d['n']}, mean {fmt(d['mean'])} (SD {fmt(d['sd'])}), range {fmt(d['min'])} to "
                     f"{fmt(d['max'])}; between-person SD {fmt(wb['between_sd'])}, within-person SD "
                     f"{fmt(wb['within_sd'])}; ICC(1) {fmt(e['icc'])} ({e['icc_source']})"
                     + (f", ANOVA check {fmt(e['icc_anova']['icc'])}" if "icc_anova" in e and e["icc_source"] != "anova" else ""))
    return "\n".join(lines)


def run(data_path: str | PathLike[str], *, subject_col: SubjectCols, variables: str | Sequence[str],
        time_col: str | None = None, icc_method: str = "both", person_means: bool = False,
        results_path: str | PathLike[str] | None = "") -> dict[str, Any]:
    """Notebook entry point: read ``data_path`` (CSV or Parquet), :func:`describe_study`, write
    the JSON to ``results_path`` (unless empty) and return the dict."""
    df = read_long(data_path)
    results = describe_study(df, subject_col, variables, time_col=time_col or None, icc_method=icc_method,
                             person_means=person_means)
    write_results(results, results_path)
    return results
