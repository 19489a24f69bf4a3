"""The clinic server's own service (``/services/securebase/``), run by JupyterHub as the store's owner.

* ``calendar/<secret>.ics``: a client's private calendar feed (:mod:`securebase.homework.calendar`).
  Calendar programs cannot sign in, so the secret in the address is the key: 256 random bits, kept in the
  store only as a hash, revocable by the client or their clinician. An unknown or revoked address gets the
  same short *not in use* answer.
* Every ``SECUREBASE_MAIL_EVERY`` seconds (:data:`INTERVAL_SECONDS` unless set): the homework reminders that are due, and the e-mails of new safety flags,
  when ``SECUREBASE_SMTP_*`` is set (:mod:`securebase.homework.reminders`, :mod:`securebase.safety.mailer`).
* ``health``: for ``securebase hub status``.

Nothing the service logs names a client or holds a secret.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import threading

from tornado import web
from tornado.ioloop import IOLoop, PeriodicCallback

from securebase import content
from securebase.core import config
from securebase.store import Store

log = logging.getLogger("securebase.hub.service")
INTERVAL_SECONDS = 300
_SECRET = r"([A-Za-z0-9_-]{20,100})"


def _store() -> Store:
    return Store(config.resolve_store(""))


def feed_bytes(secret: str) -> bytes | None:
    from securebase.homework.calendar import client_feed

    with _store() as store:
        client_id = store.calendar_feed_client(secret)
        if client_id is None:
            return None
        return client_feed(store, content.program, client_id, default_time_zone=config.default_time_zone(),
                           url=config.public_url() + "/hub/login")


class FeedHandler(web.RequestHandler):
    async def get(self, secret: str) -> None:
        ics = await asyncio.to_thread(feed_bytes, secret)
        self.set_header("Cache-Control", "private, max-age=3600")
        self.set_header("Referrer-Policy", "no-referrer")
        if ics is None:
            self.set_status(404)
            self.set_header("Content-Type", "text/plain; charset=utf-8")
            self.finish("This calendar address is not in use. Ask your clinician for a new one.\n")
            return
        self.set_header("Content-Type", "text/calendar; charset=utf-8")
        self.set_header("Content-Disposition", 'inline; filename="securebase.ics"')
        self.finish(ics)

    def log_exception(self, *args) -> None:   # no traceback with a secret in its address
        log.warning("A calendar feed could not be made (%s).", args[0].__name__ if args else "error")

    def write_error(self, status_code: int, **kwargs) -> None:
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish("The calendar cannot be made just now; your calendar program tries again later.\n")


class HealthHandler(web.RequestHandler):
    def get(self) -> None:
        self.finish({"status": "ok"})


_ROUND = threading.Lock()


def send_due() -> None:
    """The reminders due now and the new safety e-mails (nothing when e-mail is not set up). One round at a
    time: a round still running when the next is due lets it pass."""
    if not _ROUND.acquire(blocking=False):
        return
    try:
        _send_due()
    finally:
        _ROUND.release()


def _send_due() -> None:
    from securebase.homework.reminders import send_reminders
    from securebase.safety.mailer import SmtpSettings, notify_new_flags

    try:
        settings = SmtpSettings.from_env(recipients=False)
        if settings is None:
            return
        with _store() as store:
            report = send_reminders(store, settings, content.program, sign_in_url=config.public_url() + "/hub/login")
            if report.sent or report.failed:
                log.info("Reminders: %d sent, %d to try again.", report.sent, report.failed)
            if settings.recipients:
                notify_new_flags(store, settings)
    except Exception as exc:  # noqa: BLE001 - the service keeps serving feeds whatever the mail server does
        log.warning("Reminders and safety e-mails not sent this time (%s).", type(exc).__name__)


def make_app(prefix: str) -> web.Application:
    prefix = "/" + prefix.strip("/") + "/"
    return web.Application([(re.escape(prefix) + r"calendar/" + _SECRET + r"\.ics", FeedHandler),
                            (re.escape(prefix) + "health", HealthHandler)])


def main() -> None:  # pragma: no cover - started by JupyterHub (tests/hub run it for real)
    logging.basicConfig(level=logging.INFO, format="[securebase service] %(message)s")
    for name in ("tornado.access",):
        logging.getLogger(name).setLevel(logging.WARNING)   # request lines carry the feeds' secrets
    app = make_app(os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/services/securebase/"))
    app.listen(int(os.environ.get("SECUREBASE_SERVICE_PORT", "8090")), address="127.0.0.1")
    every = max(1, int(os.environ.get("SECUREBASE_MAIL_EVERY", "") or INTERVAL_SECONDS))
    PeriodicCallback(lambda: IOLoop.current().run_in_executor(None, send_due), every * 1000).start()
    IOLoop.current().run_in_executor(None, send_due)
    IOLoop.current().start()


if __name__ == "__main__":  # pragma: no cover
    main()
