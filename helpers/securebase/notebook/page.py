"""What a client's page does before it shows anything: it finds its client, or says plainly why not.

In the app (a page Voila serves) the client comes from the page's address only, and must already be
in the store: a mistyped code (``?client_id=C-TYPO99``) must not quietly become a new client, and a
page with no client in its address must not fall back to some default one. Clients are added on
purpose, on the home page or with ``securebase new-client``. In JupyterLab and in batch runs the
notebook's own ``client_id`` parameter names the client, typed there on purpose, and the workbook
registers it with the store as before.

An app page that cannot open shows why, in plain words, with a link back to the clients, and the
rest of its cells show nothing (:class:`RefusedPage`). In JupyterLab and in batch runs the error is
raised as before, so that papermill reports it.
"""

from __future__ import annotations

import importlib
import os
from typing import Any, Callable

from securebase.core.errors import ParameterError, SecureBaseError
from securebase.core.layout import HOME_NOTEBOOK
from securebase.core.pagerequest import preheated

__all__ = ["Page", "RefusedPage", "client_of_page", "in_app"]


def in_app() -> bool:
    """Whether this kernel serves an app page: Voila tells its kernels so (``SERVER_SOFTWARE``), and a
    kernel it preheated for a page (``VOILA_PREHEAT``) is told only once the page is asked for."""
    return os.environ.get("SERVER_SOFTWARE", "").startswith("voila/") or preheated()


def home_address() -> str:
    """The clients list of the app that serves this page."""
    base = os.environ.get("VOILA_BASE_URL", "/") or "/"
    return f"{base.rstrip('/')}/voila/render/{HOME_NOTEBOOK}"


def client_of_page(store: Any, client_id: str, page: str, **register: Any) -> Any:
    """The page's client. In the app it must be in the store already; elsewhere the notebook's
    parameter registers it (``register``: the program and start date it begins with). Opening the
    page is audited as a read of the client's records (``page`` names it, e.g. ``sie/awareness``)."""
    if not in_app():
        client = store.ensure_client(client_id, **register)
    else:
        client = store.get_client(client_id)
        if client is None:
            raise ParameterError(f"There is no client with the code {client_id}. Check the code on the clients "
                                 "list; a new client is added there, with \"Add a new client\".")
    store.record_read(client_id, page)
    return client


class RefusedPage:
    """An app page that could not open. It has said why (when it was made), with a link back to the
    clients; every cell after that shows nothing."""

    def __init__(self, message: str):
        self.message = message
        from IPython.display import display

        from securebase.ui.refused import refused_notice

        display(refused_notice(message, home_address()))

    def __getattr__(self, name: str) -> Callable[..., None]:
        if name.startswith("_"):
            raise AttributeError(name)
        return lambda *args, **kwargs: None


class Page:
    """Mixin of the client pages (workbooks, progress, intake check): ``open`` makes the page, or, on an
    app page, a :class:`RefusedPage` that says why it could not. Elsewhere (JupyterLab, papermill) the
    error is raised, with the same plain message. On an app page, :meth:`navigation` shows the links
    to the client's other pages."""

    page_label = ""   # this page's label among the client's pages (see ``client_pages``)
    # What the page's cells load once it is asked for: its widget modules, and the content its
    # navigation reads. A preheated kernel loads them while it waits for its page, so that only the
    # client's own work is left when a person opens it (batch runs never load widgets).
    warm_modules: tuple[str, ...] = ("securebase.ui.nav", "securebase.progress.caseload")

    @classmethod
    def warm_up(cls) -> None:
        from securebase.content import scales

        for name in cls.warm_modules:
            importlib.import_module(name)
        scales.instruments()   # the intake checks, which every page's navigation links to

    def navigation(self) -> Any:
        """The client's pages, as a bar of links (only on an app page; elsewhere nothing)."""
        if getattr(self, "mode", "") != "interactive" or not in_app():
            return None
        from securebase.progress.caseload import client_pages
        from securebase.ui.nav import client_nav

        return client_nav(self.client_id, client_pages(self.store, self.client_id), self.page_label)

    def _show_navigation(self) -> None:
        nav = self.navigation()
        if nav is not None:
            from IPython.display import display

            display(nav)

    @classmethod
    def open(cls, *args: Any, **kwargs: Any) -> Any:
        if preheated() and kwargs.get("mode", "interactive") == "interactive":
            cls.warm_up()
        try:
            return cls(*args, **kwargs)
        except SecureBaseError as exc:
            if kwargs.get("mode", "interactive") != "interactive" or not in_app():
                raise
            return RefusedPage(str(exc))
