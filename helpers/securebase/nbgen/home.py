"""Building the clinician's home page notebook (``notebooks/app/home.ipynb``), which the app opens first."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from securebase.core.layout import HOME_NOTEBOOK as NOTEBOOK  # noqa: F401  (where it is written)
from securebase.nbgen.cells import ENGINE_KERNEL


PARAMETERS = '''\
# Parameters. The app (make app) opens this page first.
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder'''


def build_home_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# Secure Base\n\nYour clients, where each one is in their program, and any open safety "
                          "flags. Open a workbook from a client's row, or add a new client below."),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell("from securebase.ui.home import HomePage\n\nhome = HomePage(store_path=store_path)\nhome.widget"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"home-{i:02d}"
    return nb
