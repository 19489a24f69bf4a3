"""Every committed workbook: matches its content-generated template, and runs in batch with papermill."""

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from securebase import content, scales
from securebase.intake import build_intake_notebook
from securebase.notebooks import INTAKE_DIR, PROGRESS_NOTEBOOK, build_phase_notebook, code_sources, notebook_path
from securebase.progress import build_progress_notebook

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("[0-9][0-9]_*.ipynb"))
PROGRESS = sorted((ROOT / "notebooks").rglob(PROGRESS_NOTEBOOK))
INTAKE = sorted((ROOT / "notebooks" / INTAKE_DIR).glob("*.ipynb"))
RESEARCH = sorted((ROOT / "notebooks" / "research").glob("*.ipynb"))   # written by hand, not from content
ALL = NOTEBOOKS + PROGRESS + INTAKE
FIXTURES = ROOT / "tests" / "fixtures"


def _phase_of(path: Path):
    program = content.program(path.parent.name)
    phase = next(p for p in program.phases if notebook_path(ROOT / "notebooks", program, p) == path)
    return program, phase


def test_there_are_notebooks():
    assert NOTEBOOKS, "no workbooks found under notebooks/"
    every = set((ROOT / "notebooks").rglob("*.ipynb")) - {p for p in (ROOT / "notebooks").rglob("*.ipynb")
                                                           if ".ipynb_checkpoints" in p.parts}
    assert every == set(ALL + RESEARCH), (
        "every notebook is a phase workbook, a program's progress view, an intake check or a research notebook")
    assert {p.stem for p in INTAKE} == set(scales.instruments()), "each instrument has an intake notebook"
    assert {p.parent for p in PROGRESS} == {p.parent for p in NOTEBOOKS}, "each program has a progress view"


def _template(path: Path):
    if path.parent.name == INTAKE_DIR:
        return build_intake_notebook(scales.instrument(path.stem))
    if path.name == PROGRESS_NOTEBOOK:
        return build_progress_notebook(content.program(path.parent.name))
    return build_phase_notebook(*_phase_of(path))


@pytest.mark.parametrize("path", ALL, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_matches_content_and_conventions(path):
    nb = nbformat.read(path, as_version=4)
    assert code_sources(nb) == code_sources(_template(path)), (
        "notebook is out of date with content: run `make notebooks`")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.metadata.get("tags") == ["parameters"]
    assert all(":" in line for line in first_code.source.splitlines()[1:]), "parameters must be typed"
    # papermill sees every parameter with its type and help (a second '=' on a line hides it)
    names = [line.split(":")[0] for line in first_code.source.splitlines()[1:]]
    declared = pm.inspect_notebook(str(path))
    assert list(declared) == names
    assert all(declared[n]["inferred_type_name"] in ("str", "int", "float", "bool") and declared[n]["help"]
               for n in names)
    # the committed baseline holds no client data: no injected parameters, no widget state, demo client only
    assert "injected-parameters" not in path.read_text()
    assert "widgets" not in nb.metadata
    for cell in nb.cells:
        assert not cell.source.rstrip().endswith(";"), "a trailing ';' breaks nbval"
        for output in cell.get("outputs", []):
            assert output.output_type != "error"
            assert "C-" not in json.dumps(output.get("data", {})), "only the demo client may appear in outputs"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_runs_in_batch_with_papermill(path, tmp_path):
    program, phase = _phase_of(path)
    answers = FIXTURES / f"{program.id}_{phase.id}_answers.yaml"
    out_dir = tmp_path / "report"
    pm.execute_notebook(
        str(path), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={
            "client_id": "C-6001", "store_path": str(tmp_path / "s.sqlite3"), "mode": "batch",
            "answers_path": str(answers) if answers.exists() else "", "output_dir": str(out_dir),
        },
    )
    result = json.loads((out_dir / "summary.json").read_text())
    assert result["summary"]["phase_id"] == phase.id
    assert (out_dir / "summary.html").exists()
    if answers.exists():
        assert result["import"]["saved"] > 0
    executed = nbformat.read(tmp_path / "executed.ipynb", as_version=4)
    assert not any(o.get("output_type") == "display_data" and "application/vnd.jupyter.widget-view+json" in o.get("data", {})
                   for c in executed.cells for o in c.get("outputs", [])), "batch mode must not create widgets"


@pytest.mark.parametrize("path", PROGRESS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_progress_notebook_runs_in_batch_with_papermill(path, tmp_path):
    out_dir = tmp_path / "progress"
    pm.execute_notebook(
        str(path), str(tmp_path / "executed.ipynb"), kernel_name="python3", progress_bar=False,
        parameters={"client_id": "C-6002", "store_path": str(tmp_path / "s.sqlite3"), "mode": "batch",
                    "output_dir": str(out_dir), "today": "2026-03-10"},
    )
    result = json.loads((out_dir / "progress.json").read_text())
    program = content.program(path.parent.name)
    assert set(result["exercises"]) == {e.id for p in program.phases for e in p.exercises}
    assert (out_dir / "progress.html").exists() and (out_dir / "progress.png").exists()


@pytest.mark.parametrize("path", RESEARCH, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_research_notebook_conventions(path):
    nb = nbformat.read(path, as_version=4)
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.metadata.get("tags") == ["parameters"]
    lines = [line for line in first_code.source.splitlines() if line.strip() and not line.startswith("#")]
    assert all(":" in line.split("=")[0] and "#" in line for line in lines), "parameters must be typed and commented"
    declared = pm.inspect_notebook(str(path))
    assert list(declared) == [line.split(":")[0].strip() for line in lines], "papermill must see every parameter"
    text = path.read_text()
    assert "injected-parameters" not in text and "widgets" not in nb.metadata
    assert "/work/" not in text and "/tmp/" not in text, "no machine paths in committed outputs"
    for cell in nb.cells:
        assert not any(o.output_type == "error" for o in cell.get("outputs", []))
