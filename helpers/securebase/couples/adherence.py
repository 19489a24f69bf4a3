"""How a couple is keeping to their protocol, from both partners' daily check-ins.

:func:`adherence` reads the daily check-ins (the ``couple_checkin`` exercise) of both partners
(only numbers and choices, never their notes) and returns JSON-safe figures:

* per partner: days reported, timeouts called, timeouts returned from on time (and the rate),
  days the signal was used, days they took time to connect;
* for the couple: days on which either partner reported a timeout or the signal;
* agreement between the two partners' reports of the same day: for each yes/no question the
  share of days they agree and Cohen's kappa (statsmodels), and for the felt-connection rating
  the mean absolute difference and the correlation.

A partner who reports twice on one day counts once, with their latest report. This is a
clinician's view: it combines both partners' private check-ins into counts, and shows no text.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from securebase.content import program as load_program
from securebase.couples.dyads import Dyad
from securebase.store import Entry, Store

CHECKIN = "couple_checkin"  # the behaviour of the daily check-in the figures read (one per program)
YES_NO_ITEMS = ("connected", "signal_used", "timeout_called")
RATING_ITEM = "felt_connected"


def checkin_entries(store: Store, client_id: str, program_id: str) -> list[Entry]:
    """One partner's current daily check-ins in ``program_id`` (none if it has no couple check-in)."""
    return [entry for exercise in load_program(program_id).exercises_with(CHECKIN)
            for entry in store.current_entries(client_id, exercise_id=exercise.id, program_id=program_id)]


def daily_reports(entries: list[Entry]) -> dict[str, dict[str, Any]]:
    """``{YYYY-MM-DD: answers}`` with the latest check-in of each day."""
    days: dict[str, dict[str, Any]] = {}
    for entry in sorted(entries, key=lambda e: (e.occurred_at, e.recorded_at)):
        days[entry.occurred_at[:10]] = entry.data
    return days


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


def partner_figures(days: dict[str, dict[str, Any]]) -> dict[str, Any]:
    on_time = sum(1 for d in days.values() if d.get("timeout_called") and d.get("returned_on_time") == "yes")
    late = sum(1 for d in days.values() if d.get("timeout_called") and d.get("returned_on_time") == "no")
    return {
        "days_reported": len(days),
        "timeouts_called": sum(1 for d in days.values() if d.get("timeout_called") is True),
        "returned_on_time": on_time,
        "returned_late": late,
        "on_time_rate": _rate(on_time, on_time + late),
        "signal_days": sum(1 for d in days.values() if d.get("signal_used") is True),
        "connected_days": sum(1 for d in days.values() if d.get("connected") is True),
    }


def yes_no_agreement(pairs: list[tuple[bool, bool]]) -> dict[str, Any]:
    """Share of agreeing days and Cohen's kappa for one yes/no question (kappa is None when undefined)."""
    from statsmodels.stats.inter_rater import cohens_kappa

    n = len(pairs)
    agree = sum(1 for x, y in pairs if x == y)
    kappa = None
    if n:
        table = np.zeros((2, 2))
        for x, y in pairs:
            table[int(x), int(y)] += 1
        expected = (table.sum(axis=1) @ table.sum(axis=0)) / n**2
        if expected < 1:  # with both partners always giving the same single answer kappa is 0/0
            kappa = round(float(cohens_kappa(table, return_results=False)), 3)
    return {"days": n, "agree": agree, "percent": _rate(agree, n), "kappa": kappa}


def rating_agreement(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    n = len(pairs)
    if not n:
        return {"days": 0, "mean_abs_difference": None, "correlation": None}
    a, b = np.array(pairs, dtype=float).T
    r = None
    if n >= 3 and a.std() > 0 and b.std() > 0:
        r = float(np.corrcoef(a, b)[0, 1])
        r = None if math.isnan(r) else round(r, 3)
    return {"days": n, "mean_abs_difference": round(float(np.abs(a - b).mean()), 3), "correlation": r}


def adherence(store: Store, dyad: Dyad, *, program_id: str = "asb", until: str | None = None) -> dict[str, Any]:
    """Adherence and agreement figures for one couple (``until``: last day counted, YYYY-MM-DD)."""
    reports = {}
    for client_id in dyad.members:
        entries = checkin_entries(store, client_id, program_id)
        days = daily_reports(entries)
        reports[dyad.role_of(client_id)] = {d: v for d, v in days.items() if until is None or d <= until}
    a, b = reports["A"], reports["B"]
    both = sorted(set(a) & set(b))
    agreement: dict[str, Any] = {}
    for item in YES_NO_ITEMS:
        pairs = [(a[d][item], b[d][item]) for d in both
                 if isinstance(a[d].get(item), bool) and isinstance(b[d].get(item), bool)]
        agreement[item] = yes_no_agreement(pairs)
    ratings = [(a[d][RATING_ITEM], b[d][RATING_ITEM]) for d in both
               if isinstance(a[d].get(RATING_ITEM), (int, float)) and isinstance(b[d].get(RATING_ITEM), (int, float))]
    agreement[RATING_ITEM] = rating_agreement(ratings)
    every_day = set(a) | set(b)
    return {
        "dyad_id": dyad.dyad_id,
        "days_with_reports": len(every_day),
        "days_both_reported": len(both),
        "partners": {role: partner_figures(days) for role, days in reports.items()},
        "couple": {
            "timeout_days": sum(1 for d in every_day
                                if a.get(d, {}).get("timeout_called") is True or b.get(d, {}).get("timeout_called") is True),
            "signal_days": sum(1 for d in every_day
                               if a.get(d, {}).get("signal_used") is True or b.get(d, {}).get("signal_used") is True),
        },
        "agreement": agreement,
    }


ITEM_LABELS = {
    "connected": "Took time to connect",
    "signal_used": "The signal was used",
    "timeout_called": "A timeout was called",
}


def adherence_lines(figures: dict[str, Any]) -> list[str]:
    """The figures in plain sentences, for batch mode and the clinician's report."""
    lines = [f"Couple {figures['dyad_id']}: check-ins on {figures['days_with_reports']} days, "
             f"both partners on {figures['days_both_reported']}."]
    for role, p in figures["partners"].items():
        rate = f" ({p['on_time_rate']:.0%} on time)" if p["on_time_rate"] is not None else ""
        lines.append(
            f"  Partner {role}: {p['days_reported']} check-ins; {p['timeouts_called']} timeouts, "
            f"{p['returned_on_time']} returned on time, {p['returned_late']} late{rate}; "
            f"signal used on {p['signal_days']} days; connected on {p['connected_days']} days."
        )
    lines.append(f"  Together: timeouts on {figures['couple']['timeout_days']} days, "
                 f"the signal on {figures['couple']['signal_days']} days.")
    for item, label in ITEM_LABELS.items():
        g = figures["agreement"][item]
        if g["days"]:
            kappa = f", kappa {g['kappa']:.2f}" if g["kappa"] is not None else ""
            lines.append(f"  Agreement, '{label}': {g['agree']} of {g['days']} days ({g['percent']:.0%}){kappa}.")
    r = figures["agreement"][RATING_ITEM]
    if r["days"]:
        corr = f", correlation {r['correlation']:.2f}" if r["correlation"] is not None else ""
        lines.append(f"  Felt connection: the partners' ratings differ by {r['mean_abs_difference']:.1f} "
                     f"points on average{corr}.")
    return lines
