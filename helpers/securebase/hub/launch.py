"""``securebase hub setup | run | status``, and the hub's side of ``securebase users``.

``setup`` (run by ``make hub``, as root) makes, where missing: the hub's folder, the PAM service file, the
PostgreSQL cluster with the store's and the hub's databases, the store's schema, each role's pages, the
person servers' settings, the service tokens, and the first admin account, whose one-time password it
prints. Running it again changes nothing that is there, but refreshes the pages from the repository.
``run`` starts the cluster if it is stopped and replaces itself with JupyterHub. ``status`` checks each part.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from securebase.hub import accounts, auth, cluster, pages, twofactor
from securebase.hub.hubconfig import ADMIN_SERVICE, CULLER, SINGLEUSER_CONFIG
from securebase.hub.settings import OWNER, HubError, HubSettings, hub_dir, require_root, write_private
from securebase.hub.singleuser import server_config

CONFIG_FILE = Path(__file__).with_name("jupyterhub_config.py")
ADMIN = "admin"


SYSTEM_PYTHON = Path("/usr/bin/python3")   # every user can run it (a pyenv Python under /root is root's alone)
SOURCE_PARTS = ("helpers", "content", "notebooks", "pyproject.toml", "README.md")


def install_runtime(repo: Path, folder: Path) -> Path:
    """The Python every person's server runs: a copy of this repository's package in the hub's folder
    (``source/``, root's, readable by all) installed into a virtual environment of the system's Python
    (``venv/``). Made again when the package's dependencies change; the copy is refreshed every time."""
    import filecmp
    import subprocess

    source, venv = folder / "source", folder / "venv"
    for part in SOURCE_PARTS:
        origin, target = repo / part, source / part
        if origin.is_dir():
            shutil.copytree(origin, target, dirs_exist_ok=True,
                            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info"))
        elif origin.is_file():
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(origin, target)
    stamp = venv / "securebase-pyproject.toml"
    python = venv / "bin" / "python"
    if not (python.exists() and stamp.exists() and filecmp.cmp(stamp, source / "pyproject.toml", shallow=False)):
        if not SYSTEM_PYTHON.exists():
            raise HubError("The clinic server needs the system's Python 3 (/usr/bin/python3): apt-get install python3-venv.")
        steps = ([str(SYSTEM_PYTHON), "-m", "venv", "--clear", str(venv)],
                 [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-e", str(source)],
                 [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3",
                  "--display-name", "Python 3 (Secure Base)"])
        for step in steps:
            done = subprocess.run(step, capture_output=True, text=True, timeout=1200)
            if done.returncode != 0:
                raise HubError(f"Installing the servers' Python failed: {(done.stderr or done.stdout).strip()[-600:]}")
        shutil.copy2(source / "pyproject.toml", stamp)
    for path in (folder, source, venv):
        os.chmod(path, 0o755)
    return python


def find_proxy() -> str:
    here = Path(sys.prefix) / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
    found = str(here) if here.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise HubError("configurable-http-proxy is not installed: run `make hub` (it installs it from npm).")
    return found


@dataclass
class SetupReport:
    settings: HubSettings
    admin_password: str | None
    page_counts: dict[str, int]
    admin: str = ADMIN
    admin_second_factor: twofactor.Enrolment | None = None

    def lines(self) -> list[str]:
        out = [f"Clinic server set up in {self.settings.folder}.",
               f"Pages: {', '.join(f'{role} {n}' for role, n in self.page_counts.items())}."]
        if self.admin_password:
            out += ["", "The administrator's sign-in (shown once; they choose their own password at the first sign-in):",
                    f"    address:  {self.settings.address}/hub/login",
                    f"    user:     {self.admin}", f"    password: {self.admin_password}"]
            if self.admin_second_factor:
                out += ["", *self.admin_second_factor.lines(self.admin)]
        out += ["", "Start it with `make hub` (or `sudo securebase hub run`); add people with "
                "`sudo securebase users add NAME --role ROLE`."]
        return out


def write_pam_files() -> None:
    """The clinic's PAM service files: written, or brought up to date while they are still ours (the first
    line says so; an administrator who deletes it keeps their own)."""
    for service, text in auth.pam_files().items():
        path = auth.PAM_DIR / service
        if path.exists() and not auth.ours(path.read_text()):
            continue
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            os.chmod(path, 0o644)


def setup(repo: Path, *, ip: str = "127.0.0.1", port: int = 8000, public_url: str = "",
          ssl_cert: str = "", ssl_key: str = "", time_zone: str = "", admin: str = ADMIN,
          two_factor: bool = False) -> SetupReport:
    require_root("Setting up the clinic server")
    folder = hub_dir()
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o755)
    settings = HubSettings.load() if HubSettings.exists() else HubSettings()
    settings.ip, settings.port = ip, port
    settings.public_url = public_url or settings.public_url
    if ssl_cert or ssl_key:
        if not (ssl_cert and ssl_key and Path(ssl_cert).is_file() and Path(ssl_key).is_file()):
            raise HubError("TLS needs both --ssl-cert and --ssl-key, each an existing file (PEM).")
        settings.ssl_cert, settings.ssl_key = str(Path(ssl_cert).resolve()), str(Path(ssl_key).resolve())
    settings.time_zone = time_zone or settings.time_zone
    if two_factor and not twofactor.available():
        raise HubError("--two-factor needs Debian's libpam-google-authenticator: `apt-get install "
                       "libpam-google-authenticator` (make hub installs it), then run this again.")
    settings.two_factor = settings.two_factor or two_factor
    settings.proxy_command = find_proxy()
    settings.python = str(install_runtime(repo, folder))
    for service in (ADMIN_SERVICE, CULLER):
        settings.token(service)
    write_pam_files()
    if not (folder / "cookie_secret").exists():
        write_private(folder / "cookie_secret", secrets.token_hex(32))
    service_home = folder / "service"
    service_home.mkdir(exist_ok=True)
    import pwd

    owner = pwd.getpwnam(OWNER)
    os.chown(service_home, owner.pw_uid, owner.pw_gid)
    os.chmod(service_home, 0o700)
    cluster.initialise(settings)
    cluster.start(settings)
    cluster.ensure_databases(settings)
    from securebase.store import Store

    with Store(settings.database_url(OWNER)):   # makes the store's schema (or checks it is current)
        pass
    counts = pages.sync(folder / "source" / "notebooks", folder / "pages")
    (folder / SINGLEUSER_CONFIG).write_text(json.dumps(server_config(), indent=1, sort_keys=True))
    os.chmod(folder / SINGLEUSER_CONFIG, 0o644)
    settings.save()
    password, second = None, None
    if not accounts.exists(accounts.system_name(admin)):
        system = accounts.create(admin, "admin")
        password = accounts.temporary_password(system)
        if settings.two_factor:
            second = twofactor.enrol(system, admin)
    return SetupReport(settings, password, counts, admin, second)


def run() -> int:  # pragma: no cover - replaces the process (tests start the same command themselves)
    require_root("The clinic server")
    settings = HubSettings.load()
    cluster.start(settings)
    command = hub_command(settings)
    os.execve(command[0], command, hub_environment())
    return 0


def hub_command(settings: HubSettings) -> list[str]:
    """JupyterHub of the servers' Python, with the configuration file of its copy of the package."""
    config_file = settings.folder / "source" / "helpers" / "securebase" / "hub" / CONFIG_FILE.name
    return [str(Path(settings.python).with_name("jupyterhub")), "-f", str(config_file)]


def hub_environment(environ: dict[str, str] | None = None) -> dict[str, str]:
    env = dict(os.environ if environ is None else environ)
    env["SECUREBASE_HUB_DIR"] = str(hub_dir())
    env.pop("SECUREBASE_DATABASE_URL", None)    # the hub's own settings name the store
    return env


# ---------------------------------------------------------------- the hub's API


def api(settings: HubSettings, method: str, path: str, timeout: float = 15) -> tuple[int, dict | list | None]:
    """Call the hub's REST API with the admin service's token (root's settings file)."""
    request = urllib.request.Request(f"http://127.0.0.1:{settings.hub_port}/hub/api/{path.lstrip('/')}",
                                     method=method, headers={"Authorization": f"token {settings.token(ADMIN_SERVICE)}"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
            return response.status, json.loads(body) if body else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def end_hub_login(settings: HubSettings, name: str) -> bool:
    """Stop the person's server and remove their hub login (tokens, cookies) now; False if the hub is down."""
    try:
        status, _ = api(settings, "DELETE", f"users/{name}")
    except OSError:
        return False
    return status in (204, 404)


def status(settings: HubSettings) -> list[tuple[str, bool, str]]:
    """(part, fine, detail) for each part of the clinic server."""
    checks: list[tuple[str, bool, str]] = []
    up = cluster.running(settings)
    checks.append(("PostgreSQL", up, f"socket in {settings.socket_dir}" if up else "not running: `sudo securebase hub run`"))
    if up:
        try:
            from securebase.store import Store

            with Store(settings.database_url(OWNER)) as store:
                checks.append(("store", True, f"{len(store.list_clients())} client(s), schema current"))
        except Exception as exc:  # noqa: BLE001 - reported, not raised
            checks.append(("store", False, " ".join(str(exc).split())[:200]))
    try:
        code, info = api(settings, "GET", "", timeout=5)
        checks.append(("hub", code == 200, f"JupyterHub {info.get('version')} at {settings.address}" if code == 200
                       else f"answered {code}"))
        code, users = api(settings, "GET", "users?state=active", timeout=5)
        active = len(users or []) if code == 200 else 0
        checks.append(("servers", code == 200, f"{active} running"))
        code, services = api(settings, "GET", "services", timeout=5)
        names = sorted((services or {}).keys()) if code == 200 else []
        checks.append(("services", {"securebase", "idle-culler"} <= set(names), ", ".join(names) or "none"))
    except OSError as exc:
        checks.append(("hub", False, f"not answering ({type(exc).__name__}): `sudo securebase hub run`"))
    if twofactor.available():
        people = accounts.everyone()
        with_one = sum(twofactor.enrolled(p) for p in people)
        if with_one and not auth.checks_codes():
            checks.append(("two-factor", False, f"{with_one} people have a second factor, but "
                           f"{auth.PAM_DIR / auth.PAM_SERVICE} does not check codes (they cannot sign in): run "
                           "`securebase hub setup` again"))
        else:
            checks.append(("two-factor", True, f"{with_one} of {len(people)} people have a second factor"
                           + ("; everyone added gets one" if settings.two_factor else "")))
    else:
        checks.append(("two-factor", not settings.two_factor, "libpam-google-authenticator is not installed"))
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{settings.service_port}/services/securebase/health",
                                    timeout=5) as response:
            checks.append(("calendar service", response.status == 200, "answering"))
    except OSError as exc:
        checks.append(("calendar service", False, f"not answering ({type(exc).__name__})"))
    return checks
