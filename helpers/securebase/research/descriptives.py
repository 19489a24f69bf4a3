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

The small pieces every research module shares (:func:`read_long`, :func:`to_jsonable`,
:func:`write_results`, :func:`parse_columns`, :class:`Groups`) are in :mod:`securebase.research.frames`
and are re-exported here.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from securebase.research.frames import (
    Groups,
    SubjectCols,
    column,
    numeric,
    parse_columns,
    read_long,
    table,
    to_jsonable,
    write_results,
)

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



def _f(x: Any) -> float | None:
    x = float(x)
    return x if math.isfinite(x) else None


# --------------------------------------------------------------------------- descriptives


def describe(df: pd.DataFrame, variables: str | Sequence[str]) -> dict[str, Any]:
    """Per variable: ``n`` (non-missing), ``n_missing``, ``mean``, ``sd`` (ddof 1), ``min``, ``max``."""
    out: dict[str, Any] = {}
    for v in parse_columns(variables):
        x = numeric(df, v, "describe")
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
    x = g.take(numeric(df, variable, "icc_mixedlm"))
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
        x = numeric(df, v, "person_mean_centre")
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
