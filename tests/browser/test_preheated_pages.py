"""Preheated pages (issue 15, point 8): the app keeps one kernel standing by for its most used pages.
A pooled kernel nobody is connected to outlives the culling of closed tabs' kernels, and when a page
is opened it shows the client its address names (and refuses an unknown one), and the home page
lists the clients as they are when it opens, not when its kernel started."""

from __future__ import annotations

import re
import time

import psutil

from conftest import add_client
from playwright.sync_api import expect
from test_app_mode import RESULT_MS

from securebase.app.server import CULL_IDLE_SECONDS, CULL_INTERVAL_SECONDS
from securebase.app.serverconf import POOL_REFILL_SECONDS, PREHEATED_PAGES

STEP1 = "sie/01_awareness.ipynb"


def kernel_processes(app_server) -> dict[str, psutil.Process]:
    """The server's running kernels by id (its child processes: Voila does not serve the list)."""
    found = {}
    for child in psutil.Process(app_server.process.pid).children(recursive=True):
        try:
            match = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(child.cmdline()))
        except psutil.Error:
            continue
        if match:
            found[match.group(1)] = child
    return found


def open_page(browser, app_server, path: str):
    """Open ``path`` in a new tab; the tab, and whether its kernel was preheated (started before the page
    was asked for)."""
    context = browser.new_context()
    tab = context.new_page()
    tab.set_default_timeout(RESULT_MS)
    asked = time.time()
    tab.goto(app_server.address(f"/voila/render/{path}"))
    tab.wait_for_function("document.querySelectorAll('.widget-button, .widget-html').length > 0", timeout=RESULT_MS)
    kernel = tab.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
    return context, tab, kernel, kernel_processes(app_server)[kernel].create_time() < asked


def wait_for_replacement(app_server, taken: str, since: float, timeout: float = 120) -> None:
    """Until the pool has started the kernel that replaces ``taken`` (a kernel started after ``since``,
    when the page was asked for; on a busy machine a kernel takes a while to start), and a little
    longer, for Voila to have it in its pool."""
    deadline = time.monotonic() + POOL_REFILL_SECONDS + timeout
    while time.monotonic() < deadline:
        if any(p.create_time() > since for k, p in kernel_processes(app_server).items() if k != taken):
            time.sleep(3)
            return
        time.sleep(0.5)
    raise AssertionError(f"no kernel replaced {taken} in the pool")


def test_pooled_kernels_outlive_culling_and_serve_the_client_their_address_names(browser, app_server):
    # Only the pools' kernels left: the earlier tests' closed tabs' kernels culled, and the pools refilled
    # (a kernel of a closed tab counted as a pooled one would make the check below fail when it is culled).
    deadline = time.monotonic() + CULL_IDLE_SECONDS + 2 * CULL_INTERVAL_SECONDS + 120
    while len(kernel_processes(app_server)) != len(PREHEATED_PAGES) and time.monotonic() < deadline:
        time.sleep(1)
    pooled = set(kernel_processes(app_server))   # on a busy machine a closed tab's kernel may outlive the wait:
    assert len(pooled) >= len(PREHEATED_PAGES)     # it is left out below once it is culled
    # long enough for any kernel nothing is connected to to be culled - but not the pools'
    time.sleep(CULL_IDLE_SECONDS + 2 * CULL_INTERVAL_SECONDS + 5)
    pooled &= set(kernel_processes(app_server))
    assert len(pooled) >= len(PREHEATED_PAGES), "a pooled kernel was culled"

    first, second = add_client(app_server, "C-HEAT01"), add_client(app_server, "C-HEAT02")   # after the pools started
    context, tab, kernel, preheated = open_page(browser, app_server, "app/home.ipynb")
    assert kernel in pooled and preheated                 # a kernel started before these clients were added
    for client in (first, second):
        expect(tab.get_by_role("row", name=re.compile(client))).to_be_visible(timeout=RESULT_MS)
    context.close()

    for n, client in enumerate((first, second)):
        asked = time.time()
        context, tab, kernel, preheated = open_page(browser, app_server, f"{STEP1}?client_id={client}")
        assert preheated and (n or kernel in pooled)     # the pool's kernel, then its replacement
        expect(tab.get_by_text(f"Client {client}").first).to_be_visible(timeout=RESULT_MS)
        expect(tab.get_by_role("button", name="Save entry").first).to_be_enabled(timeout=RESULT_MS)
        other = second if client == first else first
        assert other not in tab.locator("body").inner_text()
        context.close()
        wait_for_replacement(app_server, kernel, asked)        # the pool starts a replacement

    context, tab, kernel, preheated = open_page(browser, app_server, f"{STEP1}?client_id=C-TYPO99")
    assert preheated                                      # a refilled pool's kernel refuses an unknown client too
    alert = tab.get_by_role("alert").filter(has_text="This page cannot open")
    expect(alert).to_contain_text("There is no client with the code C-TYPO99", timeout=RESULT_MS)
    assert "Save entry" not in tab.locator("body").inner_text()
    context.close()
