"""Phase notebooks are generated from content, so every phase reads like a session plan.

``build_phase_notebook`` gives: a parameters cell, the intro, one cell per exercise and a
summary. The committed notebooks under ``notebooks/`` are this function's output plus the
outputs of one run against an empty demo store (used by nbval as the regression baseline).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import nbformat

from securebase.content import Phase, Program
from securebase.core.layout import INTAKE_DIR, PROGRESS_NOTEBOOK, WORKSHOP_NOTEBOOK
from securebase.nbgen.cells import OPENING
from securebase.nbgen.spec import CLIENT_ID, LANGUAGE, MODE, STORE_PATH, NotebookSpec, Parameter, Section, render

VIEW_TITLES = {"patterns": "Your pattern", "partner": "From your partner"}

def notebook_path(root: Path, program: Program, phase: Phase) -> Path:
    return root / program.id / f"{phase.number:02d}_{phase.id}.ipynb"


PHASE_PARAMETERS = (
    CLIENT_ID,
    STORE_PATH,
    MODE,
    Parameter("answers_path", str, "", 'batch: YAML or JSON answers file (see README, "Batch mode")'),
    Parameter("output_dir", str, "", "batch: folder for summary.json/.html; empty means <data folder>/clients/"
                                     "<client_id>/reports"),
    Parameter("start_date", str, "", "the client's first day in the program, YYYY-MM-DD; empty means today for a "
                                     "new client"),
    LANGUAGE,
)


def phase_spec(program: Program, phase: Phase) -> NotebookSpec:
    """A phase notebook: the phase's exercises and views in content order, then help and the summary."""
    sections = [Section(exercise.title, f'wb.exercise("{exercise.id}")', scaffold=True) for exercise in phase.exercises]
    sections += [Section(VIEW_TITLES[view], f'wb.view("{view}")') for view in phase.views]
    sections += [Section("If you need help", "wb.help()"), Section("Summary", "wb.summary()")]
    return NotebookSpec(
        cell_prefix=phase.id,
        heading=(f"# {program.title}\n## {phase.title}\n\n"
                 f"Answers are saved in the Secure Base store on this computer, not in this notebook. {OPENING}"),
        heading_is_scaffold=True,
        title=f"{phase.title} · {program.title}",
        parameters=PHASE_PARAMETERS,
        facade="securebase.notebook.workbook:Workbook",
        opens_page=True,
        variable="wb",
        literals=(program.id, phase.id),
        first_call="intro()",
        sections=tuple(sections),
    )


def build_phase_notebook(program: Program, phase: Phase) -> nbformat.NotebookNode:
    return render(phase_spec(program, phase))


def code_sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """The cell types and sources of a notebook, for comparing a committed notebook with its template."""
    return [(c.cell_type, c.source) for c in nb.cells]


def write_notebooks(root: Path, *, execute: bool = False, only: str = "") -> list[Path]:
    """Regenerate the phase notebooks that exist, or create those named by ``only`` (``sie`` or ``sie/acceptance``).

    With ``execute``, the outputs of a run on an empty demo store are kept as the nbval baseline.
    """
    from securebase import content
    from securebase.content import scales
    from securebase.nbgen.home import NOTEBOOK as HOME, build_home_notebook
    from securebase.nbgen.intake import build_intake_notebook
    from securebase.nbgen.progress import build_progress_notebook
    from securebase.nbgen.today import NOTEBOOK as TODAY, build_today_notebook
    from securebase.nbgen.workshop import build_workshop_notebook

    group = only.split("/")[0]
    jobs: list[tuple[Path, Callable[[], nbformat.NotebookNode]]] = []
    for program in content.programs().values():
        for phase in program.phases:
            path = notebook_path(root, program, phase)
            if (only and only not in (program.id, f"{program.id}/{phase.id}")) or (not only and not path.exists()):
                continue
            jobs.append((path, functools.partial(build_phase_notebook, program, phase)))
        if only and group != program.id:
            continue
        progress = root / program.id / PROGRESS_NOTEBOOK
        if progress.parent.is_dir() and any(progress.parent.glob("[0-9][0-9]_*.ipynb")) or any(
                p.parent == progress.parent for p, _ in jobs):
            jobs.append((progress, functools.partial(build_progress_notebook, program)))
    if not only or group == INTAKE_DIR:
        jobs += [(root / INTAKE_DIR / f"{i.id}.ipynb", functools.partial(build_intake_notebook, i))
                 for i in scales.instruments().values()]
    if not only or group == "app":
        jobs += [(root / HOME, build_home_notebook), (root / TODAY, build_today_notebook)]
    if not only or group == "workshop":
        jobs.append((root / WORKSHOP_NOTEBOOK, build_workshop_notebook))
    for path, build in jobs:
        path.parent.mkdir(parents=True, exist_ok=True)
        nb = build()
        nbformat.write(execute_on_demo_store(nb, path.parent) if execute else nb, path)
    return [path for path, _ in jobs]


def execute_on_demo_store(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Run a notebook with SECUREBASE_HOME pointing at a throw-away folder, so no real data can leak in.

    The outputs are the nbval baseline and are committed, so the same content gives the same bytes
    (see :mod:`securebase.nbgen.baseline`): the kernel's today is pinned, the throw-away folder's random
    name, the widget model ids and the Python version are replaced by fixed values.
    """
    import os
    import tempfile

    from nbclient import NotebookClient

    from securebase.core.kernel_transport import IPCKernelManager  # IPC sockets: no port race with other kernels
    from securebase.nbgen import baseline

    with tempfile.TemporaryDirectory(prefix="securebase-demo-") as home:
        pinned = {"SECUREBASE_HOME": home, **baseline.kernel_environment()}  # the kernel inherits these
        previous = {name: os.environ.get(name) for name in pinned}
        os.environ.update(pinned)
        try:
            NotebookClient(nb, timeout=300, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(cwd)}},
                           kernel_manager_class=IPCKernelManager).execute()
        finally:
            for name, value in previous.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value
        baseline.stabilise(nb, demo_home=home)
    return nb
