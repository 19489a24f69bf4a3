"""A page for a client who is not in the store refuses, in plain words, and leads back to the
clients; it never creates one (issue 15, point 3)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect
from conftest import ARTIFACTS
from test_app_mode import RESULT_MS

from securebase.core.config import STORE_FILENAME
from securebase.store import Store

CASES = [
    ("client_id=C-TYPO99", "There is no client with the code C-TYPO99"),
    ("client_id=C-NL2345%0A", "which is not a client code"),
    ("", "its address names none"),
]


@pytest.mark.parametrize("query, says", CASES)
def test_a_page_for_an_unknown_client_refuses_and_leads_back(page, app_server, query, says):
    page.goto(app_server.address(f"/voila/render/sie/01_awareness.ipynb?{query}".rstrip("?")))
    alert = page.get_by_role("alert").filter(has_text="This page cannot open")
    expect(alert).to_be_visible(timeout=RESULT_MS)
    expect(alert).to_contain_text(says)
    if query == CASES[0][0]:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "page_refused_unknown_client.png"), full_page=True)
    body = page.locator("body").inner_text()
    assert "Insecurity pattern journal" not in body              # the rest of the page is hidden
    assert "Traceback" not in body and "show_tracebacks" not in body and "Save entry" not in body
    with Store(app_server.home / STORE_FILENAME) as store:
        assert store.get_client("C-TYPO99") is None and store.get_client("demo-001") is None   # no default client either
        assert not [c for c in store.list_clients() if not c.client_id.isprintable()]
    page.get_by_role("link", name="Back to the clients").click()
    expect(page.get_by_role("button", name="Add a new client")).to_be_visible(timeout=RESULT_MS)
