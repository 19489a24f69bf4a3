"""Live workshops without widgets: content validation, the agenda plan, suppressed polls, batch runs."""

from __future__ import annotations

import json
import random
import stat
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import nbformat
import papermill as pm
import pytest
import yaml

from securebase import content
from securebase import workshop as W
from securebase.nbgen import workshop as workshop_notebook
from securebase.notebook.workshop import WorkshopSession, run_batch
from securebase.core.errors import ContentError
from securebase.store import Store
from securebase.notebook.parameters import ParameterError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / workshop_notebook.NOTEBOOK
WORKSHOPS = ROOT / "content" / "workshops"
NOW = datetime(2026, 3, 2, 9, 50, 30)
LOC = content.locale("en")


def _base() -> dict:
    """A small valid workshop file (as data) that tests break one way at a time."""
    return {
        "id": "demo",
        "title": "Demo workshop",
        "program": "asb",
        "length_minutes": 30,
        "segments": [
            {"id": "grounding", "title": "Arriving", "minutes": 5, "description": "Settle in."},
            {"id": "demo", "title": "Timeout demonstration", "minutes": 20, "description": "Acted out."},
            {"id": "closing", "title": "Closing round", "minutes": 5, "description": "One thing to try."},
        ],
        "polls": [
            {"id": "first_move", "question": "What do you do first?", "field": "asb/activation_journal/response"},
            {"id": "phrase", "question": "Which phrase fits?", "segment": "demo",
             "options": [{"value": "a", "label": "Phrase A"}, {"value": "b", "label": "Phrase B"}]},
        ],
    }


def _write(tmp_path: Path, data: dict, name: str = "demo") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def _load(tmp_path: Path, data: dict) -> W.Workshop:
    return W.load_workshop_file(_write(tmp_path, data))


# ---------------------------------------------------------------- content


def test_every_program_has_a_valid_workshop():
    found = W.workshops()
    assert {w.program for w in found.values()} == set(content.programs())
    for ws in found.values():
        assert ws.segments and ws.polls
        for poll in ws.polls:
            assert len(W.poll_options(poll)) >= 2
    assert [s.id for s in found["asb_intro"].segments][:1] == ["grounding"]
    assert found["asb_intro"].segment("timeout_demo").minutes == 20
    assert W.check_content()[0].startswith("workshop asb_intro (asb): 7 segments")


def test_poll_options_come_from_the_content_field():
    ws = W.workshop("sie_intro")
    spec = content.program("sie").find_exercise("insecurity_pattern_journal")[1].field("trigger_type")
    assert W.poll_options(ws.poll("common_triggers")) == spec.choices
    explicit = W.workshop("asb_intro").poll("reconnection_phrase")
    assert explicit.source == "workshop" and W.poll_options(explicit) == explicit.options


def test_a_valid_file_loads(tmp_path):
    ws = _load(tmp_path, _base())
    assert ws.total_minutes == 30 and ws.poll("phrase").segment == "demo"


def _break(change):
    data = _base()
    change(data)
    return data


BAD_FILES = {
    "unknown program": (lambda d: d.update(program="xyz"),
                        "program", "unknown program 'xyz'; set 'program' to one of: asb, sie"),
    "zero minutes": (lambda d: d["segments"][1].update(minutes=0),
                     "segments[1] (demo).minutes", "minutes must be a whole number above 0, not 0"),
    "negative minutes": (lambda d: d["segments"][0].update(minutes=-5),
                         "segments[0] (grounding).minutes", "above 0, not -5"),
    "minutes not a number": (lambda d: d["segments"][0].update(minutes="five"),
                             "segments[0] (grounding).minutes", "valid integer"),
    "duplicate segment": (lambda d: d["segments"][2].update(id="grounding"), "(top level)",
                          "duplicate segment id 'grounding'"),
    "duplicate poll": (lambda d: d["polls"][1].update(id="first_move"), "(top level)", "duplicate poll id 'first_move'"),
    "not a choice field": (lambda d: d["polls"][0].update(field="asb/activation_journal/trigger"),
                           "polls[0] (first_move)", "is a long_text field, not a choice field"),
    "bad reference": (lambda d: d["polls"][0].update(field="activation_journal.response"),
                      "polls[0] (first_move)", "must name a field as program/exercise/field"),
    "unknown exercise": (lambda d: d["polls"][0].update(field="asb/nope/response"),
                         "polls[0] (first_move)", "program 'asb' has no exercise 'nope'"),
    "unknown field": (lambda d: d["polls"][0].update(field="asb/activation_journal/nope"),
                      "polls[0] (first_move)", "has no field 'nope' (choice fields of 'activation_journal': "),
    "both sources": (lambda d: d["polls"][1].update(field="asb/activation_journal/response"),
                     "polls[1] (phrase)", "not both"),
    "no options": (lambda d: d["polls"][1].pop("options"), "polls[1] (phrase)", "a poll needs options"),
    "one option": (lambda d: d["polls"][1].update(options=[{"value": "a", "label": "A"}]),
                   "polls[1] (phrase)", "at least two 'options'"),
    "duplicate option": (lambda d: d["polls"][1]["options"][1].update(value="a"),
                         "polls[1] (phrase)", "duplicate option value 'a'"),
    "unknown segment": (lambda d: d["polls"][1].update(segment="lunch"), "(top level)",
                        "names the segment 'lunch', which this workshop does not have"),
    "no segments": (lambda d: d.update(segments=[]), "segments", "at least 1 item"),
    "free text option": (lambda d: d["polls"][1].update(free_text=True), "polls[1] (phrase).free_text",
                         "Extra inputs are not permitted"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_gets_a_clear_message(tmp_path, case):
    change, where, message = BAD_FILES[case]
    with pytest.raises(ContentError) as info:
        _load(tmp_path, _break(change))
    assert info.value.where == where
    assert message in info.value.problem
    assert str(info.value).startswith(str(tmp_path / "demo.yaml"))


def test_the_id_must_match_the_file_name_and_yaml_must_parse(tmp_path):
    with pytest.raises(ContentError, match="does not match the file name 'other.yaml'"):
        W.load_workshop_file(_write(tmp_path, _base(), name="other"))
    broken = tmp_path / "broken.yaml"
    broken.write_text("id: [unclosed\n", encoding="utf-8")
    with pytest.raises(ContentError, match="not valid YAML"):
        W.load_workshop_file(broken)


def test_unknown_workshop_lists_the_known_ones():
    with pytest.raises(KeyError, match="known workshops .*asb_intro, sie_intro"):
        W.workshop("nope")
    with pytest.raises(ParameterError, match="workshop: unknown workshop 'nope'"):
        WorkshopSession("nope")


# ---------------------------------------------------------------- the agenda


def test_plan_gives_clock_times_totals_and_overrun(tmp_path):
    plan = W.plan_agenda(W.workshop("asb_intro"), datetime(2026, 3, 2, 10, 0))
    assert [(W.clock(s.start), W.clock(s.end)) for s in plan.segments][:4] == [
        ("10:00", "10:05"), ("10:05", "10:15"), ("10:15", "10:30"), ("10:30", "10:50")]
    assert plan.total_minutes == 90 and W.clock(plan.end) == "11:30" and plan.overrun_minutes == 0
    assert plan.summary_text(LOC) == "Planned: 90 minutes, 10:00 to 11:30."

    sie = W.plan_agenda(W.workshop("sie_intro"), datetime(2026, 3, 2, 18, 30))
    assert sie.total_minutes == 85 and sie.spare_minutes == 5 and "5 of the 90 minutes booked are spare" in sie.summary_text(LOC)

    long = _base()
    long["length_minutes"] = 25
    over = W.plan_agenda(_load(tmp_path, long), datetime(2026, 3, 2, 23, 45, 59))
    assert W.clock(over.start) == "23:45" and W.clock(over.end) == "00:15"   # seconds dropped; past midnight is fine
    assert over.overrun_minutes == 5 and "5 minutes more than the 25 minutes booked" in over.summary_text(LOC)
    assert over.as_dict()["segments"][1] == {"id": "demo", "title": "Timeout demonstration", "minutes": 20,
                                             "start": "23:50", "end": "00:10", "description": "Acted out."}

    no_length = _base()
    no_length.pop("length_minutes")
    assert W.plan_agenda(_load(tmp_path, no_length), NOW).booked_minutes == 30


def test_projection_says_whether_the_session_runs_late():
    plan = W.plan_agenda(W.workshop("asb_intro"), datetime(2026, 3, 2, 10, 0))
    # the demo (10:30-10:50) started 3 minutes late: at 10:35 it has run 2 minutes
    late = W.projection(plan, "timeout_demo", 120, datetime(2026, 3, 2, 10, 35))
    assert W.clock(late.end) == "11:33" and late.late_minutes == 3
    assert late.text(LOC) == "At this pace the session ends at 11:33, 3 min later than planned."
    early = W.projection(plan, "timeout_demo", 600, datetime(2026, 3, 2, 10, 36))
    assert early.late_minutes == -4 and "4 min earlier" in early.text(LOC)
    on_time = W.projection(plan, "closing_round", 300, datetime(2026, 3, 2, 11, 25))
    assert on_time.late_minutes == 0 and on_time.text(LOC) == "At this pace the session ends on time, at 11:30."


def test_timer_text_and_start_time():
    seg = W.plan_agenda(W.workshop("asb_intro"), NOW).segment("grounding")
    assert W.timer_text(seg, 0, LOC) == "Ready: 5:00"
    assert W.timer_text(seg, 61, LOC) == "3:59 left of 5:00"
    assert W.timer_text(seg, 300, LOC) == "Time is up for Arriving."
    assert W.parse_start_time("", NOW) == datetime(2026, 3, 2, 9, 50)
    assert W.parse_start_time(" 9:05 ", NOW) == datetime(2026, 3, 2, 9, 5)
    for bad in ("9.30", "24:00", "10:60", "ten"):
        with pytest.raises(ParameterError, match="write it as HH:MM"):
            W.parse_start_time(bad, NOW)


# ---------------------------------------------------------------- polls and suppression


def _visible_counts(result: W.PollResult) -> list[int]:
    return [row["count"] for row in result.rows() if row["count"] is not None]


def test_poll_result_includes_options_nobody_chose_and_hides_small_counts():
    poll = W.workshop("sie_intro").poll("common_triggers")
    result = W.poll_result(poll, {"slow_reply": 9, "partner_away": 3, "attention_elsewhere": 6,
                                  "criticism_conflict": 2, "gone": 50})
    rows = {row["id"]: row for row in result.rows()}
    assert list(rows) == [o.value for o in W.poll_options(poll)]       # every option, in content order
    assert rows["partner_away"]["count"] is None and rows["partner_away"]["text"] == "fewer than 5"
    assert rows["other"]["count"] is None                               # nobody chose it: a 0, hidden too
    assert rows["slow_reply"] == {"id": "slow_reply", "label": "A reply was slow or missing", "count": 9, "text": "9"}
    assert result.total == 20 and result.total_text == "20"            # an answer for a dropped option is left out
    bars = W.chart_bars(result)
    assert [(b.height, b.text, b.hidden) for b in bars[:3]] == [(9.0, "9", False), (5.0, "fewer than 5", True),
                                                               (6.0, "6", False)]
    # hidden counts that add up to less than k take the next smallest with them
    assert W.poll_result(poll, {"slow_reply": 9, "partner_away": 3, "attention_elsewhere": 6}).rows()[2]["count"] is None
    tiny = W.poll_result(poll, {"slow_reply": 4})
    assert tiny.total is None and tiny.total_text == "fewer than 5" and not _visible_counts(tiny)


def test_no_count_below_k_is_ever_shown():
    rng = random.Random(7)
    poll = W.workshop("sie_intro").poll("body_signals")
    ids = [o.value for o in W.poll_options(poll)]
    for k in (5, 6, 10):
        for _ in range(300):
            counts = {i: rng.choice([0, 0, 1, 2, 3, 4, 5, 6, 9, 15]) for i in rng.sample(ids, rng.randint(0, len(ids)))}
            result = W.poll_result(poll, counts, k=k)
            assert all(c >= k for c in _visible_counts(result))
            assert result.total is None or result.total >= k
            for bar in W.chart_bars(result):
                assert bar.height >= k and (bar.hidden or int(bar.text) >= k)
            hidden = [row["count"] is None for row in result.rows()]
            assert sum(hidden) != 1, "a single hidden count could be worked out from the total"


def test_answers_are_anonymous_and_must_be_options(store):
    poll = W.workshop("asb_intro").poll("first_move")
    W.record_answer(store, "s1", poll, "withdraw")
    assert store.poll_counts("s1", "first_move") == {"withdraw": 1}
    with pytest.raises(ValueError, match="'hide' is not an option of poll 'first_move'; its options are: pursue"):
        W.record_answer(store, "s1", poll, "hide")
    with pytest.raises(ParameterError, match="session_id"):
        W.record_answer(store, "bad id!", poll, "withdraw")
    columns = [r[1] for r in store._db.execute("PRAGMA table_info(poll_votes)")]
    assert "client_id" not in columns


# ---------------------------------------------------------------- parameters and batch


def test_parameters_are_checked_with_plain_messages(tmp_path):
    common = {"store_path": str(tmp_path / "s.db"), "now": NOW}
    with pytest.raises(ParameterError, match="mode must be 'interactive' or 'batch'"):
        WorkshopSession("asb_intro", mode="live", **common)
    with pytest.raises(ParameterError, match="k must be a whole number of 5 or more, not 3"):
        WorkshopSession("asb_intro", k=3, **common)
    with pytest.raises(ParameterError, match="session_id 'a b' is not a usable label"):
        WorkshopSession("asb_intro", session_id="a b", **common)
    session = WorkshopSession("asb_intro", **common)
    try:
        assert session.session_id == "asb_intro-2026-03-02"
        assert session.results_path == W.default_results_path("asb_intro-2026-03-02")
        assert W.clock(session.plan.start) == "09:50"
    finally:
        session.close()


def _assert_suppressed(document: dict, k: int = 5) -> None:
    for poll in document["polls"]:
        assert poll["total"] is None or poll["total"] >= k
        for row in poll["options"]:
            assert row["count"] is None or row["count"] >= k
            assert row["text"] == "fewer than 5" if row["count"] is None else row["text"] == str(row["count"])


def test_run_batch_writes_the_plan_and_suppressed_polls(tmp_path):
    store_path = tmp_path / "s.db"
    with Store(store_path) as store:
        for option, n in (("pursue", 7), ("withdraw", 3), ("attack", 2), ("freeze", 6)):
            for _ in range(n):
                store.add_poll_vote("evening", "first_move", option)
        store.add_poll_vote("other-session", "first_move", "attack")
    out = tmp_path / "out" / "results.json"
    run = run_batch("asb_intro", store_path=str(store_path), session_id="evening", start_time="18:00",
                      results_path=str(out), now=NOW)
    assert run.path == out and stat.S_IMODE(out.stat().st_mode) == 0o600
    document = json.loads(out.read_text())
    assert document == run.document
    assert document["workshop"] == {"id": "asb_intro", "title": W.workshop("asb_intro").title, "program": "asb",
                                    "program_title": "Autonomy-Security Balance"}
    assert document["session_id"] == "evening" and document["k"] == 5
    assert document["plan"]["start"] == "18:00" and document["plan"]["end"] == "19:30"
    assert [p["id"] for p in document["polls"]] == ["body_signals", "first_move", "reconnection_phrase"]
    first_move = {r["id"]: r["count"] for r in document["polls"][1]["options"]}
    assert first_move == {"pursue": 7, "withdraw": None, "attack": None, "freeze": 6}
    assert document["polls"][1]["total"] == 18
    _assert_suppressed(document)
    assert "  Withdrew - pulled back, went quiet or left: fewer than 5" in run.lines
    assert run.lines[-1] == f"Results written to {out}"
    with Store(store_path) as store:
        exports = [a for a in store.audit_log() if a["action"] == "export"]
    assert exports and exports[-1]["object_id"] == "workshop:evening"


def test_batch_mode_never_imports_ipywidgets(tmp_path):
    code = (
        "import sys\n"
        "from securebase.notebook.workshop import WorkshopSession, run_batch\n"
        f"run_batch('sie_intro', store_path={str(tmp_path / 's.db')!r}, results_path={str(tmp_path / 'r.json')!r})\n"
        f"ws = WorkshopSession('sie_intro', mode='batch', store_path={str(tmp_path / 's.db')!r})\n"
        "print(repr(ws.intro())); print(repr(ws.agenda())); print(repr(ws.polls()))\n"
        "assert 'ipywidgets' not in sys.modules, 'batch mode imported ipywidgets'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert "Planned: 85 minutes" in done.stdout and "<" not in done.stdout
    assert (tmp_path / "r.json").exists()


# ---------------------------------------------------------------- the notebook


def test_committed_notebook_matches_its_builder_and_conventions():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    template = workshop_notebook.build_workshop_notebook()
    assert [(c.cell_type, c.source) for c in nb.cells] == [(c.cell_type, c.source) for c in template.cells], (
        "notebook is out of date: regenerate it with securebase.nbgen.workshop.write_workshop_notebook")
    first = next(c for c in nb.cells if c.cell_type == "code")
    assert first.metadata.get("tags") == ["parameters"]
    lines = first.source.splitlines()[1:]
    assert all(line.count("=") == 1 for line in lines), "a second '=' on a line hides the parameter from papermill"
    declared = pm.inspect_notebook(str(NOTEBOOK))
    assert list(declared) == ["workshop", "store_path", "session_id", "mode", "start_time", "k", "results_path"]
    assert all(declared[n]["help"] for n in declared)
    assert declared["k"]["inferred_type_name"] == "int" and declared["k"]["default"] == "5"
    text = NOTEBOOK.read_text()
    assert "injected-parameters" not in text and "widgets" not in nb.metadata
    assert "/tmp/" not in text and "/work/" not in text
    for cell in nb.cells:
        assert all(o.output_type != "error" for o in cell.get("outputs", []))


def test_notebook_runs_in_batch_with_papermill(tmp_path):
    store_path = tmp_path / "s.db"
    with Store(store_path) as store:
        for option, n in (("slow_reply", 5), ("partner_away", 2)):
            for _ in range(n):
                store.add_poll_vote("group-a", "common_triggers", option)
    results = tmp_path / "results.json"
    pm.execute_notebook(
        str(NOTEBOOK), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"workshop": "sie_intro", "store_path": str(store_path), "session_id": "group-a", "mode": "batch",
                    "start_time": "18:30", "k": 5, "results_path": str(results)},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    document = json.loads(results.read_text())
    assert document["plan"]["start"] == "18:30" and document["plan"]["spare_minutes"] == 5
    triggers = {r["id"]: r["count"] for r in document["polls"][0]["options"]}
    assert triggers["partner_away"] is None and triggers["slow_reply"] is None   # 5 and 2: 2 hidden, so 5 too
    assert document["polls"][0]["total"] == 7
    _assert_suppressed(document)
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    outputs = [o for c in executed.cells for o in c.get("outputs", [])]
    assert not any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in outputs)
    printed = json.dumps([o.get("data", {}).get("text/plain", "") for o in outputs])
    assert "18:30-18:35  Arriving (5 min)" in printed and "Results written to" in printed
