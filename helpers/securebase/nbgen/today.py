"""A client's page of today (``notebooks/app/today.ipynb``), where a client lands on the clinic server."""

from __future__ import annotations

import nbformat

from securebase.core.layout import TODAY_NOTEBOOK as NOTEBOOK  # noqa: F401  (where it is written)
from securebase.nbgen.spec import CLIENT_ID, MODE, STORE_PATH, NotebookSpec, render


def today_spec() -> NotebookSpec:
    return NotebookSpec(
        cell_prefix="today",
        heading=("# Today\n\nYour practice for today, set by your clinician, first; then your workbooks, your "
                 "calendar and reminders, and help."),
        parameters=(STORE_PATH, CLIENT_ID.with_default("demo-002").with_help("whose day (C-XXXX); on the clinic server a client always "
                                                    "sees their own"),
                    MODE.with_help('"interactive" shows the page; "batch" prints the day\'s practice')),
        title="Today",
        parameters_note="# Parameters. On the clinic server a client opens this page first.",
        facade="securebase.notebook.today:TodayPage",
        variable="page",
        first_call="show()",
        opens_page=True,
    )


def build_today_notebook() -> nbformat.NotebookNode:
    return render(today_spec())
