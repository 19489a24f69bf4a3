"""The audit of suppression: what a reader can work out about each hidden count from all that is shown.

Small-cell rules (:mod:`securebase.privacy.suppression`) look at one line of one table at a time. A
reader looks at everything at once: every shown cell and total of every table of a summary, the sums
that tie each table together, and what they know ties the tables to each other (the same group of
people counted twice, people who did an exercise being among those who returned a workbook). For
each hidden figure the audit asks a linear program (``scipy.optimize.linprog``, HiGHS) for its
smallest and largest value consistent with all of that, counts being whole numbers of 0 or more. A
hidden figure is *recoverable* when only one whole number fits.

:func:`suppress_together` suppresses the tables of one summary, audits them together and, while some
hidden figure is recoverable, hides one more figure of its table (the smallest shown cell in its line,
else a total) and suppresses that table again, until nothing is recoverable.

A figure is named by a :data:`Ref`: ``(table, "cell", row, col)``, ``(table, "row", row)``,
``(table, "col", col)`` or ``(table, "total")``. A :class:`Tie` is a linear relation between figures
that the reader knows: ``sum(coef * figure) == rhs`` or ``<= rhs``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from securebase.privacy.suppression import DEFAULT_K, Suppressed, suppress_by_lines

Ref = tuple
EPS = 1e-6


@dataclass(frozen=True)
class Tie:
    """``sum(coef * figure) <op> rhs`` over figures of the summary's tables."""

    terms: Mapping[Ref, float]
    op: Literal["==", "<="] = "=="
    rhs: float = 0.0

    @staticmethod
    def equal(a: Ref, b: Ref) -> "Tie":
        return Tie({a: 1.0, b: -1.0})

    @staticmethod
    def at_most(a: Ref, b: Ref) -> "Tie":
        """``a <= b``: for example, the people who gave an answer are among those who did the exercise."""
        return Tie({a: 1.0, b: -1.0}, "<=")


@dataclass(frozen=True)
class HiddenRange:
    ref: Ref
    low: int
    high: int

    @property
    def exact(self) -> bool:
        return self.low == self.high


def _refs(name: str, t: Suppressed) -> list[tuple[Ref, int | None]]:
    out: list[tuple[Ref, int | None]] = []
    for i, row in enumerate(t.cells):
        out += [((name, "cell", i, j), v) for j, v in enumerate(row)]
    out += [((name, "row", i), v) for i, v in enumerate(t.row_totals)]
    out += [((name, "col", j), v) for j, v in enumerate(t.col_totals)]
    out.append(((name, "total"), t.total))
    return out


@dataclass
class _Program:
    index: dict[Ref, int] = field(default_factory=dict)
    shown: dict[int, int] = field(default_factory=dict)
    eq: list[tuple[dict[int, float], float]] = field(default_factory=list)
    ub: list[tuple[dict[int, float], float]] = field(default_factory=list)


def _program(tables: Mapping[str, Suppressed], ties: Sequence[Tie]) -> _Program:
    p = _Program()
    for name, t in tables.items():
        for ref, value in _refs(name, t):
            p.index[ref] = len(p.index)
            if value is not None:
                p.shown[p.index[ref]] = value
        n_rows, n_cols = len(t.cells), len(t.cells[0]) if t.cells else 0
        x = p.index
        for i in range(n_rows):
            p.eq.append(({**{x[(name, "cell", i, j)]: 1.0 for j in range(n_cols)}, x[(name, "row", i)]: -1.0}, 0.0))
        for j in range(n_cols):
            p.eq.append(({**{x[(name, "cell", i, j)]: 1.0 for i in range(n_rows)}, x[(name, "col", j)]: -1.0}, 0.0))
        p.eq.append(({**{x[(name, "row", i)]: 1.0 for i in range(n_rows)}, x[(name, "total")]: -1.0}, 0.0))
        if n_cols:
            p.eq.append(({**{x[(name, "col", j)]: 1.0 for j in range(n_cols)}, x[(name, "total")]: -1.0}, 0.0))
    for tie in ties:
        unknown = [r for r in tie.terms if r not in p.index]
        if unknown:
            raise ValueError(f"a tie names figures no table has: {unknown}")
        row = {p.index[r]: float(c) for r, c in tie.terms.items()}
        (p.eq if tie.op == "==" else p.ub).append((row, float(tie.rhs)))
    return p


def hidden_ranges(tables: Mapping[str, Suppressed], ties: Sequence[Tie] = ()) -> list[HiddenRange]:
    """The range of whole numbers each hidden figure can take, given everything shown and ``ties``."""
    import numpy as np
    from scipy.optimize import linprog

    p = _program(tables, ties)
    n = len(p.index)
    hidden = [ref for ref, i in p.index.items() if i not in p.shown]
    if not hidden:
        return []

    def matrix(rows: list[tuple[dict[int, float], float]]):
        if not rows:
            return None, None
        a = np.zeros((len(rows), n))
        for r, (coefs, _) in enumerate(rows):
            for i, c in coefs.items():
                a[r, i] = c
        return a, np.array([rhs for _, rhs in rows])

    a_eq, b_eq = matrix(p.eq)
    a_ub, b_ub = matrix(p.ub)
    bounds = [(p.shown[i], p.shown[i]) if i in p.shown else (0, None) for i in range(n)]
    out = []
    for ref in hidden:
        c = np.zeros(n)
        c[p.index[ref]] = 1.0
        low = linprog(c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        high = linprog(-c, A_ub=a_ub, b_ub=b_ub, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
        if low.status != 0 or high.status not in (0, 3):   # 3: unbounded above, which hides it well
            raise RuntimeError(f"the suppression audit could not be solved ({low.message}; {high.message})")
        top = math.inf if high.status == 3 else -high.fun
        out.append(HiddenRange(ref, math.ceil(low.fun - EPS), math.floor(top + EPS) if top != math.inf else 10**12))
    return out


def suppress(counts: Sequence[Sequence[int]], *, rows: Sequence[str] | None = None,
             cols: Sequence[str] | None = None, k: int = DEFAULT_K) -> Suppressed:
    """Suppress one table of counts: the line rules, then the audit (the rules alone can leave a hidden
    figure that the shown ones pin down, as in 8 of 2,876 random two-way tables), then more hidden until
    none is."""
    return suppress_together({"table": counts}, labels={"table": (rows, cols)}, k=k)["table"]


def _hide_one_more(t: Suppressed, counts: list[list[int]], ref: Ref) -> tuple[int, int] | str | None:
    """The next figure to hide so that ``ref`` is no longer recoverable: the smallest shown cell in its
    row (a cell, a row total) or column (a column total), else in the whole table; else the totals."""
    n_rows, n_cols = len(counts), len(counts[0])
    kind = ref[1]
    if kind == "cell":
        line = [(ref[2], j) for j in range(n_cols)] + [(i, ref[3]) for i in range(n_rows)]
    elif kind == "row":
        line = [(ref[2], j) for j in range(n_cols)]
    elif kind == "col":
        line = [(i, ref[2]) for i in range(n_rows)]
    else:
        line = []
    everywhere = [(i, j) for i in range(n_rows) for j in range(n_cols)]
    for candidates in (line, everywhere):
        shown = [(i, j) for i, j in candidates if t.cells[i][j] is not None]
        if shown:
            return min(shown, key=lambda c: (counts[c[0]][c[1]], c))
    return "totals" if t.total is not None else None


def suppress_together(counts: Mapping[str, Sequence[Sequence[int]]], *, ties: Sequence[Tie] = (),
                      labels: Mapping[str, tuple[Sequence[str], Sequence[str]]] | None = None,
                      k: int = DEFAULT_K) -> dict[str, Suppressed]:
    """Suppress each table, then hide more until no hidden figure of any table can be worked out
    from all of them together (see the module docstring)."""
    labels = labels or {}
    extra: dict[str, set[tuple[int, int]]] = {name: set() for name in counts}
    hide_totals: set[str] = set()

    def run(name: str) -> Suppressed:
        rows, cols = labels.get(name, (None, None))
        return suppress_by_lines(counts[name], rows=rows, cols=cols, k=k, also_hidden=extra[name],
                                 hide_totals=name in hide_totals)

    tables = {name: run(name) for name in counts}
    for _ in range(sum(len(r) * (len(r[0]) if r else 0) + 2 for r in counts.values()) + 1):
        exact = [h for h in hidden_ranges(tables, ties) if h.exact]
        if not exact:
            return tables
        name = exact[0].ref[0]
        more = _hide_one_more(tables[name], [list(r) for r in counts[name]], exact[0].ref)
        if more is None:   # all of this table is hidden: what pins it is shown in a table tied to it
            tied = [r[0] for tie in ties if any(r[0] == name for r in tie.terms) for r in tie.terms
                    if r[0] != name and tables[r[0]].total is not None]
            if not tied:
                raise RuntimeError("the suppression audit could not hide enough")   # pragma: no cover
            name, more = tied[0], "totals"
        if more == "totals":
            hide_totals.add(name)
        else:
            extra[name].add(more)
        tables[name] = run(name)
    raise RuntimeError("the suppression audit did not settle")  # pragma: no cover - each round hides more
