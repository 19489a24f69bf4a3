"""Figures of the safety screen on a labelled evaluation set (shared by the safety tests and the
closing notes): recall of risk texts (flagged, or flagged-or-asked: the check-in), by category, by
wording and for disclosures inside a paragraph; alarms on ordinary and on negated texts; the misses.

A set has ``items`` with ``text`` and ``label`` (self_harm, abuse_danger, harm_to_others, ordinary,
negated) and, for risk, ``wording`` (direct or indirect) and ``embedded``."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import yaml

from securebase.safety.screen import screen_text

RISK = ("self_harm", "abuse_danger", "harm_to_others")


def load(path: Path) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["items"]


def evaluate(items: list[dict]) -> dict:
    groups: dict[str, list[tuple[bool, bool, bool]]] = defaultdict(list)   # (alarm, flag, right category)
    misses, false_alarms = [], []
    for item in items:
        result = screen_text(item["text"])
        alarm = result.flagged or result.check_in
        label = item["label"]
        right = label in result.categories or label in result.check_in_categories
        keys = [label]
        if label in RISK:
            keys += ["risk", f"wording:{item.get('wording', '?')}"] + (["embedded"] if item.get("embedded") else [])
            if not alarm:
                misses.append((label, item["text"]))
        elif alarm:
            false_alarms.append((label, "flag" if result.flagged else "check-in", item["text"]))
        for key in keys:
            groups[key].append((alarm, result.flagged, right))
    rates = {key: {"n": len(v), "alarm": sum(a for a, _, _ in v) / len(v), "flag": sum(f for _, f, _ in v) / len(v),
                   "right_category": sum(r for _, _, r in v) / len(v)} for key, v in groups.items()}
    return {"rates": rates, "misses": misses, "false_alarms": false_alarms}


def report(name: str, figures: dict) -> str:
    lines = [f"=== safety screen on {name} ===", f"{'group':<18} {'n':>4} {'flag or check-in':>17} {'flag':>6} {'right category':>15}"]
    for key in ("risk", *RISK, "wording:direct", "wording:indirect", "embedded", "ordinary", "negated"):
        r = figures["rates"].get(key)
        if r:
            lines.append(f"{key:<18} {r['n']:>4} {r['alarm']:>17.3f} {r['flag']:>6.3f} {r['right_category']:>15.3f}")
    lines.append(f"-- missed ({len(figures['misses'])}):")
    lines += [f"   [{label}] {text!r}" for label, text in figures["misses"]]
    lines.append(f"-- false alarms ({len(figures['false_alarms'])}):")
    lines += [f"   [{label}, {kind}] {text!r}" for label, kind, text in figures["false_alarms"]]
    return "\n".join(lines)


if __name__ == "__main__":   # python tests/safety_eval.py FILE
    import sys

    print(report(sys.argv[1], evaluate(load(Path(sys.argv[1])))))
