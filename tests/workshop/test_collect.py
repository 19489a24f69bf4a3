"""Collecting returned workbooks from their data, and the group summary a group may see."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import nbformat
import pytest
from synthetic import synthetic_client

from securebase import cli
from securebase import content
from securebase.workshop.batch import run_batch
from securebase.privacy.audit import hidden_ranges
from securebase.privacy.suppression import Suppressed
from securebase.workshop.collect import collect, group_summary, summary_tables, write_group_summary
from securebase.journal.entries import save_entry
from securebase.workshop.roster import parse_roster
from securebase.safety.flags import flags
from securebase.store import Store
from report_pages import without_print_script

ROOT = Path(__file__).resolve().parents[2]
CRISIS = "I want to kill myself tonight"
PEOPLE = [f"P-{i:03d}" for i in range(1, 8)]  # P-007 never returns a workbook
ROSTER = "participant_id,group,program,language\n" + "".join(f"{p},tue,sie,en\n" for p in PEOPLE)


def _fill(folder: Path, pid: str, seed: int, days: int = 7, crisis: bool = False) -> int:
    """What a participant's workbook does when they fill it in: validated saves into their store."""
    folder.mkdir(parents=True, exist_ok=True)
    sie = content.program("sie")
    n = 0
    with Store(folder / "securebase.db", actor=pid) as store:
        store.ensure_client(pid, program_id="sie", start_date=date(2026, 11, 2))
        for e in synthetic_client(seed, date(2026, 11, 2), days=days)["awareness"]:
            answers = dict(e["answers"])
            if crisis and e["exercise"] == "insecurity_pattern_journal":
                answers["trigger"], crisis = CRISIS, False   # one entry says it
            save_entry(store, pid, sie, e["exercise"], answers, occurred_at=e["occurred_at"])
            n += 1
    return n


@pytest.fixture
def returned(tmp_path):
    src = tmp_path / "returned"
    saved = {pid: _fill(src / "tue" / pid, pid, seed=i, crisis=(pid == "P-003")) for i, pid in enumerate(PEOPLE[:-1])}
    return src, saved


def test_collect_copies_every_revision_once(store, returned):
    src, saved = returned
    roster = parse_roster(ROSTER)
    # a participant edits an entry after the first collection: the new revision comes in next time
    rep = collect(store, roster, src)
    assert rep.count("collected") == 6 and rep.count("not returned") == 1
    assert {p.participant_id: p.added for p in rep.participants if p.status == "collected"} == saved
    assert store.group_members("tue") == PEOPLE  # P-007 too: nothing returned yet, still a member
    with Store(src / "tue" / "P-001" / "securebase.db") as theirs:
        first = theirs.current_entries("P-001")[0]
        theirs.revise_entry(first.entry_id, data={**first.data, "intensity": 1})
        ids = {e.entry_id for e in theirs.current_entries("P-001")}
    again = collect(store, roster, src)
    assert sum(p.added for p in again.participants) == 1
    assert next(p for p in again.participants if p.participant_id == "P-002").present == saved["P-002"]
    assert {e.entry_id for e in store.current_entries("P-001")} == ids  # the same entry ids as theirs
    assert store.get_entry(first.entry_id).data["intensity"] == 1
    assert any(a["action"] == "collect" for a in store.audit_log(client_id="P-001"))


def test_safety_flag_is_raised_in_the_facilitators_store_but_never_shown_to_the_group(store, returned, tmp_path):
    src, _ = returned
    rep = collect(store, parse_roster(ROSTER), src)
    assert next(p for p in rep.participants if p.participant_id == "P-003").flagged == 1
    assert [f.client_id for f in flags(store)] == ["P-003"]
    assert any("safety flag" in line for line in rep.lines())
    summary = group_summary(store, "tue")
    files = write_group_summary(summary, tmp_path / "summaries")
    for text in (json.dumps(summary), files["html"].read_text()):
        assert CRISIS not in text and "self_harm" not in text and "flag" not in text.replace("safety flags", "")
        assert not any(pid in text for pid in PEOPLE)
        for e in store.current_entries("P-001")[:20]:   # no free text of anyone
            assert e.data["trigger"] not in text if "trigger" in e.data else True


def test_group_summary_suppresses_small_counts(store, returned):
    src, _ = returned
    collect(store, parse_roster(ROSTER), src)
    s = group_summary(store, "tue", k=5)
    assert s["members"] == 7
    journal = next(x for x in s["exercises"] if x["id"] == "insecurity_pattern_journal")
    kinds = next(f for f in journal["fields"] if f["id"] == "trigger_type")["table"]
    shown = [v for v in kinds["cells"][0] if v is not None]
    assert all(v >= 5 for v in shown) and kinds["total"] is None or kinds["total"] >= 5
    # six people did the journal, one did not: 1 < 5 is hidden, and so is its complement
    assert journal["participants"]["cells"][0] == [None, None] and journal["participants"]["total"] == 7
    intensity = next(f for f in journal["fields"] if f["id"] == "intensity")
    assert intensity["people"] == 6 and 0 <= intensity["mean_of_person_means"] <= 10
    later = next(x for x in s["exercises"] if x["id"] == "values_clarification")  # nobody is there yet
    assert later["participants"]["cells"][0] == [None, None]
    small = group_summary(store, "tue", k=10)  # a group smaller than k shows nothing at all
    assert small["members"] is None and small["people"]["total"] is None


def test_group_summary_is_audited_across_all_its_tables(store, returned):
    """Everything the summary shows, read together with what a reader knows of how the tables hang
    together, pins down no hidden count (privacy.audit, by linear programming)."""
    src, _ = returned
    collect(store, parse_roster(ROSTER), src)
    s = group_summary(store, "tue", k=5)
    _, _, ties, _ = summary_tables(store, store.group_members("tue"), content.program("sie"))
    shown = {"people": Suppressed(**{**s["people"], "n_hidden": 0})}
    for block in s["exercises"]:
        shown[f"exercise:{block['id']}"] = Suppressed(**{**block["participants"], "n_hidden": 0})
        for f in block["fields"]:
            if f["kind"] == "counts":
                shown[f"exercise:{block['id']}:{f['id']}"] = Suppressed(**{**f["table"], "n_hidden": 0})
            else:
                n = f["people"]
                shown[f"exercise:{block['id']}:{f['id']}:people"] = Suppressed(["count"], ["people"], [[n]], [n], [n], n, 5)
    ranges = hidden_ranges(shown, ties)
    assert len(ranges) > 20 and not [h for h in ranges if h.exact]


def test_bad_returns_are_reported_not_imported(store, tmp_path):
    src = tmp_path / "returned"
    _fill(src / "g" / "P-011", "P-011", seed=1, days=2)
    with Store(src / "g" / "P-011" / "securebase.db") as theirs:   # a stranger's entry and a made-up exercise
        theirs.ensure_client("X-999", program_id="sie")
        theirs.add_entry("X-999", program_id="sie", phase_id="awareness", exercise_id="signal_scan",
                         content_version="1", data={}, occurred_at="2026-11-02T10:00:00")
        theirs.add_entry("P-011", program_id="sie", phase_id="awareness", exercise_id="made_up",
                         content_version="1", data={}, occurred_at="2026-11-02T10:00:00")
    (src / "g" / "P-012").mkdir(parents=True)
    (src / "g" / "P-012" / "securebase.db").write_bytes(b"this is not a database")
    rep = collect(store, parse_roster("participant_id,group,program,language\nP-011,g,sie,en\nP-012,g,sie,en\n"), src)
    a, b = rep.participants
    assert a.status == "collected" and any("unknown exercise 'made_up'" in x for x in a.left_out)
    assert any("1 other client id" in x for x in a.left_out)
    assert store.get_client("X-999") is None
    assert b.status == "unreadable" and "ask for the file again" in b.left_out[0]
    assert (src / "g" / "P-012" / "securebase.db").read_bytes() == b"this is not a database"


def test_conflicting_revision_is_left_out(store, tmp_path):
    store.ensure_client("P-021", program_id="sie")
    with Store(tmp_path / "a.db") as a:
        a.ensure_client("P-021", program_id="sie")
        ref = a.add_entry("P-021", program_id="sie", phase_id="awareness", exercise_id="signal_scan",
                          content_version="1", data={"slot": "midday"}, occurred_at="2026-11-02T10:00:00")
        mine = a.client_revisions("P-021")
    assert store.import_revisions(mine, source="t") == {"added": 1, "present": 0, "conflicts": 0}
    changed = [type(mine[0])(**{**mine[0].__dict__, "data": {"slot": "evening"}})]
    assert store.import_revisions(changed, source="t") == {"added": 0, "present": 0, "conflicts": 1}
    assert store.get_entry(ref.entry_id).data == {"slot": "midday"}


def test_a_real_batch_folder_collects_even_after_cells_are_deleted(store, tmp_path):
    roster_file = tmp_path / "roster.csv"
    roster_file.write_text("participant_id,group,program,language\nP-031,g,sie,en\n")
    out = tmp_path / "out"
    assert run_batch(roster_file, ROOT / "notebooks" / "sie" / "01_awareness.ipynb", out, workers=1,
                     progress=False).failures == []
    folder = out / "g" / "P-031"
    n = _fill(folder, "P-031", seed=3, days=3)
    nb_path = folder / "01_awareness.ipynb"
    nb = nbformat.read(nb_path, as_version=4)
    nb.cells = nb.cells[:2]   # the participant deleted most cells
    nbformat.write(nb, nb_path)
    rep = collect(store, parse_roster(roster_file.read_text()), out)
    assert rep.participants[0].added == n and store.group_members("g") == ["P-031"]


def test_cli_collect_writes_summaries(tmp_path, returned, capsys):
    src, _ = returned
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER)
    db = tmp_path / "facilitator.db"
    code = cli.main(["collect", "--roster", str(roster), "--from", str(src), "--summary-dir", str(tmp_path / "s"),
                     "--store", str(db)])
    out = capsys.readouterr().out
    assert code == 0 and "6 returned workbook(s) read, 1 not returned" in out
    page = (tmp_path / "s" / "sie" / "group-tue.html").read_text()
    assert "fewer than 5" in page and "<script" not in without_print_script(page)
    assert cli.main(["roster", str(roster)]) == 0
    assert "7 participant(s) in 1 group(s)" in capsys.readouterr().out


def _tamper(db: Path, entry_id: str, **changes) -> None:
    """What a participant can do to their own store file: add a revision by hand, past the software."""
    import sqlite3

    con = sqlite3.connect(db)
    row = dict(zip(COLUMNS, con.execute(f"SELECT {', '.join(COLUMNS)} FROM entries WHERE entry_id = ? "
                                          "ORDER BY revision DESC LIMIT 1", (entry_id,)).fetchone()))
    row.update({"revision": row["revision"] + 1, **changes})
    con.execute(f"INSERT INTO entries ({', '.join(row)}) VALUES ({', '.join('?' * len(row))})", list(row.values()))
    con.commit()
    con.close()


COLUMNS = ("entry_id", "revision", "client_id", "program_id", "phase_id", "exercise_id", "content_version",
           "occurred_at", "recorded_at", "recorded_by", "deleted", "data", "source_key")


@pytest.mark.parametrize("changes, reason", [
    ({"occurred_at": "not-a-date"}, "a time it happened that is not a date"),
    ({"occurred_at": "not-a-date", "deleted": 1}, "a time it happened that is not a date"),
    ({"occurred_at": "2099-01-01T10:00:00"}, "a time it happened that is not a date and time of the past"),
    ({"occurred_at": "2026-11-02 10:00"}, "a time it happened"),
    ({"recorded_at": "yesterday"}, "a time it was saved that is not"),
    ({"recorded_at": "2026-11-02T10:00:00"}, "with a time zone"),
    ({"recorded_at": "2000-01-01T00:00:00+00:00"}, "saved before its earlier revision"),
    ({"revision": 7}, "revision 7 where 2 was due"),
    ({"phase_id": "acceptance"}, "step 'acceptance', but the exercise is in 'awareness'"),
    ({"content_version": "x" * 500}, "a content version that is not one"),
    ({"recorded_by": "a\nb"}, "a recorder name that is not one"),
    ({"deleted": 1, "data": json.dumps({"slot": "<script>alert(1)</script>"})}, "(signal_scan): invalid"),
])
def test_a_hand_made_revision_is_validated_in_full_and_left_out(store, tmp_path, changes, reason):
    src = tmp_path / "returned"
    db = src / "g" / "P-031" / "securebase.db"
    n = _fill(db.parent, "P-031", seed=3, days=1)
    with Store(db) as theirs:
        entries = theirs.current_entries("P-031")
    other = next(e for e in entries if e.exercise_id == "signal_scan").entry_id
    _tamper(db, other, **changes)
    if changes.get("revision") is None:
        _tamper(db, other)            # a sound-looking revision after the bad one is left out with it
    rep = collect(store, parse_roster("participant_id,group,program,language\nP-031,g,sie,en\n"), src)
    (p,) = rep.participants
    assert p.status == "collected" and p.added == n, p
    assert any(reason in x for x in p.left_out), p.left_out
    assert sorted(e.entry_id for e in store.current_entries("P-031")) == sorted(e.entry_id for e in entries)
    assert store.get_entry(other).revision == 1 and not store.get_entry(other).deleted
    # what was taken still works downstream: the progress view's frame
    assert len(store.history_frame("P-031")) == n


def test_a_participant_ahead_of_the_facilitators_clock_and_a_login_name_with_spaces_are_fine(store, tmp_path):
    """A participant in a time zone ten hours ahead saves an entry at their 09:00, which is still yesterday
    evening for the facilitator; their computer's account is "Jane Doe". Both are ordinary: collected."""
    from datetime import datetime, timedelta, timezone

    src = tmp_path / "returned"
    db = src / "g" / "P-041" / "securebase.db"
    _fill(db.parent, "P-041", seed=4, days=1)
    with Store(db) as theirs:
        other = next(e for e in theirs.current_entries("P-041") if e.exercise_id == "signal_scan").entry_id
    ahead = (datetime.now(timezone.utc) + timedelta(hours=10)).replace(microsecond=0, tzinfo=None)
    _tamper(db, other, occurred_at=ahead.isoformat(), recorded_by="Jane Doe",
            recorded_at=datetime.now(timezone.utc).isoformat())
    rep = collect(store, parse_roster("participant_id,group,program,language\nP-041,g,sie,en\n"), src)
    (p,) = rep.participants
    assert p.left_out == [] and store.get_entry(other).revision == 2
