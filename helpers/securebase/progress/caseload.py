"""The clinician's caseload, for the home page (``notebooks/app/home.ipynb``): clients, where each one is, flags, links.

:func:`client_rows` gathers, for every client in the store, the program, the current step (by
start date, or the clinician's override), the number of open safety flags and their categories
(never the text that raised them), whether their couple is paused, the date of the latest entry and the links that open the
client's workbooks: the current step, the program's progress view and the intake check. Links
are relative to the home notebook, so they work in the app (Voila renders them with the client
in the query string) and in JupyterLab (which opens the notebook). :func:`new_client` makes a
pseudonymous code and registers the client. The widgets are in :mod:`securebase.ui.home`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from urllib.parse import quote, urlencode

from securebase import content
from securebase.core.ids import new_client_id
from securebase.core.layout import INTAKE_DIR, PROGRESS_NOTEBOOK
from securebase.couples.pause import paused_couples
from securebase.safety.flags import CATEGORY_LABELS, flags
from securebase.journal.schedule import current_position
from securebase.store import Store
from securebase.core import clock

@dataclass(frozen=True)
class Link:
    label: str
    href: str


@dataclass(frozen=True)
class ClientRow:
    client_id: str
    program: str                   # the program's title ("" when none is set)
    step: str                      # e.g. "Day 3 of ...: Step 1: Awareness"
    open_flags: int
    flag_categories: tuple[str, ...]
    last_entry: str                # YYYY-MM-DD, "" when none
    links: list[Link] = field(default_factory=list)
    couple_paused: bool = False     # their couple's joint features are paused (an abuse-or-danger flag)


def _link(notebook: str, client_id: str) -> str:
    return f"../{quote(notebook)}?{urlencode({'client_id': client_id})}"


def client_rows(store: Store, *, today: date | None = None) -> list[ClientRow]:
    today = today or clock.today()
    programs = content.programs()
    open_flags: dict[str, list] = {}
    for f in flags(store, open_only=True):
        open_flags.setdefault(f.client_id, []).append(f)
    instruments = sorted(p for p in _intake_notebooks())
    latest = store.latest_entry_times()
    paused = paused_couples(store)
    rows = []
    for client in store.list_clients():
        program = programs.get(client.program_id or "")
        links: list[Link] = []
        step = "no program set"
        if program is not None:
            start = client.start_date or today
            pos = current_position(program, start, today, client.phase_override)
            step = pos.describe(program)
            links.append(Link(f"Open {pos.phase.title}", _link(f"{program.id}/{pos.phase.number:02d}_{pos.phase.id}.ipynb",
                                                               client.client_id)))
            links.append(Link("Progress", _link(f"{program.id}/{PROGRESS_NOTEBOOK}", client.client_id)))
        for instrument in instruments:
            links.append(Link("Relationship check" if instrument == "relationship_check" else instrument,
                              _link(f"{INTAKE_DIR}/{instrument}.ipynb", client.client_id)))
        found = open_flags.get(client.client_id, [])
        categories = tuple(c for c in CATEGORY_LABELS if any(c in f.categories for f in found))
        rows.append(ClientRow(client.client_id, program.title if program else "", step, len(found), categories,
                              latest.get(client.client_id, "")[:10], links, client.client_id in paused))
    return rows


def client_pages(store: Store, client_id: str, *, today: date | None = None) -> list[Link]:
    """The app's pages of one client, for the navigation of each of them: the clients list, every step
    of their program, its progress view, and the relationship check."""
    from securebase.core.layout import HOME_NOTEBOOK

    links = [Link("Clients", f"../{quote(HOME_NOTEBOOK)}")]
    client = store.get_client(client_id)
    program = content.programs().get((client.program_id if client else None) or "")
    if program is not None:
        links += [Link(phase.title, _link(f"{program.id}/{phase.number:02d}_{phase.id}.ipynb", client_id))
                  for phase in program.phases]
        links.append(Link("Progress", _link(f"{program.id}/{PROGRESS_NOTEBOOK}", client_id)))
    links += [Link("Relationship check" if i == "relationship_check" else i, _link(f"{INTAKE_DIR}/{i}.ipynb", client_id))
              for i in _intake_notebooks()]
    return links


def _intake_notebooks() -> list[str]:
    from securebase.content import scales

    return list(scales.instruments())


def new_client(store: Store, program_id: str, start_date: date | None = None) -> str:
    """Make a fresh pseudonymous code, register the client in ``program_id``; return the code."""
    content.program(program_id)  # an unknown program fails with a clear message
    while store.get_client(client_id := new_client_id()):
        pass
    store.ensure_client(client_id, program_id=program_id, start_date=start_date or clock.today())
    return client_id
