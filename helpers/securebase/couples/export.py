"""Couples' diary exports in the two layouts of dyadic research.

* **individual**: one row per person per program day (``dyad_id``, ``person``, ``role``, ``day``
  and the daily check-in's numbers);
* **pairwise**: the same rows with every variable twice, ``<var>_A`` for the row's person and
  ``<var>_P`` for their partner on the same day - the layout of published daily-diary data
  such as Kashy's (see :mod:`securebase.couples.dyadic`).

What is left out by default: client ids (a row names the couple and person 1 or 2 only),
calendar dates (``day`` counts from the couple's first program day, so intervals are kept) and
every free-text answer. A partner who checked in twice on a day counts once, with the latest
check-in. Every export is audited.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from securebase.core import config
from securebase.couples.adherence import checkin_entries
from securebase.couples.dyads import Dyad, list_dyads
from securebase.couples.dyadic import to_pairwise
from securebase.store import Store

VARIABLES = ("connected", "minutes", "signal_used", "timeout_called", "returned_on_time", "felt_connected")
ID_COLUMNS = ("dyad_id", "person", "role", "day")
LAYOUTS = ("individual", "pairwise")


def _code(variable: str, value: Any) -> float | None:
    """Numbers for analysis: yes/no as 1/0, 'returned on time' as 1 (yes), 0 (no) or empty."""
    if variable == "returned_on_time":
        return {"yes": 1.0, "no": 0.0}.get(value)
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        return float(value)
    return None


def _first_day(store: Store, dyad: Dyad) -> date | None:
    starts = [c.start_date for c in (store.get_client(m) for m in dyad.members) if c and c.start_date]
    return min(starts) if starts else None


def individual_frame(store: Store, dyads: list[Dyad] | None = None, *, program_id: str = "asb") -> pd.DataFrame:
    """The couples' daily check-ins, one row per person per day (individual layout)."""
    rows = []
    for dyad in dyads if dyads is not None else list_dyads(store):
        first = _first_day(store, dyad)
        for client_id in dyad.members:
            latest: dict[str, dict[str, Any]] = {}
            for entry in checkin_entries(store, client_id, program_id):
                latest[entry.occurred_at[:10]] = entry.data  # entries come oldest first
            for day, data in latest.items():
                when = date.fromisoformat(day)
                rows.append({
                    "dyad_id": dyad.dyad_id,
                    "person": dyad.person_number(client_id),
                    "role": dyad.role_of(client_id),
                    "day": (when - first).days + 1 if first else None,
                    **{v: _code(v, data.get(v)) for v in VARIABLES},
                })
    frame = pd.DataFrame(rows, columns=[*ID_COLUMNS, *VARIABLES])
    frame["person"] = frame["person"].astype("int64")
    frame["day"] = frame["day"].astype("Int64")
    return frame.sort_values(["dyad_id", "day", "person"], ignore_index=True)


def pairwise_frame(individual: pd.DataFrame) -> pd.DataFrame:
    return to_pairwise(individual, dyad_col="dyad_id", person_col="person", time_col="day", variables=list(VARIABLES))


def export_couples(
    store: Store,
    out_dir: Path | str,
    *,
    layouts: tuple[str, ...] = LAYOUTS,
    dyads: list[Dyad] | None = None,
    program_id: str = "asb",
) -> dict[str, Path]:
    """Write ``couples_daily_<layout>.csv`` for each layout; returns the paths by layout."""
    unknown = set(layouts) - set(LAYOUTS)
    if unknown:
        raise ValueError(f"unknown layout {sorted(unknown)}; use {' or '.join(LAYOUTS)}")
    out = config.ensure_private_dir(Path(out_dir))
    individual = individual_frame(store, dyads, program_id=program_id)
    frames = {"individual": individual, "pairwise": pairwise_frame(individual)}
    paths = {}
    for layout in layouts:
        path = out / f"couples_daily_{layout}.csv"
        config.write_private_file(path, frames[layout].to_csv(index=False))
        paths[layout] = path
    store.record_export(what="couples_daily", detail={
        "layouts": list(layouts), "dyads": sorted(individual["dyad_id"].unique().tolist()),
        "rows": len(individual), "free_text": False, "client_ids": False, "dates": "day numbers",
    })
    return paths
