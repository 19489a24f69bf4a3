"""Importing other studies' diaries: the two real teaching data sets, the demo file and a messy one."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from shared_data import dataset_path

from securebase.couples.dyadic import check_pairwise_consistency
from securebase.research.diary_import import DiaryMapping, import_diary, partner_renames

KASHY = dataset_path("kashy_daily_diary.csv")
ACITELLI = dataset_path("acitelli_couples.csv")
DEMO = Path(__file__).resolve().parents[1] / "fixtures" / "research_demo_diary.csv"
needs_kashy = pytest.mark.skipif(not KASHY.exists(), reason=f"real data set not found at {KASHY} (shared/datasets)")
needs_acitelli = pytest.mark.skipif(not ACITELLI.exists(), reason=f"real data set not found at {ACITELLI}")

KASHY_MAP = DiaryMapping(
    subject="person", dyad="dyadid", role="genderS", time="Day",
    outcomes=["satisf_A", "conflict_A", "Cavoid_A"], keep="all", duplicate_actor_as_partner=True,
)


def _one(lines: list[str], *needles: str) -> str:
    found = [line for line in lines if all(n in line for n in needles)]
    assert len(found) == 1, f"expected one line with {needles}, got {found}\nall lines:\n" + "\n".join(lines)
    return found[0]


# --------------------------------------------------------------------------- Kashy's diary (pairwise, 103 couples x 14 days)


@pytest.fixture(scope="module")
def kashy():
    return import_diary(KASHY, KASHY_MAP)


@needs_kashy
def test_kashy_shape_and_subjects(kashy):
    f = kashy.frame
    assert len(f) == 2884 and not kashy.cross_sectional
    assert kashy.subject_col == "subject" and f["subject"].nunique() == 206
    assert f.groupby("subject").size().eq(14).all()
    assert kashy.time_col == "Day" and kashy.dyad_col == "dyadid" and kashy.role_col == "genderS"
    assert list(f.columns[:6]) == ["subject", "dyadid", "person", "genderS", "Day", "satisf_A"]
    _one(kashy.notes, "subjects are taken as (dyadid, person) pairs")
    assert f.loc[(f.dyadid == 27) & (f.person == 1), "subject"].iloc[0] == "27_1"


@needs_kashy
def test_kashy_duplicate_column_reported_and_read_as_partner(kashy):
    line = _one(kashy.problems, "duplicate column name", "'Cavoid_A' appears twice")
    assert "columns 12 and 13" in line and "'Cavoid_A.1'" in line and "renamed to 'Cavoid_P'" in line
    _one(kashy.notes, "second copy ('Cavoid_A.1') is read as 'Cavoid_P'")
    f = kashy.frame
    assert "Cavoid_P" in f.columns and "Cavoid_A.1" not in f.columns
    # Cavoid_P really is the partner's own Cavoid_A (the source mislabelled it)
    assert check_pairwise_consistency(f, dyad_col="dyadid", time_col="Day", variables=["Cavoid"]) == []
    # and person-constant: one value per person
    assert f.groupby("subject")["Cavoid_A"].nunique(dropna=True).max() == 1


@needs_kashy
def test_kashy_without_the_fix_keeps_the_copy_and_hints():
    r = import_diary(KASHY, DiaryMapping(subject=["dyadid", "person"], time="Day", outcomes=["satisf_A"], keep="all"))
    assert "Cavoid_A.1" in r.frame.columns and "Cavoid_P" not in r.frame.columns
    _one(r.problems, "'Cavoid_A' has no partner column 'Cavoid_P'", "rename={'Cavoid_A.1': 'Cavoid_P'}")
    # an explicit rename works the same as the automatic one
    r2 = import_diary(KASHY, DiaryMapping(subject=["dyadid", "person"], time="Day", outcomes=["Cavoid_P"],
                                          rename={"Cavoid_A.1": "Cavoid_P"}))
    assert r2.frame["Cavoid_P"].notna().sum() == 2884 - 28


@needs_kashy
def test_kashy_blank_cells_written_as_a_space(kashy):
    counts = {"dayOfWeek": 10, "conflict_A": 29, "conflict_P": 29, "Cavoid_A": 28, "satisf_A": 18, "satisf_P": 18}
    for col, n in counts.items():
        line = _one(kashy.problems, f"column {col!r}:", "blank cell(s) written as ' '")
        assert f"{n} blank cell(s)" in line and "file lines" in line
    assert "read as 'Cavoid_P'" in _one(kashy.problems, "column 'Cavoid_A.1'", "blank")
    assert "file lines 325, 573, 575" in _one(kashy.problems, "column 'satisf_A':")
    f = kashy.frame
    assert f["satisf_A"].isna().sum() == 18 and f["conflict_A"].isna().sum() == 29 and f["Cavoid_A"].isna().sum() == 28
    assert pd.api.types.is_float_dtype(f["satisf_A"])


@needs_kashy
def test_kashy_missing_days_per_subject(kashy):
    # no gaps in the time index (every person has 14 rows) but days with blank outcomes
    assert not [p for p in kashy.problems if "gap in the time index" in p]
    assert _one(kashy.problems, "subject 27_1:").endswith("satisf_A, conflict_A blank on Day 12, 14 (row present, value missing)")
    _one(kashy.problems, "subject 17_2:", "satisf_A blank on Day 2")
    _one(kashy.problems, "subject 154_1:", "blank on Day 1-3")
    _one(kashy.problems, "subject 39_1:", "Cavoid_A blank on Day 1-14")
    _one(kashy.problems, "subject 77_1:", "conflict_A blank on Day 6, 7, 11")
    assert not [p for p in kashy.problems if "not numbers" in p or "mostly text" in p]  # none in this file


@needs_kashy
def test_unknown_mapped_column_is_a_clear_error():
    with pytest.raises(ValueError) as err:
        import_diary(KASHY, DiaryMapping(subject="person", time="day", outcomes=["satisfaction"]))
    msg = str(err.value)
    assert "time column 'day' (did you mean 'Day'?)" in msg
    assert "outcome 1 column 'satisfaction'" in msg
    assert "'Cavoid_A.1'" in msg and "'satisf_A'" in msg  # lists the columns the file has
    with pytest.raises(ValueError, match="rename= names column"):
        import_diary(KASHY, DiaryMapping(subject="person", time="Day", rename={"Cavoid_B": "x"}))


# --------------------------------------------------------------------------- Acitelli (one row per person, no time)


@needs_acitelli
def test_acitelli_is_read_as_cross_sectional():
    r = import_diary(ACITELLI, DiaryMapping(subject="gender", dyad="cuplid", role="gender", time=None,
                                            outcomes={"satisfaction": "satisf", "tension": "tension"}))
    assert r.cross_sectional and r.time_col is None
    assert len(r.frame) == 296 and r.frame["subject"].nunique() == 296 and r.frame["cuplid"].nunique() == 148
    assert r.outcomes == ["satisf", "tension"] and "satisfaction" not in r.frame.columns
    _one(r.notes, "no time column mapped", "cross-sectional", "296 subjects in 296 rows")
    _one(r.notes, "outcomes renamed", "'satisfaction' -> 'satisf'")
    assert r.problems == []
    assert r.frame["satisf"].between(1, 4).all()


@needs_acitelli
def test_acitelli_with_a_subject_that_is_not_unique_says_so():
    r = import_diary(ACITELLI, DiaryMapping(subject="cuplid", outcomes=["satisfaction"]))
    line = _one(r.problems, "no time column is mapped but 148 of 148 subject(s) have several rows")
    assert "up to 2" in line and "e.g. 3, 10, 11" in line


# --------------------------------------------------------------------------- the demo file and a messy invented file


def test_demo_file_gap_and_blank():
    r = import_diary(DEMO, DiaryMapping(subject=["dyadid", "person"], time="Day", outcomes=["satisf_A", "conflict_A"]))
    assert len(r.frame) == 20 * 2 * 14 - 1
    _one(r.problems, "subject 5_2: no row for Day 9 (gap in the time index)")
    _one(r.problems, "subject 12_1: satisf_A blank on Day 4")
    assert "file lines 312" in _one(r.problems, "column 'satisf_A':", "written as ' '")


MESSY = (
    "id,id,day,mood,stress,note\n"
    "a,x,1,5,2,ok\n"
    "a,x,2, ,3,\n"
    "a,x,4,n/a,1,fine\n"
    "b,y,1,6,  ,\n"
    "b,y,1,6,2,again\n"
    "b,y,2,seven,2,\n"
    "b,y,3,4,3,\n"
    "b,y,4,4,x,\n"
)


def test_messy_file_every_kind_of_problem(tmp_path):
    path = tmp_path / "other_study.csv"
    path.write_text(MESSY)
    r = import_diary(path, DiaryMapping(subject="id", time="day", outcomes=["mood", "stress"], keep=["note"]))
    p = r.problems
    _one(p, "duplicate column name", "'id' appears twice", "'id.1'")
    assert "file lines 3" in _one(p, "column 'mood':", "1 blank cell(s) written as ' '")
    assert "'  '" in _one(p, "column 'stress':", "written as")
    line = _one(p, "outcome column 'mood':", "not numbers")
    assert "2 value(s)" in line and "'n/a' (line 4)" in line and "'seven' (line 7)" in line
    assert "'x' (line 9)" in _one(p, "outcome column 'stress':", "not numbers")
    _one(p, "(subject, day) combination(s) occur more than once", "subject b day 1")
    _one(p, "subject a: no row for day 3 (gap in the time index)")
    assert np.isnan(r.frame.loc[2, "mood"]) and np.isnan(r.frame.loc[5, "mood"])
    assert pd.api.types.is_float_dtype(r.frame["mood"]) and list(r.frame.columns) == ["id", "day", "mood", "stress", "note"]


def test_text_outcome_column_is_reported(tmp_path):
    path = tmp_path / "text.csv"
    path.write_text("pid,wave,feeling\n1,1,good\n1,2,bad\n2,1,3\n")
    r = import_diary(path, DiaryMapping(subject="pid", time="wave", outcomes=["feeling"]))
    line = _one(r.problems, "outcome column 'feeling' is mostly text")
    assert "2 of 3" in line and "'good' (line 2)" in line
    assert r.frame["feeling"].tolist()[2] == 3 and r.frame["feeling"].isna().sum() == 2


def test_partner_renames():
    assert partner_renames(["Cavoid_A", "Cavoid_A.1", "x_A", "x_P"]) == {"Cavoid_A.1": "Cavoid_P"}
    assert partner_renames(["Cavoid_A", "Cavoid_A.1", "Cavoid_P"]) == {}
    assert partner_renames(["score", "score.1"]) == {}
