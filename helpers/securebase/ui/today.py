"""A client's page of today (``notebooks/app/today.ipynb``), where a client lands on the clinic server.

Today's practice comes first: what their clinician set for today, how much of it is done, and a link that
opens the workbook of each. Then how the homework has gone so far, their workbooks and progress, their
calendar address and e-mail reminders, their consent (:mod:`securebase.ui.consent`), and help (their safety plan and crisis resources). Everything the
page shows of the store is escaped; it shows nothing the client wrote.
"""

from __future__ import annotations

from datetime import date
from urllib.parse import quote, urlencode

import ipywidgets as w

from securebase import content, homework
from securebase.core import config
from securebase.core.errors import SecureBaseError
from securebase.core.layout import PROGRESS_NOTEBOOK
from securebase.core.text import esc
from securebase.homework import calendar, reminders
from securebase.journal import schedule
from securebase.store import Store

_STYLE = """<style>
.sb-today{border-collapse:collapse;width:100%;margin:4px 0 12px}
.sb-today td,.sb-today th{padding:8px 10px;border-bottom:1px solid #d9dee6;text-align:left;vertical-align:top}
.sb-today .sb-done{color:#2f6b3a;font-weight:600}.sb-today .sb-todo{color:#8a4b12;font-weight:600}
.sb-open{display:inline-block;padding:4px 12px;border-radius:6px;background:#1a4f9c;color:#fff!important;text-decoration:none}
.sb-books a{color:#1a4f9c;text-decoration:underline}
</style>"""


def _link(notebook: str, client_id: str) -> str:
    return f"../{quote(notebook)}?{urlencode({'client_id': client_id})}"


def practice_html(program: content.Program, items: list[homework.TodayItem], client_id: str) -> str:
    """Today's practice as a table (escaped), or a plain sentence when nothing is set."""
    if not items:
        return ("<p>Nothing is set for today. You can still open your workbook below, or look at your "
                "progress.</p>")
    rows = []
    for item in items:
        phase = program.phase(item.phase_id)
        href = _link(f"{program.id}/{phase.number:02d}_{phase.id}.ipynb", client_id)
        state = (f"<span class='sb-done'>Done: {esc(item.describe())}</span>" if item.finished else
                 f"<span class='sb-todo'>{esc(item.describe())}</span>")
        rows.append(f"<tr><td><strong>{esc(item.exercise.title)}</strong><br><span class='sb-muted'>"
                    f"{esc(homework.FREQUENCY_WORDS[item.assignment.frequency])}, at {esc(', '.join(item.assignment.times))}"
                    f"</span></td><td>{state}</td><td><a class='sb-open' href='{esc(href)}' "
                    f"aria-label='Open {esc(item.exercise.title)}'>Open</a></td></tr>")
    return ("<table class='sb-today'><tr><th scope='col'>Practice</th><th scope='col'>Today</th>"
            f"<th scope='col'>Open</th></tr>{''.join(rows)}</table>")


def workbooks_html(program: content.Program, client_id: str, current_phase: str) -> str:
    links = []
    for phase in program.phases:
        here = " (where you are now)" if phase.id == current_phase else ""
        links.append(f"<li><a href='{esc(_link(f'{program.id}/{phase.number:02d}_{phase.id}.ipynb', client_id))}'>"
                     f"{esc(phase.title)}</a>{esc(here)}</li>")
    progress = _link(f"{program.id}/{PROGRESS_NOTEBOOK}", client_id)
    return (f"<div class='sb-books'><h2>Your workbooks</h2><p>{esc(program.title)}</p><ul>{''.join(links)}</ul>"
            f"<p><a href='{esc(progress)}'>Your progress</a></p></div>")


def feed_html(store: Store, client_id: str, intro: str) -> str:
    """A new calendar address of the client, shown once after ``intro``; or why there is none (escaped)."""
    try:
        secret = calendar.new_feed(store, client_id)
    except SecureBaseError as exc:
        return f"<p role='alert'>{esc(str(exc))}</p>"
    return (f"<p>{esc(intro)}</p><p style='font-family:monospace;word-break:break-all;background:#f4f6f9;"
            f"padding:6px 8px'>{esc(config.calendar_url(secret))}</p>")


def revoke_html(store: Store, client_id: str) -> str:
    """Stop every calendar address of the client; what happened, in a sentence (escaped)."""
    try:
        count = store.revoke_calendar_feeds(client_id)
    except SecureBaseError as exc:
        return f"<p role='alert'>{esc(str(exc))}</p>"
    return (f"<p role='status'>Stopped {count} calendar address(es): calendars subscribed to them get nothing "
            "new.</p>" if count else "<p role='status'>No calendar address is in use.</p>")


class CalendarAddresses:
    """Two buttons, for a new calendar address of the client (shown once, after ``intro``) and for stopping
    every address of theirs, and the message that says what happened: on the client's page of today and in
    the clinician's homework section."""

    def __init__(self, store: Store, client_id: str, *, new: str, stop: str, intro: str):
        self.store, self.client_id, self.intro = store, client_id, intro
        self.message = w.HTML()
        self.new_button = w.Button(description=new, icon="calendar", layout=w.Layout(width="auto"))
        self.new_button.on_click(lambda _b: self.new_feed())
        self.stop_button = w.Button(description=stop, icon="ban", layout=w.Layout(width="auto"))
        self.stop_button.on_click(lambda _b: self.revoke())
        self.buttons = w.HBox([self.new_button, self.stop_button],
                              layout=w.Layout(flex_flow="row wrap", align_items="center"))

    def new_feed(self) -> None:
        self.message.value = feed_html(self.store, self.client_id, self.intro)

    def revoke(self) -> None:
        self.message.value = revoke_html(self.store, self.client_id)


class TodayView:
    """The widgets of a client's page of today."""

    def __init__(self, store: Store, client_id: str, today: date, language: str = "en"):
        from securebase.ui.consent import ConsentPanel
        from securebase.ui.help import HelpScreen

        self.store, self.client_id, self.today = store, client_id, today
        client = store.require_client(client_id)
        self.program = content.program(client.program_id) if client.program_id else None
        self.practice = w.HTML()
        self.summary = w.HTML()
        self.calendar = CalendarAddresses(store, client_id, new="Get my calendar address",
                                          stop="Stop all my calendar addresses",
                                          intro="Your calendar address (copy it now: it is shown only this once). In "
                                                "your calendar program choose subscribe or add by URL:")
        settings = store.reminder_settings(client_id)
        self.email = w.Text(description="E-mail for reminders", value=(settings.email or "") if settings else "",
                            placeholder="leave empty for no e-mails", style={"description_width": "initial"},
                            layout=w.Layout(width="26rem", max_width="100%"))
        self.zone = w.Text(description="Your time zone", value=settings.time_zone if settings else config.default_time_zone(),
                           style={"description_width": "initial"}, layout=w.Layout(width="20rem", max_width="100%"))
        self.save_button = w.Button(description="Save reminder settings", icon="bell", layout=w.Layout(width="auto"))
        self.save_button.on_click(lambda _b: self.save_reminders())
        self.reminder_message = w.HTML()
        self.consent = ConsentPanel(store, via="workbook", client_id=client_id)
        position = ""
        if self.program is not None:
            position = schedule.current_position(self.program, client.start_date or today, today,
                                                 client.phase_override).phase.id
        books = workbooks_html(self.program, client_id, position) if self.program else ""
        self.widget = w.VBox([
            w.HTML(_STYLE + f"<h1>Today, {today:%A %d %B}</h1><h2>Your practice today</h2>"), self.practice,
            self.summary, w.HTML(books),
            w.HTML("<h2>Reminders</h2><p>A calendar address puts your practice times, with an alarm, in any calendar "
                   "program. Anyone with the address can see those times (not what you write), so keep it to "
                   "yourself; you can stop every address at once.</p>"),
            self.calendar.buttons, self.calendar.message,
            w.HTML("<p>An e-mail reminder says only that practice is waiting, once a day.</p>"),
            self.email, self.zone, self.save_button, self.reminder_message,
            w.HTML("<h2>Your consent</h2><p>What you agreed to, and the texts. You can change your mind at any "
                   "time; each decision is kept with its date.</p>"), self.consent.widget,
            w.HTML("<h2>Help</h2>"), HelpScreen(language, store, client_id).widget,
        ])
        self.refresh()

    def refresh(self) -> None:
        assignments = self.store.assignments(self.client_id)
        entries = self.store.current_entries(self.client_id)
        if self.program is None:
            self.practice.value = "<p>Your clinician has not set up your program yet.</p>"
            return
        items = homework.todays_practice(self.program, assignments, entries, self.today)
        self.practice.value = practice_html(self.program, items, self.client_id)
        overall = homework.adherence([a for a in assignments if a.program_id == self.program.id], entries, self.today)
        self.summary.value = (f"<p>So far: {overall['done']} of {overall['expected']} set practices done.</p>"
                              if overall["expected"] else "")

    def save_reminders(self) -> None:
        try:
            saved = reminders.set_reminders(self.store, self.client_id, email=self.email.value[:300],
                                            time_zone=self.zone.value.strip()[:64])
        except SecureBaseError as exc:
            self.reminder_message.value = f"<p role='alert'>{esc(str(exc))} Nothing was changed.</p>"
            return
        self.reminder_message.value = ("<p role='status'>Saved: a reminder e-mail once a day while practice is "
                                       "waiting.</p>" if saved.email else
                                       "<p role='status'>Saved: no reminder e-mails.</p>")
