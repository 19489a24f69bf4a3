"""The progress page's report control: write the report from the page, then open, download or print it."""

from __future__ import annotations

import ipywidgets as w

from securebase.notebook.progress import ProgressWorkbook
from securebase.ui.progress import ReportControl


def _workbook(tmp_path, monkeypatch, **kwargs):
    monkeypatch.setenv("SECUREBASE_HOME", str(tmp_path / "home"))
    return ProgressWorkbook("sie", client_id="C-8801", store_path=str(tmp_path / "s.db"), today="2026-03-11", **kwargs)


def test_the_page_writes_the_report_only_when_asked_and_links_to_it(tmp_path, monkeypatch):
    pw = _workbook(tmp_path, monkeypatch)
    assert isinstance(pw.report(), w.VBox) and pw.report_files() == {}      # opening the page writes nothing
    control = ReportControl(pw)
    assert "No progress report yet" in control.links.value and control.button.description == "Write progress report"
    control.button.click()
    files = pw.report_files()
    assert set(files) == {"json", "html", "png"} and all(p.stat().st_mode & 0o077 == 0 for p in files.values())
    base = "/securebase/files/C-8801/reports/sie/progress/"
    assert "Written just now." in control.links.value
    assert f"href='{base}progress.html' target='_blank'" in control.links.value                 # open
    assert f"href='{base}progress.html?download=1' download='progress.html'" in control.links.value   # download
    assert f"href='{base}progress.html#print'" in control.links.value                           # print
    assert f"href='{base}progress.json#print'" not in control.links.value   # data is downloaded, not printed
    assert control.button.description == "Write progress report again"
    again = ReportControl(pw)                                                # a later visit finds the last one
    assert "The report written last:" in again.links.value and f"{base}progress.html" in again.links.value


def test_a_failed_write_says_so_plainly(tmp_path, monkeypatch):
    pw = _workbook(tmp_path, monkeypatch)
    control = ReportControl(pw)

    def fail():
        raise OSError("No space left on device")

    monkeypatch.setattr(pw, "write_report", fail)
    control.button.click()
    assert control.links.value == ('<p role="alert" class="sb-problem">The report was not written: '
                                   "No space left on device</p>")
    assert not control.button.disabled                                      # the person can try again
