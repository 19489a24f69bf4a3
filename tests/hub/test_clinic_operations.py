"""The clinic server's running parts, for real (tests/clinic_hub.py): two-factor sign-in, the service's
rounds of reminders and safety e-mails through the local SMTP server, and jupyterhub-idle-culler.

(The culler test stops every idle server; tests that need one start it again: ``Clinic.server``.)"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import struct
import subprocess
import time
from datetime import date, timedelta

import pytest

from clinic_hub import person


def _totp(key: str, at: float, step: int = 30) -> str:
    """RFC 6238 (SHA-1, 6 digits): what the person's authenticator app shows at ``at``."""
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    digest = hmac.new(secret, struct.pack(">Q", int(at // step)), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset:offset + 4])[0] & 0x7FFFFFFF) % 1_000_000:06d}"


def _new_person(clinic, key: str, *args: str) -> str:
    name = person(key)
    clinic.extra_users.append("sb_" + name.replace("-", "_"))
    done = clinic.cli("users", "add", name, *args)
    clinic.one_time[name] = re.search(r"password: (\S+)", done.stdout).group(1)
    return name


def test_two_factor_sign_in_asks_for_the_code_of_those_who_have_one(clinic):
    import requests

    name = _new_person(clinic, "tfa", "--role", "researcher")
    form = requests.get(clinic.base + "/hub/login", timeout=60).text
    assert 'name="otp"' in form and "authenticator app" in form
    enrolled = clinic.cli("users", "two-factor", name).stdout
    key = re.search(r"key for the authenticator app: ([A-Z2-7]+)", enrolled).group(1)
    assert len(re.search(r"emergency codes[^:]*: ([\d ]+)", enrolled).group(1).split()) == 5
    secret_file = clinic.folder / "two-factor" / ("sb_" + name.replace("-", "_"))
    assert (secret_file.stat().st_mode & 0o777) == 0o600 and secret_file.stat().st_uid == 0   # root's, not theirs

    assert not clinic.sign_in(name, otp="").signed_in                         # the password alone: no
    now = time.time()
    first = clinic.sign_in(name, otp=_totp(key, now))                          # sets their own password next
    assert first.signed_in and name in clinic.own
    assert not clinic.sign_in(name, otp=_totp(key, now)).signed_in             # a code works once
    wrong = f"{(int(_totp(key, now + 30)) + 1) % 1_000_000:06d}"
    assert not clinic.sign_in(name, otp=wrong).signed_in
    time.sleep(max(0.0, now + 31 - time.time()))                               # past the 3-in-30-s attempt limit
    assert clinic.sign_in(name, otp=_totp(key, time.time())).signed_in

    assert "password alone" in clinic.cli("users", "two-factor", name, "--remove").stdout
    assert clinic.sign_in(name).signed_in                                      # no second factor: the password
    status = clinic.cli("hub", "status", check=False).stdout
    assert re.search(r"two-factor +0 of \d+ people have a second factor", status), status


def _wait_for_mail(clinic, match, timeout: float = 60):
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = [m for m in clinic.mail.messages if match(m)]
        if found:
            return found
        time.sleep(0.5)
    raise AssertionError(f"no such e-mail in {timeout:.0f} s; got {[(m[1], m[2]['Subject']) for m in clinic.mail.messages]}")


def test_the_service_sends_due_reminders_and_new_safety_flags_on_its_own(clinic):
    from securebase import content
    from securebase.journal.entries import save_entry
    from securebase.store import Store

    client = f"C-CAR{os.getpid() % 1000:03d}"
    _new_person(clinic, "cara", "--role", "client", "--client", client, "--clinician", person("dr-a"))
    until = (date.today() + timedelta(days=7)).isoformat()
    clinic.cli("homework", "assign", client, "daily_checkin", "--program", "asb", "--until", until, "--times", "00:00")
    address = f"cara.{os.getpid()}@home.example"
    clinic.cli("homework", "reminders", client, "--email", address, "--time-zone", "Europe/London")

    reminder = _wait_for_mail(clinic, lambda m: address in m[1])   # no command: the hub's service, on its timer
    body = reminder[0][2].get_content()
    assert clinic.base + "/hub/login" in body
    for secret in (client, "daily_checkin", "check-in", "Autonomy"):
        assert secret.lower() not in (body + str(reminder[0][2]["Subject"])).lower()
    time.sleep(12)                                                  # two more rounds: once a day only
    assert len([m for m in clinic.mail.messages if address in m[1]]) == 1

    with Store(clinic.owner_url) as store:
        store.update_client(client, program_id="asb")
        save_entry(store, client, content.program("asb"), "activation_journal",
                   {"trigger": "Dear diary, I just wanted to kill myself tonight.", "response": "withdraw",
                    "intensity": 8})
    flagged = _wait_for_mail(clinic, lambda m: "safety@clinic.example" in m[1] and client in m[2].get_content())
    assert "kill" not in flagged[0][2].get_content() and "diary" not in flagged[0][2].get_content()


def test_idle_servers_are_stopped_by_the_culler(clinic):
    """The hub's culler command and role, with a timeout of seconds instead of an hour."""
    import requests
    from traitlets.config import Config

    from securebase.hub import hubconfig

    name = person("rex")
    session = clinic.sign_in(name)
    clinic.server(session, name)
    system = "sb_" + name.replace("-", "_")
    assert subprocess.run(["pgrep", "-u", system], capture_output=True).stdout

    c = Config()
    with clinic.settings() as settings:
        hubconfig.configure(c, settings, environ={})
    culler = next(s for s in c.JupyterHub.services if s["name"] == hubconfig.CULLER)
    assert "--timeout=3600" in culler["command"]
    command = [("--timeout=2" if part.startswith("--timeout") else "--cull-every=2" if part.startswith("--cull-every")
                else part) for part in culler["command"]]
    env = {**os.environ, "JUPYTERHUB_API_TOKEN": culler["api_token"],
           "JUPYTERHUB_API_URL": f"http://127.0.0.1:{settings.hub_port}/hub/api"}
    time.sleep(3)
    running = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        deadline = time.time() + 90
        while time.time() < deadline:
            code, user = clinic.admin_api("GET", f"users/{name}")
            if code == 200 and not user["servers"]:
                break
            time.sleep(1)
        else:
            pytest.fail(f"{name}'s idle server was not stopped")
    finally:
        running.terminate()
        output = running.communicate(timeout=30)[0].decode()
    assert "Culling server" in output, output
    time.sleep(2)
    assert subprocess.run(["pgrep", "-u", system], capture_output=True).stdout == b""   # and its kernels
    answer = session.get(f"{clinic.base}/user/{name}/api/status", timeout=60, allow_redirects=False)
    assert answer.status_code != 200
    assert requests.get(clinic.base + "/hub/login", timeout=60).status_code == 200
