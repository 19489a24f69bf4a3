"""The clinic server in a real browser, as each person would use it (tests/clinic_hub.py): two clients, a
clinician, a supervisor and a researcher sign in, each lands on their own page; the clinician sets homework
on a client's progress page, the client does it from their own login, and the clinician then sees it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from clinic_hub import PEOPLE, person
from conftest import ARTIFACTS
from test_app_mode import TRIGGER, fill_pattern_journal

RESULT_MS = 120_000
CLIENT = {name: client for name, (_r, client, _k) in PEOPLE.items() if client}


def sign_in(browser, clinic, key: str):
    """A new browser, signed in as ``key`` (setting their own password the first time), at their landing page."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, ignore_https_errors=True)   # the test's own certificate
    page = context.new_page()
    page.set_default_timeout(RESULT_MS)
    name = person(key)
    page.goto(f"{clinic.base}/hub/login")
    page.locator("#username_input").fill(name)
    page.locator("#password_input").fill(clinic.password(name))
    page.locator("#login_submit").click()
    page.wait_for_load_state()
    if "/hub/securebase/password" in page.url:
        new = f"window garden kettle {key.replace('-', '')} 9"
        page.get_by_label("Your current password").fill(clinic.one_time[name])
        page.get_by_label("New password (12 characters at least)").fill(new)
        page.get_by_label("New password again").fill(new)
        page.get_by_role("button", name="Set password").click()
        clinic.own[name] = new
    page.wait_for_url(re.compile(rf"/user/{re.escape(name)}/voila/render/"), timeout=RESULT_MS)
    return context, page


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"clinic-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def programs(clinic):
    """The two clients follow the Security through Interpersonal Effectiveness program."""
    from datetime import date, timedelta

    from securebase.store import Store

    with Store(clinic.owner_url) as owner:
        for client in CLIENT.values():
            owner.update_client(client, program_id="sie", start_date=date.today() - timedelta(days=2))


def test_each_role_lands_on_its_own_page_and_never_on_jupyterlab(browser, clinic, programs):
    expected = {"ann": "Your practice today", "bea": "Your practice today", "dr-a": "A client: your label",
                "sue": "A client: your label", "rex": "Descriptive"}
    for key, heading in expected.items():
        context, page = sign_in(browser, clinic, key)
        try:
            expect(page.get_by_text(re.compile(heading)).first).to_be_visible(timeout=RESULT_MS)
            shot(page, key)
            # no JupyterLab: no menu bar, file browser, launcher or code editor (Voila's own shell is #main)
            expect(page.locator("#jp-top-panel, .jp-FileBrowser, .jp-Launcher, .jp-InputArea-editor")).to_have_count(0)
            if key in ("ann", "bea"):
                other = CLIENT["bea" if key == "ann" else "ann"]
                assert other not in page.content()
            if key in ("dr-a", "sue"):
                for client in CLIENT.values():
                    expect(page.get_by_text(client).first).to_be_visible(timeout=RESULT_MS)
            page.goto(page.url.split("/voila/")[0] + "/lab")
            assert "JupyterLab" not in page.content() and "Not available" in page.content()
        finally:
            context.close()


def test_homework_set_by_the_clinician_is_done_by_the_client_and_seen_by_the_clinician(browser, clinic, programs):
    ann = CLIENT["ann"]
    clinician_context, clinician = sign_in(browser, clinic, "dr-a")
    progress = f"{clinician.url.split('/voila/')[0]}/voila/render/sie/progress.ipynb?client_id={ann}"
    clinician.goto(progress)
    from securebase import content

    phase, exercise = content.program("sie").find_exercise("insecurity_pattern_journal")
    clinician.get_by_label("Exercise").select_option(label=f"{phase.title}: {exercise.title}")
    clinician.get_by_label("How often").select_option(label="every day")
    clinician.get_by_role("button", name="Set homework").click()
    expect(clinician.get_by_text(re.compile(r"^Set from "))).to_be_visible(timeout=RESULT_MS)
    shot(clinician, "clinician-sets-homework")

    client_context, client = sign_in(browser, clinic, "ann")
    expect(client.get_by_text("0 of 1 done today")).to_be_visible(timeout=RESULT_MS)
    shot(client, "client-today")
    client.get_by_role("link", name=re.compile(r"^Open ")).first.click()
    fill_pattern_journal(client)
    client.get_by_role("button", name="Save entry").first.click()
    expect(client.locator(".sb-status").filter(has_text="Saved:").first).to_be_visible(timeout=RESULT_MS)
    client.go_back()
    client.reload()
    expect(client.get_by_text("Done: 1 of 1 done today")).to_be_visible(timeout=RESULT_MS)
    client_context.close()

    clinician.goto(progress)
    expect(clinician.get_by_text("Homework: 1 of 1 set practices done (100%).")).to_be_visible(timeout=RESULT_MS)
    assert TRIGGER not in clinician.locator("text=Homework").first.inner_text()
    shot(clinician, "clinician-sees-homework")
    clinician_context.close()
