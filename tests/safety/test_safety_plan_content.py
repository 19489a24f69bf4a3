"""The safety plan's content (content/safety/plan/<language>.yaml): it loads with the seven parts,
and every broken file is refused with the file, the place and what to fix."""

from __future__ import annotations

import pytest

from securebase import content
from securebase.cli import main
from securebase.core.errors import ContentError
from securebase.safety import plan as safety_plan
from toy_content import edit_yaml

SEVEN = ("My warning signs", "Things I can do on my own", "People and places that take my mind off things",
         "People I can ask for help", "Professionals and crisis lines", "Making my surroundings safer",
         "What I live for")


@pytest.fixture
def plan_file(content_copy):
    safety_plan.clear_cache()
    yield content_copy / "safety" / "plan" / "en.yaml"
    safety_plan.clear_cache()


def _refused(plan_file, change) -> ContentError:
    edit_yaml(plan_file, change)
    safety_plan.clear_cache()
    with pytest.raises(ContentError) as err:
        safety_plan.plan_content("en")
    assert str(plan_file) in str(err.value)
    return err.value


def test_shipped_plan_has_the_seven_parts_each_with_a_prompt_and_limits():
    safety_plan.clear_cache()
    plan = safety_plan.plan_content("en")
    assert tuple(p.title for p in plan.parts) == SEVEN
    assert tuple(p.id for p in plan.parts) == safety_plan.PART_IDS
    for part in plan.parts:
        assert part.prompt and "\n" not in part.prompt
        assert 1 <= part.max_items <= 10 and part.max_length <= 300


def test_the_plan_is_an_exercise_of_short_text_lists():
    exercise = safety_plan.plan_content("en").exercise()
    assert exercise.id == safety_plan.PLAN_EXERCISE_ID
    assert [f.id for f in exercise.fields] == list(safety_plan.PART_IDS)
    for f in exercise.fields:
        assert f.type.name == "text_list" and f.help and f.max_items and f.max_length


def test_a_missing_part_is_refused(plan_file):
    err = _refused(plan_file, lambda d: d["parts"].pop(6))
    assert "parts" in err.where and "'reasons_to_live'" in err.problem


def test_an_unknown_part_is_refused(plan_file):
    def change(d):
        d["parts"][0]["id"] = "my_signs"
    err = _refused(plan_file, change)
    assert "'my_signs'" in err.problem and "'warning_signs'" in err.problem


def test_a_repeated_part_is_refused(plan_file):
    err = _refused(plan_file, lambda d: d["parts"].append(dict(d["parts"][0])))
    assert "duplicate part id 'warning_signs'" in err.problem


def test_parts_out_of_order_are_refused(plan_file):
    def change(d):
        d["parts"][0], d["parts"][1] = d["parts"][1], d["parts"][0]
    assert "order" in _refused(plan_file, change).problem


def test_a_prompt_of_several_lines_is_refused(plan_file):
    def change(d):
        d["parts"][2]["prompt"] = "First line\nsecond line"
    err = _refused(plan_file, change)
    assert "parts[2] (take_my_mind_off).prompt" in err.where and "one line" in err.problem


@pytest.mark.parametrize("key, value", [("max_items", 0), ("max_items", 11), ("max_length", 1000)])
def test_limits_out_of_range_are_refused(plan_file, key, value):
    def change(d):
        d["parts"][1][key] = value
    err = _refused(plan_file, change)
    assert f"parts[1] (on_my_own).{key}" in err.where


def test_an_empty_prompt_or_title_is_refused(plan_file):
    def change(d):
        d["parts"][3]["title"] = "  "
    assert "parts[3] (people_to_ask).title" in _refused(plan_file, change).where


def test_last_changed_needs_the_date(plan_file):
    def change(d):
        d["last_changed"] = "Last changed recently."
    assert "{when}" in _refused(plan_file, change).problem


def test_an_unknown_key_is_refused(plan_file):
    def change(d):
        d["parts"][0]["hint"] = "a typo for prompt"
    assert "hint" in _refused(plan_file, change).where


def test_a_language_without_a_plan_says_which_languages_have_one(plan_file):
    with pytest.raises(ContentError) as err:
        safety_plan.plan_content("fr")
    assert "no safety plan for this language" in str(err.value) and "available: en" in str(err.value)


def test_a_file_for_another_language_is_refused(plan_file):
    edit_yaml(plan_file, lambda d: d.update(language="de"))
    safety_plan.clear_cache()
    with pytest.raises(ContentError) as err:
        safety_plan.plan_content("en")
    assert "says 'de'" in str(err.value)


def test_check_content_validates_the_plan(plan_file, capsys):
    assert main(["check-content"]) == 0
    assert "safety plan (en) v1.0: 7 parts" in capsys.readouterr().out
    edit_yaml(plan_file, lambda d: d["parts"].pop(0))
    assert main(["check-content"]) == 2
    err = capsys.readouterr().err
    assert "plan" in err and "'warning_signs'" in err and "Traceback" not in err


def test_no_program_may_take_the_plans_id(content_copy, capsys):
    edit_yaml(content_copy / "programs" / "asb.yaml", lambda d: d.update(id="safety_plan"))
    content.clear_cache()
    assert main(["check-content"]) == 2
    assert "reserved for the personal safety plan" in capsys.readouterr().err
