"""The safety screen measured on phrases written blind (issue 14).

``safety_blind_e.yaml`` and ``safety_blind_f.yaml`` (465 phrases each) were written by two writers who
saw neither the lexicon nor the training corpus (nor any earlier set), each briefed with the categories
only (self-harm, abuse or danger, harm to others, ordinary, negated; direct or indirect wording; some
disclosures inside a longer paragraph). Each was measured once, set E on the screen as it was committed
with it, set F later on the same screen, unchanged: never looked at item by item, never tuned on,
never trained on. Two sets from two writers show how far one writer's figures are from another's.

The earlier sets A-D measured earlier versions of the screen; once spent, they went into the
training corpus (``content/safety/corpus/writers_*.yaml``, see its README), so they measure nothing
now. The floors are set E's measured values rounded down to 0.01, less 0.01 (alarm ceilings on
ordinary and negated texts rounded up, plus 0.01: one phrase of slack for numerical noise), so that a change that makes the screen worse on unseen phrasing fails
loudly. Raising a floor is fine when the screen improves on its own; changing the screen to catch an
item of set E is not: write a fresh blind set instead, and retire this one into the corpus.

Run ``pytest -s tests/safety/test_safety_blind.py`` to see every figure (and the misses: do not read
them if you are about to change the screen).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import safety_eval

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETS = {name: FIXTURES / f"safety_blind_{name}.yaml" for name in ("e", "f")}

# (flag-or-check-in floor, flag floor) per risk group; alarm ceiling for ordinary and negated texts
FLOORS = {
    # measured at the commit that added set E (the same model less three corpus phrases that set E
    # shares measured risk 0.882 / 0.832 before): risk 0.879 / 0.832, self-harm 0.918 / 0.873, abuse
    # 0.850 / 0.790, harm to others 0.857 / 0.829, embedded 1.000 / 0.974; alarms on ordinary 0.053,
    # on negated 0.371
    "e": {"risk": (0.86, 0.82), "self_harm": (0.90, 0.86), "abuse_danger": (0.84, 0.78),
          "harm_to_others": (0.84, 0.81), "embedded": (0.99, 0.96), "ordinary": 0.07, "negated": 0.39},
    # measured on the same model as set E (commit 2f6df31): risk 0.932 / 0.875, self-harm 0.927 / 0.882,
    # abuse 0.930 / 0.880, harm to others 0.943 / 0.857, embedded 1.000 / 1.000; alarms on ordinary
    # 0.073, on negated 0.371
    "f": {"risk": (0.92, 0.86), "self_harm": (0.91, 0.87), "abuse_danger": (0.92, 0.87),
          "harm_to_others": (0.93, 0.84), "embedded": (0.99, 0.99), "ordinary": 0.09, "negated": 0.39},
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
