"""Report files in the browser: handouts, action reports, result cards and progress reports, served by
the app behind its own login, from the clients' folders of the data directory and nowhere else.

A page that writes a report links to it (:func:`securebase.ui.files.file_links`); the link is
``<base>/securebase/files/<client>/reports/<...>`` and this handler answers it:

* only a signed-in person gets a file (the same token or login as the pages: the handler is a
  Jupyter server handler, so the server's identity provider decides);
* only files under ``<data>/clients/<client>/reports/``, of the kinds the reports are written as
  (:data:`SERVED_SUFFIXES`), whose real path (symbolic links resolved) is still there; anything else
  is a plain 404, whatever the request says (``..``, encoded slashes, hidden files, other folders);
* ``?download=1`` asks the browser to save the file instead of showing it;
* every answer carries a strict security policy: a report may show its own images and run only the
  one small print script every report carries (:data:`securebase.reports.render.PRINT_SCRIPT`).

The same handler serves the app (Voila, through :class:`securebase.app.voila_app.SecureBaseVoila`)
and JupyterLab (as the server extension ``securebase.app.files``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from jupyter_server.base.handlers import AuthenticatedFileHandler
from jupyter_server.utils import url_path_join
from tornado import web

from securebase.app.plainpage import plain_page
from securebase.core.config import data_dir
from securebase.core.layout import FILES_ROUTE
from securebase.reports.render import PRINT_SCRIPT_HASH

SERVED_SUFFIXES = frozenset({".html", ".pdf", ".png", ".ics", ".json", ".csv"})
REPORT_POLICY = (
    f"default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'; script-src '{PRINT_SCRIPT_HASH}'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'self'"
)


def clients_root() -> Path:
    return data_dir() / "clients"


def servable(root: Path, relative: str) -> Path | None:
    """The file ``relative`` (``<client>/reports/...``) names under ``root``, or ``None`` when it must not
    be served: outside ``root`` once links are resolved, not in a client's ``reports`` folder, hidden,
    of another kind, or not a file."""
    parts = relative.split("/")
    if len(parts) < 3 or parts[1] != "reports" or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        return None
    if Path(parts[-1]).suffix.lower() not in SERVED_SUFFIXES:
        return None
    base = root.resolve()
    try:
        path = (base / relative).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not path.is_relative_to(base / parts[0] / "reports") or not path.is_file():
        return None
    return path


class ReportFileHandler(AuthenticatedFileHandler):
    """GET/HEAD ``securebase/files/<client>/reports/<path>`` for a signed-in person."""

    auth_resource = "contents"

    def initialize(self, path: str | None = None, default_filename: str | None = None) -> None:
        super().initialize(path=str(clients_root()) if path is None else path, default_filename=None)

    @property
    def content_security_policy(self) -> str:
        return REPORT_POLICY

    def validate_absolute_path(self, root: str, absolute_path: str) -> str | None:
        relative = os.path.relpath(absolute_path, os.path.abspath(root)).replace(os.sep, "/")
        path = servable(Path(root), relative)
        if path is None:
            raise web.HTTPError(404)
        return str(path)

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """A plain page, never a traceback or a server's own error text."""
        self.set_header("Content-Type", "text/html; charset=UTF-8")
        self.clear_header("Content-Disposition")
        message = {404: "This file is not here. It may have been written again under a new name: go back to "
                        "the page that made it and use its newest link.",
                   403: "You are not allowed to open this file."}.get(
            status_code, "This file could not be opened. Go back to the page that made it and try again.")
        self.finish(plain_page("File not available", f"<h1>File not available</h1><p>{message}</p>"))


def handlers(base_url: str) -> list[tuple[str, type, dict[str, Any]]]:
    """The tornado routes of the report files under ``base_url``."""
    return [(url_path_join(base_url, FILES_ROUTE, r"(.*)"), ReportFileHandler, {})]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "securebase.app.files"}]


def _load_jupyter_server_extension(serverapp: Any) -> None:
    """As a JupyterLab (Jupyter server) extension: the same routes beside Lab's own."""
    web_app = serverapp.web_app
    web_app.add_handlers(".*$", handlers(web_app.settings["base_url"]))
