"""The help section of every workbook: what it is for (for everyone), the flagged-save text only
after a flagged save, and the person's safety plan (first once it exists)."""

from __future__ import annotations

import pytest

from securebase.journal.safety_plan import current_plan
from securebase.notebook.intake import IntakeWorkbook
from securebase.notebook.workbook import Workbook
from securebase.safety.resources import resources
from securebase.ui.help import HelpScreen, help_lines

HOSTILE = '<img src=x onerror="alert(1)"><script>alert(2)</script>'
FLAGGED_TEXT = "Some of what you wrote suggests"
SAVED_TEXT = "Your entry has been saved"


@pytest.fixture
def wb(tmp_path):
    return Workbook("sie", "awareness", client_id="C-2001", store_path=str(tmp_path / "s.sqlite3"))


def _texts(widget) -> list[str]:
    """Every HTML fragment inside a widget, depth first (text boxes show text, never markup)."""
    out = [widget.value] if type(widget).__name__ == "HTML" else []
    for child in getattr(widget, "children", ()):
        out += _texts(child)
    return out


def _html(screen: HelpScreen) -> str:
    return "".join(_texts(screen.body))


def _write_plan(screen: HelpScreen, **parts: list[str]) -> None:
    screen.plan.open_button.click()
    for part, items in parts.items():
        screen.plan.fields[part].set(items)
    screen.plan.save_button.click()


# ---------------------------------------------------------------- what the section says


def test_a_new_client_is_told_what_the_section_is_for_not_that_they_wrote_something(wb):
    assert wb.store.current_entries("C-2001") == []
    screen = HelpScreen("en", wb.store, "C-2001")
    page = _html(screen)
    assert FLAGGED_TEXT not in page and SAVED_TEXT not in page
    assert "here for you at any time" in page and "116 123" in page and "999" in page
    lines = help_lines("en", wb.store, "C-2001")
    assert not any(FLAGGED_TEXT in line or SAVED_TEXT in line for line in lines)
    assert any("here for you at any time" in line for line in lines)
    assert not any("tell your clinician about this entry" in line for line in lines)


def test_after_a_flagged_save_the_box_under_the_form_has_the_flagged_text_and_help_still_does_not(wb):
    form = wb.form("insecurity_pattern_journal")
    values = {"trigger": "No reply", "trigger_type": "slow_reply", "automatic_thoughts": "I want to kill myself",
              "behaviour": "Sat alone", "intensity": 8}
    for field_id, value in values.items():
        form.fields[field_id].set(value)
    form.fields["emotions"]._parts["fear"].value = True
    form.fields["body_sensations"]._parts["racing_heart"].value = True
    form.save_button.click()
    assert FLAGGED_TEXT in form.safety.value and SAVED_TEXT in form.safety.value
    page = _html(HelpScreen("en", wb.store, "C-2001"))
    assert FLAGGED_TEXT not in page and "here for you at any time" in page


def test_an_ordinary_save_shows_no_flagged_text(wb):
    form = wb.form("insecurity_pattern_journal")
    for field_id, value in {"trigger": "No reply", "trigger_type": "slow_reply", "automatic_thoughts": "They are busy",
                            "behaviour": "Made tea", "intensity": 3}.items():
        form.fields[field_id].set(value)
    form.fields["emotions"]._parts["fear"].value = True
    form.fields["body_sensations"]._parts["racing_heart"].value = True
    form.save_button.click()
    assert "Saved" in form.status.value and form.safety.value == ""


def test_batch_help_of_every_workbook_has_no_flagged_text(tmp_path):
    store_path = str(tmp_path / "s.sqlite3")
    batch = Workbook("asb", Workbook("asb", "awareness", client_id="C-2002", store_path=store_path).phase.id,
                     client_id="C-2002", store_path=store_path, mode="batch")
    answers = tmp_path / "answers.yaml"
    answers.write_text("responses: {}\n", encoding="utf-8")
    intake = IntakeWorkbook("relationship_check", client_id="C-2003", store_path=store_path, mode="batch",
                            answers_path=str(answers), output_dir=str(tmp_path / "out"))
    for text in (repr(batch.help()), repr(intake.help())):
        assert FLAGGED_TEXT not in text and SAVED_TEXT not in text and "here for you at any time" in text


def test_resources_keep_both_framings():
    res = resources("en")
    from securebase.safety.resources import resources_html, resources_text

    after = resources_text(res, ["self_harm"])
    assert after[0] == res.saved_notice and after[1] == res.intro and after[-1] == res.closing
    help_ = resources_text(res, after_save=False)
    assert help_[0] == res.help_intro and help_[-1] == res.help_closing
    assert res.intro not in help_ and res.saved_notice not in help_
    assert [x for x in after if x.startswith("- ")] == [x for x in resources_text(res, ["self_harm"], after_save=False)
                                                       if x.startswith("- ")]
    assert "suggests" not in resources_html(res, after_save=False)


def test_resources_without_a_help_intro_are_refused(content_copy):
    from securebase.core.errors import ContentError
    from securebase.safety import resources as crisis
    from toy_content import edit_yaml

    edit_yaml(content_copy / "safety" / "resources" / "en.yaml", lambda d: d.pop("help_intro"))
    crisis.clear_cache()
    try:
        with pytest.raises(ContentError) as err:
            crisis.resources("en")
        assert "help_intro" in str(err.value)
    finally:
        crisis.clear_cache()


# ---------------------------------------------------------------- the safety plan


def test_without_a_plan_the_section_invites_one_after_the_resources(wb):
    screen = HelpScreen("en", wb.store, "C-2001")
    children = list(screen.body.children)
    assert children.index(screen.resources) < children.index(screen.plan.widget)
    assert "You have not written a safety plan yet" in screen.plan.shown.value
    assert screen.plan.open_button.description == "Write my safety plan"
    assert screen.plan.editor.layout.display == "none"


def _visible(widget) -> bool:
    return widget.layout.display != "none"


def test_the_editor_shows_its_save_and_cancel_buttons_and_hides_write(wb):
    """Seen in the browser: the three buttons shared one layout, so opening the editor hid Save too."""
    screen = HelpScreen("en", wb.store, "C-2001")
    screen.plan.open_button.click()
    assert _visible(screen.plan.editor) and not _visible(screen.plan.open_button)
    assert _visible(screen.plan.save_button) and _visible(screen.plan.cancel_button)
    screen.plan.cancel_button.click()
    assert _visible(screen.plan.open_button) and not _visible(screen.plan.editor)


def test_each_box_of_a_part_is_labelled_with_its_item_not_the_part_title(wb):
    """Seen in the browser: six boxes under "My warning signs" each read "My warning signs 1", "... 2"."""
    screen = HelpScreen("en", wb.store, "C-2001")
    boxes = [b for b in screen.plan.fields["warning_signs"]._value_widgets()]
    assert [b.description for b in boxes[:2]] == ["Sign 1", "Sign 2"]
    assert all("My warning signs" not in b.description for b in boxes)


def test_writing_a_plan_saves_it_and_puts_it_first(wb):
    screen = HelpScreen("en", wb.store, "C-2001")
    _write_plan(screen, warning_signs=["I stop answering my phone"], people_to_ask=["My sister, 0700 000 000"])
    assert "Your safety plan is saved" in screen.plan.status.value
    assert screen.body.children[0] is screen.plan.widget
    assert "I stop answering my phone" in screen.plan.shown.value and "My warning signs" in screen.plan.shown.value
    assert screen.plan.open_button.description == "Revise my plan"
    assert current_plan(wb.store, "C-2001").data["people_to_ask"] == ["My sister, 0700 000 000"]
    # a fresh help section (another workbook, later) shows it first too
    again = HelpScreen("en", wb.store, "C-2001")
    assert again.body.children[0] is again.plan.widget
    assert list(again.body.children).index(again.plan.widget) < list(again.body.children).index(again.resources)


def test_revising_opens_the_plan_as_it_is_and_saves_a_new_revision(wb):
    screen = HelpScreen("en", wb.store, "C-2001")
    _write_plan(screen, warning_signs=["I stop sleeping"])
    screen.plan.open_button.click()
    assert screen.plan.fields["warning_signs"].get() == ["I stop sleeping"]
    screen.plan.fields["reasons_to_live"].set(["My children"])
    screen.plan.save_button.click()
    assert "updated" in screen.plan.status.value
    entry = current_plan(wb.store, "C-2001")
    assert entry.revision == 2 and entry.data == {"warning_signs": ["I stop sleeping"], "reasons_to_live": ["My children"]}


def test_cancel_keeps_the_plan_unchanged(wb):
    screen = HelpScreen("en", wb.store, "C-2001")
    _write_plan(screen, warning_signs=["I stop sleeping"])
    screen.plan.open_button.click()
    screen.plan.fields["warning_signs"].set(["changed"])
    screen.plan.cancel_button.click()
    assert current_plan(wb.store, "C-2001").revision == 1
    assert screen.plan.editor.layout.display == "none"


def test_a_bad_plan_shows_what_to_fix_and_keeps_what_was_typed(wb):
    screen = HelpScreen("en", wb.store, "C-2001")
    screen.plan.open_button.click()
    screen.plan.save_button.click()
    assert "Nothing is written in the plan yet" in screen.plan.status.value
    screen.plan.fields["warning_signs"].set(["x" * 250])
    screen.plan.save_button.click()
    assert "limit is 200" in screen.plan.fields["warning_signs"].error.value
    assert "Not saved yet" in screen.plan.status.value and "Traceback" not in screen.plan.status.value
    assert screen.plan.fields["warning_signs"].get() == ["x" * 250]
    assert current_plan(wb.store, "C-2001") is None


def test_a_plan_changed_elsewhere_is_not_overwritten(wb):
    first, second = HelpScreen("en", wb.store, "C-2001"), HelpScreen("en", wb.store, "C-2001")
    _write_plan(first, warning_signs=["a"])
    first.plan.open_button.click()
    second.plan.open_button.click()
    second.plan.fields["warning_signs"].set(["from the second window"])
    second.plan.save_button.click()
    first.plan.fields["warning_signs"].set(["from the first window"])
    first.plan.save_button.click()
    assert "changed while you were editing" in first.plan.status.value
    assert current_plan(wb.store, "C-2001").data["warning_signs"] == ["from the second window"]


def test_the_plan_is_escaped_and_not_flagged(wb):
    from securebase.safety.flags import flags

    screen = HelpScreen("en", wb.store, "C-2001")
    _write_plan(screen, warning_signs=[HOSTILE, "I think about killing myself"])
    page = _html(screen) + screen.plan.shown.value
    assert "<script>" not in page and "<img" not in page and "&lt;script&gt;" in page
    assert flags(wb.store, "C-2001") == []
    assert FLAGGED_TEXT not in page


def test_batch_help_lists_the_plan_first(wb):
    screen = HelpScreen("en", wb.store, "C-2001")
    _write_plan(screen, reasons_to_live=["My garden"])
    lines = help_lines("en", wb.store, "C-2001")
    assert lines[0] == "My safety plan" and "  - My garden" in lines
    assert lines.index("  - My garden") < next(i for i, x in enumerate(lines) if "116 123" in x)


def test_every_workbooks_help_cell_carries_the_plan(tmp_path):
    store_path = str(tmp_path / "s.sqlite3")
    for workbook in (Workbook("sie", "acceptance", client_id="C-2004", store_path=store_path),
                     Workbook("asb", "awareness", client_id="C-2004", store_path=store_path),
                     IntakeWorkbook("relationship_check", client_id="C-2004", store_path=store_path)):
        texts = "".join(_texts(workbook.help()))
        assert "You have not written a safety plan yet" in texts and "here for you at any time" in texts


def test_without_a_client_there_is_no_plan_part():
    screen = HelpScreen("en")
    assert screen.plan is None and screen.body.children[0] is screen.resources


def test_a_long_question_of_the_private_check_wraps_instead_of_being_cut(wb):
    """Seen in the browser: the second question ran off the edge, cut mid-word (one-line widget label)."""
    screen = HelpScreen("en", wb.store, "C-2001")
    assert "sb-help" in screen.body._dom_classes
    css = _html(screen)
    assert ".sb-help .widget-radio > .widget-label{white-space:normal" in css


def test_the_plan_editor_is_made_only_when_it_is_opened(wb):
    """Most page views never open the editor; its widgets (about 250) would slow every page down."""
    screen = HelpScreen("en", wb.store, "C-2001")
    assert screen.plan._editor is None and len(screen.plan.widget.children) == 3
    screen.plan.open_button.click()
    assert screen.plan._editor is not None and screen.plan.widget.children[-1] is screen.plan.editor
    assert _visible(screen.plan.editor) and _visible(screen.plan.save_button)
    screen.plan.cancel_button.click()
    screen.plan.open_button.click()                     # opened again: the same editor, not a second one
    assert len(screen.plan.widget.children) == 4
