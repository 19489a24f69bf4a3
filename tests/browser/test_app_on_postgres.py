"""The app on a clinic's PostgreSQL store, in a real browser, as a clinician logged in as their own role:
add a client, open their workbook, save, reload, see the entry; the database has it under that role."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from conftest import _free_port, _start, _stop
from securebase.store import Store
from test_app_mode import RESULT_MS, TRIGGER, fill_pattern_journal, open_home_and_add_client

pytestmark = pytest.mark.postgres
TAG = uuid.uuid4().hex[:6]


@pytest.fixture(scope="module")
def clinic_app(pg_cluster, tmp_path_factory):
    url = pg_cluster.create_database(f"app_{TAG}")
    with Store(url) as owner:
        owner.add_person(f"lee-{TAG}", "clinician")
    as_lee = url.replace("postgres@", f"sb_lee_{TAG}@", 1)
    server = _start(["app", "--port", str(_free_port())], tmp_path_factory.mktemp("pgapp"),
                    r"http://127\.0\.0\.1:\d+/voila/render/app/home\.ipynb\?token=\S+",
                    {"SECUREBASE_DATABASE_URL": as_lee})
    yield server, url
    _stop(server)
    pg_cluster.drop_database(f"app_{TAG}")


def test_a_clinician_works_in_the_app_on_the_clinic_store(page, clinic_app):
    server, url = clinic_app
    client_id = open_home_and_add_client(page, server, "Security through Interpersonal Effectiveness")
    page.get_by_role("link", name=f"Open Step 1: Awareness for {client_id}").click()
    expect(page.get_by_text(f"Client {client_id}", exact=False).first).to_be_visible(timeout=RESULT_MS)
    fill_pattern_journal(page)
    page.get_by_role("button", name="Save entry").first.click()
    expect(page.locator(".sb-status").filter(has_text="Saved:").first).to_have_text(re.compile(r"^Saved: "),
                                                                                 timeout=RESULT_MS)
    page.reload()
    expect(page.get_by_text(TRIGGER).first).to_be_visible(timeout=RESULT_MS)
    assert page.watched.dialogs == [] and page.watched.page_errors == []
    with Store(url) as owner:
        entries = owner.current_entries(client_id)
        assert [e.data["trigger"] for e in entries] == [TRIGGER] and entries[0].recorded_by == f"sb_lee_{TAG}"
        reads = [a for a in owner.audit_log(client_id=client_id) if a["action"] == "read"]
        assert reads and {a["actor"] for a in reads} == {f"sb_lee_{TAG}"}   # opening the workbook was audited
    assert not list(server.home.glob("*.sqlite3"))   # nothing went into an embedded store on the side
