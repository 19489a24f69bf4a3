"""Where Secure Base keeps its data.

The data directory holds the store, executed client notebooks, reports and exports. It is
never inside the repository by default:

1. ``SECUREBASE_HOME`` if set;
2. otherwise the per-user data directory (``~/.local/share/securebase`` on Linux).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

STORE_FILENAME = "securebase.sqlite3"


def data_dir() -> Path:
    override = os.environ.get("SECUREBASE_HOME")
    base = Path(override).expanduser() if override else Path(platformdirs.user_data_dir("securebase", appauthor=False))
    return base.resolve()


def default_store_path() -> Path:
    return data_dir() / STORE_FILENAME


def resolve_store_path(store_path: str | os.PathLike[str] | None) -> Path:
    """A notebook's ``store_path`` parameter: empty means the default store."""
    if store_path is None or str(store_path).strip() == "":
        return default_store_path()
    return Path(store_path).expanduser().resolve()


DATABASE_URL_ENV = "SECUREBASE_DATABASE_URL"


def resolve_store(store_path: str | os.PathLike[str] | None) -> Path | str:
    """Where the store is: a notebook's ``store_path`` parameter or a command's ``--store`` (a file, or a
    ``postgresql+psycopg://`` URL); when that is empty, ``SECUREBASE_DATABASE_URL`` (a clinic's shared
    PostgreSQL store, also set by ``--database-url``), and otherwise the embedded SQLite store."""
    text = "" if store_path is None else str(store_path).strip()
    if "://" in text:
        return text
    if not text and os.environ.get(DATABASE_URL_ENV, "").strip():
        return os.environ[DATABASE_URL_ENV].strip()
    return resolve_store_path(text)


def store_file(store_path: str | os.PathLike[str] | None) -> Path:
    """:func:`resolve_store` for the commands that work on the SQLite file itself (restore, start again)."""
    where = resolve_store(store_path)
    if isinstance(where, str):
        from securebase.core.errors import StoreError

        raise StoreError("This command works on the embedded SQLite store's file; a PostgreSQL store is restored "
                         "with the clinic's database tools (pg_restore, see the README).")
    return where


def client_dir(client_id: str) -> Path:
    """Per-client folder for executed notebooks and reports (outside the repository)."""
    return data_dir() / "clients" / client_id


def ensure_private_dir(path: Path | str) -> Path:
    """Make ``path`` a folder if it is not one, and every missing folder above it, each owner-only (0700:
    ``mkdir -p`` would make the folders above with the umask's 0755). Folders inside the data directory
    that an earlier version left open to others are closed on the way."""
    path = Path(path).expanduser()
    missing = []
    for folder in (path, *path.parents):
        if folder.exists():
            break
        missing.append(folder)
    for folder in reversed(missing):
        folder.mkdir(mode=0o700, exist_ok=True)
        os.chmod(folder, 0o700)   # mkdir's mode passes through the umask; 0700 is what is meant
    home = data_dir()
    resolved = path.resolve()
    if resolved == home or home in resolved.parents:
        for folder in (resolved, *resolved.parents):
            if folder.stat().st_uid == os.getuid() and folder.stat().st_mode & 0o077:
                os.chmod(folder, 0o700)
            if folder == home:
                break
    return path


def write_private_file(path: Path, data: bytes | str) -> Path:
    """Write ``data`` to ``path`` owner-only (0600 from the first byte) and atomically: a reader never
    sees half a file. Text is written as UTF-8."""
    raw = data.encode("utf-8") if isinstance(data, str) else data
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.replace(tmp, path)
    os.chmod(path, 0o600)
    return path


PUBLIC_URL_ENV = "SECUREBASE_PUBLIC_URL"      # where people reach the clinic server (links in feeds and e-mails)
TIME_ZONE_ENV = "SECUREBASE_TIME_ZONE"        # the clinic's time zone, for clients who have not set their own
DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def public_url() -> str:
    """The clinic server's address as people reach it, without a trailing slash."""
    return (os.environ.get(PUBLIC_URL_ENV, "").strip() or DEFAULT_PUBLIC_URL).rstrip("/")


def default_time_zone() -> str:
    return os.environ.get(TIME_ZONE_ENV, "").strip() or "UTC"


def calendar_url(secret: str) -> str:
    """The address a calendar program subscribes to (served by the clinic server's calendar service)."""
    return f"{public_url()}/services/securebase/calendar/{secret}.ics"
