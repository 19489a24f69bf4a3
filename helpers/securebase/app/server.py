"""App mode: the workbooks as a web app with Voila, for clinicians and clients in session.

``securebase app`` (``make app``) serves the workbooks folder of the data directory with Voila:
no code is shown, only the forms, views and summaries. It listens on 127.0.0.1 only (unless
``--ip`` says otherwise), asks for a random token (printed in the address, handed to Voila in an
owner-only file, see :mod:`securebase.app.serverconf`), and shuts a page's kernel down soon after
its tab is closed (Voila starts one kernel per page view). The printed address opens the
clinician's home page (``notebooks/app/home.ipynb``): the clients, where each one is, their
open safety flags, and links that open a workbook for a client.

A link carries the client in its query string (``...01_awareness.ipynb?client_id=C-7KQ2M9``).
Voila hands the query string to the page's kernel in the ``QUERY_STRING`` environment variable;
:func:`securebase.notebook.parameters.url_parameters` reads it, so the same notebook serves every client without editing its
first cell. Outside Voila (JupyterLab, papermill) there is no query string and the notebook's
own ``client_id`` parameter applies.
"""

from __future__ import annotations

import os
import secrets
import shutil
import sys
from pathlib import Path
from urllib.parse import quote, urlencode

from securebase.app.serverconf import LOOPBACK, app_config, check_ip, display_host, run_dir, write_private
from securebase.core.layout import HOME_NOTEBOOK as HOME

DEFAULT_PORT = 8866
TEMPLATE = "securebase"      # the app shell: share/jupyter/voila/templates/securebase in this package
SHARE = Path(__file__).resolve().parent / "share" / "jupyter"
# A page's kernel lives while its tab is open, and goes within CULL_IDLE_SECONDS + CULL_INTERVAL_SECONDS
# (40 s) of the tab closing: only kernels nothing is connected to are culled.
CULL_IDLE_SECONDS = 30
CULL_INTERVAL_SECONDS = 10


def render_url(notebook: str, **params: str) -> str:
    """A link, relative to the Voila render root, that opens ``notebook`` (a path under the
    workbooks folder) with ``params`` in its query string."""
    query = urlencode({k: v for k, v in params.items() if v})
    return f"/voila/render/{quote(notebook)}" + (f"?{query}" if query else "")


def app_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    """The environment Voila runs in: with this package's Jupyter data folder (the app's template)
    first on ``JUPYTER_PATH``."""
    environ = dict(os.environ if environ is None else environ)
    rest = environ.get("JUPYTER_PATH", "")
    environ["JUPYTER_PATH"] = str(SHARE) + (os.pathsep + rest if rest else "")
    return environ


def app_command(workspace: Path, *, port: int, config_dir: Path, ip: str = LOOPBACK,
                open_browser: bool = False) -> list[str]:
    """Voila's command line: nothing secret on it (the token is in ``config_dir/voila.json``)."""
    from securebase.core.kernel_transport import SERVER_ARGUMENTS

    command = [
        sys.executable, "-m", "securebase.app.voila_app", str(workspace),
        f"--Voila.ip={ip}",
        f"--port={port}",
        f"--Voila.config_file_paths={config_dir}",
        f"--MappingKernelManager.cull_idle_timeout={CULL_IDLE_SECONDS}",
        f"--MappingKernelManager.cull_interval={CULL_INTERVAL_SECONDS}",
        "--MappingKernelManager.cull_connected=False",
        *SERVER_ARGUMENTS,  # kernels on IPC sockets in a private folder: no port race with other kernels
        "--VoilaConfiguration.show_tracebacks=False",
        f"--VoilaConfiguration.template={TEMPLATE}",
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--ServerApp.allow_root=True")  # only when really root
    return command


def launch_app(workspace: Path, *, port: int = DEFAULT_PORT, ip: str = LOOPBACK, open_browser: bool = False) -> int:
    """Replace this process with Voila serving ``workspace``; print the home page's address."""
    from securebase.app.workspace import free_port

    port = free_port(port)
    token = secrets.token_urlsafe(24)
    config_dir = run_dir("app")
    write_private(config_dir / "voila.json", app_config(token, ip=ip))
    command = app_command(workspace, port=port, config_dir=config_dir, ip=check_ip(ip), open_browser=open_browser)
    host = display_host(ip)
    print(f"\nSecure Base app is starting. Open this address in your browser:\n\n"
          f"    http://{host}:{port}{render_url(HOME)}?token={token}\n", flush=True)
    if shutil.which(command[0]) is None and not Path(command[0]).exists():  # pragma: no cover
        print("Voila is not installed in this environment; run `make app` from the repository.", file=sys.stderr)
        return 2
    os.execve(command[0], command, app_environment())
    return 0  # pragma: no cover - execve does not return
