"""Signing in to the clinic server: PAM against each person's system user, and setting one's own password.

:class:`SecureBaseAuthenticator` is JupyterHub's PAMAuthenticator for Secure Base people only: the hub user
``ann`` is the system user ``sb_ann`` (:mod:`securebase.hub.accounts`), and only a system user in one of
the Secure Base role groups may sign in, so no other account of the machine (root, a developer) can. PAM
runs the clinic's own service file (``/etc/pam.d/securebase-hub``, :func:`pam_files`): the password, then,
for a person who has one, the code of their second factor (:mod:`securebase.hub.twofactor`), which the
sign-in form asks for under the password.
After :data:`REFRESH_SECONDS` the hub checks again that the person may still sign in, so a disabled person's
login ends then at the latest (``securebase users disable`` also ends it at once through the hub's API).

:class:`PasswordHandler` (``/hub/securebase/password``) sets a person's own password, checking the old one
through PAM (a service file of its own, with the password only: the person signed in with their second
factor already) and the new one against the rules; a person with a one-time password is sent there first.
"""

from __future__ import annotations

import asyncio
import html
from pathlib import Path
from typing import Any

import pamela
from jupyterhub.auth import PAMAuthenticator
from jupyterhub.handlers import BaseHandler
from tornado import web

from securebase.app.plainpage import plain_page
from securebase.hub import accounts, twofactor
from securebase.core.errors import SecureBaseError
from securebase.hub.settings import HubError

PAM_DIR = Path("/etc/pam.d")
PAM_SERVICE = "securebase-hub"
PASSWORD_SERVICE = "securebase-hub-password"
PAM_HEADER = "# Written by `securebase hub setup` (securebase.hub.auth); delete this line to keep changes of your own.\n"
_EARLIER_HEADER = "# Secure Base clinic server (securebase.hub.auth)."   # the files of earlier set-ups, ours too
OTP_PROMPT = "Code from your authenticator app (leave it empty if you have none)"
REFRESH_SECONDS = 60
PASSWORD_PATH = "securebase/password"


def _system(username: str) -> str | None:
    try:
        return accounts.system_name(username)
    except SecureBaseError:   # a name that cannot be a person's: no such person
        return None


def pam_files() -> dict[str, str]:
    """The PAM service files of the sign-in and of the password page."""
    password = "auth     required pam_unix.so\n"
    account = "account  required pam_unix.so\n"
    return {PAM_SERVICE: PAM_HEADER + password + twofactor.pam_lines() + account,
            PASSWORD_SERVICE: PAM_HEADER + password + account}


def ours(text: str) -> bool:
    """Whether a PAM service file is still the one set-up wrote (and so may be brought up to date)."""
    return text.startswith((PAM_HEADER, _EARLIER_HEADER))


def checks_codes(path: Path = PAM_DIR / PAM_SERVICE) -> bool:
    """Whether the sign-in's PAM service file asks for the second factor's code."""
    try:
        lines = path.read_text().splitlines()
    except OSError:
        return False
    return any(line.split()[:1] == ["auth"] and twofactor.MODULE in line for line in lines)


def _pam_ok(system: str, password: str | tuple[str, str], service: str = PAM_SERVICE) -> bool:
    """``password`` is the password, or (password, code) for a person with a second factor: PAM asks for
    them in that order."""
    try:
        pamela.authenticate(system, password, service=service)
        pamela.check_account(system, service=service)
    except pamela.PAMError:
        return False
    return True


class SecureBaseAuthenticator(PAMAuthenticator):
    service = PAM_SERVICE
    otp_prompt = OTP_PROMPT

    def normalize_username(self, username: str) -> str:
        return username.strip().lower()

    async def authenticate(self, handler: Any, data: dict) -> dict | None:
        name = self.normalize_username(data.get("username", ""))
        password = data.get("password", "")
        system = _system(name)
        if system is None or not password or len(password) > 256 or accounts.role_of(system) is None:
            return None
        if accounts.temporary_lapsed(system):
            self.log.warning("Sign-in refused: the one-time password of %s has lapsed", name)
            return None
        secret: str | tuple[str, str] = password
        if twofactor.enrolled(system):
            code = "".join(data.get("otp", "").split())
            if not twofactor.plausible_code(code):
                self.log.warning("Sign-in refused: %s gave no code of their second factor", name)
                return None
            if not checks_codes():
                self.log.error("Sign-in refused: %s has a second factor, but %s does not check codes: run "
                               "`securebase hub setup` again", name, PAM_DIR / PAM_SERVICE)
                return None
            secret = (password, code)
        if not await asyncio.to_thread(_pam_ok, system, secret):
            return None
        return {"name": name, "admin": accounts.role_of(system) == "admin"}

    async def refresh_user(self, user: Any, handler: Any = None) -> bool:
        system = _system(user.name)
        if system is None or accounts.role_of(system) is None:
            return False
        return await asyncio.to_thread(_account_open, system)

    def system_user_exists(self, user: Any) -> bool:
        system = _system(user.name)
        return system is not None and accounts.exists(system)

    def check_allowed(self, username: str, authentication: Any = None) -> bool:
        system = _system(username)
        return system is not None and accounts.role_of(system) is not None


def _account_open(system: str) -> bool:
    try:
        pamela.check_account(system, service=PAM_SERVICE)
    except pamela.PAMError:
        return False
    return True


_FORM = """<h1>Set your password</h1>
{message}
<p>{intro}</p>
<form method="post">{xsrf}
<label for="old">Your current password</label>
<input type="password" id="old" name="old" autocomplete="current-password" required autofocus>
<label for="new">New password (12 characters at least)</label>
<input type="password" id="new" name="new" autocomplete="new-password" required minlength="12" maxlength="256">
<label for="again">New password again</label>
<input type="password" id="again" name="again" autocomplete="new-password" required>
<button type="submit">Set password</button>
</form>"""


class PasswordHandler(BaseHandler):
    """A person sets their own password (the old one first)."""

    def _page(self, message: str = "", status: int = 200) -> None:
        system = _system(self.current_user.name)
        intro = ("You signed in with a one-time password. Choose your own now; you need it from the next "
                 "sign-in on." if system and accounts.must_change(system) else
                 "Choose a new password. A few words in a row are easy to remember and hard to guess.")
        note = f'<p class="error" role="alert">{html.escape(message)}</p>' if message else ""
        self.set_status(status)
        self.finish(plain_page("Set your password", _FORM.format(message=note, intro=html.escape(intro),
                                                                 xsrf=self.xsrf_form_html())))

    @web.authenticated
    def get(self) -> None:
        self._page()

    @web.authenticated
    async def post(self) -> None:
        user = self.current_user
        system = _system(user.name)
        old, new, again = (self.get_body_argument(k, "")[:300] for k in ("old", "new", "again"))
        if system is None or not await asyncio.to_thread(_pam_ok, system, old, PASSWORD_SERVICE):
            return self._page("Your current password is not right. Try again.", 400)
        if new != again:
            return self._page("The two new passwords differ. Type the same one twice.", 400)
        try:
            await asyncio.to_thread(accounts.change_password, system, new, user.name)
        except HubError as exc:
            return self._page(str(exc), 400)
        self.redirect(self.hub.base_url + "spawn")


def default_url(handler: Any) -> str:
    """Where a signed-in person goes from the hub's front page: their own password first when it is a
    one-time one; an admin to the hub's admin page; anyone else to their server."""
    user = handler.current_user
    base = handler.hub.base_url
    if user is None:
        return base + "login"
    system = _system(user.name)
    if system and accounts.must_change(system):
        return base + PASSWORD_PATH
    if system and accounts.role_of(system) == "admin":
        return base + "admin"
    return base + "spawn"
