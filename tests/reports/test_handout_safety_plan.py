"""The safety plan on the handout: off by default, there when asked for (HTML and PDF), escaped."""

from __future__ import annotations

from datetime import date

import pytest

from securebase.journal.safety_plan import save_plan
from securebase.notebook.progress import ProgressWorkbook
from securebase.reports.handout import build_handout, write_handout

TODAY = date(2026, 3, 20)
HOSTILE = '<script>alert(1)</script> & "quotes"'


@pytest.fixture
def plan_client(store):
    store.ensure_client("C-5101", program_id="sie", start_date=date(2026, 3, 1))
    save_plan(store, "C-5101", {"warning_signs": ["I stop answering my phone", HOSTILE],
                                "reasons_to_live": ["My nephew Sam"]})
    return "C-5101"


def test_the_plan_is_left_off_by_default(store, sie, plan_client, tmp_path):
    ctx = build_handout(store, sie, plan_client, today=TODAY)
    assert ctx["safety_plan"] is None
    files = write_handout(tmp_path, ctx, pdf=False)
    page = files["html"].read_text(encoding="utf-8")
    assert "My safety plan" not in page and "My nephew Sam" not in page


def test_the_plan_is_on_the_handout_when_asked_for_and_escaped(store, sie, plan_client, tmp_path):
    ctx = build_handout(store, sie, plan_client, today=TODAY, include_safety_plan=True)
    assert [s["title"] for s in ctx["safety_plan"]["sections"]] == ["My warning signs", "What I live for"]
    page = write_handout(tmp_path, ctx, pdf=False)["html"].read_text(encoding="utf-8")
    assert "<h2>My safety plan</h2>" in page and "My nephew Sam" in page and "I stop answering my phone" in page
    assert "<script>alert" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;quotes&#34;" in page
    assert page.index("My safety plan") < page.index("Homework until next time")


def test_asked_for_without_a_plan_adds_nothing(store, sie, tmp_path):
    store.ensure_client("C-5102", program_id="sie")
    ctx = build_handout(store, sie, "C-5102", today=TODAY, include_safety_plan=True)
    assert ctx["safety_plan"] is None
    assert "My safety plan" not in write_handout(tmp_path, ctx, pdf=False)["html"].read_text(encoding="utf-8")


def test_the_plan_is_in_the_pdf_when_asked_for(store, sie, plan_client, tmp_path):
    from test_handout import pdf_plain_text

    files = write_handout(tmp_path, build_handout(store, sie, plan_client, today=TODAY, include_safety_plan=True))
    assert "pdf" in files, files.get("pdf_unavailable")
    text = pdf_plain_text(files["pdf"])
    assert "My safety plan" in text and "My nephew Sam" in text


def _progress(tmp_path, store, **kwargs) -> ProgressWorkbook:
    return ProgressWorkbook("sie", client_id="C-5101", store_path=str(store.path), output_dir=str(tmp_path / "out"),
                            today=TODAY.isoformat(), **kwargs)


def test_the_handout_cell_has_an_include_checkbox_off_by_default(store, plan_client, tmp_path):
    control = _progress(tmp_path, store).handout()
    box = next(c for c in control.children if type(c).__name__ == "Checkbox")
    assert box.value is False and "safety plan" in box.description
    button = next(c for c in control.children if type(c).__name__ == "Button")
    button.click()
    page = next((tmp_path / "out").glob("handout-*/handout.html")).read_text(encoding="utf-8")
    assert "My nephew Sam" not in page
    box.value = True
    button.click()
    page = next((tmp_path / "out").glob("handout-*/handout.html")).read_text(encoding="utf-8")
    assert "My nephew Sam" in page


@pytest.mark.parametrize("given, shown", [(True, True), ("yes", True), ("false", False), (False, False)])
def test_batch_handout_follows_the_parameter(store, plan_client, tmp_path, given, shown):
    _progress(tmp_path, store, mode="batch", include_safety_plan=given).handout()
    page = next((tmp_path / "out").glob("handout-*/handout.html")).read_text(encoding="utf-8")
    assert ("My nephew Sam" in page) is shown


def test_a_bad_parameter_value_says_what_to_write(store, plan_client, tmp_path):
    from securebase.core.errors import ParameterError

    with pytest.raises(ParameterError, match="True or False"):
        _progress(tmp_path, store, mode="batch", include_safety_plan="maybe")
