"""Importing a person-period diary (or a one-occasion data set) from another study.

:func:`import_diary` reads a CSV as it comes from the field with the tolerant reader of
:mod:`securebase.couples.pairwise_csv` (:func:`~securebase.couples.pairwise_csv.read_pairwise_csv`: duplicated column
names kept as pandas' mangled copy ``X.1``, blank cells read as NaN, stray text in numeric
columns read as NaN) and maps it onto what the analyses need, described by a
:class:`DiaryMapping`: who the subject is, the dyad and the role (optional), the time or day
column (``None`` for a cross-sectional data set), and the outcome variables (optionally renamed).

It returns an :class:`ImportResult`: the frame and ``problems``, one human-readable line per
finding, each naming the columns, counts and example file lines:

* duplicated column names (and, for a pairwise file, an actor column without its partner column);
* blank cells written as spaces (``' '``) rather than left empty, per column;
* values that are not numbers in the outcome columns (they become NaN);
* periods missing per subject: no row at all for a period that others have (a gap in the time
  index), and periods whose row is there but with the outcome left blank;
* repeated (subject, period) rows, or several rows per subject when no time column is mapped.

A mapped column that the file does not have raises :class:`ValueError` listing the columns the
file does have (after mangling, e.g. ``'Cavoid_A.1'``) and the closest match.

The frame keeps the mapped columns under their names in the file (outcomes renamed when asked),
plus the columns named in ``keep``. The subject identifier is in :attr:`ImportResult.subject_col`:
the mapped column itself when the subject is one column whose values are unique across the
data set, otherwise a new text column ``subject`` made of the parts, e.g. ``"27_1"`` for dyad 27
person 1 (used when ``subject`` lists several columns, or when ``dyad`` is mapped and the
subject values repeat across dyads, i.e. persons are numbered 1 and 2 within each couple).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from securebase.couples.pairwise_csv import read_pairwise_csv
from securebase.couples.report_text import fmt_value, join_items, ranges_text  # the same wording as the pairwise reader

__all__ = ["DiaryMapping", "ImportResult", "import_diary", "partner_renames"]

_SHOWN = 5  # examples per report line
_NEVER = "\x00no such column\x00"  # id names for read_pairwise_csv: its id checks are done here, per subject


@dataclass(frozen=True)
class DiaryMapping:
    """Which columns of another study's diary mean what.

    * ``subject``: the column (or list of columns, e.g. ``["dyadid", "person"]``) identifying a person.
    * ``dyad``: the couple column, optional.
    * ``role``: the person's role within the couple (e.g. person 1/2 or gender), optional.
    * ``time``: the time or day column; ``None`` for a one-occasion (cross-sectional) data set.
    * ``outcomes``: the outcome variables, a list of column names or a dict ``{column: new name}``.
    * ``keep``: other columns to carry over unchanged, or ``"all"`` for every remaining column.
    * ``rename``: names as read (after mangling) -> new names, applied first, e.g.
      ``{"Cavoid_A.1": "Cavoid_P"}``; names in the other fields refer to the renamed columns.
    * ``duplicate_actor_as_partner``: when a pairwise file has an actor column twice and no partner
      column (``Cavoid_A``, ``Cavoid_A`` and no ``Cavoid_P``), read the second copy as the partner
      column (see :func:`partner_renames`); reported as a problem line either way.
    """

    subject: str | Sequence[str]
    time: str | None = None
    outcomes: Sequence[str] | dict[str, str] = ()
    dyad: str | None = None
    role: str | None = None
    keep: Sequence[str] | str = ()
    rename: dict[str, str] = field(default_factory=dict)
    duplicate_actor_as_partner: bool = False

    def subject_columns(self) -> list[str]:
        return [self.subject] if isinstance(self.subject, str) else list(self.subject)

    def outcome_map(self) -> dict[str, str]:
        if isinstance(self.outcomes, dict):
            return dict(self.outcomes)
        if isinstance(self.outcomes, str):
            return {self.outcomes: self.outcomes}
        return {c: c for c in self.outcomes}


@dataclass
class ImportResult:
    """The imported frame and what was odd about the file (one plain-language line each).

    ``subject_col``, ``dyad_col``, ``role_col`` and ``time_col`` name the frame's columns for
    each role (``None`` when not mapped); ``outcomes`` the outcome columns (after renaming);
    ``cross_sectional`` is true when no time column is mapped (one occasion per subject);
    ``notes`` holds how the file was read (renames applied, how subjects were formed).
    """

    frame: pd.DataFrame
    problems: list[str]
    subject_col: str = "subject"
    time_col: str | None = None
    dyad_col: str | None = None
    role_col: str | None = None
    outcomes: list[str] = field(default_factory=list)
    cross_sectional: bool = False
    notes: list[str] = field(default_factory=list)

    def report(self) -> str:
        """All notes and problems as text, one per line."""
        lines = [*self.notes, *(f"problem: {p}" for p in self.problems)]
        return "\n".join(lines) if lines else "no problems found"


# --------------------------------------------------------------------------- helpers


def partner_renames(columns: Sequence[str], actor_suffix: str = "_A", partner_suffix: str = "_P") -> dict[str, str]:
    """Renames that read a duplicated actor column as the missing partner column.

    ``["Cavoid_A", "Cavoid_A.1"]`` (pandas' name for the second ``Cavoid_A``) with no
    ``Cavoid_P`` gives ``{"Cavoid_A.1": "Cavoid_P"}``. Only the first copy is used, and only when
    the partner column is absent. This is a guess about the file (right for Kashy's diary, whose
    second ``Cavoid_A`` is the partner's avoidance); check it with
    :func:`securebase.couples.dyadic.check_pairwise_consistency`.
    """
    cols = [str(c) for c in columns]
    out: dict[str, str] = {}
    for c in cols:
        if not c.endswith(actor_suffix + ".1"):
            continue
        base = c[:-2]
        partner = base[: -len(actor_suffix)] + partner_suffix
        if base in cols and len(base) > len(actor_suffix) and partner not in cols and partner not in out.values():
            out[c] = partner
    return out


def _check_known(columns: list[str], wanted: dict[str, str]) -> None:
    """Raise ValueError naming each unknown mapped column, what it was for, and what exists."""
    unknown = [(role, col) for role, col in wanted.items() if col not in columns]
    if not unknown:
        return
    parts = []
    for role, col in unknown:
        close = difflib.get_close_matches(col, columns, n=1, cutoff=0.6)
        parts.append(f"{role} column {col!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise ValueError(
        "import_diary: the mapping names column(s) the file does not have: "
        + "; ".join(parts)
        + f". The file's columns are: {', '.join(repr(c) for c in columns)}."
    )


def _space_blanks(raw: pd.DataFrame, rename: dict[str, str]) -> list[str]:
    """One line per column with cells that hold only spaces (rather than nothing)."""
    out = []
    for col in raw.columns:
        s = raw[col]
        spaces = (s != "") & (s.str.strip() == "")
        if spaces.any():
            lines = list(np.flatnonzero(spaces.to_numpy(bool)) + 2)
            kinds = sorted(set(s[spaces]))
            kind = " or ".join(repr(k) for k in kinds[:3])
            out.append(
                f"column {col!r}{f' (read as {rename[col]!r})' if col in rename else ''}: {int(spaces.sum())} blank cell(s) written as {kind} instead of left empty, "
                f"read as missing (file lines {join_items(lines, _SHOWN)})"
            )
    return out


# --------------------------------------------------------------------------- import_diary


def import_diary(path: str | PathLike[str], mapping: DiaryMapping) -> ImportResult:
    """Read a person-period diary CSV described by ``mapping``; see the module docstring.

    Raises ValueError when a mapped column is missing (listing the file's columns); every other
    oddity is reported in ``problems`` and the data are kept (odd values become NaN).
    """
    path = Path(path)
    name = path.name
    notes: list[str] = []
    problems: list[str] = []

    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    read_names = [str(c) for c in raw.columns]
    rename = dict(mapping.rename)
    if mapping.duplicate_actor_as_partner:
        auto = {k: v for k, v in partner_renames(read_names).items() if k not in rename and v not in rename.values()}
        for k, v in auto.items():
            notes.append(
                f"{name}: {k[:-2]!r} appears twice and there is no {v!r}; the second copy ({k!r}) is read as {v!r}"
            )
        rename.update(auto)
    bad_keys = [k for k in rename if k not in read_names]
    if bad_keys:
        raise ValueError(
            f"import_diary: rename= names column(s) {', '.join(map(repr, bad_keys))} that the file does not have. "
            f"The file's columns (as read) are: {', '.join(map(repr, read_names))}."
        )

    # the tolerant reader does the parsing; its id checks are done below, per subject
    df, reader_lines = read_pairwise_csv(path, rename=rename, dyad_col=_NEVER, person_col=_NEVER, time_col=_NEVER)
    columns = [str(c) for c in df.columns]

    subject_cols = mapping.subject_columns()
    if not subject_cols:
        raise ValueError("import_diary: the mapping needs a subject column (subject=...).")
    out_map = mapping.outcome_map()
    wanted: dict[str, str] = {}
    for i, c in enumerate(subject_cols):
        wanted[f"subject{'' if len(subject_cols) == 1 else f' part {i + 1}'}"] = c
    for role, col in (("dyad", mapping.dyad), ("role", mapping.role), ("time", mapping.time)):
        if col is not None:
            wanted[role] = col
    for i, c in enumerate(out_map):
        wanted[f"outcome {i + 1}"] = c
    keep_all = isinstance(mapping.keep, str) and mapping.keep == "all"
    keep = [] if keep_all else ([mapping.keep] if isinstance(mapping.keep, str) else list(mapping.keep))
    for i, c in enumerate(keep):
        wanted[f"keep {i + 1}"] = c
    _check_known(columns, wanted)

    # what the reader found, in this module's words where it matters
    for line in reader_lines:
        if re.match(r"column '.*' appears ", line):
            problems.append(f"duplicate column name: {line}")
        elif re.match(r"column '.*' has no (partner|actor) column", line):
            problems.append(f"pairwise columns: {line}")
    problems.extend(_space_blanks(raw, rename))

    # outcome columns must be numbers
    outcome_cols = list(out_map)
    for col in outcome_cols:
        for line in reader_lines:
            if line.startswith(f"column {col!r}: ") and "not numbers" in line:
                problems.append(f"outcome {line}")
        s = df[col]
        if not pd.api.types.is_numeric_dtype(s):
            text = s.dropna()
            nums = pd.to_numeric(text.astype(str).str.strip(), errors="coerce")
            bad = text[nums.isna()]
            lines = [f"{v!r} (line {i + 2})" for i, v in zip(bad.index[:_SHOWN], bad.iloc[:_SHOWN], strict=True)]
            problems.append(
                f"outcome column {col!r} is mostly text: {len(bad)} of {len(text)} filled value(s) are not "
                f"numbers and are read as missing: {', '.join(lines)}{' ...' if len(bad) > _SHOWN else ''}"
            )
            df[col] = pd.to_numeric(s.astype(object).map(lambda x: x.strip() if isinstance(x, str) else x), errors="coerce")

    # the frame: ids, outcomes (renamed), kept columns
    id_cols = list(dict.fromkeys([*([mapping.dyad] if mapping.dyad else []), *subject_cols,
                                  *(c for c in (mapping.role, mapping.time) if c)]))
    used = set(id_cols) | set(outcome_cols)
    extra = [c for c in columns if c not in used] if keep_all else [c for c in keep if c not in used]
    frame = df[[*id_cols, *outcome_cols, *extra]].copy()
    new_names = [out_map[c] for c in outcome_cols]
    clash = [n for n, c in zip(new_names, outcome_cols, strict=True) if n != c and n in frame.columns]
    if clash:
        raise ValueError(f"import_diary: outcome new name(s) {', '.join(map(repr, clash))} already name a column; pick others.")
    frame = frame.rename(columns={c: n for c, n in out_map.items() if c != n})
    if any(c != n for c, n in out_map.items()):
        notes.append("outcomes renamed: " + ", ".join(f"{c!r} -> {n!r}" for c, n in out_map.items() if c != n))

    # subjects
    blank_id = frame[[*subject_cols, *([mapping.dyad] if mapping.dyad else [])]].isna().any(axis=1)
    if blank_id.any():
        lines = list(np.flatnonzero(blank_id.to_numpy(bool)) + 2)
        problems.append(
            f"{int(blank_id.sum())} row(s) have no {'/'.join(subject_cols)} value and were dropped (file lines {join_items(lines, _SHOWN)})"
        )
        frame = frame[~blank_id.to_numpy(bool)]
    parts = list(subject_cols)
    if mapping.dyad and len(subject_cols) == 1 and mapping.dyad != subject_cols[0]:
        spread = frame.groupby(subject_cols[0], sort=False)[mapping.dyad].nunique()
        if (spread > 1).any():
            parts = [mapping.dyad, subject_cols[0]]
            notes.append(
                f"{subject_cols[0]!r} values repeat across {mapping.dyad!r} (e.g. {subject_cols[0]} "
                f"{fmt_value(spread.index[spread > 1][0])} is in {int(spread.max())} dyads): subjects are taken as "
                f"({mapping.dyad}, {subject_cols[0]}) pairs"
            )
    if len(parts) == 1:
        subject_col = parts[0]
    else:
        subject_col = "subject"
        if subject_col in frame.columns:
            raise ValueError("import_diary: the file already has a column 'subject'; map it as the subject or rename it.")
        key = frame[parts[0]].map(fmt_value)
        for p in parts[1:]:
            key = key + "_" + frame[p].map(fmt_value)
        frame.insert(0, subject_col, key)
        notes.append(f"subject = {' and '.join(parts)} joined with '_' (column 'subject', e.g. {key.iloc[0]!r})")

    final_outcomes = new_names
    n_subjects = frame[subject_col].nunique()
    if mapping.time is None:
        counts = frame.groupby(subject_col, sort=False).size()
        several = counts[counts > 1]
        notes.append(
            f"{name}: no time column mapped: read as cross-sectional (one occasion per subject), "
            f"{n_subjects} subjects in {len(frame)} rows"
        )
        if len(several):
            problems.append(
                f"no time column is mapped but {len(several)} of {n_subjects} subject(s) have several rows "
                f"(up to {int(several.max())}; e.g. {join_items(list(several.index), _SHOWN)}): "
                "map the time column, or aggregate the rows per subject"
            )
    else:
        ordered = frame.sort_values([*parts, mapping.time], kind="stable")
        problems.extend(_time_problems(ordered, subject_col, mapping.time, final_outcomes))

    result = ImportResult(
        frame=frame.reset_index(drop=True),
        problems=problems,
        subject_col=subject_col,
        time_col=mapping.time,
        dyad_col=mapping.dyad,
        role_col=mapping.role,
        outcomes=final_outcomes,
        cross_sectional=mapping.time is None,
        notes=notes,
    )
    return result


def _time_problems(frame: pd.DataFrame, subject_col: str, time_col: str, outcomes: list[str]) -> list[str]:
    """Missing and repeated periods per subject."""
    out: list[str] = []
    no_time = frame[time_col].isna()
    if no_time.any():
        out.append(
            f"{int(no_time.sum())} row(s) have no {time_col!r} value (subjects {join_items(list(frame.loc[no_time, subject_col].unique()), _SHOWN)})"
        )
    ok = frame[~no_time]
    dup = ok.duplicated([subject_col, time_col], keep=False)
    if dup.any():
        keys = ok.loc[dup, [subject_col, time_col]].drop_duplicates()
        ex = [f"subject {fmt_value(s)} {time_col} {fmt_value(t)}" for s, t in keys.itertuples(index=False)]
        out.append(
            f"{len(keys)} (subject, {time_col}) combination(s) occur more than once: {join_items(ex, _SHOWN)}; "
            "each subject should have one row per period"
        )
    periods = sorted(ok[time_col].unique())
    lines: list[str] = []
    for s, g in ok.groupby(subject_col, sort=False):
        missing = sorted(set(periods) - set(g[time_col]))
        if missing:
            lines.append(f"subject {fmt_value(s)}: no row for {time_col} {ranges_text(missing, 10)} (gap in the time index)")
        by_days: dict[tuple[Any, ...], list[str]] = {}
        for col in outcomes:
            empty = tuple(sorted(g.loc[g[col].isna(), time_col]))
            if empty:
                by_days.setdefault(empty, []).append(col)
        for days, cols in by_days.items():
            lines.append(f"subject {fmt_value(s)}: {', '.join(cols)} blank on {time_col} {ranges_text(list(days), 10)} (row present, value missing)")
    limit = 30
    out.extend(lines[:limit])
    if len(lines) > limit:
        out.append(f"... and {len(lines) - limit} more lines about missing periods")
    return out
