"""Pre/post change for paired measurements, with standardised effect sizes and reliable change.

The frame is person-period (one row per person per occasion). The pre and post score of each
subject are taken in one of two ways:

* **two columns** (``pre_col``, ``post_col``): the subject's first non-blank ``pre_col`` value and
  last non-blank ``post_col`` value in time order (so the scores may sit on the first and last
  row only, or be repeated on every row);
* **one column measured twice** (``value_col`` with ``time_col``): the value at ``pre_time`` and
  at ``post_time`` (default: the subject's first and last occasion with a value).

Subjects without both scores are left out (counted in ``n_excluded``). Statistics, with
``D = post - pre``, ``n`` pairs, ``df = n - 1``:

* ``mean_change``, ``sd_change`` (ddof 1), ``se = sd_change / sqrt(n)``, the 95% CI of the
  mean change, paired ``t = mean_change / se`` and its two-sided ``p``;
* ``d_z = mean_change / sd_change`` (= t / sqrt(n)), CI by inverting the noncentral t
  distribution (exact under normality): the noncentrality parameters whose 97.5th and 2.5th
  percentiles equal the observed t, divided by sqrt(n);
* ``d_av = mean_change / ((sd_pre + sd_post) / 2)`` (Cumming 2012; Lakens 2013), CI by the
  same noncentral-t limits rescaled by ``sd_change / (sqrt(n) * sd_av)`` - an approximation that
  treats that ratio as known (Algina & Keselman 2003 discuss its coverage), documented as such
  in the result (``ci_method``);
* Hedges' small-sample correction ``J = Gamma(df/2) / (sqrt(df/2) * Gamma((df-1)/2))`` (exact;
  about ``1 - 3 / (4 df - 1)``), giving ``g_z = J d_z`` and ``g_av = J d_av`` with CIs ``J`` times
  the d CIs;
* with a ``reliability`` (and an ``sd``, default the sample's SD of the pre scores), the
  reliable change index per subject, ``RCI = D / (sqrt(2) * sd * sqrt(1 - reliability))``
  (Jacobson & Truax 1991, as in :mod:`securebase.content.scales`); ``|RCI| >= 1.96`` is reliable.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from securebase.research.frames import Groups, SubjectCols, numeric, read_long, to_jsonable, write_results

__all__ = ["hedges_j", "nct_ci", "paired_change", "prepost", "prepost_pairs", "run", "summary_text"]

RELIABLE_CHANGE = 1.96


def hedges_j(df: float) -> float:
    """Hedges' exact small-sample correction factor for ``df`` degrees of freedom."""
    if df <= 1:
        return float("nan")
    return float(math.exp(special.gammaln(df / 2) - math.log(math.sqrt(df / 2)) - special.gammaln((df - 1) / 2)))


def nct_ci(t: float, df: float, level: float = 0.95) -> tuple[float, float]:
    """Limits of the noncentrality parameter: ``lo`` with P(T <= t | lo) = 1 - a/2 and ``hi`` with
    P(T <= t | hi) = a/2, for the noncentral t distribution with ``df`` degrees of freedom."""
    if not (math.isfinite(t) and df > 0):
        return float("nan"), float("nan")
    alpha = 1 - level

    def solve(target: float) -> float:
        def f(ncp: float) -> float:  # decreasing in ncp
            p = stats.nct.cdf(t, df, ncp)
            if math.isnan(p):  # scipy gives up far in the tails, where the cdf is 0 or 1 to double precision
                p = 1.0 if ncp < t else 0.0
            return p - target

        width = max(10.0, 2 * abs(t))
        lo, hi = t - width, t + width
        while f(lo) < 0:
            lo -= width
        while f(hi) > 0:
            hi += width
        return float(optimize.brentq(f, lo, hi, xtol=1e-12, rtol=1e-12, maxiter=500))

    return solve(1 - alpha / 2), solve(alpha / 2)


def paired_change(pre: Sequence[float], post: Sequence[float], *, level: float = 0.95) -> dict[str, Any]:
    """Change statistics for paired scores (pairs with a blank are dropped). See the module docstring."""
    pre = np.asarray(pre, dtype=np.float64)
    post = np.asarray(post, dtype=np.float64)
    if pre.shape != post.shape:
        raise ValueError("pre and post must have the same length.")
    ok = ~(np.isnan(pre) | np.isnan(post))
    pre, post = pre[ok], post[ok]
    n = int(len(pre))
    res: dict[str, Any] = {"n": n, "level": level}
    if n < 2:
        return res | {"note": "needs at least two complete pairs"}
    d = post - pre
    df = n - 1
    mean_d = float(d.mean())
    sd_d = float(d.std(ddof=1))
    sd_pre, sd_post = float(pre.std(ddof=1)), float(post.std(ddof=1))
    r = float(np.corrcoef(pre, post)[0, 1]) if sd_pre > 0 and sd_post > 0 else None
    se = sd_d / math.sqrt(n)
    tcrit = float(stats.t.ppf(1 - (1 - level) / 2, df))
    res |= {
        "df": df, "mean_pre": float(pre.mean()), "mean_post": float(post.mean()), "sd_pre": sd_pre,
        "sd_post": sd_post, "r_pre_post": r, "mean_change": mean_d, "sd_change": sd_d, "se": se,
        "ci_mean_change": [mean_d - tcrit * se, mean_d + tcrit * se],
    }
    J = hedges_j(df)
    sd_av = (sd_pre + sd_post) / 2
    if sd_d == 0:
        return res | {"t": None, "p": None, "d_z": None, "d_av": mean_d / sd_av if sd_av > 0 else None,
                      "hedges_j": J, "note": "every pair changed by the same amount: t and d_z are undefined"}
    t = mean_d / se
    p = float(2 * stats.t.sf(abs(t), df))
    lo, hi = nct_ci(t, df, level)
    d_z = t / math.sqrt(n)
    dz_ci = [lo / math.sqrt(n), hi / math.sqrt(n)]
    res |= {"t": t, "p": p, "d_z": d_z, "ci_d_z": dz_ci, "hedges_j": J, "g_z": J * d_z,
            "ci_g_z": [J * dz_ci[0], J * dz_ci[1]]}
    if sd_av > 0:
        scale = sd_d / sd_av
        d_av = mean_d / sd_av
        av_ci = [dz_ci[0] * scale, dz_ci[1] * scale]
        res |= {"sd_av": sd_av, "d_av": d_av, "ci_d_av": av_ci, "g_av": J * d_av,
                "ci_g_av": [J * av_ci[0], J * av_ci[1]]}
    else:
        res |= {"sd_av": sd_av, "d_av": None}
    res["ci_method"] = {
        "d_z": "noncentral t (exact under normality)",
        "d_av": "noncentral t limits for d_z rescaled by sd_change / sd_av (approximate; Algina & Keselman 2003)",
        "g": "J times the d limits, J = Hedges' exact correction",
    }
    return res


def prepost_pairs(df: pd.DataFrame, subject_col: SubjectCols, *, pre_col: str | None = None,
                  post_col: str | None = None, value_col: str | None = None, time_col: str | None = None,
                  pre_time: Any = None, post_time: Any = None) -> pd.DataFrame:
    """One row per subject: ``subject``, ``pre``, ``post`` (NaN when missing). See the module docstring."""
    if (pre_col is None) == (value_col is None) or (pre_col is None) != (post_col is None):
        raise ValueError("give either pre_col and post_col, or value_col (with time_col).")
    if time_col is not None:
        if time_col not in df.columns:
            raise ValueError(f"time column {time_col!r} not found.")
        df = df.sort_values(time_col, kind="stable")
    g = Groups(df, subject_col)
    codes = np.repeat(np.arange(g.n), g.sizes)  # subject code of each row, in group order

    def first_last(x: np.ndarray, last: bool) -> np.ndarray:
        xg = g.take(x)
        idx = np.flatnonzero(~np.isnan(xg))
        out = np.full(g.n, np.nan)
        if len(idx):
            c = codes[idx]
            if last:
                keep = np.r_[c[1:] != c[:-1], True]
            else:
                keep = np.r_[True, c[1:] != c[:-1]]
            out[c[keep]] = xg[idx[keep]]
        return out

    if pre_col is not None:
        pre = first_last(numeric(df, pre_col, "prepost"), last=False)
        post = first_last(numeric(df, post_col, "prepost"), last=True)
    else:
        x = numeric(df, value_col, "prepost")
        if pre_time is None and post_time is None:
            pre, post = first_last(x, last=False), first_last(x, last=True)
        else:
            if time_col is None:
                raise ValueError("pre_time/post_time need time_col.")
            t = df[time_col].to_numpy()
            pre = first_last(np.where(t == _as_time(pre_time, df[time_col]), x, np.nan), last=False) \
                if pre_time is not None else first_last(x, last=False)
            post = first_last(np.where(t == _as_time(post_time, df[time_col]), x, np.nan), last=True) \
                if post_time is not None else first_last(x, last=True)
    return pd.DataFrame({"subject": g.labels, "pre": pre, "post": post})


def _as_time(value: Any, col: pd.Series) -> Any:
    if pd.api.types.is_numeric_dtype(col) and isinstance(value, str):
        return float(value)
    return value


def prepost(df: pd.DataFrame, subject_col: SubjectCols, *, pre_col: str | None = None, post_col: str | None = None,
            value_col: str | None = None, time_col: str | None = None, pre_time: Any = None,
            post_time: Any = None, sd: float | None = None, reliability: float | None = None,
            level: float = 0.95) -> dict[str, Any]:
    """Pre/post change of a person-period frame: :func:`paired_change` plus, when ``reliability``
    is given, the reliable change index of each subject (``per_subject``)."""
    pairs = prepost_pairs(df, subject_col, pre_col=pre_col, post_col=post_col, value_col=value_col,
                          time_col=time_col, pre_time=pre_time, post_time=post_time)
    complete = pairs.dropna(subset=["pre", "post"])
    res = paired_change(complete["pre"], complete["post"], level=level)
    res = {"n_subjects": len(pairs), "n_excluded": int(len(pairs) - len(complete)),
           "excluded_subjects": list(pairs.loc[pairs[["pre", "post"]].isna().any(axis=1), "subject"]),
           "source": {"pre_col": pre_col, "post_col": post_col, "value_col": value_col, "time_col": time_col,
                      "pre_time": pre_time, "post_time": post_time}} | res
    per_subject = [{"subject": s, "pre": a, "post": b, "change": b - a}
                   for s, a, b in zip(complete["subject"], complete["pre"], complete["post"])]
    if reliability is not None:
        if not 0 <= reliability < 1:
            raise ValueError("reliability must be in [0, 1).")
        sd_source = "given"
        if sd is None:
            sd, sd_source = res.get("sd_pre"), "sample SD of the pre scores"
        if sd is None or not sd > 0:
            raise ValueError("the reliable change index needs a positive SD.")
        s_diff = math.sqrt(2) * sd * math.sqrt(1 - reliability)
        for row in per_subject:
            rci = row["change"] / s_diff
            row["rci"] = rci
            row["reliable"] = abs(rci) >= RELIABLE_CHANGE
            row["direction"] = ("increase" if rci > 0 else "decrease") if abs(rci) >= RELIABLE_CHANGE else "none"
        res["reliable_change"] = {
            "sd": sd, "sd_source": sd_source, "reliability": reliability, "s_diff": s_diff,
            "criterion": RELIABLE_CHANGE,
            "n_reliable_increase": sum(r["direction"] == "increase" for r in per_subject),
            "n_reliable_decrease": sum(r["direction"] == "decrease" for r in per_subject),
            "n_no_reliable_change": sum(r["direction"] == "none" for r in per_subject),
        }
    res["per_subject"] = per_subject
    return to_jsonable(res)


def _p(p: float) -> str:
    return "p < 0.0001" if p < 0.0001 else f"p = {p:.4f}"


def summary_text(results: Mapping[str, Any]) -> str:
    """Plain lines: the mean change with its CI and t test, d_z/d_av/g, and reliable-change counts."""
    r = results
    if r.get("t") is None and r.get("mean_change") is None:
        return f"{r['n']} complete pair(s): too few for a pre/post comparison."
    lines = [f"{r['n']} subjects with a pre and a post score ({r['n_excluded']} left out): pre {r['mean_pre']:.2f} "
             f"(SD {r['sd_pre']:.2f}), post {r['mean_post']:.2f} (SD {r['sd_post']:.2f})."]
    ci = r["ci_mean_change"]
    lines.append(f"Mean change {r['mean_change']:.2f} (SD {r['sd_change']:.2f}; 95% CI {ci[0]:.2f} to {ci[1]:.2f})"
                 + (f", t({r['df']}) = {r['t']:.2f}, {_p(r['p'])}." if r.get("t") is not None else "."))
    if r.get("d_z") is not None:
        lines.append(f"d_z {r['d_z']:.2f} [{r['ci_d_z'][0]:.2f}, {r['ci_d_z'][1]:.2f}], g_z {r['g_z']:.2f}; "
                     f"d_av {r['d_av']:.2f} [{r['ci_d_av'][0]:.2f}, {r['ci_d_av'][1]:.2f}], g_av {r['g_av']:.2f}.")
    if "reliable_change" in r:
        rc = r["reliable_change"]
        lines.append(f"Reliable change (|RCI| >= 1.96; SD {rc['sd']:.2f}, {rc['sd_source']}, reliability "
                     f"{rc['reliability']:.2f}): {rc['n_reliable_decrease']} decreased, {rc['n_reliable_increase']} "
                     f"increased, {rc['n_no_reliable_change']} no reliable change.")
    return "\n".join(lines)


def run(data_path: str | PathLike[str], *, subject_col: SubjectCols, time_col: str | None = None,
        pre_col: str | None = None, post_col: str | None = None, value_col: str | None = None,
        pre_time: Any = None, post_time: Any = None, sd: float | None = None, reliability: float | None = None,
        results_path: str | PathLike[str] | None = "") -> dict[str, Any]:
    """Notebook entry point: read ``data_path`` (CSV or Parquet), :func:`prepost`, write the JSON to
    ``results_path`` (unless empty) and return the dict. Empty strings and ``0`` (for ``sd`` and
    ``reliability``) mean "not given"."""
    df = read_long(data_path)
    results = prepost(df, subject_col, pre_col=pre_col or None, post_col=post_col or None,
                      value_col=value_col or None, time_col=time_col or None,
                      pre_time=None if pre_time in (None, "") else pre_time,
                      post_time=None if post_time in (None, "") else post_time,
                      sd=sd or None, reliability=reliability or None)
    write_results(results, results_path)
    return results
