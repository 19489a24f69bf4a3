"""Couples (dyadic) diary data: the two usual layouts, and a tolerant reader for pairwise CSVs.

Two layouts hold the same daily-diary data of couples:

* **individual** (person-period): one row per person per period, with the id columns
  (dyad, person 1 or 2, period) and each outcome once, under its bare name (``conflict``).
* **pairwise**: still one row per person per period, but each outcome twice: ``conflict_A``
  (the actor, this row's person) and ``conflict_P`` (the partner, the other member of the dyad
  on the same period). This is the layout of Kashy's daily-diary teaching data and the one that
  actor-partner (APIM) multilevel models take.

:func:`to_pairwise` and :func:`to_individual` convert between them (pure, no I/O);
:func:`check_pairwise_consistency` checks that the partner columns of a pairwise frame really
are the other member's actor columns; :func:`read_pairwise_csv` reads a pairwise CSV as it
comes from the field (duplicated column names, blank cells written as a space, stray text in
numeric columns, missing periods) and returns the frame together with a plain-language report.
"""

from __future__ import annotations

import csv
import difflib
import re
from collections.abc import Hashable, Iterable, Sequence
from os import PathLike
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "check_pairwise_consistency",
    "read_pairwise_csv",
    "to_individual",
    "to_pairwise",
]

_PARTNER = "__dyadic_partner_person__"
_MAX_SHOWN = 5  # examples listed in error messages and report lines


# --------------------------------------------------------------------------- helpers


def _fmt(value: Any) -> str:
    """A value for a message: integral floats without ``.0``, NaN as ``NaN``."""
    if isinstance(value, (float, np.floating)):
        if np.isnan(value):
            return "NaN"
        if float(value).is_integer():
            return str(int(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def _join(items: Iterable[Any], limit: int | None = None) -> str:
    items = list(items)
    shown = [_fmt(i) for i in (items if limit is None else items[:limit])]
    text = ", ".join(shown)
    if limit is not None and len(items) > limit:
        text += f", ... ({len(items) - limit} more)"
    return text


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool)


def _ranges(values: Iterable[Any], limit: int | None = None) -> str:
    """``[1, 2, 3, 5, 7, 8]`` -> ``"1-3, 5, 7, 8"`` for whole-number periods; a plain list otherwise
    (at most ``limit`` items of it)."""
    vals = sorted(values)
    if not vals or not all(_is_number(v) and float(v).is_integer() for v in vals):
        return _join(vals, limit)
    runs: list[list[int]] = []
    for v in (int(x) for x in vals):
        if runs and v == runs[-1][-1] + 1:
            runs[-1].append(v)
        else:
            runs.append([v])
    return ", ".join(f"{r[0]}-{r[-1]}" if len(r) > 2 else ", ".join(map(str, r)) for r in runs)


def _quote(names: Iterable[Hashable]) -> str:
    return ", ".join(repr(n) for n in names)


def _validate_ids(df: pd.DataFrame, dyad_col: str, person_col: str, time_col: str, where: str) -> None:
    """Raise ValueError unless the id columns exist, are complete, unique and dyadic."""
    missing = [c for c in (dyad_col, person_col, time_col) if c not in df.columns]
    if missing:
        raise ValueError(
            f"{where}: id column(s) {_quote(missing)} not found (columns are {_quote(df.columns)}). "
            "Pass the right names as dyad_col=, person_col= and time_col=."
        )
    ids = [dyad_col, person_col, time_col]
    blank = df[ids].isna().any(axis=1)
    if blank.any():
        rows = list(df.index[blank])
        raise ValueError(
            f"{where}: {len(rows)} row(s) have no {dyad_col}/{person_col}/{time_col} value "
            f"(index {_join(rows, _MAX_SHOWN)}). Every row needs a dyad, a person and a period; "
            "fill them in or drop those rows."
        )
    dup = df.duplicated(ids, keep=False)
    if dup.any():
        groups = df[dup].groupby(ids, sort=True).groups
        examples = [
            f"{dyad_col} {_fmt(k[0])} {person_col} {_fmt(k[1])} {time_col} {_fmt(k[2])} (index {_join(v)})"
            for k, v in list(groups.items())[:_MAX_SHOWN]
        ]
        more = f" and {len(groups) - _MAX_SHOWN} more" if len(groups) > _MAX_SHOWN else ""
        raise ValueError(
            f"{where}: {len(groups)} duplicated ({dyad_col}, {person_col}, {time_col}) combination(s): "
            f"{'; '.join(examples)}{more}. Each person may have only one row per period; "
            "remove or aggregate the duplicates first."
        )
    persons = df.groupby(dyad_col, sort=True)[person_col].unique()
    too_many = persons[persons.map(len) > 2]
    if len(too_many):
        examples = [f"{dyad_col} {_fmt(d)} has {len(p)} persons ({_join(sorted(p))})" for d, p in too_many.items()]
        raise ValueError(
            f"{where}: {'; '.join(examples[:_MAX_SHOWN])}"
            f"{f' and {len(examples) - _MAX_SHOWN} more dyads' if len(examples) > _MAX_SHOWN else ''}. "
            f"A dyad has at most two members: check the {person_col!r} and {dyad_col!r} columns "
            "for typos, or give each couple its own dyad id."
        )


def _partner_rows(df: pd.DataFrame, dyad_col: str, person_col: str, time_col: str, value_cols: Sequence[str]) -> pd.DataFrame:
    """For every row with a partner row on the same period: the row's ids, the partner's person id
    (in column ``_PARTNER``) and the partner's ``value_cols``. Assumes validated ids."""
    right = df[[dyad_col, person_col, time_col, *value_cols]].rename(columns={person_col: _PARTNER})
    pairs = df[[dyad_col, person_col, time_col]].merge(right, on=[dyad_col, time_col], how="inner")
    return pairs[pairs[person_col] != pairs[_PARTNER]]


# --------------------------------------------------------------------------- to_pairwise


def to_pairwise(
    df: pd.DataFrame,
    *,
    dyad_col: str = "dyad_id",
    person_col: str = "person",
    time_col: str = "day",
    variables: list[str],
) -> pd.DataFrame:
    """Individual (person-period) layout -> pairwise (actor/partner) layout.

    Every row of ``df`` gives one output row (same order). For each name in ``variables`` the
    output has ``<var>_A`` (the row's own value) and ``<var>_P`` (the value in the row of the
    other member of the same dyad on the same period; NaN when that member has no row that
    period, or the dyad has only one member). All other columns of the row are kept unchanged.

    Column order: ``dyad_col``, ``person_col``, ``time_col``, then ``<var>_A``, ``<var>_P`` for each
    variable in the order given, then the remaining columns in their original order.

    Raises ValueError (saying what is wrong and how to fix it) when an id or variable column is
    missing, an id is blank, a (dyad, person, period) combination occurs twice, a dyad has more
    than two persons, or an output column name is already taken.
    """
    where = "to_pairwise"
    variables = list(variables)
    _validate_ids(df, dyad_col, person_col, time_col, where)
    ids = [dyad_col, person_col, time_col]
    dupes = sorted({v for v in variables if variables.count(v) > 1})
    if dupes:
        raise ValueError(f"{where}: variable(s) {_quote(dupes)} listed more than once in variables=; list each once.")
    absent = [v for v in variables if v not in df.columns]
    if absent:
        raise ValueError(
            f"{where}: variable column(s) {_quote(absent)} not found in the data frame "
            f"(columns are {_quote(df.columns)}). Pass existing column names in variables=."
        )
    id_vars = [v for v in variables if v in ids]
    if id_vars:
        raise ValueError(f"{where}: {_quote(id_vars)} is an id column, not a variable; remove it from variables=.")
    out_names = [f"{v}{s}" for v in variables for s in ("_A", "_P")]
    taken = [c for c in out_names if c in df.columns]
    if taken:
        raise ValueError(
            f"{where}: the output column(s) {_quote(taken)} already exist in the data frame "
            "(is it already pairwise?). Rename or drop them first."
        )

    partner = _partner_rows(df, dyad_col, person_col, time_col, variables)
    partner = partner.drop(columns=_PARTNER).rename(columns={v: f"{v}_P" for v in variables})
    merged = df.merge(partner, on=ids, how="left", validate="one_to_one")
    merged = merged.rename(columns={v: f"{v}_A" for v in variables})
    rest = [c for c in df.columns if c not in ids and c not in variables]
    return merged[[*ids, *out_names, *rest]].reset_index(drop=True)


# --------------------------------------------------------------------------- to_individual


def _stems(df: pd.DataFrame, actor_suffix: str, partner_suffix: str) -> list[str]:
    cols = [str(c) for c in df.columns]
    return [
        c[: -len(actor_suffix)]
        for c in cols
        if c.endswith(actor_suffix) and len(c) > len(actor_suffix) and c[: -len(actor_suffix)] + partner_suffix in cols
    ]


def _pairwise_variables(
    df: pd.DataFrame, variables: list[str] | None, actor_suffix: str, partner_suffix: str, where: str
) -> list[str]:
    if variables is None:
        return _stems(df, actor_suffix, partner_suffix)
    variables = list(variables)
    absent = [f"{v}{s}" for v in variables for s in (actor_suffix, partner_suffix) if f"{v}{s}" not in df.columns]
    if absent:
        raise ValueError(
            f"{where}: column(s) {_quote(absent)} not found; a pairwise variable needs both an actor "
            f"({actor_suffix!r}) and a partner ({partner_suffix!r}) column. Variables with both are: "
            f"{_quote(_stems(df, actor_suffix, partner_suffix)) or 'none'}. "
            "Rename the columns (read_pairwise_csv(rename=...)) or fix variables=."
        )
    return variables


def check_pairwise_consistency(
    df: pd.DataFrame,
    *,
    dyad_col: str = "dyad_id",
    person_col: str = "person",
    time_col: str = "day",
    variables: list[str] | None = None,
    actor_suffix: str = "_A",
    partner_suffix: str = "_P",
    rtol: float = 1e-9,
    atol: float = 1e-9,
) -> list[dict[str, Any]]:
    """Check that each row's partner columns equal the partner row's actor columns.

    Wherever both members of a dyad have a row on the same period, ``<var><partner_suffix>`` of
    one row must equal ``<var><actor_suffix>`` of the other row (numbers within ``rtol``/``atol``,
    NaN equals NaN). Rows without a partner row on that period cannot be checked and are skipped.

    ``variables`` defaults to every stem with both an actor and a partner column.

    Returns one dict per mismatch (empty list = consistent), sorted by dyad, period, person,
    variable, with keys ``dyad``, ``person``, ``time``, ``variable``, ``partner_column``,
    ``partner_column_value`` (this row's partner column), ``partner_person`` and
    ``partner_actor_value`` (the partner row's actor column). Raises ValueError on unusable ids
    (see :func:`to_pairwise`) or missing columns.
    """
    where = "check_pairwise_consistency"
    _validate_ids(df, dyad_col, person_col, time_col, where)
    variables = _pairwise_variables(df, variables, actor_suffix, partner_suffix, where)
    ids = [dyad_col, person_col, time_col]
    a_cols = [f"{v}{actor_suffix}" for v in variables]
    p_cols = [f"{v}{partner_suffix}" for v in variables]
    own = df[[*ids, *p_cols]]
    other = _partner_rows(df, dyad_col, person_col, time_col, a_cols)
    pairs = own.merge(other, on=ids, how="inner").sort_values([dyad_col, time_col, person_col], kind="stable")

    problems: list[dict[str, Any]] = []
    for v, a, p in zip(variables, a_cols, p_cols, strict=True):
        mine, theirs = pairs[p], pairs[a]
        if pd.api.types.is_numeric_dtype(mine) and pd.api.types.is_numeric_dtype(theirs):
            same = np.isclose(mine.to_numpy(float), theirs.to_numpy(float), rtol=rtol, atol=atol, equal_nan=True)
        else:
            same = ((mine == theirs) | (mine.isna() & theirs.isna())).to_numpy(bool)
        for _, row in pairs.loc[~same].iterrows():
            problems.append(
                {
                    "dyad": row[dyad_col],
                    "person": row[person_col],
                    "time": row[time_col],
                    "variable": v,
                    "partner_column": p,
                    "partner_column_value": row[p],
                    "partner_person": row[_PARTNER],
                    "partner_actor_value": row[a],
                }
            )
    order = {v: i for i, v in enumerate(variables)}
    problems.sort(key=lambda d: (d["dyad"], d["time"], d["person"], order[d["variable"]]))
    return problems


def _describe_mismatch(m: dict[str, Any], dyad_col: str, person_col: str, time_col: str, actor_col: str) -> str:
    return (
        f"{dyad_col} {_fmt(m['dyad'])} {time_col} {_fmt(m['time'])}: {person_col} {_fmt(m['person'])} has "
        f"{m['partner_column']}={_fmt(m['partner_column_value'])} but {person_col} {_fmt(m['partner_person'])} "
        f"has {actor_col}={_fmt(m['partner_actor_value'])}"
    )


def to_individual(
    df: pd.DataFrame,
    *,
    dyad_col: str = "dyad_id",
    person_col: str = "person",
    time_col: str = "day",
    variables: list[str] | None = None,
    actor_suffix: str = "_A",
    partner_suffix: str = "_P",
    check: bool = True,
) -> pd.DataFrame:
    """Pairwise (actor/partner) layout -> individual (person-period) layout.

    Keeps every row; for each variable the actor column ``<var><actor_suffix>`` becomes the bare
    ``<var>`` and the partner column ``<var><partner_suffix>`` is dropped (it is redundant: it is
    the other member's actor value). Other columns are kept unchanged. ``variables`` defaults to
    every stem that has both an actor and a partner column.

    Column order: ``dyad_col``, ``person_col``, ``time_col``, the variables, then the remaining
    columns in their original order.

    With ``check=True`` (default) the dropped partner columns are first verified with
    :func:`check_pairwise_consistency`; any mismatch raises ValueError listing the first few.
    Note that a partner value on a period where the partner has no row of their own is not
    checkable and is lost in the individual layout.
    """
    where = "to_individual"
    _validate_ids(df, dyad_col, person_col, time_col, where)
    variables = _pairwise_variables(df, variables, actor_suffix, partner_suffix, where)
    ids = [dyad_col, person_col, time_col]
    clash = [v for v in variables if v in df.columns or v in ids]
    if clash:
        raise ValueError(
            f"{where}: the output column(s) {_quote(clash)} already exist; rename or drop them first."
        )
    if check:
        problems = check_pairwise_consistency(
            df,
            dyad_col=dyad_col,
            person_col=person_col,
            time_col=time_col,
            variables=variables,
            actor_suffix=actor_suffix,
            partner_suffix=partner_suffix,
        )
        if problems:
            lines = [
                _describe_mismatch(m, dyad_col, person_col, time_col, f"{m['variable']}{actor_suffix}")
                for m in problems[:_MAX_SHOWN]
            ]
            more = f"\n  ... and {len(problems) - _MAX_SHOWN} more" if len(problems) > _MAX_SHOWN else ""
            raise ValueError(
                f"{where}: {len(problems)} partner value(s) disagree with the partner's own row:\n  "
                + "\n  ".join(lines)
                + more
                + "\nThe partner columns may be mislabelled or shifted; inspect them with "
                "check_pairwise_consistency(), or pass check=False to keep the actor columns anyway."
            )
    a_cols = [f"{v}{actor_suffix}" for v in variables]
    p_cols = [f"{v}{partner_suffix}" for v in variables]
    rest = [c for c in df.columns if c not in ids and c not in a_cols and c not in p_cols]
    out = df[[*ids, *a_cols, *rest]].rename(columns=dict(zip(a_cols, variables, strict=True)))
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- read_pairwise_csv


def _periods(time_col: str, values: Sequence[Any]) -> str:
    """``"days 2-4"`` / ``"day 7"``: the period column's name as a word, then the periods."""
    word = time_col.lower()
    if len(values) != 1 and not word.endswith("s"):
        word += "s"
    return f"{word} {_ranges(values)}"


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
            f"read_pairwise_csv: rename= refers to column(s) {_quote(unknown)} that the file does not have "
            f"(columns as read: {_quote(read_names)})."
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
                    f"{_join(examples, 10)}"
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
        return [f"id column(s) {_quote(absent)} not found; the checks of ids and missing periods were skipped"]
    out: list[str] = []
    lines = pd.Series(np.arange(len(df)) + 2, index=df.index)
    no_id = df[ids].isna().any(axis=1)
    if no_id.any():
        out.append(f"{int(no_id.sum())} row(s) without {dyad_col}/{person_col}/{time_col} (lines {_join(lines[no_id], 10)})")
    ok = df[~no_id]
    dup = ok.duplicated(ids, keep=False)
    for key, idx in ok[dup].groupby(ids, sort=True).groups.items():
        out.append(
            f"dyad {_fmt(key[0])} person {_fmt(key[1])}: {len(idx)} rows for {time_col.lower()} {_fmt(key[2])} "
            f"(lines {_join(lines[idx])})"
        )
    persons = ok.groupby(dyad_col, sort=True)[person_col].unique()
    for d, ps in persons.items():
        if len(ps) != 2:
            out.append(f"dyad {_fmt(d)} has {len(ps)} person(s) ({_join(sorted(ps))}); a dyad should have 2")

    periods = sorted(ok[time_col].unique())
    actor_cols = [c for c in df.columns if str(c).endswith(actor_suffix) and c not in ids]
    for (d, p), g in ok.groupby([dyad_col, person_col], sort=True):
        missing = sorted(set(periods) - set(g[time_col]))
        if missing:
            out.append(f"dyad {_fmt(d)} person {_fmt(p)}: no rows for {_periods(time_col, missing)}")
        if actor_cols:
            blank = g[actor_cols].isna()
            groups: dict[tuple[str, ...], list[Any]] = {}
            for t, row in zip(g[time_col], blank.itertuples(index=False), strict=True):
                cols = tuple(c for c, b in zip(actor_cols, row, strict=True) if b)
                if cols:
                    groups.setdefault(cols, []).append(t)
            for cols, ts in sorted(groups.items(), key=lambda kv: sorted(kv[1])[0]):
                out.append(f"dyad {_fmt(d)} person {_fmt(p)}: blank {', '.join(cols)} on {_periods(time_col, ts)}")
    return out
