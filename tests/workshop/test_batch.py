"""Workshop batches end to end: a roster runs in parallel, failures stay with their row, finished
rows are skipped on a second run, and the same batch runs on a Dask LocalCluster."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import nbformat
import pytest

from securebase import cli
from securebase.workshop.batch import FORM_PLACEHOLDER, WIDGET_VIEW, BatchError, plan_batch, run_batch
from securebase.workshop.roster import Participant, Roster, load_roster
from securebase.store import Store
from report_pages import without_print_script

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "sie" / "02_acceptance.ipynb"
ROSTER = """participant_id,group,program,language,start_date
P-101,tue,sie,en,2026-11-03
P-102,tue,sie,en,
P-201,thu,asb,en,
P-202,thu,sie,en,
"""


def _roster(tmp_path: Path, text: str = ROSTER) -> Path:
    path = tmp_path / f"roster-{abs(hash(text))}.csv"
    path.write_text(text)
    return path


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("batch")
    out = tmp / "out"
    summary = run_batch(_roster(tmp), NOTEBOOK, out, workers=2, progress=False)
    return tmp, out, summary


def test_every_row_of_the_notebooks_program_is_prepared(batch):
    _, out, s = batch
    assert [(r.group, r.participant_id, r.status) for r in s.results] == [
        ("tue", "P-101", "done"), ("tue", "P-102", "done"), ("thu", "P-202", "done")]
    assert s.not_for_notebook == ["P-201 (asb)"] and s.workers == 2
    folder = out / "tue" / "P-101"
    assert sorted(p.name for p in folder.iterdir()) == ["02_acceptance.ipynb", "done.json", "handout.html", "securebase.db",
                                                         "securebase.db.identity"]
    for p in [folder, *folder.iterdir()]:
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p  # owner only
    saved = json.loads((out / "batch-summary.json").read_text())
    assert saved["counts"] == {"done": 3, "skipped": 0, "failed": 0}


def test_parameters_come_from_the_row(batch):
    _, out, _ = batch
    nb = nbformat.read(out / "tue" / "P-101" / "02_acceptance.ipynb", as_version=4)
    injected = next(c.source for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
    assert 'client_id = "P-101"' in injected and 'start_date = "2026-11-03"' in injected
    assert 'store_path = "securebase.db"' in injected and 'mode = "interactive"' in injected
    with Store(out / "tue" / "P-101" / "securebase.db") as store:
        client = store.require_client("P-101")
    assert client.program_id == "sie" and str(client.start_date) == "2026-11-03"
    assert "start_date" not in (next(c.source for c in nbformat.read(out / "tue" / "P-102" / "02_acceptance.ipynb",
                                                                     as_version=4).cells
                                      if "injected-parameters" in c.metadata.get("tags", [])))


def test_handout_is_for_the_notebooks_phase(batch):
    _, out, _ = batch
    page = (out / "thu" / "P-202" / "handout.html").read_text()
    assert "P-202" in page and "Acceptance" in page
    assert "<script" not in without_print_script(page).lower()


def test_second_run_skips_finished_rows_and_redoes_a_missing_one(batch):
    tmp, out, _ = batch
    (out / "tue" / "P-102" / "done.json").unlink()
    s = run_batch(_roster(tmp), NOTEBOOK, out, workers=2, progress=False)
    assert {r.participant_id: r.status for r in s.results} == {"P-101": "skipped", "P-102": "done", "P-202": "skipped"}


def test_a_rerun_on_a_returned_folder_keeps_no_answer_in_the_notebook(batch):
    """A folder came back with the participant's entries; --force reruns the notebook on it. The executed
    notebook's forms would show those entries (a history list, a summary): no widget state is kept."""
    tmp, out, _ = batch
    folder = out / "thu" / "P-202"
    with Store(folder / "securebase.db") as store:
        store.add_entry("P-202", program_id="sie", phase_id="acceptance", exercise_id="acceptance_practice",
                        content_version="1", occurred_at="2026-11-20T10:00:00+00:00",
                        data={"experience": "Zebra-crossing words", "body_description": "a kiwi-sized knot"})
    s = run_batch(_roster(tmp), NOTEBOOK, out, workers=2, progress=False, force=True)
    assert {r.participant_id: r.status for r in s.results}["P-202"] == "done"
    text = (folder / "02_acceptance.ipynb").read_text()
    assert "Zebra" not in text and "kiwi" not in text
    nb = nbformat.read(folder / "02_acceptance.ipynb", as_version=4)
    assert "widgets" not in nb.metadata
    outputs = [o for c in nb.cells for o in c.get("outputs", [])]
    assert any(o.get("data", {}).get("text/plain") == FORM_PLACEHOLDER for o in outputs)
    assert not any(WIDGET_VIEW in o.get("data", {}) for o in outputs)
    assert stat.S_IMODE((folder / "02_acceptance.ipynb").stat().st_mode) == 0o600
    with Store(folder / "securebase.db") as store:   # the rerun lost nothing
        assert [e.data["experience"] for e in store.current_entries("P-202")] == ["Zebra-crossing words"]


def test_a_roster_row_never_overrides_whose_data_or_which_store(tmp_path):
    """Second line behind the roster's own check: a Roster built in Python with such a column still
    cannot move a participant's store or identity."""
    roster = Roster("r.csv", [Participant("P-601", "g", "sie", "en", 2, {"store_path": "/srv/clinic.db",
                                                                         "client_id": "C-0001", "start_date": "2026-11-02"})],
                    ["store_path", "client_id", "start_date"])
    (task,), _ = plan_batch(roster, NOTEBOOK, tmp_path / "out")
    assert task.parameters["store_path"] == "securebase.db" and task.parameters["client_id"] == "P-601"
    assert task.parameters["start_date"] == "2026-11-02"


def test_one_failure_does_not_stop_the_others(tmp_path):
    roster = _roster(tmp_path, "participant_id,group,program,language,start_date\n"
                               "P-301,g,sie,en,2026-13-45\nP-302,g,sie,en,2026-11-01\n")
    s = run_batch(roster, NOTEBOOK, tmp_path / "out", workers=2, progress=False)
    by_id = {r.participant_id: r for r in s.results}
    assert by_id["P-302"].status == "done" and by_id["P-301"].status == "failed"
    assert "start_date '2026-13-45' is not a date" in by_id["P-301"].error
    assert any("FAILED g/P-301" in line and "not a date" in line for line in s.lines())
    assert not (tmp_path / "out" / "g" / "P-301" / "done.json").exists()
    # fixing the roster and running again only runs the failed row
    roster.write_text(roster.read_text().replace("2026-13-45", "2026-11-02"))
    again = run_batch(roster, NOTEBOOK, tmp_path / "out", workers=2, progress=False)
    assert {r.participant_id: r.status for r in again.results} == {"P-301": "done", "P-302": "skipped"}


def test_bad_requests_are_refused_before_anything_runs(tmp_path):
    roster = _roster(tmp_path)
    with pytest.raises(BatchError, match="inside the git working tree"):
        run_batch(roster, NOTEBOOK, ROOT / "tmp-out", progress=False)
    assert not (ROOT / "tmp-out").exists()
    bad_col = _roster(tmp_path, "participant_id,group,program,language,room\nP-001,g,sie,en,3\n")
    with pytest.raises(BatchError, match="'room' is not a parameter"):
        run_batch(bad_col, NOTEBOOK, tmp_path / "out", progress=False)
    with pytest.raises(BatchError, match="come.* from the roster"):
        run_batch(roster, NOTEBOOK, tmp_path / "out", parameters={"client_id": "X-1"}, progress=False)
    with pytest.raises(BatchError, match="No roster row is for"):
        run_batch(_roster(tmp_path, "participant_id,group,program,language\nP-001,g,asb,en\n"), NOTEBOOK,
                  tmp_path / "out", progress=False)
    with pytest.raises(BatchError, match="executor"):
        run_batch(roster, NOTEBOOK, tmp_path / "out", executor="spark", progress=False)
    with pytest.raises(BatchError, match="no notebook"):
        run_batch(roster, tmp_path / "missing.ipynb", tmp_path / "out", progress=False)


def test_dask_executor_on_a_local_cluster(tmp_path):
    pytest.importorskip("distributed")
    roster = _roster(tmp_path, "participant_id,group,program,language\nP-401,g,sie,en\nP-402,g,sie,en\n")
    s = run_batch(roster, NOTEBOOK, tmp_path / "out", executor="dask", workers=2, progress=False)
    assert [r.status for r in s.results] == ["done", "done"] and s.executor == "dask"
    assert (tmp_path / "out" / "g" / "P-402" / "handout.html").exists()


def test_cli_batch(tmp_path, capsys):
    roster = _roster(tmp_path, "participant_id,group,program,language\nP-501,g,sie,en\n")
    code = cli.main(["batch", "--roster", str(roster), "--notebook", str(NOTEBOOK), "--out", str(tmp_path / "o"),
                     "--workers", "1", "--timeout", "120", "--no-progress", "--pdf"])
    assert code == 0
    assert "1 workbook(s) prepared" in capsys.readouterr().out
    assert (tmp_path / "o" / "g" / "P-501" / "handout.pdf").read_bytes().startswith(b"%PDF")
    code = cli.main(["batch", "--roster", str(_roster(tmp_path, "participant_id,group\nP-1,g\n")),
                     "--notebook", str(NOTEBOOK), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert code != 0 and "missing column(s) program, language" in err


def test_roster_loads_for_python_callers(tmp_path):
    r = load_roster(_roster(tmp_path))
    assert len(r.participants) == 4 and os.fspath(r.path).endswith(".csv")
