"""The intake notebook of a questionnaire (one per instrument in ``content/scales``), as a spec."""

from __future__ import annotations

import nbformat

from securebase.content import scales
from securebase.nbgen.cells import OPENING
from securebase.nbgen.spec import CLIENT_ID, LANGUAGE, MODE, STORE_PATH, NotebookSpec, Parameter, Section, render

INTAKE_PARAMETERS = (
    CLIENT_ID,
    STORE_PATH,
    MODE.with_help('"interactive" shows the statements; "batch" reads answers_path'),
    Parameter("answers_path", str, "", "batch: YAML file with responses (see README, intake)"),
    Parameter("output_dir", str, "", "folder for the card and the report; empty means the client folder"),
    Parameter("occasion", str, "intake", "intake, milestone or follow_up"),
    LANGUAGE,
)


def intake_spec(instrument: scales.Instrument) -> NotebookSpec:
    return NotebookSpec(
        cell_prefix="intake",
        heading=f"# {instrument.title}\n\nThe answers are saved in the Secure Base store. {OPENING}",
        heading_is_scaffold=True,
        title=instrument.title,
        parameters=INTAKE_PARAMETERS,
        facade="securebase.notebook.intake:IntakeWorkbook",
        opens_page=True,
        variable="iw",
        literals=(instrument.id,),
        first_call="intro()",
        sections=(Section("The statements", "iw.questionnaire()"), Section("Your result", "iw.result()"),
                  Section("If you need help", "iw.help()")),
    )


def build_intake_notebook(instrument: scales.Instrument) -> nbformat.NotebookNode:
    return render(intake_spec(instrument))
