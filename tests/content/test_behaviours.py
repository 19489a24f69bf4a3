"""Behaviours: what an exercise does beyond its form is declared in content and checked on load."""

import pytest

from securebase import content
from securebase.content.behaviours import BEHAVIOURS, behaviour, missing_fields
from securebase.core.errors import ContentError
from toy_content import TOY_ID, add_toy_exercise, edit_yaml


def _load_error() -> str:
    with pytest.raises(ContentError) as err:
        content.programs()
    return str(err.value)


def test_an_unknown_behaviour_is_refused_naming_the_file_and_the_place(content_copy):
    path = content_copy / "programs" / "sie.yaml"
    edit_yaml(path, lambda d: d["phases"][0]["exercises"][1].update({"behaviours": ["mind_reading"]}))
    message = _load_error()
    assert str(path) in message
    assert "phases[0] (awareness).exercises[1] (signal_scan).behaviours" in message
    assert "unknown behaviour 'mind_reading'; known behaviours: activation_wording, belief_change" in message


def test_a_behaviour_needs_the_fields_it_reads(content_copy):
    path = content_copy / "programs" / "sie.yaml"
    edit_yaml(path, lambda d: d["phases"][0]["exercises"][1].update({"behaviours": ["prediction_error"]}))
    message = _load_error()
    assert "phases[0] (awareness).exercises[1] (signal_scan)" in message
    assert "behaviour 'prediction_error' reads the field(s) 'predicted_intensity', 'actual_intensity'" in message


def test_a_once_per_program_behaviour_is_refused_on_a_second_exercise(content_copy):
    add_toy_exercise(content_copy, "asb", 0, behaviours=["help_screen"], fields=[
        {"id": q, "type": "boolean", "label": q} for q in behaviour("help_screen").fields])
    message = _load_error()
    assert "behaviour 'help_screen' is for one exercise of a program" in message
    assert f"'{TOY_ID}' (phase 'awareness'), 'professional_help_screen' (phase 'integration') declare it" in message


def test_a_view_needs_an_exercise_with_its_behaviour(content_copy):
    path = content_copy / "programs" / "sie.yaml"
    edit_yaml(path, lambda d: d["phases"][0]["exercises"][0].pop("behaviours"))
    assert "view 'patterns' needs an exercise of this phase with behaviour 'pattern_journal'" in _load_error()


def test_duplicate_behaviours_are_refused(content_copy):
    add_toy_exercise(content_copy, behaviours=["intensity_change", "intensity_change"])
    assert "duplicate behaviour 'intensity_change'" in _load_error()


def test_lookups_by_behaviour(content_copy):
    add_toy_exercise(content_copy, "sie", 1)
    sie = content.program("sie")
    assert [e.id for e in sie.exercises_with("intensity_change")] == ["acceptance_practice", "grounding_54321", TOY_ID]
    phase, exercise = sie.find_exercise_with("pattern_journal")
    assert (phase.id, exercise.id) == ("awareness", "insecurity_pattern_journal")
    assert sie.phase("acceptance").exercise_with("trigger_nudge").id == TOY_ID
    assert [e.id for e in content.exercises_with("trigger_nudge")] == ["activation_journal", TOY_ID]
    with pytest.raises(KeyError, match="no exercise with behaviour 'couple_protocol'"):
        sie.find_exercise_with("couple_protocol")
    with pytest.raises(KeyError, match="has no exercise with behaviour 'help_screen'"):
        sie.phase("awareness").exercise_with("help_screen")


def test_code_asking_for_an_unknown_behaviour_fails_loudly(sie):
    with pytest.raises(KeyError, match="unknown behaviour 'pattern_jornal'; known behaviours:"):
        sie.find_exercise_with("pattern_jornal")
    with pytest.raises(KeyError, match="unknown behaviour"):
        sie.phase("awareness").exercises[0].has("nope")
    with pytest.raises(KeyError, match="unknown behaviour"):
        missing_fields("nope", [])


def test_every_behaviour_is_described_and_the_real_content_uses_only_known_ones():
    for name, b in BEHAVIOURS.items():
        assert b.name == name and b.summary
    declared = {n for p in content.programs().values() for ph in p.phases for e in ph.exercises for n in e.behaviours}
    assert declared <= set(BEHAVIOURS)
    assert declared == set(BEHAVIOURS)  # none is left without an exercise in the shipped programs
