"""APIM for exchangeable dyads: statsmodels MixedLM (random intercept per dyad) against generalised
least squares with a compound-symmetry error structure written out by hand.

Hand computation: per dyad V = sigma^2 [[1, rho], [rho, 1]] (a dyad with one member: sigma^2).
For a given rho, beta is the GLS estimate and sigma^2 is profiled out; rho maximises the
restricted likelihood (REML), found with scipy's bounded scalar minimiser. The random intercept
model is the same model when rho >= 0 (rho = tau^2 / (tau^2 + sigma_e^2)), so the estimates must agree.
"""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest
from scipy import optimize
from shared_data import dataset_path

from securebase.research.apim import apim_frame, run_apim, summary_text

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "research" / "apim.ipynb"
DEMO = ROOT / "tests" / "fixtures" / "research_demo_diary.csv"
KASHY = dataset_path("kashy_daily_diary.csv")
ACITELLI = dataset_path("acitelli_couples.csv")
needs_kashy = pytest.mark.skipif(not KASHY.exists(), reason=f"real data set not found at {KASHY} (shared/datasets)")
needs_acitelli = pytest.mark.skipif(not ACITELLI.exists(), reason=f"real data set not found at {ACITELLI}")
PARAMETERS = ["data_path", "dyad_col", "person_col", "outcome", "predictors", "layout", "results_path"]
TOL = 1e-3


# --------------------------------------------------------------------------- the hand computation


def cs_gls_reml(y: np.ndarray, X: np.ndarray, dyads: np.ndarray) -> dict:
    """REML compound-symmetry GLS for dyads; returns beta, its standard errors, rho and sigma^2."""
    n, p = X.shape
    order = np.argsort(dyads, kind="stable")
    y, X, dyads = y[order], X[order], dyads[order]
    starts = np.flatnonzero(np.r_[True, dyads[1:] != dyads[:-1]])
    sizes = np.diff(np.r_[starts, n])
    assert set(sizes) <= {1, 2}
    first = starts[sizes == 2]
    pair_a, pair_b, single = first, first + 1, starts[sizes == 1]

    def pieces(rho):
        # W^-1 for a pair is [[1, -rho], [-rho, 1]] / (1 - rho^2); for a single person 1
        k = 1.0 / (1.0 - rho**2)
        Xa, Xb, ya, yb, Xs, ys = X[pair_a], X[pair_b], y[pair_a], y[pair_b], X[single], y[single]
        XWX = k * (Xa.T @ Xa + Xb.T @ Xb - rho * (Xa.T @ Xb + Xb.T @ Xa)) + Xs.T @ Xs
        XWy = k * (Xa.T @ ya + Xb.T @ yb - rho * (Xa.T @ yb + Xb.T @ ya)) + Xs.T @ ys
        beta = np.linalg.solve(XWX, XWy)
        ra, rb, rs = ya - Xa @ beta, yb - Xb @ beta, ys - Xs @ beta
        rWr = k * (ra @ ra + rb @ rb - 2 * rho * ra @ rb) + rs @ rs
        logdet_w = len(pair_a) * np.log(1.0 - rho**2)
        return beta, rWr, logdet_w, XWX

    def objective(rho):  # -2 restricted log-likelihood, constants dropped, sigma^2 profiled
        _, rWr, logdet_w, XWX = pieces(rho)
        return (n - p) * np.log(rWr / (n - p)) + logdet_w + np.linalg.slogdet(XWX)[1]

    res = optimize.minimize_scalar(objective, bounds=(-0.999, 0.999), method="bounded", options={"xatol": 1e-12})
    rho = float(res.x)
    beta, rWr, _, XWX = pieces(rho)
    sigma2 = rWr / (n - p)
    se = np.sqrt(np.diag(sigma2 * np.linalg.inv(XWX)))
    return {"beta": beta, "se": se, "rho": rho, "sigma2": sigma2}


def hand_apim(frame: pd.DataFrame, dyad_col: str, stems: list[str]) -> dict:
    """The same APIM by hand, from the per-person frame of :func:`apim_frame`."""
    d = frame.dropna()
    cols = [f"{s}_{x}" for s in stems for x in ("A", "P")]
    X = np.column_stack([np.ones(len(d)), d[cols].to_numpy(float)])
    out = cs_gls_reml(d["y"].to_numpy(float), X, d[dyad_col].to_numpy())
    out["names"] = ["Intercept", *cols]
    return out


def max_diff(result: dict, hand: dict, stems: list[str], predictors: list[str]) -> dict:
    ours = [result["intercept"]]
    ours_se = [result["intercept_std_error"]]
    for p in predictors:
        ours += [result["actor_effects"][p], result["partner_effects"][p]]
        ours_se += [result["actor_std_errors"][p], result["partner_std_errors"][p]]
    return {
        "beta": float(np.max(np.abs(np.array(ours) - hand["beta"]))),
        "se": float(np.max(np.abs(np.array(ours_se) - hand["se"]))),
        "rho": abs(result["residual_dyad_correlation"] - hand["rho"]),
        "total_variance": abs(sum(result["variance_components"].values()) - hand["sigma2"]),
    }


# --------------------------------------------------------------------------- Acitelli (individual layout)


ACITELLI_ARGS = {"dyad_col": "cuplid", "person_col": "gender", "outcome": "satisfaction", "layout": "individual"}


@needs_acitelli
@pytest.mark.parametrize("predictors", [["tension"], ["other_pos"], ["tension", "other_pos"]])
def test_acitelli_matches_hand_cs_gls(predictors):
    r = run_apim(ACITELLI, predictors=predictors, **ACITELLI_ARGS)
    assert r["converged"] and r["n_obs"] == 296 and r["n_dyads"] == 148 and not r["aggregated"]
    assert set(r["actor_effects"]) == set(predictors) == set(r["partner_std_errors"])
    frame, info = apim_frame(ACITELLI, predictors=predictors, **ACITELLI_ARGS)
    hand = hand_apim(frame, "cuplid", info["stems"])
    diff = max_diff(r, hand, info["stems"], predictors)
    assert hand["rho"] > 0  # inside the random-intercept model's range
    assert diff["beta"] < TOL and diff["se"] < TOL and diff["rho"] < TOL and diff["total_variance"] < TOL, diff


@needs_acitelli
def test_acitelli_with_missing_outcomes_matches_hand_cs_gls(tmp_path):
    """With complete dyads the actor/partner design makes GLS equal OLS whatever rho is, so the
    fixed effects alone test little; with some outcomes missing (dyads of one) they depend on rho."""
    raw = pd.read_csv(ACITELLI)
    raw.loc[raw.index[::13], "satisfaction"] = np.nan  # 23 persons without an outcome
    path = tmp_path / "acitelli_gaps.csv"
    raw.to_csv(path, index=False)
    r = run_apim(path, predictors=["tension"], **ACITELLI_ARGS)
    assert r["n_obs"] == 296 - 23 and r["n_dropped_missing"] == 23
    frame, info = apim_frame(path, predictors=["tension"], **ACITELLI_ARGS)
    hand = hand_apim(frame, "cuplid", ["tension"])
    diff = max_diff(r, hand, ["tension"], ["tension"])
    assert max(diff.values()) < TOL, diff
    d = frame.dropna()
    X = np.column_stack([np.ones(len(d)), d[["tension_A", "tension_P"]].to_numpy(float)])
    ols = np.linalg.lstsq(X, d["y"].to_numpy(float), rcond=None)[0]
    assert np.max(np.abs(ols - hand["beta"])) > 10 * diff["beta"]  # the check can tell GLS from OLS


@needs_acitelli
def test_acitelli_known_estimates():
    r = run_apim(ACITELLI, predictors=["tension"], **ACITELLI_ARGS)
    assert r["actor_effects"]["tension"] == pytest.approx(-0.3752, abs=1e-3)
    assert r["partner_effects"]["tension"] == pytest.approx(-0.1775, abs=1e-3)
    assert r["residual_dyad_correlation"] == pytest.approx(0.438, abs=2e-3)
    r = run_apim(ACITELLI, predictors=["other_pos"], **ACITELLI_ARGS)
    assert r["actor_effects"]["other_pos"] == pytest.approx(0.4004, abs=1e-3)
    assert r["partner_effects"]["other_pos"] == pytest.approx(0.2880, abs=1e-3)
    assert "partner other_pos" in summary_text(r)


@needs_acitelli
def test_partner_values_come_from_the_other_row():
    frame, _ = apim_frame(ACITELLI, predictors=["tension"], **ACITELLI_ARGS)
    raw = pd.read_csv(ACITELLI)
    merged = frame.merge(raw, on=["cuplid", "gender"])
    assert np.allclose(merged["tension_A"], merged["tension"]) and np.allclose(merged["y"], merged["satisfaction"])
    other = raw.assign(gender=-raw["gender"])[["cuplid", "gender", "tension"]].rename(columns={"tension": "t_other"})
    both = frame.merge(other, on=["cuplid", "gender"])
    assert len(both) == 296 and np.allclose(both["tension_P"], both["t_other"])


# --------------------------------------------------------------------------- Kashy (pairwise, longitudinal -> person means)


@needs_kashy
def test_kashy_pairwise_aggregated_matches_hand_cs_gls():
    r = run_apim(KASHY, "dyadid", "person", "satisf_A", ["conflict"], "pairwise")
    assert r["aggregated"] and r["rows_per_person"] == {"min": 14, "max": 14}
    assert r["n_obs"] == 206 and r["n_dyads"] == 103 and r["outcome_column"] == "satisf_A"
    assert any("averaged per person" in n for n in r["import_notes"])
    assert not any(p.startswith("no time column is mapped") for p in r["import_problems"])
    frame, info = apim_frame(KASHY, dyad_col="dyadid", person_col="person", outcome="satisf_A",
                             predictors=["conflict"], layout="pairwise")
    # the person means, computed here from the raw file
    raw = pd.read_csv(KASHY, na_values=[" "])
    means = raw.groupby(["dyadid", "person"])[["satisf_A", "conflict_A", "conflict_P"]].mean().reset_index()
    check = frame.merge(means, on=["dyadid", "person"])
    assert np.allclose(check["y"], check["satisf_A"]) and np.allclose(check["conflict_P_x"], check["conflict_P_y"])
    hand = hand_apim(frame, "dyadid", ["conflict"])
    diff = max_diff(r, hand, ["conflict"], ["conflict"])
    assert diff["beta"] < TOL and diff["se"] < TOL and diff["rho"] < TOL, diff
    # the stems are accepted as well as the actor names
    r2 = run_apim(KASHY, "dyadid", "person", "satisf", ["conflict_A"], "pairwise")
    assert r2["actor_effects"]["conflict_A"] == pytest.approx(r["actor_effects"]["conflict"])


@needs_kashy
def test_notebook_on_kashy_pairwise(tmp_path):
    out = tmp_path / "apim_kashy.json"
    pm.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
        parameters={"data_path": str(KASHY), "dyad_col": "dyadid", "person_col": "person", "outcome": "satisf_A",
                    "predictors": ["conflict"], "layout": "pairwise", "results_path": str(out)},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    r = json.loads(out.read_text())
    assert set(r) >= {"intercept", "actor_effects", "partner_effects", "actor_std_errors", "partner_std_errors",
                      "residual_dyad_correlation"}
    frame, _ = apim_frame(KASHY, dyad_col="dyadid", person_col="person", outcome="satisf_A",
                          predictors=["conflict"], layout="pairwise")
    diff = max_diff(r, hand_apim(frame, "dyadid", ["conflict"]), ["conflict"], ["conflict"])
    assert max(diff.values()) < TOL, diff


@needs_acitelli
def test_notebook_on_acitelli_individual(tmp_path):
    out = tmp_path / "apim_acitelli.json"
    pm.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
        parameters={"data_path": str(ACITELLI), **ACITELLI_ARGS, "predictors": ["tension"], "results_path": str(out)},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    r = json.loads(out.read_text())
    assert r["layout"] == "individual" and r["data"] == "acitelli_couples.csv"
    frame, _ = apim_frame(ACITELLI, predictors=["tension"], **ACITELLI_ARGS)
    diff = max_diff(r, hand_apim(frame, "cuplid", ["tension"]), ["tension"], ["tension"])
    assert max(diff.values()) < TOL, diff
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    outputs = json.dumps([c.get("outputs", []) for c in executed.cells])
    assert "actor tension" in outputs and str(ACITELLI.parent) not in outputs and str(tmp_path) not in outputs


# --------------------------------------------------------------------------- contract, demo, errors


def test_notebook_parameters_are_the_contract():
    assert list(pm.inspect_notebook(str(NOTEBOOK))) == PARAMETERS


def test_demo_file_and_results_json(tmp_path):
    out = tmp_path / "sub" / "apim.json"
    r = run_apim(DEMO, "dyadid", "person", "satisf_A", "conflict", "pairwise", results_path=out)
    assert json.loads(out.read_text())["actor_effects"] == r["actor_effects"]
    assert r["n_dyads"] == 20 and r["aggregated"]
    frame, _ = apim_frame(DEMO, dyad_col="dyadid", person_col="person", outcome="satisf_A",
                          predictors=["conflict"], layout="pairwise")
    assert max(max_diff(r, hand_apim(frame, "dyadid", ["conflict"]), ["conflict"], ["conflict"]).values()) < TOL


def test_errors(tmp_path):
    with pytest.raises(ValueError, match="layout must be one of"):
        run_apim(DEMO, "dyadid", "person", "satisf_A", ["conflict"], "wide")
    with pytest.raises(ValueError, match="predictors is empty"):
        run_apim(DEMO, "dyadid", "person", "satisf_A", [], "pairwise")
    with pytest.raises(ValueError, match="did you mean 'conflict_A'"):
        run_apim(DEMO, "dyadid", "person", "satisf_A", ["conflic"], "pairwise")


def test_individual_and_pairwise_layouts_agree_on_the_demo_diary(tmp_path):
    """The demo diary in the individual layout (one row per person per day, each variable once)
    gives the same APIM as the pairwise file: partner means from the partner's own rows."""
    from securebase.couples.dyadic import to_individual
    from securebase.couples.pairwise_csv import read_pairwise_csv

    pairwise_df, _ = read_pairwise_csv(DEMO)
    individual = to_individual(pairwise_df, dyad_col="dyadid", person_col="person", time_col="Day")
    assert "conflict" in individual.columns and "conflict_P" not in individual.columns
    path = tmp_path / "demo_individual.csv"
    individual.to_csv(path, index=False)
    a = run_apim(path, "dyadid", "person", "satisf", ["conflict"], "individual")
    b = run_apim(DEMO, "dyadid", "person", "satisf_A", ["conflict"], "pairwise")
    assert a["aggregated"] and a["n_obs"] == b["n_obs"] == 40
    for key in ("intercept", "residual_dyad_correlation"):
        assert a[key] == pytest.approx(b[key], abs=1e-6)
    assert a["actor_effects"]["conflict"] == pytest.approx(b["actor_effects"]["conflict"], abs=1e-6)
    assert a["partner_effects"]["conflict"] == pytest.approx(b["partner_effects"]["conflict"], abs=1e-6)
