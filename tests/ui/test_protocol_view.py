"""The protocol form and panel in the co-creation workbook, driven as a partner would."""

import pytest

from securebase.couples.dyads import link_couple
from securebase.notebook.progress import ProgressWorkbook
from securebase.couples.protocol import in_force, versions
from securebase.ui.protocol import ProtocolPanel
from securebase.notebook.workbook import Workbook

PROTOCOL = {
    "signal_type": "gesture", "signal": "<b>hand</b> raised flat", "who_can_call": "either", "timeout_minutes": 30,
    "self_soothing_activities": ["walk"], "return_commitment": "Back at eight.", "reconnection_phrases": ["I'm here."],
}


@pytest.fixture
def workbooks(tmp_path):
    store_path = str(tmp_path / "s.db")
    a = Workbook("asb", "co_creation", client_id="C-4001", store_path=store_path)
    b = Workbook("asb", "co_creation", client_id="C-4002", store_path=store_path)
    dyad = link_couple(a.store, "C-4001", "C-4002", program_id="asb")
    return a, b, dyad


def fill(form, answers):
    for field_id, value in answers.items():
        form.fields[field_id].set(value)


def panel_of(form) -> ProtocolPanel:
    return next(c for c in form.extra.children if c is not None and "Versions of your protocol" in repr(c))


def test_propose_agree_and_change(workbooks):
    a, b, dyad = workbooks
    a.exercise("security_protocol")
    form_a = a.forms["security_protocol"]
    assert form_a.delete_button.layout.display == "none"
    fill(form_a, PROTOCOL)
    form_a.save_button.click()
    assert [v.version for v in versions(a.store, dyad.dyad_id)] == [1]
    panel_a = ProtocolPanel(a, form_a)
    assert "No version is agreed by both of you yet." in panel_a.current.value
    assert "Waiting for partner B" in panel_a.table.value

    b.exercise("security_protocol")
    form_b = b.forms["security_protocol"]
    panel_b = ProtocolPanel(b, form_b)
    assert panel_b.picker.options == (("Version 1", 1),)
    panel_b.agree_button.click()
    assert "You agreed to version 1." in panel_b.message.value
    assert "In force now: version 1" in panel_b.current.value
    assert "&lt;b&gt;hand&lt;/b&gt; raised flat" in panel_b.current.value and "<b>hand" not in panel_b.current.value

    # B edits the version in force: this proposes version 2 with B's consent only
    form_b.picker.value = "protocol-v1"
    form_b.edit_button.click()
    form_b.fields["timeout_minutes"].set(50)
    form_b.save_button.click()
    assert in_force(b.store, dyad.dyad_id).version == 1
    panel_b.refresh()
    assert "Saved as version 2" in panel_b.message.value
    assert "Timeout (minutes)" in panel_b.table.value                        # what changed
    panel_a.refresh()
    panel_a.picker.value = 2
    panel_a.agree_button.click()
    assert in_force(a.store, dyad.dyad_id).data["timeout_minutes"] == 50
    panel_a.withdraw_button.click()
    assert in_force(a.store, dyad.dyad_id).version == 1


def test_a_short_timeout_is_shown_under_its_question_and_nothing_is_saved(workbooks):
    a, b, dyad = workbooks
    a.exercise("security_protocol")
    form = a.forms["security_protocol"]
    fill(form, {**PROTOCOL, "timeout_minutes": 10})
    form.save_button.click()
    assert "20" in form.fields["timeout_minutes"].error.value
    assert versions(a.store, dyad.dyad_id) == []
    assert form.fields["signal"].get() == PROTOCOL["signal"]                 # the answers stay in the form


def test_deleting_a_version_is_refused_with_an_explanation(workbooks):
    a, b, dyad = workbooks
    a.exercise("security_protocol")
    form = a.forms["security_protocol"]
    fill(form, PROTOCOL)
    form.save_button.click()
    form.picker.value = "protocol-v1"
    form._on_confirm_delete()
    assert "Versions are never deleted" in form.status.value
    assert len(versions(a.store, dyad.dyad_id)) == 1


def test_a_single_client_is_told_to_get_linked(tmp_path):
    wb = Workbook("asb", "co_creation", client_id="C-4009", store_path=str(tmp_path / "s.db"))
    wb.exercise("security_protocol")
    form = wb.forms["security_protocol"]
    assert "link you with your partner" in panel_of_text(form)
    fill(form, PROTOCOL)
    form.save_button.click()
    assert "not linked with a partner" in form.status.value


def panel_of_text(form) -> str:
    return " ".join(getattr(c, "value", "") for box in form.extra.children for c in getattr(box, "children", ()))


def test_progress_couple_view_in_both_modes(workbooks, tmp_path):
    a, b, dyad = workbooks
    pw = ProgressWorkbook("asb", client_id="C-4001", store_path=str(a.store.path), mode="batch",
                          output_dir=str(tmp_path / "out"))
    text = repr(pw.couple())
    assert f"Couple {dyad.dyad_id}: partner A C-4001, partner B C-4002" in text
    assert "Protocol in force: none agreed yet." in text
    interactive = ProgressWorkbook("asb", client_id="C-4002", store_path=str(a.store.path),
                                   output_dir=str(tmp_path / "out")).couple()
    assert interactive.children[1].value.startswith("<img alt=\"Chart of how the couple kept to their protocol")
