"""A throw-away PostgreSQL cluster for tests, from Debian's server binaries.

:func:`temporary_cluster` runs ``initdb`` in a fresh temporary folder (mode 0700), starts the server
listening only on a Unix socket in that folder (no TCP at all), yields a :class:`PgCluster`, and at
exit stops the server (``pg_ctl stop -m fast``) and removes the folder, also when a test failed.

initdb and postgres refuse to run as root: when the test process is root they run as Debian's
unprivileged ``postgres`` user (``runuser -u postgres --``), who then owns the folder and is the
cluster's superuser; otherwise they run as the current user. Authentication is ``trust`` on the
local socket only (``reject`` for TCP, which is not listened on anyway): the folder that holds the
socket is 0700, so only its owner (and root) can connect. No password exists, none is passed.

initdb runs with ``--no-sync`` (the throw-away cluster need not survive a power cut before it
starts); the running server keeps ``fsync`` and ``synchronous_commit`` on, so a committed
transaction is on disk when a test SIGKILLs its writer.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import pwd
import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

PG_ROOT = Path("/usr/lib/postgresql")
SERVICE_USER = "postgres"  # Debian's unprivileged user for the server, used when we are root
_DB_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_SETTINGS = {
    "listen_addresses": "''",  # no TCP: the Unix socket only
    "shared_buffers": "'16MB'",
    "max_connections": "40",
    "fsync": "on",
    "synchronous_commit": "on",
    "full_page_writes": "on",
    "max_wal_size": "'256MB'",
    "log_checkpoints": "off",
    "timezone": "'UTC'",
}


class PostgresNotInstalled(RuntimeError):
    """Debian's PostgreSQL server binaries are not installed."""


def find_bin_dir(root: Path = PG_ROOT) -> Path:
    """The bin folder of the highest PostgreSQL version installed by Debian (not on PATH)."""
    versions = []
    for path in root.glob("*/bin"):
        if path.parent.name.isdigit() and all((path / tool).is_file() for tool in ("initdb", "pg_ctl", "postgres")):
            versions.append((int(path.parent.name), path))
    if not versions:
        raise PostgresNotInstalled(
            f"PostgreSQL server binaries not found under {root}/<version>/bin (initdb, pg_ctl, postgres): "
            "run `make system-deps` as root (it installs Debian's postgresql package)"
        )
    return max(versions)[1]


@dataclass
class PgCluster:
    """A running throw-away cluster: connect as ``superuser`` through the socket in ``socket_dir``."""

    root: Path
    socket_dir: Path
    data_dir: Path
    bin_dir: Path
    superuser: str
    port: int = 5432  # names the socket file (.s.PGSQL.5432); no TCP port is opened
    _counter: Iterator[int] = field(default_factory=itertools.count, repr=False)

    def url(self, dbname: str = "postgres") -> str:
        """The SQLAlchemy URL of a database of this cluster (psycopg 3, over the Unix socket)."""
        host = quote(str(self.socket_dir), safe="")
        port = "" if self.port == 5432 else f"&port={self.port}"
        return f"postgresql+psycopg://{self.superuser}@/{dbname}?host={host}{port}"

    def connect(self, dbname: str = "postgres", **kwargs):
        """A psycopg connection as the superuser (``autocommit=True`` etc. may be passed)."""
        import psycopg

        return psycopg.connect(host=str(self.socket_dir), port=self.port, user=self.superuser,
                               dbname=dbname, **kwargs)

    def create_database(self, name: str | None = None) -> str:
        """Create a new, empty database (a unique name unless one is given); return its URL."""
        if name is None:
            name = f"test_{os.getpid()}_{next(self._counter)}"
        if not _DB_NAME.fullmatch(name):
            raise ValueError(f"not a plain lower-case database name: {name!r}")
        with self.connect(autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE template0 ENCODING \'UTF8\'')
        return self.url(name)

    def drop_database(self, name: str) -> None:
        """Drop a database, closing any connections a test left open to it."""
        if not _DB_NAME.fullmatch(name):
            raise ValueError(f"not a plain lower-case database name: {name!r}")
        with self.connect(autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def server_log(self) -> str:
        path = self.root / "server.log"
        return path.read_text(errors="replace") if path.exists() else ""


def _clean_env() -> dict[str, str]:
    """The environment for initdb/pg_ctl: no PG* variables (PGHOST, PGDATA, ...) from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C", TZ="UTC")
    return env


def _run(cmd: list[str], *, as_user: str | None, cwd: Path, timeout: float = 60) -> None:
    if as_user is not None:
        cmd = ["runuser", "-u", as_user, "--", *cmd]
    proc = subprocess.run(cmd, cwd=cwd, env=_clean_env(), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")


def _service_account() -> pwd.struct_passwd:
    try:
        account = pwd.getpwnam(SERVICE_USER)
    except KeyError:
        raise PostgresNotInstalled(
            f"running as root, but there is no {SERVICE_USER!r} user to run PostgreSQL as: "
            "run `make system-deps` as root (Debian's postgresql package creates it)"
        ) from None
    if shutil.which("runuser") is None:
        raise PostgresNotInstalled("running as root, but runuser (util-linux) is not installed")
    return account


def _traversable_by_others(path: Path) -> bool:
    """Whether another user can reach ``path`` (every folder on the way has the x bit for others)."""
    for folder in [path, *path.parents]:
        if not folder.stat().st_mode & 0o001:
            return False
    return True


@contextlib.contextmanager
def temporary_cluster(*, settings: dict[str, str] | None = None) -> Iterator[PgCluster]:
    """Start a fresh cluster in a temporary folder; stop it and remove the folder at exit.

    ``settings`` adds or overrides postgresql.conf lines (values as PostgreSQL writes them, e.g.
    ``{"work_mem": "'8MB'"}``).
    """
    bin_dir = find_bin_dir()
    as_root = os.geteuid() == 0
    account = _service_account() if as_root else pwd.getpwuid(os.geteuid())
    run_as = account.pw_name if as_root else None
    parent = Path(tempfile.gettempdir())
    if as_root and not _traversable_by_others(parent):
        parent = Path("/tmp")  # TMPDIR is private to root: the postgres user could not reach it
    reap_orphans(parent, bin_dir, run_as)
    root = Path(tempfile.mkdtemp(prefix="sb-pg-", dir=parent))
    started = False
    try:
        os.chmod(root, 0o700)
        (root / OWNER_FILE).write_text(str(os.getpid()))   # whose cluster it is (see reap_orphans)
        if as_root:
            os.chown(root, account.pw_uid, account.pw_gid)
        data_dir = root / "data"
        if len(str(root / ".s.PGSQL.5432")) > 100:  # a Unix socket path holds at most 107 bytes
            raise RuntimeError(f"the temporary folder's path is too long for a Unix socket: {root}")
        _run([str(bin_dir / "initdb"), "-D", str(data_dir), "-U", account.pw_name, "--auth-local=trust",
              "--auth-host=reject", "-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions"],
             as_user=run_as, cwd=root)
        conf = {**_SETTINGS, "unix_socket_directories": _conf_string(str(root)), **(settings or {})}
        # appended by us (root may write the postgres-owned file; its owner stays postgres)
        with open(data_dir / "postgresql.conf", "a") as fh:
            fh.write("\n# temporary_cluster (tests/pgcluster.py)\n")
            fh.writelines(f"{key} = {value}\n" for key, value in conf.items())
        cluster = PgCluster(root=root, socket_dir=root, data_dir=data_dir, bin_dir=bin_dir,
                            superuser=account.pw_name)
        try:
            started = True  # pg_ctl may have started the server even if it then failed waiting for it
            _run([str(bin_dir / "pg_ctl"), "start", "-D", str(data_dir), "-l", str(root / "server.log"),
                  "-w", "-t", "60", "-s"], as_user=run_as, cwd=root, timeout=90)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}\nserver log:\n{cluster.server_log()}") from None
        yield cluster
    finally:
        try:
            if started:
                _stop(bin_dir, root / "data", run_as, root)
        finally:
            shutil.rmtree(root, ignore_errors=True)


def _stop(bin_dir: Path, data_dir: Path, run_as: str | None, cwd: Path, mode: str = "fast") -> None:
    if not (data_dir / "postmaster.pid").exists():
        return
    _run([str(bin_dir / "pg_ctl"), "stop", "-D", str(data_dir), "-m", mode, "-w", "-t", "60", "-s"],
         as_user=run_as, cwd=cwd, timeout=90)


OWNER_FILE = "owner.pid"


def reap_orphans(parent: Path, bin_dir: Path, run_as: str | None) -> list[Path]:
    """Stop and remove the clusters of test runs that were killed before they could stop their own (a
    SIGKILLed pytest leaves its server running): those whose owner process is gone. Returns their folders."""
    reaped = []
    for root in parent.glob("sb-pg-*"):
        try:
            owner = int((root / OWNER_FILE).read_text())
        except (OSError, ValueError):
            continue   # not one of ours, or still being made
        try:
            os.kill(owner, 0)
            continue   # its run is still going
        except ProcessLookupError:
            pass
        except PermissionError:
            continue   # another user's process: alive
        try:
            _stop(bin_dir, root / "data", run_as, root, mode="immediate")
        except RuntimeError:
            pass   # a server that cannot be stopped now is left; its folder too
        else:
            shutil.rmtree(root, ignore_errors=True)
            reaped.append(root)
    return reaped


def _conf_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "''") + "'"


if __name__ == "__main__":  # python tests/pgcluster.py: time a start and a stop
    t0 = time.perf_counter()
    with temporary_cluster() as c:
        t1 = time.perf_counter()
        url = c.create_database()
        t2 = time.perf_counter()
        print(f"started in {t1 - t0:.2f} s; create_database {t2 - t1:.3f} s; {url}")
        t3 = time.perf_counter()
    print(f"stopped and removed in {time.perf_counter() - t3:.2f} s")
