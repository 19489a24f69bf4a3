"""The clinic server: JupyterHub on the clinic's PostgreSQL store (``securebase hub``, ``make hub``).

* :mod:`~securebase.hub.settings`: the hub's folder (``SECUREBASE_HUB_DIR``, root's, owner-only files).
* :mod:`~securebase.hub.cluster`: the PostgreSQL server the store and the hub's own database live on, on a
  Unix socket only, with peer authentication: each person's system user logs in as their own role.
* :mod:`~securebase.hub.accounts`: each person's system user (``sb_<name>``), their one-time password and
  the password rules, and locking an account.
* :mod:`~securebase.hub.auth`, :mod:`~securebase.hub.spawner`, :mod:`~securebase.hub.singleuser`: what
  JupyterHub loads: the sign-in (PAM), each person's server as their own user, and what that server serves.
* :mod:`~securebase.hub.pages`: the notebooks each role's server serves.
* :mod:`~securebase.hub.service`: the calendar feeds, and the reminders and safety e-mails on a timer.
* :mod:`~securebase.hub.launch`: ``securebase hub setup|run|status``.

JupyterHub's NativeAuthenticator (1.3.0, the newest) does not work with the current JupyterHub (6.1):
its login handler uses ``self.statsd``, which JupyterHub 6 removed, so every sign-in fails with an
error page. The hub therefore signs people in with PAM against their system users, as the issue allows.
"""
