"""Couples mode: linking two clients, and entries that stay private until their author shares them."""


import pytest

from securebase.couples.dyads import (
    CoupleError, dyad_of, end_couple, link_couple, list_dyads, share_entry, shared_by, shared_with, unshare_entry,
)
from securebase.journal.entries import revise_entry, save_entry
from securebase.core.errors import NotFoundError
from backends import REFUSED


def journal(trigger="They looked at their phone while I was talking about my day."):
    return {"trigger": trigger, "response": "withdraw", "intensity": 6}


def test_link_gives_roles_and_person_numbers(store, couple):
    dyad, a, b = couple
    assert dyad.dyad_id.startswith("D-") and dyad.active
    assert (dyad.role_of(a), dyad.role_of(b)) == ("A", "B")
    assert (dyad.person_number(a), dyad.person_number(b)) == (1, 2)
    assert dyad.partner_of(a) == b and dyad.partner_of(b) == a
    assert dyad_of(store, a) == dyad_of(store, b) == dyad
    actions = [(r["action"], r["client_id"]) for r in store.audit_log() if r["object_type"] == "dyad"]
    assert actions == [("couple_link", a), ("couple_link", b)]


def test_linking_is_refused_clearly(store, couple):
    dyad, a, b = couple
    store.ensure_client("C-2003")
    with pytest.raises(CoupleError, match=f"{a} is already linked in couple {dyad.dyad_id}"):
        link_couple(store, a, "C-2003")
    with pytest.raises(CoupleError, match="two different clients"):
        link_couple(store, "C-2003", "C-2003")
    with pytest.raises(NotFoundError, match="C-2999"):
        link_couple(store, "C-2003", "C-2999")


def test_ending_a_link_keeps_it_and_allows_a_new_one(store, couple):
    dyad, a, b = couple
    ended = end_couple(store, dyad.dyad_id)
    assert not ended.active and dyad_of(store, a) is None
    with pytest.raises(CoupleError, match="already ended"):
        end_couple(store, dyad.dyad_id)
    store.ensure_client("C-2003")
    again = link_couple(store, a, "C-2003")
    assert [d.dyad_id for d in list_dyads(store)] == [again.dyad_id]
    assert len(list_dyads(store, include_ended=True)) == 2
    with pytest.raises(REFUSED):
        store._db.execute("DELETE FROM dyads")
    with pytest.raises(REFUSED):
        store._db.execute("UPDATE dyads SET ended_at = NULL WHERE dyad_id = ?", (dyad.dyad_id,))


def test_entries_are_private_until_shared(store, asb, couple):
    dyad, a, b = couple
    mine = save_entry(store, a, asb, "activation_journal", journal())
    save_entry(store, a, asb, "activation_journal", journal("Another private moment, at 9pm, by text."))
    assert shared_with(store, b) == [] and shared_by(store, a) == {}

    assert share_entry(store, a, mine.entry_id) == 1
    seen = shared_with(store, b)
    assert [e.entry_id for e in seen] == [mine.entry_id] and seen[0].data["trigger"].startswith("They looked")
    assert shared_with(store, a) == []                       # B shared nothing with A
    assert shared_with(store, b, exercise_id="wins_log") == []

    # an edit after sharing is not shown until shared again
    revise_entry(store, asb, mine.entry_id, journal("Edited: they checked the phone twice."))
    assert shared_with(store, b)[0].revision == 1 and shared_with(store, b)[0].data["trigger"].startswith("They looked")
    share_entry(store, a, mine.entry_id)
    assert shared_with(store, b)[0].data["trigger"].startswith("Edited")

    unshare_entry(store, a, mine.entry_id)
    assert shared_with(store, b) == []
    share_entry(store, a, mine.entry_id)
    store.delete_entry(mine.entry_id)
    assert shared_with(store, b) == []                       # deleting an entry takes it back
    assert [r["action"] for r in store.audit_log(client_id=a) if r["action"] in ("share", "unshare")] == [
        "share", "share", "unshare", "share"]


def test_only_your_own_entries_and_only_in_a_couple(store, asb, couple):
    dyad, a, b = couple
    theirs = save_entry(store, b, asb, "activation_journal", journal())
    with pytest.raises(CoupleError, match="only share your own"):
        share_entry(store, a, theirs.entry_id)
    store.ensure_client("C-2009", program_id="asb")
    single = save_entry(store, "C-2009", asb, "activation_journal", journal())
    with pytest.raises(CoupleError, match="not linked with a partner"):
        share_entry(store, "C-2009", single.entry_id)
    gone = save_entry(store, a, asb, "activation_journal", journal())
    store.delete_entry(gone.entry_id)
    with pytest.raises(CoupleError, match="deleted"):
        share_entry(store, a, gone.entry_id)


def test_ending_the_couple_hides_shares(store, asb, couple):
    dyad, a, b = couple
    mine = save_entry(store, a, asb, "activation_journal", journal())
    share_entry(store, a, mine.entry_id)
    end_couple(store, dyad.dyad_id)
    assert shared_with(store, b) == []


def test_share_log_is_append_only(store, asb, couple):
    dyad, a, b = couple
    share_entry(store, a, save_entry(store, a, asb, "activation_journal", journal()).entry_id)
    for sql in ("UPDATE entry_shares SET shared = 0", "DELETE FROM entry_shares"):
        with pytest.raises(REFUSED, match="append-only"):
            store._db.execute(sql)
