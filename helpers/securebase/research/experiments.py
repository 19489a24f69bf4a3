"""Behavioural-experiment prediction errors and their trend over time.

In a behavioural experiment the client predicts how intense a feared outcome will be, then
rates how intense it actually was. The prediction error is ``predicted - actual`` (positive:
it was less bad than predicted). The question over a programme is whether the errors shrink
(predictions become more accurate) - a negative slope of the error over time when errors start
positive.

Input is a person-period frame with configurable columns: subject, time (a number such as the
programme day, or a date: then days since the earliest date), predicted and actual intensity.
Rows without both intensities or without a time are not experiments and are skipped.

* :func:`prediction_errors` - one row per experiment with its error (a frame).
* :func:`error_trend` - the summary of the errors; per subject an OLS line ``error = a + b time``
  (slope ``b``, its SE for three or more experiments, vectorised over subjects); the mean of the
  per-subject slopes with a t test; and a pooled linear mixed model (statsmodels MixedLM, REML)
  ``error ~ time`` with a random intercept and a random slope per subject, falling back to a
  random intercept only when the random-slope model cannot be fitted (``random_slope`` says
  which). Time is centred at its grand mean for the fit (``time_centre``): the slope does not
  change; ``intercept`` is the error at the centre and ``intercept_at_zero`` at time 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from securebase.research.frames import Groups, SubjectCols, numeric, parse_columns, read_long, to_jsonable, write_results

__all__ = ["error_trend", "prediction_errors", "run", "summary_text"]


def _time_values(s: pd.Series) -> tuple[np.ndarray, str]:
    if pd.api.types.is_datetime64_any_dtype(s):
        v = s.to_numpy(dtype="datetime64[ns]")
        days = (v - np.nanmin(v)) / np.timedelta64(1, "D")
        return days.astype(np.float64), "days since the earliest date"
    if pd.api.types.is_numeric_dtype(s):
        return s.to_numpy(dtype=np.float64, na_value=np.nan), "as given"
    num = pd.to_numeric(s, errors="coerce")
    if int(num.isna().sum() - s.isna().sum()) == 0:
        return num.to_numpy(dtype=np.float64, na_value=np.nan), "as given"
    parsed = pd.to_datetime(s, errors="coerce", format="mixed")
    if int(parsed.isna().sum() - s.isna().sum()):
        raise ValueError(f"time column {s.name!r} holds values that are neither numbers nor dates.")
    return _time_values(parsed)


def prediction_errors(df: pd.DataFrame, subject_col: SubjectCols, time_col: str, predicted_col: str,
                      actual_col: str) -> pd.DataFrame:
    """One row per experiment (rows with a time and both intensities): the subject id column(s),
    ``time`` (numeric, see the module docstring), ``predicted``, ``actual`` and ``error``
    (predicted minus actual), in the frame's row order."""
    return _errors(df, subject_col, time_col, predicted_col, actual_col)[0]


def _errors(df: pd.DataFrame, subject_col: SubjectCols, time_col: str, predicted_col: str,
            actual_col: str) -> tuple[pd.DataFrame, str]:
    subj = parse_columns(subject_col)
    if time_col not in df.columns:
        raise ValueError(f"time column {time_col!r} not found (columns are {list(map(str, df.columns))}).")
    t, kind = _time_values(df[time_col])
    p = numeric(df, predicted_col, "prediction_errors")
    a = numeric(df, actual_col, "prediction_errors")
    keep = ~(np.isnan(t) | np.isnan(p) | np.isnan(a)) & df[subj].notna().all(axis=1).to_numpy()
    out = df.loc[keep, subj].copy()
    out["time"], out["predicted"], out["actual"] = t[keep], p[keep], a[keep]
    out["error"] = out["predicted"] - out["actual"]
    return out, kind


def _per_subject_ols(g: Groups, t: np.ndarray, e: np.ndarray, min_points: int) -> dict[str, np.ndarray]:
    mt, me = g.moments(t), g.moments(e)
    n = mt["n"]
    tc = g.take(t) - g.broadcast(mt["mean"])
    ec = g.take(e) - g.broadcast(me["mean"])
    stt, see, ste = mt["ss"], me["ss"], g.sum(tc * ec)
    with np.errstate(invalid="ignore", divide="ignore"):
        slope = np.where((n >= 2) & (stt > 0), ste / stt, np.nan)
        rss = np.maximum(see - slope * ste, 0.0)
        se = np.where(n >= 3, np.sqrt(rss / (n - 2) / stt), np.nan)
    slope = np.where(n >= min_points, slope, np.nan)
    se = np.where(n >= min_points, se, np.nan)
    intercept = me["mean"] - slope * mt["mean"]
    return {"n": n, "mean_error": me["mean"], "slope": slope, "se_slope": se, "intercept": intercept,
            "first_time": g.nanmin(g.take(t)), "last_time": g.nanmax(g.take(t))}


def _mixed(err: pd.DataFrame, time_centre: float) -> dict[str, Any]:
    import statsmodels.formula.api as smf

    data = pd.DataFrame({"error": err["error"].to_numpy(), "tc": err["time"].to_numpy() - time_centre,
                         "g": err["_code"].to_numpy()})
    k = data["g"].nunique()
    if k < 2 or len(data) < 4:
        return {"fitted": False, "note": "needs at least two subjects and four experiments"}
    attempts = [("~tc", m) for m in ("bfgs", "powell", "nm", "lbfgs")] + [("1", m) for m in ("bfgs", "powell")]
    fit = used = None
    caught_all: list[str] = []
    for re_formula, method in attempts:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                f = smf.mixedlm("error ~ tc", data, groups=data["g"], re_formula=re_formula).fit(reml=True, method=method)
            except (np.linalg.LinAlgError, ValueError):
                continue
        if f.converged and np.all(np.isfinite(np.asarray(f.bse_fe))):
            fit, used = f, (re_formula, method)
            caught_all = sorted({str(w.message).splitlines()[0] for w in caught})
            break
    if fit is None:
        return {"fitted": False, "note": "the mixed model could not be fitted"}
    slope, se = float(fit.fe_params["tc"]), float(fit.bse_fe["tc"])
    z = slope / se if se > 0 else float("nan")
    cov = np.asarray(fit.cov_re)
    out = {
        "fitted": True, "random_slope": used[0] == "~tc", "optimizer": used[1], "converged": bool(fit.converged),
        "n_obs": int(fit.nobs), "n_subjects": int(k), "slope": slope, "se_slope": se, "z": z,
        "p": float(2 * stats.norm.sf(abs(z))), "ci_slope": [slope - 1.959963984540054 * se, slope + 1.959963984540054 * se],
        "intercept": float(fit.fe_params["Intercept"]), "se_intercept": float(fit.bse_fe["Intercept"]),
        "intercept_at_zero": float(fit.fe_params["Intercept"] - slope * time_centre),
        "var_intercept": float(cov[0, 0]), "var_residual": float(fit.scale),
        "warnings": caught_all,
    }
    if out["random_slope"]:
        out["var_slope"] = float(cov[1, 1])
        out["cov_intercept_slope"] = float(cov[0, 1])
    return out


def error_trend(df: pd.DataFrame, subject_col: SubjectCols, time_col: str, predicted_col: str, actual_col: str, *,
                min_points: int = 3, mixed: bool = True) -> dict[str, Any]:
    """Prediction errors and their trend (see the module docstring). ``min_points``: the fewest
    experiments for a subject's own slope to be reported."""
    err, time_kind = _errors(df, subject_col, time_col, predicted_col, actual_col)
    res: dict[str, Any] = {
        "columns": {"subject": parse_columns(subject_col), "time": time_col, "predicted": predicted_col,
                    "actual": actual_col},
        "time_scale": time_kind, "error_definition": "predicted - actual",
        "n_rows": len(df), "n_experiments": len(err),
    }
    if len(err) == 0:
        return to_jsonable(res | {"n_subjects": 0, "note": "no rows with a time and both intensities"})
    e = err["error"].to_numpy()
    g = Groups(err, subject_col)
    err["_code"] = g.untake(np.repeat(np.arange(g.n), g.sizes))
    ols = _per_subject_ols(g, err["time"].to_numpy(), e, min_points)
    res["n_subjects"] = g.n
    res["errors"] = {
        "mean": float(e.mean()), "sd": float(e.std(ddof=1)) if len(e) > 1 else None,
        "mean_absolute": float(np.abs(e).mean()), "prop_overestimate": float((e > 0).mean()),
        "prop_underestimate": float((e < 0).mean()), "prop_exact": float((e == 0).mean()),
    }
    res["per_subject"] = [
        {"subject": g.labels[i], "n": int(ols["n"][i]), "mean_error": float(ols["mean_error"][i]),
         "first_time": float(ols["first_time"][i]), "last_time": float(ols["last_time"][i]),
         "slope": ols["slope"][i], "se_slope": ols["se_slope"][i], "intercept": ols["intercept"][i]}
        for i in range(g.n)
    ]
    slopes = ols["slope"][np.isfinite(ols["slope"])]
    ps: dict[str, Any] = {"min_points": min_points, "n_subjects_with_slope": int(len(slopes))}
    if len(slopes):
        ps |= {"mean": float(slopes.mean()), "median": float(np.median(slopes)),
               "n_negative": int((slopes < 0).sum()), "n_positive": int((slopes > 0).sum())}
    if len(slopes) >= 2:
        sd = float(slopes.std(ddof=1))
        se = sd / math.sqrt(len(slopes))
        t = float(slopes.mean() / se) if se > 0 else None
        ps |= {"sd": sd, "se": se, "t": t, "df": len(slopes) - 1,
               "p": float(2 * stats.t.sf(abs(t), len(slopes) - 1)) if t is not None else None}
    res["per_subject_slopes"] = ps
    if mixed:
        centre = float(err["time"].mean())
        res["mixed_model"] = {"time_centre": centre, **_mixed(err, centre)}
    return to_jsonable(res)


def summary_text(results: Mapping[str, Any]) -> str:
    """Plain lines: the errors, the per-subject slopes and the pooled slope."""
    r = results
    if not r.get("n_experiments"):
        return "No experiments with both a predicted and an actual intensity."
    e = r["errors"]
    lines = [f"{r['n_experiments']} experiments from {r['n_subjects']} subjects. Prediction error (predicted - actual): "
             f"mean {e['mean']:.2f} (SD {e['sd']:.2f}), mean absolute {e['mean_absolute']:.2f}; "
             f"{100 * e['prop_overestimate']:.0f}% overestimated."]
    ps = r["per_subject_slopes"]
    if ps["n_subjects_with_slope"]:
        lines.append(f"Per-subject OLS slopes ({ps['n_subjects_with_slope']} subjects with {ps['min_points']}+ "
                     f"experiments): mean {ps['mean']:.3f} per time unit, {ps['n_negative']} negative, "
                     f"{ps['n_positive']} positive.")
    mm = r.get("mixed_model")
    if mm and mm.get("fitted"):
        lines.append(f"Mixed model ({'random intercept and slope' if mm['random_slope'] else 'random intercept only'}): "
                     f"slope {mm['slope']:.3f} (SE {mm['se_slope']:.3f}; 95% CI {mm['ci_slope'][0]:.3f} to "
                     f"{mm['ci_slope'][1]:.3f}), error {mm['intercept']:.2f} at time {mm['time_centre']:.2f}.")
    elif mm:
        lines.append(f"Mixed model not fitted: {mm.get('note')}.")
    return "\n".join(lines)


def run(data_path: str | PathLike[str], *, subject_col: SubjectCols, time_col: str, predicted_col: str,
        actual_col: str, min_points: int = 3, results_path: str | PathLike[str] | None = "") -> dict[str, Any]:
    """Notebook entry point: read ``data_path`` (CSV or Parquet), :func:`error_trend`, write the JSON
    to ``results_path`` (unless empty) and return the dict."""
    df = read_long(data_path)
    results = error_trend(df, subject_col, time_col, predicted_col, actual_col, min_points=min_points)
    write_results(results, results_path)
    return results
