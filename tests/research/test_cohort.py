"""The cohort report runs every analysis on a research export, and in batch over several cohorts."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import papermill as pm
import pytest

from securebase import content
from securebase.content import scales
from securebase.notebook.answers import import_answers, read_answers_file
from securebase.intake.assessments import save_assessment
from securebase.research import cohort
from securebase.intake import consent
from securebase.research.export import export_research
from securebase.store import Store
from synthetic import synthetic_client, write_answers
from report_pages import without_print_script

ROOT = Path(__file__).resolve().parents[2]


def make_export(tmp: Path, name: str, clients: int, seed: int) -> Path:
    sie, check = content.program("sie"), scales.instrument("relationship_check")
    with Store(tmp / f"{name}.sqlite3") as store:
        for n in range(clients):
            cid, start = f"C-{seed}{n}01", date(2026, 1, 5 + n)
            store.ensure_client(cid, program_id="sie", start_date=start)
            consent.record(store, cid, "research", "give", via="cli")
            for path in write_answers(synthetic_client(seed * 10 + n, start), tmp / f"{name}-{n}").values():
                assert not import_answers(store, cid, sie, read_answers_file(path)).rejected
            for when, anxiety in (("2026-01-06T10:00:00", 6), ("2026-03-01T10:00:00", 3 + n % 2)):
                answers = {i.id: (8 - anxiety if i.reverse else anxiety) if i.subscale == "anxiety" else 4
                           for i in check.items}
                save_assessment(store, cid, check, answers, administered_at=when,
                                occasion="intake" if when.startswith("2026-01") else "milestone")
        export_research(store, tmp / name, no_key=True, k=1)
    return tmp / name


@pytest.fixture(scope="module")
def exports(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cohorts")
    return [make_export(tmp, "cohort-a", 3, 1), make_export(tmp, "cohort-b", 2, 2)]


def test_every_part_runs_and_the_page_is_escaped(exports, tmp_path):
    result = cohort.run(str(exports[0]), report_path=str(tmp_path / "r.html"), results_path=str(tmp_path / "r.json"))
    assert result["people"] == 3 and all(result[p]["ok"] for p in ("compliance", "descriptives", "growth",
                                                                   "prepost", "experiments"))
    assert result["growth"]["outcome"] == "insecurity_pattern_journal.intensity"
    assert result["prepost"]["subscales"]["relationship_check.anxiety"]["n"] == 3
    assert result["experiments"]["errors"]["mean"] > 0                # the synthetic fear overestimates
    assert json.loads((tmp_path / "r.json").read_text())["cohort"] == "cohort-a"
    page = (tmp_path / "r.html").read_text()
    assert "Cohort report: cohort-a" in page and "<script" not in without_print_script(page) and "default-src 'none'" in page
    assert "C-1001" not in page                                         # study codes only


def test_a_cohort_without_questionnaires_says_so(exports, tmp_path):
    for name in ("assessments_long.csv", "assessments_long.parquet"):
        (exports[1] / name).rename(tmp_path / name)
    try:
        result = cohort.cohort_report(exports[1])
        assert not result["prepost"]["ok"] and "no questionnaire results" in result["prepost"]["reason"]
        assert result["descriptives"]["ok"]
    finally:
        for name in ("assessments_long.csv", "assessments_long.parquet"):
            (tmp_path / name).rename(exports[1] / name)


def test_batch_over_several_cohorts_with_papermill(exports, tmp_path):
    for export in exports:
        pm.execute_notebook(
            str(ROOT / "notebooks" / "research" / "cohort_report.ipynb"), str(tmp_path / f"{export.name}.ipynb"),
            kernel_name="python3", progress_bar=False,
            parameters={"export_dir": str(export), "report_path": str(tmp_path / f"{export.name}.html"),
                        "results_path": str(tmp_path / f"{export.name}.json"), "cohort_name": export.name},
            kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
        )
    assert json.loads((tmp_path / "cohort-b.json").read_text())["people"] == 2
    assert "Cohort report: cohort-a" in (tmp_path / "cohort-a.html").read_text()


def test_not_an_export(tmp_path):
    with pytest.raises(FileNotFoundError, match="holds no entries_long table"):
        cohort.cohort_report(tmp_path)
