"""Encrypted, rotated backups of the embedded store; checking one; putting one back.

* :func:`encrypted_backup` copies the live store, online (one read transaction: people keep saving
  meanwhile), straight into a new SQLCipher database encrypted with the backup key
  (:mod:`securebase.core.keys`): no unencrypted copy is ever written. The file is 0600 from its first byte.
* :func:`rotate` keeps the newest ``keep`` backups that ``securebase backup`` wrote into the backups
  folder and removes older ones (only files of its own naming).
* :func:`verify` opens a backup with the key, read-only, and runs SQLite's integrity check, finds the
  store's identity and recomputes the whole audit chain: a backup that passes can be restored.
* :func:`restore` decrypts a backup into the store's place (through :func:`securebase.store.upkeep.
  restore_backup`'s rules: what was there is set aside, never deleted).

A backup made without encryption (``--plain``) is an ordinary SQLite file; both are read here.
"""

from __future__ import annotations

import os
import re
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from securebase.core import config, keys
from securebase.core.errors import StoreError
from securebase.store import auditchain, identity

NAME = re.compile(r"securebase-\d{8}T\d{6}Z(-\d+)?\.sqlite3\Z")
DEFAULT_KEEP = 14
SQLITE_MAGIC = b"SQLite format 3\x00"


def backups_dir() -> Path:
    return config.data_dir() / "backups"


def default_name(folder: Path) -> Path:
    stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    path, n = folder / f"securebase-{stamp}.sqlite3", 1
    while path.exists():
        n += 1
        path = folder / f"securebase-{stamp}-{n}.sqlite3"
    return path


def _keyed(path: Path, key: str, *, read_only: bool = True):
    import sqlcipher3

    db = sqlcipher3.connect(f"file:{path}?mode=ro" if read_only else str(path), uri=read_only)
    db.execute("PRAGMA cipher_log_level = NONE")
    db.execute(f"PRAGMA key = \"x'{key}'\"")
    return db


def encrypted_backup(store_path: Path, dest: Path) -> Path:
    """Copy the store at ``store_path`` (it may be open and in use) into a new backup encrypted with the key.

    The copy is made by a process of its own: SQLCipher is a second SQLite library, and two SQLite libraries
    in one process must not open the same file (each would release the other's POSIX locks). The key goes to
    it on its standard input, never on a command line."""
    import subprocess
    import sys

    key = keys.load_key(create=True)
    config.ensure_private_dir(dest.parent)
    try:
        os.close(os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        raise StoreError(f"{dest} already exists; choose a new file name for the backup.") from None
    try:
        done = subprocess.run([sys.executable, "-m", "securebase.store.backups", str(store_path), str(dest)],
                              input=key, text=True, capture_output=True, timeout=3600)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["no message"])[-1]
            raise StoreError(f"The backup could not be written ({last}); nothing was kept.")
    except BaseException:
        dest.unlink(missing_ok=True)   # never a partial copy of client data
        raise
    os.chmod(dest, 0o600)
    return dest


def _export(store_path: str, dest: str, key: str) -> None:
    """In the backup's own process: the live store, in one read transaction, into the encrypted file."""
    import sqlcipher3

    source = sqlcipher3.connect(f"file:{store_path}?mode=ro", uri=True)   # the plain store, read only
    try:
        source.execute("BEGIN")   # a consistent copy while others write
        source.execute("ATTACH DATABASE ? AS backup KEY ?", (dest, f"x'{key}'"))
        source.execute("SELECT sqlcipher_export('backup')")
        source.execute("COMMIT")
        source.execute("DETACH DATABASE backup")
    finally:
        source.close()


def rotate(folder: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` backups of ``securebase backup``'s naming in ``folder``."""
    if keep < 1:
        raise StoreError("--keep must be 1 or more: the backup just made is always kept.")
    ours = sorted((p for p in folder.iterdir() if NAME.match(p.name)), key=lambda p: p.name, reverse=True)
    removed = ours[keep:]
    for path in removed:
        path.unlink()
    return removed


def is_encrypted(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(16) != SQLITE_MAGIC


def _open(path: Path):
    """A read-only connection to the backup, decrypted with the key when it is encrypted."""
    import sqlite3

    if not path.is_file() or path.stat().st_size == 0:
        raise StoreError(f"{path} is not a backup file; give the path of a file made by `securebase backup`.")
    if not is_encrypted(path):
        return sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    db = _keyed(path, keys.load_key())
    try:
        db.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except Exception:
        db.close()
        raise StoreError(f"{path} cannot be read with the backup key at {keys.where()}: it was made with another "
                         f"key, or it is not a Secure Base backup. Point {keys.KEY_FILE_ENV} at the key it was made "
                         "with.") from None
    return db


@dataclass(frozen=True)
class Verified:
    path: Path
    encrypted: bool
    audit_rows: int
    clients: int


def verify(path: str | os.PathLike[str]) -> Verified:
    """Check a backup in full without changing it; raises :class:`StoreError` saying what is wrong."""
    path = Path(path).expanduser()
    db = _open(path)
    try:
        check = db.execute("PRAGMA integrity_check").fetchall()
        if [r[0] for r in check] != ["ok"]:
            raise StoreError(f"The backup {path} is damaged (SQLite's check found: "
                             f"{'; '.join(r[0] for r in check)[:300]}); use an older backup.")
        if identity.found_in(db) is None:
            raise StoreError(f"{path} is not a Secure Base backup (it has no store identity).")
        report = auditchain.verify(db)
        if not report.intact:
            raise StoreError(f"The backup {path} has a broken audit chain at row {report.first_break} "
                             f"({report.reason}); its records may have been changed. Use an older backup.")
        clients = db.execute("SELECT count(*) FROM clients").fetchone()[0]
        return Verified(path, is_encrypted(path), report.rows, clients)
    finally:
        db.close()


def restore(path: str | os.PathLike[str], store_path: Path) -> tuple[Path, list[Path]]:
    """Check the backup, then put it in place as the store (decrypted); what was there is set aside."""
    from securebase.store.upkeep import restore_backup

    source = Path(path).expanduser()
    verify(source)
    if not is_encrypted(source):
        return restore_backup(source, store_path)
    with tempfile.TemporaryDirectory(prefix="securebase-restore-", dir=store_path.parent) as tmp:
        plain = Path(tmp) / "store.sqlite3"   # beside the store, in a folder only its owner can open
        os.chmod(tmp, 0o700)
        db = _keyed(source, keys.load_key(), read_only=False)
        try:
            db.execute("ATTACH DATABASE ? AS plain KEY ''", (str(plain),))
            db.execute("SELECT sqlcipher_export('plain')")
            db.execute("DETACH DATABASE plain")
        finally:
            db.close()
        return restore_backup(plain, store_path)


if __name__ == "__main__":   # the process of encrypted_backup
    import sys

    _export(sys.argv[1], sys.argv[2], sys.stdin.read().strip())
