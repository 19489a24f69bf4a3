"""Building the progress notebook of a program (one per program, for the clinician)."""

from __future__ import annotations

from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from securebase.content import Program
from securebase.nbgen.cells import ENGINE_KERNEL, OPENING

PARAMETERS = '''\
# Parameters. In batch runs papermill injects new values in a cell below this one.
client_id: str = "demo-001"     # pseudonymous client code such as C-7KQ2M9 (never a name)
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder
mode: str = "interactive"       # "interactive" shows widgets; "batch" prints text and writes the report files
output_dir: str = ""            # folder for progress.json/.html/.png; empty means <data folder>/clients/<client_id>/reports
today: str = ""                 # the day to view progress as of, YYYY-MM-DD; empty means the real date
handout_since: str = ""         # first day of the session summary on the handout, YYYY-MM-DD; empty means 7 days before today
clinician_note: str = ""        # batch only: a short note printed on the handout; interactive mode has a text box'''


def _couple_cells(program: Program) -> list[Any]:
    """A couple view for programs with a shared protocol."""
    from securebase.couples.protocol import PROTOCOL

    if not program.exercises_with(PROTOCOL):
        return []
    return [
        new_markdown_cell("### The couple\n\nThe protocol's versions and consents, and how the couple keeps to it, "
                          "from both partners' daily check-ins (counts only)."),
        new_code_cell("pw.couple()"),
    ]


def build_progress_notebook(program: Program) -> nbformat.NotebookNode:
    """The clinician's progress notebook for ``program``: parameters, overview, charts, override, report."""
    cells = [
        new_markdown_cell(
            f"# {program.title}\n## Progress\n\n"
            "This view reads the Secure Base store; it shows counts and ratings, never what the client wrote. "
            f"{OPENING}"
        ),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from securebase.notebook.progress import ProgressWorkbook\n\n"
            f'pw = ProgressWorkbook("{program.id}", client_id=client_id, store_path=store_path, mode=mode,\n'
            "                      output_dir=output_dir, today=today, handout_since=handout_since,\n"
            "                      clinician_note=clinician_note)"
        ),
        new_markdown_cell("### Safety flags\n\nSaved entries that may describe a risk. Clear a flag only after "
                          "you have followed it up, and say how."),
        new_code_cell("pw.safety()"),
        new_markdown_cell("### Where the client is"),
        new_code_cell("pw.overview()"),
        new_markdown_cell("### Charts"),
        new_code_cell("pw.plots()"),
        new_markdown_cell("### Change the current step\n\nBy default the step follows the start date."),
        new_code_cell("pw.override()"),
        new_markdown_cell("### Relationship check over time\n\nThe intake check repeated at milestones, "
                          "with the reliable change index (|RCI| of at least 1.96 is a reliable change)."),
        new_code_cell("pw.assessments()"),
        *_couple_cells(program),
        new_markdown_cell("### Report files"),
        new_code_cell("pw.report()"),
        new_markdown_cell(
            "### Session summary and homework handout\n\n"
            "For the client to take home: what they recorded since the chosen day, their safety statements, "
            "values and maintenance dates, and this step's homework. Written as HTML and PDF."
        ),
        new_code_cell("pw.handout()"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"progress-{i:02d}"  # stable ids keep diffs readable
    return nb
