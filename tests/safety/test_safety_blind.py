"""The safety screen measured on phrases written blind (issue 14).

``safety_blind_g.yaml`` (465 phrases) was written by a writer who saw neither the lexicon nor the
training corpus (nor any earlier set), briefed with the categories only (self-harm, abuse or danger,
harm to others, ordinary, negated; direct or indirect wording; some disclosures inside a longer
paragraph). It was measured on the screen as it was committed with it (and once before, see FLOORS),
never tuned on and never trained on. Its misses are listed in issue 14's closing note, so it is spent
as a measure of changes still to come: measure the next change to the screen on a fresh set.

The earlier sets A-F measured earlier versions of the screen; once spent, they went into the
training corpus (``content/safety/corpus/writers_*.yaml``, see its README), so they measure nothing
now. The floors are set G's measured values rounded down to 0.01, less 0.01 (alarm ceilings on
ordinary and negated texts rounded up, plus 0.01: one phrase of slack for numerical noise), so that a
change that makes the screen worse on unseen phrasing fails loudly. Raising a floor is fine when the
screen improves on its own; changing the screen to catch an item of set G is not: write a fresh
blind set instead, and retire this one into the corpus.

Run ``pytest -s tests/safety/test_safety_blind.py`` to see every figure and the misses.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import safety_eval

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
SETS = {name: FIXTURES / f"safety_blind_{name}.yaml" for name in ("g",)}

# (flag-or-check-in floor, flag floor) per risk group; alarm ceiling for ordinary and negated texts
FLOORS = {
    # measured at the commit that added set G: risk 0.950 / 0.893, self-harm 0.964 / 0.918, abuse 0.930 /
    # 0.850, harm to others 0.957 / 0.914, embedded 1.000 / 1.000; alarms on ordinary 0.047, on negated
    # 0.257. (A first measurement, before two phrases set G shares with the corpus were taken out of it and
    # the model retrained, and before two rules were mended from unit tests - a denial that is the very
    # window the backstop flags asks a check-in; a disguised wording is never a figure of speech - gave risk
    # 0.957 / 0.904, ordinary 0.047.)
    "g": {"risk": (0.94, 0.88), "self_harm": (0.95, 0.90), "abuse_danger": (0.92, 0.84),
          "harm_to_others": (0.94, 0.90), "embedded": (0.99, 0.99), "ordinary": 0.06, "negated": 0.27},
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
