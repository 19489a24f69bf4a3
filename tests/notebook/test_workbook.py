import json

import ipywidgets as w
import pytest

from securebase.notebook.parameters import ParameterError
from securebase.notebook.workbook import Workbook

ANSWERS = "tests/fixtures/sie_awareness_answers.yaml"


def test_interactive_mode_returns_widgets(tmp_path):
    wb = Workbook("sie", "awareness", client_id="C-5001", store_path=str(tmp_path / "s.db"))
    assert isinstance(wb.exercise("insecurity_pattern_journal"), w.VBox)
    assert isinstance(wb.summary(), w.VBox)
    intro = wb.intro().data
    assert "Step 1: Awareness" in intro and "Client <strong>C-5001</strong>" in intro


def test_interactive_summary_refreshes_after_a_save(tmp_path):
    from securebase.ui.summary import SummaryView

    wb = Workbook("sie", "awareness", client_id="C-5002", store_path=str(tmp_path / "s.db"))
    view = SummaryView(wb, wb.compute_summary())
    assert "Nothing recorded yet" in view.text.value and view.plot.layout.display == "none"
    scan = wb.form("signal_scan")
    scan.fields["slot"].set("midday")
    scan.fields["body_signals"]._parts["jaw"].value = "threat"
    scan.fields["felt_safety"].set(4)
    scan.save_button.click()  # the summary follows saves without a click
    assert "1 entry" in view.text.value and "<img alt=\"Chart of the ratings" in view.plot.value
    assert "data:image/png;base64,iVBORw0KGgo" in view.plot.value
    view.refresh_button.click()
    assert "Safety and threat signal scan" in view.text.value


def test_batch_mode_writes_results(tmp_path):
    out = tmp_path / "out"
    wb = Workbook("sie", "awareness", client_id="C-5003", store_path=str(tmp_path / "s.db"), mode="batch",
                  answers_path=ANSWERS, output_dir=str(out))
    lines = repr(wb.exercise("insecurity_pattern_journal"))
    assert "new entries saved: 2" in lines and "Entry 3" in lines
    wb.exercise("signal_scan")
    assert "3 entries" not in repr(wb.summary())
    result = json.loads((out / "summary.json").read_text())
    assert result["import"]["status"] == "partial" and result["import"]["saved"] == 5
    assert (out / "summary.html").exists() and (out / "ratings.png").exists()


def test_batch_summary_rejects_items_for_other_steps(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text("entries:\n  - exercise: thought_record\n    answers: {}\n")
    out = tmp_path / "out"
    wb = Workbook("sie", "awareness", client_id="C-5004", store_path=str(tmp_path / "s.db"), mode="batch",
                  answers_path=str(answers), output_dir=str(out))
    wb.summary()
    result = json.loads((out / "summary.json").read_text())
    assert "not an exercise of this step" in result["import"]["rejected"][0]["problems"]["exercise"]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"mode": "fast"}, "mode must be 'interactive' or 'batch'"),
        ({"client_id": "Sarah Smith"}, "not a valid client id"),
        ({"client_id": "sarah"}, "looks like a name"),
        ({"start_date": "tomorrow"}, "start_date 'tomorrow' is not a date"),
        ({"mode": "batch", "answers_path": "/nonexistent.yaml"}, "does not exist"),
    ],
)
def test_bad_parameters_are_explained(tmp_path, kwargs, message):
    params = {"client_id": "C-5005", "store_path": str(tmp_path / "s.db"), **kwargs}
    with pytest.raises(ParameterError, match=message):
        Workbook("sie", "awareness", **params)


def test_intro_says_which_step_is_current(tmp_path):
    from datetime import date, timedelta

    start = (date.today() - timedelta(days=16)).isoformat()  # day 17: Step 3
    wb = Workbook("sie", "awareness", client_id="C-5006", store_path=str(tmp_path / "s.db"), start_date=start)
    text = wb.position_text()
    assert text.startswith("Day 17 of Security through Interpersonal Effectiveness: Step 3: Restructuring")
    assert text.endswith("This workbook is Step 1: Awareness.")
    wb.store.update_client("C-5006", phase_override="values_action")
    assert "Step 4: Values-guided action (set by the clinician; by date it would be Step 3: Restructuring)" in wb.position_text()
