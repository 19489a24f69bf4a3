"""securebase.research.experiments: prediction errors and their trend, on synthetic data with a
known slope; per-subject OLS against numpy; the pooled mixed-model slope; the notebook."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import papermill as pm
import pytest

from securebase.research import experiments as x

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "research" / "experiments.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "research_demo_long.csv"
TRUE_SLOPE = -1.5


def synthetic(n_subjects=40, n_exp=10, noise=2.0, slope_sd=0.3, seed=7):
    """Experiments every third day; error = a_i + b_i * day + noise, b_i around TRUE_SLOPE."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        a, b = 25 + rng.normal(0, 4), TRUE_SLOPE + rng.normal(0, slope_sd)
        for k in range(n_exp):
            day = 3 * k + int(rng.integers(0, 3))
            actual = 40 + rng.normal(0, 10)
            rows.append((f"P{s:02d}", day, actual + a + b * day + rng.normal(0, noise), actual))
        rows.append((f"P{s:02d}", 99, np.nan, 50.0))  # not an experiment: no prediction
    return pd.DataFrame(rows, columns=["pid", "day", "pred", "felt"])


def test_prediction_errors():
    df = pd.DataFrame({"sid": ["A", "A", "B"], "t": [1, 2, 1], "p": [60, np.nan, 30], "a": [40, 50, 45]})
    e = x.prediction_errors(df, "sid", "t", "p", "a")
    assert e["error"].tolist() == [20, -15] and e["sid"].tolist() == ["A", "B"]


def test_known_slope_is_recovered():
    df = synthetic()
    r = x.error_trend(df, "pid", "day", "pred", "felt")
    assert r["n_experiments"] == 400 and r["n_subjects"] == 40 and r["n_rows"] == 440
    mm = r["mixed_model"]
    assert mm["fitted"] and mm["random_slope"] and mm["converged"]
    assert abs(mm["slope"] - TRUE_SLOPE) < 3 * mm["se_slope"]
    assert mm["slope"] == pytest.approx(TRUE_SLOPE, abs=0.15)
    assert mm["ci_slope"][0] < TRUE_SLOPE < mm["ci_slope"][1]
    assert 0 < mm["se_slope"] < 0.1
    assert mm["var_slope"] == pytest.approx(0.3 ** 2, rel=1.0)  # the right order of magnitude
    ps = r["per_subject_slopes"]
    assert ps["n_subjects_with_slope"] == 40 and ps["n_negative"] == 40
    assert ps["mean"] == pytest.approx(TRUE_SLOPE, abs=0.15)
    json.dumps(r, allow_nan=False)


def test_per_subject_ols_matches_numpy():
    df = synthetic(n_subjects=6, n_exp=5).sample(frac=1, random_state=3)  # unsorted rows
    r = x.error_trend(df, "pid", "day", "pred", "felt", mixed=False)
    assert "mixed_model" not in r
    for row in r["per_subject"]:
        d = df[(df["pid"] == row["subject"]) & df["pred"].notna()]
        t, e = d["day"].to_numpy(float), (d["pred"] - d["felt"]).to_numpy()
        (b, a), cov = np.polyfit(t, e, 1, cov="unscaled")
        resid = e - (a + b * t)
        se = np.sqrt(cov[0, 0] * (resid @ resid) / (len(t) - 2))
        assert row["slope"] == pytest.approx(b) and row["intercept"] == pytest.approx(a)
        assert row["se_slope"] == pytest.approx(se)
        assert row["n"] == len(t) and row["mean_error"] == pytest.approx(e.mean())


def test_noise_free_lines_are_exact_and_dates_count_days():
    start = pd.Timestamp("2026-03-02")
    rows = [(s, start + pd.Timedelta(days=int(d)), 30 + 20 - 2.0 * d + s, 30)
            for s in range(4) for d in (0, 2, 5, 9)]
    df = pd.DataFrame(rows, columns=["sid", "when", "pred", "felt"])
    r = x.error_trend(df, "sid", "when", "pred", "felt", mixed=False)
    assert r["time_scale"] == "days since the earliest date"
    assert [row["slope"] for row in r["per_subject"]] == pytest.approx([-2.0] * 4)
    assert [row["intercept"] for row in r["per_subject"]] == pytest.approx([20, 21, 22, 23])
    assert r["per_subject_slopes"]["sd"] == pytest.approx(0, abs=1e-9)


def test_too_few_points_give_no_slope():
    df = pd.DataFrame({"sid": ["A", "A", "B", "B", "B"], "t": [1, 2, 1, 2, 3], "p": [5, 4, 9, 7, 6], "a": 0})
    r = x.error_trend(df, "sid", "t", "p", "a", min_points=3, mixed=False)
    per = {row["subject"]: row for row in r["per_subject"]}
    assert per["A"]["slope"] is None and per["B"]["slope"] == pytest.approx(-1.5)
    empty = x.error_trend(df.assign(p=np.nan), "sid", "t", "p", "a")
    assert empty["n_experiments"] == 0 and "no rows" in empty["note"]


def test_notebook_on_the_fixture(tmp_path):
    out = tmp_path / "results.json"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(NOTEBOOK.parent), parameters={"data_path": str(FIXTURE), "results_path": str(out)},
                        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager")
    res = json.loads(out.read_text())
    assert res["n_experiments"] == 80 and res["n_subjects"] == 12
    assert res["mixed_model"]["fitted"] and res["mixed_model"]["slope"] < 0  # the demo's errors shrink
