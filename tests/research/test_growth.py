"""Growth curves: statsmodels MixedLM against two independent computations, on Kashy's real diary.

1. GLS by hand with the covariance MixedLM estimated: V_i = Z_i G Z_i' + sigma^2 I per subject,
   beta = (sum X'V^-1 X)^-1 sum X'V^-1 y (checks the fixed effects given the variances).
2. REML by hand: the restricted likelihood written out here (Woodbury form, profiled residual
   variance) and maximised with scipy; its fixed effects and variances must agree with MixedLM's
   (checks the variance estimates too, so the whole fit).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import papermill as pm
import pytest
from scipy import optimize
from shared_data import dataset_path

from securebase.research.diary_import import DiaryMapping, import_diary
from securebase.research.growth import run_growth_curve, summary_text

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "research" / "growth_curve.ipynb"
DEMO = ROOT / "tests" / "fixtures" / "research_demo_diary.csv"
KASHY = dataset_path("kashy_daily_diary.csv")
needs_kashy = pytest.mark.skipif(not KASHY.exists(), reason=f"real data set not found at {KASHY} (shared/datasets)")
TERMS = ["Intercept", "time", "Cavoid_A", "time:Cavoid_A"]
PARAMETERS = ["data_path", "subject_col", "time_col", "outcome", "moderator", "filter", "results_path"]


# --------------------------------------------------------------------------- independent computations


def _design(frame, outcome="satisf_A", time="time", moderator="Cavoid_A"):
    """y, X (Intercept, time, moderator, time x moderator), Z (1, time) and the subject of each row."""
    d = frame.dropna(subset=[outcome, time, moderator])
    t, m = d[time].to_numpy(float), d[moderator].to_numpy(float)
    X = np.column_stack([np.ones(len(d)), t, m, t * m])
    Z = np.column_stack([np.ones(len(d)), t])
    return d[outcome].to_numpy(float), X, Z, d["subject"].to_numpy()


def _groups(subjects):
    _, inverse = np.unique(subjects, return_inverse=True)
    return [np.flatnonzero(inverse == g) for g in range(inverse.max() + 1)]


def gls_given_covariance(y, X, Z, subjects, G, sigma2):
    """beta = (sum X'V^-1 X)^-1 sum X'V^-1 y with V_i = Z_i G Z_i' + sigma^2 I, one subject at a time."""
    p = X.shape[1]
    A, b = np.zeros((p, p)), np.zeros(p)
    for idx in _groups(subjects):
        Zi, Xi = Z[idx], X[idx]
        V = Zi @ G @ Zi.T + sigma2 * np.eye(len(idx))
        A += Xi.T @ np.linalg.solve(V, Xi)
        b += Xi.T @ np.linalg.solve(V, y[idx])
    return np.linalg.solve(A, b)


class HandREML:
    """REML for y = X b + Z u + e, u ~ N(0, sigma^2 Psi), e ~ N(0, sigma^2 I), by subject.

    With W_i = I + Z_i Psi Z_i' (Woodbury: W^-1 = I - Z Psi (I + Z'Z Psi)^-1 Z',
    log|W| = log|I + Z'Z Psi|) and sigma^2 profiled out, -2 x restricted log-likelihood is, up to
    a constant, (n - p) log(r'W^-1 r / (n - p)) + sum log|W_i| + log|X'W^-1 X|.
    Psi = L L' with L lower triangular (3 free numbers).
    """

    def __init__(self, y, X, Z, subjects):
        self.n, self.p = X.shape
        groups = _groups(subjects)
        self.ZtZ = np.stack([Z[i].T @ Z[i] for i in groups])
        self.ZtX = np.stack([Z[i].T @ X[i] for i in groups])
        self.Zty = np.stack([Z[i].T @ y[i] for i in groups])
        self.XtX, self.Xty, self.yty = X.T @ X, X.T @ y, y @ y

    def _parts(self, theta):
        L = np.array([[theta[0], 0.0], [theta[1], theta[2]]])
        psi = L @ L.T
        M = np.eye(2) + self.ZtZ @ psi                      # I + Z'Z Psi, per subject
        A = psi @ np.linalg.inv(M)                          # Psi (I + Z'Z Psi)^-1
        XWX = self.XtX - np.einsum("gki,gkl,glj->ij", self.ZtX, A, self.ZtX)
        XWy = self.Xty - np.einsum("gki,gkl,gl->i", self.ZtX, A, self.Zty)
        yWy = self.yty - np.einsum("gk,gkl,gl->", self.Zty, A, self.Zty)
        beta = np.linalg.solve(XWX, XWy)
        rss = yWy - 2 * beta @ XWy + beta @ XWX @ beta
        logdet_w = np.linalg.slogdet(M)[1].sum()
        return psi, beta, rss, logdet_w, XWX

    def objective(self, theta):
        _, _, rss, logdet_w, XWX = self._parts(theta)
        dof = self.n - self.p
        return dof * np.log(rss / dof) + logdet_w + np.linalg.slogdet(XWX)[1]

    def fit(self, start):
        best = None
        for x0 in (start, np.array([1.0, 0.0, 0.1])):
            res = optimize.minimize(self.objective, x0, method="Nelder-Mead",
                                    options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000, "maxfev": 40000})
            res = optimize.minimize(self.objective, res.x, method="BFGS", options={"gtol": 1e-9})
            if best is None or res.fun < best.fun:
                best = res
        psi, beta, rss, _, _ = self._parts(best.x)
        sigma2 = rss / (self.n - self.p)
        return {"beta": beta, "G": sigma2 * psi, "sigma2": sigma2, "objective": best.fun}


def _theta_from(G, sigma2):
    L = np.linalg.cholesky(np.asarray(G) / sigma2)
    return np.array([L[0, 0], L[1, 0], L[1, 1]])


def _G_from(result):
    re_ = result["random_effects"]
    cov = re_["corr"] * re_["sd_intercept"] * re_["sd_slope"]
    return np.array([[re_["sd_intercept"] ** 2, cov], [cov, re_["sd_slope"] ** 2]]), re_["residual_sd"] ** 2


# --------------------------------------------------------------------------- Kashy


@pytest.fixture(scope="module")
def kashy_frame():
    return import_diary(KASHY, DiaryMapping(subject=["dyadid", "person"], time="time", outcomes=["satisf_A"],
                                            keep="all", duplicate_actor_as_partner=True)).frame


@pytest.fixture(scope="module")
def kashy_fit():
    return run_growth_curve(KASHY, "dyadid,person", "time", "satisf_A", moderator="Cavoid_A")


@pytest.fixture(scope="module")
def kashy_reml(kashy_frame, kashy_fit):
    G, s2 = _G_from(kashy_fit)
    hand = HandREML(*_design(kashy_frame))
    return hand, hand.fit(_theta_from(G, s2) * 1.3)  # start away from MixedLM's answer


@needs_kashy
def test_kashy_result_keys_and_terms(kashy_fit):
    r = kashy_fit
    assert list(r["fixed_effects"]) == TERMS and list(r["std_errors"]) == TERMS
    assert set(r["random_effects"]) >= {"sd_intercept", "sd_slope", "corr"}
    assert r["converged"] and r["formula"] == "satisf_A ~ time + Cavoid_A + time:Cavoid_A"
    # 2884 rows; dyad 39 has no Cavoid_A (28 rows), 18 more rows lack satisf_A
    assert r["n_obs"] == 2884 - 46 and r["n_dropped_missing"] == 46 and r["n_groups"] == 204
    assert r["data"] == "kashy_daily_diary.csv"
    assert any("'Cavoid_A.1') is read as 'Cavoid_P'" in n for n in r["import_notes"])
    fe = r["fixed_effects"]
    assert fe["Intercept"] == pytest.approx(6.3188, abs=1e-3) and fe["time"] == pytest.approx(0.0148, abs=1e-3)
    assert fe["Cavoid_A"] == pytest.approx(-0.0960, abs=1e-3) and fe["time:Cavoid_A"] == pytest.approx(0.0014, abs=1e-3)
    assert "time:Cavoid_A" in summary_text(r)


@needs_kashy
def test_kashy_fixed_effects_equal_gls_with_the_estimated_covariance(kashy_frame, kashy_fit):
    G, s2 = _G_from(kashy_fit)
    beta = gls_given_covariance(*_design(kashy_frame), G, s2)
    got = np.array([kashy_fit["fixed_effects"][t] for t in TERMS])
    assert np.max(np.abs(beta - got)) < 1e-6


@needs_kashy
def test_kashy_fit_equals_hand_written_reml(kashy_fit, kashy_reml):
    hand, ours = kashy_reml
    got = np.array([kashy_fit["fixed_effects"][t] for t in TERMS])
    assert np.max(np.abs(ours["beta"] - got)) < 1e-4
    G, s2 = _G_from(kashy_fit)
    assert np.max(np.abs(ours["G"] - G)) < 1e-4 and abs(ours["sigma2"] - s2) < 1e-4
    # MixedLM reached the same restricted likelihood (not a worse point)
    assert hand.objective(_theta_from(G, s2)) == pytest.approx(ours["objective"], abs=1e-5)


@needs_kashy
def test_kashy_filter_men_only(kashy_frame):
    r = run_growth_curve(KASHY, "dyadid,person", "time", "satisf_A", moderator="Cavoid_A", filter="genderE == 1")
    men = kashy_frame.query("genderE == 1")
    assert r["filter"] == "genderE == 1" and r["n_rows_after_filter"] == len(men) == 1442
    assert r["n_groups"] == 102 and r["n_obs"] == len(men.dropna(subset=["satisf_A", "Cavoid_A"]))
    G, s2 = _G_from(r)
    beta = gls_given_covariance(*_design(men), G, s2)
    assert np.max(np.abs(beta - np.array([r["fixed_effects"][t] for t in TERMS]))) < 1e-6
    assert r["fixed_effects"]["Intercept"] == pytest.approx(6.2610, abs=1e-3)


@needs_kashy
def test_kashy_without_moderator_and_bad_filter():
    r = run_growth_curve(KASHY, "dyadid,person", "Day", "satisf_A")
    assert list(r["fixed_effects"]) == ["Intercept", "Day"] and r["formula"] == "satisf_A ~ Day"
    with pytest.raises(ValueError, match="could not be applied"):
        run_growth_curve(KASHY, "dyadid,person", "time", "satisf_A", filter="sex == 1")


@needs_kashy
def test_notebook_on_kashy_with_papermill(tmp_path, kashy_reml):
    out = tmp_path / "results" / "growth.json"
    pm.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False, cwd=str(tmp_path),
        parameters={"data_path": str(KASHY), "subject_col": "dyadid,person", "time_col": "time",
                    "outcome": "satisf_A", "moderator": "Cavoid_A", "results_path": str(out)},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    r = json.loads(out.read_text())
    assert set(r) >= {"fixed_effects", "std_errors", "random_effects", "n_obs", "n_groups", "converged", "formula"}
    assert list(r["fixed_effects"]) == TERMS and r["n_groups"] == 204
    _, ours = kashy_reml
    assert np.max(np.abs(ours["beta"] - np.array([r["fixed_effects"][t] for t in TERMS]))) < 1e-4


# --------------------------------------------------------------------------- the notebook itself and the demo file


def test_notebook_parameters_are_the_contract():
    assert list(pm.inspect_notebook(str(NOTEBOOK))) == PARAMETERS


def test_demo_file(tmp_path):
    out = tmp_path / "r.json"
    r = run_growth_curve(DEMO, "dyadid,person", "time", "satisf_A", moderator="Cavoid_A", results_path=out)
    assert json.loads(out.read_text())["fixed_effects"] == r["fixed_effects"]
    assert r["n_groups"] == 40 and r["n_obs"] == 20 * 2 * 14 - 2 and r["converged"]
    assert any("subject 5_2: no row for time 1.5" in p for p in r["import_problems"])
    assert run_growth_curve(DEMO, "dyadid,person", "time", "satisf_A")["fixed_effects"].keys() == {"Intercept", "time"}


ACITELLI = dataset_path("acitelli_couples.csv")


@pytest.mark.skipif(not ACITELLI.exists(), reason=f"real data set not found at {ACITELLI}")
def test_cross_sectional_data_is_refused_with_a_clear_message(tmp_path):
    """Acitelli's couples were measured once: there is no growth to fit, and both the function and
    the papermill run say so instead of returning a fit that only looks converged."""
    args = {"data_path": str(ACITELLI), "subject_col": "cuplid,gender", "time_col": "Yearsmar",
            "outcome": "satisfaction", "moderator": ""}
    with pytest.raises(ValueError, match="needs repeated measures"):
        run_growth_curve(**args)
    out = tmp_path / "growth.json"
    with pytest.raises(pm.PapermillExecutionError, match="needs repeated measures"):
        pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3",
                            progress_bar=False, cwd=str(tmp_path), parameters=args | {"results_path": str(out)},
                            kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager")
    assert not out.exists()
