"""The login of the local servers (Voila and JupyterLab): a token, then a cookie that lapses after
:data:`securebase.app.serverconf.LOGIN_IDLE_HOURS` without use.

Imported by the server processes only (it needs jupyter_server). Jupyter's own cookie lasts 30 days
from the first login whatever happens; here every request renews it, and a cookie signed more than
12 hours ago is refused, so a page left open on a shared computer asks for the address again the next
morning.
"""

from __future__ import annotations

import inspect
from typing import Any

from jupyter_server.auth.identity import PasswordIdentityProvider
from tornado.websocket import WebSocketHandler
from traitlets import default

from securebase.app.serverconf import LOGIN_IDLE_HOURS

_DAYS = LOGIN_IDLE_HOURS / 24


class IdleExpiringIdentityProvider(PasswordIdentityProvider):
    """Jupyter's token login, with a cookie that expires after 12 hours without a request."""

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
