"""The app on a clinic's PostgreSQL store, in a real browser, as a clinician logged in as their own role:
add a client, open their workbook, save, reload, see the entry; the database has it under that role."""

from __future__ import annotations

import uuid

import pytest

from conftest import _free_port, _start, _stop
from securebase.store import Store
from test_app_mode import TRIGGER, add_client_save_an_entry_and_reload

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
    client_id = add_client_save_an_entry_and_reload(page, server)
    with Store(url) as owner:
        entries = owner.current_entries(client_id)
        assert [e.data["trigger"] for e in entries] == [TRIGGER] and entries[0].recorded_by == f"sb_lee_{TAG}"
        reads = [a for a in owner.audit_log(client_id=client_id) if a["action"] == "read"]
        assert reads and {a["actor"] for a in reads} == {f"sb_lee_{TAG}"}   # opening the workbook was audited
    assert not list(server.home.glob("*.sqlite3"))   # nothing went into an embedded store on the side
