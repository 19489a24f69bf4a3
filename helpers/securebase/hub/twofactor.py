"""Two-factor sign-in on the clinic server: a time-based code (TOTP, RFC 6238) from an authenticator app.

PAM does the checking, with Debian's ``pam_google_authenticator`` in the clinic's service file
(:func:`pam_file`): after the password (``pam_unix``), a person who has a second factor must give the
current code; a person who has none signs in with the password alone (``nullok``), so a clinic can bring
it in person by person. ``hub setup --two-factor`` makes every person added from then on get one.

Each person's secret is a root-only file in the hub's folder (``two-factor/sb_<name>``, read by PAM as
root), never in their home, so code running in their own kernel cannot read it. Made by the module's own
``google-authenticator`` tool: codes of 30 seconds, a window of 3 (the one before and after also pass, for
a phone's clock a little off), each code once only, at most 3 sign-in attempts in 30 seconds, and 5
emergency codes for a lost phone.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from securebase.hub.settings import HubError, hub_dir

ISSUER = "Secure Base"
_MODULE_DIRS = ("/lib/x86_64-linux-gnu/security", "/lib/aarch64-linux-gnu/security", "/usr/lib/x86_64-linux-gnu/security",
                "/usr/lib/aarch64-linux-gnu/security", "/lib/security", "/usr/lib/security")
MODULE = "pam_google_authenticator.so"


def available() -> bool:
    """Whether the PAM module is installed (Debian's libpam-google-authenticator)."""
    return any((Path(d) / MODULE).exists() for d in _MODULE_DIRS)


def folder() -> Path:
    return hub_dir() / "two-factor"


def secret_file(system: str) -> Path:
    return folder() / system


def enrolled(system: str) -> bool:
    return secret_file(system).exists()


def pam_lines() -> str:
    """The service file's line for the second factor (after the password), when the module is installed."""
    if not available():
        return ""
    return f"auth     required {MODULE} nullok user=root secret={folder()}/${{USER}}\n"


@dataclass(frozen=True)
class Enrolment:
    key: str                      # what the person types into their app (base32)
    uri: str                      # the same as an otpauth:// address (for a QR code)
    emergency_codes: tuple[str, ...]

    def lines(self, name: str) -> list[str]:
        return [f"Two-factor sign-in for {name} (give it to them in person; shown once):",
                f"    key for the authenticator app: {self.key}",
                f"    or as an address (QR code):   {self.uri}",
                f"    emergency codes (each works once, for a lost phone): {' '.join(self.emergency_codes)}",
                "At sign-in they give the app's current 6-digit code under the password."]


def enrol(system: str, name: str) -> Enrolment:
    """Give the person a (new) second factor; any earlier one stops working."""
    if not available():
        raise HubError("Two-factor sign-in needs Debian's libpam-google-authenticator: `apt-get install "
                       "libpam-google-authenticator`, then run `securebase hub setup` again.")
    folder().mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder(), 0o700)
    path = secret_file(system)
    path.unlink(missing_ok=True)
    done = subprocess.run(["google-authenticator", "--time-based", "--disallow-reuse", "--force", "--quiet",
                           "--no-confirm", "--rate-limit=3", "--rate-time=30", "--window-size=3",
                           "--emergency-codes=5", "--qr-mode=NONE", f"--secret={path}", f"--label={name}",
                           f"--issuer={ISSUER}"], capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
    if done.returncode != 0 or not path.exists():
        raise HubError(f"google-authenticator failed: {(done.stderr or done.stdout).strip()[-300:]}")
    os.chmod(path, 0o600)
    lines = path.read_text().splitlines()
    key = lines[0].strip()
    codes = tuple(line.strip() for line in lines[1:] if line.strip().isdigit())
    uri = (f"otpauth://totp/{quote(ISSUER)}:{quote(name)}?secret={key}&issuer={quote(ISSUER)}"
           "&algorithm=SHA1&digits=6&period=30")
    return Enrolment(key, uri, codes)


def remove(system: str) -> bool:
    """Take the person's second factor away (they sign in with the password alone); whether they had one."""
    path = secret_file(system)
    had = path.exists()
    path.unlink(missing_ok=True)
    return had


def plausible_code(code: str) -> bool:
    """A code from the app (6 digits) or an emergency code (8 digits)."""
    return code.isdigit() and len(code) in (6, 8)
