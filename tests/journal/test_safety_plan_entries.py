"""Saving the safety plan: an entry with revisions under the plan's own ids, checked like any
entry, and never screened for safety flags."""

from __future__ import annotations

import pytest

from securebase.core.errors import EntryValidationError, SecureBaseError
from securebase.journal.entries import save_entry
from securebase.journal.safety_plan import current_plan, plan_lines, plan_sections, save_plan
from securebase.safety.flags import flags
from securebase.safety.plan import PLAN_EXERCISE_ID, PLAN_PHASE_ID, PLAN_PROGRAM_ID

RISKY = ["I start thinking I want to kill myself", "I look at the pills in the cabinet"]


def test_first_save_is_an_entry_under_the_plans_ids(store, client):
    result = save_plan(store, "C-1001", {"warning_signs": ["I stop sleeping", ""], "people_to_ask": ["My sister Ana"]})
    entry = current_plan(store, "C-1001")
    assert result.revision == 1 and entry.entry_id == result.entry_id
    assert (entry.program_id, entry.phase_id, entry.exercise_id) == (PLAN_PROGRAM_ID, PLAN_PHASE_ID, PLAN_EXERCISE_ID)
    assert entry.data == {"warning_signs": ["I stop sleeping"], "people_to_ask": ["My sister Ana"]}


def test_later_saves_revise_the_same_entry_and_keep_the_old_versions(store, client):
    first = save_plan(store, "C-1001", {"warning_signs": ["I stop sleeping"]})
    second = save_plan(store, "C-1001", {"warning_signs": ["I stop sleeping", "I cancel plans"]},
                       expected_revision=1)
    assert second.entry_id == first.entry_id and second.revision == 2
    revisions = store.entry_revisions(first.entry_id)
    assert [r.data["warning_signs"] for r in revisions] == [["I stop sleeping"], ["I stop sleeping", "I cancel plans"]]
    assert len(store.current_entries("C-1001")) == 1


def test_a_stale_edit_is_refused_and_changes_nothing(store, client):
    save_plan(store, "C-1001", {"warning_signs": ["a"]})
    save_plan(store, "C-1001", {"warning_signs": ["b"]}, expected_revision=1)
    with pytest.raises(SecureBaseError, match="changed while you were editing"):
        save_plan(store, "C-1001", {"warning_signs": ["c"]}, expected_revision=1)
    assert current_plan(store, "C-1001").data == {"warning_signs": ["b"]}


def test_the_plan_is_not_screened_even_when_it_names_risks(store, client, sie):
    result = save_plan(store, "C-1001", {"warning_signs": RISKY, "safer_surroundings": ["Give the rope to my brother"]})
    assert result.safety == () and not result.flagged
    save_plan(store, "C-1001", {"warning_signs": RISKY + ["I want to die"]})
    assert flags(store, "C-1001") == []
    # the same words in a journal entry are flagged: the plan is left out on purpose, not by a blind screen
    journal = save_entry(store, "C-1001", sie, "insecurity_pattern_journal", {
        "trigger": "No reply", "trigger_type": "slow_reply", "emotions": ["fear"], "automatic_thoughts": RISKY[0],
        "body_sensations": ["racing_heart"], "behaviour": "Sat alone", "intensity": 8})
    assert journal.flagged and len(flags(store, "C-1001")) == 1


@pytest.mark.parametrize("answers, key, words", [
    ({"warning_signs": ["x" * 201]}, "warning_signs", "limit is 200"),
    ({"on_my_own": [f"item {i}" for i in range(7)]}, "on_my_own", "at most 6"),
    ({"my_signs": ["a"]}, "my_signs", "no question with id 'my_signs'"),
    ({"warning_signs": 5}, "warning_signs", "must be a list of short texts"),
    ({}, "(plan)", "Nothing is written"),
    ({"warning_signs": ["", "  "]}, "(plan)", "Nothing is written"),
])
def test_bad_plans_are_refused_with_a_message_and_nothing_is_saved(store, client, answers, key, words):
    with pytest.raises(EntryValidationError) as err:
        save_plan(store, "C-1001", answers)
    assert key in err.value.problems and words in err.value.problems[key]
    assert current_plan(store, "C-1001") is None


def test_sections_and_lines_follow_the_plans_order_and_skip_empty_parts(store, client):
    save_plan(store, "C-1001", {"reasons_to_live": ["My dog"], "warning_signs": ["I stop sleeping"]})
    entry = current_plan(store, "C-1001")
    assert [s.part_id for s in plan_sections(entry)] == ["warning_signs", "reasons_to_live"]
    lines = plan_lines(entry)
    assert lines[0] == "My safety plan" and lines[1].startswith("Last changed on ")
    assert lines.index("My warning signs:") < lines.index("What I live for:")
    assert "  - My dog" in lines
    assert plan_lines(None) == [] and plan_sections(None) == []


def test_one_persons_plan_is_not_anothers(store, client):
    store.ensure_client("C-1002", program_id="sie")
    save_plan(store, "C-1001", {"warning_signs": ["mine"]})
    assert current_plan(store, "C-1002") is None
