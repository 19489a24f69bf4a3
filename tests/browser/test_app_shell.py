"""The app shell in a real browser (issue 15, points 1 and 5): a header, page titles, navigation
between a client's pages, no notebook scaffolding, a layout that fits a tablet, and plain error,
404 and sign-in pages. Screenshots of every page at 1400 and 768 px are kept in test-artifacts/."""

from __future__ import annotations

import re

import nbformat
import pytest
from conftest import ARTIFACTS, add_client
from playwright.sync_api import expect
from test_app_mode import RESULT_MS

CLIENT = "C-5HELL2"
PAGES = {
    "home": ("app/home.ipynb", "Clients · Secure Base"),
    "step1": (f"sie/01_awareness.ipynb?client_id={CLIENT}", "Step 1: Awareness · Security through Interpersonal Effectiveness · Secure Base"),
    "step4": (f"sie/04_values_action.ipynb?client_id={CLIENT}", "Step 4: Values-guided action · Security through Interpersonal Effectiveness · Secure Base"),
    "progress": (f"sie/progress.ipynb?client_id={CLIENT}", "Progress · Security through Interpersonal Effectiveness · Secure Base"),
    "check": (f"intake/relationship_check.ipynb?client_id={CLIENT}", "Relationship security check · Secure Base"),
}
SCAFFOLDING = re.compile(r"Run All|first cell|JupyterLab|show_tracebacks|jupyter server list", re.I)


def _open(page, app_server, path: str) -> None:
    page.goto(app_server.address(f"/voila/render/{path}"))
    page.wait_for_function("document.querySelectorAll('.widget-button, .widget-html').length > 0", timeout=RESULT_MS)
    expect(page.locator(".sb-header")).to_be_visible(timeout=RESULT_MS)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("width", [1400, 768])
def test_every_page_has_the_shell_and_fits(page, app_server, name, width):
    add_client(app_server, CLIENT, "sie")
    path, title = PAGES[name]
    page.set_viewport_size({"width": width, "height": 1000})
    _open(page, app_server, path)
    page.wait_for_timeout(1000)   # late widgets
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"shell_{name}_{width}.png"), full_page=True)
    assert page.title() == title
    expect(page.get_by_role("link", name="Secure Base")).to_be_visible()
    text = page.locator("body").inner_text()
    assert not SCAFFOLDING.search(text), SCAFFOLDING.search(text).group(0)
    headings = [h.strip() for h in page.locator("h1, h2, h3").all_inner_texts() if h.strip()]
    assert len(headings) == len(set(headings)), headings          # no heading twice
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the window"
    assert page.watched.external_requests == []


def test_a_clients_pages_lead_to_each_other(page, app_server):
    add_client(app_server, CLIENT, "sie")
    _open(page, app_server, PAGES["step1"][0])
    nav = page.get_by_role("navigation", name=f"Pages of client {CLIENT}")
    expect(nav.locator("[aria-current=page]")).to_have_text("Step 1: Awareness")
    nav.get_by_role("link", name="Progress").click()
    expect(page).to_have_title(PAGES["progress"][1], timeout=RESULT_MS)
    assert f"client_id={CLIENT}" in page.url
    page.get_by_role("navigation", name=f"Pages of client {CLIENT}").get_by_role("link", name="Relationship check").click()
    expect(page).to_have_title(PAGES["check"][1], timeout=RESULT_MS)
    page.get_by_role("navigation", name=f"Pages of client {CLIENT}").get_by_role("link", name="Clients").click()
    expect(page).to_have_title(PAGES["home"][1], timeout=RESULT_MS)


def test_a_failing_cell_says_so_in_plain_words(page, app_server):
    probe = app_server.home / "workbooks" / "probe_error.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('before')"),
                                                   nbformat.v4.new_code_cell("raise RuntimeError('internal detail 42')")],
                                            metadata={"title": "Probe · Secure Base"}), probe)
    page.goto(app_server.address("/voila/render/probe_error.ipynb"))
    expect(page.get_by_role("alert").filter(has_text="This part of the page could not be shown")).to_be_visible(timeout=RESULT_MS)
    text = page.locator("body").inner_text()
    assert "internal detail 42" not in text and "Traceback" not in text and not SCAFFOLDING.search(text)


def test_missing_pages_and_sign_in_are_plain(page, app_server, browser):
    page.goto(app_server.address("/voila/render/no_such_page.ipynb"))
    expect(page.get_by_role("heading", name="There is no such page")).to_be_visible(timeout=RESULT_MS)
    assert "Voil" not in page.locator("body").inner_text()
    page.screenshot(path=str(ARTIFACTS / "shell_404.png"), full_page=True)
    fresh = browser.new_context()   # no login cookie
    try:
        other = fresh.new_page()
        other.goto(f"{app_server.base}/voila/render/app/home.ipynb")
        expect(other.get_by_role("heading", name="Sign in")).to_be_visible(timeout=RESULT_MS)
        text = other.locator("body").inner_text()
        assert not SCAFFOLDING.search(text) and "password" not in text.lower()
        other.screenshot(path=str(ARTIFACTS / "shell_sign_in.png"), full_page=True)
        other.get_by_label("Address or token").fill("not the token")
        other.get_by_role("button", name="Sign in").click()
        expect(other.get_by_role("alert")).to_contain_text("not the address or token", timeout=RESULT_MS)
        other.get_by_label("Address or token").fill(app_server.url)        # the whole printed address works
        other.get_by_role("button", name="Sign in").click()
        expect(other.get_by_role("button", name="Add a new client")).to_be_visible(timeout=RESULT_MS)
    finally:
        fresh.close()


def test_a_pages_kernel_goes_soon_after_its_tab_closes(browser, app_server):
    import time
    import urllib.error
    import urllib.request

    context = browser.new_context()
    tab = context.new_page()
    tab.goto(app_server.url)
    tab.wait_for_function("document.querySelectorAll('.widget-button').length > 0", timeout=RESULT_MS)
    kernel = tab.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")

    def alive() -> bool:
        try:
            urllib.request.urlopen(app_server.address(f"/api/kernels/{kernel}"), timeout=10)
            return True
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
            return False

    assert alive()
    tab.wait_for_timeout(45_000)          # an open page keeps its kernel however long it sits idle
    assert alive()
    closed = time.monotonic()
    context.close()
    while alive():
        assert time.monotonic() - closed < 60, "the kernel outlived its closed tab by a minute"
        time.sleep(2)


@pytest.mark.parametrize("name", sorted(PAGES))
def test_no_serious_accessibility_violations(page, app_server, name):
    """axe-core (axe-playwright-python) on every app page: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    add_client(app_server, CLIENT, "sie")
    _open(page, app_server, PAGES[name][0])
    page.wait_for_timeout(1000)
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert violations == [], [(v["id"], v["impact"], v["nodes"][0]["html"][:120]) for v in violations]
