"""The clinic server's PostgreSQL: Debian's server binaries, a cluster in the hub's folder, run as Debian's
``postgres`` user (PostgreSQL refuses root), listening on a Unix socket only (no TCP at all).

Peer authentication, one map (``pg_ident.conf``): the operating system says who connects, so no password
exists anywhere. ``root`` (the hub, and ``sudo securebase ...``) and ``postgres`` log in as ``postgres``,
the store's owner; each person's system user ``sb_<name>`` logs in as the role of the same name, which
row-level security then limits (:mod:`securebase.store.access_pg`). Every other user is refused.
"""

from __future__ import annotations

import os
import pwd
import subprocess
from pathlib import Path

from securebase.hub.settings import HUB_DB, OWNER, STORE_DB, HubError, HubSettings

PG_ROOT = Path("/usr/lib/postgresql")
HBA = """# Secure Base clinic server: the Unix socket only, peer authentication through one map.
local all all peer map=securebase
host  all all 0.0.0.0/0 reject
host  all all ::/0 reject
"""
IDENT = """# MAPNAME SYSTEM-USER PG-USER
securebase root     postgres
securebase postgres postgres
securebase /^(sb_[a-z0-9_]+)$ \\1
"""
SETTINGS = {
    "listen_addresses": "''",
    "unix_socket_permissions": "0777",     # who may log in is pg_hba's decision, not the socket's
    "max_connections": "200",
    "shared_buffers": "'128MB'",
    "timezone": "'UTC'",
    "log_connections": "off",
    "idle_in_transaction_session_timeout": "'60s'",
}


def bin_dir() -> Path:
    found = sorted((int(p.parent.name), p) for p in PG_ROOT.glob("*/bin")
                   if p.parent.name.isdigit() and (p / "initdb").is_file())
    if not found:
        raise HubError("PostgreSQL's server is not installed: run `make hub` (it installs Debian's postgresql) or "
                       "`apt-get install postgresql`.")
    return found[-1][1]


def _owner() -> pwd.struct_passwd:
    try:
        return pwd.getpwnam(OWNER)
    except KeyError:
        raise HubError("There is no 'postgres' system user: install Debian's postgresql package.") from None


def _run(command: list[str], *, timeout: float = 90, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    done = subprocess.run(["runuser", "-u", OWNER, "--", *command], env=env, cwd="/", stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    if check and done.returncode != 0:
        raise HubError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[-600:]}")
    return done


def data_dir(settings: HubSettings) -> Path:
    return settings.folder / "postgres"


def initialise(settings: HubSettings) -> bool:
    """Make the cluster if it is not there yet; True when it was made now."""
    data = data_dir(settings)
    if (data / "PG_VERSION").exists():
        return False
    owner = _owner()
    for folder, mode in ((data, 0o700), (settings.socket_dir, 0o755)):
        folder.mkdir(parents=True, exist_ok=True)
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        os.chmod(folder, mode)
    _run([str(bin_dir() / "initdb"), "-D", str(data), "-U", OWNER, "--auth-local=peer", "--auth-host=reject",
          "-E", "UTF8", "--locale=C.UTF-8", "--no-instructions"], timeout=180)
    conf = {**SETTINGS, "unix_socket_directories": "'" + str(settings.socket_dir).replace("'", "''") + "'"}
    with open(data / "postgresql.conf", "a") as handle:
        handle.write("\n# Secure Base clinic server (securebase.hub.cluster)\n")
        handle.writelines(f"{key} = {value}\n" for key, value in conf.items())
    for name, text in (("pg_hba.conf", HBA), ("pg_ident.conf", IDENT)):
        (data / name).write_text(text)
        os.chown(data / name, owner.pw_uid, owner.pw_gid)
        os.chmod(data / name, 0o600)
    return True


def running(settings: HubSettings) -> bool:
    data = data_dir(settings)
    if not (data / "PG_VERSION").exists():
        return False
    return _run([str(bin_dir() / "pg_ctl"), "status", "-D", str(data)], check=False).returncode == 0


def start(settings: HubSettings) -> None:
    if running(settings):
        return
    log = settings.folder / "log"
    log.mkdir(parents=True, exist_ok=True)
    owner = _owner()
    os.chown(log, owner.pw_uid, owner.pw_gid)
    _run([str(bin_dir() / "pg_ctl"), "start", "-D", str(data_dir(settings)), "-l", str(log / "postgres.log"),
          "-w", "-t", "60", "-s"])


def stop(settings: HubSettings) -> None:
    if running(settings):
        _run([str(bin_dir() / "pg_ctl"), "stop", "-D", str(data_dir(settings)), "-m", "fast", "-w", "-t", "60", "-s"])


def psql(settings: HubSettings, sql: str, database: str = "postgres") -> str:
    """Run one SQL statement as the owner (fixed statements only: nothing a person typed)."""
    done = _run([str(bin_dir() / "psql"), "-X", "-q", "-t", "-A", "-v", "ON_ERROR_STOP=1", "-h", str(settings.socket_dir),
                 "-d", database, "-c", sql])
    return done.stdout.strip()


def ensure_databases(settings: HubSettings) -> list[str]:
    """The store's database and the hub's own, made when missing; the names made now."""
    made = []
    for name in (STORE_DB, HUB_DB):
        if psql(settings, f"SELECT 1 FROM pg_database WHERE datname = '{name}'") != "1":
            psql(settings, f"CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8'")
            made.append(name)
    psql(settings, f"REVOKE ALL ON DATABASE {HUB_DB} FROM PUBLIC")   # people's roles never reach the hub's tables
    return made
