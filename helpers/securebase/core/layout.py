"""Where the generated notebooks live, relative to the notebooks folder (``notebooks/`` in the
repository, the workbooks folder of the data directory in use). Links on the home page and the
notebook builders both use these names."""

from __future__ import annotations

from pathlib import Path

HOME_NOTEBOOK = "app/home.ipynb"                              # the clinician's home page, opened first by the app
TODAY_NOTEBOOK = "app/today.ipynb"                            # a client's practice of today, where they land on the clinic server
PROGRESS_NOTEBOOK = "progress.ipynb"                          # per program: the clinician's view across its phases
INTAKE_DIR = "intake"                                         # one notebook per questionnaire in content/scales
WORKSHOP_NOTEBOOK = Path("workshop") / "live_session.ipynb"   # the facilitator's live session

# Report files are served by the app (and by JupyterLab's server extension) under this route,
# relative to the server's base address: see securebase.app.files.
FILES_ROUTE = "securebase/files"


def file_url(path: Path, clients: Path) -> str | None:
    """The address the servers give ``path`` (a file under ``clients/<client>/reports/``), or ``None``
    for a file they do not serve. Relative to the server's root: JupyterHub's per-user prefix when the
    page runs under JupyterHub (``JUPYTERHUB_SERVICE_PREFIX``), else ``/``."""
    import os
    from urllib.parse import quote

    try:
        relative = Path(path).resolve().relative_to(Path(clients).resolve())
    except ValueError:
        return None
    if len(relative.parts) < 3 or relative.parts[1] != "reports":
        return None
    base = os.environ.get("JUPYTERHUB_SERVICE_PREFIX", "/")
    return base.rstrip("/") + "/" + FILES_ROUTE + "/" + quote(relative.as_posix())
