"""The clinician's caseload, for the home page (``notebooks/app/home.ipynb``): clients, where each one is, flags, links.

:func:`client_rows` gathers, for every client in the store, the program, the current step (by
start date, or the clinician's override), the number of open safety flags and their categories
(never the text that raised them), whether their couple is paused, the date of the latest entry and the links that open the
client's workbooks: the current step, the program's progress view and the intake check. Links
are relative to the home notebook, so they work in the app (Voila renders them with the client
in the query string) and in JupyterLab (which opens the notebook). :func:`new_client` makes a
pseudonymous code and registers the client. :func:`select` searches, filters and orders the rows
for a :class:`View` (a couple's partners stay together), with :data:`INACTIVE_DAYS` for "inactive".
Both build their links with the same helpers as :func:`client_pages`. Private labels are not
here: they are never in the store (:mod:`securebase.progress.labels`). The widgets are in
:mod:`securebase.ui.home`.
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

INACTIVE_DAYS = 14   # "inactive": no entry for this many days. The programs ask for entries daily or weekly and
#                      clients meet their clinician about weekly, so two weeks without one is two missed
#                      sessions' worth of practice: worth a call, and rare enough not to flag every quiet week.
MAX_SEARCH = 40      # characters of a search (a code or a label is shorter)


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
    program_id: str = ""
    phase_number: int = 0          # the current step's number (0 when no program is set)
    phase_title: str = ""          # e.g. "Step 1: Awareness"
    archived: bool = False
    dyad_id: str = ""              # their active couple ("" when none)
    partner_id: str = ""
    idle_days: int = 0             # days since the latest entry (or, with none yet, since the first day)
    couple_role: str = ""          # "A" or "B" in their couple


def _link(notebook: str, client_id: str) -> str:
    return f"../{quote(notebook)}?{urlencode({'client_id': client_id})}"


def _step_link(program, phase, client_id: str, label: str | None = None) -> Link:
    return Link(label or phase.title, _link(f"{program.id}/{phase.number:02d}_{phase.id}.ipynb", client_id))


def _program_links(program, client_id: str) -> list[Link]:
    """The progress view and the intake checks: the pages every client has besides their steps."""
    links = [Link("Progress", _link(f"{program.id}/{PROGRESS_NOTEBOOK}", client_id))] if program is not None else []
    return links + [Link("Relationship check" if i == "relationship_check" else i, _link(f"{INTAKE_DIR}/{i}.ipynb", client_id))
                    for i in _intake_notebooks()]


def client_rows(store: Store, *, today: date | None = None) -> list[ClientRow]:
    today = today or clock.today()
    programs = content.programs()
    open_flags: dict[str, list] = {}
    for f in flags(store, open_only=True):
        open_flags.setdefault(f.client_id, []).append(f)
    latest = store.latest_entry_times()
    paused = paused_couples(store)
    archived = store.archived_client_ids()
    partners: dict[str, tuple[str, str, str]] = {}
    for dyad in store.dyads():
        partners[dyad.partner_a] = (dyad.dyad_id, dyad.partner_b, "A")
        partners[dyad.partner_b] = (dyad.dyad_id, dyad.partner_a, "B")
    rows = []
    for client in store.list_clients():
        program = programs.get(client.program_id or "")
        links: list[Link] = []
        step, number, title = "no program set", 0, ""
        start = client.start_date or date.fromisoformat(client.created_at[:10])
        if program is not None:
            pos = current_position(program, client.start_date or today, today, client.phase_override)
            step, number, title = pos.describe(program), pos.phase.number, pos.phase.title
            links.append(_step_link(program, pos.phase, client.client_id, f"Open {pos.phase.title}"))
        links += _program_links(program, client.client_id)
        found = open_flags.get(client.client_id, [])
        categories = tuple(c for c in CATEGORY_LABELS if any(c in f.categories for f in found))
        last = latest.get(client.client_id, "")[:10]
        idle = (today - (date.fromisoformat(last) if last else start)).days
        dyad_id, partner, role = partners.get(client.client_id, ("", "", ""))
        rows.append(ClientRow(client.client_id, program.title if program else "", step, len(found), categories,
                              last, links, client.client_id in paused, client.program_id or "", number, title,
                              client.client_id in archived, dyad_id, partner, max(idle, 0), role))
    return rows


@dataclass(frozen=True)
class View:
    """What the clinician asked the home page to show: a search and filters, and an order."""

    search: str = ""                # part of a client code or of a private label, any case
    flags: str = "any"              # "any", "open" (one or more open flags) or "none"
    program_id: str = ""            # "" for every program
    step: str = ""                  # a step title ("Step 1: Awareness"), "" for every step
    inactive_only: bool = False     # only clients with no entry for INACTIVE_DAYS days or more
    archived: str = "active"        # "active" (the default), "archived" or "all"
    sort: str = "flags"             # "flags" (open flags first), "code", "activity" (latest first), "step"


SORTS = {"flags": "Open flags first", "code": "Client code", "activity": "Latest activity first", "step": "Step"}


def select(rows: list[ClientRow], view: View, labels: dict[str, str] | None = None) -> list[list[ClientRow]]:
    """The rows the view asks for, in its order, as groups: one client, or the two partners of a couple
    together (a couple is shown when either partner matches, with both). Labels are matched, never kept."""
    labels = labels or {}
    needle = " ".join(view.search.split()).casefold()[:MAX_SEARCH]
    by_id = {r.client_id: r for r in rows}

    def matches(r: ClientRow) -> bool:
        if view.archived == "active" and r.archived or view.archived == "archived" and not r.archived:
            return False
        if needle and needle not in r.client_id.casefold() and needle not in labels.get(r.client_id, "").casefold():
            return False
        if view.flags == "open" and not r.open_flags or view.flags == "none" and r.open_flags:
            return False
        if view.program_id and r.program_id != view.program_id:
            return False
        if view.step and r.phase_title != view.step:
            return False
        return not view.inactive_only or r.idle_days >= INACTIVE_DAYS

    groups: list[list[ClientRow]] = []
    seen: set[str] = set()
    for r in rows:
        if r.client_id in seen:
            continue
        partner = by_id.get(r.partner_id)
        members = sorted([r] + ([partner] if partner is not None else []), key=lambda m: m.couple_role)
        if any(matches(m) for m in members):
            if view.archived == "active":   # an archived partner stays out of the default list
                members = [m for m in members if not m.archived]
            groups.append(members)
            seen.update(m.client_id for m in members)

    def key(group: list[ClientRow]):
        flags_ = -sum(m.open_flags for m in group)
        code = min(m.client_id for m in group)
        idle = min(m.idle_days for m in group)
        if view.sort == "code":
            return (code,)
        if view.sort == "activity":
            return (idle, code)
        if view.sort == "step":
            first = min(group, key=lambda m: (m.program_id == "", m.program_id, m.phase_number))
            return (first.program_id == "", first.program_id, first.phase_number, code)
        return (flags_, code)

    return sorted(groups, key=key)


def client_pages(store: Store, client_id: str, *, today: date | None = None) -> list[Link]:
    """The app's pages of one client, for the navigation of each of them: the clients list, every step
    of their program, its progress view, and the relationship check."""
    from securebase.core.layout import HOME_NOTEBOOK

    links = [Link("Clients", f"../{quote(HOME_NOTEBOOK)}")]
    client = store.get_client(client_id)
    program = content.programs().get((client.program_id if client else None) or "")
    if program is not None:
        links += [_step_link(program, phase, client_id) for phase in program.phases]
    return links + _program_links(program, client_id)


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
