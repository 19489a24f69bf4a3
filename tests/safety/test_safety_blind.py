"""The safety screen measured on phrases written blind (issue 14).

Four sets, each written by a writer who saw neither the lexicon nor the training corpus (nor the
other sets) and was briefed with the categories only (self-harm, abuse or danger, harm to others,
ordinary, negated; direct or indirect wording; some disclosures inside a longer paragraph):

* ``safety_blind_a.yaml`` (481 phrases): used while the screen was built. Its misses were looked at,
  so it is no longer blind; its figures are regression floors only.
* ``safety_blind_b.yaml`` and ``safety_blind_c.yaml`` (465 each): never looked at item by item; each
  measured one stage of the screen (see their headers), and the screen changed after each for
  reasons found elsewhere, so they are blind but were each used once to decide to keep going.
* ``safety_blind_d.yaml`` (465 phrases): measured once, on the final screen: its figures are the
  blind figures of issue 14.

The floors are the measured values rounded down to 0.01 (alarm ceilings on ordinary and negated texts
rounded up), so that a change that makes the screen worse on unseen phrasing fails loudly. They are
not the targets of issue 14 (see its closing note for which targets the screen meets). Raising a
floor is fine when the screen improves on its own; changing the screen to catch an item of sets B or
C is not: write a fresh blind set instead.

Run ``pytest -s tests/safety/test_safety_blind.py`` to see every figure (and the misses: do not read
those of sets B and C if you are about to change the screen).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import safety_eval

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETS = {name: FIXTURES / f"safety_blind_{name}.yaml" for name in ("a", "b", "c", "d")}

# (flag-or-check-in floor, flag floor) per risk group; alarm ceiling for ordinary and negated texts
FLOORS = {
    "a": {"risk": (0.88, 0.69), "self_harm": (0.92, 0.80), "abuse_danger": (0.82, 0.62),
          "harm_to_others": (0.89, 0.63), "embedded": (0.97, 0.80), "ordinary": 0.11, "negated": 0.33},
    "b": {"risk": (0.92, 0.75), "self_harm": (0.90, 0.76), "abuse_danger": (0.92, 0.74),
          "harm_to_others": (0.95, 0.74), "embedded": (0.97, 0.92), "ordinary": 0.11, "negated": 0.29},
    "c": {"risk": (0.91, 0.75), "self_harm": (0.92, 0.74), "abuse_danger": (0.89, 0.74),
          "harm_to_others": (0.91, 0.80), "embedded": (0.94, 0.89), "ordinary": 0.16, "negated": 0.38},
    "d": {"risk": (0.92, 0.77), "self_harm": (0.91, 0.77), "abuse_danger": (0.93, 0.75),
          "harm_to_others": (0.94, 0.81), "embedded": (0.97, 0.97), "ordinary": 0.12, "negated": 0.40},
}


@pytest.fixture(scope="module", params=sorted(SETS))
def figures(request):
    items = safety_eval.load(SETS[request.param])
    result = safety_eval.evaluate(items)
    print()
    print(safety_eval.report(f"blind set {request.param} ({len(items)} phrases)", result))
    return request.param, items, result


def test_the_sets_are_large_and_labelled(figures):
    _name, items, _result = figures
    assert len(items) >= 400
    labels = {i["label"] for i in items}
    assert labels == {"self_harm", "abuse_danger", "harm_to_others", "ordinary", "negated"}
    assert len({i["text"] for i in items}) == len(items)
    for item in items:
        if item["label"] in safety_eval.RISK:
            assert item["wording"] in ("direct", "indirect")


def test_no_blind_phrase_is_in_the_training_corpus(figures):
    from securebase.content import content_dir
    from securebase.safety.backstop import load_corpus

    _name, items, _result = figures
    corpus = {" ".join(i.text.lower().split()) for i in load_corpus(content_dir())}
    assert not [i["text"] for i in items if " ".join(i["text"].lower().split()) in corpus]


def test_regression_floors(figures):
    name, _items, result = figures
    rates = result["rates"]
    for key, floor in FLOORS[name].items():
        if key in ("ordinary", "negated"):
            assert rates[key]["alarm"] <= floor, (name, key, rates[key])
        else:
            alarm_floor, flag_floor = floor
            assert rates[key]["alarm"] >= alarm_floor and rates[key]["flag"] >= flag_floor, (name, key, rates[key])
