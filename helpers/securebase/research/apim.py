"""Actor-partner interdependence model (APIM) for exchangeable (indistinguishable) dyads.

Model, for person i of dyad d with predictors x (own, "actor") and x' (the partner's)::

    y_di = b0 + sum_k a_k x_dik + sum_k p_k x'_dik + u_d + e_di
    u_d ~ N(0, tau^2),  e_di ~ N(0, sigma^2)

fitted as a multilevel model with a random intercept per dyad (statsmodels MixedLM, REML). The
random intercept makes the two members' residuals correlate by
``rho = tau^2 / (tau^2 + sigma^2)`` (the intraclass correlation; reported as
``residual_dyad_correlation``). This is the compound-symmetry model for exchangeable dyads with
the correlation held at zero or above (a negative residual correlation shows up as ``rho = 0``).
Members are not told apart (no role term), hence "exchangeable".

Layouts (``layout``):

* ``"individual"``: one row per person with each variable once (Acitelli's data). The partner
  value of each predictor is taken from the other member's row
  (:func:`securebase.couples.dyadic.to_pairwise`).
* ``"pairwise"``: actor and partner columns already present as ``<var>_A`` / ``<var>_P``
  (Kashy's diary, Secure Base's pairwise export). ``predictors`` are stems (``"conflict"``;
  ``"conflict_A"`` is accepted too) and ``outcome`` is the actor column (``"satisf_A"``; the stem
  ``"satisf"`` is accepted too).

Longitudinal data: this APIM is cross-sectional. When a person has several rows (a daily diary
such as Kashy's, 14 days per person) the rows are first **aggregated to person means** over the
periods with a value (NaN skipped): the outcome and each predictor. The partner value is then the
partner's own mean (the mean of the other member's actor column over all the partner's rows), in
both layouts, so the two layouts of the same diary give the same model. Only when the partner has
no rows of their own does a pairwise file fall back on the mean of the person's ``<var>_P``
column. (In Kashy's data both members have a row every day, so the two means coincide.) The
aggregation is recorded in the result (``aggregated``, ``rows_per_person``, a line in
``import_notes``). Modelling the days themselves (a day-level APIM with person and dyad random
effects) is a different model and not done here.

Reading goes through :func:`securebase.research.diary_import.import_diary` (the tolerant reader),
so a duplicated actor column with no partner column is read as the partner column, as in
:mod:`securebase.research.growth`.
"""

from __future__ import annotations

from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from securebase.couples.dyadic import to_pairwise

from securebase.research.descriptives import write_results
from securebase.research.diary_import import DiaryMapping, import_diary
from securebase.research.growth import fit_first_converged, term

__all__ = ["LAYOUTS", "apim_frame", "fit_apim", "run_apim", "summary_text"]

LAYOUTS = ("individual", "pairwise")
_TIME = "__apim_occasion__"


def _predictor_list(predictors: str | list[str]) -> list[str]:
    items = [p.strip() for p in predictors.split(",")] if isinstance(predictors, str) else [str(p).strip() for p in predictors]
    items = [p for p in items if p]
    if not items:
        raise ValueError("predictors is empty: name at least one of the person's own variables, e.g. ['tension'].")
    if len(set(items)) != len(items):
        raise ValueError(f"predictors lists a variable twice: {items}.")
    return items


def apim_frame(
    data_path: str | PathLike[str],
    *,
    dyad_col: str,
    person_col: str,
    outcome: str,
    predictors: str | list[str],
    layout: str = "individual",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """One row per person: ``dyad_col``, ``person_col``, ``y`` (outcome) and, per predictor stem
    ``v``, ``v_A`` (own) and ``v_P`` (partner). Also returns facts about how it was built."""
    if layout not in LAYOUTS:
        raise ValueError(f"layout must be one of {', '.join(LAYOUTS)}, not {layout!r}.")
    preds = _predictor_list(predictors)
    info: dict[str, Any] = {"predictors": preds}
    if layout == "individual":
        mapping = DiaryMapping(subject=person_col, dyad=dyad_col, outcomes=[outcome, *preds])
        imported = import_diary(data_path, mapping)
        df = imported.frame
        stems = preds
        out_col = outcome
        actor = {p: p for p in preds}
    else:
        stems = [p[:-2] if p.endswith("_A") else p for p in preds]
        names = [str(c) for c in pd.read_csv(data_path, nrows=0, encoding="utf-8-sig").columns]
        out_col = f"{outcome}_A" if outcome not in names and f"{outcome}_A" in names else outcome
        cols = [out_col, *(f"{s}_A" for s in stems), *(f"{s}_P" for s in stems)]
        mapping = DiaryMapping(
            subject=person_col, dyad=dyad_col, outcomes=cols, duplicate_actor_as_partner=True,
        )
        imported = import_diary(data_path, mapping)
        df = imported.frame
        actor = {s: f"{s}_A" for s in stems}
    info.update(import_notes=imported.notes, import_problems=imported.problems, outcome_column=out_col)

    subject = imported.subject_col
    per_person = df.groupby(subject, sort=False).size()
    info["rows_per_person"] = {"min": int(per_person.min()), "max": int(per_person.max())}
    info["aggregated"] = bool(per_person.max() > 1)
    keep = [dyad_col, person_col, out_col, *actor.values()] + ([f"{s}_P" for s in stems] if layout == "pairwise" else [])
    keep = list(dict.fromkeys(keep))
    if info["aggregated"]:
        numeric = [c for c in keep if c not in (dyad_col, person_col)]
        df = df.groupby([dyad_col, person_col], sort=True)[numeric].mean().reset_index()
        info["import_notes"] = [*info["import_notes"], (
            f"several rows per person (up to {int(per_person.max())}): outcome and predictor columns averaged "
            "per person (missing values skipped) before the cross-sectional APIM; partner values are the "
            "partner's own means"
        )]
        if layout == "pairwise":
            df = _partner_means(df, dyad_col, person_col, stems, info)
        # the importer's advice to aggregate is what was just done
        info["import_problems"] = [p for p in info["import_problems"] if not p.startswith("no time column is mapped but")]
    else:
        df = df[keep].copy()

    if layout == "individual":
        wide = df.rename(columns={out_col: "__y__"})
        wide[_TIME] = 0
        wide = to_pairwise(wide, dyad_col=dyad_col, person_col=person_col, time_col=_TIME, variables=stems)
        frame = wide[[dyad_col, person_col, "__y__", *(f"{s}_{x}" for s in stems for x in ("A", "P"))]]
    else:
        frame = df.rename(columns={out_col: "__y__"})[
            [dyad_col, person_col, "__y__", *(f"{s}_{x}" for s in stems for x in ("A", "P"))]
        ]
    frame = frame.rename(columns={"__y__": "y"})
    info["stems"] = stems
    return frame.reset_index(drop=True), info


def _partner_means(df: pd.DataFrame, dyad_col: str, person_col: str, stems: list[str], info: dict[str, Any]) -> pd.DataFrame:
    """Per-person means of a pairwise file: replace each ``<v>_P`` mean by the partner's own
    ``<v>_A`` mean where the partner has rows; keep the ``<v>_P`` mean otherwise (counted)."""
    df = df.copy()
    df[_TIME] = 0
    own = to_pairwise(
        df[[dyad_col, person_col, _TIME, *(f"{s}_A" for s in stems)]].rename(columns={f"{s}_A": s for s in stems}),
        dyad_col=dyad_col, person_col=person_col, time_col=_TIME, variables=stems,
    )
    fallback = 0
    for s in stems:
        partner_own = own[f"{s}_P"].to_numpy()
        use = ~np.isnan(partner_own)
        fallback = max(fallback, int((~use & df[f"{s}_P"].notna().to_numpy()).sum()))
        df[f"{s}_P"] = np.where(use, partner_own, df[f"{s}_P"].to_numpy())
    if fallback:
        info["import_notes"] = [*info["import_notes"], (
            f"{fallback} person(s) have a partner without rows (or without values) of their own: their partner "
            "values are the means of their own _P columns"
        )]
    return df.drop(columns=_TIME)


def fit_apim(frame: pd.DataFrame, *, dyad_col: str, stems: list[str]) -> tuple[Any, str]:
    """Random-intercept MixedLM of ``y`` on ``<stem>_A`` and ``<stem>_P`` (complete cases)."""
    rhs = [term(f"{s}_{x}") for s in stems for x in ("A", "P")]
    formula = "y ~ " + " + ".join(rhs)
    model = smf.mixedlm(formula, frame, groups=frame[dyad_col])
    result, caught = fit_first_converged(model)
    result.fit_warnings = caught
    return result, formula


def run_apim(
    data_path: str | PathLike[str],
    dyad_col: str,
    person_col: str,
    outcome: str,
    predictors: str | list[str],
    layout: str = "individual",
    results_path: str | PathLike[str] = "",
) -> dict[str, Any]:
    """Build the per-person frame, fit, summarise; write JSON to ``results_path`` unless it is "".

    Result keys: ``intercept`` (and ``intercept_std_error``), ``actor_effects``,
    ``partner_effects``, ``actor_std_errors``, ``partner_std_errors`` (each {predictor: value},
    keyed by the predictor as given), ``residual_dyad_correlation`` (tau^2/(tau^2+sigma^2)),
    ``variance_components`` (``dyad`` tau^2, ``residual`` sigma^2), ``n_obs`` (persons),
    ``n_dyads``, ``converged``, ``formula``, ``layout``, ``aggregated``, ``rows_per_person``,
    ``data`` (file name only), ``import_notes``, ``import_problems``, ``fit_warnings``.
    """
    frame, info = apim_frame(
        data_path, dyad_col=dyad_col, person_col=person_col, outcome=outcome, predictors=predictors, layout=layout
    )
    preds, stems = info["predictors"], info["stems"]
    complete = frame.dropna()
    if complete.empty:
        raise ValueError("no complete person rows to fit (outcome, actor and partner values all needed).")
    result, formula = fit_apim(complete, dyad_col=dyad_col, stems=stems)
    fe, se = result.fe_params, result.bse_fe
    tau2, sigma2 = float(np.asarray(result.cov_re)[0, 0]), float(result.scale)
    out: dict[str, Any] = {
        "intercept": float(fe["Intercept"]),
        "intercept_std_error": float(se["Intercept"]),
        "actor_effects": {p: float(fe[term(f"{s}_A")]) for p, s in zip(preds, stems, strict=True)},
        "partner_effects": {p: float(fe[term(f"{s}_P")]) for p, s in zip(preds, stems, strict=True)},
        "actor_std_errors": {p: float(se[term(f"{s}_A")]) for p, s in zip(preds, stems, strict=True)},
        "partner_std_errors": {p: float(se[term(f"{s}_P")]) for p, s in zip(preds, stems, strict=True)},
        "residual_dyad_correlation": tau2 / (tau2 + sigma2) if tau2 + sigma2 > 0 else None,
        "variance_components": {"dyad": tau2, "residual": sigma2},
        "n_obs": int(result.nobs),
        "n_dyads": int(len(result.model.group_labels)),
        "n_dropped_missing": int(len(frame) - len(complete)),
        "converged": bool(result.converged),
        "formula": formula,
        "method": "REML",
        "log_likelihood": float(result.llf),
        "outcome": outcome,
        "outcome_column": info["outcome_column"],
        "predictors": preds,
        "layout": layout,
        "aggregated": info["aggregated"],
        "rows_per_person": info["rows_per_person"],
        "data": Path(data_path).name,
        "import_notes": info["import_notes"],
        "import_problems": info["import_problems"],
        "fit_warnings": result.fit_warnings,
        "optimizer": result.method_used,
    }
    write_results(out, results_path)
    return out


def summary_text(result: dict[str, Any], digits: int = 4) -> str:
    """A short plain-text summary of :func:`run_apim`'s result."""
    lines = [
        f"APIM (exchangeable dyads) of {result['outcome']} in {result['data']} ({result['layout']} layout)",
        f"formula: {result['formula']}, random intercept per dyad, REML",
        f"{result['n_obs']} persons in {result['n_dyads']} dyads; converged: {result['converged']}"
        + ("; rows averaged per person first" if result["aggregated"] else ""),
        "",
        f"{'effect':<28}{'estimate':>12}{'std. error':>12}",
        f"{'intercept':<28}{result['intercept']:>12.{digits}f}{result['intercept_std_error']:>12.{digits}f}",
    ]
    for p in result["predictors"]:
        lines.append(f"{'actor ' + p:<28}{result['actor_effects'][p]:>12.{digits}f}{result['actor_std_errors'][p]:>12.{digits}f}")
        lines.append(f"{'partner ' + p:<28}{result['partner_effects'][p]:>12.{digits}f}{result['partner_std_errors'][p]:>12.{digits}f}")
    rho = result["residual_dyad_correlation"]
    lines += ["", f"residual correlation within dyads (ICC): {'n/a' if rho is None else f'{rho:.{digits}f}'}"]
    return "\n".join(lines)
