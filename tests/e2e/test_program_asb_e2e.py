"""A synthetic couple goes through Autonomy-Security Balance in batch mode: the six weeks of
awareness, safe disclosure and co-creation, then two weeks of integration, each partner in
their own notebooks, with papermill. Then the protocol, sharing, adherence and the couples'
exports are checked against the same data."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pandas as pd
import papermill as pm
import pytest

from securebase import content
from securebase.couples.adherence import adherence
from securebase.couples.dyads import link_couple, shared_with
from securebase.couples.export import VARIABLES, export_couples
from securebase.couples.dyadic import to_individual
from securebase.couples.pairwise_csv import read_pairwise_csv
from securebase.nbgen.phase import PROGRESS_NOTEBOOK, notebook_path
from securebase.couples.protocol import check_protocol, in_force, versions
from securebase.store import Store
from securebase.journal.validation import parse_occurred_at, validate_answers
from synthetic_couple import PROTOCOL_V2, synthetic_couple, write_couple_answers

ROOT = Path(__file__).resolve().parents[2]
START = date(2026, 1, 5)
IDS = {"A": "C-3A01", "B": "C-3B02"}


def test_every_synthetic_item_is_valid_and_in_its_weeks():
    asb = content.program("asb")
    for phase_id, who, items in synthetic_couple(7, START):
        phase = asb.phase(phase_id)
        for item in items:
            exercise = phase.exercise(item["exercise"])
            week = (date.fromisoformat(parse_occurred_at(item["occurred_at"])[:10]) - START).days // 7 + 1
            assert week >= phase.window.start and (phase.window.end is None or week <= phase.window.end), item
            if item.get("action", "save") != "save":
                continue
            check = check_protocol if exercise.id == "security_protocol" else None
            assert (check(asb, item["answers"]) if check else validate_answers(exercise, item["answers"]))


@pytest.fixture(scope="module")
def couple_run(tmp_path_factory):
    """Run every session of the couple through the phase notebooks with papermill."""
    tmp = tmp_path_factory.mktemp("asb-couple")
    store_path = tmp / "store.sqlite3"
    asb = content.program("asb")
    with Store(store_path) as store:
        for client_id in IDS.values():
            store.ensure_client(client_id, program_id="asb", start_date=START)
        dyad = link_couple(store, IDS["A"], IDS["B"], program_id="asb")
    outputs = {}
    for n, (phase_id, who, answers) in enumerate(write_couple_answers(synthetic_couple(7, START), tmp / "answers")):
        notebook = notebook_path(ROOT / "notebooks", asb, asb.phase(phase_id))
        out_dir = tmp / "reports" / f"{n:02d}_{who}_{phase_id}"
        pm.execute_notebook(
            str(notebook), str(tmp / f"{n:02d}.ipynb"), kernel_name="python3", progress_bar=False,
            cwd=str(notebook.parent),
            parameters={"client_id": IDS[who], "store_path": str(store_path), "mode": "batch",
                        "answers_path": str(answers), "output_dir": str(out_dir)},
            kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
        )
        outputs[(n, who, phase_id)] = json.loads((out_dir / "summary.json").read_text())
    progress_dir = tmp / "progress"
    pm.execute_notebook(
        str(ROOT / "notebooks" / "asb" / PROGRESS_NOTEBOOK), str(tmp / "progress.ipynb"), kernel_name="python3",
        progress_bar=False, parameters={"client_id": IDS["A"], "store_path": str(store_path), "mode": "batch",
                                        "output_dir": str(progress_dir), "today": "2026-03-01"},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    return {"tmp": tmp, "store_path": store_path, "dyad": dyad, "summaries": outputs, "progress_dir": progress_dir,
            "progress_notebook": tmp / "progress.ipynb"}


@pytest.mark.slow
def test_every_session_saved_everything(couple_run):
    for (n, who, phase_id), summary in couple_run["summaries"].items():
        assert summary["import"]["rejected"] == [], (n, who, phase_id)


@pytest.mark.slow
def test_protocol_version_two_is_in_force_with_both_consents(couple_run):
    with Store(couple_run["store_path"]) as store:
        dyad = couple_run["dyad"]
        history = versions(store, dyad.dyad_id)
        assert [(v.version, v.proposed_by) for v in history] == [(1, IDS["A"]), (2, IDS["B"])]
        assert all(v.agreed(dyad) for v in history)
        current = in_force(store, dyad.dyad_id)
        assert current.version == 2 and current.data["timeout_minutes"] == PROTOCOL_V2["timeout_minutes"] == 45
        assert current.proposed_at.startswith("2026-02-03")            # day 30


@pytest.mark.slow
def test_partners_see_only_what_was_shared(couple_run):
    with Store(couple_run["store_path"]) as store:
        for me, partner in (("A", "B"), ("B", "A")):
            seen = shared_with(store, IDS[me])
            assert sorted(e.exercise_id for e in seen) == ["activation_journal"] * 2 + ["wins_log"]
            assert all(e.client_id == IDS[partner] for e in seen)
            journal = store.current_entries(IDS[partner], exercise_id="activation_journal")
            assert len(journal) == 6                                    # four of them stay private


@pytest.mark.slow
def test_adherence_and_the_pairwise_export_round_trip(couple_run):
    tmp = couple_run["tmp"]
    with Store(couple_run["store_path"]) as store:
        figures = adherence(store, couple_run["dyad"])
        paths = export_couples(store, tmp / "export")
    individual = pd.read_csv(paths["individual"])
    assert set(individual["person"]) == {1, 2} and individual["day"].between(43, 56).all()
    assert not {"client_id", "note", "date"} & set(individual.columns)          # no ids, text or dates
    for role, person in (("A", 1), ("B", 2)):
        rows = individual[individual["person"] == person]
        p = figures["partners"][role]
        assert len(rows) == p["days_reported"]
        assert rows["timeout_called"].sum() == p["timeouts_called"]
        assert rows["signal_used"].sum() == p["signal_days"]
        assert (rows["returned_on_time"] == 1).sum() == p["returned_on_time"]
    assert figures["days_both_reported"] >= 8 and figures["agreement"]["timeout_called"]["percent"] == 1.0

    # the pairwise file reads like the published diary data and gives back the individual file
    pairwise, problems = read_pairwise_csv(paths["pairwise"], dyad_col="dyad_id", person_col="person", time_col="day")
    assert [c for c in pairwise.columns if c.endswith(("_A", "_P"))] == [f"{v}_{s}" for v in VARIABLES for s in "AP"]
    assert not [p for p in problems if "inconsisten" in p.lower() or "twice" in p]
    back = to_individual(pairwise, dyad_col="dyad_id", person_col="person", time_col="day", variables=list(VARIABLES))
    pd.testing.assert_frame_equal(
        back[individual.columns].sort_values(["dyad_id", "day", "person"], ignore_index=True),
        individual.sort_values(["dyad_id", "day", "person"], ignore_index=True), check_dtype=False)


@pytest.mark.slow
def test_progress_notebook_shows_the_couple(couple_run):
    result = json.loads((couple_run["progress_dir"] / "progress.json").read_text())
    counts = {ex: block["count"] for ex, block in result["exercises"].items()}
    assert all(counts[ex] > 0 for ex in counts if ex != "security_protocol"), counts
    assert counts["security_protocol"] == 2                          # the couple's two versions
    text = couple_run["progress_notebook"].read_text()
    assert "Protocol in force: version 2" in text and "Agreement, 'A timeout was called'" in text
