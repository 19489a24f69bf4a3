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

from securebase.app.serverconf import LOGIN_IDLE_HOURS

_DAYS = LOGIN_IDLE_HOURS / 24
_TOKEN_IN_ADDRESS = re.compile(r"[?&]token=([A-Za-z0-9_\-]+)")

_LOGIN_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Secure Base</title>
<style>
 body {{ margin: 0; font-family: system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif; color: #1f2a37; background: #f4f6f9; }}
 header {{ background: #1a4f9c; color: #fff; padding: 12px 24px; font-weight: 600; font-size: 17px; }}
 main {{ max-width: 34em; margin: 32px auto; background: #fff; border: 1px solid #dde3ea; border-radius: 8px; padding: 20px 28px; line-height: 1.55; }}
 h1 {{ font-size: 22px; margin: 0 0 8px; }}
 label {{ display: block; font-weight: 600; margin: 14px 0 4px; }}
 input[type=password] {{ width: 100%; box-sizing: border-box; padding: 8px; border: 1px solid #9aa5b1; border-radius: 6px; font-size: 15px; }}
 button {{ margin-top: 14px; background: #1a4f9c; color: #fff; border: 0; border-radius: 6px; padding: 9px 18px; font-size: 15px; }}
 .error {{ border-left: 4px solid #b3541e; background: #fdf3ec; padding: 8px 12px; }}
</style></head>
<body><header>Secure Base</header><main>
<h1>Sign in</h1>
{message}
<p>Open the address that Secure Base printed when it was started, or paste it (or just its token, the part after
<code>token=</code>) below. After 12 hours without use you are asked again.</p>
<form method="post" action="?next={next}">{xsrf}
<label for="password">Address or token</label>
<input type="password" id="password" name="password" autocomplete="off" required autofocus>
<button type="submit">Sign in</button>
</form></main></body></html>"""


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
        self.write(_LOGIN_PAGE.format(message=error, next=html.escape(url_escape(self.get_argument("next", default=self.base_url))),
                                      xsrf=self.xsrf_form_html()))


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
