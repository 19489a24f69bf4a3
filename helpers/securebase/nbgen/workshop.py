"""Building the live workshop notebook (``notebooks/workshop/live_session.ipynb``)."""

from __future__ import annotations


import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from securebase.core.layout import WORKSHOP_NOTEBOOK as NOTEBOOK  # noqa: F401  (where it is written)
from securebase.nbgen.cells import ENGINE_KERNEL


PARAMETERS = '''\
# Parameters. In batch runs papermill injects new values in a cell below this one.
workshop: str = "asb_intro"     # workshop file in content/workshops (its name without .yaml)
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder
session_id: str = ""            # label of this session (letters, digits, - and _); empty means the workshop id and today's date
mode: str = "interactive"       # "interactive" shows timers and polls; "batch" prints text and writes results_path
start_time: str = ""            # HH:MM the session starts, 24-hour clock; empty means now
k: int = 5                      # smallest count ever shown, 5 or more; smaller counts read "fewer than k"
results_path: str = ""          # batch: JSON file for the agenda plan and the suppressed poll results; empty means <data folder>/workshops/<session_id>/results.json'''


def build_workshop_notebook() -> nbformat.NotebookNode:
    """The live-session notebook: parameters, intro, agenda, polls and results (thin: calls this module)."""
    cells = [
        new_markdown_cell(
            "# Live workshop session\n\n"
            "For facilitators. Choose the workshop in the first cell, then run all cells "
            "(*Run > Run All*), or open this notebook as an app with Voila. Poll answers are anonymous "
            "and saved in the Secure Base store; counts below k are never shown."
        ),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from securebase.notebook.workshop import WorkshopSession\n\n"
            "ws = WorkshopSession(workshop, store_path=store_path, session_id=session_id, mode=mode,\n"
            "                     start_time=start_time, k=k, results_path=results_path)\n"
            "ws.intro()"
        ),
        new_markdown_cell("### Agenda\n\nEach segment has its own timer. The planned times follow from the start time."),
        new_code_cell("ws.agenda()"),
        new_markdown_cell("### Polls\n\nOne answer per press of *Submit answer*; the choice clears so the device "
                          "can be passed on."),
        new_code_cell("ws.polls()"),
        new_markdown_cell("### Results file\n\nThe agenda plan and the suppressed poll counts, as JSON."),
        new_code_cell("ws.results()"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"workshop-{i:02d}"  # stable ids keep diffs readable
    return nb
