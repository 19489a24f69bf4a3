"""Each person's system user on the clinic server, and their password.

* **One system user per person**, ``sb_<name>`` (the name of their database role, so PostgreSQL's peer
  authentication maps them to it), with a private home folder, no login shell, and in the group of their
  role (``securebase-client`` and so on), from which the hub knows what their server serves.
* **A one-time password**, printed once by ``securebase users add`` (or ``users password NAME``): until the
  person sets their own, their server does not start, and the hub sends them to the page that sets it. A
  one-time password lapses after :data:`TEMPORARY_DAYS` days.
* **Password rules** (:func:`password_problem`): 12 characters at least, not the name, not a common one.
  Two-factor sign-in is PAM's (``pam_google_authenticator``) or the identity provider's: see the README.
* **Disabling** locks the password and expires the account (the next sign-in fails), and ends every process
  of the person at once (their server and kernels); :mod:`securebase.hub.launch` then ends their hub login.

Everything here needs root, and runs the system's own tools (``useradd``, ``chpasswd`` with the password on
its standard input, never on a command line).
"""

from __future__ import annotations

import grp
import json
import os
import pwd
import secrets
import subprocess
import time
from pathlib import Path

from securebase.hub.settings import HubError, hub_dir
from securebase.store.access_pg import KINDS, role_name

ROLES = (*KINDS, "facilitator", "admin")   # a facilitator is a clinician to the store; the admin has no role there
GROUP_PREFIX = "securebase-"
TEMPORARY_DAYS = 7
MIN_LENGTH = 12
_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"   # no 0/o, 1/l/i: read aloud or copied from paper
_COMMON = frozenset("""password passw0rd 123456789012 qwertyuiopas iloveyou1234 welcome12345 letmein12345
administrator changeme1234 secure base securebase1234 password1234 qwerty123456 abc123456789""".split())


def system_name(name: str) -> str:
    """The system user (and database role) of the person ``name``."""
    system = role_name(name)
    if len(system) > 32:
        raise HubError(f"{name!r} is too long for a system user name: use 29 characters at most.")
    return system


def exists(system: str) -> bool:
    try:
        pwd.getpwnam(system)
    except KeyError:
        return False
    return True


def role_of(system: str) -> str | None:
    """The person's role, from their system groups (None: not a Secure Base person)."""
    if not system.startswith("sb_") or not exists(system):
        return None
    for role in ROLES:
        try:
            if system in grp.getgrnam(GROUP_PREFIX + role).gr_mem:
                return role
        except KeyError:
            continue
    return None


def everyone() -> list[str]:
    """The system users of every Secure Base person on this machine."""
    out: set[str] = set()
    for role in ROLES:
        try:
            out.update(m for m in grp.getgrnam(GROUP_PREFIX + role).gr_mem if m.startswith("sb_"))
        except KeyError:
            continue
    return sorted(out)


def _tool(*command: str, stdin: str | None = None) -> None:
    done = subprocess.run(list(command), input=stdin, capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        raise HubError(f"{command[0]} failed: {(done.stderr or done.stdout).strip()[-300:]}")


def create(name: str, role: str) -> str:
    """Make the person's system user (in the group of ``role``); its name."""
    if role not in ROLES:
        raise HubError(f"{role!r} is not a role; choose one of {', '.join(ROLES)}.")
    system = system_name(name)
    if exists(system):
        raise HubError(f"The system user {system} already exists: choose another name, or remove the old user.")
    group = GROUP_PREFIX + role
    try:
        grp.getgrnam(group)
    except KeyError:
        _tool("groupadd", "--system", group)
    _tool("useradd", "--create-home", "--shell", "/usr/sbin/nologin", "--user-group", "--groups", group,
          "--comment", f"Secure Base {role} {name}", system)
    os.chmod(pwd.getpwnam(system).pw_dir, 0o700)
    return system


def password_problem(password: str, name: str = "") -> str | None:
    """What is wrong with a new password, or None."""
    if len(password) < MIN_LENGTH:
        return f"A password needs {MIN_LENGTH} characters at least (a few words in a row are easy to remember)."
    if len(password) > 256:
        return "A password may have 256 characters at most."
    lowered = password.lower()
    if name and name.lower() in lowered:
        return "A password must not contain your user name."
    if lowered in _COMMON or len(set(lowered)) < 5:
        return "That password is too easy to guess: choose another."
    if any(c in password for c in "\n\r:\0"):
        return "A password cannot contain line breaks, ':' or NUL characters."
    return None


def _marker(system: str) -> Path:
    return hub_dir() / "temporary" / system


def set_password(system: str, password: str) -> None:
    _tool("chpasswd", stdin=f"{system}:{password}\n")
    _tool("usermod", "--unlock", "--expiredate", "", system)


def temporary_password(system: str) -> str:
    """Give the person a new one-time password (printed once; it lapses in TEMPORARY_DAYS days)."""
    password = "-".join("".join(secrets.choice(_ALPHABET) for _ in range(4)) for _ in range(4))
    set_password(system, password)
    marker = _marker(system)
    marker.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    marker.write_text(json.dumps({"set_at": time.time()}))
    os.chmod(marker, 0o600)
    return password


def must_change(system: str) -> bool:
    """Whether the person still has a one-time password."""
    return _marker(system).exists()


def temporary_lapsed(system: str, now: float | None = None) -> bool:
    try:
        set_at = json.loads(_marker(system).read_text())["set_at"]
    except (OSError, ValueError, KeyError):
        return False
    return (now or time.time()) - set_at > TEMPORARY_DAYS * 86400


def change_password(system: str, new: str, name: str) -> None:
    """Set the person's own password (after the hub checked the old one), ending the one-time one."""
    problem = password_problem(new, name)
    if problem:
        raise HubError(problem)
    set_password(system, new)
    _marker(system).unlink(missing_ok=True)


def lock(system: str) -> None:
    """End the person's access: no new sign-in, and every process of theirs stopped now."""
    if not exists(system):
        return
    _tool("usermod", "--lock", "--expiredate", "1", system)
    subprocess.run(["pkill", "-KILL", "-u", system], capture_output=True, timeout=30)
