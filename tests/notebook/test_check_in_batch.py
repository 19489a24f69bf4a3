"""Batch mode (the papermill path) cannot ask a check-in: it saves the entry, records the unanswered
check-in for the clinician, prints plain lines saying so with the question(s) and where to turn,
and never loads ipywidgets."""

from __future__ import annotations

import subprocess
import sys

import yaml

from securebase import content
from securebase.notebook.workbook import Workbook
from securebase.safety.check_in import check_ins
from securebase.safety.flags import flags

ASKS = "I feel hopeless"                   # the check-in tier (see tests/safety/test_check_in.py)
ASKS_ABUSE = "He has never hit me."
DISCLOSURE = "After the fight I just wanted to kill myself."
ORDINARY = "They were slow to reply and I felt hurt and a bit lonely."
LOC = content.locale("en")
UNANSWERED = "may be close to risk"


def answers_file(tmp_path, *triggers, name="answers.yaml"):
    entries = [{"exercise": "activation_journal", "occurred_at": f"2026-03-0{i + 1} 20:00",
                "answers": {"trigger": t, "response": "withdraw", "intensity": 6}} for i, t in enumerate(triggers)]
    path = tmp_path / name
    path.write_text(yaml.safe_dump({"entries": entries}, allow_unicode=True), encoding="utf-8")
    return str(path)


def batch(tmp_path, answers_path, client_id="C-9401"):
    return Workbook("asb", "awareness", client_id=client_id, store_path=str(tmp_path / "s.db"), mode="batch",
                    answers_path=answers_path, output_dir=str(tmp_path / "out"))


def test_an_entry_close_to_risk_is_saved_and_its_check_in_left_for_the_clinician(tmp_path):
    wb = batch(tmp_path, answers_file(tmp_path, ORDINARY, ASKS))
    lines = repr(wb.exercise("activation_journal"))
    assert "new entries saved: 2" in lines
    assert f"1 saved entry {UNANSWERED}" in lines and "the clinician sees an unanswered check-in" in lines
    assert LOC.text("check_in_q_self_harm") in lines and LOC.text("check_in_q_abuse_danger") not in lines
    assert "Samaritans" in lines                                   # where to turn, since nothing was flagged
    [asked] = check_ins(wb.store, "C-9401")
    assert asked.categories == ("self_harm",) and not asked.answered
    assert wb.store.get_entry(asked.entry_id).data["trigger"] == ASKS
    assert flags(wb.store, "C-9401") == []                         # unanswered is not a yes
    assert "<" not in lines                                        # plain text, not HTML


def test_ordinary_entries_print_no_check_in_lines(tmp_path):
    wb = batch(tmp_path, answers_file(tmp_path, ORDINARY))
    lines = repr(wb.exercise("activation_journal"))
    assert UNANSWERED not in lines and "Samaritans" not in lines
    assert check_ins(wb.store, "C-9401") == []


def test_several_check_ins_are_counted_and_every_question_asked_once(tmp_path):
    wb = batch(tmp_path, answers_file(tmp_path, ASKS, ASKS_ABUSE, "I feel so hopeless lately"))
    lines = repr(wb.exercise("activation_journal"))
    assert f"3 saved entries {UNANSWERED}" in lines
    assert lines.count(LOC.text("check_in_q_self_harm")) == 1 and lines.count(LOC.text("check_in_q_abuse_danger")) == 1
    # the lines for both concerns come before the general ones
    general = lines.index("Find A Helpline")
    assert lines.index("Samaritans") < general and lines.index("National Domestic Abuse Helpline") < general
    assert len(check_ins(wb.store, "C-9401")) == 3


def test_a_flagged_entry_and_an_asked_one_are_both_reported(tmp_path):
    wb = batch(tmp_path, answers_file(tmp_path, DISCLOSURE, ASKS_ABUSE))
    lines = repr(wb.exercise("activation_journal"))
    assert "1 saved entry was flagged for the clinician (self-harm or suicide)" in lines
    assert f"1 saved entry {UNANSWERED}" in lines and LOC.text("check_in_q_abuse_danger") in lines
    assert [f.categories for f in flags(wb.store, "C-9401")] == [("self_harm",)]
    assert [c.categories for c in check_ins(wb.store, "C-9401")] == [("abuse_danger",)]


def test_running_the_same_answers_again_asks_nothing_new(tmp_path):
    path = answers_file(tmp_path, ASKS)
    batch(tmp_path, path).exercise("activation_journal")
    again = repr(batch(tmp_path, path).exercise("activation_journal"))
    assert UNANSWERED not in again
    wb = batch(tmp_path, path)
    assert len(check_ins(wb.store, "C-9401")) == 1


def test_batch_mode_with_a_check_in_never_loads_ipywidgets(tmp_path):
    path = answers_file(tmp_path, ASKS, ASKS_ABUSE)
    code = (
        "import sys\n"
        "from securebase.notebook.workbook import Workbook\n"
        f"wb = Workbook('asb', 'awareness', client_id='C-9402', store_path={str(tmp_path / 'b.db')!r}, mode='batch',"
        f" answers_path={path!r}, output_dir={str(tmp_path / 'out')!r})\n"
        "print(repr(wb.exercise('activation_journal')))\n"
        "print(repr(wb.summary()))\n"
        "assert 'ipywidgets' not in sys.modules, 'batch mode imported ipywidgets'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"2 saved entries {UNANSWERED}" in done.stdout and "Traceback" not in done.stdout


def test_flags_of_different_concerns_put_every_concerns_lines_first(tmp_path):
    wb = batch(tmp_path, answers_file(tmp_path, DISCLOSURE, "He said he would hurt me if I leave."))
    lines = repr(wb.exercise("activation_journal"))
    assert "2 saved entries were flagged" in lines and UNANSWERED not in lines
    general = lines.index("Find A Helpline")
    assert lines.index("Samaritans") < general and lines.index("National Domestic Abuse Helpline") < general
