"""Each person's server: JupyterHub's LocalProcessSpawner, as the person's own system user ``sb_<name>``.

* **Whose process.** The hub user ``ann`` runs as the system user ``sb_ann`` (:func:`accounts.system_name`),
  in their own home folder, with their own data folder (``~/.securebase``).
* **The store, without a secret.** ``SECUREBASE_DATABASE_URL`` names the role ``sb_ann`` on the cluster's
  Unix socket; PostgreSQL's peer authentication checks that the process really is ``sb_ann``. No password
  or database token exists for the person's code to find.
* **What it serves** is decided by the person's role (:mod:`securebase.hub.pages`): its pages folder, and the
  page it opens at (a client's practice of today, a clinician's caseload, ...). Everything else that a
  Jupyter server offers (JupyterLab, terminals, the file browser, file downloads) is switched off or
  refused (:mod:`securebase.hub.singleuser`).
* **Memory.** LocalProcessSpawner has no memory limit of its own, so the server and every kernel it starts
  get an address-space limit (``RLIMIT_AS``, ``memory_limit_mb``); SystemdSpawner enforces a real cgroup
  limit where systemd runs (see the README).
* **A one-time password first.** A person who still has theirs gets no server until they set their own.
"""

from __future__ import annotations

import resource

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from tornado import web
from traitlets import Integer, Unicode

from securebase.hub import accounts, pages


class SecureBaseSpawner(LocalProcessSpawner):
    database_url_template = Unicode("", config=True, help="The store's URL, with {role} for the person's role")
    pages_root = Unicode("", config=True, help="The folder holding each role's pages folder")
    memory_limit_mb = Integer(4096, config=True, help="Address-space limit of the server and its kernels")

    @property
    def system_user(self) -> str:
        return accounts.system_name(self.user.name)

    @property
    def role(self) -> str:
        role = accounts.role_of(self.system_user)
        if role is None:
            raise web.HTTPError(403, "This sign-in has no Secure Base role: ask the clinic's administrator.")
        return role

    def make_preexec_fn(self, name: str):
        setuid = set_user_setuid(self.system_user)
        limit = self.memory_limit_mb * 1024 * 1024

        def preexec() -> None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
            setuid()
        return preexec

    def user_env(self, env: dict) -> dict:
        import pwd

        account = pwd.getpwnam(self.system_user)
        env.update(USER=account.pw_name, LOGNAME=account.pw_name, HOME=account.pw_dir, SHELL="/bin/sh")
        return env

    def get_env(self) -> dict:
        env = super().get_env()
        role = self.role
        env["SECUREBASE_HOME"] = f"{env['HOME']}/.securebase"
        env["SECUREBASE_HUB_ROLE"] = role
        if role != "admin":
            env["SECUREBASE_DATABASE_URL"] = self.database_url_template.format(role=self.system_user)
        env["JUPYTER_PATH"] = pages.jupyter_path()
        return env

    async def start(self):
        if accounts.must_change(self.system_user):
            raise web.HTTPError(403, "Set your own password first, at /hub/securebase/password.")
        role = self.role
        self.notebook_dir = pages.folder(self.pages_root, role)
        self.default_url = pages.landing(role)
        return await super().start()
