"""The cohort report: every analysis for one study export, as JSON and as an HTML page.

:func:`cohort_report` reads an export folder written by :func:`securebase.research.export.export_research`
and runs, on the same data:

* compliance and data quality (entries per person-day, missingness, invariant answering) on
  the daily ratings;
* descriptives with the within-/between-person decomposition and ICC(1);
* the growth curve of one rating over program days (random intercept and slope);
* pre/post change of each questionnaire subscale, first against last result;
* behavioural experiments: prediction errors and their trend.

A part without enough data says so instead of failing, so one report runs over any cohort.
:func:`run` is what ``notebooks/research/cohort_report.ipynb`` calls; papermill can run that
notebook once per cohort export (``export_dir``) to report on several cohorts in batch.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from securebase.content import exercises_with, field_types
from securebase.reports.render import render
from securebase.research import compliance
from securebase.research import descriptives
from securebase.research import experiments
from securebase.research import growth
from securebase.research import prepost
from securebase.research.formats import read_table
from securebase.core import config

EXPERIMENT = "prediction_error"  # the behaviour of behavioural experiments (content's ``behaviours:``)


def _table(export_dir: Path, name: str) -> pd.DataFrame | None:
    for suffix in (".parquet", ".csv"):
        path = export_dir / f"{name}{suffix}"
        if path.exists():
            return read_table(path)
    return None


def ratings_frame(entries_long: pd.DataFrame, variables: list[str]) -> pd.DataFrame:
    """One row per person-day, one column per rating variable (the mean when rated twice a day)."""
    numeric = entries_long[entries_long["variable"].isin(variables) & entries_long["value_num"].notna()]
    if numeric.empty:
        return pd.DataFrame(columns=["study_id", "day", *variables])
    wide = numeric.pivot_table(index=["study_id", "day"], columns="variable", values="value_num", aggfunc="mean")
    return wide.reset_index().rename_axis(columns=None)


def rating_variables(entries_long: pd.DataFrame, min_people: int = 2) -> list[str]:
    """Rating answers given by at least ``min_people`` people."""
    rated = [t.value for t in field_types if t.rated]
    numeric = entries_long[entries_long["value_num"].notna() & entries_long["value_type"].isin(rated)]
    people = numeric.groupby("variable")["study_id"].nunique()
    return sorted(people[people >= min_people].index)


def _section(name: str, fn: Any) -> dict[str, Any]:
    try:
        return {"ok": True, **fn()}
    except (ValueError, KeyError, ZeroDivisionError, IndexError) as exc:
        return {"ok": False, "reason": f"{name} could not be computed: {exc}"}


def cohort_report(export_dir: Path | str, *, growth_outcome: str = "", cohort: str = "") -> dict[str, Any]:
    export_dir = Path(export_dir)
    entries_long = _table(export_dir, "entries_long")
    if entries_long is None:
        raise FileNotFoundError(f"{export_dir} holds no entries_long table; give the folder of a research export.")
    assessments = _table(export_dir, "assessments_long")
    variables = rating_variables(entries_long)
    frame = ratings_frame(entries_long, variables)
    outcome = growth_outcome or next((v for v in variables if v.endswith(".intensity")), variables[0] if variables else "")
    result: dict[str, Any] = {
        "cohort": cohort or export_dir.name,
        "people": int(entries_long["study_id"].nunique()),
        "person_days": int(len(frame)),
        "variables": variables,
    }
    result["compliance"] = _section("compliance", lambda: compliance.compliance_report(
        frame, "study_id", "day", variables=variables))
    result["descriptives"] = _section("descriptives", lambda: descriptives.describe_study(
        frame, "study_id", variables, time_col="day", icc_method="anova"))

    def fit_growth() -> dict[str, Any]:
        data = frame[["study_id", "day", outcome]].dropna().rename(columns={outcome: "outcome"})
        fitted, formula = growth.fit_growth_curve(data, subject_col="study_id", time_col="day", outcome="outcome")
        return {"outcome": outcome, "formula": formula.replace("outcome", outcome),
                "fixed_effects": {k: float(v) for k, v in fitted.fe_params.items()},
                "std_errors": {k: float(fitted.bse_fe[k]) for k in fitted.fe_params.index},
                "n_obs": int(fitted.nobs), "n_groups": int(data["study_id"].nunique())}

    result["growth"] = _section("growth", fit_growth)

    def subscale_change() -> dict[str, Any]:
        if assessments is None or assessments.empty:
            raise ValueError("no questionnaire results")
        scores = assessments[assessments["kind"] == "subscale"].dropna(subset=["value"])
        out = {}
        for (instrument, subscale), rows in scores.groupby(["instrument_id", "subscale"]):
            rows = rows.sort_values(["study_id", "day"])
            firsts = rows.groupby("study_id").head(1).set_index("study_id")["value"]
            lasts = rows.groupby("study_id").tail(1).set_index("study_id")["value"]
            paired = [(firsts[s], lasts[s]) for s in firsts.index if rows["study_id"].eq(s).sum() >= 2]
            if len(paired) >= 2:
                out[f"{instrument}.{subscale}"] = prepost.paired_change([p for p, _ in paired], [q for _, q in paired])
        if not out:
            raise ValueError("nobody has two results of the same questionnaire")
        return {"subscales": out}

    result["prepost"] = _section("pre/post", subscale_change)

    def experiment_errors() -> dict[str, Any]:
        rows = entries_long[entries_long["exercise_id"].isin(sorted({e.id for e in exercises_with(EXPERIMENT)}))]
        wide = rows.pivot_table(index=["study_id", "entry_code", "day"], columns="field_id", values="value_num",
                                aggfunc="first").reset_index()
        if not {"predicted_intensity", "actual_intensity"} <= set(wide.columns):
            raise ValueError("no experiments with an outcome")
        return experiments.error_trend(wide, "study_id", "day", "predicted_intensity", "actual_intensity")

    result["experiments"] = _section("experiments", experiment_errors)
    return descriptives.to_jsonable(result)


def run(export_dir: str, *, report_path: str = "", results_path: str = "", growth_outcome: str = "",
        cohort: str = "") -> dict[str, Any]:
    """Run the report; write the JSON to ``results_path`` and the page to ``report_path`` (each if given)."""
    result = cohort_report(export_dir, growth_outcome=growth_outcome, cohort=cohort)
    descriptives.write_results(result, results_path or None)
    if report_path:
        page = render("cohort_report.html.j2", r=result,
                      generated_at=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
        config.ensure_private_dir(Path(report_path).parent)
        config.write_private_file(Path(report_path), page)
    return result


def summary_text(result: dict[str, Any]) -> str:
    lines = [f"Cohort {result['cohort']}: {result['people']} people, {result['person_days']} person-days, "
             f"{len(result['variables'])} rating variables."]
    for part in ("compliance", "descriptives", "growth", "prepost", "experiments"):
        section = result[part]
        lines.append(f"  {part}: " + ("done" if section["ok"] else section["reason"]))
    if result["growth"]["ok"]:
        g = result["growth"]
        lines.append(f"  growth of {g['outcome']}: {g['fixed_effects'].get('day', float('nan')):+.4f} per day "
                     f"(SE {g['std_errors'].get('day', float('nan')):.4f})")
    return "\n".join(lines)
