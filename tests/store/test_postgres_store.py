"""The store on PostgreSQL: what differs from SQLite (the actor, URLs, protections, backups), and the
transaction boundaries. Everything else runs on both backends through the shared `store` fixture."""

from __future__ import annotations

import pytest
import sqlalchemy

from securebase.cli import main
from securebase.core import config
from securebase.core.errors import StoreError
from securebase.store import Store, migrate
from securebase.store.engine import WRITE_LOCK

pytestmark = pytest.mark.postgres


def raw(url: str, *statements: str) -> list:
    """Run statements as the cluster's superuser, beside the store; the last one's rows."""
    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            result = None
            for statement in statements:
                result = conn.exec_driver_sql(statement)
            return result.fetchall() if result is not None and result.returns_rows else []
    finally:
        engine.dispose()


def test_the_actor_is_the_database_role_not_what_the_caller_or_environment_says(pg_url, monkeypatch):
    monkeypatch.setenv("SECUREBASE_ACTOR", "someone-else")
    with Store(pg_url, actor="also-not-me") as store:
        assert store.actor == "postgres"
        store.ensure_client("C-PGAC01")
        assert {row["actor"] for row in store.audit_log()} == {"postgres"}


def test_a_new_database_gets_the_schema_through_the_migrations(pg_url):
    Store(pg_url).close()
    assert raw(pg_url, "SELECT version_num FROM alembic_version") == [(migrate.HEAD,)]
    types = dict(raw(pg_url, "SELECT column_name, data_type FROM information_schema.columns "
                             "WHERE table_name = 'entries'"))
    assert types["data"] == "jsonb" and types["revision"] == "integer"


def test_a_store_whose_protections_were_dropped_or_disabled_is_not_opened(pg_url):
    with Store(pg_url) as store:
        store.ensure_client("C-PGPR01")
    raw(pg_url, "ALTER TABLE audit DISABLE TRIGGER audit_no_update")
    with pytest.raises(StoreError, match="audit_no_update dropped outside Secure Base"):
        Store(pg_url)
    raw(pg_url, "ALTER TABLE audit ENABLE TRIGGER audit_no_update", "DROP TRIGGER entries_no_delete ON entries")
    with pytest.raises(StoreError, match="entries_no_delete dropped outside Secure Base"):
        Store(pg_url)


def test_a_newer_store_is_refused_and_left_alone(pg_url):
    Store(pg_url).close()
    raw(pg_url, "UPDATE alembic_version SET version_num = 'f00dcafe'")
    for upgrade in (False, True):
        with pytest.raises(StoreError, match="written by a newer Secure Base"):
            Store(pg_url, upgrade=upgrade)
    assert raw(pg_url, "SELECT version_num FROM alembic_version") == [("f00dcafe",)]


def test_an_entry_its_head_audit_row_and_flag_commit_together_or_not_at_all(pg_url, monkeypatch):
    tables = ("entries", "entry_heads", "audit", "audit_chain", "safety_flags")
    with Store(pg_url) as store:
        store.ensure_client("C-PGTX01")
        before = {t: store._db.execute(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables}

        def fail(*args, **kwargs):   # the last step of a save (the check-in record) fails
            raise RuntimeError("the check-in could not be recorded")

        monkeypatch.setattr(Store, "_check_in", fail)
        with pytest.raises(RuntimeError):
            store.add_entry("C-PGTX01", program_id="asb", phase_id="awareness", exercise_id="e", content_version="1",
                            data={"n": 1}, occurred_at="2026-01-01T10:00:00", safety_categories=["self_harm"])
        assert {t: store._db.execute(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables} == before
        assert not store._db.in_transaction
        monkeypatch.undo()
        store.add_entry("C-PGTX01", program_id="asb", phase_id="awareness", exercise_id="e", content_version="1",
                        data={"n": 1}, occurred_at="2026-01-01T10:00:00", safety_categories=["self_harm"])
        after = {t: store._db.execute(f"SELECT COUNT(*) FROM {t}").scalar_one() for t in tables}
    assert after == {"entries": 1, "entry_heads": 1, "audit": before["audit"] + 2, "audit_chain": before["audit"] + 2,
                     "safety_flags": 1}


def test_a_write_waits_for_another_writer_and_then_goes_on(pg_url):
    """Writes queue on one advisory lock (the audit chain needs one writer at a time)."""
    import threading
    import time

    import psycopg

    with Store(pg_url) as store:
        store.ensure_client("C-PGLK01")
        url = sqlalchemy.engine.make_url(pg_url)
        params = {**url.translate_connect_args(database="dbname", username="user"), "host": url.query["host"]}
        holder = psycopg.connect(**params, autocommit=True)
        try:
            holder.execute("BEGIN")
            holder.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
            done: list[float] = []
            started = time.monotonic()
            writer = threading.Thread(target=lambda: (store.ensure_client("C-PGLK02"), done.append(time.monotonic())))
            writer.start()
            time.sleep(0.5)
            assert not done            # it waits for the lock ...
            holder.execute("COMMIT")
            writer.join(10)
            assert done and done[0] - started >= 0.5   # ... and then saves
        finally:
            holder.close()
        assert store.get_client("C-PGLK02") is not None


def test_the_commands_take_a_database_url_from_the_option_or_the_environment(pg_url, monkeypatch, capsys):
    monkeypatch.setenv(config.DATABASE_URL_ENV, "")   # restored after the test (main sets it for child processes)
    assert main(["init", "--database-url", pg_url]) == 0
    out = capsys.readouterr().out
    assert "Secure Base store ready: postgresql+psycopg://" in out and "(integrity: ok)" in out
    assert main(["new-client", "--program", "sie"]) == 0   # from the environment now
    code = capsys.readouterr().out.strip()
    with Store(pg_url) as store:
        assert [c.client_id for c in store.list_clients()] == [code]
    assert main(["audit", "verify"]) == 0 and "Audit chain intact" in capsys.readouterr().out
    assert main(["db", "current"]) == 0 and f"revision {migrate.HEAD}" in capsys.readouterr().out
    assert main(["backup", "x.dump"]) == 2 and "pg_dump" in capsys.readouterr().err
    assert main(["restore", "x.dump"]) == 2 and "pg_restore" in capsys.readouterr().err


@pytest.mark.parametrize("url, message", [
    ("postgresql+psycopg://sb_ann:secret@/clinic", "must not hold a password"),
    ("mysql://x@/clinic", "not mysql"),
])
def test_a_database_url_that_cannot_be_used_is_refused_in_plain_words(url, message, monkeypatch, capsys):
    monkeypatch.setenv(config.DATABASE_URL_ENV, "")
    assert main(["safety", "list", "--database-url", url]) == 2
    err = capsys.readouterr().err
    assert message in err and "secret" not in err and "Traceback" not in err


def test_a_server_that_cannot_be_reached_gets_a_plain_message(tmp_path):
    with pytest.raises(StoreError, match="Cannot connect to the store .*Check the URL"):
        Store(f"postgresql+psycopg://nobody@/none?host={tmp_path}")


def test_users_are_added_listed_assigned_and_disabled_from_the_command_line(pg_url, monkeypatch, capsys):
    import uuid

    tag = uuid.uuid4().hex[:6]
    monkeypatch.setenv(config.DATABASE_URL_ENV, pg_url)
    assert main(["init"]) == 0
    for argv in (["users", "add", f"lee-{tag}", "--role", "clinician"],
                 ["users", "add", f"kim-{tag}", "--role", "clinician"],
                 ["users", "add", f"Mo-{tag}", "--role", "client", "--client", "C-MOC4X7", "--clinician", f"lee-{tag}"],
                 ["users", "add", f"sue-{tag}", "--role", "supervisor", "--clinician", f"lee-{tag}"],
                 ["users", "add", f"rae-{tag}", "--role", "researcher"],
                 ["users", "assign", f"Mo-{tag}", "--clinician", f"kim-{tag}"]):
        assert main(argv) == 0, argv
    out = capsys.readouterr().out
    assert f"logs in as the database role sb_mo_{tag}" in out
    assert main(["users", "list"]) == 0
    listing = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()}
    assert f"clinicians: kim-{tag}, lee-{tag}" in listing[f"Mo-{tag}"] and "C-MOC4X7" in listing[f"Mo-{tag}"]
    assert f"supervises: lee-{tag}" in listing[f"sue-{tag}"] and "researcher" in listing[f"rae-{tag}"]
    assert main(["users", "unassign", f"Mo-{tag}", "--clinician", f"kim-{tag}"]) == 0
    assert "no longer assigned to kim" in capsys.readouterr().out
    assert main(["users", "unassign", f"Mo-{tag}", "--clinician", f"lee-{tag}"]) == 2
    assert "only clinician" in capsys.readouterr().err
    assert main(["users", "unassign", f"sue-{tag}", "--clinician", f"lee-{tag}"]) == 0
    capsys.readouterr()
    assert main(["users", "disable", f"rae-{tag}"]) == 0 and "can no longer log in" in capsys.readouterr().out
    assert main(["users", "list"]) == 0 and "(disabled)" in capsys.readouterr().out
    with Store(pg_url) as store:
        actions = [a["action"] for a in store.audit_log()]
    assert actions.count("user_add") == 5 and actions.count("user_unassign") == 2 and "user_disable" in actions
    with Store(pg_url) as store:
        assert store.person(f"Mo-{tag}").clinicians == (f"lee-{tag}",) and store.person(f"sue-{tag}").clinicians == ()
    for argv, message in (
        (["users", "add", f"lee-{tag}", "--role", "clinician"], "already a person called"),
        (["users", "add", "bad name", "--role", "clinician"], "cannot be a user name"),
        (["users", "add", f"x-{tag}", "--role", "client", "--client", "C-XQC4X7"], "--clinician NAME"),
        (["users", "add", f"y-{tag}", "--role", "client", "--clinician", f"lee-{tag}"], "--client C-XXXX"),
        (["users", "add", f"z-{tag}", "--role", "client", "--client", "C-ZZC4X7", "--clinician", "nobody"],
         "There is no clinician 'nobody'"),
        (["users", "disable", "nobody"], "There is no person"),
        (["users", "add", f"w-{tag}"], "--role"),
    ):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err, (argv, err)


def test_users_need_a_clinic_store(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv(config.DATABASE_URL_ENV, "")
    assert main(["users", "add", "ann", "--role", "clinician", "--store", str(tmp_path / "s.db")]) == 2
    assert "clinic's shared PostgreSQL store" in capsys.readouterr().err


def test_a_workbook_runs_in_batch_against_the_clinic_store_as_the_clinician(pg_url, monkeypatch, capsys):
    """Workbooks on PostgreSQL: `securebase run` (papermill, its own kernel) saves into the clinic's store
    under the clinician's own role."""
    import uuid

    from securebase.cli import EXIT_PARTIAL

    tag = uuid.uuid4().hex[:6]
    monkeypatch.setenv(config.DATABASE_URL_ENV, "")
    with Store(pg_url) as owner:
        owner.add_person(f"pat-{tag}", "clinician")
    as_pat = pg_url.replace("postgres@", f"sb_pat_{tag}@", 1)
    code = main(["run", "notebooks/sie/01_awareness.ipynb", "--client", "C-PGR7K2", "--database-url", as_pat,
                 "--answers", "tests/fixtures/sie_awareness_answers.yaml"])
    assert code == EXIT_PARTIAL, capsys.readouterr().err   # the fixture has one bad entry on purpose
    with Store(pg_url) as owner:
        entries = owner.current_entries("C-PGR7K2")
        assert len(entries) == 5 and {e.recorded_by for e in entries} == {f"sb_pat_{tag}"}
        assert f"sb_pat_{tag}" in {p.db_role for p in owner.people()}
        assert owner._db.execute("SELECT clinician FROM caseload WHERE client_id = 'C-PGR7K2'").fetchall() == [
            (f"sb_pat_{tag}",)]   # a clinician's new client is in their caseload at once
        assert owner.verify_audit().intact
    # from the environment, with a password in it: the executed notebook never holds the URL
    monkeypatch.setenv(config.DATABASE_URL_ENV, as_pat.replace(f"sb_pat_{tag}@", f"sb_pat_{tag}:hunter2@", 1))
    assert main(["run", "notebooks/sie/01_awareness.ipynb", "--client", "C-PGR7K3",
                 "--answers", "tests/fixtures/sie_awareness_answers.yaml"]) == EXIT_PARTIAL
    executed = list((config.client_dir("C-PGR7K3") / "notebooks").glob("*.ipynb"))
    assert executed and not any("hunter2" in p.read_text() or "postgresql" in p.read_text() for p in executed)


def test_a_researchers_role_reads_no_client_rows_and_cannot_export_them(pg_url, tmp_path, monkeypatch, capsys):
    import uuid

    tag = uuid.uuid4().hex[:6]
    monkeypatch.setenv(config.DATABASE_URL_ENV, "")
    with Store(pg_url) as owner:
        owner.add_person(f"rae-{tag}", "researcher")
        owner.ensure_client("C-RSC7K2", program_id="sie")
    as_rae = pg_url.replace("postgres@", f"sb_rae_{tag}@", 1)
    with Store(as_rae) as rae, pytest.raises(StoreError, match="Your login may not do this"):
        rae.list_clients()
    code = main(["export", "--out", str(tmp_path / "out"), "--key-dir", str(tmp_path / "keys"), "--database-url", as_rae])
    err = capsys.readouterr().err
    assert code == 2 and "may not do this" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.csv"))
    # the owner's export is the researcher's way in: de-identified by default
    assert main(["export", "--out", str(tmp_path / "own"), "--key-dir", str(tmp_path / "k2"), "--database-url", pg_url]) == 0


def test_a_clinic_database_that_was_emptied_or_swapped_is_refused(pg_cluster, pg_url):
    with Store(pg_url) as store:
        store.ensure_client("C-LOST7K")
    name = sqlalchemy.engine.make_url(pg_url).database
    pg_cluster.drop_database(name)
    pg_cluster.create_database(name)   # the same URL, an empty database
    with pytest.raises(StoreError, match="is not the clinic store this data folder used before.*empty.*pg_restore"):
        Store(pg_url)
    assert raw(pg_url, "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'") == [(0,)]   # nothing made
    other = pg_cluster.create_database(f"{name}_other")
    Store(other).close()
    raw(other, "UPDATE meta SET value = 'x' WHERE key = 'store_id'")   # swapped for another store
    with pytest.raises(StoreError, match=r"it is another store \(x\)"):
        Store(other)
    pg_cluster.drop_database(f"{name}_other")
