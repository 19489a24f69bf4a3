"""Widgets of the clinician's home page: new safety flags (until acknowledged), the client table and
the new-client form.

New flags (:func:`securebase.safety.notify.unacknowledged`) come first, each with the client code,
the categories in plain words, the date and the exercise title, and an Acknowledge button that
records who saw it and when; the flag stays open in the client table until it is cleared.

Every value shown goes through :func:`securebase.ui.forms.esc` (client codes are pseudonymous and
validated, but nothing reaches an ``HTML`` widget unescaped). Safety flags are shown as a count
and their categories only.
"""

from __future__ import annotations

from datetime import date

import ipywidgets as w

from securebase.core import config
from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.core.pagerequest import wait_for_page_request
from securebase.core.text import esc
from securebase.progress.caseload import ClientRow, client_rows, new_client
from securebase.safety.flags import CATEGORY_LABELS
from securebase.safety.notify import acknowledge, unacknowledged
from securebase.store import Store
from securebase.core import clock

_TABLE_STYLE = ("<style>.sb-home td,.sb-home th{padding:.3rem .9rem .3rem 0;border-bottom:1px solid #d9dee6;"
                "text-align:left;vertical-align:top}.sb-home a{margin-right:.9rem;color:#1a5fb4;text-decoration:underline}"
                ".sb-flag{color:#8a1c1c;font-weight:600}</style>")


def table_html(rows: list[ClientRow]) -> str:
    if not rows:
        return "<p>No clients yet. Add one below: Secure Base makes a pseudonymous code for them.</p>"
    head = ("<tr><th scope='col'>Client</th><th scope='col'>Program and step</th><th scope='col'>Safety flags</th>"
            "<th scope='col'>Latest entry</th><th scope='col'>Open</th></tr>")
    body = []
    for r in rows:
        flag = (f"<span class='sb-flag'>{r.open_flags} open: "
                f"{esc(', '.join(CATEGORY_LABELS.get(c, c) for c in r.flag_categories))}</span>"
                if r.open_flags else "none open")
        if r.couple_paused:  # with a prompt to see the partners separately
            flag += f"<br><span class='sb-flag'>{esc(content.locale('en').text('home_couple_paused'))}</span>"
        links = "".join(f"<a href='{esc(link.href)}' aria-label='{esc(link.label)} for {esc(r.client_id)}'>"
                        f"{esc(link.label)}</a>" for link in r.links)
        body.append(f"<tr><td><strong>{esc(r.client_id)}</strong></td><td>{esc(r.program)}<br>"
                    f"<span style='color:#5a6372'>{esc(r.step)}</span></td><td>{flag}</td>"
                    f"<td>{esc(r.last_entry or 'none yet')}</td><td>{links}</td></tr>")
    return f"{_TABLE_STYLE}<table class='sb-home'><thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"


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


class HomePage:
    def __init__(self, store_path: str = "", today: date | None = None):
        programs = content.programs()
        wait_for_page_request()   # preheated: the clients as they are when the page opens, not when its kernel started
        self.store = Store(config.resolve_store_path(store_path))
        self.today = today
        self.table = w.HTML()
        self.refresh_button = w.Button(description="Refresh the list", icon="refresh")
        self.refresh_button.on_click(lambda _b: self.refresh())
        self.program = w.Dropdown(options=[(p.title, p.id) for p in programs.values()], description="Program",
                                  style={"description_width": "initial"}, layout=w.Layout(width="32rem"))
        self.start = w.DatePicker(description="First day", value=today or clock.today(),
                                  style={"description_width": "initial"})
        self.create_button = w.Button(description="Add a new client", button_style="primary", icon="user-plus",
                                      layout=w.Layout(width="auto", align_self="flex-start"))   # the whole label
        self.create_button.on_click(lambda _b: self.create())
        self.message = w.Label()
        self.notices = NoticeList(self.store, on_change=self.refresh_table)
        self.widget = w.VBox([
            w.HTML(_TABLE_STYLE), self.notices.widget,
            w.HTML("<h2>Clients</h2>"), self.table, self.refresh_button,
            w.HTML("<h2>New client</h2><p>Secure Base makes a pseudonymous code; keep the link to the person "
                   "outside Secure Base.</p>"),
            self.program, self.start, self.create_button, self.message,
        ])
        self.refresh()

    def refresh(self) -> None:
        """Both the new-flag notices and the client table (e.g. after a flag was cleared elsewhere)."""
        self.notices.refresh()
        self.refresh_table()

    def refresh_table(self) -> None:
        self.table.value = table_html(client_rows(self.store, today=self.today))

    def create(self) -> None:
        try:
            client_id = new_client(self.store, self.program.value, self.start.value)
        except SecureBaseError as exc:
            self.message.value = f"Not added: {exc}"
            return
        self.message.value = f"Added client {client_id}. Open their workbook from the list above."
        self.refresh()
