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


def _caseload(store):
    from securebase.couples.dyads import link_couple

    a = new_client(store, "sie", date(2026, 11, 1))           # active, flagged, in a couple with b
    b = new_client(store, "asb", date(2026, 10, 1))
    c = new_client(store, "sie", date(2026, 9, 1))            # no entry since September: inactive
    d = new_client(store, "sie", date(2026, 11, 20))          # archived
    store.add_entry(a, program_id="sie", phase_id="awareness", exercise_id="e", content_version="1", data={},
                    occurred_at="2026-11-30T10:00:00", safety_categories=["self_harm"])
    store.add_entry(b, program_id="asb", phase_id="x", exercise_id="e", content_version="1", data={},
                    occurred_at="2026-11-25T10:00:00")
    link_couple(store, a, b, program_id="asb")
    store.set_archived(d, True)
    return a, b, c, d


def test_search_filters_and_order(store):
    from securebase.progress.caseload import INACTIVE_DAYS, View, select

    a, b, c, d = _caseload(store)
    rows = client_rows(store, today=date(2026, 12, 1))
    ids = lambda view, labels=None: [[r.client_id for r in g] for g in select(rows, view, labels)]   # noqa: E731
    by_id = {r.client_id: r for r in rows}
    assert by_id[a].dyad_id == by_id[b].dyad_id != "" and by_id[a].partner_id == b and by_id[d].archived
    assert (by_id[a].couple_role, by_id[b].couple_role) == ("A", "B")
    assert by_id[c].idle_days == 91 >= INACTIVE_DAYS > by_id[b].idle_days == 6
    everyone = ids(View(sort="code"))
    assert sorted(sum(everyone, [])) == sorted([a, b, c]) and [a, b] in everyone   # partners together, archived out
    assert ids(View(archived="archived")) == [[d]] and len(sum(ids(View(archived="all")), [])) == 4
    assert ids(View(search=c[-4:].lower())) == [[c]]
    assert ids(View(search="tues 3"), {c: "Tues 3pm"}) == [[c]] and ids(View(search="tues")) == []
    assert ids(View(search=b)) == [[a, b]]                    # a couple is shown with both partners
    assert ids(View(flags="open")) == [[a, b]] and ids(View(flags="none"), None) == [[a, b], [c]]   # b has none
    assert ids(View(inactive_only=True)) == [[c]]
    assert ids(View(archived="archived", inactive_only=True)) == []   # d started 11 days ago
    assert ids(View(program_id="asb")) == [[a, b]]
    step = by_id[c].phase_title
    got = ids(View(step=step))
    assert step and any(c in g for g in got) and all(any(by_id[i].phase_title == step for i in g) for g in got)
    assert ids(View(step="Step 99: none")) == []
    assert ids(View(sort="flags"))[0] == [a, b]               # open flags first
    assert ids(View(sort="activity"))[-1] == [c]              # the longest idle last
    assert ids(View(search="x" * 500)) == []                  # a search is bounded, never an error


def test_two_hundred_clients_are_quick(store):
    import time

    from securebase.progress.caseload import View, select
    from securebase.ui.home import table_html

    for i in range(200):
        client = new_client(store, "sie" if i % 2 else "asb", date(2026, 10, 1))
        if i % 3 == 0:
            store.add_entry(client, program_id="sie", phase_id="a", exercise_id="e", content_version="1", data={},
                            occurred_at="2026-11-20T10:00:00", safety_categories=["self_harm"] if i % 9 == 0 else [])
    started = time.perf_counter()
    rows = client_rows(store, today=date(2026, 12, 1))
    built = time.perf_counter()
    for sort in ("flags", "code", "activity", "step"):
        html = table_html(select(rows, View(sort=sort, search="c-")), {})
    done = time.perf_counter()
    print(f"200 clients: rows {built - started:.3f} s, four selects and tables {done - built:.3f} s")
    assert len(rows) == 200 and html.count("<tr id=") == 200
    assert built - started < 2.0 and (done - built) / 4 < 0.2
