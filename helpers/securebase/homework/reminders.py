"""Optional e-mail reminders of the day's homework, through the clinic's SMTP server
(:class:`securebase.safety.mailer.SmtpSettings`, the same ``SECUREBASE_SMTP_*`` settings; ``..._TO`` is not
needed: each reminder goes to the address the client or their clinician set).

A client gets at most one reminder a day, once the first practice set for their day is due in their own time
zone, and only while something set for that day is still to do. The message says only that practice is waiting
and where to sign in: no exercise, no program, no client code, nothing the client wrote. Anyone who sees
the inbox learns no more than that the person uses Secure Base.

``securebase reminders send`` runs it (as the store's owner, from a timer or the clinic server's service).
"""

from __future__ import annotations

import logging
import smtplib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timezone
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from securebase.content import Program
from securebase.homework.assignments import HomeworkError, todays_practice
from securebase.homework.calendar import check_time_zone
from securebase.safety.mailer import SmtpSettings, connect, looks_like_address
from securebase.store import ReminderSettings, Store

log = logging.getLogger(__name__)

SUBJECT = "Your practice for today"
MAX_ADDRESS = 254


def set_reminders(store: Store, client_id: str, *, email: str | None, time_zone: str) -> ReminderSettings:
    """Check and record where the client's reminders go (``email`` None or empty: no e-mails)."""
    email = (email or "").strip() or None
    if email is not None and (len(email) > MAX_ADDRESS or not looks_like_address(email)):
        raise HomeworkError(f"{email[:60]!r} is not an e-mail address: write it as name@example.org, or leave it "
                            "empty for no e-mails.")
    return store.set_reminders(client_id, email=email, time_zone=check_time_zone(time_zone))


def build_reminder(settings: SmtpSettings, recipient: str, sign_in_url: str | None) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = SUBJECT
    message["From"] = settings.sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    where = f"Sign in here to do it: {sign_in_url}" if sign_in_url else "Sign in to Secure Base to do it."
    message.set_content(
        "Hello,\n\nThere is practice waiting for you today.\n"
        f"{where}\n\n"
        "This message says nothing more, on purpose: what you write stays in Secure Base.\n"
        "To stop these e-mails, ask your clinician, or remove your address on your practice page.\n")
    return message


@dataclass(frozen=True)
class ReminderReport:
    sent: int = 0
    failed: int = 0
    not_due: int = 0

    def lines(self) -> list[str]:
        out = [f"Sent {self.sent} reminder(s); {self.not_due} client(s) had nothing due yet or were reminded already."]
        if self.failed:
            out.append(f"{self.failed} could not be sent (see the log); they are tried again next time.")
        return out


def due_reminders(store: Store, program_of: Callable[[str], Program], now: datetime,
                  everyone: list[ReminderSettings] | None = None) -> list[tuple[ReminderSettings, datetime]]:
    """The clients to remind now (of ``everyone``, default: all with reminder settings), with their local
    time: an address set, not reminded today, something set for today still to do, and the first of today's
    times passed."""
    out = []
    sent_on: dict[date, set[str]] = {}   # clients' local days: one or two dates
    for settings in store.all_reminder_settings() if everyone is None else everyone:
        if not settings.email:
            continue
        local = now.astimezone(ZoneInfo(settings.time_zone))
        today = local.date()
        if today not in sent_on:
            sent_on[today] = store.reminders_sent_on(today)
        if settings.client_id in sent_on[today]:
            continue
        assignments = [a for a in store.assignments(settings.client_id) if a.active_on(today)]
        if not assignments:
            continue
        entries = store.current_entries(settings.client_id)
        items = [i for pid in sorted({a.program_id for a in assignments})
                 for i in todays_practice(program_of(pid), assignments, entries, today)]
        waiting = [i for i in items if not i.finished]
        if waiting and min(i.assignment.times[0] for i in waiting) <= f"{local:%H:%M}":
            out.append((settings, local))
    return out


def send_reminders(store: Store, settings: SmtpSettings, program_of: Callable[[str], Program], *,
                   now: datetime | None = None, sign_in_url: str | None = None) -> ReminderReport:
    """Send the reminders due now; each one sent is recorded, so it goes once a day. Failures are logged
    (with no address) and tried again on the next run."""
    now = now or datetime.now(timezone.utc)
    everyone = store.all_reminder_settings()
    due = due_reminders(store, program_of, now, everyone)
    reminding = len(everyone)
    if not due:
        return ReminderReport(not_due=reminding)
    try:
        server = connect(settings)
    except (OSError, smtplib.SMTPException) as exc:
        log.warning("Reminders not sent: cannot reach %s:%s (%s); %d will be tried again.",
                    settings.host, settings.port, type(exc).__name__, len(due))
        return ReminderReport(failed=len(due), not_due=reminding - len(due))
    sent = failed = 0
    try:
        for client, local in due:
            try:
                server.send_message(build_reminder(settings, client.email or "", sign_in_url))
            except (OSError, smtplib.SMTPException) as exc:
                log.warning("A reminder was not sent (%s); it is tried again next time.", type(exc).__name__)
                failed += 1
                continue
            store.reminder_sent(client.client_id, local.date())
            sent += 1
    finally:
        try:
            server.quit()
        except (OSError, smtplib.SMTPException):
            pass
    return ReminderReport(sent=sent, failed=failed, not_due=reminding - len(due))
