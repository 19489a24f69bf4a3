"""What the two local servers (the app on Voila, JupyterLab) are told, and how, so that another local
user learns nothing from them.

* **Secrets stay off the command line.** Anyone on the machine can read a process's arguments
  (``ps``), so the token goes into a configuration file that only its owner can read (0600, in a 0700
  folder of the data directory, written before the file has any content), and the command line names
  only the folder. The token is not put in the environment either: kernels inherit it.
* **Logins expire after** :data:`LOGIN_IDLE_HOURS` **without use**: the login cookie is renewed by
  every request and refused once it is older than that (:mod:`securebase.app.identity`).
* **Only the page the person needs is printed**: the servers log warnings and errors only, so they do
  not print their own addresses (JupyterLab's opens a folder browser, Voila's a bare file list).
* **Local only**: both listen on 127.0.0.1 unless ``--ip`` names another address, and then the
  launcher says so.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from securebase.core.config import data_dir, ensure_private_dir

LOGIN_IDLE_HOURS = 12
LOOPBACK = "127.0.0.1"
IDENTITY_PROVIDER = "securebase.app.identity.IdleExpiringIdentityProvider"
FILES_EXTENSION = "securebase.app.files"   # the report files, behind the same login (the app adds them itself)
# The app's pages load nothing from other sites (Voila's page would fetch an icon font from a CDN)
# and may only talk back to this server: even if some text slipped through unescaped, it could not
# send anything elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def run_dir(server: str) -> Path:
    """The private folder of one kind of server (``app`` or ``lab``) in the data directory."""
    parent = data_dir() / "run"
    for folder in (parent, parent / server):
        ensure_private_dir(folder)
        os.chmod(folder, 0o700)   # also when it was made by something less careful
    return parent / server


def write_private(path: Path, config: dict) -> Path:
    """Write ``config`` as JSON to ``path``, readable by its owner only from the first byte on."""
    tmp = path.with_name(path.name + ".tmp")
    if tmp.exists():
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(config, handle, indent=1, sort_keys=True)
    os.replace(tmp, path)
    return path


def app_config(token: str) -> dict:
    """Voila's settings file (``voila.json``): the token, the login, the pages' security policy."""
    return {"Voila": {"token": token, "identity_provider_class": IDENTITY_PROVIDER, "log_level": "WARN",
                      "tornado_settings": {"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}}}}


def lab_config(token: str, *, terminals: bool) -> dict:
    """JupyterLab's secret settings (a ``jupyter_server_config.json``). Terminals are off unless asked
    for: a terminal runs as the server's own user, with every client's data in reach."""
    return {
        "IdentityProvider": {"token": token},
        "ServerApp": {"identity_provider_class": IDENTITY_PROVIDER, "terminals_enabled": terminals,
                      "log_level": "WARN", "jpserver_extensions": {FILES_EXTENSION: True}},
    }


def check_ip(ip: str) -> str:
    """The address to listen on; any other than the loopback one is said out loud."""
    if ip not in (LOOPBACK, "localhost", "::1"):
        print(f"Warning: listening on {ip}, not only on this machine: anyone who can reach it and has the "
              "address (with its token) can open the workbooks. Use a clinic server (JupyterHub) for that.",
              file=sys.stderr)
    return ip


def display_host(ip: str) -> str:
    """The host to print in an address: a server on every address is reached here at the loopback one."""
    return LOOPBACK if ip in (LOOPBACK, "0.0.0.0", "::") else ip
