"""securebase.research.descriptives: hand-computed values, the grouped reductions against pandas,
the ICC by MixedLM against the ANOVA estimator on the Kashy diary, and the notebook in batch."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from securebase.research import descriptives as d
from shared_data import dataset_path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "research" / "descriptives.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "research_demo_long.csv"
KASHY = dataset_path("kashy_daily_diary.csv")
needs_kashy = pytest.mark.skipif(not KASHY.exists(), reason=f"real data set not found at {KASHY}")


@pytest.fixture
def tiny():
    # A: 1 2 3 (mean 2), B: 4 5 6 (mean 5), C: 2 4 6 (mean 4); grand mean 11/3
    return pd.DataFrame({"sid": list("AAABBBCCC"), "t": [1, 2, 3] * 3, "y": [1, 2, 3, 4, 5, 6, 2, 4, 6.0]})


def test_tiny_frame_by_hand(tiny):
    r = d.describe_study(tiny, "sid", ["y"], icc_method="both")
    v = r["variables"]["y"]
    # SS within = 2 + 2 + 8 = 12 on 9 - 3 = 6 df: MSW = 2. SS between = 3 * (25 + 16 + 1) / 9 = 14 on 2 df: MSB = 7.
    a = v["icc_anova"]
    assert a["msw"] == pytest.approx(2.0) and a["msb"] == pytest.approx(7.0) and a["n0"] == pytest.approx(3.0)
    assert a["var_between"] == pytest.approx(5 / 3) and a["var_within"] == pytest.approx(2.0)
    assert a["icc"] == pytest.approx(5 / 11)  # (7 - 2) / (7 + 2 * 2)
    # balanced data, positive estimate: REML gives the ANOVA estimates
    m = v["icc_mixedlm"]
    assert m["converged"] and m["icc"] == pytest.approx(5 / 11, abs=1e-4)
    assert m["var_between"] == pytest.approx(5 / 3, rel=1e-3) and m["var_within"] == pytest.approx(2.0, rel=1e-3)
    assert m["intercept"] == pytest.approx(11 / 3, abs=1e-4)
    desc = v["descriptives"]
    assert desc == pytest.approx({"n": 9, "n_missing": 0, "mean": 11 / 3, "sd": math.sqrt(26 / 8), "min": 1.0, "max": 6.0})
    wb = v["within_between"]
    assert wb["between_sd"] == pytest.approx(math.sqrt(7 / 3))  # SD of 2, 5, 4
    assert wb["within_sd"] == pytest.approx(math.sqrt(2.0))
    assert wb["within_sd_raw"] == pytest.approx(math.sqrt(12 / 8))
    assert wb["grand_mean"] == pytest.approx(11 / 3) and wb["mean_of_person_means"] == pytest.approx(11 / 3)
    assert v["icc"] == pytest.approx(5 / 11, abs=1e-4) and v["icc_source"] == "mixedlm"
    json.dumps(r, allow_nan=False)


def test_unbalanced_with_blanks_by_hand():
    # A: 1 3 (blank), B: 4 6 8, C: 5 -> n = 2, 3, 1; N = 6, k = 3
    df = pd.DataFrame({"sid": ["A", "A", "A", "B", "B", "B", "C"], "y": [1, 3, np.nan, 4, 6, 8, 5]})
    a = d.icc_anova(df, "sid", "y")
    # means 2, 6, 5; grand 27/6 = 4.5; SSW = 2 + 8 + 0 = 10 on 3 df; SSB = 2*6.25 + 3*2.25 + 0.25 = 19.5 on 2 df
    n0 = (6 - (4 + 9 + 1) / 6) / 2
    msb, msw = 19.5 / 2, 10 / 3
    assert a["n0"] == pytest.approx(n0) and a["msb"] == pytest.approx(msb) and a["msw"] == pytest.approx(msw)
    assert a["icc"] == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw))
    assert d.describe(df, "y")["y"]["n_missing"] == 1


def test_person_mean_centre(tiny):
    out = d.person_mean_centre(tiny.iloc[::-1], "sid", "y")  # unsorted rows: index kept
    assert list(out.index) == list(tiny.index[::-1])
    assert out.loc[0, "y_pm"] == 2 and out.loc[0, "y_within"] == -1
    assert out.loc[8, "y_pm"] == 4 and out.loc[8, "y_within"] == 2


@pytest.mark.parametrize("shuffle", [False, True])
def test_grouped_moments_match_pandas(shuffle):
    rng = np.random.default_rng(5)
    n_subj = 60
    sizes = rng.integers(1, 40, n_subj)
    sid = np.repeat(np.arange(n_subj), sizes)
    x = rng.normal(1e6, 3.0, len(sid)) + np.repeat(rng.normal(0, 50, n_subj), sizes)  # large mean: cancellation test
    x[rng.random(len(x)) < 0.15] = np.nan
    x[sid == 3] = np.nan  # a subject with no value
    x[sid == 4] = 1e6 + 0.1  # a constant subject
    df = pd.DataFrame({"dyad": sid // 2, "person": sid % 2 + 1, "x": x})
    if shuffle:
        df = df.sample(frac=1, random_state=1)
    g = d.Groups(df, ["dyad", "person"])
    m = g.moments(df["x"].to_numpy())
    ref = df.groupby(["dyad", "person"], sort=True)["x"].agg(["count", "mean", "var"])
    assert g.labels == [f"{a}_{b}" for a, b in ref.index]
    np.testing.assert_array_equal(m["n"], ref["count"].to_numpy())
    np.testing.assert_allclose(m["mean"], ref["mean"].to_numpy(), rtol=1e-13)
    ok = ref["count"].to_numpy() > 1
    np.testing.assert_allclose(m["ss"][ok] / (m["n"][ok] - 1), ref["var"].to_numpy()[ok], rtol=1e-8, atol=1e-9)
    const = np.flatnonzero(m["constant"])
    assert [g.labels[i] for i in const] == ["2_1"] + [lab for lab, c in zip(g.labels, m["n"]) if c == 1]
    assert m["min"] == np.nanmin(x) and m["max"] == np.nanmax(x)


def test_read_long_blank_cells_and_parquet(tmp_path):
    csv = tmp_path / "d.csv"
    csv.write_text("s,day,y,z\n1,1, ,a\n1,2,2.5,b\n2,1,3, \n")
    df = d.read_long(csv)
    assert df["y"].dtype == np.float64 and np.isnan(df["y"][0]) and df["z"].isna().sum() == 1
    pq = tmp_path / "d.parquet"
    df.to_parquet(pq)
    pd.testing.assert_frame_equal(d.read_long(pq)[["s", "day", "y"]], df[["s", "day", "y"]])


def test_errors_say_what_to_do(tiny):
    with pytest.raises(ValueError, match="not found"):
        d.describe_study(tiny, "sid", ["nope"])
    with pytest.raises(ValueError, match="icc_method"):
        d.describe_study(tiny, "sid", ["y"], icc_method="reml")
    with pytest.raises(ValueError, match="no subject id"):
        d.Groups(pd.DataFrame({"sid": ["A", None], "y": [1, 2]}), "sid")


@needs_kashy
def test_kashy_icc_mixedlm_close_to_anova():
    """Subject = dyadid x person (206 persons, 14 days). In a balanced design REML and the ANOVA
    (method-of-moments) estimator give the same variance components when the ANOVA estimate is
    positive (Searle, Casella & McCulloch 1992); Kashy's diary has every row but 18 blank
    satisfaction and 29 blank conflict cells (under 1%), so the two may differ only through that
    slight imbalance - observed 0.0006 and 0.0003. The tolerance 0.005 is an order of magnitude
    above that, and an order below what a real mistake does (the wrong n0, or an optimiser stuck
    at the zero-variance boundary - L-BFGS gives ICC 0 here)."""
    df = d.read_long(KASHY)
    r = d.describe_study(df, "dyadid,person", ["satisf_A", "conflict_A"], time_col="Day")
    assert r["n_rows"] == 2884 and r["n_subjects"] == 206
    sat, con = r["variables"]["satisf_A"], r["variables"]["conflict_A"]
    assert sat["descriptives"]["n"] == 2866 and con["descriptives"]["n"] == 2855
    for v in (sat, con):
        assert v["icc_mixedlm"]["converged"]
        assert abs(v["icc_difference"]) < 0.005
    assert sat["icc_mixedlm"]["icc"] == pytest.approx(0.486, abs=0.001)
    assert sat["icc_anova"]["icc"] == pytest.approx(0.487, abs=0.001)
    assert con["icc_mixedlm"]["icc"] == pytest.approx(0.154, abs=0.001)
    assert con["icc_anova"]["icc"] == pytest.approx(0.155, abs=0.001)
    # the ANOVA ICC once more, straight from pandas
    for var, res in (("satisf_A", sat), ("conflict_A", con)):
        x = df.dropna(subset=[var])
        grp = x.groupby(["dyadid", "person"])[var]
        n_i, m_i = grp.count(), grp.mean()
        N, k = len(x), len(n_i)
        msw = ((x[var] - grp.transform("mean")) ** 2).sum() / (N - k)
        msb = (n_i * (m_i - x[var].mean()) ** 2).sum() / (k - 1)
        n0 = (N - (n_i ** 2).sum() / N) / (k - 1)
        assert res["icc_anova"]["icc"] == pytest.approx((msb - msw) / (msb + (n0 - 1) * msw), rel=1e-10)
        assert res["descriptives"]["sd"] == pytest.approx(x[var].std(), rel=1e-10)


def _run_notebook(tmp_path, **params):
    out = tmp_path / "results.json"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(NOTEBOOK.parent), parameters={**params, "results_path": str(out)},
                        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager")
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return json.loads(out.read_text()), text


def test_notebook_on_the_fixture(tmp_path):
    res, text = _run_notebook(tmp_path, data_path=str(FIXTURE))
    assert res["n_subjects"] == 12 and set(res["variables"]) == {f"item{i}" for i in range(1, 6)}
    assert "ICC(1)" in text and "results written to results.json" in text
    assert res == d.run(FIXTURE, subject_col="subject", variables=[f"item{i}" for i in range(1, 6)], time_col="day")


@needs_kashy
def test_notebook_on_kashy(tmp_path):
    res, text = _run_notebook(tmp_path, data_path=str(KASHY), subject_col="dyadid,person", time_col="Day",
                              variables=["satisf_A", "conflict_A"], icc_method="anova", person_means=True)
    assert res["n_subjects"] == 206
    pm_table = res["variables"]["satisf_A"]["within_between"]["person_means"]
    assert len(pm_table["subject"]) == 206 and pm_table["subject"][0] == "1_1"
    assert "satisf_A" in text and "conflict_A" in text
