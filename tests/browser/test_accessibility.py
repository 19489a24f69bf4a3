"""Every field has a label, and a form can be completed with the keyboard alone."""

from __future__ import annotations

import re

import pytest
from conftest import add_client
from playwright.sync_api import expect
from test_app_mode import RESULT_MS, open_home_and_add_client

# every visible control: its tag, type, the text of its <label>s, aria-label, title and own text
CONTROLS = """() => Array.from(document.querySelectorAll('input, textarea, select, button'))
  .filter(e => e.offsetParent !== null && e.type !== 'hidden')
  .map(e => ({tag: e.tagName, type: e.type || '',
              label: e.labels ? Array.from(e.labels).map(l => l.textContent.trim()).join(' ') : '',
              aria: e.getAttribute('aria-label') || '', title: e.getAttribute('title') || '',
              text: (e.textContent || '').trim()}))"""

PAGES = ["app/home.ipynb", "sie/01_awareness.ipynb", "sie/04_values_action.ipynb", "asb/03_co_creation.ipynb",
         "intake/relationship_check.ipynb"]


@pytest.mark.parametrize("notebook", PAGES)
def test_every_field_has_a_label(page, app_server, notebook):
    add_client(app_server, "C-3ACC5Y", notebook.partition("/")[0] if notebook.startswith("asb/") else "sie")
    page.goto(app_server.address(f"/voila/render/{notebook}?client_id=C-3ACC5Y"))
    page.wait_for_selector(".widget-button")
    controls = page.evaluate(CONTROLS)
    assert len(controls) > 3
    unlabelled, vague = [], []
    for c in controls:
        if c["tag"] == "BUTTON":
            name = c["aria"] or c["text"] or c["title"]
            if not name:
                unlabelled.append(c)
            continue
        name = c["label"] or c["aria"]
        if not name:
            unlabelled.append(c)
        elif re.fullmatch(r"[\d.\s:*]*", name):   # "1." says nothing about what to type
            vague.append(c)
    assert unlabelled == [] and vague == [], (unlabelled[:5], vague[:5])


def test_a_form_can_be_completed_with_the_keyboard_alone(page, app_server):
    client_id = open_home_and_add_client(page, app_server, "Security through Interpersonal Effectiveness")
    page.goto(app_server.address(f"/voila/render/sie/01_awareness.ipynb?client_id={client_id}"))
    page.wait_for_selector(".widget-button")
    page.locator("body").focus()
    done: set[str] = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        el = page.evaluate("""() => { const e = document.activeElement;
            return {tag: e.tagName, type: e.type || '', text: (e.textContent || '').trim(), title: e.getAttribute('title') || '',
                    label: e.labels && e.labels.length ? e.labels[0].textContent.trim() : ''}; }""")
        label = el["label"]
        if label == "When did it happen?" and el["type"] == "date" and "date" not in done:
            page.keyboard.type("03092026")               # the browser's date picker, by keyboard (month, day, year)
            done.add("date")
        elif label == "Time" and el["type"] == "time" and "time" not in done:
            page.keyboard.type("0630PM")
            done.add("time")
        elif label == "What happened just before the feeling started? *":
            page.keyboard.type("Typed with the keyboard only.")
        elif label in ("Which thoughts jumped in? *", "What did you do next? *"):
            page.keyboard.type("By keyboard.")
        elif label == "Which kind of moment was it? *" and "kind" not in done:
            page.keyboard.press("ArrowDown")
            done.add("kind")
        elif el["type"] == "checkbox" and label == "Fear":
            page.keyboard.press("Space")
        elif el["tag"] == "BUTTON" and el["title"].endswith(": 6") and "intensity" not in done:
            page.keyboard.press("Enter")
            done.add("intensity")
        elif el["tag"] == "BUTTON" and el["text"] == "Save entry":
            page.keyboard.press("Enter")
            break
    else:
        pytest.fail("the Save button was never reached with Tab")
    expect(page.locator(".sb-status").filter(has_text="Saved:").first).to_have_text("Saved: 2026-03-09 18:30. It is "
                                                                                 "in your history below.",
                                                                                 timeout=RESULT_MS)
    expect(page.locator("table.sb-history").first).to_contain_text("Typed with the keyboard only.", timeout=RESULT_MS)
    expect(page.locator("table.sb-history").first).to_contain_text("2026-03-09 18:30")
    assert done >= {"date", "time", "kind", "intensity"}
