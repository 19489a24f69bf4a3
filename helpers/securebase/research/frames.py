"""What the research modules share: reading a long (person-period) file, grouping rows by subject
once for compiled per-subject reductions (:class:`Groups`, :mod:`securebase.research.kernels`), and
turning results into JSON-safe values and files."""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from securebase.core import config

SubjectCols = str | Sequence[str]


def parse_columns(spec: str | Sequence[str] | None) -> list[str]:
    """``"a, b"`` or ``["a", "b"]`` -> ``["a", "b"]``; ``""``/``None`` -> ``[]``."""
    if spec is None:
        return []
    if isinstance(spec, str):
        return [s.strip() for s in spec.split(",") if s.strip()]
    return [str(s) for s in spec]


def subject_list(subject_col: SubjectCols) -> list[str]:
    cols = parse_columns(subject_col)
    if not cols:
        raise ValueError("subject_col is empty: give the subject id column (or several, comma-separated).")
    return cols


def read_long(path: str | PathLike[str]) -> pd.DataFrame:
    """Read a person-period table: Parquet for ``.parquet``/``.pq``, CSV otherwise.

    CSV cells that are blank or only whitespace become NaN, and a column whose non-blank cells
    all parse as numbers becomes numeric (so a blank written as a space does not turn a numeric
    column into text). A duplicated column name is kept as pandas' mangled copy (``name.1``).
    """
    path = Path(path)
    if path.suffix.lower() in (".parquet", ".pq"):
        import pyarrow.parquet as pq

        # ParquetFile.read keeps one Arrow chunk per row group, so columns without nulls in a
        # one-row-group file become pandas columns without a copy (read-only arrays).
        return pq.ParquetFile(path).read().to_pandas(split_blocks=True)
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    out = {}
    for col in raw.columns:
        s = raw[col].str.strip()
        s = s.mask(s == "")
        num = pd.to_numeric(s, errors="coerce")
        out[col] = num if num.notna().sum() == s.notna().sum() else s
    return pd.DataFrame(out)


_PLAIN = (int, str, bool, type(None))


class Column(list):
    """A list already made JSON-safe by :func:`column` (so :func:`to_jsonable` passes it through)."""

    __slots__ = ()


def to_jsonable(obj: Any) -> Any:
    """Recursively turn numpy/pandas scalars and containers into JSON-safe Python values
    (NaN and infinities become ``None``; dates become ISO strings)."""
    if obj is None or isinstance(obj, (bool, str)) or type(obj) is Column:
        return obj
    if isinstance(obj, (np.bool_,)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else None
    if isinstance(obj, Mapping):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list):
        kinds = set(map(type, obj))
        if kinds <= {int, str, bool, type(None)}:  # fast path for long plain columns
            return list(obj)
        if kinds <= {float, int, type(None)}:
            return [v if type(v) is not float or math.isfinite(v) else None for v in obj]
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (pd.Timestamp, datetime, date)):
        return obj.isoformat()
    if isinstance(obj, np.datetime64):
        return str(obj)
    if isinstance(obj, np.ndarray):
        return column(obj)
    if isinstance(obj, (tuple, set, pd.Index, pd.Series)):
        return [to_jsonable(v) for v in obj]
    if obj is pd.NA or obj is pd.NaT:
        return None
    return str(obj)


def column(values: Any) -> Column:
    """A JSON-safe list from a numpy array or list (NaN -> None, numpy scalars -> Python)."""
    if isinstance(values, Column):
        return values
    if isinstance(values, np.ndarray) and values.dtype.kind in "biuf":
        out = values.tolist()
        if values.dtype.kind == "f" and not np.isfinite(values).all():
            out = [v if math.isfinite(v) else None for v in out]
        return Column(out)
    if isinstance(values, np.ndarray) and values.dtype.kind == "M":
        return Column(None if pd.isna(v) else str(v) for v in values)
    return Column(to_jsonable(list(values)))


def table(**columns: Any) -> dict[str, list[Any]]:
    """A column-oriented table ``{name: [values...]}`` (all columns the same length);
    ``pandas.DataFrame(table)`` turns it back into a frame."""
    return {k: column(v) for k, v in columns.items()}


def write_results(results: Mapping[str, Any], path: str | PathLike[str] | None) -> None:
    """Write ``results`` as indented JSON to ``path`` (nothing when ``path`` is empty)."""
    if not path:
        return
    path = Path(path)
    config.ensure_private_dir(path.parent)
    config.write_private_file(path, json.dumps(to_jsonable(results), indent=2, allow_nan=False) + "\n")


def numeric(df: pd.DataFrame, col: str, where: str) -> np.ndarray:
    if col not in df.columns:
        raise ValueError(f"{where}: column {col!r} not found (columns are {list(map(str, df.columns))}).")
    s = df[col]
    if isinstance(s, pd.DataFrame):
        raise ValueError(f"{where}: column name {col!r} occurs more than once; rename the copies first.")
    if s.dtype == np.float64:
        return s.to_numpy()
    if not (pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)):
        num = pd.to_numeric(s, errors="coerce")
        bad = int(num.isna().sum() - s.isna().sum())
        if bad:
            raise ValueError(f"{where}: column {col!r} has {bad} value(s) that are not numbers.")
        s = num
    return s.to_numpy(dtype=np.float64, na_value=np.nan)


class Groups:
    """Rows grouped by subject, for per-subject reductions.

    ``subject_col`` is one column or several (e.g. ``["dyadid", "person"]``: a subject is a
    person within a couple). When the rows of each subject are contiguous and in sorted order
    (the usual export order) the groups are read off directly; otherwise the ids are factorised
    and the rows reordered once. Rows without a subject id raise ValueError.

    Attributes: ``n`` (number of subjects), ``sizes`` (rows per subject), ``starts`` (first row
    of each subject in group order), ``labels`` (JSON-safe ids; several columns are joined
    with ``_``, e.g. ``"12_1"``), ``order`` (row permutation into group order, or ``None`` when already in order).
    """

    def __init__(self, df: pd.DataFrame, subject_col: SubjectCols):
        cols = subject_list(subject_col)
        missing = [c for c in cols if c not in df.columns]
        if missing:
            raise ValueError(f"subject column(s) {missing} not found (columns are {list(map(str, df.columns))}).")
        self.columns = cols
        keys = [df[c].to_numpy() for c in cols]
        blank = np.zeros(len(df), dtype=bool)
        for c in cols:
            blank |= df[c].isna().to_numpy()
        if blank.any():
            raise ValueError(f"{int(blank.sum())} row(s) have no subject id in {cols}; drop or fill them first.")
        n_rows = len(df)
        self.n_rows = n_rows
        order = None
        if n_rows and self._sorted(keys):
            change = np.zeros(n_rows - 1, dtype=bool)
            for k in keys:
                change |= k[1:] != k[:-1]
            starts = np.flatnonzero(np.r_[True, change])
        elif n_rows:
            if len(cols) == 1:
                codes, _ = pd.factorize(df[cols[0]], sort=True)
            else:
                codes = df.groupby(cols, sort=True).ngroup().to_numpy()
            order = np.argsort(codes, kind="stable")
            sc = codes[order]
            starts = np.flatnonzero(np.r_[True, sc[1:] != sc[:-1]])
        else:
            starts = np.zeros(0, dtype=np.intp)
        self.order = order
        self.starts = starts
        self.sizes = np.diff(np.r_[starts, n_rows]).astype(np.int64)
        self.n = len(starts)
        first_rows = starts if order is None else order[starts]
        if len(cols) == 1:
            self.labels = to_jsonable(keys[0][first_rows])
        else:
            self.labels = ["_".join(str(to_jsonable(k[i])) for k in keys) for i in first_rows]
        self._frame = df
        self._stats: dict[str, dict[str, np.ndarray]] = {}
        self._codes: np.ndarray | None = None

    @staticmethod
    def _sorted(keys: list[np.ndarray]) -> bool:
        """Lexicographically non-decreasing over the key columns (cheap: one vectorised pass)."""
        try:
            if len(keys) == 1:
                k = keys[0]
                return bool(np.all(k[1:] >= k[:-1]))
            gt = np.zeros(len(keys[0]) - 1, dtype=bool)
            eq = np.ones(len(keys[0]) - 1, dtype=bool)
            for k in keys:
                a, b = k[1:], k[:-1]
                gt |= eq & (a > b)
                eq &= a == b
            return bool(np.all(gt | eq))
        except TypeError:  # mixed or unorderable ids: fall back to factorising
            return False

    def take(self, x: np.ndarray) -> np.ndarray:
        """``x`` in group order (rows of each subject contiguous)."""
        return x if self.order is None else x[self.order]

    def untake(self, y: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`take`: values in group order back to the frame's row order."""
        if self.order is None:
            return y
        out = np.empty_like(y)
        out[self.order] = y
        return out

    def sum(self, x_grouped: np.ndarray) -> np.ndarray:
        """Per-subject sums of an array already in group order (NaN propagates)."""
        if self.n == 0:
            return np.zeros(0, dtype=np.result_type(x_grouped, np.float64))
        return np.add.reduceat(x_grouped, self.starts)

    def count(self, mask_grouped: np.ndarray) -> np.ndarray:
        if self.n == 0:
            return np.zeros(0, dtype=np.int64)
        return np.add.reduceat(mask_grouped, self.starts, dtype=np.int64)

    def nanmin(self, x_grouped: np.ndarray) -> np.ndarray:
        return np.fmin.reduceat(x_grouped, self.starts) if self.n else np.zeros(0)

    def nanmax(self, x_grouped: np.ndarray) -> np.ndarray:
        return np.fmax.reduceat(x_grouped, self.starts) if self.n else np.zeros(0)

    def broadcast(self, per_group: np.ndarray) -> np.ndarray:
        """One value per subject -> one per row, in group order."""
        return np.repeat(per_group, self.sizes)

    @property
    def codes(self) -> np.ndarray:
        """The subject code (0 .. n-1) of each row, in group order."""
        if self._codes is None:
            self._codes = np.repeat(np.arange(self.n, dtype=np.intp), self.sizes)
        return self._codes

    def moments(self, x: np.ndarray) -> dict[str, Any]:
        """Per subject, for values ``x`` in frame row order (NaN = missing): ``n``, ``mean``,
        ``ss`` (sum of squared deviations from the subject's own mean), ``first`` and
        ``constant``; plus ``min`` and ``max`` over all rows. One compiled pass; see
        :func:`securebase.research.kernels.group_moments` for the numerics."""
        from securebase.research import kernels  # numba loads only when moments are needed, not for read_long or write_results

        return kernels.group_moments(self.take(x), self.starts, self.sizes)

    def stats(self, df: pd.DataFrame, col: str, where: str = "") -> dict[str, Any]:
        """:meth:`moments` of column ``col`` of ``df``, remembered when ``df`` is the frame these
        groups were built from (so a compliance report and the descriptives of the same frame
        share one pass per variable). Build new groups after changing the frame in place."""
        if df is self._frame and col in self._stats:
            return self._stats[col]
        m = self.moments(numeric(df, col, where or "stats"))
        if df is self._frame:
            self._stats[col] = m
        return m

    def prefetch(self, df: pd.DataFrame, cols: Sequence[str], where: str = "") -> None:
        """:meth:`stats` of several numeric columns at once, one thread per core."""
        todo = [c for c in dict.fromkeys(cols) if c in df.columns and pd.api.types.is_numeric_dtype(df[c])
                and not isinstance(df[c], pd.DataFrame)]
        from securebase.research import kernels

        kernels.map_threads(lambda c: self.stats(df, c, where), todo)
