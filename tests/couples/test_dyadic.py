"""Dyadic layouts (individual <-> pairwise) and the tolerant pairwise CSV reader.

The real-data tests read Kashy's 14-day couples diary from ../shared/datasets/ (never copied
into the repository); the facts they assert are computed independently with the csv module.
"""

from __future__ import annotations

import csv
import math
import re
from collections import defaultdict

import numpy as np
import pandas as pd
import pytest

from shared_data import dataset_path
from securebase.couples.dyadic import check_pairwise_consistency, to_individual, to_pairwise
from securebase.couples.pairwise_csv import read_pairwise_csv

NAN = float("nan")
IDS = ["dyad_id", "person", "day"]


# --------------------------------------------------------------------------- hand-made data


def _individual() -> pd.DataFrame:
    """Two couples; dyad 1 person 2 has no row on day 3, dyad 2 person 1 skipped satisf on day 2."""
    return pd.DataFrame(
        {
            "dyad_id": [1, 1, 1, 1, 1, 2, 2, 2, 2],
            "person": [1, 1, 1, 2, 2, 1, 1, 2, 2],
            "day": [1, 2, 3, 1, 2, 1, 2, 1, 2],
            "gender": ["M", "M", "M", "F", "F", "M", "M", "F", "F"],
            "conflict": [1, 4, 2, 2, 3, 0, 1, 5, 1],
            "satisf": [7.0, 6.5, 6.0, 6.0, 5.5, 4.0, NAN, 3.0, 2.5],
        }
    )


def test_to_pairwise_hand_checked():
    pw = to_pairwise(_individual(), variables=["conflict", "satisf"])
    assert list(pw.columns) == [*IDS, "conflict_A", "conflict_P", "satisf_A", "satisf_P", "gender"]
    expected = pd.DataFrame(
        {
            "dyad_id": [1, 1, 1, 1, 1, 2, 2, 2, 2],
            "person": [1, 1, 1, 2, 2, 1, 1, 2, 2],
            "day": [1, 2, 3, 1, 2, 1, 2, 1, 2],
            "conflict_A": [1, 4, 2, 2, 3, 0, 1, 5, 1],
            "conflict_P": [2.0, 3.0, NAN, 1.0, 4.0, 5.0, 1.0, 0.0, 1.0],  # day 3: partner has no row
            "satisf_A": [7.0, 6.5, 6.0, 6.0, 5.5, 4.0, NAN, 3.0, 2.5],
            "satisf_P": [6.0, 5.5, NAN, 7.0, 6.5, 3.0, 2.5, 4.0, NAN],
            "gender": ["M", "M", "M", "F", "F", "M", "M", "F", "F"],
        }
    )
    pd.testing.assert_frame_equal(pw, expected, check_dtype=False)
    assert check_pairwise_consistency(pw) == []


def test_to_pairwise_keeps_row_order_and_single_member_dyads():
    ind = _individual().iloc[::-1]
    lone = pd.DataFrame({"dyad_id": [9], "person": [1], "day": [1], "gender": ["F"], "conflict": [3], "satisf": [5.0]})
    pw = to_pairwise(pd.concat([ind, lone]), variables=["conflict"])
    assert list(zip(pw.dyad_id, pw.person, pw.day))[:3] == [(2, 2, 2), (2, 2, 1), (2, 1, 2)]
    assert pw.iloc[-1]["conflict_A"] == 3 and math.isnan(pw.iloc[-1]["conflict_P"])
    assert list(pw.columns) == [*IDS, "conflict_A", "conflict_P", "gender", "satisf"]


def test_to_pairwise_refuses_three_persons():
    df = pd.concat([_individual(), pd.DataFrame({"dyad_id": [2], "person": [3], "day": [1], "conflict": [0]})])
    with pytest.raises(ValueError, match=r"dyad_id 2 has 3 persons \(1, 2, 3\).*at most two members"):
        to_pairwise(df, variables=["conflict"])


def test_to_pairwise_refuses_duplicates():
    df = _individual()
    df = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(ValueError, match=r"1 duplicated \(dyad_id, person, day\).*dyad_id 1 person 2 day 1 \(index 3, 9\).*remove or aggregate"):
        to_pairwise(df, variables=["conflict"])


def test_to_pairwise_refuses_missing_variable_and_ids():
    with pytest.raises(ValueError, match=r"variable column\(s\) 'stress' not found.*Pass existing column names"):
        to_pairwise(_individual(), variables=["conflict", "stress"])
    with pytest.raises(ValueError, match=r"id column\(s\) 'couple' not found.*dyad_col="):
        to_pairwise(_individual(), dyad_col="couple", variables=["conflict"])
    bad = _individual().astype({"day": float})
    bad.loc[4, "day"] = NAN
    with pytest.raises(ValueError, match=r"1 row\(s\) have no dyad_id/person/day value \(index 4\)"):
        to_pairwise(bad, variables=["conflict"])
    pw = to_pairwise(_individual(), variables=["conflict"])
    with pytest.raises(ValueError, match=r"'conflict_A', 'conflict_P' already exist"):
        to_pairwise(pw.assign(conflict=1), variables=["conflict"])


def test_to_individual_hand_checked_and_default_variables():
    pw = to_pairwise(_individual(), variables=["conflict", "satisf"])
    ind = to_individual(pw)  # variables default to the stems with both _A and _P
    assert list(ind.columns) == [*IDS, "conflict", "satisf", "gender"]
    pd.testing.assert_frame_equal(ind, _individual()[list(ind.columns)], check_dtype=False)
    with pytest.raises(ValueError, match=r"'mood_A', 'mood_P' not found.*Variables with both are: 'conflict', 'satisf'"):
        to_individual(pw, variables=["mood"])


def test_consistency_check_finds_mismatches_and_tolerates_rounding():
    pw = to_pairwise(_individual(), variables=["conflict", "satisf"])
    pw["satisf_P"] = pw["satisf_P"] + 1e-12  # float noise is not a mismatch
    assert check_pairwise_consistency(pw) == []
    pw.loc[(pw.dyad_id == 2) & (pw.person == 1) & (pw.day == 1), "conflict_P"] = 4.0  # partner wrote 5
    pw.loc[(pw.dyad_id == 2) & (pw.person == 2) & (pw.day == 2), "satisf_P"] = 1.0  # partner left it blank
    problems = check_pairwise_consistency(pw)
    assert [(p["dyad"], p["time"], p["person"], p["variable"]) for p in problems] == [
        (2, 1, 1, "conflict"),
        (2, 2, 2, "satisf"),
    ]
    assert problems[0]["partner_column_value"] == 4.0 and problems[0]["partner_actor_value"] == 5
    assert problems[0]["partner_person"] == 2 and problems[0]["partner_column"] == "conflict_P"
    assert math.isnan(problems[1]["partner_actor_value"])
    with pytest.raises(ValueError, match=r"2 partner value\(s\) disagree(.|\n)*dyad_id 2 day 1: person 1 has conflict_P=4 but person 2 has conflict_A=5"):
        to_individual(pw)
    assert len(to_individual(pw, check=False)) == len(pw)


# --------------------------------------------------------------------------- random round trips


def _random_individual(seed: int, n_dyads: int = 30, n_days: int = 10, drop: float = 0.15) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    grid = pd.MultiIndex.from_product(
        [rng.choice(1000, n_dyads, replace=False), [1, 2], range(1, n_days + 1)], names=IDS
    ).to_frame(index=False)
    grid = grid[rng.random(len(grid)) >= drop]  # missing diary days
    n = len(grid)
    grid["conflict"] = rng.integers(0, 6, n).astype(float)
    grid["satisf"] = np.round(rng.normal(5, 1, n), 2)
    grid.loc[rng.random(n) < 0.1, "satisf"] = np.nan  # skipped items
    grid["age"] = grid["dyad_id"] % 40 + 20 + grid["person"]  # a person-level column
    return grid.sample(frac=1, random_state=seed).reset_index(drop=True)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.sort_values(IDS).reset_index(drop=True)[sorted(df.columns)]


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_round_trip_random(seed):
    ind = _random_individual(seed)
    assert 400 < len(ind) < 600
    pw = to_pairwise(ind, variables=["conflict", "satisf"])
    assert len(pw) == len(ind)
    assert check_pairwise_consistency(pw) == []
    # partner values by direct lookup
    own = ind.set_index(IDS)
    for _, row in pw.sample(25, random_state=seed).iterrows():
        key = (row.dyad_id, 3 - row.person, row.day)
        want = own.loc[key, "satisf"] if key in own.index else NAN
        assert (math.isnan(want) and math.isnan(row.satisf_P)) or want == row.satisf_P
    back = to_individual(pw, variables=["conflict", "satisf"])
    pd.testing.assert_frame_equal(_sorted(back), _sorted(ind))


def test_round_trip_hand_made():
    ind = _individual()
    back = to_individual(to_pairwise(ind, variables=["conflict", "satisf"]))
    pd.testing.assert_frame_equal(_sorted(back), _sorted(ind))


# --------------------------------------------------------------------------- reader on a small file


def test_reader_small_file(tmp_path):
    path = tmp_path / "diary.csv"
    path.write_text(
        "dyadid,person,Day,mood_A,mood_A,note,stress_A,stress_P\n"
        "1,1,1,3,4,ok,2,1\n"
        "1,2,1,4,3,ok,1,2\n"
        "1,1,2, ,5,ok,n/a,2\n"
        "1,2,2,5,  ,,2,n/a\n"
        "1,1,3,2,2,ok,1,1\n"
        "1,2,3,2,2,ok,1,1\n"
        "2,1,1,1,1,x,0,0\n"
        "2,1,1,1,1,x,0,0\n",
        encoding="utf-8",
    )
    df, problems = read_pairwise_csv(path)
    assert list(df.columns) == ["dyadid", "person", "Day", "mood_A", "mood_A.1", "note", "stress_A", "stress_P"]
    assert problems == [
        "column 'mood_A' appears twice (columns 4 and 5); the second copy was read as 'mood_A.1'",
        "column 'mood_A': 1 blank cell(s) read as NaN",
        "column 'mood_A.1': 1 blank cell(s) read as NaN",
        "column 'note': 1 blank cell(s) read as NaN",
        "column 'stress_A': 1 value(s) that are not numbers read as NaN: 'n/a' (line 4)",
        "column 'stress_P': 1 value(s) that are not numbers read as NaN: 'n/a' (line 5)",
        "column 'mood_A' has no partner column 'mood_P' (is 'mood_A.1' it? if so pass rename={'mood_A.1': 'mood_P'})",
        "dyad 2 person 1: 2 rows for day 1 (lines 8, 9)",
        "dyad 2 has 1 person(s) (1); a dyad should have 2",
        "dyad 1 person 1: blank mood_A, stress_A on day 2",
        "dyad 2 person 1: no rows for days 2, 3",
    ]
    assert df["mood_A"].isna().sum() == 1 and df["stress_A"].dtype == float
    assert df["note"].tolist()[:3] == ["ok", "ok", "ok"] and pd.isna(df.loc[3, "note"])
    assert df["dyadid"].dtype == "int64"

    df2, problems2 = read_pairwise_csv(path, rename={"mood_A.1": "mood_P"})
    assert "mood_P" in df2.columns
    assert problems2[0].endswith("read as 'mood_A.1' (renamed to 'mood_P')")
    assert not any("no partner column" in p for p in problems2)
    with pytest.raises(ValueError, match=r"rename= refers to column\(s\) 'Mood_A.1'"):
        read_pairwise_csv(path, rename={"Mood_A.1": "mood_P"})


# --------------------------------------------------------------------------- the real data set

KASHY = dataset_path("kashy_daily_diary.csv")
needs_kashy = pytest.mark.skipif(not KASHY.exists(), reason=f"real data set not found at {KASHY} (shared/datasets)")
KASHY_IDS = {"dyad_col": "dyadid", "person_col": "person", "time_col": "Day"}


def _num(cell: str) -> float:
    return NAN if cell.strip() == "" else float(cell)


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) < 1e-9


@pytest.fixture(scope="module")
def raw():
    """The file parsed with the csv module only: (header, rows, {(dyad, person, day): row})."""
    with open(KASHY, newline="", encoding="utf-8") as fh:
        header, *rows = list(csv.reader(fh))
    index = {(int(r[0]), int(r[1]), int(r[2])): r for r in rows}
    return header, rows, index


@pytest.fixture(scope="module")
def kashy():
    return read_pairwise_csv(KASHY)


@needs_kashy
def test_kashy_raw_facts(raw):
    """Pin what the README promises, independently of the reader."""
    header, rows, index = raw
    assert len(rows) == len(index) == 2884
    assert [i for i, h in enumerate(header) if h == "Cavoid_A"] == [11, 12]
    # no row is missing: 103 couples x 2 persons x 14 days; the missing days are blank cells
    assert len({k[0] for k in index}) == 103
    assert set(index) == {(d, p, t) for d in {k[0] for k in index} for p in (1, 2) for t in range(1, 15)}
    blanks = [c for r in rows for c in r if c.strip() == ""]
    assert len(blanks) == 254 and set(blanks) == {" "}


@needs_kashy
def test_kashy_report(raw, kashy):
    header, rows, index = raw
    df, problems = kashy
    assert len(df) == 2884
    names = [*header[:12], "Cavoid_A.1", *header[13:]]  # pandas' name for the second copy
    assert list(df.columns) == names
    assert problems[0] == "column 'Cavoid_A' appears twice (columns 12 and 13); the second copy was read as 'Cavoid_A.1'"

    # blank cells, per column, counted with the csv module
    counts = [sum(r[j].strip() == "" for r in rows) for j in range(len(header))]
    expected_blank = [f"column {n!r}: {c} blank cell(s) read as NaN" for n, c in zip(names, counts) if c]
    assert [p for p in problems if "blank cell" in p] == expected_blank
    assert sum(counts) == 254 and counts[names.index("conflict_A")] == 29 and counts[names.index("satisf_A")] == 18
    for n, c in zip(names, counts):
        assert df[n].isna().sum() == c, n

    # nothing non-numeric except the text column genderS; mislabelled columns are pointed out
    assert not any("not numbers" in p for p in problems)
    assert set(df["genderS"]) == {"M", "F"}
    assert "column 'Cavoid_A' has no partner column 'Cavoid_P' (is 'Cavoid_A.1' it? if so pass rename={'Cavoid_A.1': 'Cavoid_P'})" in problems
    assert "column 'Csatisf_A' has no partner column 'Csatisf_P' (is 'Csatis_P' it? if so pass rename={'Csatis_P': 'Csatisf_P'})" in problems

    # missing days: no row is absent, so no "no rows" line; blank actor values, per person and day
    assert not any("no rows for" in p or "rows for day" in p or "person(s)" in p for p in problems)
    actor = [j for j, h in enumerate(header) if h.endswith("_A") and j != 12]  # col 12 is really Cavoid_P
    blank_days: dict[tuple[int, int], dict[tuple[str, ...], list[int]]] = defaultdict(lambda: defaultdict(list))
    for r in rows:
        cols = tuple(header[j] for j in actor if r[j].strip() == "")
        if cols:
            blank_days[(int(r[0]), int(r[1]))][cols].append(int(r[2]))
    expected_days = set()
    for (d, p), groups in blank_days.items():
        for cols, days in groups.items():
            word = "day" if len(days) == 1 else "days"
            expected_days.add(f"dyad {d} person {p}: blank {', '.join(cols)} on {word} {_span(days)}")
    got = [p for p in problems if re.match(r"dyad \d+ person \d+: blank ", p)]
    assert set(got) == expected_days and len(got) == len(expected_days) == 20
    assert "dyad 27 person 1: blank conflict_A, Cconflict_A, satisf_A, Csatisf_A on days 12, 14" in got
    assert "dyad 39 person 1: blank Cavoid_A on days 1-14" in got
    assert "dyad 154 person 2: blank conflict_A, Cconflict_A, satisf_A, Csatisf_A on days 1-3" in got
    assert len(problems) == 1 + len(expected_blank) + 2 + 20


def _span(days: list[int]) -> str:
    """Independent little formatter: consecutive runs of three or more as a-b."""
    days = sorted(days)
    out, i = [], 0
    while i < len(days):
        j = i
        while j + 1 < len(days) and days[j + 1] == days[j] + 1:
            j += 1
        out += [f"{days[i]}-{days[j]}"] if j - i >= 2 else [str(d) for d in days[i : j + 1]]
        i = j + 1
    return ", ".join(out)


@needs_kashy
def test_kashy_round_trip(raw, kashy):
    header, rows, index = raw
    df, _ = kashy
    variables = ["conflict", "satisf"]
    assert check_pairwise_consistency(df, **KASHY_IDS, variables=variables) == []
    ind = to_individual(df, **KASHY_IDS, variables=variables)
    assert list(ind.columns[:5]) == ["dyadid", "person", "Day", "conflict", "satisf"]
    assert ind["conflict"].isna().sum() == 29 and ind["satisf"].isna().sum() == 18
    pw = to_pairwise(ind, **KASHY_IDS, variables=variables)
    assert len(pw) == len(rows)
    col = {h: j for j, h in reversed(list(enumerate(header)))}
    checked = 0
    for rec in pw.itertuples(index=False):
        r = index[(rec.dyadid, rec.person, rec.Day)]
        for name in ("conflict_A", "conflict_P", "satisf_A", "satisf_P"):
            assert _same(getattr(rec, name), _num(r[col[name]])), (rec.dyadid, rec.person, rec.Day, name)
            checked += 1
    assert checked == 4 * 2884


@needs_kashy
def test_kashy_second_cavoid_is_partner_avoidance(raw):
    header, rows, index = raw
    # directly from the file: column 13 equals the other member's column 12, on every row
    for (d, p, t), r in index.items():
        assert _same(_num(r[12]), _num(index[(d, 3 - p, t)][11]))
    df, problems = read_pairwise_csv(KASHY, rename={"Cavoid_A.1": "Cavoid_P", "Csatis_P": "Csatisf_P"})
    assert not any("has no partner column" in p for p in problems)
    assert check_pairwise_consistency(df, **KASHY_IDS, variables=["Cavoid", "Csatisf"]) == []
    ind = to_individual(df, **KASHY_IDS)  # all six stems, each checked
    assert {"conflict", "Cconflict", "Cavoid", "satisf", "Csatisf"} <= set(ind.columns)
    # the check can fail: read the copy as the actor's own score and it disagrees with the partner
    wrong = df.assign(Cavoid_P=df["Cavoid_A"])
    differ = sum(not _same(_num(r[11]), _num(index[(d, 3 - p, t)][11])) for (d, p, t), r in index.items())
    assert differ == 2800
    assert len(check_pairwise_consistency(wrong, **KASHY_IDS, variables=["Cavoid"])) == differ
    with pytest.raises(ValueError, match="2800 partner value"):
        to_individual(wrong, **KASHY_IDS, variables=["Cavoid"])


@needs_kashy
def test_kashy_missing_rows_are_reported(raw, tmp_path):
    header, rows, index = raw
    gone = {(1, 2, 5), (1, 2, 9), (154, 1, 14)}
    path = tmp_path / "kashy_gaps.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(r for r in rows if (int(r[0]), int(r[1]), int(r[2])) not in gone)
    df, problems = read_pairwise_csv(path)
    assert [p for p in problems if "no rows" in p] == [
        "dyad 1 person 2: no rows for days 5, 9",
        "dyad 154 person 1: no rows for day 14",
    ]
    ind = to_individual(df, **KASHY_IDS, variables=["conflict"])
    pw = to_pairwise(ind, **KASHY_IDS, variables=["conflict"]).set_index(["dyadid", "person", "Day"])
    assert math.isnan(pw.loc[(1, 1, 5), "conflict_P"]) and math.isnan(pw.loc[(154, 2, 14), "conflict_P"])
    assert pw.loc[(1, 1, 6), "conflict_P"] == float(index[(1, 2, 6)][7])
