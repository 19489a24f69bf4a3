"""securebase.research.compliance: the planted problems of the demo diary are found, the
vectorised checks agree with plain loops, the Kashy diary is read and checked, and the notebook
runs in batch."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import papermill as pm
import pytest

from securebase.research import compliance as c
from securebase.research.descriptives import read_long
from shared_data import dataset_path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "research" / "compliance.ipynb"
FIXTURE = ROOT / "tests" / "fixtures" / "research_demo_long.csv"
ITEMS = [f"item{i}" for i in range(1, 6)]
KASHY = dataset_path("kashy_daily_diary.csv")
needs_kashy = pytest.mark.skipif(not KASHY.exists(), reason=f"real data set not found at {KASHY}")


def _records(table):
    return pd.DataFrame(table).to_dict("records")


def test_fixture_is_up_to_date():
    script = ROOT / "tests" / "fixtures" / "make_research_demo_long.py"
    assert subprocess.run([sys.executable, str(script), "--check"]).returncode == 0


@pytest.fixture(scope="module")
def demo():
    return read_long(FIXTURE)


@pytest.fixture(scope="module")
def report(demo):
    return c.compliance_report(demo, "subject", "day", items=ITEMS, ranges={i: (1, 7) for i in ITEMS},
                               duration_col="duration_s", study_days=14)


def test_report_is_json_safe(report):
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def test_entries_per_person_day(report):
    e = report["entries"]
    assert e["n_entries"] == 161 and e["n_subjects"] == 12 and e["n_person_days"] == 160
    assert e["entries_per_person_day"] == {"1": 159, "2": 1}
    assert _records(e["person_days_over_expected"]["flagged"]) == [{"subject": "S05", "day": 7, "entries": 2}]
    per = pd.DataFrame(e["per_subject"]).set_index("subject")
    assert per.loc["S03", "n_days"] == 11 and per.loc["S03", "missed_days"] == 3  # skipped 5, 6, 11
    assert per.loc["S08", "n_days"] == 9 and per.loc["S08", "compliance"] == pytest.approx(9 / 14)
    assert per.loc["S05", "n_entries"] == 15 and per.loc["S05", "max_entries_per_day"] == 2
    assert (per["expected_days"] == 14).all()
    # without a study length a subject is expected from their first to their last day
    e2 = c.entries_per_person_day(read_long(FIXTURE), "subject", "day")
    per2 = pd.DataFrame(e2["per_subject"]).set_index("subject")
    assert per2.loc["S08", "expected_days"] == 9 and per2.loc["S08", "compliance"] == 1.0
    assert per2.loc["S03", "compliance"] == pytest.approx(11 / 14)


def test_missingness(report):
    m = report["missingness"]
    assert m["per_variable"]["item1"]["n_missing"] == 2 and m["per_variable"]["item4"]["n_missing"] == 1
    assert m["total_missing_cells"] == 3
    per = pd.DataFrame(m["per_subject"]).set_index("subject")
    assert per.loc["S10", "missing_item1"] == 2 and per.loc["S02", "missing_item4"] == 1
    assert per["n_missing_cells"].sum() == 3


def test_careless_checks_find_the_planted_problems(report):
    ch = report["checks"]
    sl = pd.DataFrame(ch["long_string"]["straight_lining"]["flagged_occasions"])
    s04 = sl[sl["subject"] == "S04"]
    assert list(s04["time"]) == [2, 3, 4]
    assert ch["long_string"]["min_run"] == 4
    ls_occ = pd.DataFrame(ch["long_string"]["long_string"]["flagged_occasions"])
    assert set(sl["row"]) <= set(ls_occ["row"])  # a straight line is a long string
    inv = ch["invariant"]["variables"]
    assert _records(inv["item3"]["flagged_subjects"]) == [{"subject": "S06", "n": 14, "value": 4.0}]
    assert all(inv[i]["n_flagged"] == 0 for i in ITEMS if i != "item3")
    fc = ch["fast_completion"]
    assert fc["min_duration"] == 10.0  # 2 seconds per item
    assert _records(fc["flagged_occasions"]) == [{"subject": "S07", "time": 8, "row": 89, "duration": 3.0}]
    oor = ch["out_of_range"]
    assert oor["n_flagged"] == 1
    assert _records(oor["variables"]["item2"]["flagged_occasions"]) == [
        {"subject": "S09", "time": 10, "row": 114, "value": 9.0}]
    assert oor["variables"]["item2"]["n_above"] == 1


def _naive_longest_run(row):
    best = run = 0
    prev = None
    for v in row:
        if v is not None and not np.isnan(v) and prev is not None and v == prev:
            run += 1
        else:
            run = 1 if (v is not None and not np.isnan(v)) else 0
        best = max(best, run)
        prev = None if np.isnan(v) else v
    return best


def test_long_string_matches_a_plain_loop():
    rng = np.random.default_rng(3)
    n = 3000
    X = rng.integers(1, 4, (n, 6)).astype(float)
    X[rng.random((n, 6)) < 0.1] = np.nan
    df = pd.DataFrame(X, columns=[f"q{i}" for i in range(6)])
    df.insert(0, "sid", rng.integers(0, 40, n))  # unsorted subjects
    df.insert(1, "t", np.arange(n))
    r = c.long_string(df, "sid", "t", [f"q{i}" for i in range(6)], min_run=3)
    answered = (~np.isnan(X)).sum(axis=1)
    runs = np.array([_naive_longest_run(row) for row in X])
    evaluated = answered >= 2
    assert r["n_evaluated"] == evaluated.sum()
    flagged = np.flatnonzero(evaluated & (runs >= 3))
    assert r["long_string"]["n_flagged"] == len(flagged)
    assert r["long_string"]["flagged_occasions"]["row"] == flagged.tolist()
    assert r["long_string"]["flagged_occasions"]["longest_run"] == runs[flagged].tolist()
    assert r["long_string"]["flagged_occasions"]["subject"] == df["sid"].to_numpy()[flagged].tolist()
    straight = np.flatnonzero((answered == 6) & (runs == 6))
    assert r["straight_lining"]["flagged_occasions"]["row"] == straight.tolist()
    subj = pd.Series(df["sid"].to_numpy()[flagged]).value_counts().sort_index()
    assert r["long_string"]["flagged_subjects"] == {"subject": subj.index.tolist(), "n": subj.tolist()}


def test_entries_match_pandas_on_unsorted_dates_and_couples():
    rng = np.random.default_rng(11)
    rows = []
    for dyad in range(1, 8):
        for person in (1, 2):
            days = rng.choice(20, size=rng.integers(3, 20), replace=True)
            rows += [(dyad, person, pd.Timestamp("2026-03-02") + pd.Timedelta(days=int(x), hours=int(h)))
                     for x, h in zip(days, rng.integers(0, 23, len(days)))]
    df = pd.DataFrame(rows, columns=["dyad", "person", "when"]).sample(frac=1, random_state=2).reset_index(drop=True)
    df.loc[3, "when"] = pd.NaT
    e = c.entries_per_person_day(df, "dyad,person", "when", expected_per_day=1)
    assert e["time_kind"] == "date" and e["rows_without_time"] == 1
    ok = df.dropna(subset=["when"]).assign(day=lambda x: x["when"].dt.normalize())
    per_day = ok.groupby(["dyad", "person", "day"]).size()
    assert e["n_person_days"] == len(per_day)
    assert e["entries_per_person_day"] == {str(k): int(v) for k, v in per_day.value_counts().sort_index().items()}
    per = pd.DataFrame(e["per_subject"])
    ref = ok.groupby(["dyad", "person"])["day"].agg(["min", "max", "nunique", "size"])
    assert per["subject"].tolist() == [f"{a}_{b}" for a, b in ref.index]
    assert per["first_day"].tolist() == [str(x.date()) for x in ref["min"]]
    assert per["last_day"].tolist() == [str(x.date()) for x in ref["max"]]
    assert per["n_days"].tolist() == ref["nunique"].tolist() and per["n_entries"].tolist() == ref["size"].tolist()
    expected = [(b - a).days + 1 for a, b in zip(ref["min"], ref["max"])]
    assert per["expected_days"].tolist() == expected
    assert e["person_days_over_expected"]["n_flagged"] == int((per_day > 1).sum())


def test_rows_without_subject_are_counted_not_fatal(demo):
    df = demo.copy()
    df.loc[[0, 5], "subject"] = None
    r = c.compliance_report(df, "subject", "day", items=ITEMS)
    assert r["rows_without_subject"] == 2 and r["n_rows"] == 159


def test_parse_ranges():
    assert c.parse_ranges("a:1:7, b:-3:3", ["x"], "0:10") == {"x": (0, 10), "a": (1, 7), "b": (-3, 3)}
    with pytest.raises(ValueError, match="name:lo:hi"):
        c.parse_ranges("a:1")
    with pytest.raises(ValueError, match="above"):
        c.parse_ranges({"a": (7, 1)})


def _run_notebook(tmp_path, **params):
    out = tmp_path / "results.json"
    pm.execute_notebook(str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
                        cwd=str(NOTEBOOK.parent), parameters={**params, "results_path": str(out)},
                        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager")
    nb = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    text = "".join(o.get("text", "") for cell in nb.cells for o in cell.get("outputs", []))
    return json.loads(out.read_text()), text


def test_notebook_on_the_fixture(tmp_path):
    res, text = _run_notebook(tmp_path, data_path=str(FIXTURE))
    assert res["checks"]["invariant"]["variables"]["item3"]["n_flagged"] == 1
    assert "Long-string" in text and "results written to results.json" in text
    assert not any("widget" in line for line in text.splitlines())


@needs_kashy
def test_notebook_on_kashy(tmp_path):
    res, text = _run_notebook(tmp_path, data_path=str(KASHY), subject_col="dyadid,person", time_col="Day",
                              variables=["satisf_A", "conflict_A"], items=[], items_range="",
                              ranges="satisf_A:1:7", duration_col="")
    e = res["entries"]
    assert res["n_rows"] == 2884 and res["n_subjects"] == 206 and e["n_person_days"] == 2884
    assert e["compliance"]["min"] == 1.0  # every person has a row for each of the 14 days
    assert res["missingness"]["per_variable"]["satisf_A"]["n_missing"] == 18
    assert res["missingness"]["per_variable"]["conflict_A"]["n_missing"] == 29
    assert res["checks"]["long_string"] is None and res["checks"]["fast_completion"] is None
    assert res["checks"]["out_of_range"]["n_flagged"] == 0
    inv = res["checks"]["invariant"]["variables"]
    assert inv["conflict_A"]["n_flagged"] > 0  # people who reported the same conflict level every day
    assert "206 subjects" in text
