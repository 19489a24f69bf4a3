"""Every committed workbook: matches its content-generated template, and runs in batch with papermill."""

import json
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from securebase import content
from securebase.notebooks import build_phase_notebook, code_sources, notebook_path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "notebooks").rglob("*.ipynb"))
FIXTURES = ROOT / "tests" / "fixtures"


def _phase_of(path: Path):
    program = content.program(path.parent.name)
    phase = next(p for p in program.phases if notebook_path(ROOT / "notebooks", program, p) == path)
    return program, phase


def test_there_are_notebooks():
    assert NOTEBOOKS, "no workbooks found under notebooks/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_notebook_matches_content_and_conventions(path):
    nb = nbformat.read(path, as_version=4)
    program, phase = _phase_of(path)
    assert code_sources(nb) == code_sources(build_phase_notebook(program, phase)), (
        "notebook is out of date with content: run `make notebooks`")
    first_code = next(c for c in nb.cells if c.cell_type == "code")
    assert first_code.metadata.get("tags") == ["parameters"]
    assert all(":" in line for line in first_code.source.splitlines()[1:]), "parameters must be typed"
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
