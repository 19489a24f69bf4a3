"""Hostile text typed into every free-text field shows as text - in the widgets, the history table
and an HTML report - and no script runs (page dialog, console and error hooks, and a canary)."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect
from test_app_mode import RESULT_MS, open_home_and_add_client

from securebase import content
from securebase.journal.entries import save_entry
from securebase.reports.handout import build_handout, write_handout
from securebase.store import Store

PAYLOADS = {
    "script": "<script>window.__xss=1;alert('xss-script')</script>",
    "img": "<img src=x onerror=\"window.__xss=2;alert('xss-img')\">",
    "svg": "<svg onload=\"window.__xss=3;alert('xss-svg')\"></svg>",
    "js_link": "<a href=\"javascript:window.__xss=4;alert('xss-link')\">click me</a>",
    "end_script": "</script><script>window.__xss=5;alert('xss-end')</script>",
    "math": "$$ \\int_0^1 x \\, dx = \\frac{1}{2} $$",
    "long": "L" * 1990 + " the end",
    "rtl": "I said \u202eevil.exe\u202c to them",
}
FREE_TEXT = ["What happened just before the feeling started? *", "Anything else about how it felt inside?",
             "Which thoughts jumped in? *", "What did you do next? *",
             "What did that bring you in the next few minutes or hours?",
             "What might this habit cost you or the relationship over time?"]


def assert_no_script_ran(page) -> None:
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert page.watched.dialogs == [], page.watched.dialogs
    assert page.watched.page_errors == [], page.watched.page_errors
    assert page.locator("img[src='x'], svg[onload], a[href^='javascript:'], script:text('__xss')").count() == 0


def save_hostile_entry(page, text: str) -> None:
    for label in FREE_TEXT:
        page.get_by_label(label).fill(text)
    page.get_by_label("Which kind of moment was it? *").select_option(label="Something else")
    page.get_by_label("Fear", exact=True).check()
    page.locator(".widget-toggle-buttons").filter(has_text="How strong").get_by_role("button", name="5").click()
    page.get_by_role("button", name="Save entry").first.click()
    expect(page.locator(".sb-status").filter(has_text="Saved:").first).to_have_text(re.compile(r"^Saved: "),
                                                                                 timeout=RESULT_MS)


def test_hostile_text_is_shown_as_text_in_widgets_and_history(page, app_server):
    client_id = open_home_and_add_client(page, app_server, "Security through Interpersonal Effectiveness")
    page.get_by_role("link", name=f"Open Step 1: Awareness for {client_id}").click()
    history = page.locator("table.sb-history").first
    for name, text in PAYLOADS.items():
        save_hostile_entry(page, text)
        shown = text if len(text) <= 200 else text[:199]
        expect(history).to_contain_text(shown, timeout=RESULT_MS)   # as text, character for character
        assert_no_script_ran(page)
    assert history.locator("mjx-container, .MathJax").count() == 0     # no maths typesetting of client text
    # a fresh page view renders the stored history again: still text, still no script
    page.reload()
    expect(page.locator("table.sb-history").first).to_contain_text(PAYLOADS["img"], timeout=RESULT_MS)
    assert_no_script_ran(page)
    with Store(app_server.home / "securebase.sqlite3") as store:
        saved = [e.data["trigger"] for e in store.current_entries(client_id)]
    assert sorted(saved) == sorted(PAYLOADS.values())   # stored exactly as typed


@pytest.mark.parametrize("what", ["handout"])
def test_hostile_text_in_an_html_report(page, tmp_path, what):
    sie = content.program("sie")
    with Store(tmp_path / "s.db") as store:
        store.ensure_client("C-2HOST7", program_id="sie", start_date=date(2026, 10, 1))
        for text in PAYLOADS.values():
            save_entry(store, "C-2HOST7", sie, "safety_statements",
                       {"statement": text[:300], "status": "active"}, occurred_at="2026-11-20T10:00:00")
        ctx = build_handout(store, "sie", "C-2HOST7", today=date(2026, 11, 23),
                            clinician_note=" ".join(PAYLOADS.values()))
    files = write_handout(tmp_path / "out", ctx, pdf=False)
    page.goto(files["html"].as_uri())
    body = page.locator("body")
    for name in ("script", "img", "svg", "js_link", "end_script", "math", "rtl"):
        expect(body).to_contain_text(PAYLOADS[name], timeout=RESULT_MS)
    assert_no_script_ran(page)
