"""Widgets of the clinician's home page: new safety flags (until acknowledged), the client table with
its search, filters and order, a client's private label and archiving, linking a couple, and the
new-client form.

The table shows the partners of a couple together, framed, under the couple's id; each partner's
row has the links to their own pages. Searching, filtering and ordering are
:func:`securebase.progress.caseload.select`. Archiving asks first and only hides the client
(:meth:`Store.set_archived`, logged and audited). A couple is linked with
:func:`securebase.couples.dyads.link_couple`, the function ``securebase couple link`` uses, after
the page has checked the same rules in plain words. Private labels are
:mod:`securebase.progress.labels` (a 0600 file per user, never the store).

New flags (:func:`securebase.safety.notify.unacknowledged`) come first, each with the client code,
the categories in plain words, the date and the exercise title, and an Acknowledge button that
records who saw it and when; the flag stays open in the client table until it is cleared.

Every value shown goes through :func:`securebase.ui.forms.esc` (client codes are pseudonymous and
validated, but nothing reaches an ``HTML`` widget unescaped). Safety flags are shown as a count
and their categories only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import ipywidgets as w

from securebase.core import config
from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.core.pagerequest import wait_for_page_request
from securebase.core.text import esc
from securebase.couples.dyads import dyad_of, link_couple
from securebase.progress.caseload import INACTIVE_DAYS, MAX_SEARCH, SORTS, ClientRow, View, client_rows, new_client, select
from securebase.progress.labels import MAX_LABEL, LabelError, load_labels, set_label
from securebase.safety.flags import CATEGORY_LABELS
from securebase.safety.notify import acknowledge, unacknowledged
from securebase.store import Store
from securebase.ui.consent import ConsentPanel
from securebase.core import clock

_TABLE_STYLE = ("<style>.sb-home{border-collapse:collapse;width:100%}.sb-home td,.sb-home th{padding:.3rem .9rem .3rem 0;"
                "border-bottom:1px solid #d9dee6;text-align:left;vertical-align:top;line-height:1.4}"
                ".sb-home a{margin-right:.9rem;color:#1a5fb4;text-decoration:underline;display:inline-block}"
                ".sb-code{white-space:nowrap}.sb-label{display:block;color:#1f2a37;font-style:italic}.sb-partner{display:block}"
                ".sb-muted{color:#4b5563}.sb-flag{color:#8a1c1c;font-weight:600}"
                ".sb-badge{display:inline-block;border:1px solid #4b5563;border-radius:4px;padding:0 .3rem;"
                "font-size:.85em;color:#1f2a37;margin-top:.2rem}"
                ".sb-home tbody.sb-couple{border-left:4px solid #1a4f9c}"
                ".sb-home tbody.sb-couple th[scope=rowgroup]{background:#eef3fb;padding-left:.6rem;font-weight:600}"
                ".sb-home tbody.sb-couple td:first-child{padding-left:.6rem}"
                ".sb-tools .widget-dropdown,.sb-tools .widget-text{width:auto;margin-right:1rem}"
                "@media (max-width:820px){.sb-home thead{display:none}.sb-home tr{display:block;padding:.4rem 0;"
                "border-bottom:1px solid #d9dee6}.sb-home td,.sb-home th{display:block;border:none;padding:.1rem .6rem}"
                ".sb-home td[data-label]::before{content:attr(data-label) ': ';font-weight:600;color:#1f2a37}}"
                "</style>")


def _client_cell(r: ClientRow, labels: dict[str, str]) -> str:
    label = labels.get(r.client_id, "")
    cell = f"<strong class='sb-code'>{esc(r.client_id)}</strong>"
    if label:
        cell += f"<span class='sb-label'>{esc(label)}</span>"
    if r.partner_id:
        cell += f"<span class='sb-muted sb-partner'>partner of <span class='sb-code'>{esc(r.partner_id)}</span></span>"
    if r.archived:
        cell += "<span class='sb-badge'>archived</span>"
    return cell


def _row_html(r: ClientRow, labels: dict[str, str]) -> str:
    flag = (f"<span class='sb-flag'>{r.open_flags} open: "
            f"{esc(', '.join(CATEGORY_LABELS.get(c, c) for c in r.flag_categories))}</span>"
            if r.open_flags else "none open")
    if r.couple_paused:  # with a prompt to see the partners separately
        flag += f"<br><span class='sb-flag'>{esc(content.locale('en').text('home_couple_paused'))}</span>"
    links = "".join(f"<a href='{esc(link.href)}' aria-label='{esc(link.label)} for {esc(r.client_id)}'>"
                    f"{esc(link.label)}</a>" for link in r.links)
    step = r.step.replace(f" of {r.program}:", ":") if r.program else r.step
    when = esc(r.last_entry) if r.last_entry else "none yet"
    idle = "today" if r.idle_days == 0 else f"{r.idle_days} day{'s' if r.idle_days != 1 else ''} ago"
    if r.last_entry:
        when += f"<br><span class='sb-muted'>{idle}</span>"
    if r.idle_days >= INACTIVE_DAYS:
        when += "<br><span class='sb-badge'>inactive</span>"
    return (f"<tr id='client-{esc(r.client_id)}'><td>{_client_cell(r, labels)}</td><td>{esc(r.program or '')}<br>"
            f"<span class='sb-muted'>{esc(step)}</span></td><td data-label='Safety flags'>{flag}</td>"
            f"<td data-label='Latest entry'>{when}</td><td>{links}</td></tr>")


def table_html(groups: list[list[ClientRow]] | list[ClientRow], labels: dict[str, str] | None = None, *,
               total: int | None = None) -> str:
    """The client table: one row per client; the partners of a couple share a framed group with a heading.
    ``groups`` come from :func:`~securebase.progress.caseload.select`; a plain row is a group of one."""
    labels = labels or {}
    if groups and not isinstance(groups[0], list):    # plain rows: the partners of a couple together
        couples: dict[str, list[ClientRow]] = {}
        flat: list[list[ClientRow]] = []
        for r in groups:
            if r.dyad_id in couples:
                couples[r.dyad_id].append(r)
            else:
                flat.append([r])
                if r.dyad_id:
                    couples[r.dyad_id] = flat[-1]
        groups = flat
    if not groups:
        if not total:
            return "<p>No clients yet. Add one below: Secure Base makes a pseudonymous code for them.</p>"
        return "<p>No client matches the search and filters. Clear the search or choose other filters.</p>"
    head = ("<thead><tr><th scope='col'>Client</th><th scope='col'>Program and step</th><th scope='col'>Safety flags</th>"
            "<th scope='col'>Latest entry</th><th scope='col'>Open</th></tr></thead>")
    body = []
    for group in groups:
        rows = "".join(_row_html(r, labels) for r in group)
        if group[0].dyad_id:
            names = " and ".join(esc(m.client_id) for m in group)
            shown = "" if len(group) == 2 else f" (partner {esc(group[0].partner_id)} is not shown: archived)"
            body.append(f"<tbody class='sb-couple'><tr><th scope='rowgroup' colspan='5'>Couple {esc(group[0].dyad_id)}: "
                        f"{names}{shown}</th></tr>{rows}</tbody>")
        else:
            body.append(f"<tbody>{rows}</tbody>")
    return f"{_TABLE_STYLE}<table class='sb-home'>{head}{''.join(body)}</table>"


class NoticeList:
    """New safety flags at the top of the home page, each with an Acknowledge button, until acknowledged."""

    def __init__(self, store: Store, on_change=None, language: str = "en"):
        self.store = store
        self.loc = content.locale(language)
        self.language = language
        self.on_change = on_change
        self.rows = w.VBox()
        self.buttons: dict[str, w.Button] = {}
        self.message = w.HTML()
        self.widget = w.VBox([w.HTML(f"<h2>{esc(self.loc.text('notices_title'))}</h2>"), self.rows, self.message])
        self.refresh()

    def refresh(self) -> None:
        notices = unacknowledged(self.store)
        self.buttons = {}
        rows: list[w.Widget] = []
        if notices:
            rows.append(w.HTML(f"<p>{esc(self.loc.text('notices_intro'))}</p>"))
        for notice in notices:
            button = w.Button(description=self.loc.text("notice_ack"), tooltip=self.loc.text("notice_ack_tooltip"),
                              icon="check", layout=w.Layout(width="auto"))
            button.on_click(lambda _b, flag_id=notice.flag_id, client=notice.client_id: self.acknowledge(flag_id, client))
            self.buttons[notice.flag_id] = button
            rows.append(w.HBox([w.HTML(f"<span class='sb-flag' role='alert'>{esc(notice.line(self.language))}</span>",
                                       layout=w.Layout(margin="0 1rem 0 0")), button],
                               layout=w.Layout(align_items="center")))
        if not notices:
            rows.append(w.HTML(f"<p>{esc(self.loc.text('notices_none'))}</p>"))
        self.rows.children = tuple(rows)

    def acknowledge(self, flag_id: str, client_id: str) -> None:
        try:
            acknowledge(self.store, flag_id)
        except SecureBaseError as exc:
            self.message.value = f"<p role='alert'>{esc(self.loc.text('notice_not_acked', message=str(exc)))}</p>"
        else:
            self.message.value = f"<p role='status'>{esc(self.loc.text('notice_acked', client=client_id))}</p>"
        self.refresh()
        if self.on_change:
            self.on_change()


def _dropdown(description: str, options, width: str = "auto") -> w.Dropdown:
    return w.Dropdown(options=options, description=description, style={"description_width": "initial"},
                      layout=w.Layout(width=width, max_width="100%"))


class Confirm:
    """A question with a confirming button and Cancel, hidden until :meth:`ask`."""

    def __init__(self, yes_label: str, on_yes: Callable[[], None]):
        self.question = w.HTML()
        self.yes = w.Button(description=yes_label, button_style="primary", layout=w.Layout(width="auto"))
        self.yes.on_click(lambda _b: on_yes())
        self.no = w.Button(description="Cancel", layout=w.Layout(width="auto"))
        self.no.on_click(lambda _b: self.hide())
        self.widget = w.HBox([self.question, self.yes, self.no],
                             layout=w.Layout(display="none", flex_flow="row wrap", align_items="center"))

    @property
    def shown(self) -> bool:
        return self.widget.layout.display != "none"

    def ask(self, question_html: str) -> None:
        self.question.value = question_html
        self.widget.layout.display = "flex"

    def hide(self) -> None:
        self.widget.layout.display = "none"
        self.question.value = ""


class HomePage:
    def __init__(self, store_path: str = "", today: date | None = None, labels_file: str = ""):
        programs = content.programs()
        wait_for_page_request()   # preheated: the clients as they are when the page opens, not when its kernel started
        self.store = Store(config.resolve_store(store_path))
        self.today = today
        self.labels_file = Path(labels_file) if labels_file else None
        self.rows: list[ClientRow] = []
        self.labels: dict[str, str] = {}
        self.table = w.HTML()
        self.count = w.HTML()
        self.refresh_button = w.Button(description="Refresh the list", icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        # the list: search, filters, order
        self.search = w.Text(description="Search", placeholder="code or your label", continuous_update=True,
                             style={"description_width": "initial"}, layout=w.Layout(width="18rem", max_width="100%"))
        self.flags = _dropdown("Safety flags", [("Any", "any"), ("Open flags", "open"), ("No open flag", "none")])
        self.program_filter = _dropdown("In program", [("Every program", "")] + [(p.title, p.id) for p in programs.values()])
        self.step_filter = _dropdown("Step or phase", [("Every step", "")])
        self.inactive = w.Checkbox(description=f"Only inactive (no entry for {INACTIVE_DAYS} days or more)",
                                   indent=False, layout=w.Layout(width="auto"))
        self.show = _dropdown("Show", [("Current clients", "active"), ("Archived clients", "archived"),
                                       ("All clients", "all")])
        self.sort = _dropdown("Order", [(label, key) for key, label in SORTS.items()])
        for control in (self.search, self.flags, self.program_filter, self.step_filter, self.inactive, self.show, self.sort):
            control.observe(lambda _c: self.refresh_table(), names="value")
        tools = w.HBox([self.search, self.flags, self.program_filter, self.step_filter, self.show, self.sort,
                        self.inactive], layout=w.Layout(flex_flow="row wrap", align_items="center", width="100%"))
        tools.add_class("sb-tools")
        # one client: their private label, archive
        self.client = _dropdown("Client", [], "22rem")
        self.client.observe(lambda _c: self._show_client(), names="value")
        self.label = w.Text(description="Your private label", placeholder=f"e.g. initials, Tues 3pm (up to {MAX_LABEL})",
                            style={"description_width": "initial"}, layout=w.Layout(width="24rem", max_width="100%"))
        self.label_button = w.Button(description="Save label", icon="tag", layout=w.Layout(width="auto"))
        self.label_button.on_click(lambda _b: self.save_label())
        self.archive_button = w.Button(description="Archive this client", icon="archive",
                                        layout=w.Layout(width="auto", align_self="flex-start"))
        self.archive_button.on_click(lambda _b: self.ask_archive())
        self.archive_confirm = Confirm("Yes, archive", lambda: self.archive())
        self.client_message = w.HTML()
        self.consent = ConsentPanel(self.store, via="home")
        # couples
        self.partner_a = _dropdown("Partner A", [], "22rem")
        self.partner_b = _dropdown("Partner B", [], "22rem")
        self.couple_button = w.Button(description="Check and link as a couple", icon="link",
                                       layout=w.Layout(width="auto", align_self="flex-start"))
        self.couple_button.on_click(lambda _b: self.check_couple())
        self.couple_confirm = Confirm("Link them", lambda: self.link())
        self.couple_message = w.HTML()
        for partner in (self.partner_a, self.partner_b):
            partner.observe(lambda _c: self.couple_confirm.hide(), names="value")
        # a new client
        self.program = w.Dropdown(options=[(p.title, p.id) for p in programs.values()], description="Program",
                                  style={"description_width": "initial"}, layout=w.Layout(width="32rem", max_width="100%"))
        self.start = w.DatePicker(description="First day", value=today or clock.today(),
                                  style={"description_width": "initial"})
        self.create_button = w.Button(description="Add a new client", button_style="primary", icon="user-plus",
                                      layout=w.Layout(width="auto", align_self="flex-start"))   # the whole label
        self.create_button.on_click(lambda _b: self.create())
        self.message = w.Label()
        self.notices = NoticeList(self.store, on_change=self.refresh_table)
        row = {"flex_flow": "row wrap", "align_items": "center", "width": "100%"}
        self.widget = w.VBox([
            w.HTML(_TABLE_STYLE), self.notices.widget,
            w.HTML("<h2>Clients</h2>"), tools, self.count, self.table, self.refresh_button,
            w.HTML("<h2>A client: your label, archive</h2><p>Your private label (initials, a day and time) is kept "
                   "only on this computer, in a file only your user account can read: never in the store, the "
                   "exports or the logs. Archiving hides a client from the list; nothing of theirs is deleted, and "
                   "you can bring them back from <em>Show: Archived clients</em>.</p>"),
            self.client, w.HBox([self.label, self.label_button], layout=w.Layout(**row)),
            self.archive_button, self.archive_confirm.widget, self.client_message,
            w.HTML("<h3>Consent</h3><p>Record what the client decided, after reading the text with them. Each "
                   "decision is kept; the research export takes only clients whose research consent is in force.</p>"),
            self.consent.widget,
            w.HTML("<h2>Link a couple</h2><p>Pick the two partners. Each keeps their entries private unless they "
                   "share one; a client can be in one couple at a time.</p>"),
            w.HBox([self.partner_a, self.partner_b], layout=w.Layout(**row)), self.couple_button,
            self.couple_confirm.widget, self.couple_message,
            w.HTML("<h2>New client</h2><p>Secure Base makes a pseudonymous code; keep the link to the person "
                   "outside Secure Base.</p>"),
            self.program, self.start, self.create_button, self.message,
        ])
        self.refresh()

    # ------------------------------------------------------------ the list

    def refresh(self) -> None:
        """The new-flag notices, the client table and the pickers (e.g. after a flag was cleared elsewhere)."""
        self.notices.refresh()
        self.rows = client_rows(self.store, today=self.today)
        self._load_labels()
        self._update_pickers()
        self.refresh_table(reload=False)

    def _load_labels(self) -> None:
        try:
            self.labels = load_labels(self.labels_file)
        except LabelError as exc:
            self.labels = {}
            self.client_message.value = f"<p role='alert'>{esc(str(exc))}</p>"

    def _name(self, r: ClientRow) -> str:
        label = self.labels.get(r.client_id)
        return r.client_id + (f" ({label})" if label else "") + (" - archived" if r.archived else "")

    def _update_pickers(self) -> None:
        steps = sorted({(r.phase_number, r.phase_title) for r in self.rows if r.phase_title})
        titles = list(dict.fromkeys(t for _n, t in steps))
        keep = self.step_filter.value if self.step_filter.value in titles else ""
        with self.step_filter.hold_trait_notifications():
            self.step_filter.options = [("Every step", "")] + [(t, t) for t in titles]
            self.step_filter.value = keep
        current = [(self._name(r) + (f" - in couple {r.dyad_id}" if r.dyad_id else ""), r.client_id)
                   for r in self.rows if not r.archived]
        for picker in (self.partner_a, self.partner_b):
            self._set_options(picker, current)

    @staticmethod
    def _set_options(picker: w.Dropdown, options: list[tuple[str, str]], pick: str = "") -> None:
        value = picker.value or pick
        picker.options = [("Choose a client", "")] + options
        picker.value = value if value in [v for _n, v in options] else ""

    def view(self) -> View:
        text = self.search.value
        if len(text) > MAX_SEARCH:
            self.search.value = text = text[:MAX_SEARCH]
        return View(search=text, flags=self.flags.value, program_id=self.program_filter.value, step=self.step_filter.value,
                    inactive_only=self.inactive.value, archived=self.show.value, sort=self.sort.value)

    def refresh_table(self, reload: bool = True) -> None:
        if reload:
            self.rows = client_rows(self.store, today=self.today)
        groups = select(self.rows, self.view(), self.labels)
        shown = sum(len(g) for g in groups)
        archived = sum(r.archived for r in self.rows)
        note = f" {archived} archived, not shown." if archived and self.show.value == "active" else ""
        self.count.value = (f"<p role='status' class='sb-muted'>Showing {shown} of {len(self.rows)} "
                            f"client{'s' if len(self.rows) != 1 else ''}.{note}</p>" if self.rows else "")
        self.table.value = table_html(groups, self.labels, total=len(self.rows))
        # the client picker offers the clients shown (and keeps the one picked); one shown is picked
        shown_rows = [r for g in groups for r in g]
        picked = self._row(self.client.value)
        options = [(self._name(r), r.client_id) for r in shown_rows]
        if picked is not None and picked not in shown_rows:
            options.append((self._name(picked), picked.client_id))
        before = self.client.value
        self._set_options(self.client, options, shown_rows[0].client_id if len(shown_rows) == 1 else "")
        if self.client.value == before:
            self._show_client()      # the same client: show their label and state again

    # ------------------------------------------------------------ one client: label, archive

    def _row(self, client_id: str) -> ClientRow | None:
        return next((r for r in self.rows if r.client_id == client_id), None)

    def _show_client(self) -> None:
        r = self._row(self.client.value)
        for control in (self.label, self.label_button, self.archive_button):
            control.disabled = r is None
        self.label.value = self.labels.get(r.client_id, "") if r else ""
        self.archive_button.description = "Bring back from the archive" if r and r.archived else "Archive this client"
        self.archive_button.icon = "undo" if r and r.archived else "archive"
        self.archive_confirm.hide()
        self.consent.show(r.client_id if r else None)

    def save_label(self) -> None:
        client_id = self.client.value
        if not client_id:
            self.client_message.value = "<p role='alert'>Choose a client first.</p>"
            return
        try:
            self.labels = set_label(client_id, self.label.value, self.labels_file)
        except SecureBaseError as exc:
            self.client_message.value = f"<p role='alert'>Label not saved: {esc(str(exc))}</p>"
            return
        kept = self.labels.get(client_id)
        self.client_message.value = (f"<p role='status'>Label of {esc(client_id)} saved: {esc(kept)}.</p>" if kept else
                                     f"<p role='status'>Label of {esc(client_id)} removed.</p>")
        self._update_pickers()
        self.client.value = client_id
        self.refresh_table(reload=False)

    def ask_archive(self) -> None:
        r = self._row(self.client.value)
        if r is None:
            self.client_message.value = "<p role='alert'>Choose a client first.</p>"
            return
        if r.archived:
            self.archive()    # bringing a client back hides nothing: no confirm step
            return
        extra = f" Their couple {esc(r.dyad_id)} stays linked." if r.dyad_id else ""
        self.archive_confirm.ask(f"<span role='alert'>Archive {esc(r.client_id)}? They leave the list; their "
                                 f"entries, flags and results are kept.{extra}</span>")
        self.client_message.value = ""

    def archive(self) -> None:
        r = self._row(self.client.value)
        self.archive_confirm.hide()
        if r is None:
            self.client_message.value = "<p role='alert'>Choose a client first.</p>"
            return
        try:
            self.store.set_archived(r.client_id, not r.archived)
        except SecureBaseError as exc:
            self.client_message.value = f"<p role='alert'>Not changed: {esc(str(exc))}</p>"
            return
        self.client_message.value = (f"<p role='status'>{esc(r.client_id)} is back in the list.</p>" if r.archived else
                                     f"<p role='status'>{esc(r.client_id)} archived. To bring them back, press "
                                     "Bring back from the archive (later: Show, Archived clients, then pick them).</p>")
        client_id = r.client_id
        self.rows = client_rows(self.store, today=self.today)
        self._update_pickers()
        self.client.value = client_id
        self.refresh_table(reload=False)

    # ------------------------------------------------------------ couples

    def _couple_problem(self, a: str, b: str) -> str:
        if not a or not b:
            return "Choose both partners first."
        if a == b:
            return "A couple needs two different clients; you chose the same client twice."
        for client_id in (a, b):
            r = self._row(client_id)
            if r is None:
                return f"There is no client {client_id} any more; refresh the list."
            if r.archived:
                return f"{client_id} is archived; bring them back from the archive first."
            dyad = dyad_of(self.store, client_id)
            if dyad is not None:
                other = dyad.partner_b if dyad.partner_a == client_id else dyad.partner_a
                return (f"{client_id} is already linked with {other} in couple {dyad.dyad_id}. A client can be in "
                        "one couple at a time.")
        return ""

    def check_couple(self) -> None:
        a, b = self.partner_a.value, self.partner_b.value
        problem = self._couple_problem(a, b)
        if problem:
            self.couple_confirm.hide()
            self.couple_message.value = f"<p role='alert'>Not linked: {esc(problem)}</p>"
            return
        self.couple_confirm.ask(f"<span role='status'>Link {esc(a)} (partner A) and {esc(b)} (partner B) as a "
                                "couple?</span>")
        self.couple_message.value = ""

    def link(self) -> None:
        a, b = self.partner_a.value, self.partner_b.value
        self.couple_confirm.hide()
        problem = self._couple_problem(a, b)
        if problem:
            self.couple_message.value = f"<p role='alert'>Not linked: {esc(problem)}</p>"
            return
        ra, rb = self._row(a), self._row(b)
        program = ra.program_id if ra and rb and ra.program_id == rb.program_id and ra.program_id else None
        try:  # the function `securebase couple link` uses, with the same checks
            dyad = link_couple(self.store, a, b, program_id=program)
        except SecureBaseError as exc:
            self.couple_message.value = f"<p role='alert'>Not linked: {esc(str(exc))}</p>"
            return
        self.couple_message.value = (f"<p role='status'>Linked {esc(a)} and {esc(b)} as couple {esc(dyad.dyad_id)}. "
                                     "They are shown together in the list.</p>")
        self.partner_a.value = self.partner_b.value = ""    # linked: not offered for a second press
        self.rows = client_rows(self.store, today=self.today)
        self._update_pickers()
        self.refresh_table(reload=False)

    # ------------------------------------------------------------ a new client

    def create(self) -> None:
        try:
            client_id = new_client(self.store, self.program.value, self.start.value)
        except SecureBaseError as exc:
            self.message.value = f"Not added: {exc}"
            return
        self.message.value = f"Added client {client_id}. Open their workbook from the list above."
        self.refresh()
