"""Held-out evaluation of the free-text safety screen.

``tests/fixtures/safety_heldout.yaml`` was written blind to the lexicon (see its header):
it measures how well the screening rules generalise to phrasing they were not tuned on.

The floors asserted below are REGRESSION FLOORS for a held-out set, not targets. Each is
the value the screen measured when this test was added, rounded down to the nearest 0.05
(the false-positive ceiling rounded up), so that a change to the lexicon or matcher that
makes generalisation worse fails loudly. Do not tune the lexicon against these items to
raise the numbers; a set that has been tuned against is no longer held out. If the screen
improves on its own, the floors may be raised to the new measurement (rounded the same
way). Run with ``pytest -s`` to see the report, including missed texts and false positives.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from securebase.safety.screen import screen_text

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "safety_heldout.yaml"
CATEGORIES = ("self_harm", "abuse_danger", "harm_to_others")

# Regression floors (measured, rounded DOWN to 0.05); FPR ceiling (measured, rounded UP).
# Measured 2026-11-23, lexicon_version 2025.1:
#   self_harm 19/25 = 0.760, abuse_danger 19/25 = 0.760, harm_to_others 8/15 = 0.533,
#   overall 46/65 = 0.708, false positives 1/55 = 0.018.
# Measured 2026-12-01, lexicon 2026.2 with the backstop (issue 14): flags only, as before (the
# screen now asks a check-in about much of what it does not flag; test_safety_blind.py counts both):
#   self_harm 20/25 = 0.800, abuse_danger 21/25 = 0.840, harm_to_others 11/15 = 0.733,
#   overall 52/65 = 0.800, false positives 1/55 = 0.018.
# Measured 2026-12-01, lexicon 2026.3 with the backstop trained window by window on 18,703 texts and a
# flag threshold at the corpus's 94th percentile (it was the 98th): more flags, including on figures
# of speech (the screen now flags 3 ordinary texts here: "my boss is going to kill me", "so embarrassed
# I wanted to die", "my ex ... I wake up feeling shaken"):
#   self_harm 23/25 = 0.920, abuse_danger 22/25 = 0.880, harm_to_others 11/15 = 0.733,
#   overall 56/65 = 0.862, false positives 3/55 = 0.055.
# Measured 2026-12-01, the backstop trained on 22,438 texts (six more writers, sets E and F retired into
# training), a denial asking a check-in unless another part of the text reads as risk: fewer flags on
# self-harm here, but each of the four self-harm texts it does not flag is asked about (a check-in;
# 60/65 risk texts are flagged or asked about), and fewer figures of speech are flagged:
#   self_harm 21/25 = 0.840, abuse_danger 22/25 = 0.880, harm_to_others 12/15 = 0.800,
#   overall 55/65 = 0.846, false positives 2/55 = 0.036.
RECALL_FLOORS = {
    "self_harm": 0.80,
    "abuse_danger": 0.85,
    "harm_to_others": 0.80,
}
OVERALL_RECALL_FLOOR = 0.80
FPR_CEILING = 0.05


def _load() -> list[dict]:
    items = yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))["items"]
    for item in items:
        assert set(item["categories"]) <= set(CATEGORIES), item
    return items


def evaluate(items: list[dict]) -> dict:
    per_cat = {c: {"n": 0, "hit": 0, "missed": []} for c in CATEGORIES}
    must_flag = [i for i in items if i["categories"]]
    must_not = [i for i in items if not i["categories"]]
    overall_hit = 0
    overall_missed: list[tuple[str, list[str], tuple[str, ...]]] = []
    false_pos: list[tuple[str, tuple[str, ...]]] = []

    for item in items:
        expected = item["categories"]
        found = tuple(screen_text(item["text"]).categories)
        if expected:
            for c in expected:
                per_cat[c]["n"] += 1
                if c in found:
                    per_cat[c]["hit"] += 1
                else:
                    per_cat[c]["missed"].append((item["text"], found))
            if set(expected) & set(found):
                overall_hit += 1
            else:
                overall_missed.append((item["text"], expected, found))
        elif found:
            false_pos.append((item["text"], found))

    return {
        "per_cat": per_cat,
        "recall": {c: per_cat[c]["hit"] / per_cat[c]["n"] for c in CATEGORIES},
        "n_flag": len(must_flag),
        "overall_hit": overall_hit,
        "overall_recall": overall_hit / len(must_flag),
        "overall_missed": overall_missed,
        "n_not": len(must_not),
        "false_pos": false_pos,
        "fpr": len(false_pos) / len(must_not),
    }


def _report(r: dict) -> str:
    lines = ["", "=== safety screen: held-out set ==="]
    for c in CATEGORIES:
        pc = r["per_cat"][c]
        lines.append(f"recall {c:<15} {r['recall'][c]:.3f}  ({pc['hit']}/{pc['n']})")
    lines.append(
        f"overall recall (any expected category) {r['overall_recall']:.3f}  "
        f"({r['overall_hit']}/{r['n_flag']})"
    )
    lines.append(
        f"false-positive rate {r['fpr']:.3f}  ({len(r['false_pos'])}/{r['n_not']})"
    )
    for c in CATEGORIES:
        missed = r["per_cat"][c]["missed"]
        if missed:
            lines.append(f"-- missed {c} ({len(missed)}):")
            lines += [f"   {t!r}  -> got {list(f)}" for t, f in missed]
    if r["false_pos"]:
        lines.append(f"-- false positives ({len(r['false_pos'])}):")
        lines += [f"   {t!r}  -> got {list(f)}" for t, f in r["false_pos"]]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def result() -> dict:
    items = _load()
    assert len(items) == 120
    r = evaluate(items)
    print(_report(r))
    return r


def test_heldout_regression_floors(result: dict) -> None:
    """Regression floors for a held-out set, not targets (see the module docstring)."""
    for c in CATEGORIES:
        assert result["recall"][c] >= RECALL_FLOORS[c], (c, result["recall"][c])
    assert result["overall_recall"] >= OVERALL_RECALL_FLOOR, result["overall_recall"]
    assert result["fpr"] <= FPR_CEILING, result["fpr"]
