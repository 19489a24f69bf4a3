"""The facade of a client's page of today (``notebooks/app/today.ipynb``): who the client is, then the page.

On the clinic server the client is the person signed in (their login role's person); a clinician may open
the page for one of their clients with ``?client_id=`` in the address, as every client page does; in batch
mode the ``client_id`` parameter names them. Batch mode prints the day's practice and loads no widgets.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from securebase import content, homework
from securebase.core import clock, config
from securebase.core.errors import SecureBaseError
from securebase.notebook.page import Page, client_of_page, in_app
from securebase.notebook.parameters import url_parameters
from securebase.store import Store


class TodayError(SecureBaseError):
    """The page cannot tell whose practice to show; the message says how to open it."""


def whose(store: Store, client_id: str) -> str:
    """The signed-in client; else the client in the page's address (in the app), else the parameter."""
    me = store.me()
    if me is not None and me.kind == "client":
        return me.client_id or ""
    wanted = url_parameters().get("client_id", "") if in_app() else client_id
    if not wanted:
        raise TodayError("This page shows one client's practice: open it from the client's row on the home page.")
    return wanted


class TodayPage(Page):
    page_label = "Today"
    warm_modules = ("securebase.ui.today", "securebase.ui.help")

    def __init__(self, store_path: str = "", client_id: str = "demo-002", mode: str = "interactive",
                 today: date | None = None):
        self.store = Store(config.resolve_store(store_path))
        self.client_id = whose(self.store, client_id)
        client_of_page(self.store, self.client_id, "app/today", program_id="sie")
        self.today = today or clock.today()
        self.mode = mode

    def lines(self) -> list[str]:
        client = self.store.require_client(self.client_id)
        if not client.program_id:
            return ["No program yet."]
        program = content.program(client.program_id)
        items = homework.todays_practice(program, self.store.assignments(self.client_id),
                                         self.store.current_entries(self.client_id), self.today)
        if not items:
            return [f"{self.today}: nothing is set for today."]
        return [f"{self.today}: {i.exercise.title}: {i.describe()}" for i in items]

    def show(self) -> Any:
        """The page's widget in interactive mode; in batch mode the day's practice, printed."""
        if self.mode == "batch":
            print("\n".join(self.lines()))
            return None
        from securebase.ui.today import TodayView

        return TodayView(self.store, self.client_id, self.today).widget
