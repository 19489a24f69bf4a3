"""Answers files for couples: shared entries, protocol proposals and consent decisions in batch."""

import json

import pytest
import yaml

from securebase.notebook.answers import AnswersFileError, import_answers, read_answers_file
from securebase.couples.dyads import shared_with
from securebase.couples.protocol import in_force, versions

PROTOCOL = {
    "signal_type": "word", "signal": "anchor", "who_can_call": "either", "timeout_minutes": 30,
    "self_soothing_activities": ["walk"], "return_commitment": "Back at eight.",
    "reconnection_phrases": ["I'm here."],
}


def write(tmp_path, name, entries):
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"entries": json.loads(json.dumps(entries))}, allow_unicode=True))  # no aliases
    return path


def test_couple_items_in_batch_and_a_second_run_changes_nothing(store, asb, couple, tmp_path):
    dyad, a, b = couple
    file_a = write(tmp_path, "a.yaml", [
        {"exercise": "activation_journal", "occurred_at": "2026-04-01 20:00", "share": True,
         "answers": {"trigger": "They answered my long message with 'ok' at 9pm.", "response": "pursue", "intensity": 7}},
        {"exercise": "activation_journal", "occurred_at": "2026-04-02 20:00",
         "answers": {"trigger": "A private one: they left without saying goodbye.", "response": "freeze", "intensity": 5}},
        {"exercise": "security_protocol", "occurred_at": "2026-04-20 19:00", "answers": PROTOCOL},
        {"exercise": "security_protocol", "occurred_at": "2026-04-27 19:00", "answers": {**PROTOCOL, "timeout_minutes": 40}},
    ])
    file_b = write(tmp_path, "b.yaml", [
        {"exercise": "security_protocol", "action": "consent", "version": 1, "occurred_at": "2026-04-21 08:00"},
        {"exercise": "security_protocol", "action": "consent", "version": "latest", "occurred_at": "2026-04-28 08:00"},
    ])
    for _ in range(2):
        report_a = import_answers(store, a, asb, read_answers_file(file_a))
        report_b = import_answers(store, b, asb, read_answers_file(file_b))
        assert report_a.rejected == [] and report_b.rejected == []
    assert report_a.saved == [] and len(report_a.already_saved) == 4       # second run
    assert [v.version for v in versions(store, dyad.dyad_id)] == [1, 2]
    assert in_force(store, dyad.dyad_id).data["timeout_minutes"] == 40
    assert [e.data["response"] for e in shared_with(store, b)] == ["pursue"]


def test_refusals_are_reported_per_item(store, asb, couple, tmp_path):
    dyad, a, b = couple
    report = import_answers(store, a, asb, read_answers_file(write(tmp_path, "x.yaml", [
        {"exercise": "security_protocol", "answers": {**PROTOCOL, "timeout_minutes": 15}},
        {"exercise": "security_protocol", "action": "consent", "version": 3},
    ])))
    assert [r["index"] for r in report.rejected] == [1, 2]
    assert report.rejected[0]["problems"]["timeout_minutes"] == "Enter a number from 20 to 240."
    assert "no version 3" in report.rejected[1]["problems"]["protocol"]

    store.ensure_client("C-2099", program_id="asb")
    single = import_answers(store, "C-2099", asb, read_answers_file(write(tmp_path, "s.yaml", [
        {"exercise": "wins_log", "share": True, "answers": {"win": "We laughed about it.", "pattern_used": "repair"}},
    ])))
    assert len(single.saved) == 1 and "saved, but not shared" in single.rejected[0]["problems"]["share"]


@pytest.mark.parametrize("item, message", [
    ({"exercise": "security_protocol", "action": "agree", "version": 1}, "action 'agree' is not one of"),
    ({"exercise": "security_protocol", "action": "consent"}, "needs 'version:'"),
    ({"exercise": "wins_log", "share": "yes", "answers": {}}, "'share' must be true or false"),
    ({"exercise": "wins_log", "shared": True, "answers": {}}, "unknown keys ['shared']"),
])
def test_malformed_couple_items_are_explained(tmp_path, item, message):
    with pytest.raises(AnswersFileError, match=message.replace("[", r"\[").replace("]", r"\]").replace("(", r"\(")):
        read_answers_file(write(tmp_path, "bad.yaml", [item]))
