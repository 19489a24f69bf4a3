"""The store's check-in tables: the question is recorded with its entry (same transaction), the answer
is one append-only row, a "yes" flags the same revision in the answer's transaction (and pauses the
couple for abuse or danger), and the audit log holds ids, categories and the answer, never text."""

from __future__ import annotations

import sqlite3

import pytest

from securebase.core.errors import NotFoundError, StoreError
from backends import REFUSED

SECRET = "Private words ZQX-7741 that must never reach the audit log"


def _add(store, client_id="C-9101", categories=("self_harm",), text=SECRET, **kw):
    store.ensure_client(client_id, program_id="sie")
    return store.add_entry(client_id, program_id="sie", phase_id="awareness", exercise_id="insecurity_pattern_journal",
                           content_version="t", data={"trigger": text}, occurred_at="2026-03-01T10:00:00",
                           check_in_categories=categories, **kw)


def _only_check_in(store, entry_id):
    rows = store.check_in_rows(entry_id=entry_id)
    assert len(rows) == 1, rows
    return rows[0]


# ---------------------------------------------------------------- asked with the entry


def test_a_save_with_check_in_categories_records_one_unanswered_check_in(store):
    ref = _add(store, categories=("self_harm", "abuse_danger"))
    check_in_id, client_id, entry_id, revision, categories, asked_at, answer, answered_at = _only_check_in(
        store, ref.entry_id)
    assert (client_id, entry_id, revision) == ("C-9101", ref.entry_id, 1)
    assert categories == ("self_harm", "abuse_danger") and asked_at
    assert answer is None and answered_at is None
    assert store.check_in_rows("C-9101") == store.check_in_rows(entry_id=ref.entry_id)
    assert store.flag_rows("C-9101") == []                       # a check-in is not a flag


def test_a_save_without_check_in_categories_records_none(store):
    ref = _add(store, categories=())
    assert store.check_in_rows(entry_id=ref.entry_id) == [] and store.check_in_rows() == []
    assert store.get_entry(ref.entry_id).data["trigger"] == SECRET


def test_a_revision_records_its_own_check_in_and_a_plain_revision_none(store):
    ref = _add(store, categories=())
    second = store.revise_entry(ref.entry_id, data={"trigger": "closer to risk"}, check_in_categories=("self_harm",))
    third = store.revise_entry(ref.entry_id, data={"trigger": "an ordinary day"})
    assert (second.revision, third.revision) == (2, 3)
    rows = store.check_in_rows(entry_id=ref.entry_id)
    assert [(r[3], r[4]) for r in rows] == [(2, ("self_harm",))]


def test_check_ins_are_filtered_by_client_and_entry(store):
    a = _add(store, "C-9102")
    b = _add(store, "C-9103", categories=("harm_to_others",))
    assert [r[2] for r in store.check_in_rows("C-9102")] == [a.entry_id]
    assert [r[4] for r in store.check_in_rows("C-9103")] == [("harm_to_others",)]
    assert store.check_in_rows("C-9102", entry_id=b.entry_id) == []
    assert len(store.check_in_rows()) == 2


def test_the_check_in_is_written_in_the_entrys_transaction(store, monkeypatch):
    """If the check-in cannot be recorded, the entry is not saved either: never one without the other."""
    store.ensure_client("C-9104", program_id="sie")
    real = store._audit

    def failing(db, action, *args):
        if action == "safety_check_in":
            raise sqlite3.OperationalError("disk full")
        return real(db, action, *args)

    monkeypatch.setattr(store, "_audit", failing)
    with pytest.raises(StoreError, match="Nothing was saved"):
        _add(store, "C-9104")
    assert store.count_entries("C-9104") == 0 and store.check_in_rows() == []


# ---------------------------------------------------------------- append-only


@pytest.mark.parametrize("sql", [
    "UPDATE safety_check_ins SET categories = '[]'",
    "DELETE FROM safety_check_ins",
    "UPDATE safety_check_in_answers SET answer = 'no'",
    "DELETE FROM safety_check_in_answers",
])
def test_check_ins_and_answers_are_append_only(store, sql):
    ref = _add(store)
    store.answer_check_in_row(_only_check_in(store, ref.entry_id)[0], "yes")
    before = store.check_in_rows()
    with pytest.raises(REFUSED, match="kept as"):
        with store._write() as db:
            db.execute(sql)
    assert store.check_in_rows() == before and before[0][6] == "yes"


def test_an_answer_needs_a_real_check_in(store):
    with pytest.raises(REFUSED):
        with store._write() as db:
            db.execute("INSERT INTO safety_check_in_answers VALUES ('no-such', 'no', '2026-03-01T10:00:00')")


# ---------------------------------------------------------------- answering


def test_answering_records_the_answer_and_its_time(store):
    ref = _add(store)
    check_in_id = _only_check_in(store, ref.entry_id)[0]
    store.answer_check_in_row(check_in_id, "no")
    row = _only_check_in(store, ref.entry_id)
    assert row[6] == "no" and row[7] and row[7] >= row[5]


def test_answering_twice_is_refused_and_the_first_answer_kept(store):
    ref = _add(store)
    check_in_id = _only_check_in(store, ref.entry_id)[0]
    store.answer_check_in_row(check_in_id, "no")
    with pytest.raises(StoreError, match="already answered; the first answer is kept"):
        store.answer_check_in_row(check_in_id, "yes")
    assert _only_check_in(store, ref.entry_id)[6] == "no"
    assert store.flag_rows() == []                               # the refused "yes" flagged nothing


def test_answering_an_unknown_check_in_says_so(store):
    _add(store)
    with pytest.raises(NotFoundError, match="no check-in 'nope'"):
        store.answer_check_in_row("nope", "yes")
    assert store.flag_rows() == [] and store.check_in_rows()[0][6] is None


@pytest.mark.parametrize("bad", ["YES", "maybe", "", None, "rather not say"])
def test_a_bad_answer_value_is_refused_with_the_allowed_answers(store, bad):
    ref = _add(store)
    with pytest.raises(ValueError, match="yes, no, rather_not_say"):
        store.answer_check_in_row(_only_check_in(store, ref.entry_id)[0], bad)
    assert _only_check_in(store, ref.entry_id)[6] is None and store.flag_rows() == []


def test_yes_flags_the_same_revision_with_the_check_ins_categories(store):
    ref = _add(store, categories=())
    rev = store.revise_entry(ref.entry_id, data={"trigger": "x"}, check_in_categories=("self_harm", "harm_to_others"))
    store.revise_entry(ref.entry_id, data={"trigger": "later"})        # a later revision is not the one asked about
    assert store.flag_rows() == []
    store.answer_check_in_row(_only_check_in(store, ref.entry_id)[0], "yes")
    [flag] = store.flag_rows("C-9101")
    assert (flag[2], flag[3], flag[4]) == (ref.entry_id, rev.revision, ("self_harm", "harm_to_others"))
    assert flag[6] is None                                              # open
    assert store.yes_check_in_revisions() == {(ref.entry_id, 2)}


def test_a_yes_is_all_or_nothing(store, monkeypatch):
    """The flag is written in the answer's transaction: if it fails, the answer is not recorded either."""
    ref = _add(store)
    check_in_id = _only_check_in(store, ref.entry_id)[0]

    def broken(*_a, **_k):
        raise sqlite3.OperationalError("disk full")

    monkeypatch.setattr(store, "_flag", broken)
    with pytest.raises(StoreError, match="Nothing was saved"):
        store.answer_check_in_row(check_in_id, "yes")
    monkeypatch.undo()
    assert _only_check_in(store, ref.entry_id)[6] is None and store.flag_rows() == []
    store.answer_check_in_row(check_in_id, "yes")                       # and it can be given again
    assert len(store.flag_rows()) == 1


@pytest.mark.parametrize("reply", ["no", "rather_not_say"])
def test_no_and_rather_not_say_raise_no_flag(store, reply):
    ref = _add(store, categories=("self_harm", "abuse_danger"))
    store.answer_check_in_row(_only_check_in(store, ref.entry_id)[0], reply)
    assert _only_check_in(store, ref.entry_id)[6] == reply
    assert store.flag_rows() == [] and store.yes_check_in_revisions() == set()


# ---------------------------------------------------------------- the couple pause


def _couple_entry(store, client_id, categories):
    return store.add_entry(client_id, program_id="asb", phase_id="awareness", exercise_id="activation_journal",
                           content_version="t", data={"trigger": SECRET}, occurred_at="2026-03-01T10:00:00",
                           check_in_categories=categories)


def test_a_yes_about_abuse_or_danger_pauses_the_couple_in_the_same_transaction(store, couple):
    dyad, a, b = couple
    ref = _couple_entry(store, a, ("abuse_danger",))
    assert store.couple_pauses(dyad.dyad_id) == []                      # asking does not pause
    store.answer_check_in_row(_only_check_in(store, ref.entry_id)[0], "yes")
    [flag] = store.flag_rows(a)
    [pause] = store.couple_pauses(dyad.dyad_id, open_only=True)
    assert (pause.client_id, pause.flag_id) == (a, flag[0])
    assert store.flag_rows(b) == []


@pytest.mark.parametrize(("categories", "reply"), [
    (("self_harm",), "yes"), (("abuse_danger",), "no"), (("abuse_danger",), "rather_not_say"),
])
def test_the_couple_is_not_paused_otherwise(store, couple, categories, reply):
    dyad, a, _b = couple
    ref = _couple_entry(store, a, categories)
    store.answer_check_in_row(_only_check_in(store, ref.entry_id)[0], reply)
    assert store.couple_pauses(dyad.dyad_id) == []


# ---------------------------------------------------------------- the audit log


def test_audit_rows_hold_ids_categories_and_the_answer_never_text(store):
    ref = _add(store, categories=("self_harm",))
    check_in_id = _only_check_in(store, ref.entry_id)[0]
    store.answer_check_in_row(check_in_id, "yes")
    log = store.audit_log(client_id="C-9101")
    [asked] = [r for r in log if r["action"] == "safety_check_in"]
    [answered] = [r for r in log if r["action"] == "safety_check_in_answer"]
    assert (asked["object_type"], asked["object_id"]) == ("safety_check_in", check_in_id)
    assert asked["detail"] == {"entry_id": ref.entry_id, "revision": 1, "categories": ["self_harm"]}
    assert (answered["object_type"], answered["object_id"]) == ("safety_check_in", check_in_id)
    assert answered["detail"] == {"entry_id": ref.entry_id, "revision": 1, "answer": "yes"}
    assert [r["action"] for r in log].count("safety_flag") == 1
    assert "ZQX-7741" not in repr(log) and "Private words" not in repr(log)
