"""What a person's server serves on the clinic server: Voila's app pages and the report files, nothing else.

The server is JupyterHub's ``jupyterhub-singleuser`` (a Jupyter server with the hub's login) with
:func:`server_config`: JupyterLab, the classic notebook, the language server and terminals are not loaded,
Voila renders with the app's template and shows no tracebacks. This module is also a server extension
that answers *Not available* to every route a Jupyter server would still offer for files or code
editing (:data:`REFUSED`): the contents and file routes (a file browser and downloads of anything in
reach), Voila's folder listing, nbconvert, terminals, and the trees and editors. What stays: Voila's render
and static routes, the report files of :mod:`securebase.app.files` (their own checks), the kernel API Voila's
pages talk through, and the hub's own routes (login callback, activity).
"""

from __future__ import annotations

from typing import Any

from jupyter_server.base.handlers import JupyterHandler
from jupyter_server.utils import url_path_join
from tornado import web
from tornado.routing import AnyMatches, Rule

from securebase.app.plainpage import plain_page
from securebase.app.serverconf import CONTENT_SECURITY_POLICY

EXTENSION = "securebase.hub.singleuser"
REFUSED = (r"api/contents", r"api/nbconvert", r"api/terminals", r"terminals", r"files", r"view", r"edit", r"tree",
           r"notebooks", r"lab", r"nbconvert", r"voila/tree", r"doc", r"api/config", r"api/spec\.yaml",
           r"api/events", r"api/kernelspecs", r"kernelspecs", r"api/sessions")
_KEEP = {"voila": True, "securebase.app.files": True, EXTENSION: True}
_OFF = ("jupyterlab", "notebook", "notebook_shim", "jupyter_lsp", "jupyter_server_terminals", "nbclassic",
        "jupyter_server_ydoc", "jupyter_collaboration", "jupyterlab_server")


def server_config() -> dict[str, Any]:
    """The person's server's settings (a ``jupyter_server_config.json``; no secrets in it). A page's kernel
    goes soon after its tab closes, as in the app (:mod:`securebase.app.server`): memory is what limits how
    many people one machine serves."""
    from securebase.app.server import CULL_IDLE_SECONDS, CULL_INTERVAL_SECONDS

    return {
        "ServerApp": {
            "jpserver_extensions": {**{name: False for name in _OFF}, **_KEEP},
            "terminals_enabled": False,
            "log_level": "WARN",
            "tornado_settings": {"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY}},
        },
        "ContentsManager": {"allow_hidden": False},
        "VoilaConfiguration": {"template": "securebase", "show_tracebacks": False},
        "MappingKernelManager": {"cull_idle_timeout": CULL_IDLE_SECONDS, "cull_interval": CULL_INTERVAL_SECONDS,
                                 "cull_connected": False},
    }


class NotAvailableHandler(JupyterHandler):
    """The same plain page for every refused route, whoever asks and however (no hint of what is there)."""

    def _refuse(self, *args: Any) -> None:
        self.set_status(404)
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(plain_page("Not available", "<h1>Not available</h1><p>This page is not part of Secure Base. "
                                                "Go back to your <a href='../..'>start page</a>.</p>"))

    get = post = put = patch = delete = head = options = _refuse

    def check_xsrf_cookie(self) -> None:   # refused anyway: no reason to ask for the cookie first
        return None

    def prepare(self) -> None:   # before the login: an unknown visitor learns nothing either
        self._refuse()
        raise web.Finish()


def _load_jupyter_server_extension(serverapp: Any) -> None:
    web_app = serverapp.web_app
    base = web_app.settings["base_url"]
    pattern = url_path_join(base, "(?:" + "|".join(REFUSED) + r")(?:/.*)?$")
    refused = type(web_app.wildcard_router)(web_app, [(pattern, NotAvailableHandler)])   # tornado's own router
    web_app.default_router.rules.insert(0, Rule(AnyMatches(), refused))   # before every other route


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": EXTENSION}]
