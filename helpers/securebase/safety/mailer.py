"""E-mail notifications of new safety flags, through the clinic's SMTP server: ids and categories only.

Configuration comes from the environment, never from a command line, and holds no secret itself:

=============================  ===========================================================
``SECUREBASE_SMTP_HOST``       the server; when unset, no e-mail is sent (and nothing fails)
``SECUREBASE_SMTP_PORT``       default 587 for starttls, 465 for tls, 25 for none
``SECUREBASE_SMTP_FROM``       the sender address
``SECUREBASE_SMTP_TO``         one or more recipients, comma-separated
``SECUREBASE_SMTP_SECURITY``   ``starttls`` (default), ``tls`` or ``none``
``SECUREBASE_SMTP_USER``       optional login name
``SECUREBASE_SMTP_PASSWORD_FILE``  the file holding the password; it must be readable by its
                               owner only (``chmod 600``), or it is refused
=============================  ===========================================================

It is an outbox: :func:`send_pending` sends every open flag that is not yet in the store's
``notifications_sent`` log for a recipient, then logs each one it sent (audited "notify", ids
only). A failure is logged (without client text: there is none in a message) and the same flags
are tried again next time. :func:`notify_new_flags` never raises, so a save is never disturbed,
and :func:`notify_soon` runs it on a daemon thread with its own store connection, so a save does
not wait for the server. The message names client codes, flag ids, dates and categories: no entry
text, no matched words, no names.
"""

from __future__ import annotations

import logging
import os
import smtplib
import ssl
import stat
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.safety.flags import Flag, flags
from securebase.store import Store

log = logging.getLogger(__name__)

CHANNEL = "email"
ENV = "SECUREBASE_SMTP_"
SECURITIES = {"starttls": 587, "tls": 465, "none": 25}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_SENDING = threading.Lock()  # one sender at a time in this process, so a flag is not sent twice


class NotifyConfigError(SecureBaseError):
    """The SMTP settings cannot be used; the message says which setting and how to fix it."""


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    security: str = "starttls"
    user: str = ""
    password: str = ""
    timeout: float = 15.0

    def __repr__(self) -> str:  # never show the password, in a log or a traceback
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, sender={self.sender!r}, "
                f"recipients={self.recipients!r}, security={self.security!r}, user={self.user!r})")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, *, recipients: bool = True) -> "SmtpSettings | None":
        """The settings from the environment; ``None`` when SECUREBASE_SMTP_HOST is not set. Without
        ``recipients`` (the homework reminders, which go to each client's own address) SECUREBASE_SMTP_TO
        is not needed."""
        env = os.environ if environ is None else environ
        host = env.get(ENV + "HOST", "").strip()
        if not host:
            return None
        security = env.get(ENV + "SECURITY", "starttls").strip().lower() or "starttls"
        if security not in SECURITIES:
            raise NotifyConfigError(f"{ENV}SECURITY is {security!r}: use starttls, tls or none.")
        port_text = env.get(ENV + "PORT", "").strip()
        try:
            port = int(port_text) if port_text else SECURITIES[security]
        except ValueError:
            port = 0
        if not 0 < port < 65536:
            raise NotifyConfigError(f"{ENV}PORT is {port_text!r}: give a port number such as 587.")
        sender = env.get(ENV + "FROM", "").strip()
        if not looks_like_address(sender):
            raise NotifyConfigError(f"{ENV}FROM must be the sender's e-mail address (for example "
                                    "securebase@clinic.example); it is " + ("not set." if not sender else f"{sender!r}."))
        to = tuple(r.strip() for r in env.get(ENV + "TO", "").split(",") if r.strip())
        if not to and recipients:
            raise NotifyConfigError(f"{ENV}TO is not set: give the clinicians' e-mail addresses, comma-separated.")
        wrong = [r for r in to if not looks_like_address(r)]
        if wrong:
            raise NotifyConfigError(f"{ENV}TO has something that is not an e-mail address: {wrong[0]!r}. "
                                    "Separate addresses with commas.")
        user = env.get(ENV + "USER", "").strip()
        password_file = env.get(ENV + "PASSWORD_FILE", "").strip()
        password = read_password_file(password_file) if password_file else ""
        if user and not password:
            raise NotifyConfigError(f"{ENV}USER is set but {ENV}PASSWORD_FILE is not: put the password in a file "
                                    "only you can read (chmod 600) and name it there.")
        if password and not user:
            raise NotifyConfigError(f"{ENV}PASSWORD_FILE is set but {ENV}USER is not: give the login name too.")
        if user and security == "none" and host.lower() not in _LOCAL_HOSTS:
            raise NotifyConfigError(f"{ENV}SECURITY is none, which would send the password unencrypted to {host}: "
                                    "use starttls or tls.")
        return cls(host, port, sender, to, security, user, password)


def looks_like_address(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local and domain and "." in domain.strip(".") and not any(c in text for c in " ,;<>\r\n"))


def read_password_file(path_text: str) -> str:
    """The password in ``path_text``; refused unless the file is the current user's and owner-only."""
    path = Path(path_text).expanduser()
    try:
        info = path.stat()
    except OSError:
        raise NotifyConfigError(f"{ENV}PASSWORD_FILE names {path}, which cannot be read: check the path.") from None
    if not stat.S_ISREG(info.st_mode):
        raise NotifyConfigError(f"{ENV}PASSWORD_FILE names {path}, which is not a file.")
    if info.st_mode & 0o077:
        raise NotifyConfigError(f"The password file {path} can be read by other people (mode "
                                f"{stat.S_IMODE(info.st_mode):o}). Make it owner-only with: chmod 600 {path}")
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise NotifyConfigError(f"The password file {path} belongs to another user: it must be your own file.")
    try:
        password = path.read_text(encoding="utf-8").strip("\r\n")
    except (OSError, UnicodeDecodeError):
        raise NotifyConfigError(f"The password file {path} cannot be read as text.") from None
    if not password:
        raise NotifyConfigError(f"The password file {path} is empty.")
    return password


def build_message(settings: SmtpSettings, recipient: str, pending: list[Flag], language: str = "en") -> EmailMessage:
    """The e-mail for one recipient: client codes, flag ids, dates and categories; nothing the client wrote."""
    loc = content.locale(language)
    message = EmailMessage()
    message["Subject"] = loc.text("notify_email_subject", count=len(pending))
    message["From"] = settings.sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2])
    lines = [loc.text("notify_email_intro", count=len(pending)), ""]
    lines += [loc.text("notify_email_line", client=f.client_id, categories=f.describe(), date=f.flagged_at[:16]
                       .replace("T", " "), flag=f.flag_id) for f in pending]
    lines += ["", loc.text("notify_email_outro")]
    message.set_content("\n".join(lines) + "\n")
    return message


@dataclass(frozen=True)
class NotifyReport:
    sent: int = 0          # flag-recipient pairs sent now
    failed: int = 0        # flag-recipient pairs not sent (tried again next time)
    recipients: int = 0

    def lines(self) -> list[str]:
        if not self.sent and not self.failed:
            return ["No new safety flags to send: every open flag has been e-mailed to every recipient."]
        out = [f"E-mailed {self.sent} flag notification(s) to {self.recipients} recipient(s)."]
        if self.failed:
            out.append(f"{self.failed} could not be sent (see the log); they will be tried again next time.")
        return out


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "tls":
        server: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                context=ssl.create_default_context())
    else:
        server = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        if settings.security == "starttls":
            server.starttls(context=ssl.create_default_context())
    if settings.user:
        server.login(settings.user, settings.password)
    return server


def send_pending(store: Store, settings: SmtpSettings) -> NotifyReport:
    """Send every open flag not yet e-mailed to each recipient; log each one sent. Server failures are
    logged and counted, not raised: the flags stay pending and go out next time."""
    with _SENDING:
        done = store.notifications_sent(CHANNEL)
        open_flags = flags(store, open_only=True)
        todo = {r: [f for f in open_flags if (f.flag_id, r) not in done] for r in settings.recipients}
        todo = {r: pending for r, pending in todo.items() if pending}
        if not todo:
            return NotifyReport()
        sent = failed = 0
        try:
            server = connect(settings)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("Safety e-mail not sent: cannot reach %s:%s (%s). %d notification(s) will be tried again.",
                        settings.host, settings.port, type(exc).__name__, sum(map(len, todo.values())))
            return NotifyReport(failed=sum(map(len, todo.values())), recipients=len(todo))
        try:
            for recipient, pending in todo.items():
                try:
                    server.send_message(build_message(settings, recipient, pending))
                except (OSError, smtplib.SMTPException) as exc:
                    log.warning("Safety e-mail to %s not sent (%s); %d flag(s) will be tried again.",
                                recipient, type(exc).__name__, len(pending))
                    failed += len(pending)
                    continue
                for f in pending:
                    store.record_notification(f.flag_id, f.client_id, channel=CHANNEL, recipient=recipient)
                sent += len(pending)
        finally:
            try:
                server.quit()
            except (OSError, smtplib.SMTPException):
                pass
        return NotifyReport(sent=sent, failed=failed, recipients=len(todo))


def notify_new_flags(store: Store, settings: SmtpSettings | None = None) -> NotifyReport | None:
    """Send pending flag e-mails if SMTP is configured; ``None`` when it is not. Never raises."""
    try:
        settings = settings or SmtpSettings.from_env()
        if settings is None:
            return None
        return send_pending(store, settings)
    except NotifyConfigError as exc:
        log.warning("Safety e-mail is not set up correctly: %s", exc)
    except Exception as exc:  # noqa: BLE001 - a notification must never break a save
        log.warning("Safety e-mail not sent (%s); the flags will be tried again next time.", type(exc).__name__)
    return None


def notify_soon(store: Store) -> threading.Thread | None:
    """For the save path: when SMTP is configured, send pending flags on a daemon thread (its own store
    connection), so the save does not wait for the server. Does nothing (``None``) when it is not."""
    if not os.environ.get(ENV + "HOST", "").strip():
        return None
    where, actor = store.location, store.actor  # type: ignore[attr-defined]

    def run() -> None:
        try:
            with Store(where, actor=actor) as own:
                notify_new_flags(own)
        except Exception as exc:  # noqa: BLE001 - a background send must never surface in a workbook
            log.warning("Safety e-mail not sent (%s); the flags will be tried again next time.", type(exc).__name__)

    thread = threading.Thread(target=run, name="securebase-safety-notify", daemon=True)
    thread.start()
    return thread
