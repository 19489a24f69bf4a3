"""Schema migrations (store/migrate.py, store/migrations): new, current, older and newer stores."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from legacy_store import make_legacy
from securebase.cli import main
from securebase.core import config
from securebase.core.errors import StoreError
from securebase.store import SCHEMA_VERSION, Store, migrate


def rows(path: Path) -> dict[str, list[tuple]]:
    db = sqlite3.connect(path)
    try:
        names = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")]
        return {name: db.execute(f"SELECT * FROM {name} ORDER BY 1").fetchall() for name in names}
    finally:
        db.close()


def test_the_head_is_the_newest_script_and_every_revision_is_listed():
    assert migrate.script_head() == migrate.HEAD
    assert migrate.REVISIONS[-1] == migrate.HEAD and set(migrate.SCHEMA_OF) == set(migrate.REVISIONS)


def test_a_new_store_is_made_by_the_migrations(tmp_path):
    path = tmp_path / "new.db"
    Store(path).close()
    tables = rows(path)
    assert tables["alembic_version"] == [(migrate.HEAD,)]
    assert ("schema_version", str(SCHEMA_VERSION)) in tables["meta"] and SCHEMA_VERSION == migrate.SCHEMA_OF[migrate.HEAD]


def test_an_older_store_is_not_opened_until_it_is_upgraded(tmp_path, capsys):
    path = config.default_store_path()
    with Store(path) as store:
        store.ensure_client("C-UPG1")
        ref = store.add_entry("C-UPG1", program_id="p", phase_id="a", exercise_id="e", content_version="1",
                              data={"n": 1}, occurred_at="2026-01-01T10:00:00")
    make_legacy(path, 5, "DROP TABLE client_archive", "DROP TABLE audit_chain", "DROP TABLE safety_check_ins")
    before = rows(path)
    with pytest.raises(migrate.OutdatedStoreError, match=r"older Secure Base \(schema 5\).*securebase db upgrade"):
        Store(path)
    for command in (["safety", "list"], ["init"]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "securebase db upgrade" in err and "Traceback" not in err
    assert main(["db", "current"]) == 1 and "schema 5" in capsys.readouterr().err
    assert rows(path) == before   # nothing was changed
    assert main(["db", "upgrade"]) == 0
    out = capsys.readouterr().out
    assert f"from schema 5 to revision {migrate.HEAD}" in out
    backup = Path(out.split("Backup taken first: ")[1].splitlines()[0])
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600
    assert rows(backup)["clients"] == before["clients"] and "alembic_version" not in rows(backup)
    with Store(path) as store:
        assert store.get_entry(ref.entry_id).data == {"n": 1}
        assert store.verify_audit().intact and store.archived_client_ids() == set()
    assert main(["db", "upgrade"]) == 0 and "is up to date" in capsys.readouterr().out
    assert main(["db", "current"]) == 0 and f"revision {migrate.HEAD}" in capsys.readouterr().out


def test_a_schema_8_store_from_before_migrations_is_stamped_when_opened(tmp_path):
    path = tmp_path / "eight.db"
    with Store(path) as store:
        store.ensure_client("C-UPG8")
    make_legacy(path, 8)
    with Store(path) as store:
        assert store.upgraded_from is None and store.get_client("C-UPG8") is not None
    assert rows(path)["alembic_version"] == [(migrate.HEAD,)]


@pytest.mark.parametrize("how", ["unknown revision", "higher schema", "higher legacy schema"])
def test_a_store_written_by_a_newer_version_is_refused_and_left_alone(tmp_path, how):
    path = tmp_path / "newer.db"
    with Store(path) as store:
        store.ensure_client("C-UPG9")
    db = sqlite3.connect(path)
    if how == "unknown revision":
        db.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
    if how == "higher legacy schema":
        db.execute("DROP TABLE alembic_version")
    if how != "unknown revision":
        db.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION + 1),))
    db.commit()
    db.close()
    before = rows(path)
    for upgrade in (False, True):
        with pytest.raises(StoreError, match="written by a newer Secure Base.*upgrade Secure Base to open it"):
            Store(path, upgrade=upgrade)
    assert rows(path) == before
    assert not list(tmp_path.glob("newer.db.before-upgrade-*"))
