"""A real clinic server for tests: ``securebase hub setup`` in a throw-away folder, the people of a small
clinic made with ``securebase users add``, and ``securebase hub run``, on free ports of 127.0.0.1.

Needs root (the hub makes system users and runs each person's server as theirs), as in CI. At the end the
hub, its PostgreSQL and every person's processes are stopped, and the system users and the folder removed.

The clinic (each name with this run's tag, :func:`person`): clinician ``dr-a`` (clients ``ann`` and ``bea``), supervisor ``sue`` (of dr-a), researcher
``rex``, facilitator ``fay``, and the first admin ``admin``. Everyone's first sign-in sets their own password.

E-mail goes to a local SMTP server (:mod:`smtp_sink`), set in the hub's ``mail.env``; the service sends
every 5 seconds. The clinic is served over TLS, as on a real host (``hub setup --ssl-cert --ssl-key``), with a certificate made
for 127.0.0.1 by ``openssl``; ``requests`` trusts it through ``REQUESTS_CA_BUNDLE``, the browser is told to.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PEOPLE = {   # name: (role, client code, clinician)
    "dr-a": ("clinician", None, None),
    "ann": ("client", f"C-ANN{os.getpid() % 1000:03d}", "dr-a"),
    "bea": ("client", f"C-BEA{os.getpid() % 1000:03d}", "dr-a"),
    "sue": ("supervisor", None, "dr-a"),
    "rex": ("researcher", None, None),
    "fay": ("facilitator", None, None),
}
OWN_PASSWORD = "lantern river stone {name} 42"
TAG = os.urandom(2).hex()   # system users are the machine's: this run's people have names of their own


def person(key: str) -> str:
    """The user name of the clinic's ``key`` ("ann", "dr-a", "admin") in this run."""
    return f"{key}-{TAG}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Clinic:
    folder: Path
    base: str
    env: dict[str, str]
    process: subprocess.Popen
    log: Path
    one_time: dict[str, str] = field(default_factory=dict)
    own: dict[str, str] = field(default_factory=dict)
    extra_users: list[str] = field(default_factory=list)   # system users a test made (removed at the end)
    mail: object = None                                      # the local SMTP server's Sink

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run([str(BIN / "securebase"), *args], env=self.env, capture_output=True, text=True,
                              timeout=300)
        if check and done.returncode != 0:
            raise AssertionError(f"securebase {' '.join(args)}: {done.stdout}\n{done.stderr}")
        return done

    def password(self, name: str) -> str:
        return self.own.get(name) or self.one_time[name]

    @contextmanager
    def settings(self):
        """The clinic's HubSettings (SECUREBASE_HUB_DIR pointing at its folder meanwhile)."""
        from securebase.hub.settings import HubSettings

        old = os.environ.get("SECUREBASE_HUB_DIR")
        os.environ["SECUREBASE_HUB_DIR"] = str(self.folder)
        try:
            yield HubSettings.load()
        finally:
            if old is None:
                os.environ.pop("SECUREBASE_HUB_DIR")
            else:
                os.environ["SECUREBASE_HUB_DIR"] = old

    @property
    def owner_url(self) -> str:
        """The store, as its owner (root may log in as it)."""
        from securebase.hub.settings import OWNER

        with self.settings() as settings:
            return settings.database_url(OWNER)

    def sign_in(self, name: str, password: str | None = None, otp: str | None = None):
        """A requests session signed in as ``name`` (setting their own password at their first sign-in),
        with the code of their second factor if ``otp`` is given."""
        import requests

        s = requests.Session()
        s.get(self.base + "/hub/login", timeout=60)
        data = {"username": name, "password": password or self.password(name), "_xsrf": s.cookies.get("_xsrf")}
        if otp is not None:
            data["otp"] = otp
        answer = s.post(self.base + "/hub/login", timeout=120, data=data)
        if answer.url.endswith("/hub/securebase/password"):
            new = OWN_PASSWORD.format(name=name.replace("-", ""))
            s.post(self.base + "/hub/securebase/password", timeout=120, data={
                "old": self.one_time[name], "new": new, "again": new, "_xsrf": s.cookies.get("_xsrf", path="/hub/")})
            self.own[name] = new
        s.signed_in = "/hub/login" not in answer.url
        return s

    def server(self, session, name: str, timeout: float = 180) -> str:
        """Start ``name``'s server (if needed) and return the address it opens at."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            answer = session.get(self.base + "/hub/spawn", timeout=180)
            if f"/user/{name}/" in answer.url and answer.status_code == 200:
                return answer.url
            time.sleep(1)
        raise AssertionError(f"{name}'s server did not start: {self.log.read_text()[-3000:]}")

    def admin_api(self, method: str, path: str):
        from securebase.hub.launch import api

        with self.settings() as settings:
            return api(settings, method, path)


_PASSWORD = re.compile(r"password: (\S+)")


@contextmanager
def running_clinic(extra_clients: int = 0):
    """The clinic of :data:`PEOPLE`, and ``extra_clients`` more clients of dr-a (``c0``, ``c1``, ...; benchmarks)."""
    folder = Path(tempfile.mkdtemp(prefix="sb-hub-", dir="/tmp"))
    os.chmod(folder, 0o755)
    port = free_port()
    env = {**os.environ, "SECUREBASE_HUB_DIR": str(folder), "SECUREBASE_HOME": str(folder / "admin-home"),
           "PYTHONUNBUFFERED": "1"}
    env.pop("SECUREBASE_DATABASE_URL", None)
    log = folder / "hub.log"
    clinic = Clinic(folder, f"https://127.0.0.1:{port}", env, None, log)  # type: ignore[arg-type]
    old_bundle = os.environ.get("REQUESTS_CA_BUNDLE")
    from smtp_sink import local_smtp

    servers = ExitStack()
    try:
        clinic.mail = servers.enter_context(local_smtp())
        cert, key = _certificate(folder / "tls")
        os.environ["REQUESTS_CA_BUNDLE"] = str(cert)
        done = clinic.cli("hub", "setup", "--port", str(port), "--time-zone", "Europe/London", "--admin", person("admin"),
                          "--ssl-cert", str(cert), "--ssl-key", str(key))
        clinic.one_time[person("admin")] = _PASSWORD.search(done.stdout).group(1)
        _spread_ports(folder)
        (folder / "mail.env").write_text(f"# the tests' local SMTP server\nSECUREBASE_SMTP_HOST=127.0.0.1\n"
                                         f"SECUREBASE_SMTP_PORT={clinic.mail.port}\nSECUREBASE_SMTP_SECURITY=none\n"
                                         "SECUREBASE_SMTP_FROM=securebase@clinic.example\n"
                                         "SECUREBASE_SMTP_TO=safety@clinic.example\n")
        os.chmod(folder / "mail.env", 0o600)
        everyone = {**PEOPLE, **{f"c{i}": ("client", f"C-X{i:03d}{os.getpid() % 100:02d}", "dr-a")
                                 for i in range(extra_clients)}}
        clinic.everyone = list(everyone)
        for name, (role, client_id, clinician) in everyone.items():
            args = ["users", "add", person(name), "--role", role]
            if client_id:
                args += ["--client", client_id]
            if clinician:
                args += ["--clinician", person(clinician)]
            clinic.one_time[person(name)] = _PASSWORD.search(clinic.cli(*args).stdout).group(1)
        clinic.process = subprocess.Popen([str(BIN / "securebase"), "hub", "run"], env=env, stdout=open(log, "w"),
                                          stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.time() + 120
        while "is now running" not in log.read_text():
            if clinic.process.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"the hub did not start: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield clinic
    finally:
        if old_bundle is None:
            os.environ.pop("REQUESTS_CA_BUNDLE", None)
        else:
            os.environ["REQUESTS_CA_BUNDLE"] = old_bundle
        _tear_down(clinic)
        servers.close()


def _certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (two days), and its key (owner-only)."""
    folder.mkdir(mode=0o700)
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-days", "2", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    os.chmod(key, 0o600)
    return cert, key


def _spread_ports(folder: Path) -> None:
    """The hub's, the proxy's and the service's own ports: free ones, not the defaults; mail every 5 s."""
    import json

    path = folder / "settings.json"
    settings = json.loads(path.read_text())
    settings.update(hub_port=free_port(), proxy_api_port=free_port(), service_port=free_port(), mail_every=5)
    path.write_text(json.dumps(settings))


def _tear_down(clinic: Clinic) -> None:
    import pwd

    if clinic.process is not None and clinic.process.poll() is None:
        os.killpg(clinic.process.pid, 15)
        try:
            clinic.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(clinic.process.pid, 9)
    systems = ["sb_" + person(name).replace("-", "_") for name in [*getattr(clinic, "everyone", PEOPLE), "admin"]]
    for system in [*systems, *clinic.extra_users]:
        try:
            pwd.getpwnam(system)
        except KeyError:
            continue
        subprocess.run(["pkill", "-KILL", "-u", system], capture_output=True)
        subprocess.run(["userdel", "--remove", system], capture_output=True)
    data = clinic.folder / "postgres"
    if (data / "postmaster.pid").exists():
        pg_ctl = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))[-1]
        subprocess.run(["runuser", "-u", "postgres", "--", str(pg_ctl), "stop", "-D", str(data), "-m", "immediate",
                        "-w"], capture_output=True, cwd="/")
    shutil.rmtree(clinic.folder, ignore_errors=True)
