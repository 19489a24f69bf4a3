"""A person's safety plan is an entry of the store, but never part of a research export."""

from __future__ import annotations

from securebase.journal.safety_plan import save_plan
from securebase.research.export import build_tables


def test_the_plan_is_not_exported_nor_counted_as_unknown(store, client):
    save_plan(store, "C-1001", {"warning_signs": ["I stop sleeping"]})
    tables = build_tables(store)
    assert tables.counts.entries == 0 and tables.counts.entries_of_unknown_exercises == 0
    assert tables.counts.people == 0
    assert all("safety_plan" not in frame.to_csv() for frame in tables.frames.values())
