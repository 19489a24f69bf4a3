"""The progress notebook of a program (one per program, for the clinician), as a spec."""

from __future__ import annotations

import nbformat

from securebase.content import Program
from securebase.nbgen.cells import OPENING
from securebase.progress.compute import stage_word
from securebase.nbgen.spec import CLIENT_ID, MODE, STORE_PATH, NotebookSpec, Parameter, Section, render

PROGRESS_PARAMETERS = (
    CLIENT_ID,
    STORE_PATH,
    MODE.with_help('"interactive" shows widgets; "batch" prints text and writes the report files'),
    Parameter("output_dir", str, "", "folder for progress.json/.html/.png; empty means <data folder>/clients/"
                                     "<client_id>/reports"),
    Parameter("today", str, "", "the day to view progress as of, YYYY-MM-DD; empty means the real date"),
    Parameter("handout_since", str, "", "first day of the session summary on the handout, YYYY-MM-DD; empty means "
                                        "7 days before today"),
    Parameter("clinician_note", str, "", "batch only: a short note printed on the handout; interactive mode has a "
                                         "text box"),
    Parameter("include_safety_plan", bool, False, "put the client's safety plan on the handout (only when they "
                                                  "asked for it); interactive mode has a checkbox"),
)


def _couple_sections(program: Program) -> list[Section]:
    """A couple view for programs with a shared protocol."""
    from securebase.couples.protocol import PROTOCOL

    if not program.exercises_with(PROTOCOL):
        return []
    return [Section("The couple", "pw.couple()", "The protocol's versions and consents, and how the couple keeps to "
                                                 "it, from both partners' daily check-ins (counts only).")]


def progress_spec(program: Program) -> NotebookSpec:
    """The clinician's progress notebook for ``program``: flags, overview, charts, override, report, handout."""
    sections = [
        Section("Safety flags", "pw.safety()", "Saved entries that may describe a risk. Clear a flag only after "
                                               "you have followed it up, and say how."),
        Section("Where the client is", "pw.overview()"),
        Section("Charts", "pw.plots()"),
        Section("Homework", "pw.homework()", "Set an exercise for the days between sessions: how often, at what times "
                "of the client's day, until when. The client sees it first on their page of today, and the overview "
                "above measures it. The calendar address puts it in the client's calendar."),
        Section(f"Change the current {stage_word(program)}", "pw.override()",
                f"By default the {stage_word(program)} follows the start date."),
        Section("Relationship check over time", "pw.assessments()", "The intake check repeated at milestones, with "
                "the reliable change index (|RCI| of at least 1.96 is a reliable change)."),
        *_couple_sections(program),
        Section("Report files", "pw.report()"),
        Section("Session summary and homework handout", "pw.handout()",
                "For the client to take home: what they recorded since the chosen day, their safety statements, "
                "values and maintenance dates, and this step's homework. Written as HTML and PDF."),
    ]
    return NotebookSpec(
        cell_prefix="progress",
        heading=(f"# {program.title}\n## Progress\n\nThis view reads the Secure Base store; it shows counts and "
                 f"ratings, never what the client wrote."),
        scaffold=OPENING,
        title=f"Progress · {program.title}",
        first_call="navigation()",
        parameters=PROGRESS_PARAMETERS,
        facade="securebase.notebook.progress:ProgressWorkbook",
        opens_page=True,
        variable="pw",
        literals=(program.id,),
        sections=tuple(sections),
    )


def build_progress_notebook(program: Program) -> nbformat.NotebookNode:
    return render(progress_spec(program))
