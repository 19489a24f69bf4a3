"""The clinician's widgets for flags: new flags at the top of the home page until acknowledged, and
the progress view's flag panel (category, date, exercise; matched words on request; no ids, no
crisis text; clearing refreshes the view, the report and the home page)."""

from __future__ import annotations

import re
from datetime import date

from securebase import content
from securebase.journal.entries import save_entry
from securebase.notebook.progress import ProgressWorkbook
from securebase.safety.flags import flags
from securebase.ui.home import HomePage
from securebase.ui.safety import ClearFlagControl

DISCLOSURE = "We argued about the rent again and afterwards I wanted to kill myself, honestly."
HEX_ID = re.compile(r"\b[0-9a-f]{8,}\b")


def _journal(store, program, client_id, text=DISCLOSURE):
    return save_entry(store, client_id, program, "insecurity_pattern_journal", {
        "trigger": text, "trigger_type": "other", "emotions": ["fear"], "automatic_thoughts": "Nobody cares.",
        "behaviour": "Went quiet.", "intensity": 9}, occurred_at="2026-03-09 21:00")


def _texts(widget) -> str:
    found = []
    for child in getattr(widget, "children", ()):
        found.append(_texts(child))
    for attr in ("value", "description"):
        value = getattr(widget, attr, None)
        if isinstance(value, str):
            found.append(value)
    return "\n".join(found)


def test_a_new_flag_stays_at_the_top_of_the_home_page_until_acknowledged(tmp_path):
    home = HomePage(store_path=str(tmp_path / "s.db"), today=date(2026, 3, 11))
    assert "No new safety flags" in _texts(home.notices.widget)
    home.store.ensure_client("C-8701", program_id="sie")
    sie = content.program("sie")
    ref = _journal(home.store, sie, "C-8701")
    home.refresh_button.click()
    assert home.widget.children.index(home.notices.widget) < home.widget.children.index(home.table)
    shown = _texts(home.notices.rows)
    title = sie.find_exercise("insecurity_pattern_journal")[1].title
    assert "C-8701" in shown and "self-harm or suicide" in shown and f"in {title}" in shown
    flag = flags(home.store, "C-8701")[0]
    assert flag.flagged_at[:10] in shown and "Acknowledge" in shown
    assert "kill" not in shown and flag.flag_id not in shown and ref.entry_id not in shown
    assert list(home.notices.buttons) == [flag.flag_id]

    home.notices.buttons[flag.flag_id].click()
    assert "Acknowledged the flag for C-8701" in home.notices.message.value
    assert "No new safety flags" in _texts(home.notices.rows) and home.notices.buttons == {}
    assert "1 open" in home.table.value                           # still open until cleared with a reason
    assert [r["action"] for r in home.store.audit_log(client_id="C-8701")].count("safety_ack") == 1
    again = HomePage(store_path=str(tmp_path / "s.db"), today=date(2026, 3, 11))
    assert again.notices.buttons == {}                            # acknowledged for good, not just on this page


def test_the_flag_panel_shows_category_date_and_exercise_and_words_only_on_request(tmp_path):
    pw = ProgressWorkbook("sie", client_id="C-8702", store_path=str(tmp_path / "s.db"), output_dir=str(tmp_path / "out"),
                          today="2026-03-11")
    ref = _journal(pw.store, pw.program, "C-8702")
    pw.refresh()
    control = ClearFlagControl(pw)
    flag = flags(pw.store, "C-8702")[0]
    shown = control.list.value + " ".join(label for label, _v in control.picker.options)
    title = pw.program.find_exercise("insecurity_pattern_journal")[1].title
    assert "self-harm or suicide" in shown and flag.flagged_at[:10] in shown and title in shown
    assert "rent" not in shown and "kill" not in shown                 # the client's text is not repeated
    assert not HEX_ID.search(shown) and ref.entry_id not in shown and flag.flag_id[:8] not in shown
    assert control.words.value == ""

    assert control.show_words.description == "Show matched words"
    control.show_words.value = True
    assert "kill myself" in control.words.value and "rent" not in control.words.value
    assert "honestly" not in control.words.value and not HEX_ID.search(control.words.value)
    assert control.show_words.description == "Hide matched words"   # the button says what a click does
    control.show_words.value = False
    assert control.words.value == "" and control.show_words.description == "Show matched words"


def test_a_yes_to_a_check_in_says_so_instead_of_words(tmp_path):
    from securebase.store.records import utc_now

    pw = ProgressWorkbook("sie", client_id="C-8703", store_path=str(tmp_path / "s.db"), output_dir=str(tmp_path / "out"),
                          today="2026-03-11")
    ref = _journal(pw.store, pw.program, "C-8703", text="Some days I wonder what the point of it all is.")
    with pw.store._write() as db:
        db.execute("INSERT INTO safety_check_ins VALUES ('q-9', 'C-8703', ?, 1, '[\"self_harm\"]', ?)",
                   (ref.entry_id, utc_now()))
        db.execute("INSERT INTO safety_check_in_answers VALUES ('q-9', 'yes', ?)", (utc_now(),))
        pw.store._flag(db, "C-8703", ref.entry_id, 1, ("self_harm",), utc_now())
    pw.refresh()
    control = ClearFlagControl(pw)
    assert "answered yes when asked directly" in control.list.value
    control.show_words.value = True
    assert "the client answered yes when asked directly" in control.words.value


def test_clearing_refreshes_the_view_the_report_and_the_home_page(tmp_path):
    store_path = str(tmp_path / "s.db")
    pw = ProgressWorkbook("sie", client_id="C-8704", store_path=store_path, output_dir=str(tmp_path / "out"),
                          today="2026-03-11")
    _journal(pw.store, pw.program, "C-8704")
    pw.refresh()
    pw.write_report()
    page = tmp_path / "out" / "progress.html"
    assert "Safety flags: 1 open, 0 cleared." in page.read_text()
    home = HomePage(store_path=store_path, today=date(2026, 3, 11))
    assert "1 open" in home.table.value and home.notices.buttons

    control = ClearFlagControl(pw)
    control.reason.value = "Seen the same evening; safety plan agreed."
    control.button.click()
    assert "Cleared" in control.message.value and "written again" in control.message.value
    assert "Safety flags: 0 open, 1 cleared." in control.list.value
    assert "Safety flags: 0 open, 1 cleared." in page.read_text() and "safety plan agreed" in page.read_text()
    home.refresh_button.click()
    assert "none open" in home.table.value and home.notices.buttons == {}  # a cleared flag is followed up
