"""Derived values are behaviours: an exercise gets the ones its content declares, by name."""

import pytest

from securebase import content
from securebase.journal import derived
from securebase.journal.derived import DERIVED, derive, derived_labels, register
from toy_content import TOY_ID, add_toy_exercise


def test_a_toy_exercise_gets_the_derived_value_it_declares(content_copy):
    add_toy_exercise(content_copy)
    toy = content.program("sie").find_exercise(TOY_ID)[1]
    answers = {"intensity_before": 7, "intensity_after": 3}
    assert derive(toy, answers) == {"intensity_change": -4}
    assert derived_labels(toy) == {"intensity_change": "Change in intensity (after - before)"}
    assert derive(TOY_ID, answers) == {"intensity_change": -4}  # by id: looked up in content
    assert derive(toy, {"intensity_before": 7}) == {}           # not computable: left out


def test_an_exercise_without_derived_behaviours_gets_none(sie):
    journal = sie.find_exercise_with("pattern_journal")[1]
    assert derive(journal, {"intensity": 5}) == {} and derived_labels(journal) == {}
    assert derive("no_such_exercise", {}) == {}


def test_the_shipped_derived_values_follow_content(sie):
    experiment = sie.exercises_with("prediction_error")[0]
    assert derive(experiment, {"predicted_intensity": 8, "actual_intensity": 3}) == {"prediction_error": 5}
    defusion = sie.exercises_with("defused")[0]
    assert derive(defusion, {"thought": "He is leaving"}) == {"defused": "I'm having the thought that he is leaving."}


def test_register_refuses_unknown_and_repeated_names(monkeypatch):
    monkeypatch.setattr(derived, "DERIVED", dict(DERIVED))
    with pytest.raises(KeyError, match="unknown behaviour 'mood_lift'"):
        register("mood_lift", "Lift", lambda data: 1)
    with pytest.raises(ValueError, match="registered already"):
        register("calm_change", "Calm", lambda data: 1)


def test_every_registered_derived_value_is_a_known_behaviour():
    from securebase.content.behaviours import BEHAVIOURS

    assert set(DERIVED) <= set(BEHAVIOURS)
    assert set(DERIVED) == {"prediction_error", "belief_change", "intensity_change", "calm_change", "defused"}
