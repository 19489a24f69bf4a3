"""The configuration file JupyterHub loads (``jupyterhub -f`` this file; :func:`securebase.hub.launch.run`).

It holds no setting of its own and no secret: it reads the hub's folder (``SECUREBASE_HUB_DIR``, root's)
through :func:`configure`, so the tokens stay in owner-only files and off every command line.
"""

from securebase.hub.hubconfig import configure

configure(get_config())  # noqa: F821 - JupyterHub's config loader defines get_config
