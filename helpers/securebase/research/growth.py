"""Growth curves for diary data: a linear mixed model with a random intercept and a random slope
for time per subject (statsmodels MixedLM, REML), optionally with a moderator of the slope.

Model (for ``outcome`` y, ``time_col`` t and an optional ``moderator`` m)::

    y_ij = b0 + b1 t_ij [+ b2 m_i + b3 t_ij m_i] + u0_i + u1_i t_ij + e_ij
    (u0_i, u1_i) ~ N(0, G),  e_ij ~ N(0, sigma^2)

The formula is written with the data's own column names, so the fixed-effect terms are patsy's
names for them: ``Intercept``, ``time``, ``Cavoid_A``, ``time:Cavoid_A`` for ``time_col="time"``
and ``moderator="Cavoid_A"``. A column name that is not a Python identifier is quoted as
``Q('...')`` and the term is named that way.

Reading: the CSV goes through :func:`securebase.research.diary_import.import_diary`, i.e. the
tolerant reader of :mod:`securebase.couples.dyadic`. In a pairwise file an actor column that appears
twice with no partner column (Kashy's diary has ``Cavoid_A`` twice; the second is the partner's
avoidance) has its second copy read as the partner column (``Cavoid_A.1`` -> ``Cavoid_P``), so
``Cavoid_A`` is the person's own score. Every such decision is listed in the result's
``import_notes``, and the reader's findings in ``import_problems``.

Subjects: ``subject_col`` is one column, or several joined by commas. For a couples diary that
numbers persons 1 and 2 within each couple use ``"dyadid,person"``: the subject is then the pair
(text key ``"<dyadid>_<person>"``, e.g. ``"27_1"``), one growth curve per person.

``filter`` is a :meth:`pandas.DataFrame.query` string applied before fitting (``"genderE == 1"``).
Rows missing the outcome, time or moderator are then dropped (counted in ``n_dropped_missing``).
"""

from __future__ import annotations

import math
import warnings
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.formula.api as smf

from securebase.research.descriptives import write_results
from securebase.research.diary_import import DiaryMapping, import_diary

__all__ = ["fit_first_converged", "fit_growth_curve", "load_diary", "run_growth_curve", "summary_text", "term"]


def term(column: str) -> str:
    """How a column appears in a patsy formula (and so in the fitted term names)."""
    return column if column.isidentifier() else f"Q({column!r})"


def _subject_columns(subject_col: str | list[str]) -> list[str]:
    cols = [c.strip() for c in subject_col.split(",")] if isinstance(subject_col, str) else list(subject_col)
    cols = [c for c in cols if c]
    if not cols:
        raise ValueError("subject_col is empty: name the column(s) that identify a subject, e.g. 'dyadid,person'.")
    return cols


def load_diary(data_path: str | PathLike[str], subject_col: str | list[str], time_col: str, variables: list[str]):
    """Read a diary CSV for modelling: every column kept, subject key in ``result.subject_col``."""
    cols = _subject_columns(subject_col)
    mapping = DiaryMapping(
        subject=cols, time=time_col, outcomes=list(dict.fromkeys(variables)), keep="all",
        duplicate_actor_as_partner=True,
    )
    return import_diary(data_path, mapping)


def fit_first_converged(model: Any, methods: tuple[str, ...] = ("bfgs", "lbfgs", "powell", "nm")) -> tuple[Any, list[str]]:
    """REML fit with the first optimiser that converges (statsmodels' default is bfgs, then lbfgs).

    Warnings are caught and returned as text (a notebook's output stays clean); an optimiser that
    fails outright is skipped. Returns the last attempt when none converges (``converged`` False).
    The optimiser used is stored as ``result.method_used``.
    """
    result, caught, errors = None, [], []
    for method in methods:
        with warnings.catch_warnings(record=True) as w:
            warnings.simplefilter("always")
            try:
                attempt = model.fit(reml=True, method=[method], maxiter=2000)
            except (np.linalg.LinAlgError, ValueError) as exc:
                errors.append(f"{method}: {type(exc).__name__}: {exc}")
                continue
        result, caught = attempt, [f"{method}: {x.message}" for x in w]
        result.method_used = method
        if result.converged:
            break
        errors.append(f"{method}: did not converge, trying the next optimiser")
    if result is None:
        raise RuntimeError("every optimiser failed: " + "; ".join(errors))
    return result, errors + caught


def fit_growth_curve(
    frame: pd.DataFrame, *, subject_col: str, time_col: str, outcome: str, moderator: str = "",
) -> tuple[Any, str]:
    """Fit the model on ``frame`` (complete cases); returns (statsmodels result, formula).

    A random slope needs repeated measures: when no subject has two occasions, it refuses
    with a message instead of returning a fit that only looks converged."""
    most = int(frame.groupby(subject_col)[time_col].nunique().max()) if len(frame) else 0
    if most < 2:
        raise ValueError(
            f"a growth curve needs repeated measures, but no subject in {subject_col!r} has more than "
            f"{most} distinct value of {time_col!r}. Use a diary (person-period) data set, or check subject_col."
        )
    t, y = term(time_col), term(outcome)
    rhs = [t]
    if moderator:
        m = term(moderator)
        rhs += [m, f"{t}:{m}"]
    formula = f"{y} ~ " + " + ".join(rhs)
    model = smf.mixedlm(formula, frame, groups=frame[subject_col], re_formula=f"~{t}")
    result, caught = fit_first_converged(model)
    result.fit_warnings = caught
    return result, formula


def _num(x: Any) -> float | None:
    x = float(x)
    return None if math.isnan(x) else x


def run_growth_curve(
    data_path: str | PathLike[str],
    subject_col: str,
    time_col: str,
    outcome: str,
    moderator: str = "",
    filter: str = "",  # noqa: A002 - the notebook's parameter name
    results_path: str | PathLike[str] = "",
) -> dict[str, Any]:
    """Read, filter, fit and summarise; write the result as JSON to ``results_path`` unless it is "".

    Result keys: ``fixed_effects`` and ``std_errors`` ({term: value}), ``random_effects``
    (``sd_intercept``, ``sd_slope``, ``corr``, plus ``residual_sd``), ``n_obs``, ``n_groups``,
    ``converged``, ``formula``, and for the record ``data`` (the file name only), ``subject_col``,
    ``time_col``, ``outcome``, ``moderator``, ``filter``, ``n_rows_read``, ``n_rows_after_filter``,
    ``n_dropped_missing``, ``import_notes``, ``import_problems``, ``fit_warnings``,
    ``log_likelihood`` (REML).
    """
    variables = [outcome] + ([moderator] if moderator else [])
    imported = load_diary(data_path, subject_col, time_col, variables)
    df = imported.frame
    subject = imported.subject_col
    n_read = len(df)
    if filter:
        try:
            df = df.query(filter)
        except Exception as exc:  # pandas raises many kinds here
            raise ValueError(
                f"filter {filter!r} could not be applied ({type(exc).__name__}: {exc}). "
                f"Columns are: {', '.join(map(str, df.columns))}."
            ) from exc
    n_filtered = len(df)
    needed = [subject, time_col, *variables]
    complete = df.dropna(subset=needed)
    if complete.empty:
        raise ValueError(f"no rows left to fit after the filter and dropping missing {', '.join(needed)}.")
    result, formula = fit_growth_curve(
        complete, subject_col=subject, time_col=time_col, outcome=outcome, moderator=moderator
    )
    cov = np.asarray(result.cov_re)
    sd0, sd1 = math.sqrt(max(cov[0, 0], 0.0)), math.sqrt(max(cov[1, 1], 0.0))
    corr = cov[0, 1] / (sd0 * sd1) if sd0 > 0 and sd1 > 0 else float("nan")
    fe = result.fe_params
    se = result.bse_fe
    out: dict[str, Any] = {
        "fixed_effects": {k: float(v) for k, v in fe.items()},
        "std_errors": {k: float(v) for k, v in se.items()},
        "random_effects": {
            "sd_intercept": sd0,
            "sd_slope": sd1,
            "corr": _num(corr),
            "residual_sd": math.sqrt(float(result.scale)),
        },
        "n_obs": int(result.nobs),
        "n_groups": int(len(result.model.group_labels)),
        "converged": bool(result.converged),
        "formula": formula,
        "re_formula": f"~{term(time_col)}",
        "method": "REML",
        "log_likelihood": float(result.llf),
        "data": Path(data_path).name,
        "subject_col": subject_col if isinstance(subject_col, str) else ",".join(subject_col),
        "time_col": time_col,
        "outcome": outcome,
        "moderator": moderator,
        "filter": filter,
        "n_rows_read": n_read,
        "n_rows_after_filter": n_filtered,
        "n_dropped_missing": n_filtered - len(complete),
        "import_notes": imported.notes,
        "import_problems": imported.problems,
        "fit_warnings": result.fit_warnings,
        "optimizer": result.method_used,
    }
    write_results(out, results_path)
    return out


def summary_text(result: dict[str, Any], digits: int = 4) -> str:
    """A short plain-text summary of :func:`run_growth_curve`'s result."""
    lines = [
        f"Growth curve of {result['outcome']} over {result['time_col']} in {result['data']}"
        + (f" (rows where {result['filter']})" if result["filter"] else ""),
        f"formula: {result['formula']}, random intercept and slope per subject ({result['subject_col']}), REML",
        f"{result['n_obs']} observations of {result['n_groups']} subjects; "
        f"{result['n_dropped_missing']} row(s) dropped for missing values; converged: {result['converged']}",
        "",
        f"{'term':<24}{'estimate':>12}{'std. error':>12}",
    ]
    for k, v in result["fixed_effects"].items():
        lines.append(f"{k:<24}{v:>12.{digits}f}{result['std_errors'][k]:>12.{digits}f}")
    re_ = result["random_effects"]
    corr = "n/a" if re_["corr"] is None else f"{re_['corr']:.{digits}f}"
    lines += [
        "",
        f"random effects: sd intercept {re_['sd_intercept']:.{digits}f}, sd slope {re_['sd_slope']:.{digits}f}, "
        f"correlation {corr}; residual sd {re_['residual_sd']:.{digits}f}",
        f"reading the file: {len(result['import_notes'])} note(s), {len(result['import_problems'])} problem line(s)",
    ]
    return "\n".join(lines)
