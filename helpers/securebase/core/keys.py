"""The key that encrypts backups (and, with SQLCipher, a store): from the OS keyring, or a 0600 key file.

Where the key is, in this order:

1. ``SECUREBASE_KEY_FILE``: a key file of your choosing (a USB key, a mounted secret);
2. the OS keyring (``keyring``: the Secret Service, macOS Keychain, Windows Credential Locker), when this
   machine has a usable one;
3. otherwise ``<user config dir>/securebase/backup.key`` (``~/.config/securebase`` on Linux).

A key file must be owner-only (0600) and must not lie inside the data folder: a key kept beside the data it
protects protects nothing, so such a file is refused. A key is 256 random bits, written as 64 hex digits.
Losing it loses every backup made with it: keep a copy somewhere safe (``securebase backup key`` says where
it is).
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from pathlib import Path

import platformdirs

from securebase.core import config
from securebase.core.errors import SecureBaseError

KEY_FILE_ENV = "SECUREBASE_KEY_FILE"
KEYRING_SERVICE = "securebase"
KEYRING_NAME = "backup-key"
_HEX = re.compile(r"[0-9a-f]{64}\Z")


class BackupKeyError(SecureBaseError):
    """The key cannot be found, read or trusted."""


def key_file() -> Path:
    chosen = os.environ.get(KEY_FILE_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else Path(platformdirs.user_config_dir("securebase")) / "backup.key"


def _keyring():
    """The OS keyring, if this machine has one that works (not keyring's fail or null backends)."""
    if os.environ.get(KEY_FILE_ENV, "").strip():
        return None
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:   # pragma: no cover - keyring is a dependency
        return None
    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring) or getattr(backend, "priority", 0) <= 0:
        return None
    return keyring


def _check_place(path: Path) -> None:
    home = config.data_dir()
    resolved = path.expanduser().resolve()
    if resolved == home or home in resolved.parents:
        raise BackupKeyError(f"The key file {path} is inside the data folder {home}; a key kept with the data protects "
                        f"nothing. Move it elsewhere and point {KEY_FILE_ENV} at it.")


def _read(path: Path) -> str:
    _check_place(path)
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        raise BackupKeyError(f"The key file {path} can be read by others (mode {mode:o}); run `chmod 600 {path}` and "
                        "check who may have copied it.")
    key = path.read_text(encoding="ascii").strip().lower()
    if not _HEX.match(key):
        raise BackupKeyError(f"The key file {path} does not hold a key (64 hex digits); restore it from your copy.")
    return key


def where() -> str:
    """Where the key is (for messages): the keyring or the key file's path."""
    return "the OS keyring (securebase / backup-key)" if _keyring() else str(key_file())


def load_key(*, create: bool = False) -> str:
    """The key as 64 hex digits; with ``create`` a new one is made (and kept) when there is none."""
    ring = _keyring()
    if ring is not None:
        key = ring.get_password(KEYRING_SERVICE, KEYRING_NAME)
        if key:
            return key
        if not create:
            raise BackupKeyError("There is no backup key in the OS keyring; make a backup first, or point "
                            f"{KEY_FILE_ENV} at the key file the backups were made with.")
        key = secrets.token_hex(32)
        ring.set_password(KEYRING_SERVICE, KEYRING_NAME, key)
        return key
    path = key_file()
    if path.exists():
        return _read(path)
    if not create:
        raise BackupKeyError(f"There is no backup key at {path}; point {KEY_FILE_ENV} at the key file the backups were "
                        "made with.")
    _check_place(path)
    config.ensure_private_dir(path.parent)
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(key + "\n")
    return key
