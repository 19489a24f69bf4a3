"""The clinic server, for real (tests/clinic_hub.py): sign-in, each role's server, what every person can
open, a client's own kernel against another client's rows, homework, the calendar feed, disabling."""

from __future__ import annotations

import json
import time
import uuid
from datetime import date, timedelta

import pytest

from clinic_hub import PEOPLE, person
from securebase.hub import pages
from securebase.hub.singleuser import REFUSED

ROLE = {name: role for name, (role, _c, _k) in PEOPLE.items()} | {"admin": "admin"}
CLIENT = {name: client for name, (_r, client, _k) in PEOPLE.items() if client}


@pytest.fixture(scope="module")
def sessions(clinic):
    """Everyone signed in, with their server started (the admin has none)."""
    out = {}
    for name in ROLE:
        session = clinic.sign_in(person(name))
        assert session.signed_in, name
        if ROLE[name] != "admin":
            landing = clinic.server(session, person(name))
            assert landing.endswith(pages.landing(ROLE[name])), (name, landing)
        out[name] = session
    _SESSIONS.update(out)
    return out


def test_the_clinic_is_served_over_tls_and_plain_http_gets_no_page(clinic):
    import requests

    assert clinic.base.startswith("https://")
    assert requests.get(clinic.base + "/hub/login", timeout=60).status_code == 200   # the certificate checks out
    with pytest.raises(requests.exceptions.ConnectionError):
        requests.get(clinic.base.replace("https://", "http://") + "/hub/login", timeout=30)


def test_a_wrong_password_or_an_unknown_person_does_not_sign_in(clinic):
    assert not clinic.sign_in(person("ann"), "not her password").signed_in
    assert not clinic.sign_in("root", "anything at all").signed_in
    assert not clinic.sign_in("postgres", "anything at all").signed_in


def test_a_one_time_password_works_once_and_the_own_one_then(clinic, sessions):
    assert not clinic.sign_in(person("ann"), clinic.one_time[person("ann")]).signed_in
    assert clinic.sign_in(person("ann")).signed_in


def _pages_of(role: str) -> set[str]:
    root = pages.PAGES.get(role, ())
    from pathlib import Path

    notebooks = Path(__file__).resolve().parents[2] / "notebooks"
    return {p.relative_to(notebooks).as_posix() for pattern in root for p in notebooks.glob(pattern)}


ALL_PAGES = sorted(set().union(*(_pages_of(r) for r in pages.PAGES)))


def test_the_access_matrix_has_no_unexpected_grant(clinic, sessions):
    """Every person x every page, server route and API of every server, and the hub's own pages and API."""
    unexpected, checked = [], 0
    anonymous = __import__("requests").Session()
    people = {**sessions, "nobody": anonymous}
    for who, session in people.items():
        for owner in [n for n in ROLE if ROLE[n] != "admin"]:
            mine = who == owner
            # every page of every role, except the owner's own pages, which render (a kernel each): only their
            # landing page is opened, the rest of theirs are grants by design
            own = _pages_of(ROLE[owner]) if mine else set()
            routes = {f"voila/render/{page}": False for page in ALL_PAGES if page not in own}
            if mine:
                routes[pages.landing(ROLE[owner]).lstrip("/")] = True
            routes.update({route.replace("\\", "") + "/": False for route in REFUSED})
            routes.update({"api/kernels": mine, "api/status": mine,
                           f"securebase/files/{CLIENT.get(owner, 'C-NONE01')}/reports/x.html": False})
            for route, allowed in routes.items():
                answer = session.get(f"{clinic.base}/user/{person(owner)}/{route}", timeout=120, allow_redirects=False)
                granted = answer.status_code == 200
                checked += 1
                if granted and not allowed:
                    unexpected.append((who, owner, route, answer.status_code))
                if allowed and not granted:
                    unexpected.append((who, owner, route, f"refused {answer.status_code}"))
        hub_routes = {"hub/admin": ROLE.get(who) == "admin", "hub/api/users": ROLE.get(who) == "admin",
                      "hub/token": who != "nobody", "hub/securebase/password": who != "nobody",
                      f"hub/api/users/{person(who)}": who != "nobody",
                      f"hub/api/users/{person('ann')}": who in ("ann", "admin")}
        for route, allowed in hub_routes.items():
            answer = session.get(f"{clinic.base}/{route}", timeout=60, allow_redirects=False)
            checked += 1
            if (answer.status_code == 200) != allowed:
                unexpected.append((who, "hub", route, answer.status_code))
    assert unexpected == [] and checked > 300


_SESSIONS: dict = {}


def _token(clinic, name: str) -> str:
    """An API token the person makes for themselves from their own sign-in (as the hub's token page does)."""
    session = _SESSIONS[name]
    xsrf = session.cookies.get("_xsrf", path="/hub/")
    answer = session.post(f"{clinic.base}/hub/api/users/{person(name)}/tokens", json={"note": "test"},
                          headers={"X-XSRFToken": xsrf or ""}, timeout=60)
    assert answer.status_code in (200, 201), (answer.status_code, answer.text[:300])
    return answer.json()["token"]


def _run_in_own_kernel(clinic, name: str, code: str) -> str:
    """Run ``code`` in a kernel the person starts through their own server's API; what it printed."""
    import asyncio

    import requests
    from tornado.httpclient import HTTPRequest
    from tornado.websocket import websocket_connect

    token = _token(clinic, name)
    headers = {"Authorization": f"token {token}"}
    key, name = name, person(name)
    kernel = requests.post(f"{clinic.base}/user/{name}/api/kernels", headers=headers, json={}, timeout=120).json()

    async def run() -> str:
        url = f"{clinic.base.replace('https', 'wss')}/user/{name}/api/kernels/{kernel['id']}/channels"
        import ssl

        context = ssl.create_default_context(cafile=str(clinic.folder / "tls" / "cert.pem"))
        ws = await websocket_connect(HTTPRequest(url, headers=headers, ssl_options=context))
        msg_id = uuid.uuid4().hex
        await ws.write_message(json.dumps({"header": {"msg_id": msg_id, "msg_type": "execute_request", "username": key,
                                                      "session": uuid.uuid4().hex, "version": "5.3"},
                                           "parent_header": {}, "metadata": {}, "channel": "shell",
                                           "content": {"code": code, "silent": False, "store_history": False,
                                                       "user_expressions": {}, "allow_stdin": False}}))
        out = []
        deadline = time.time() + 120
        while time.time() < deadline:
            message = json.loads(await asyncio.wait_for(ws.read_message(), 120))
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                out.append(message["content"]["text"])
            if message["msg_type"] == "error":
                out.append("ERROR " + message["content"]["ename"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        ws.close()
        return "".join(out)
    try:   # on a thread of its own: Playwright's sync API (the browser tests) keeps an event loop in this one
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(1) as pool:
            return pool.submit(asyncio.run, run()).result()
    finally:
        requests.delete(f"{clinic.base}/user/{name}/api/kernels/{kernel['id']}", headers=headers, timeout=60)


def test_client_b_running_code_in_their_own_kernel_cannot_read_client_a(clinic, sessions):
    with __import__("securebase.store", fromlist=["Store"]).Store(clinic.owner_url) as owner:
        owner.add_entry(CLIENT["ann"], program_id="sie", phase_id="awareness", exercise_id="signal_scan",
                        content_version="1", data={"note": "ann's own words"}, occurred_at="2026-11-30T10:00:00")
    code = f"""
import os, getpass
from securebase.store import Store
from securebase.core import config
s = Store(config.resolve_store(""))
print("me", getpass.getuser(), s.actor)
print("clients", sorted(c.client_id for c in s.list_clients()))
print("ann rows", len(s.current_entries("{CLIENT['ann']}")))
print("raw", sorted(r[0] for r in s._db.execute("SELECT DISTINCT client_id FROM entries")))
print("password" in os.environ.get("SECUREBASE_DATABASE_URL", "").lower(), "PGPASSWORD" in os.environ)
try:
    import psycopg
    psycopg.connect(host=config.resolve_store("").split("host=")[1].replace("%2F", "/"), dbname="securebase",
                    user="sb_{person('ann').replace('-', '_')}")
    print("connected as ann")
except Exception as exc:
    print("refused as ann", type(exc).__name__)
"""
    printed = _run_in_own_kernel(clinic, "bea", code)
    bea = "sb_" + person("bea").replace("-", "_")
    assert f"me {bea} {bea}" in printed, printed
    assert f"clients ['{CLIENT['bea']}']" in printed and "ann rows 0" in printed, printed
    assert "raw []" in printed or f"raw ['{CLIENT['bea']}']" in printed, printed
    assert "False False" in printed and "refused as ann" in printed and "connected as ann" not in printed, printed


def test_homework_set_by_the_clinician_is_done_from_the_clients_login_and_seen_by_the_clinician(clinic, sessions):
    """(bea: the browser tests set homework for ann)"""
    today = date.today()
    set_it = _run_in_own_kernel(clinic, "dr-a", f"""
from datetime import date
from securebase import content
from securebase.homework import assign
from securebase.store import Store
from securebase.core import config
s = Store(config.resolve_store(""))
s.update_client("{CLIENT['bea']}", program_id="sie")
a = assign(s, content.program("sie"), "{CLIENT['bea']}", "grounding_54321", frequency="daily",
           until=date.fromisoformat("{today + timedelta(days=6)}"), today=date.fromisoformat("{today}"))
print("set", a.assigned_by)
""")
    assert f"set sb_{person('dr-a').replace('-', '_')}" in set_it, set_it
    page = sessions["bea"].get(f"{clinic.base}/user/{person('bea')}/voila/render/app/today.ipynb", timeout=180)
    assert page.status_code == 200
    done = _run_in_own_kernel(clinic, "bea", f"""
from securebase.store import Store
from securebase.core import config
s = Store(config.resolve_store(""))
s.add_entry("{CLIENT['bea']}", program_id="sie", phase_id="awareness", exercise_id="grounding_54321",
            content_version="1", data={{"note": "done"}}, occurred_at="{today}T09:00:00")
print("saved")
""")
    assert "saved" in done, done
    seen = _run_in_own_kernel(clinic, "dr-a", f"""
from datetime import date
from securebase import content
from securebase.notebook.progress import ProgressWorkbook
pw = ProgressWorkbook("sie", client_id="{CLIENT['bea']}", today="{today}", mode="batch")
print(pw.progress["homework"]["done"], pw.progress["homework"]["expected"])
""")
    assert "1 1" in seen, seen


def test_the_calendar_feed_is_served_by_a_secret_address_until_revoked(clinic, sessions):
    import requests
    from icalendar import Calendar

    made = clinic.cli("homework", "feed", CLIENT["bea"]).stdout
    address = next(word for word in made.split() if "/services/securebase/calendar/" in word)
    assert address.startswith(clinic.base)
    answer = requests.get(address, timeout=60)
    assert answer.status_code == 200 and answer.headers["Content-Type"].startswith("text/calendar")
    Calendar.from_ical(answer.content)
    assert requests.get(address.replace(".ics", "x.ics"), timeout=60).status_code == 404
    clinic.cli("homework", "revoke-feed", CLIENT["bea"])
    assert requests.get(address, timeout=60).status_code == 404


def test_hub_status_reports_every_part(clinic, sessions):
    done = clinic.cli("hub", "status", check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    for part in ("PostgreSQL", "store", "hub", "servers", "services", "calendar service"):
        assert part in done.stdout


def test_workshop_participants_get_sign_ins_from_the_roster_and_collect_reads_the_store(clinic, sessions, tmp_path):
    import csv

    from clinic_hub import TAG

    codes = [f"C-WK{TAG.upper()}{i}" for i in range(2)]
    roster = tmp_path / "roster.csv"
    roster.write_text("participant_id,group,program,language\n" + "".join(f"{c},g{TAG},sie,en\n" for c in codes))
    sheet = tmp_path / "sheet.csv"
    clinic.extra_users += ["sb_" + c.lower().replace("-", "_") for c in codes]
    done = clinic.cli("batch", "--roster", str(roster), "--accounts", "--facilitator", person("fay"), "--out", str(sheet))
    assert "Made 2 sign-in(s)" in done.stdout and (sheet.stat().st_mode & 0o077) == 0
    rows = list(csv.DictReader(sheet.open()))
    assert [r["participant_id"] for r in rows] == codes and all(r["address"].startswith(clinic.base) for r in rows)
    clinic.one_time[rows[0]["user"]] = rows[0]["one_time_password"]
    participant = clinic.sign_in(rows[0]["user"])
    assert participant.signed_in
    assert clinic.server(participant, rows[0]["user"]).endswith("/voila/render/app/today.ipynb")
    again = clinic.cli("batch", "--roster", str(roster), "--accounts", "--facilitator", person("fay"))
    assert "Made 0 sign-in(s); 2 participant(s) already had one." in again.stdout
    summary = clinic.cli("collect", "--roster", str(roster), "--summary-dir", str(tmp_path / "summaries"))
    assert "from the entries in the store" in summary.stdout and f"Group g{TAG} (sie) summary" in summary.stdout


def test_a_disabled_person_loses_access_at_once(clinic, sessions):
    session, fay = sessions["fay"], person("fay")
    assert session.get(f"{clinic.base}/user/{fay}/api/status", timeout=60).status_code == 200
    clinic.cli("users", "disable", fay)
    answer = session.get(f"{clinic.base}/user/{fay}/api/status", timeout=60, allow_redirects=False)
    assert answer.status_code != 200
    assert not clinic.sign_in(fay).signed_in
    import subprocess

    assert subprocess.run(["pgrep", "-u", "sb_" + fay.replace("-", "_")], capture_output=True).stdout == b""


def test_each_persons_server_runs_as_them_with_a_memory_limit(clinic, sessions):
    import pwd
    import subprocess

    system = "sb_" + person("bea").replace("-", "_")
    pids = subprocess.run(["pgrep", "-u", system], capture_output=True, text=True).stdout.split()
    assert pids, "bea's server is running"
    limits = open(f"/proc/{pids[0]}/limits").read()
    line = next(row for row in limits.splitlines() if row.startswith("Max address space"))
    assert str(4096 * 1024 * 1024) in line
    home = pwd.getpwnam(system).pw_dir
    import os
    import stat

    assert stat.S_IMODE(os.stat(home).st_mode) == 0o700   # no other person reads their folder
