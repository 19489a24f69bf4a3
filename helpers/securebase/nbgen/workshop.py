"""The live workshop notebook (``notebooks/workshop/live_session.ipynb``), as a spec."""

from __future__ import annotations

import nbformat

from securebase.core.layout import WORKSHOP_NOTEBOOK as NOTEBOOK  # noqa: F401  (where it is written)
from securebase.nbgen.spec import MODE, STORE_PATH, NotebookSpec, Parameter, Section, render

WORKSHOP_PARAMETERS = (
    Parameter("workshop", str, "asb_intro", "workshop file in content/workshops (its name without .yaml)"),
    STORE_PATH,
    Parameter("session_id", str, "", "label of this session (letters, digits, - and _); empty means the workshop id "
                                     "and today's date"),
    MODE.with_help('"interactive" shows timers and polls; "batch" prints text and writes results_path'),
    Parameter("start_time", str, "", "HH:MM the session starts, 24-hour clock; empty means now"),
    Parameter("k", int, 5, 'smallest count ever shown, 5 or more; smaller counts read "fewer than k"'),
    Parameter("results_path", str, "", "batch: JSON file for the agenda plan and the suppressed poll results; empty "
                                       "means <data folder>/workshops/<session_id>/results.json"),
)


def workshop_spec() -> NotebookSpec:
    """The live session: parameters, intro, agenda, polls and results (thin: calls the facade)."""
    return NotebookSpec(
        cell_prefix="workshop",
        heading=("# Live workshop session\n\nFor facilitators. Poll answers are anonymous and saved in the Secure "
                 "Base store; counts below k are never shown."),
        scaffold="Choose the workshop in the first cell, then run all cells (*Run > Run All*), or open this notebook "
                 "as an app with Voila.",
        title="Live workshop session",
        parameters=WORKSHOP_PARAMETERS,
        facade="securebase.notebook.workshop:WorkshopSession",
        variable="ws",
        positional=("workshop",),
        first_call="intro()",
        sections=(
            Section("Agenda", "ws.agenda()", "Each segment has its own timer. The planned times follow from the "
                                             "start time."),
            Section("Polls", "ws.polls()", "One answer per press of *Submit answer*; the choice clears so the device "
                                           "can be passed on."),
            Section("Results file", "ws.results()", "The agenda plan and the suppressed poll counts, as JSON."),
        ),
    )


def build_workshop_notebook() -> nbformat.NotebookNode:
    return render(workshop_spec())
