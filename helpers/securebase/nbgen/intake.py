"""Building the intake notebook of a questionnaire (one per instrument in ``content/scales``)."""

from __future__ import annotations

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from securebase.content import scales
from securebase.nbgen.cells import ENGINE_KERNEL, OPENING

PARAMETERS = '''\
# Parameters. In batch runs papermill injects new values in a cell below this one.
client_id: str = "demo-001"     # pseudonymous client code such as C-7KQ2M9 (never a name)
store_path: str = ""            # SQLite store file; empty means the default store in the Secure Base data folder
mode: str = "interactive"       # "interactive" shows the statements; "batch" reads answers_path
answers_path: str = ""          # batch: YAML file with responses (see README, intake)
output_dir: str = ""            # folder for the card and the report; empty means the client folder
occasion: str = "intake"        # intake, milestone or follow_up
language: str = "en"            # interface language (a file in content/locales)'''


def build_intake_notebook(instrument: scales.Instrument) -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell(f"# {instrument.title}\n\nThe answers are saved in the Secure Base store. {OPENING}"),
        new_code_cell(PARAMETERS, metadata={"tags": ["parameters"]}),
        new_code_cell(
            "from securebase.notebook.intake import IntakeWorkbook\n\n"
            f'iw = IntakeWorkbook("{instrument.id}", client_id=client_id, store_path=store_path, mode=mode,\n'
            "                    answers_path=answers_path, output_dir=output_dir, occasion=occasion, language=language)\n"
            "iw.intro()"
        ),
        new_markdown_cell("### The statements"),
        new_code_cell("iw.questionnaire()"),
        new_markdown_cell("### Your result"),
        new_code_cell("iw.result()"),
        new_markdown_cell("### If you need help"),
        new_code_cell("iw.help()"),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": ENGINE_KERNEL, "language_info": {"name": "python"}})
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"intake-{i:02d}"
    return nb
