import json

from securebase.reports import plots
from securebase.notebook.answers import import_answers, read_answers_file
from securebase.reports.render import PRINT_SCRIPT, PRINT_SCRIPT_HASH, write_phase_report
from securebase.journal.summaries import summarise_phase


def test_report_files_are_written_and_escaped(store, sie, tmp_path):
    store.ensure_client("C-4001")
    report = import_answers(store, "C-4001", sie, read_answers_file("tests/fixtures/sie_awareness_answers.yaml"))
    # a hostile value inside a problem message must come out escaped
    report.rejected.append({"index": 9, "exercise_id": "signal_scan", "problems": {"x": "<script>alert(1)</script>"}})
    summary = summarise_phase(sie, sie.phase("awareness"), store.current_entries("C-4001"))
    files = write_phase_report(tmp_path / "out", program=sie, phase=sie.phase("awareness"),
                               client_id="C-4001", summary=summary, import_report=report.as_dict())
    html = files["html"].read_text()
    assert html.count("<script") == 1 and f"<script>{PRINT_SCRIPT}</script>" in html   # the Print button's only
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"default-src 'none'; script-src '{PRINT_SCRIPT_HASH}';" in html  # no other script may run
    assert "A reply was slow or missing" in html and 'src="ratings.png"' in html
    assert files["plot"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    data = json.loads(files["json"].read_text())
    assert data["summary"]["total_entries"] == 5 and data["import"]["saved"] == 5
    assert data["files"] == {"json": "summary.json", "html": "summary.html", "plot": "ratings.png"}
    # free text never reaches the summary
    assert "No reply for three hours" not in files["json"].read_text() + html


def test_no_plot_without_ratings(sie, tmp_path):
    summary = summarise_phase(sie, sie.phase("awareness"), [])
    assert plots.ratings_png(summary, title="t") is None
    files = write_phase_report(tmp_path, program=sie, phase=sie.phase("awareness"), client_id="C-4002", summary=summary)
    assert "plot" not in files and "<img" not in files["html"].read_text()
