"""Reports in the browser (issue 15, point 2): the relationship check's action report and card, the
progress report and the handout open, download and print from the page that made them; the app serves
them behind its login and only from the clients' report folders; every check's report is kept."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from conftest import ARTIFACTS, add_client
from playwright.sync_api import expect
from test_app_mode import RESULT_MS

CLIENT = "C-REP0R7"
# Records a print instead of opening the browser's print dialog, which a headless browser cannot show.
PRINT_PROBE = "window.print = () => { document.documentElement.dataset.printed = 'yes'; };"


def _check_page(page, app_server):
    page.goto(app_server.address(f"/voila/render/intake/relationship_check.ipynb?client_id={CLIENT}"))
    expect(page.get_by_role("button", name="See my result")).to_be_visible(timeout=RESULT_MS)


def _answer_and_submit(page, occasion: str | None = None, answer: str = "5") -> None:
    if occasion:
        page.get_by_label("Occasion").select_option(label=occasion)
    groups = page.locator(".widget-toggle-buttons")
    for n in range(3):
        groups.nth(n).get_by_role("button", name=answer, exact=True).click()
    page.get_by_role("button", name="See my result").click()
    expect(page.get_by_role("status").filter(has_text="Saved.")).to_be_visible(timeout=RESULT_MS)


def _shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"reports_{name}.png"), full_page=True)


def test_the_action_report_opens_downloads_and_prints_and_every_check_is_kept(page, app_server, tmp_path):
    add_client(app_server, CLIENT, "asb")
    page.context.add_init_script(PRINT_PROBE)
    _check_page(page, app_server)
    expect(page.get_by_label("Occasion")).to_have_value("Intake")
    expect(page.get_by_text(f"For client {CLIENT}.")).to_be_visible()
    _answer_and_submit(page)
    report_links = page.locator(".sb-files li").filter(has_text="Action report").first
    expect(report_links.get_by_role("link", name="Open Action report, page")).to_be_visible()
    page.set_viewport_size({"width": 1400, "height": 1000})
    report_links.scroll_into_view_if_needed()
    _shot(page, "check_1400")
    page.set_viewport_size({"width": 768, "height": 1000})
    report_links.scroll_into_view_if_needed()
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, f"the page is {overflow} px wider than the window"
    _shot(page, "check_768")

    with page.context.expect_page() as opened:                    # Open: the report in a new tab
        report_links.get_by_role("link", name="Open Action report, page").click()
    report = opened.value
    report.wait_for_load_state()
    expect(report.get_by_role("heading", name=re.compile("where to start"))).to_be_visible()
    assert urlsplit(report.url).path.startswith(f"/securebase/files/{CLIENT}/reports/intake/relationship_check/")
    report.get_by_role("button", name="Print").click()            # the report's own Print button
    expect(report.locator("html")).to_have_attribute("data-printed", "yes")
    report.emulate_media(media="print")                           # and the button is not on paper
    expect(report.get_by_role("button", name="Print")).to_be_hidden()
    report.set_viewport_size({"width": 1400, "height": 1000})
    report.emulate_media(media="screen")
    _shot(report, "action_report")
    report.close()

    with page.context.expect_page() as opened:                    # Print: opens and prints at once
        report_links.get_by_role("link", name="Print Action report, page").click()
    printed = opened.value
    expect(printed.locator("html")).to_have_attribute("data-printed", "yes", timeout=RESULT_MS)
    printed.close()

    with page.expect_download() as download:                      # Download: saved, not shown
        report_links.get_by_role("link", name="Download Action report, page").click()
    saved = tmp_path / "saved.html"
    download.value.save_as(saved)
    assert download.value.suggested_filename == "action_report.html" and "where to start" in saved.read_text()
    card = page.locator(".sb-files li").filter(has_text="Result card").first
    with page.expect_download() as download:
        card.get_by_role("link", name="Download Result card, picture").click()
    assert download.value.suggested_filename == "result_card.png"

    # a second check is a milestone by default, and the first one's report is still there
    _check_page(page, app_server)
    expect(page.get_by_label("Occasion")).to_have_value("Milestone")
    _answer_and_submit(page, occasion="Follow-up", answer="2")
    checks = page.locator(".sb-checks > li")
    expect(checks).to_have_count(2)
    expect(checks.nth(0)).to_contain_text("Follow-up")
    expect(checks.nth(1)).to_contain_text("Intake")
    for n in range(2):
        href = checks.nth(n).get_by_role("link", name="Open Action report, page").get_attribute("href")
        response = page.context.request.get(app_server.base + href, headers={"Referer": page.url})
        assert response.ok and "where to start" in response.text()
    assert page.watched.page_errors == []


def test_the_progress_report_and_handout_open_from_the_progress_page(page, app_server):
    add_client(app_server, CLIENT, "asb")
    page.goto(app_server.address(f"/voila/render/asb/progress.ipynb?client_id={CLIENT}"))
    write = page.get_by_role("button", name="Write progress report")
    expect(write).to_be_visible(timeout=RESULT_MS)
    expect(page.get_by_text("No progress report yet")).to_be_visible()
    write.click()
    expect(page.get_by_role("status").filter(has_text="Written just now.")).to_be_visible(timeout=RESULT_MS)
    with page.context.expect_page() as opened:
        page.get_by_role("link", name="Open Progress report, page").click()
    report = opened.value
    report.wait_for_load_state()
    expect(report.get_by_role("heading", name=re.compile("progress"))).to_be_visible()
    chart = report.locator("img").first                            # its chart loads under the report's policy
    expect(chart).to_be_visible()
    assert report.evaluate("document.images[0].naturalWidth") > 0
    report.close()

    page.get_by_role("button", name="Write handout").click()
    expect(page.get_by_role("status").filter(has_text="Handout written.")).to_be_visible(timeout=RESULT_MS)
    handout = page.locator(".sb-files li").filter(has_text="Handout").first
    with page.context.expect_page() as opened:
        handout.get_by_role("link", name="Open Handout, page").click()
    expect(opened.value.get_by_role("heading", name="Session summary and homework")).to_be_visible(timeout=RESULT_MS)
    opened.value.close()
    page.set_viewport_size({"width": 1400, "height": 1000})
    handout.scroll_into_view_if_needed()
    _shot(page, "progress_1400")
    page.set_viewport_size({"width": 768, "height": 1000})
    handout.scroll_into_view_if_needed()
    _shot(page, "progress_768")
    assert page.watched.page_errors == []


def test_files_need_the_login_and_come_only_from_report_folders(page, app_server, browser):
    add_client(app_server, CLIENT, "asb")
    secret = app_server.home / "clients" / CLIENT / "notes.html"
    secret.parent.mkdir(parents=True, exist_ok=True)
    secret.write_text("private")
    folder = app_server.home / "clients" / CLIENT / "reports" / "probe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ok.html").write_text("<h1>fine</h1>")
    (folder / "leak.html").symlink_to(app_server.home / "run" / "app" / "voila.json")
    base = f"{app_server.base}/securebase/files/{CLIENT}"

    stranger = browser.new_context()                               # no login: no file
    response = stranger.request.get(f"{base}/reports/probe/ok.html", max_redirects=0)
    assert response.status in (302, 403) and "fine" not in response.text()
    stranger.close()

    page.goto(app_server.url)                                      # signed in (the token sets the cookie)
    ok = page.context.request.get(f"{base}/reports/probe/ok.html", headers={"Referer": app_server.base + "/"})
    assert ok.ok and "fine" in ok.text()
    policy = ok.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "unsafe" not in policy.split("script-src")[1].split(";")[0]
    for path in ("notes.html", "reports/probe/leak.html", "reports/../../../run/app/voila.json",
                 "reports/%2e%2e/%2e%2e/%2e%2e/run/app/voila.json", "reports/probe/missing.html"):
        response = page.context.request.get(f"{base}/{path}", headers={"Referer": app_server.base + "/"})
        assert response.status in (403, 404), path
        assert "private" not in response.text() and "token" not in response.text() and "Traceback" not in response.text()
    page.goto(f"{base}/reports/probe/missing.html")
    expect(page.get_by_role("heading", name="File not available")).to_be_visible()


def test_jupyterlab_serves_the_same_report_files_behind_its_login(page, lab_server, browser):
    folder = lab_server.home / "clients" / CLIENT / "reports" / "probe"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "ok.html").write_text("<h1>fine</h1>")
    url = f"{lab_server.base}/securebase/files/{CLIENT}/reports/probe/ok.html"
    stranger = browser.new_context()
    response = stranger.request.get(url, max_redirects=0)
    assert response.status in (302, 403) and "fine" not in response.text()
    stranger.close()
    page.goto(lab_server.url)
    expect(page.locator(".jp-LabShell, #jp-main-dock-panel").first).to_be_visible(timeout=RESULT_MS)
    ok = page.context.request.get(url, headers={"Referer": lab_server.base + "/"})
    assert ok.ok and "fine" in ok.text()
