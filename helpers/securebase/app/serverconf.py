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
* **A few pages are preheated** (:func:`kernel_pools`): the app keeps one kernel standing by for each
  of :data:`PREHEATED_PAGES`, its imports done, so those pages open sooner than a bare Voila page.
* **Local only**: both listen on 127.0.0.1 unless ``--ip`` names another address, and then the
  launcher says so.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

from securebase.core.config import data_dir, ensure_private_dir
from securebase.core.layout import HOME_NOTEBOOK, PROGRESS_NOTEBOOK

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

# The pages Voila keeps one kernel preheated for (a kernel is 50-150 MB, so only these): the home page,
# which every session opens first and comes back to between clients; SIE's step 1, the workbook every
# client of the most used program begins with and spends the first weeks in; SIE's progress view, the
# page a clinician opens in each session, and the slowest to start (it draws with pandas and
# matplotlib). A pooled kernel runs its notebook up to the point where the page needs its request (the
# client in its address; see securebase.core.pagerequest) and waits there. Every other page starts its
# kernel when it is asked for.
PREHEATED_PAGES = (HOME_NOTEBOOK, "sie/01_awareness.ipynb", f"sie/{PROGRESS_NOTEBOOK}")
# After a preheated kernel is handed to a page, its replacement starts this many seconds later, so that it
# does not compete with the page it was taken for while that page renders. The cost: the same page asked
# for again within these seconds (a reload) waits for the replacement (this delay, then its start).
POOL_REFILL_SECONDS = 5.0


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


def app_config(token: str, *, ip: str = LOOPBACK) -> dict:
    """Voila's settings file (``voila.json``): the token, the login, the pages' security policy, and the
    preheated kernels (for a server listening on ``ip``)."""
    return {"Voila": {"token": token, "identity_provider_class": IDENTITY_PROVIDER, "log_level": "WARN",
                      "tornado_settings": {"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}}},
            **kernel_pools(ip)}


def kernel_pools(ip: str = LOOPBACK) -> dict:
    """Voila's preheated kernels: one for each of :data:`PREHEATED_PAGES`, none for other pages. A
    preheated kernel learns its page's request over a websocket to the server (at ``VOILA_APP_IP``,
    127.0.0.1 unless told): a server listening on another address is reached there."""
    host = {"0.0.0.0": LOOPBACK, "::": "[::1]", "::1": "[::1]"}.get(ip, ip)
    env = {"VOILA_APP_IP": host}
    pools = {"default": {"pool_size": 0, "kernel_env_variables": env}}
    pools.update({page: {"pool_size": 1, "kernel_env_variables": env} for page in PREHEATED_PAGES})
    return {"VoilaConfiguration": {"preheat_kernel": True, "default_pool_size": 0},
            "VoilaKernelManager": {"kernel_pools_config": pools, "fill_delay": POOL_REFILL_SECONDS}}


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
