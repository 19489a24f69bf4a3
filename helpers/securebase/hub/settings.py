"""The clinic server's folder and settings.

Everything the hub keeps is in one folder, ``SECUREBASE_HUB_DIR`` (default ``/var/lib/securebase-hub``):

=====================  ===============================================================================
``settings.json``      addresses, ports, TLS files, the API tokens of its services (root's, 0600)
``cookie_secret``      JupyterHub's cookie secret (root's, 0600)
``postgres/``          the PostgreSQL cluster (the ``postgres`` user's, 0700)
``socket/``            its Unix socket (0755: every person's server reaches it; peer authentication
                       decides who logs in as which role)
``pages/<role>/``      the notebooks each role's server serves (root's, read-only for everyone)
``temporary/``         who still signs in with a one-time password (root's, 0700)
``log/``               the hub's log
=====================  ===============================================================================

No secret is ever on a command line: JupyterHub reads this file through its configuration file
(:mod:`securebase.hub.jupyterhub_config`), and hands each service its token in the environment.
"""

from __future__ import annotations

import json
import os
import secrets
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import quote

from securebase.core.errors import SecureBaseError

HUB_DIR_ENV = "SECUREBASE_HUB_DIR"
DEFAULT_HUB_DIR = Path("/var/lib/securebase-hub")
STORE_DB = "securebase"
HUB_DB = "securebase_hub"
OWNER = "postgres"        # the cluster's superuser and the store's owner (Debian's postgres system user)


class HubError(SecureBaseError):
    """The clinic server cannot do what was asked; the message says what to do."""


def hub_dir() -> Path:
    return Path(os.environ.get(HUB_DIR_ENV, "") or DEFAULT_HUB_DIR)


MAIL_FILE = "mail.env"


@dataclass
class HubSettings:
    ip: str = "127.0.0.1"
    port: int = 8000
    hub_port: int = 8081           # the hub's own API, on loopback, behind the proxy
    proxy_api_port: int = 8001
    service_port: int = 8090       # the Secure Base service (calendar feeds), behind the proxy
    public_url: str = ""           # how people reach it (links in e-mails and feeds); default http://ip:port
    ssl_cert: str = ""             # TLS for a real host: the certificate and key files (see the README)
    ssl_key: str = ""
    time_zone: str = "UTC"         # the clinic's, for clients who set none
    idle_timeout: int = 3600       # a server with no activity for this long is stopped
    memory_limit_mb: int = 4096    # the address space each person's server may use
    two_factor: bool = False       # every person added gets a second factor (hub setup --two-factor)
    mail_every: int = 300          # seconds between the service's rounds of reminders and safety e-mails
    proxy_command: str = ""
    python: str = ""               # the Python whose securebase the servers run
    tokens: dict[str, str] = field(default_factory=dict)   # service name -> API token

    @property
    def folder(self) -> Path:
        return hub_dir()

    @property
    def socket_dir(self) -> Path:
        return self.folder / "socket"

    def database_url(self, role: str, database: str = STORE_DB) -> str:
        """A login as ``role`` over the Unix socket: peer authentication, no password."""
        return f"postgresql+psycopg://{role}@/{database}?host={quote(str(self.socket_dir), safe='')}"

    @property
    def address(self) -> str:
        scheme = "https" if self.ssl_cert else "http"
        return self.public_url.rstrip("/") or f"{scheme}://{self.ip}:{self.port}"

    def token(self, service: str) -> str:
        if service not in self.tokens:
            self.tokens[service] = secrets.token_hex(32)
        return self.tokens[service]

    def save(self) -> Path:
        path = self.folder / "settings.json"
        write_private(path, json.dumps(asdict(self), indent=1, sort_keys=True))
        return path

    @classmethod
    def load(cls) -> "HubSettings":
        path = hub_dir() / "settings.json"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise HubError(f"There is no clinic server set up in {hub_dir()}: run `make hub` (or `sudo securebase hub "
                           "setup`) first.") from None
        except PermissionError:
            raise HubError(f"{path} is root's: run this as root (sudo).") from None
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)

    def mail_environment(self) -> dict[str, str]:
        """``SECUREBASE_SMTP_*`` from ``mail.env`` in the hub's folder (root's, owner-only): ``NAME=value``
        lines, ``#`` comments. The password goes in a file of its own (``SECUREBASE_SMTP_PASSWORD_FILE``)."""
        path = self.folder / MAIL_FILE
        try:
            text = path.read_text()
        except FileNotFoundError:
            return {}
        if path.stat().st_mode & 0o077:
            raise HubError(f"{path} can be read by others: `chmod 600 {path}`.")
        out = {}
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition("=")
            key = key.strip()
            if not sep or not key.startswith("SECUREBASE_SMTP_"):
                raise HubError(f"{path}, line {number}: write SECUREBASE_SMTP_NAME=value (for example "
                               "SECUREBASE_SMTP_HOST=smtp.clinic.example).")
            out[key] = value.strip().strip('"')
        return out

    @classmethod
    def exists(cls) -> bool:
        return (hub_dir() / "settings.json").exists()


def write_private(path: Path, text: str | bytes) -> None:
    """Write ``path`` readable by its owner only from the first byte on."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(text.encode() if isinstance(text, str) else text)
    os.replace(tmp, path)


def require_root(what: str) -> None:
    if os.geteuid() != 0:
        raise HubError(f"{what} needs root: it makes system users and runs each person's server as theirs. "
                       "Run it with sudo.")
