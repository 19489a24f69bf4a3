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

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from securebase.couples.report_text import MAX_SHOWN, fmt_value, join_items, quote_names

__all__ = [
    "check_pairwise_consistency",
    "to_individual",
    "to_pairwise",
]

_PARTNER = "__dyadic_partner_person__"


def validate_ids(df: pd.DataFrame, dyad_col: str, person_col: str, time_col: str, where: str) -> None:
    """Raise ValueError unless the id columns exist, are complete, unique and dyadic."""
    missing = [c for c in (dyad_col, person_col, time_col) if c not in df.columns]
    if missing:
        raise ValueError(
            f"{where}: id column(s) {quote_names(missing)} not found (columns are {quote_names(df.columns)}). "
            "Pass the right names as dyad_col=, person_col= and time_col=."
        )
    ids = [dyad_col, person_col, time_col]
    blank = df[ids].isna().any(axis=1)
    if blank.any():
        rows = list(df.index[blank])
        raise ValueError(
            f"{where}: {len(rows)} row(s) have no {dyad_col}/{person_col}/{time_col} value "
            f"(index {join_items(rows, MAX_SHOWN)}). Every row needs a dyad, a person and a period; "
            "fill them in or drop those rows."
        )
    dup = df.duplicated(ids, keep=False)
    if dup.any():
        groups = df[dup].groupby(ids, sort=True).groups
        examples = [
            f"{dyad_col} {fmt_value(k[0])} {person_col} {fmt_value(k[1])} {time_col} {fmt_value(k[2])} (index {join_items(v)})"
            for k, v in list(groups.items())[:MAX_SHOWN]
        ]
        more = f" and {len(groups) - MAX_SHOWN} more" if len(groups) > MAX_SHOWN else ""
        raise ValueError(
            f"{where}: {len(groups)} duplicated ({dyad_col}, {person_col}, {time_col}) combination(s): "
            f"{'; '.join(examples)}{more}. Each person may have only one row per period; "
            "remove or aggregate the duplicates first."
        )
    persons = df.groupby(dyad_col, sort=True)[person_col].unique()
    too_many = persons[persons.map(len) > 2]
    if len(too_many):
        examples = [f"{dyad_col} {fmt_value(d)} has {len(p)} persons ({join_items(sorted(p))})" for d, p in too_many.items()]
        raise ValueError(
            f"{where}: {'; '.join(examples[:MAX_SHOWN])}"
            f"{f' and {len(examples) - MAX_SHOWN} more dyads' if len(examples) > MAX_SHOWN else ''}. "
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
    validate_ids(df, dyad_col, person_col, time_col, where)
    ids = [dyad_col, person_col, time_col]
    dupes = sorted({v for v in variables if variables.count(v) > 1})
    if dupes:
        raise ValueError(f"{where}: variable(s) {quote_names(dupes)} listed more than once in variables=; list each once.")
    absent = [v for v in variables if v not in df.columns]
    if absent:
        raise ValueError(
            f"{where}: variable column(s) {quote_names(absent)} not found in the data frame "
            f"(columns are {quote_names(df.columns)}). Pass existing column names in variables=."
        )
    id_vars = [v for v in variables if v in ids]
    if id_vars:
        raise ValueError(f"{where}: {quote_names(id_vars)} is an id column, not a variable; remove it from variables=.")
    out_names = [f"{v}{s}" for v in variables for s in ("_A", "_P")]
    taken = [c for c in out_names if c in df.columns]
    if taken:
        raise ValueError(
            f"{where}: the output column(s) {quote_names(taken)} already exist in the data frame "
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
            f"{where}: column(s) {quote_names(absent)} not found; a pairwise variable needs both an actor "
            f"({actor_suffix!r}) and a partner ({partner_suffix!r}) column. Variables with both are: "
            f"{quote_names(_stems(df, actor_suffix, partner_suffix)) or 'none'}. "
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
    validate_ids(df, dyad_col, person_col, time_col, where)
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
        f"{dyad_col} {fmt_value(m['dyad'])} {time_col} {fmt_value(m['time'])}: {person_col} {fmt_value(m['person'])} has "
        f"{m['partner_column']}={fmt_value(m['partner_column_value'])} but {person_col} {fmt_value(m['partner_person'])} "
        f"has {actor_col}={fmt_value(m['partner_actor_value'])}"
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
    validate_ids(df, dyad_col, person_col, time_col, where)
    variables = _pairwise_variables(df, variables, actor_suffix, partner_suffix, where)
    ids = [dyad_col, person_col, time_col]
    clash = [v for v in variables if v in df.columns or v in ids]
    if clash:
        raise ValueError(
            f"{where}: the output column(s) {quote_names(clash)} already exist; rename or drop them first."
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
                for m in problems[:MAX_SHOWN]
            ]
            more = f"\n  ... and {len(problems) - MAX_SHOWN} more" if len(problems) > MAX_SHOWN else ""
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
