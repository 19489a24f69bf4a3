
import pytest

from securebase.notebook.answers import AnswersFileError, import_answers, read_answers_file
from securebase.journal.entries import revise_entry, save_entry
from securebase.core.errors import EntryValidationError

FIXTURE = "tests/fixtures/sie_awareness_answers.yaml"
GOOD = {
    "trigger": "A slow reply",
    "trigger_type": "slow_reply",
    "emotions": ["fear"],
    "automatic_thoughts": "They are leaving",
    "behaviour": "Sent messages",
    "intensity": 6,
}


def _snapshot(store):
    return tuple(store._db.execute(f"SELECT COUNT(*) FROM {table}").scalar_one() for table in ("entries", "audit"))


def test_valid_entry_is_saved(store, client, sie):
    ref = save_entry(store, client.client_id, sie, "insecurity_pattern_journal", GOOD, occurred_at="2026-03-01 10:00")
    entry = store.get_entry(ref.entry_id)
    assert entry.phase_id == "awareness" and entry.content_version == sie.version
    assert entry.data["intensity"] == 6 and entry.occurred_at == "2026-03-01T10:00:00"


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"intensity": 11}, "intensity", "Enter a number from 0 to 10."),
        ({"intensity": "high"}, "intensity", "Enter a whole number"),
        ({"emotions": "not-an-emotion"}, "emotions", "is not one of the options"),
        ({"automatic_thoughts": ""}, "automatic_thoughts", "needs an answer"),
        ({"trigger": "x" * 50_000}, "trigger", "the limit is 20,000"),
        ({"behaviour": "ok\x00then"}, "behaviour", "control character"),
    ],
)
def test_bad_values_are_refused_and_nothing_is_half_stored(store, client, sie, change, field, message):
    save_entry(store, client.client_id, sie, "insecurity_pattern_journal", GOOD)
    before = _snapshot(store)
    with pytest.raises(EntryValidationError) as err:
        save_entry(store, client.client_id, sie, "insecurity_pattern_journal", {**GOOD, **change})
    assert message in err.value.problems[field]
    assert _snapshot(store) == before


def test_malformed_date_is_refused_with_other_problems(store, client, sie):
    before = _snapshot(store)
    with pytest.raises(EntryValidationError) as err:
        save_entry(store, client.client_id, sie, "insecurity_pattern_journal", {**GOOD, "intensity": 99},
                   occurred_at="31/12/2025")
    assert set(err.value.problems) == {"occurred_at", "intensity"}
    assert _snapshot(store) == before


def test_revision_validates_and_keeps_history(store, client, sie):
    ref = save_entry(store, client.client_id, sie, "insecurity_pattern_journal", GOOD)
    with pytest.raises(EntryValidationError):
        revise_entry(store, sie, ref.entry_id, {**GOOD, "intensity": -3})
    new = revise_entry(store, sie, ref.entry_id, {**GOOD, "intensity": 3}, expected_revision=1)
    assert new.revision == 2
    revisions = store.entry_revisions(ref.entry_id)
    assert [r.data["intensity"] for r in revisions] == [6, 3]


def test_import_saves_valid_reports_invalid_and_is_idempotent(store, client, sie):
    items = read_answers_file(FIXTURE)
    phase = sie.phase("awareness")
    first = import_answers(store, client.client_id, sie, items, phase=phase)
    assert len(first.saved) == 5 and len(first.rejected) == 1
    assert first.rejected[0]["index"] == 3 and "whole number" in first.rejected[0]["problems"]["intensity"]
    again = import_answers(store, client.client_id, sie, items, phase=phase)
    assert again.saved == [] and len(again.already_saved) == 5
    assert store.count_entries(client.client_id) == 5


def test_import_rejects_exercises_of_other_phases(store, client, sie, tmp_path):
    path = tmp_path / "a.yaml"
    path.write_text("entries:\n  - exercise: gratitude_log\n    answers: {items: [a, b, c]}\n")
    report = import_answers(store, client.client_id, sie, read_answers_file(path), phase=sie.phase("awareness"))
    assert "not an exercise of this step" in report.rejected[0]["problems"]["exercise"]


@pytest.mark.parametrize(
    "text, message",
    [
        ("entries: [", "is not valid YAML"),
        ("- a\n- b\n", "top-level 'entries:' list"),
        ("entries:\n  - answers: {}\n", "needs an 'exercise:' id"),
        ("entries:\n  - exercise: x\n    answer: {}\n", "unknown keys ['answer']"),
        ("entries:\n  - exercise: x\n    answers: [1]\n", "'answers' must be a mapping"),
    ],
)
def test_answers_file_errors(tmp_path, text, message):
    path = tmp_path / "answers.yaml"
    path.write_text(text)
    with pytest.raises(AnswersFileError, match=message.replace("[", r"\[").replace("]", r"\]")):
        read_answers_file(path)


def test_missing_answers_file(tmp_path):
    with pytest.raises(AnswersFileError, match="does not exist"):
        read_answers_file(tmp_path / "nope.yaml")
