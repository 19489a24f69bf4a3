"""The check-in in a real browser: a save close to risk asks the person directly; "I'd rather not
say" shows where to turn, raises no flag, and the entry is in the history as written."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from test_app_mode import RESULT_MS, fill_pattern_journal, open_home_and_add_client

from securebase.safety.check_in import check_ins
from securebase.safety.flags import flags
from securebase.store import Store

CLOSE_TO_RISK = "I feel hopeless lately, and then the message went unanswered."


def test_a_check_in_answered_rather_not_say_shows_the_resources_and_keeps_the_entry(page, app_server):
    client_id = open_home_and_add_client(page, app_server, "Security through Interpersonal Effectiveness")
    page.get_by_role("link", name=f"Open Step 1: Awareness for {client_id}").click()
    fill_pattern_journal(page, trigger=CLOSE_TO_RISK)
    page.get_by_role("button", name="Save entry").first.click()
    expect(page.locator(".sb-status").filter(has_text="Saved:").first).to_be_visible(timeout=RESULT_MS)
    question = page.get_by_role("group", name=re.compile("ask you directly"))
    expect(question).to_contain_text("Are you thinking about ending your life", timeout=RESULT_MS)
    page.get_by_role("button", name="I'd rather not say").click()
    expect(page.get_by_text("That's all right. Here is where to turn")).to_be_visible(timeout=RESULT_MS)
    resources = page.locator(".sb-safety").filter(has_text="Samaritans").first
    expect(resources).to_be_visible(timeout=RESULT_MS)
    expect(resources).to_contain_text("116 123")
    expect(page.get_by_role("button", name="I'd rather not say")).to_have_count(0)   # one answer, then gone
    expect(page.locator("table.sb-history").first).to_contain_text(CLOSE_TO_RISK, timeout=RESULT_MS)
    assert page.watched.dialogs == [] and page.watched.page_errors == []
    with Store(app_server.home / "securebase.sqlite3") as store:
        assert [c.answer for c in check_ins(store, client_id)] == ["rather_not_say"]
        assert flags(store, client_id) == []
