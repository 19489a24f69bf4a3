"""The login of the local servers (Voila and JupyterLab): a token, then a cookie that lapses after
:data:`securebase.app.serverconf.LOGIN_IDLE_HOURS` without use.

Imported by the server processes only (it needs jupyter_server). Jupyter's own cookie lasts 30 days
from the first login whatever happens; here every request renews it, and a cookie signed more than
12 hours ago is refused, so a page left open on a shared computer asks for the address again the next
morning.
"""

from __future__ import annotations

import hmac
import html
import inspect
import logging
import re
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider
from jupyter_server.auth.login import LoginFormHandler
from tornado.escape import url_escape
from tornado.websocket import WebSocketHandler
from traitlets import default

from securebase.app.plainpage import plain_page
from securebase.app.serverconf import LOGIN_IDLE_HOURS

_DAYS = LOGIN_IDLE_HOURS / 24
_TOKEN_IN_ADDRESS = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")

_LOGIN_FORM = """<h1>Sign in</h1>
{message}
<p>Open the address that Secure Base printed when it was started, or paste it (or just its token, the part after
<code>token=</code>) below. After 12 hours without use you are asked again.</p>
<form method="post" action="?next={next}">{xsrf}
<label for="password">Address or token</label>
<input type="password" id="password" name="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button>
</form>"""


_TOKEN_IN_LOG = re.compile(r"(token=)[^&\s'\"]+")


class _ScrubTokens(logging.Filter):
    """Tornado logs the address of a failed or slow request as it came, token and all."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _TOKEN_IN_LOG.sub(r"\1[secret]", record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_TOKEN_IN_LOG.sub(r"\1[secret]", a) if isinstance(a, str) else a for a in record.args)
        return True


for _name in ("tornado.access", "tornado.general", "tornado.application"):
    logging.getLogger(_name).addFilter(_ScrubTokens())   # this module is loaded by the servers only


class PlainLoginHandler(LoginFormHandler):
    """The sign-in page, in plain words: no server commands, no password set-up."""

    def _render(self, message: Any = None) -> None:
        error = ('<p class="error" role="alert">That is not the address or token of this Secure Base. Check that '
                 "you copied all of it.</p>") if message else ""
        form = _LOGIN_FORM.format(message=error, next=html.escape(url_escape(self.get_argument("next", default=self.base_url))),
                                  xsrf=self.xsrf_form_html())
        self.write(plain_page("Sign in", form))


class IdleExpiringIdentityProvider(PasswordIdentityProvider):
    """Jupyter's token login, with a cookie that expires after 12 hours without a request, and a plain
    sign-in page that also takes the whole printed address."""

    def __init__(self, **kwargs: Any):
        kwargs.pop("login_handler_class", None)   # Voila passes its own; ours is plain
        super().__init__(login_handler_class=PlainLoginHandler, **kwargs)

    def process_login_form(self, handler: Any) -> Any:
        typed = handler.get_argument("password", default="")
        found = _TOKEN_IN_ADDRESS.search(typed)
        if found and self.token and hmac.compare_digest(found.group(1), self.token):
            return self.generate_anonymous_user(handler)
        return super().process_login_form(handler)

    @default("cookie_options")
    def _cookie_options_default(self) -> dict:
        return {"expires_days": _DAYS, "samesite": "Strict"}

    @default("get_secure_cookie_kwargs")
    def _secure_cookie_kwargs_default(self) -> dict:
        return {"max_age_days": _DAYS}

    def get_user_cookie(self, handler: Any) -> Any:
        user = super().get_user_cookie(handler)
        if user is not None and not inspect.isawaitable(user) and not isinstance(handler, WebSocketHandler):
            self.set_login_cookie(handler, user)   # renewed: 12 hours from this request
        return user
