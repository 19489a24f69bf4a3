"""Preheated pages (issue 15, point 8): the app keeps one kernel standing by for its most used pages.
A pooled kernel nobody is connected to outlives the culling of closed tabs' kernels, and when a page
is opened it shows the client its address names (and refuses an unknown one), and the home page
lists the clients as they are when it opens, not when its kernel started."""

from __future__ import annotations

import json
import re
import time
import urllib.request

from conftest import add_client
from playwright.sync_api import expect
from test_app_mode import RESULT_MS

from securebase.app.server import CULL_IDLE_SECONDS, CULL_INTERVAL_SECONDS
from securebase.app.serverconf import PREHEATED_PAGES

STEP1 = "sie/01_awareness.ipynb"


def standing_by(app_server) -> set[str]:
    """The kernels no page is connected to (the pools', and closed tabs' not yet culled)."""
    with urllib.request.urlopen(app_server.address("/api/kernels"), timeout=10) as reply:
        return {k["id"] for k in json.loads(reply.read()) if k["connections"] == 0}


def wait_for_new_kernel(app_server, known: set[str]) -> set[str]:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        new = standing_by(app_server) - known
        if new:
            time.sleep(3)          # it has started; give it time to run its notebook up to the wait
            return new
        time.sleep(1)
    raise AssertionError("no pooled kernel started")


def open_page(browser, app_server, path: str):
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(RESULT_MS)
    tab.goto(app_server.address(f"/voila/render/{path}"))
    tab.wait_for_function("document.querySelectorAll('.widget-button, .widget-html').length > 0", timeout=RESULT_MS)
    kernel = tab.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    return context, tab, kernel


def test_pooled_kernels_outlive_culling_and_serve_the_client_their_address_names(browser, app_server):
    deadline = time.monotonic() + 120
    while len(standing_by(app_server)) < len(PREHEATED_PAGES) and time.monotonic() < deadline:
        time.sleep(1)
    pooled = standing_by(app_server)
    assert len(pooled) >= len(PREHEATED_PAGES)
    # long enough for any kernel nothing is connected to to be culled - but not the pools'
    time.sleep(CULL_IDLE_SECONDS + 2 * CULL_INTERVAL_SECONDS + 5)
    pooled &= standing_by(app_server)
    assert len(pooled) >= len(PREHEATED_PAGES), "a pooled kernel was culled"

    first, second = add_client(app_server, "C-HEAT01"), add_client(app_server, "C-HEAT02")   # after the pools started
    context, tab, kernel = open_page(browser, app_server, "app/home.ipynb")
    assert kernel in pooled                                   # a preheated kernel, started before these clients
    for client in (first, second):
        expect(tab.get_by_role("row", name=re.compile(client))).to_be_visible(timeout=RESULT_MS)
    context.close()

    known = standing_by(app_server)
    for client in (first, second):
        context, tab, kernel = open_page(browser, app_server, f"{STEP1}?client_id={client}")
        assert kernel in pooled | known                       # preheated: the first one, then its replacement
        expect(tab.get_by_text(f"Client {client}").first).to_be_visible(timeout=RESULT_MS)
        expect(tab.get_by_role("button", name="Save entry").first).to_be_enabled(timeout=RESULT_MS)
        other = second if client == first else first
        assert other not in tab.locator("body").inner_text()
        context.close()
        known = wait_for_new_kernel(app_server, known | {kernel}) | known

    context, tab, kernel = open_page(browser, app_server, f"{STEP1}?client_id=C-TYPO99")
    assert kernel in known                                    # a refilled pool's kernel refuses an unknown client too
    alert = tab.get_by_role("alert").filter(has_text="This page cannot open")
    expect(alert).to_contain_text("There is no client with the code C-TYPO99", timeout=RESULT_MS)
    assert "Save entry" not in tab.locator("body").inner_text()
    context.close()
