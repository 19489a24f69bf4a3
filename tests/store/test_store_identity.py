"""A lost store is never silently replaced (issue 16, point 6): a missing, 0-byte, replaced or damaged
store, or one that lost its write-ahead log after a crash, stops every command with a plain message that
points to restoring a backup, and nothing is changed on the way."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from securebase.cli import main
from securebase.core import config
from securebase.core.errors import StoreError
from securebase.store import Store
from securebase.store.identity import LostStoreError, identity_path

ROOT = Path(__file__).resolve().parents[2]


def make_store(path: Path, clients: int = 3) -> None:
    with Store(path) as store:
        for n in range(clients):
            store.ensure_client(f"C-KEEP{n:02d}", program_id="sie")


def recorded(path: Path) -> dict:
    return json.loads(identity_path(path).read_text())


def test_a_new_store_records_its_identity_owner_only_and_counts_its_writes(tmp_path):
    path = tmp_path / "s.sqlite3"
    with Store(path) as store:
        first = recorded(path)
        store.ensure_client("C-COUNT1", program_id="sie")
        store.ensure_client("C-COUNT2", program_id="sie")
        assert recorded(path)["store_id"] == first["store_id"]
        assert recorded(path)["generation"] == first["generation"] + 2
    assert identity_path(path).stat().st_mode & 0o777 == 0o600
    with Store(path) as store:   # reopening a whole store is quiet
        assert store.get_client("C-COUNT2") is not None


@pytest.mark.parametrize("loss", ["deleted", "emptied"])
def test_a_deleted_or_emptied_store_is_refused_and_not_recreated(tmp_path, loss):
    path = tmp_path / "s.sqlite3"
    make_store(path)
    if loss == "deleted":
        path.unlink()
    else:
        path.write_bytes(b"")
    with pytest.raises(LostStoreError, match="securebase restore") as caught:
        Store(path)
    assert ("missing" if loss == "deleted" else "0 bytes") in str(caught.value)
    assert path.exists() == (loss == "emptied") and (not path.exists() or path.stat().st_size == 0)


def test_another_store_put_in_its_place_is_refused(tmp_path):
    path, other = tmp_path / "s.sqlite3", tmp_path / "other.sqlite3"
    make_store(path)
    make_store(other, clients=1)
    shutil.copyfile(other, path)
    with pytest.raises(LostStoreError, match="different Secure Base store"):
        Store(path)


def test_a_fresh_empty_database_in_its_place_is_refused(tmp_path):
    path = tmp_path / "s.sqlite3"
    make_store(path)
    path.unlink()
    import sqlite3

    sqlite3.connect(path).execute("CREATE TABLE unrelated (x)").connection.close()
    with pytest.raises(LostStoreError, match="no Secure Base data"):
        Store(path)


WRITER = r"""
import os, signal, sys
from securebase.store import Store
store = Store(sys.argv[1])
store._db.execute("PRAGMA wal_autocheckpoint = 0")   # these commits stay in the log, as after a crash
for n in range(5):
    store.ensure_client(f"C-LATE{n:02d}", program_id="sie")
print("saved", flush=True)
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.parametrize("lost", [("-wal",), ("-wal", "-shm")])
def test_saves_lost_with_the_write_ahead_log_after_a_crash_are_noticed(tmp_path, lost):
    path = tmp_path / "s.sqlite3"
    make_store(path)                      # closed: everything so far is in the main file
    env = {**os.environ, "PYTHONPATH": str(ROOT / "helpers")}
    proc = subprocess.run([sys.executable, "-c", WRITER, str(path)], env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL and "saved" in proc.stdout
    for suffix in lost:                   # the log is lost (a copy of the main file only, a bad restore, ...)
        path.with_name(path.name + suffix).unlink()
    with pytest.raises(LostStoreError, match=r"missing its latest saves \(5 write"):
        Store(path)


def test_with_its_log_a_crashed_writers_saves_are_all_there(tmp_path):
    path = tmp_path / "s.sqlite3"
    make_store(path)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "helpers")}
    subprocess.run([sys.executable, "-c", WRITER, str(path)], env=env, capture_output=True, timeout=60)
    with Store(path) as store:
        assert store.get_client("C-LATE04") is not None


def damage(path: Path) -> None:
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 4096] = os.urandom(4096)
    path.write_bytes(bytes(data))


def test_mid_file_damage_stops_every_command_in_plain_words(tmp_path, capsys):
    path = config.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with Store(path) as store:
        for n in range(400):   # a store of some size, so the damage falls on its tables' pages
            store.ensure_client(f"C-SIZE{n:03d}", program_id="sie")
    damage(path)
    before = path.read_bytes()
    for command in (["init"], ["safety", "list"], ["export", "--out", str(tmp_path / "x"), "--key-dir", str(tmp_path / "k")]):
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "damaged" in err or "not a readable" in err, err
        assert "Traceback" not in err and "securebase restore" in err
    assert path.read_bytes() == before    # nothing was "repaired" or rewritten


def test_restore_puts_a_backup_in_place_and_keeps_what_was_there(tmp_path, capsys):
    path = config.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    make_store(path)
    backup = tmp_path / "backup.sqlite3"
    assert main(["backup", str(backup)]) == 0
    assert backup.stat().st_mode & 0o777 == 0o600
    with Store(path) as store:
        store.ensure_client("C-AFTER1", program_id="sie")   # a save after the backup...
    path.write_bytes(b"")                                    # ...then the store is lost
    assert main(["safety", "list"]) == 2
    assert "0 bytes" in capsys.readouterr().err
    assert main(["restore", str(backup)]) == 0
    out = capsys.readouterr().out
    assert "integrity: ok" in out and "Set aside" in out
    with Store(path) as store:
        assert store.get_client("C-KEEP02") is not None and store.get_client("C-AFTER1") is None
    assert list(path.parent.glob(path.name + ".replaced-*"))   # the emptied file is kept, not deleted


def test_restore_refuses_what_is_not_a_backup_and_changes_nothing(tmp_path, capsys):
    path = config.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    make_store(path)
    junk = tmp_path / "junk.sqlite3"
    junk.write_bytes(b"not a database" * 100)
    before = path.read_bytes()
    assert main(["restore", str(junk)]) == 2
    assert "not a Secure Base backup" in capsys.readouterr().err
    assert path.read_bytes() == before


def test_starting_empty_on_purpose_sets_the_lost_store_aside(tmp_path, capsys):
    path = config.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    make_store(path)
    old_id = recorded(path)["store_id"]
    path.unlink()
    assert main(["init"]) == 2
    assert main(["init", "--start-empty"]) == 0
    assert "integrity: ok" in capsys.readouterr().out
    assert recorded(path)["store_id"] != old_id
    kept = list(path.parent.glob(identity_path(path).name + ".lost-*"))
    assert kept and json.loads(kept[0].read_text())["store_id"] == old_id
    assert main(["init", "--start-empty"]) == 2          # a whole store is never set aside
    assert "opens whole" in capsys.readouterr().err


def test_an_unreadable_identity_file_is_reported_not_ignored(tmp_path):
    path = tmp_path / "s.sqlite3"
    make_store(path)
    identity_path(path).write_text("{not json")
    with pytest.raises(StoreError, match="identity file"):
        Store(path)


def test_the_commands_that_initialise_the_store_first_stop_on_a_lost_store_too(capsys):
    path = config.default_store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    make_store(path)
    path.write_bytes(b"")
    assert main(["app", "--port", "0"]) == 2     # app and start run init first: it stops them, in plain words
    err = capsys.readouterr().err
    assert "0 bytes" in err and "Traceback" not in err
