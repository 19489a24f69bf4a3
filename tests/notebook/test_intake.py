"""The intake relationship check in both modes: stored result, shareable card, action report."""

import json

import ipywidgets as w
import papermill as pm
import pytest
import yaml
from PIL import Image

from securebase.content import scales
from securebase.intake.assessments import get_assessments
from securebase.intake.results import result_card_png
from securebase.notebook.intake import IntakeWorkbook
from securebase.ui.intake import Questionnaire
from securebase.notebook.parameters import ParameterError
from report_pages import without_print_script

ROOT = __import__("pathlib").Path(__file__).resolve().parents[2]


def responses(check, anxiety, avoidance, pursue=2, withdraw=5, balance=3):
    level = {"anxiety": anxiety, "avoidance": avoidance, "pursue": pursue, "withdraw": withdraw, "balance": balance}
    return {i.id: (8 - level[i.subscale]) if i.reverse else level[i.subscale] for i in scales.instrument(check).items}


def test_batch_writes_card_report_and_result(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"administered_at": "2026-03-02 10:00",
                                       "responses": responses("relationship_check", 2, 6)}))
    iw = IntakeWorkbook(client_id="C-7101", store_path=str(tmp_path / "s.db"), mode="batch",
                        answers_path=str(answers), output_dir=str(tmp_path / "out"))
    text = repr(iw.questionnaire())
    assert "result_card.png, action_report.html, result.json" in text
    lines = repr(iw.result())
    assert "Worry about closeness: 2" in lines and "Your security pattern: Keeping a safe distance." in lines
    stored = get_assessments(iw.store, "C-7101")
    assert len(stored) == 1 and stored[0].scoring_version == "1.0" and stored[0].administered_at == "2026-03-02T10:00:00"
    folder = tmp_path / "out" / f"2026-03-02-intake-{stored[0].assessment_id[:8]}"   # one folder per check
    assert f"Files written to {folder}" in text
    result = json.loads((folder / "result.json").read_text())
    assert result["instrument_id"] == "relationship_check" and result["scoring_version"] == "1.0"
    page = (folder / "action_report.html").read_text()
    assert "not a diagnosis" in page and "Keeping a safe distance" in page
    assert "Autonomy-Security Balance, Phase 1: Awareness" in page and "Activation journal" in page
    assert "Discomfort with closeness: 6" in page                           # the result each advice comes from
    assert "C-7101" not in page and "<script" not in without_print_script(page) and "default-src 'none'" in page


def test_the_card_carries_nothing_identifying(tmp_path):
    check = scales.instrument("relationship_check")
    result = scales.score(check, responses("relationship_check", 6, 6)).as_dict()
    png = result_card_png(check, result)
    image = Image.open(__import__("io").BytesIO(png))
    assert image.format == "PNG" and image.size == (600, 660)
    assert not {k for k in image.info if k.lower() not in ("dpi",)}       # no text chunks: no name, code or date


def test_report_escapes_content_text(tmp_path, monkeypatch):
    check = scales.instrument("relationship_check")
    rec = check.recommendations[0].model_copy(update={"why": "<script>alert(1)</script>"})
    bad = check.model_copy(update={"recommendations": (rec,), "purpose": "<img src=x onerror=alert(1)>"})
    monkeypatch.setattr(scales, "instrument", lambda _id: bad)
    iw = IntakeWorkbook(client_id="C-7102", store_path=str(tmp_path / "s.db"), output_dir=str(tmp_path / "out"))
    page = iw.submit(responses("relationship_check", 6, 2))["report"].read_text()
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_widget_flow(tmp_path):
    iw = IntakeWorkbook(client_id="C-7103", store_path=str(tmp_path / "s.db"), output_dir=str(tmp_path / "out"))
    assert isinstance(iw.questionnaire(), w.VBox)
    q = Questionnaire(iw)
    q.submit_button.click()
    assert "Answer at least some" in q.status.value and get_assessments(iw.store, "C-7103") == []
    for item_id, value in responses("relationship_check", 6, 6).items():
        q.buttons[item_id].value = value
    q.buttons["bal_4"].value = None                                      # one skipped: still scored
    q.submit_button.click()
    assert "Saved. You skipped 1 statement(s)." in q.status.value
    image, text, where = q.result.children
    assert image.value.startswith('<img alt="The result card') and "Wanting closeness and fearing it" in text.value
    assert get_assessments(iw.store, "C-7103")[0].scores["balance"] == 3.0
    assert "Action report" in where.value and str(iw.files["report"]) in where.value   # outside the data folder: its path
    assert "Checks so far" in q.earlier.value and "Intake" in q.earlier.value


def test_every_check_keeps_its_own_files_and_a_second_check_is_a_milestone(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HOME", str(tmp_path / "home"))
    store_path = str(tmp_path / "s.db")
    first = IntakeWorkbook(client_id="C-7106", store_path=store_path)   # explicit creation happens in the store
    assert first.occasion == "intake"
    first_files = first.submit(responses("relationship_check", 2, 6))
    second = IntakeWorkbook(client_id="C-7106", store_path=store_path)
    assert second.occasion == "milestone"                                # the page's suggestion; the person may change it
    q = Questionnaire(second)
    assert q.occasion.value == "milestone" and "Checks so far" in q.earlier.value
    for item_id, value in responses("relationship_check", 6, 2).items():
        q.buttons[item_id].value = value
    q.occasion.value = "follow_up"
    q.submit_button.click()
    assert [a.occasion for a in get_assessments(second.store, "C-7106")] == ["intake", "follow_up"]
    assert second.files["report"].parent != first_files["report"].parent
    assert first_files["report"].is_file() and second.files["report"].is_file()    # the first report is kept
    scores = [json.loads(f["json"].read_text())["subscales"] for f in (first_files, second.files)]
    assert scores[0] != scores[1] and first_files["report"].read_text() != second.files["report"].read_text()
    earlier = q.earlier.value                                             # both, newest first, each with its links
    assert earlier.index("Follow-up") < earlier.index("Intake") and earlier.count(">Open</a>") == 4
    assert "/securebase/files/C-7106/reports/intake/relationship_check/" in earlier
    assert "For client C-7106" in second.intro().data


def test_an_unknown_occasion_is_refused_plainly(tmp_path):
    with pytest.raises(ParameterError, match="occasion 'yearly' is not one of: intake, milestone, follow_up"):
        IntakeWorkbook(client_id="C-7107", store_path=str(tmp_path / "s.db"), occasion="yearly")


def test_bad_parameters(tmp_path):
    with pytest.raises(ParameterError, match="unknown instrument 'nope'"):
        IntakeWorkbook("nope", client_id="C-7104", store_path=str(tmp_path / "s.db"))
    with pytest.raises(ParameterError, match="batch mode needs the answers file"):
        IntakeWorkbook(client_id="C-7104", store_path=str(tmp_path / "s.db"), mode="batch", answers_path="")
    bad = tmp_path / "bad.yaml"
    bad.write_text("answers: {}\n")
    iw = IntakeWorkbook(client_id="C-7104", store_path=str(tmp_path / "s.db"), mode="batch", answers_path=str(bad))
    with pytest.raises(ParameterError, match="needs a 'responses:' mapping"):
        iw.questionnaire()


def test_intake_notebook_in_batch_with_papermill(tmp_path):
    answers = tmp_path / "a.yaml"
    answers.write_text(yaml.safe_dump({"responses": responses("relationship_check", 5, 2)}))
    pm.execute_notebook(
        str(ROOT / "notebooks" / "intake" / "relationship_check.ipynb"), str(tmp_path / "run.ipynb"),
        kernel_name="python3", progress_bar=False,
        parameters={"client_id": "C-7105", "store_path": str(tmp_path / "s.db"), "mode": "batch",
                    "answers_path": str(answers), "output_dir": str(tmp_path / "out")},
        kernel_manager_class="securebase.core.kernel_transport.IPCKernelManager",
    )
    assert len(list((tmp_path / "out").glob("*-intake-*/result_card.png"))) == 1
    assert "Reaching for closeness" in (tmp_path / "run.ipynb").read_text()
