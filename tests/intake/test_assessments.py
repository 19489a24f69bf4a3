"""Stored questionnaire results: versions kept, append-only, change from the first, milestones."""

from datetime import date

import pytest

from securebase import content
from securebase.content import scales
from securebase.intake.assessments import (
    AlreadyRecorded, change_from_first, due_milestones, get_assessments, save_assessment,
)
from securebase.core.errors import SecureBaseError
from securebase.content.scales import ScaleError
from backends import REFUSED


@pytest.fixture
def check():
    return scales.instrument("relationship_check")


def answers(check, anxiety, avoidance=2, other=3):
    out = {}
    for item in check.items:
        value = {"anxiety": anxiety, "avoidance": avoidance}.get(item.subscale, other)
        out[item.id] = 8 - value if item.reverse else value
    return out


def test_saved_with_versions_and_never_changed(store, check):
    store.ensure_client("C-6101", program_id="sie")
    saved = save_assessment(store, "C-6101", check, answers(check, 6), administered_at="2026-03-01T10:00:00")
    assert (saved.instrument_id, saved.instrument_version, saved.scoring_version) == ("relationship_check", "1.0", "1.0")
    assert saved.scores["anxiety"] == 6.0 and saved.result["classifications"]["security_pattern"]["rule"] == "anxious"
    assert get_assessments(store, "C-6101") == [saved]
    for sql in ("UPDATE assessments SET result = '{}'", "DELETE FROM assessments"):
        with pytest.raises(REFUSED):
            store._db.execute(sql)
    assert [r["action"] for r in store.audit_log(client_id="C-6101")][-1] == "assessment"


def test_bad_answers_save_nothing(store, check):
    store.ensure_client("C-6102")
    with pytest.raises(ScaleError, match="off the scale"):
        save_assessment(store, "C-6102", check, {"anx_1": 9})
    with pytest.raises(SecureBaseError, match="occasion 'week3'"):
        save_assessment(store, "C-6102", check, answers(check, 3), occasion="week3")
    assert get_assessments(store, "C-6102") == []


def test_repeat_import_is_refused(store, check):
    store.ensure_client("C-6103")
    save_assessment(store, "C-6103", check, answers(check, 3), source_key="k")
    with pytest.raises(AlreadyRecorded):
        save_assessment(store, "C-6103", check, answers(check, 3), source_key="k")


def test_change_from_first_with_the_reliable_change_index(store, check):
    store.ensure_client("C-6104")
    save_assessment(store, "C-6104", check, answers(check, 6), administered_at="2026-03-01T10:00:00")
    save_assessment(store, "C-6104", check, answers(check, 5), occasion="milestone",
                    administered_at="2026-03-22T10:00:00")
    save_assessment(store, "C-6104", check, answers(check, 3), occasion="milestone", administered_at="2026-04-20T10:00:00")
    rows = change_from_first(check, get_assessments(store, "C-6104", "relationship_check"))
    # anxiety sd 1.1, reliability .85: s_diff = sqrt(2) * 1.1 * sqrt(.15) = 0.6025
    assert rows[0]["changes"]["anxiety"]["change"] == -1.0 and not rows[0]["changes"]["anxiety"]["reliable"]
    assert rows[1]["changes"]["anxiety"]["rci"] == pytest.approx(-3 / 0.60249, abs=1e-2)
    assert rows[1]["changes"]["anxiety"]["reliable"]
    assert rows[1]["changes"]["pursue"]["rci"] is None                 # no parameters for this subscale


def test_results_from_another_scoring_version_are_not_compared(store, check):
    store.ensure_client("C-6105")
    save_assessment(store, "C-6105", check, answers(check, 6), administered_at="2026-03-01T10:00:00")
    rescored = check.model_copy(update={"scoring_version": "2.0"})
    save_assessment(store, "C-6105", rescored, answers(check, 3), administered_at="2026-04-01T10:00:00")
    row = change_from_first(check, get_assessments(store, "C-6105"))[0]
    assert not row["comparable"] and row["changes"] == {} and "version 2.0" in row["note"]


def test_due_milestones(store, check):
    sie = content.program("sie")
    store.ensure_client("C-6106")
    first = save_assessment(store, "C-6106", check, answers(check, 6), administered_at="2026-03-01T10:00:00")
    start = date(2026, 3, 1)
    assert due_milestones(sie, start, date(2026, 3, 5), [first]) == []           # still in step 1
    assert due_milestones(sie, start, date(2026, 3, 16), [first]) == ["Step 2: Acceptance", "Step 3: Restructuring"]
    again = save_assessment(store, "C-6106", check, answers(check, 5), occasion="milestone",
                            administered_at="2026-03-15T10:00:00")
    assert due_milestones(sie, start, date(2026, 3, 16), [first, again]) == []
