"""The home page for a real caseload (issue 15, point 6) in a real browser: search, each filter, the
orders, archiving and bringing back (with a confirm step), linking a couple from the page, a private
label; screenshots at 1400 and 768 px in test-artifacts/, axe-core, and the keyboard alone.

The app server is shared by the whole session, so each test makes clients of its own under a prefix
and searches for that prefix."""

from __future__ import annotations

import re
import stat
from datetime import date, timedelta

import pytest
from conftest import ARTIFACTS
from playwright.sync_api import expect
from test_app_mode import RESULT_MS


def _seed(server, prefix: str) -> dict[str, str]:
    """Six clients: flagged (sie), quiet for 60 days (sie), fresh (asb), two partners (asb), one archived.
    A rerun of a test gets clients of its own (``prefix`` with X added, in ``codes["prefix"]``): the first
    attempt may have archived or linked its clients."""
    from securebase.core.config import STORE_FILENAME
    from securebase.couples.dyads import link_couple
    from securebase.store import Store

    today = date.today()
    with Store(server.home / STORE_FILENAME) as store:
        while store.get_client(f"C-{prefix}1") is not None:
            prefix += "X"
    codes = {name: f"C-{prefix}{n}" for n, name in enumerate(("flagged", "quiet", "fresh", "pa", "pb", "gone"), 1)}
    with Store(server.home / STORE_FILENAME) as store:
        for name, code in codes.items():
            program = "sie" if name in ("flagged", "quiet", "gone") else "asb"
            start = today - timedelta(days=60 if name == "quiet" else 3)
            store.ensure_client(code, program_id=program, start_date=start)
            if name != "quiet":
                store.add_entry(code, program_id=program, phase_id="awareness", exercise_id="insecurity_pattern_journal"
                                if program == "sie" else "activation_journal", content_version="1", data={},
                                occurred_at=f"{today - timedelta(days=1)}T10:00:00",
                                safety_categories=["self_harm"] if name == "flagged" else [])
        link_couple(store, codes["pa"], codes["pb"], program_id="asb")
        store.set_archived(codes["gone"], True)
    return {**codes, "prefix": prefix}


def _open(page, server) -> None:
    page.goto(server.url)
    expect(page.get_by_role("button", name="Add a new client")).to_be_visible(timeout=RESULT_MS)


def _search(page, text: str) -> None:
    page.get_by_label("Search").fill(text)
    page.get_by_label("Search").press("Enter")


def _pick(page, field: str, code: str) -> None:
    """Choose a client in a picker by their code (an option's text is the code, maybe with a label after it)."""
    select = page.get_by_label(field, exact=True)
    texts = select.locator("option").all_inner_texts()
    select.select_option(label=next(t for t in texts if t.split()[:1] == [code]))   # ipywidgets writes &nbsp;


def _rows(page, prefix: str) -> set[str]:
    page.wait_for_timeout(300)
    ids = page.locator("table.sb-home tr[id]").evaluate_all("rows => rows.map(r => r.id.slice(7))")
    return {i for i in ids if i.startswith(f"C-{prefix}")}


def _expect_rows(page, prefix: str, expected: set[str]) -> None:
    for _ in range(100):
        if _rows(page, prefix) == expected:
            return
    assert _rows(page, prefix) == expected


@pytest.mark.parametrize("width", [1400, 768])
def test_search_filters_and_order(page, app_server, width):
    c = _seed(app_server, f"HS{width // 100}")
    prefix = c["prefix"]
    page.set_viewport_size({"width": width, "height": 1000})
    _open(page, app_server)
    _search(page, prefix.lower())
    current = {c[n] for n in ("flagged", "quiet", "fresh", "pa", "pb")}
    _expect_rows(page, prefix, current)                                   # the archived client is hidden
    expect(page.get_by_role("status").filter(has_text="archived, not shown")).to_be_visible()
    couple = page.locator("tbody.sb-couple").filter(has_text=c["pa"])
    expect(couple.get_by_role("rowheader")).to_contain_text(f"{c['pa']} and {c['pb']}")
    for partner in ("pa", "pb"):      # each partner has their own pages
        expect(couple.get_by_role("link", name=f"Progress for {c[partner]}")).to_be_visible()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"home_caseload_{width}.png"), full_page=True)
    page.get_by_role("heading", name="Link a couple").scroll_into_view_if_needed()
    page.screenshot(path=str(ARTIFACTS / f"home_caseload_{width}_forms.png"))
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the window"
    button = page.get_by_role("button", name="Add a new client").bounding_box()
    assert button["x"] >= 0 and button["x"] + button["width"] <= width      # not cut off

    page.get_by_label("Safety flags").select_option(label="Open flags")
    _expect_rows(page, prefix, {c["flagged"]})
    page.get_by_label("Safety flags").select_option(label="Any")
    page.get_by_label("In program").select_option(label="Autonomy-Security Balance")
    _expect_rows(page, prefix, {c["fresh"], c["pa"], c["pb"]})
    page.get_by_label("In program").select_option(label="Every program")
    page.get_by_label("Only inactive").check()
    _expect_rows(page, prefix, {c["quiet"]})
    expect(page.locator(f"[id='client-{c['quiet']}']")).to_contain_text("inactive")
    page.get_by_label("Only inactive").uncheck()
    page.get_by_label("Step or phase").select_option(label="Step 1: Awareness")
    _expect_rows(page, prefix, {c["flagged"]})
    page.get_by_label("Step or phase").select_option(label="Every step")
    page.get_by_label("Show").select_option(label="Archived clients")
    _expect_rows(page, prefix, {c["gone"]})
    page.get_by_label("Show").select_option(label="Current clients")
    _expect_rows(page, prefix, current)

    def order() -> list[str]:
        page.wait_for_timeout(500)
        ids = page.locator("table.sb-home tr[id]").evaluate_all("rows => rows.map(r => r.id.slice(7))")
        return [i for i in ids if i.startswith(f"C-{prefix}")]

    page.get_by_label("Order").select_option(label="Client code")
    expect(page.locator("table.sb-home tr[id]").first).to_have_attribute("id", f"client-{c['flagged']}")
    assert order() == [c[n] for n in ("flagged", "quiet", "fresh", "pa", "pb")]
    page.get_by_label("Order").select_option(label="Latest activity first")
    expect(page.locator("table.sb-home tr[id]").last).to_have_attribute("id", f"client-{c['quiet']}")
    page.get_by_label("Order").select_option(label="Open flags first")
    expect(page.locator("table.sb-home tr[id]").first).to_have_attribute("id", f"client-{c['flagged']}")
    _search(page, "no such client at all")
    expect(page.get_by_text("No client matches the search and filters")).to_be_visible()
    assert page.watched.page_errors == [] and page.watched.dialogs == []


def test_archive_asks_first_and_can_be_undone(page, app_server):
    c = _seed(app_server, "HAR")
    _open(page, app_server)
    _search(page, "c-" + c["prefix"].lower())
    _expect_rows(page, c["prefix"], {c[n] for n in ("flagged", "quiet", "fresh", "pa", "pb")})
    _pick(page, "Client", c["fresh"])
    page.get_by_role("button", name="Archive this client").click()
    question = page.get_by_text(f"Archive {c['fresh']}?")
    expect(question).to_be_visible()
    page.screenshot(path=str(ARTIFACTS / "home_archive_confirm.png"), full_page=True)
    page.get_by_role("button", name="Cancel").first.click()
    expect(question).to_be_hidden()
    assert c["fresh"] in _rows(page, c["prefix"])
    page.get_by_role("button", name="Archive this client").click()
    page.get_by_role("button", name="Yes, archive").click()
    expect(page.get_by_text(f"{c['fresh']} archived.")).to_be_visible(timeout=RESULT_MS)
    _expect_rows(page, c["prefix"], {c[n] for n in ("flagged", "quiet", "pa", "pb")})
    page.get_by_label("Show").select_option(label="Archived clients")
    _expect_rows(page, c["prefix"], {c["fresh"], c["gone"]})
    page.get_by_role("button", name="Bring back from the archive").click()
    expect(page.get_by_text(f"{c['fresh']} is back in the list.")).to_be_visible(timeout=RESULT_MS)
    _expect_rows(page, c["prefix"], {c["gone"]})


def test_a_couple_is_linked_from_the_page(page, app_server):
    c = _seed(app_server, "HCP")
    _open(page, app_server)
    _search(page, "c-" + c["prefix"].lower())
    _pick(page, "Partner A", c["flagged"])
    _pick(page, "Partner B", c["flagged"])
    page.get_by_role("button", name="Check and link as a couple").click()
    expect(page.get_by_role("alert").filter(has_text="two different clients")).to_be_visible(timeout=RESULT_MS)
    _pick(page, "Partner B", c["pa"])
    page.get_by_role("button", name="Check and link as a couple").click()
    expect(page.get_by_role("alert").filter(has_text=f"{c['pa']} is already linked with {c['pb']}")).to_be_visible(
        timeout=RESULT_MS)
    _pick(page, "Partner B", c["quiet"])
    page.get_by_role("button", name="Check and link as a couple").click()
    page.get_by_role("button", name="Link them").click()
    expect(page.get_by_text(re.compile(rf"Linked {c['flagged']} and {c['quiet']} as couple D-"))).to_be_visible(
        timeout=RESULT_MS)
    couple = page.locator("tbody.sb-couple").filter(has_text=c["quiet"])
    expect(couple.get_by_role("rowheader")).to_contain_text(f"{c['flagged']} and {c['quiet']}")
    expect(couple.locator("tr[id]")).to_have_count(2)
    page.screenshot(path=str(ARTIFACTS / "home_couple_linked.png"), full_page=True)


def test_a_private_label_is_kept_outside_the_store(page, app_server):
    from securebase.core.config import STORE_FILENAME

    c = _seed(app_server, "HLB")
    _open(page, app_server)
    _pick(page, "Client", c["quiet"])
    page.get_by_label("Your private label").fill("<b>Tues</b> 3pm")
    page.get_by_role("button", name="Save label").click()
    expect(page.get_by_role("status").filter(has_text=f"Label of {c['quiet']} saved")).to_be_visible(timeout=RESULT_MS)
    _search(page, "tues</b> 3P")
    _expect_rows(page, c["prefix"], {c["quiet"]})
    expect(page.locator(f"[id='client-{c['quiet']}'] .sb-label")).to_have_text("<b>Tues</b> 3pm")   # as text
    page.get_by_label("Your private label").fill("x" * 41)
    page.get_by_role("button", name="Save label").click()
    expect(page.get_by_role("alert").filter(has_text="at most 40 characters")).to_be_visible(timeout=RESULT_MS)
    files = list((app_server.home / "private-labels").glob("*.json"))
    assert len(files) == 1 and stat.S_IMODE(files[0].stat().st_mode) == 0o600
    for path in app_server.home.glob(f"{STORE_FILENAME}*"):
        assert b"Tues</b> 3pm" not in path.read_bytes()


def test_home_has_no_serious_accessibility_violations(page, app_server):
    from axe_playwright_python.sync_playwright import Axe

    c = _seed(app_server, "HAX")
    _open(page, app_server)
    _search(page, "c-" + c["prefix"].lower())
    _expect_rows(page, c["prefix"], {c[n] for n in ("flagged", "quiet", "fresh", "pa", "pb")})
    _pick(page, "Client", c["fresh"])
    page.get_by_role("button", name="Archive this client").click()      # with the confirm step open too
    expect(page.get_by_role("button", name="Yes, archive")).to_be_visible()
    violations = [v for v in Axe().run(page).response["violations"] if v["impact"] in ("serious", "critical")]
    assert violations == [], [(v["id"], v["impact"], v["nodes"][0]["html"][:120]) for v in violations]


def test_the_keyboard_alone_searches_and_archives(page, app_server):
    c = _seed(app_server, "HKB")
    _open(page, app_server)
    page.locator("body").focus()

    def tab_to(test, limit: int = 80) -> dict:
        seen = []
        for _ in range(limit):
            page.keyboard.press("Tab")
            el = page.evaluate("""() => { const e = document.activeElement;
                return {tag: e.tagName, text: (e.textContent || '').trim(),
                        label: e.labels && e.labels.length ? e.labels[0].textContent.trim() : ''}; }""")
            if test(el):
                return el
            seen.append(el)
        pytest.fail(f"never reached with Tab: {seen[:12]} ... {seen[-5:]}")

    tab_to(lambda el: el["label"] == "Search", limit=150)
    page.keyboard.type("c-" + c["prefix"].lower())
    page.keyboard.press("Enter")
    _expect_rows(page, c["prefix"], {c[n] for n in ("flagged", "quiet", "fresh", "pa", "pb")})
    tab_to(lambda el: el["label"] == "Client" and el["tag"] == "SELECT", limit=150)
    options = page.get_by_label("Client", exact=True).locator("option").all_inner_texts()
    for _ in range(options.index(c["fresh"])):
        page.keyboard.press("ArrowDown")
    expect(page.get_by_label("Client", exact=True)).to_have_value(c["fresh"])
    tab_to(lambda el: el["tag"] == "BUTTON" and el["text"] == "Archive this client")
    page.keyboard.press("Enter")
    expect(page.get_by_role("button", name="Yes, archive")).to_be_visible()
    tab_to(lambda el: el["tag"] == "BUTTON" and el["text"] == "Yes, archive", limit=5)
    page.keyboard.press("Enter")
    expect(page.get_by_text(f"{c['fresh']} archived.")).to_be_visible(timeout=RESULT_MS)
    _expect_rows(page, c["prefix"], {c[n] for n in ("flagged", "quiet", "pa", "pb")})
