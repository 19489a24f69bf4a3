"""Encrypted, rotated backups taken while the store is in use; verify checks one in full; restore puts it back."""

from __future__ import annotations

import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest

from securebase import cli
from securebase.core import config, keys
from securebase.core.errors import SecureBaseError, StoreError
from securebase.store import Store, backups


@pytest.fixture
def key_file(tmp_path, monkeypatch):
    path = tmp_path / "keys" / "backup.key"
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(path))
    return path


@pytest.fixture
def live(tmp_path):
    path = config.default_store_path()
    with Store(path, actor="clinician") as store:
        for n in range(5):
            store.ensure_client(f"C-B{n}CKQ7", program_id="sie")
    return path


def _save_while(path: Path, stop: threading.Event, saved: list[str]) -> None:
    with Store(path, actor="client") as store:
        while not stop.is_set():
            ref = store.add_entry("C-B0CKQ7", program_id="sie", phase_id="awareness", exercise_id="signal_scan",
                                  content_version="1", data={"slot": "midday"}, occurred_at="2026-11-02T10:00:00")
            saved.append(ref.entry_id)


def test_a_backup_taken_while_people_save_is_encrypted_sound_and_owner_only(live, key_file, tmp_path):
    stop, saved = threading.Event(), []
    writer = threading.Thread(target=_save_while, args=(live, stop, saved))
    writer.start()
    try:
        while len(saved) < 20:
            pass
        dest = backups.encrypted_backup(live, tmp_path / "out" / "b.sqlite3")
    finally:
        stop.set()
        writer.join()
    assert stat.S_IMODE(dest.stat().st_mode) == 0o600 and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    raw = dest.read_bytes()
    assert not raw.startswith(b"SQLite format 3") and b"C-B0CKQ7" not in raw and b"signal_scan" not in raw
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(dest).execute("SELECT * FROM clients").fetchall()
    found = backups.verify(dest)
    assert found.encrypted and found.clients == 5 and found.audit_rows >= 5
    assert len(saved) >= 20      # the writer was never stopped by the backup


def test_the_cli_rotates_verifies_and_restores(live, key_file, capsys):
    folder = backups.backups_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "notes.txt").write_text("mine")                     # not a backup of ours: never removed
    for _ in range(4):
        assert cli.main(["backup", "--keep", "2"]) == 0
    kept = sorted(p.name for p in folder.iterdir())
    assert len(kept) == 3 and "notes.txt" in kept
    assert "Removed an old backup" in capsys.readouterr().out
    newest = sorted(folder.glob("securebase-*.sqlite3"))[-1]
    assert cli.main(["backup", "verify", str(newest)]) == 0
    assert "is sound: encrypted, integrity ok, 5 client(s)" in capsys.readouterr().out
    with Store(live) as store:                                    # a change after the backup ...
        store.ensure_client("C-AFTERQ7", program_id="sie")
    assert cli.main(["backup", "restore", str(newest)]) == 0
    out = capsys.readouterr().out
    assert "Set aside:" in out and "(integrity: ok)" in out
    with Store(live) as store:                                    # ... is gone with the restore, the rest is back
        assert store.get_client("C-AFTERQ7") is None and store.get_client("C-B4CKQ7") is not None
    aside = [p for p in live.parent.iterdir() if ".replaced-" in p.name]
    assert aside                                                  # what was there is kept, not deleted


def test_verify_says_what_is_wrong(live, key_file, tmp_path, monkeypatch):
    dest = backups.encrypted_backup(live, tmp_path / "b.sqlite3")
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(tmp_path / "other" / "k.key"))
    keys.load_key(create=True)                                    # another key
    with pytest.raises(StoreError, match="cannot be read with the backup key"):
        backups.verify(dest)
    plain = tmp_path / "plain.sqlite3"
    with Store(live) as store:
        store.backup(plain)
    con = sqlite3.connect(plain)
    con.execute("DROP TRIGGER audit_no_update")
    con.execute("UPDATE audit SET actor = 'someone else' WHERE audit_id = 2")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match="broken audit chain at row 2"):
        backups.verify(plain)
    (tmp_path / "empty.sqlite3").write_bytes(b"")
    with pytest.raises(StoreError, match="is not a backup file"):
        backups.verify(tmp_path / "empty.sqlite3")
    assert cli.main(["backup", "verify", str(plain)]) == 2


def test_a_plain_backup_on_request(live, key_file, tmp_path, capsys):
    assert cli.main(["backup", str(tmp_path / "p.sqlite3"), "--plain"]) == 0
    assert (tmp_path / "p.sqlite3").read_bytes().startswith(b"SQLite format 3")
    assert not backups.verify(tmp_path / "p.sqlite3").encrypted
    assert not key_file.exists()                                  # no key was needed or made


def test_a_key_file_in_the_data_folder_or_open_to_others_is_refused(tmp_path, monkeypatch):
    inside = config.data_dir() / "backup.key"
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(inside))
    with pytest.raises(SecureBaseError, match="inside the data folder"):
        keys.load_key(create=True)
    outside = tmp_path / "k" / "backup.key"
    monkeypatch.setenv(keys.KEY_FILE_ENV, str(outside))
    key = keys.load_key(create=True)
    assert keys.load_key() == key and len(key) == 64
    os.chmod(outside, 0o644)
    with pytest.raises(SecureBaseError, match="can be read by others"):
        keys.load_key()
    os.chmod(outside, 0o600)
    outside.write_text("not a key")
    with pytest.raises(SecureBaseError, match="does not hold a key"):
        keys.load_key()
