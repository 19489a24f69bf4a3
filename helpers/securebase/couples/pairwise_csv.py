"""Reading a pairwise couples CSV as it comes from the field: duplicated column names, blank cells
written as a space, stray text in numeric columns, missing periods. :func:`read_pairwise_csv`
returns the frame with a plain-language report of what it found and did (the layouts are
described in :mod:`securebase.couples.dyadic`)."""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

from securebase.couples.report_text import fmt_value, join_items, quote_names, ranges_text


def _periods(time_col: str, values: Sequence[Any]) -> str:
    """``"days 2-4"`` / ``"day 7"``: the period column's name as a word, then the periods."""
    word = time_col.lower()
    if len(values) != 1 and not word.endswith("s"):
        word += "s"
    return f"{word} {ranges_text(values)}"


def read_pairwise_csv(
    path: str | PathLike[str],
    *,
    rename: dict[str, str] | None = None,
    dyad_col: str = "dyadid",
    person_col: str = "person",
    time_col: str = "Day",
    actor_suffix: str = "_A",
    partner_suffix: str = "_P",
) -> tuple[pd.DataFrame, list[str]]:
    """Read a pairwise diary CSV as it comes, and say what was odd about it.

    Returns ``(frame, problems)``; ``problems`` is a list of plain-language lines (empty for a
    clean file). Nothing is silently dropped:

    * a duplicated column name is kept as pandas' mangled copy (``Cavoid_A.1``) and reported;
    * blank or whitespace-only cells become NaN, counted per column;
    * a column whose non-blank cells are mostly numbers becomes numeric; each value that is not
      a number is reported (value and file line) and becomes NaN. Other columns stay text;
    * actor columns without the matching partner column (and vice versa) are reported, with a
      likely candidate when one exists (a misspelt or mislabelled column);
    * given the id and period columns: rows without ids, duplicated (dyad, person, period) rows,
      dyads with more or fewer than two persons, and periods with no row for a person
      ("dyad 7 person 2: no rows for days 5, 9"; the expected periods are all periods seen in
      the file); and, per person, the periods on which actor columns are blank
      ("dyad 27 person 1: blank conflict_A, satisf_A on days 12, 14").

    ``rename`` maps column names as read (after mangling, e.g. ``{"Cavoid_A.1": "Cavoid_P"}``) to
    new names; it is applied before the column and id checks. An unknown key raises ValueError.
    Integer-valued numeric columns without blanks become int64, other numeric columns float64.
    File line numbers assume no quoted field spans several lines.
    """
    problems: list[str] = []
    with open(path, newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh), [])
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skipinitialspace=False)
    read_names = [str(c) for c in raw.columns]

    rename = dict(rename or {})
    unknown = [k for k in rename if k not in read_names]
    if unknown:
        raise ValueError(
            f"read_pairwise_csv: rename= refers to column(s) {quote_names(unknown)} that the file does not have "
            f"(columns as read: {quote_names(read_names)})."
        )

    # duplicated names (header as written vs. names pandas gave)
    positions: dict[str, list[int]] = {}
    for i, name in enumerate(header):
        positions.setdefault(name, []).append(i)
    for name, pos in positions.items():
        if len(pos) < 2 or len(header) != len(read_names):
            continue
        copies = [read_names[i] for i in pos[1:]]
        shown = [f"{c!r}" + (f" (renamed to {rename[c]!r})" if c in rename else "") for c in copies]
        cols = [str(i + 1) for i in pos]
        where = " and ".join(cols) if len(cols) == 2 else ", ".join(cols[:-1]) + " and " + cols[-1]
        times = "twice" if len(pos) == 2 else f"{len(pos)} times"
        what = "the second copy was read as" if len(pos) == 2 else "the later copies were read as"
        problems.append(f"column {name!r} appears {times} (columns {where}); {what} {', '.join(shown)}")

    df = raw.rename(columns=rename)
    lines = np.arange(len(df)) + 2  # header is line 1
    converted: dict[str, pd.Series] = {}
    for col in df.columns:
        s = df[col].astype(object)
        blank = s.map(lambda x: isinstance(x, str) and x.strip() == "").to_numpy(bool)
        if blank.any():
            problems.append(f"column {col!r}: {int(blank.sum())} blank cell(s) read as NaN")
        stripped = s.where(~blank, None).map(lambda x: x.strip() if isinstance(x, str) else x)
        nums = pd.to_numeric(stripped, errors="coerce")
        filled = ~blank
        bad = filled & nums.isna().to_numpy(bool)
        n_filled = int(filled.sum())
        if n_filled and (n_filled - int(bad.sum())) * 2 > n_filled:  # mostly numbers: a numeric column
            if bad.any():
                examples = [f"{stripped.iloc[i]!r} (line {lines[i]})" for i in np.flatnonzero(bad)]
                problems.append(
                    f"column {col!r}: {int(bad.sum())} value(s) that are not numbers read as NaN: "
                    f"{join_items(examples, 10)}"
                )
            nums = nums.astype(float)
            if not nums.isna().any() and np.all(np.mod(nums.to_numpy(), 1) == 0):
                converted[col] = nums.astype("int64")
            else:
                converted[col] = nums
        else:
            converted[col] = stripped.where(~blank, np.nan)
    df = pd.DataFrame(converted, index=df.index)[list(df.columns)]

    problems.extend(_unpaired_columns(df, actor_suffix, partner_suffix))
    problems.extend(_id_problems(df, dyad_col, person_col, time_col, actor_suffix))
    return df, problems


def _unpaired_columns(df: pd.DataFrame, actor_suffix: str, partner_suffix: str) -> list[str]:
    cols = [str(c) for c in df.columns]
    paired = set()
    for c in cols:
        if c.endswith(actor_suffix) and c[: -len(actor_suffix)] + partner_suffix in cols:
            paired |= {c, c[: -len(actor_suffix)] + partner_suffix}
    candidates = [c for c in cols if c not in paired]
    out: list[str] = []
    hinted: set[str] = set()
    for c in cols:
        for mine, want in ((actor_suffix, partner_suffix), (partner_suffix, actor_suffix)):
            if c in paired or c in hinted or not c.endswith(mine) or len(c) == len(mine):
                continue
            wanted = c[: -len(mine)] + want
            kind = "partner" if want == partner_suffix else "actor"
            others = [x for x in candidates if x != c]
            copies = [x for x in others if re.fullmatch(re.escape(c) + r"\.\d+", x)]  # pandas' mangled duplicate
            hint = copies[:1] or difflib.get_close_matches(wanted, others, n=1, cutoff=0.75)
            line = f"column {c!r} has no {kind} column {wanted!r}"
            if hint:
                hinted.add(hint[0])
                line += f" (is {hint[0]!r} it? if so pass rename={{{hint[0]!r}: {wanted!r}}})"
            out.append(line)
    return out


def _id_problems(df: pd.DataFrame, dyad_col: str, person_col: str, time_col: str, actor_suffix: str) -> list[str]:
    ids = [dyad_col, person_col, time_col]
    absent = [c for c in ids if c not in df.columns]
    if absent:
        return [f"id column(s) {quote_names(absent)} not found; the checks of ids and missing periods were skipped"]
    out: list[str] = []
    lines = pd.Series(np.arange(len(df)) + 2, index=df.index)
    no_id = df[ids].isna().any(axis=1)
    if no_id.any():
        out.append(f"{int(no_id.sum())} row(s) without {dyad_col}/{person_col}/{time_col} (lines {join_items(lines[no_id], 10)})")
    ok = df[~no_id]
    dup = ok.duplicated(ids, keep=False)
    for key, idx in ok[dup].groupby(ids, sort=True).groups.items():
        out.append(
            f"dyad {fmt_value(key[0])} person {fmt_value(key[1])}: {len(idx)} rows for {time_col.lower()} {fmt_value(key[2])} "
            f"(lines {join_items(lines[idx])})"
        )
    persons = ok.groupby(dyad_col, sort=True)[person_col].unique()
    for d, ps in persons.items():
        if len(ps) != 2:
            out.append(f"dyad {fmt_value(d)} has {len(ps)} person(s) ({join_items(sorted(ps))}); a dyad should have 2")

    periods = sorted(ok[time_col].unique())
    actor_cols = [c for c in df.columns if str(c).endswith(actor_suffix) and c not in ids]
    for (d, p), g in ok.groupby([dyad_col, person_col], sort=True):
        missing = sorted(set(periods) - set(g[time_col]))
        if missing:
            out.append(f"dyad {fmt_value(d)} person {fmt_value(p)}: no rows for {_periods(time_col, missing)}")
        if actor_cols:
            blank = g[actor_cols].isna()
            groups: dict[tuple[str, ...], list[Any]] = {}
            for t, row in zip(g[time_col], blank.itertuples(index=False), strict=True):
                cols = tuple(c for c, b in zip(actor_cols, row, strict=True) if b)
                if cols:
                    groups.setdefault(cols, []).append(t)
            for cols, ts in sorted(groups.items(), key=lambda kv: sorted(kv[1])[0]):
                out.append(f"dyad {fmt_value(d)} person {fmt_value(p)}: blank {', '.join(cols)} on {_periods(time_col, ts)}")
    return out
