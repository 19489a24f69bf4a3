"""JupyterHub's settings for the clinic server, from :class:`~securebase.hub.settings.HubSettings`.

* **Addresses.** The proxy listens on ``ip:port`` (127.0.0.1:8000 unless set up otherwise, with TLS when a
  certificate and key are given); the hub's API, the proxy's API and the Secure Base service listen on
  127.0.0.1 only.
* **The hub's own database** is on the same PostgreSQL as the store (its own database, ``securebase_hub``,
  which people's roles cannot reach).
* **Services.** ``securebase`` (calendar feeds; reminders and safety e-mails every ``mail_every`` seconds,
  through the SMTP server of the hub's environment or its ``mail.env``) runs as the store's owner; ``idle-culler`` (jupyterhub-idle-culler) stops servers idle for ``idle_timeout`` seconds;
  ``securebase-admin`` is the token ``securebase users`` and ``securebase hub status`` use.
* **Logging out** stops the person's server (a shared computer keeps nothing open).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from securebase.app.serverconf import CONTENT_SECURITY_POLICY
from securebase.hub import auth, twofactor
from securebase.hub.settings import HUB_DB, OWNER, HubSettings

SINGLEUSER_CONFIG = "singleuser_config.json"
SERVICE = "securebase"
ADMIN_SERVICE = "securebase-admin"
CULLER = "idle-culler"
SMTP_PREFIX = "SECUREBASE_SMTP_"


def service_environment(settings: HubSettings, environ: dict[str, str]) -> dict[str, str]:
    env = {"SECUREBASE_DATABASE_URL": settings.database_url(OWNER), "SECUREBASE_PUBLIC_URL": settings.address,
           "SECUREBASE_TIME_ZONE": settings.time_zone, "SECUREBASE_HOME": str(settings.folder / "service"),
           "SECUREBASE_HUB_DIR": str(settings.folder), "SECUREBASE_SERVICE_PORT": str(settings.service_port),
           "SECUREBASE_MAIL_EVERY": str(settings.mail_every)}
    env.update({k: v for k, v in environ.items() if k.startswith(SMTP_PREFIX)})
    env.update(settings.mail_environment())
    return env


def configure(c: Any, settings: HubSettings | None = None, environ: dict[str, str] | None = None) -> None:
    import os

    settings = settings or HubSettings.load()
    environ = dict(os.environ if environ is None else environ)
    folder = settings.folder
    python = settings.python or sys.executable
    scheme = "https" if settings.ssl_cert else "http"
    c.JupyterHub.bind_url = f"{scheme}://{settings.ip}:{settings.port}"
    c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{settings.hub_port}"
    if settings.ssl_cert:
        c.JupyterHub.ssl_cert, c.JupyterHub.ssl_key = settings.ssl_cert, settings.ssl_key
    c.JupyterHub.db_url = settings.database_url(OWNER, HUB_DB)
    c.JupyterHub.cookie_secret_file = str(folder / "cookie_secret")
    c.JupyterHub.pid_file = str(folder / "jupyterhub.pid")
    c.JupyterHub.cleanup_servers = True
    c.JupyterHub.shutdown_on_logout = True
    c.JupyterHub.tornado_settings = {"headers": {"Content-Security-Policy": CONTENT_SECURITY_POLICY,
                                                 "X-Content-Type-Options": "nosniff",
                                                 "Referrer-Policy": "no-referrer"}}
    c.ConfigurableHTTPProxy.command = [settings.proxy_command]
    c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{settings.proxy_api_port}"

    c.JupyterHub.authenticator_class = auth.SecureBaseAuthenticator
    c.Authenticator.auth_refresh_age = auth.REFRESH_SECONDS
    c.Authenticator.refresh_pre_spawn = True
    c.Authenticator.request_otp = twofactor.available()
    c.JupyterHub.default_url = auth.default_url
    c.JupyterHub.extra_handlers = [(r"/" + auth.PASSWORD_PATH, auth.PasswordHandler)]

    from securebase.hub.spawner import SecureBaseSpawner

    c.JupyterHub.spawner_class = SecureBaseSpawner
    c.SecureBaseSpawner.database_url_template = settings.database_url("{role}")
    c.SecureBaseSpawner.pages_root = str(folder / "pages")
    c.SecureBaseSpawner.memory_limit_mb = settings.memory_limit_mb
    c.Spawner.cmd = [str(Path(python).with_name("jupyterhub-singleuser"))]
    c.Spawner.args = [f"--config={folder / SINGLEUSER_CONFIG}"]
    c.Spawner.http_timeout = 90
    c.Spawner.start_timeout = 120
    c.Spawner.env_keep = ["PATH", "LANG", "LC_ALL", "TZ"]
    c.Spawner.environment = {"SECUREBASE_PUBLIC_URL": settings.address, "SECUREBASE_TIME_ZONE": settings.time_zone}

    c.JupyterHub.services = [
        {"name": SERVICE, "url": f"http://127.0.0.1:{settings.service_port}", "user": OWNER,
         "command": [python, "-m", "securebase.hub.service"], "environment": service_environment(settings, environ),
         "display": False},
        {"name": CULLER, "api_token": settings.token(CULLER),
         "command": [python, "-m", "jupyterhub_idle_culler", f"--timeout={settings.idle_timeout}", "--cull-every=60"]},
        {"name": ADMIN_SERVICE, "api_token": settings.token(ADMIN_SERVICE)},
    ]
    c.JupyterHub.load_roles = [
        {"name": "idle-culler", "services": [CULLER],
         "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"]},
        {"name": "securebase-admin", "services": [ADMIN_SERVICE],
         "scopes": ["admin:users", "admin:servers", "list:users", "read:users", "read:hub", "list:services",
                    "read:services"]},
    ]
