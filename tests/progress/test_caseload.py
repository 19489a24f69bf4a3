"""The clinician's home page data: clients, step, flags (categories only), links."""

from __future__ import annotations

from datetime import date

from securebase import content
from securebase.journal.entries import save_entry
from securebase.nbgen.home import build_home_notebook
from securebase.progress.caseload import client_rows, new_client


def test_rows_say_where_each_client_is(store):
    a = new_client(store, "sie", date(2026, 11, 1))
    b = new_client(store, "asb", date(2026, 10, 1))
    store.ensure_client("C-NOPROG1")
    sie = content.program("sie")
    save_entry(store, a, sie, "insecurity_pattern_journal", {
        "trigger": "I want to kill myself", "trigger_type": "slow_reply", "emotions": ["fear"],
        "automatic_thoughts": "x", "behaviour": "y", "intensity": 5}, occurred_at="2026-11-03T10:00:00")
    rows = {r.client_id: r for r in client_rows(store, today=date(2026, 11, 3))}
    ra, rb, rn = rows[a], rows[b], rows["C-NOPROG1"]
    assert ra.step.startswith("Day 3 of Security through Interpersonal Effectiveness") and "Awareness" in ra.step
    assert ra.open_flags == 1 and ra.flag_categories == ("self_harm",) and ra.last_entry == "2026-11-03"
    assert ra.links[0].href == f"../sie/01_awareness.ipynb?client_id={a}"
    assert [link.label for link in ra.links] == ["Open Step 1: Awareness", "Progress", "Relationship check"]
    assert "Week 5" in rb.step and rb.links[0].href.startswith("../asb/03_co_creation.ipynb")
    assert rn.step == "no program set" and rn.links[0].label == "Relationship check"
    assert all("kill" not in str(r) for r in rows.values())


def test_new_client_refuses_an_unknown_program(store):
    import pytest

    with pytest.raises(KeyError):
        new_client(store, "dbt")
    assert store.list_clients() == []


def test_notebook_has_a_parameters_cell():
    nb = build_home_notebook()
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.metadata["tags"] == ["parameters"] and 'store_path: str = ""' in first.source
