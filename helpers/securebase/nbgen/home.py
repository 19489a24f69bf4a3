"""The clinician's home page notebook (``notebooks/app/home.ipynb``), which the app opens first, as a spec."""

from __future__ import annotations

import nbformat

from securebase.core.layout import HOME_NOTEBOOK as NOTEBOOK  # noqa: F401  (where it is written)
from securebase.nbgen.spec import STORE_PATH, NotebookSpec, render


def home_spec() -> NotebookSpec:
    return NotebookSpec(
        cell_prefix="home",
        heading=("# Secure Base\n\nYour clients, where each one is in their program, and any open safety flags. "
                 "Find a client by their code or your private label, open a workbook from their row, and "
                 "below: label or archive a client, link a couple, add a new client."),
        parameters=(STORE_PATH,),
        title="Clients",
        parameters_note="# Parameters. The app (make app) opens this page first.",
        facade="securebase.ui.home:HomePage",
        variable="home",
        first_call="widget",
    )


def build_home_notebook() -> nbformat.NotebookNode:
    return render(home_spec())
