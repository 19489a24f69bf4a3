"""What each role's server serves on the clinic server: a folder of notebooks per role, and the page it opens at.

A person's server serves their role's folder only (``pages/<role>/`` in the hub's folder, root's and
read-only), so a client's server has no clinician's or researcher's page to render at all; the store's
row-level security decides, in any case, whose rows a page can read.

=============  ============================================================  ============================
role           pages                                                         opens at
=============  ============================================================  ============================
client         today's practice, their program's workbooks and progress     today's practice
clinician      home (caseload), every workbook, progress view and intake    the caseload
supervisor     home (their clinicians' caseloads) and the progress views    the caseload
researcher     the research notebooks                                        the research index
facilitator    the workshop's live session                                   the live session
admin          none: the hub's own admin page                                ``/hub/admin``
=============  ============================================================  ============================
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from urllib.parse import quote

from securebase.app.server import SHARE
from securebase.app.workspace import clean_copy
from securebase.core.layout import HOME_NOTEBOOK, TODAY_NOTEBOOK, WORKSHOP_NOTEBOOK

PAGES = {
    "client": (TODAY_NOTEBOOK, "sie/0*.ipynb", "asb/0*.ipynb", "sie/progress.ipynb", "asb/progress.ipynb"),
    "clinician": (HOME_NOTEBOOK, "sie/*.ipynb", "asb/*.ipynb", "intake/*.ipynb"),
    "supervisor": (HOME_NOTEBOOK, "sie/progress.ipynb", "asb/progress.ipynb"),
    "researcher": ("research/*.ipynb",),
    "facilitator": (WORKSHOP_NOTEBOOK.as_posix(),),
}
LANDING = {"client": TODAY_NOTEBOOK, "clinician": HOME_NOTEBOOK, "supervisor": HOME_NOTEBOOK,
           "researcher": "research/descriptives.ipynb", "facilitator": WORKSHOP_NOTEBOOK.as_posix()}
HUB_ADMIN = "/hub/admin"


def folder(root: str | Path, role: str) -> str:
    return str(Path(root) / role)


def landing(role: str) -> str:
    """Where the role's server opens (relative to the server's own address)."""
    return f"/voila/render/{quote(LANDING[role])}" if role in LANDING else HUB_ADMIN


def jupyter_path() -> str:
    """Where the servers find the app's template (and nothing of the person's own)."""
    return str(SHARE)


def sync(notebooks: Path, root: Path) -> dict[str, int]:
    """Copy each role's notebooks, without outputs, into ``root/<role>`` (world-readable, root's); a role's
    folder holds exactly its pages afterwards. Returns how many pages each role has."""
    import nbformat

    counts = {}
    root.mkdir(parents=True, exist_ok=True)
    os.chmod(root, 0o755)
    for role, patterns in PAGES.items():
        target = root / role
        if target.exists():
            shutil.rmtree(target)
        found = sorted({p for pattern in patterns for p in notebooks.glob(pattern)})
        for source in found:
            dest = target / source.relative_to(notebooks)
            dest.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(clean_copy(nbformat.read(source, as_version=4)), dest)
        for path in [target, *target.rglob("*")]:
            os.chmod(path, 0o755 if path.is_dir() else 0o644)
        counts[role] = len(found)
    return counts
