"""App mode: the workbooks as a web app with Voila, for clinicians and clients in session.

``securebase app`` (``make app``) serves the workbooks folder of the data directory with Voila:
no code is shown, only the forms, views and summaries. It listens on 127.0.0.1 only, asks for
a random token (printed in the address), and culls kernels that have been idle for
``CULL_IDLE_SECONDS`` (Voila starts one kernel per page view). The printed address opens the
clinician's home page (``notebooks/app/home.ipynb``): the clients, where each one is, their
open safety flags, and links that open a workbook for a client.

A link carries the client in its query string (``...01_awareness.ipynb?client_id=C-7KQ2M9``).
Voila hands the query string to the page's kernel in the ``QUERY_STRING`` environment variable;
:func:`securebase.notebook.parameters.client_from_url` reads it, so the same notebook serves every client without editing its
first cell. Outside Voila (JupyterLab, papermill) there is no query string and the notebook's
own ``client_id`` parameter applies.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from securebase.core.layout import HOME_NOTEBOOK as HOME
DEFAULT_PORT = 8866
CULL_IDLE_SECONDS = 900      # a page left open this long without activity loses its kernel
CULL_INTERVAL_SECONDS = 60
# The app's pages load nothing from other sites (Voila's page would fetch an icon font from a CDN)
# and may only talk back to this server: even if some text slipped through unescaped, it could not
# send anything elsewhere.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; form-action 'self'"
)


def render_url(notebook: str, **params: str) -> str:
    """A link, relative to the Voila render root, that opens ``notebook`` (a path under the
    workbooks folder) with ``params`` in its query string."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/voila/render/{quote(notebook)}" + (f"?{query}" if query else "")


def app_command(workspace: Path, *, port: int, token: str, open_browser: bool = False) -> list[str]:
    from securebase.core.kernel_transport import SERVER_ARGUMENTS

    command = [
        sys.executable, "-m", "voila", str(workspace),
        "--Voila.ip=127.0.0.1",
        f"--port={port}",
        f"--Voila.token={token}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=True",
        *SERVER_ARGUMENTS,  # kernels on IPC sockets in a private folder: no port race with other kernels
        "--VoilaConfiguration.show_tracebacks=False",
        "--Voila.tornado_settings=" + json.dumps({"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}}),
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # only when really root
    return command


def launch_app(workspace: Path, *, port: int = DEFAULT_PORT, open_browser: bool = False) -> int:
    """Replace this process with Voila serving ``workspace``; print the home page's address."""
    from securebase.app.workspace import free_port

    port = free_port(port)
    token = secrets.token_urlsafe(24)
    command = app_command(workspace, port=port, token=token, open_browser=open_browser)
    print(f"\nSecure Base app is starting. Open this address in your browser:\n\n"
          f"    http://127.0.0.1:{port}{render_url(HOME)}?token={token}\n", flush=True)
    if shutil.which(command[0]) is None and not Path(command[0]).exists():  # pragma: no cover
        print("Voila is not installed in this environment; run `make app` from the repository.", file=sys.stderr)
        return 2
    os.execv(command[0], command)
    return 0  # pragma: no cover - execv does not return
