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


def client_dir(client_id: str) -> Path:
    """Per-client folder for executed notebooks and reports (outside the repository)."""
    return data_dir() / "clients" / client_id


def ensure_private_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
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
