"""App mode in a real browser, as a person would use it: home page, new client, a workbook, save,
reload, see the entry - and the same in JupyterLab."""

from __future__ import annotations

import re

from playwright.sync_api import expect

TRIGGER = "My partner read my message and did not answer for two hours."
RESULT_MS = 60_000   # how long to wait for the result of an action (a save, a page, a run): the machine may be busy


def open_home_and_add_client(page, app_server, program_title: str) -> str:
    page.goto(app_server.url)
    page.get_by_label("Program", exact=True).select_option(label=program_title)   # not the list's "In program"
    page.get_by_role("button", name="Add a new client").click()
    message = page.get_by_text(re.compile(r"Added client C-\w+"))
    expect(message).to_be_visible(timeout=RESULT_MS)
    return re.search(r"C-\w+", message.inner_text()).group(0)


def fill_pattern_journal(page, trigger: str = TRIGGER) -> None:
    page.get_by_label("What happened just before the feeling started? *").fill(trigger)
    page.get_by_label("Which kind of moment was it? *").select_option(label="A reply was slow or missing")
    page.get_by_label("Worry or anxiety").check()
    page.get_by_label("Which thoughts jumped in? *").fill("They are losing interest.")
    page.get_by_label("What did you do next? *").fill("Sent three more messages.")
    page.locator(".widget-toggle-buttons").filter(has_text="How strong").get_by_role("button", name="7").click()


def add_client_save_an_entry_and_reload(page, server) -> str:
    """Home page, a new client, their Step 1, a saved journal entry that is there after a reload."""
    client_id = open_home_and_add_client(page, server, "Security through Interpersonal Effectiveness")
    page.get_by_role("link", name=f"Open Step 1: Awareness for {client_id}").click()
    expect(page.get_by_text(f"Client {client_id}", exact=False).first).to_be_visible(timeout=RESULT_MS)
    assert "client_id=" + client_id in page.url
    expect(page.locator(".jp-InputArea-editor")).to_have_count(0)  # no code in app mode
    fill_pattern_journal(page)
    page.get_by_role("button", name="Save entry").first.click()
    expect(page.locator(".sb-status").filter(has_text="Saved:").first).to_have_text(re.compile(r"^Saved: "),
                                                                                 timeout=RESULT_MS)
    page.reload()
    expect(page.get_by_text(TRIGGER).first).to_be_visible(timeout=RESULT_MS)
    assert page.watched.dialogs == [] and page.watched.page_errors == []
    return client_id


def test_app_flow_home_workbook_save_reload(page, app_server):
    client_id = add_client_save_an_entry_and_reload(page, app_server)
    assert page.watched.external_requests == []   # the app fetches nothing from other sites
    page.goto(app_server.url)  # the home page now shows the entry's day
    expect(page.get_by_role("row", name=re.compile(client_id))).not_to_contain_text("none yet", timeout=RESULT_MS)


def run_all_cells(page) -> None:
    """*Run > Run All*, as a person would. The menu item is disabled until the notebook is the
    current document and its kernel is idle, so wait for both; if it is still disabled (or the run
    did not start), try again."""
    expect(page.get_by_text(re.compile(r"\| Idle"))).to_be_visible(timeout=RESULT_MS)
    first_prompt = page.locator(".jp-Notebook .jp-CodeCell .jp-InputPrompt").first
    current_tab = page.locator(".lm-DockPanel-tabBar .lm-TabBar-tab.jp-mod-current").filter(has_text=".ipynb")
    for _ in range(3):
        page.locator(".jp-Notebook .jp-Cell").first.click()
        expect(current_tab).to_be_visible(timeout=RESULT_MS)
        page.get_by_role("menuitem", name="Run", exact=True).click()
        item = page.get_by_role("menuitem", name=re.compile(r"^Run All( Cells)?$"))
        if item.get_attribute("aria-disabled") == "true":
            page.keyboard.press("Escape")
            expect(item).to_be_hidden(timeout=RESULT_MS)
            continue
        item.click()
        try:
            expect(first_prompt).not_to_have_text(re.compile(r"^\[\s*\]:?$"), timeout=RESULT_MS)
            return
        except AssertionError:
            continue
    raise AssertionError("Run > Run All did not start the notebook")


def test_same_flow_in_jupyterlab(page, lab_server):
    page.goto(lab_server.address("/lab/tree/sie/01_awareness.ipynb"))
    run_all_cells(page)
    fill_pattern_journal(page, trigger=TRIGGER + " (lab)")
    page.get_by_role("button", name="Save entry").first.click()
    expect(page.locator(".sb-status").filter(has_text="Saved:").first).to_have_text(re.compile(r"^Saved: "),
                                                                                 timeout=RESULT_MS)
    page.reload()
    run_all_cells(page)
    expect(page.get_by_text(TRIGGER + " (lab)").first).to_be_visible(timeout=RESULT_MS)
    assert page.watched.page_errors == []
