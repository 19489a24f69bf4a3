"""securebase.research.prepost: hand-computed change statistics, effect sizes and reliable
change; the noncentral-t interval; both ways of finding the pre and post scores; the notebook."""

from __future__ import annotations

import json
import math
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest
from scipy import stats

from securebase.research import prepost as p

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "research" / "prepost.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "research_demo_long.csv"

PRE = [10, 12, 14, 16]
POST = [8, 11, 11, 15]  # changes -2, -1, -3, -1


def test_paired_change_by_hand():
    r = p.paired_change(PRE, POST)
    # mean change -1.75; deviations -0.25, 0.75, -1.25, 0.75: SS 2.75, SD sqrt(2.75 / 3)
    sd_d = math.sqrt(2.75 / 3)
    assert r["n"] == 4 and r["df"] == 3
    assert r["mean_change"] == pytest.approx(-1.75) and r["sd_change"] == pytest.approx(sd_d)
    assert r["se"] == pytest.approx(sd_d / 2)
    assert r["t"] == pytest.approx(-1.75 / (sd_d / 2))  # -3.6556
    assert r["t"] == pytest.approx(-3.6556, abs=1e-4)
    assert r["p"] == pytest.approx(2 * stats.t.sf(3.6556, 3), abs=1e-5)
    tcrit = stats.t.ppf(0.975, 3)
    assert r["ci_mean_change"] == pytest.approx([-1.75 - tcrit * sd_d / 2, -1.75 + tcrit * sd_d / 2])
    # SDs: pre sqrt(20/3) = 2.5820, post sqrt(24.75/3) = 2.8723
    sd_pre, sd_post = math.sqrt(20 / 3), math.sqrt(8.25)
    assert r["sd_pre"] == pytest.approx(sd_pre) and r["sd_post"] == pytest.approx(sd_post)
    assert r["d_z"] == pytest.approx(-1.75 / sd_d)  # -1.8278
    assert r["d_z"] == pytest.approx(-1.8278, abs=1e-4)
    assert r["d_av"] == pytest.approx(-1.75 / ((sd_pre + sd_post) / 2))  # -0.6417
    assert r["d_av"] == pytest.approx(-0.6417, abs=1e-4)
    # Hedges' exact J for df 3: Gamma(1.5) / (sqrt(1.5) Gamma(1)) = 0.7236
    J = math.gamma(1.5) / (math.sqrt(1.5) * math.gamma(1.0))
    assert r["hedges_j"] == pytest.approx(J) and r["hedges_j"] == pytest.approx(0.7236, abs=1e-4)
    assert r["g_z"] == pytest.approx(J * r["d_z"]) and r["g_av"] == pytest.approx(J * r["d_av"])
    assert r["ci_g_z"] == pytest.approx([J * x for x in r["ci_d_z"]])
    # d_av interval = d_z interval rescaled by sd_change / sd_av
    scale = sd_d / ((sd_pre + sd_post) / 2)
    assert r["ci_d_av"] == pytest.approx([x * scale for x in r["ci_d_z"]])
    json.dumps(r, allow_nan=False)


def test_hedges_j_approaches_the_usual_approximation():
    assert p.hedges_j(10) == pytest.approx(24 / (math.sqrt(5) * math.gamma(4.5)))  # 0.9227
    for df in (10, 30, 100):
        assert p.hedges_j(df) == pytest.approx(1 - 3 / (4 * df - 1), abs=4e-4)


def test_noncentral_t_interval():
    r = p.paired_change(PRE, POST)
    n, t = 4, r["t"]
    lo, hi = (x * math.sqrt(n) for x in r["ci_d_z"])
    # the limits are the noncentrality parameters that put the observed t at the 97.5th / 2.5th percentile
    assert stats.nct.cdf(t, 3, lo) == pytest.approx(0.975, abs=1e-8)
    assert stats.nct.cdf(t, 3, hi) == pytest.approx(0.025, abs=1e-8)
    assert r["ci_d_z"][0] < r["d_z"] < r["ci_d_z"][1]
    # large n: close to the normal approximation d +- 1.96 sqrt(1/n + d^2 / (2n))
    rng = np.random.default_rng(1)
    pre = rng.normal(50, 10, 2000)
    big = p.paired_change(pre, pre + rng.normal(3, 6, 2000))
    half = 1.96 * math.sqrt(1 / 2000 + big["d_z"] ** 2 / 4000)
    assert big["ci_d_z"] == pytest.approx([big["d_z"] - half, big["d_z"] + half], abs=2e-3)


def test_no_variation_in_change_is_reported_not_raised():
    r = p.paired_change([1, 2, 3], [2, 3, 4])
    assert r["mean_change"] == 1 and r["t"] is None and "same amount" in r["note"]
    assert p.paired_change([1], [2])["note"].startswith("needs")


@pytest.fixture
def frame():
    # person-period rows; pre on the first row, post on the last; S3 has no post; rows out of order
    return pd.DataFrame({
        "sid": ["S1", "S1", "S1", "S2", "S2", "S3", "S3", "S4", "S4", "S5", "S5"],
        "day": [3, 1, 2, 1, 9, 1, 2, 1, 5, 5, 1],
        "pre": [np.nan, 30, np.nan, 22, np.nan, 25, np.nan, 28, np.nan, np.nan, 24],
        "post": [20, np.nan, np.nan, np.nan, 21, np.nan, np.nan, np.nan, 27, 23, np.nan],
        "score": [5, 1, 3, 2, 2, 4, np.nan, 6, 8, 9, 7],
    })


def test_prepost_from_two_columns_with_reliable_change(frame):
    r = p.prepost(frame, "sid", pre_col="pre", post_col="post", time_col="day", sd=5.0, reliability=0.8)
    assert r["n"] == 4 and r["n_excluded"] == 1 and r["excluded_subjects"] == ["S3"]
    per = pd.DataFrame(r["per_subject"]).set_index("subject")
    assert per.loc["S1", "change"] == -10 and per.loc["S2", "change"] == -1
    s_diff = math.sqrt(2) * 5 * math.sqrt(0.2)  # 3.1623
    assert r["reliable_change"]["s_diff"] == pytest.approx(s_diff)
    assert per.loc["S1", "rci"] == pytest.approx(-10 / s_diff)  # -3.16: reliable decrease
    assert per.loc["S1", "direction"] == "decrease" and bool(per.loc["S1", "reliable"])
    assert per.loc["S4", "direction"] == "none"  # -1 / 3.16
    assert r["reliable_change"]["n_reliable_decrease"] == 1 and r["reliable_change"]["n_no_reliable_change"] == 3
    assert r["mean_change"] == pytest.approx(np.mean([-10, -1, -1, -1]))


def test_prepost_from_one_column(frame):
    # default: each subject's first and last occasion with a value (S3 has one value only)
    r = p.prepost(frame, "sid", value_col="score", time_col="day")
    per = pd.DataFrame(r["per_subject"]).set_index("subject")
    assert per.loc["S1", ["pre", "post"]].tolist() == [1, 5] and per.loc["S5", ["pre", "post"]].tolist() == [7, 9]
    assert per.loc["S3", ["pre", "post"]].tolist() == [4, 4]
    # given occasions: day 1 and day 5 (only S4 and S5 have both)
    r = p.prepost(frame, "sid", value_col="score", time_col="day", pre_time=1, post_time="5")
    assert r["n"] == 2 and sorted(r["excluded_subjects"]) == ["S1", "S2", "S3"]


def test_prepost_needs_one_way_of_giving_scores(frame):
    with pytest.raises(ValueError, match="either"):
        p.prepost(frame, "sid", pre_col="pre", value_col="score")
    with pytest.raises(ValueError, match="reliability"):
        p.prepost(frame, "sid", pre_col="pre", post_col="post", reliability=1.0)


def test_notebook_on_the_fixture(tmp_path):
    out = tmp_path / "results.json"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(NOTEBOOK.parent), parameters={"data_path": str(FIXTURE), "results_path": str(out)},
                        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager")
    res = json.loads(out.read_text())
    assert res["n"] == 12 and res["reliable_change"]["reliability"] == 0.85
    assert res == p.run(FIXTURE, subject_col="subject", time_col="day", pre_col="pre_score", post_col="post_score",
                        reliability=0.85)
    text = "".join(o.get("text", "") for c in nbformat.read(tmp_path / "executed.ipynb", as_version=4).cells
                   for o in c.get("outputs", []))
    assert "d_z" in text and "Reliable change" in text


def test_confidence_limits_of_a_large_effect_in_a_tiny_sample():
    """scipy's noncentral t returns NaN far in its tails; the limits must still be found (n = 3, t = -7)."""
    from securebase.research.prepost import nct_ci

    lo, hi = nct_ci(-7.0, 2)
    assert math.isfinite(lo) and math.isfinite(hi) and lo < -7.0 < hi < 0
