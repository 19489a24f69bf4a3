"""The committed notebooks are reproducible: `securebase notebooks --execute` writes the same bytes on every
run (any day, any folder), and a change to content changes only the notebooks that show it."""

import json
import shutil
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from securebase import content
from securebase.core import clock
from securebase.nbgen import baseline
from securebase.nbgen.phase import INTAKE_DIR, execute_on_demo_store, write_notebooks
from securebase.nbgen.progress import build_progress_notebook

ROOT = Path(__file__).resolve().parents[2]
CONTENT = ROOT / "content"


# ---------------------------------------------------------------- the pinned clock


def test_clock_is_the_real_one_unless_pinned(monkeypatch):
    monkeypatch.delenv(clock.TODAY_ENV, raising=False)
    assert clock.pinned_today() is None
    assert clock.today() == date.today()
    assert abs(clock.now() - datetime.now()) < timedelta(minutes=1)
    monkeypatch.setenv(clock.TODAY_ENV, "")
    assert clock.today() == date.today()


def test_pinned_clock_stands_still_on_the_day(monkeypatch):
    monkeypatch.setenv(clock.TODAY_ENV, "2026-03-23")
    assert clock.today() == date(2026, 3, 23)
    assert clock.now() == datetime(2026, 3, 23, 9, 0)
    assert clock.now(timezone.utc) == datetime(2026, 3, 23, 9, 0, tzinfo=timezone.utc)


def test_pinned_clock_rejects_a_day_it_cannot_read(monkeypatch):
    monkeypatch.setenv(clock.TODAY_ENV, "23/03/2026")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        clock.today()


def test_baseline_kernels_get_the_pinned_day():
    assert baseline.kernel_environment() == {clock.TODAY_ENV: baseline.BASELINE_TODAY.isoformat()}


# ---------------------------------------------------------------- stabilise (no kernel)


def test_stabilise_fixes_paths_model_ids_and_metadata(tmp_path):
    home = tmp_path / "securebase-demo-x1y2z3"
    view = "application/vnd.jupyter.widget-view+json"

    def widget(model_id):
        return new_output("display_data", data={view: {"model_id": model_id, "version_major": 2, "version_minor": 0},
                                                "text/plain": "VBox()"})

    cell = new_code_cell("x", outputs=[
        new_output("stream", name="stdout", text=f"written to {home}/clients/demo-001: a.json\n"),
        widget("a" * 32), widget("b" * 32), widget("a" * 32),
        new_output("stream", name="stderr", text="/tmp/ipykernel_4242/123.py:1: Warning\n"),
    ])
    cell.metadata["execution"] = {"iopub.execute_input": "2026-12-01T10:00:00Z"}
    nb = new_notebook(cells=[cell], metadata={
        "widgets": {"application/vnd.jupyter.widget-state+json": {"state": {}}},
        "language_info": {"name": "python", "version": "3.11.7", "pygments_lexer": "ipython3"},
    })
    baseline.stabilise(nb, demo_home=home)
    outputs = nb.cells[0].outputs
    assert outputs[0].text == f"written to {baseline.DEMO_HOME}/clients/demo-001: a.json\n"
    assert [o.data[view]["model_id"] for o in outputs[1:4]] == [f"{1:032x}", f"{2:032x}", f"{1:032x}"]
    assert outputs[4].text == "/tmp/ipykernel/123.py:1: Warning\n"
    assert "widgets" not in nb.metadata and "execution" not in nb.cells[0].metadata
    assert nb.metadata.language_info == {"name": "python", "pygments_lexer": "ipython3"}


# ---------------------------------------------------------------- executed baselines: same bytes every run


def _sie_progress(root: Path) -> Path:
    """As write_notebooks writes a program's progress view (without executing its phase notebooks too)."""
    path = root / "sie" / "progress.ipynb"
    path.parent.mkdir(parents=True)
    nbformat.write(execute_on_demo_store(build_progress_notebook(content.program("sie")), path.parent), path)
    return path


def _workshop(root: Path) -> Path:
    (path,) = write_notebooks(root, execute=True, only="workshop")
    return path


@pytest.mark.parametrize("build", [_sie_progress, _workshop], ids=["sie/progress", "workshop/live_session"])
def test_executed_baseline_is_the_same_bytes_every_run(build, tmp_path):
    """Two runs in different folders (so different throw-away stores and kernels) write identical files,
    with no trace of the real day or of either folder, and identical to the committed baseline."""
    first, second = build(tmp_path / "one"), build(tmp_path / "two")
    text = first.read_text(encoding="utf-8")
    assert text == second.read_text(encoding="utf-8"), "two runs of the baseline build wrote different notebooks"
    assert str(tmp_path) not in text
    assert "securebase-demo-" not in text, "the throw-away folder's random name is in the baseline"
    real = date.today()
    if abs((real - baseline.BASELINE_TODAY).days) > 30:
        for day in (real, real - timedelta(days=7)):
            assert day.isoformat() not in text and f"datetime.date({day.year}, {day.month}, {day.day})" not in text, (
                f"the real date {day} is in the baseline: a date the notebook shows does not come from "
                "securebase.core.clock")
    nb = json.loads(text)
    assert "widgets" not in nb["metadata"] and "version" not in nb["metadata"]["language_info"]
    committed = ROOT / "notebooks" / first.relative_to(tmp_path / "one")
    assert text == committed.read_text(encoding="utf-8"), (
        f"{committed.relative_to(ROOT)} is not what `securebase notebooks --execute` writes: run it and commit")


# ---------------------------------------------------------------- a content change shows where it should


def _build_all_unexecuted(root: Path) -> dict[str, bytes]:
    for only in [*content.programs(), INTAKE_DIR, "app", "workshop"]:
        write_notebooks(root, only=only)
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.ipynb"))}


@pytest.mark.parametrize(("file", "old", "new", "shown_in"), [
    ("programs/sie.yaml", "title: Insecurity pattern journal", "title: Alarm pattern journal",
     "sie/01_awareness.ipynb"),
    ("scales/relationship_security.yaml", "title: Relationship security check", "title: Relationship check",
     f"{INTAKE_DIR}/relationship_check.ipynb"),
], ids=["exercise-title", "instrument-title"])
def test_changing_one_prompt_changes_only_the_notebook_that_shows_it(file, old, new, shown_in, tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_CONTENT", str(CONTENT))
    before = _build_all_unexecuted(tmp_path / "before")
    edited = tmp_path / "content"
    shutil.copytree(CONTENT, edited)
    source = (edited / file).read_text(encoding="utf-8")
    assert source.count(old) == 1
    (edited / file).write_text(source.replace(old, new), encoding="utf-8")
    monkeypatch.setenv("SECUREBASE_CONTENT", str(edited))
    after = _build_all_unexecuted(tmp_path / "after")

    committed = {p.relative_to(ROOT / "notebooks").as_posix() for p in (ROOT / "notebooks").rglob("*.ipynb")
                 if "research" not in p.parts and ".ipynb_checkpoints" not in p.parts}
    assert before.keys() == after.keys() == committed, "the build writes every generated notebook"
    assert [name for name in before if before[name] != after[name]] == [shown_in]
    old_cells = nbformat.reads(before[shown_in].decode(), as_version=4).cells
    new_cells = nbformat.reads(after[shown_in].decode(), as_version=4).cells
    changed = [(a.source, b.source) for a, b in zip(old_cells, new_cells, strict=True) if a != b]
    assert len(changed) == 1, "only the cell that shows the prompt changes"
    assert changed[0][1] == changed[0][0].replace(old.split(": ", 1)[1], new.split(": ", 1)[1])
