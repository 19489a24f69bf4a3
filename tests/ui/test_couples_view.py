"""Sharing an entry with the partner from a workbook, and the partner's view, as a person would."""

from securebase.couples.dyads import link_couple, shared_with
from securebase.ui.couples import PartnerView, SharePanel
from securebase.notebook.workbook import Workbook


def journal_form(wb, trigger):
    wb.exercise("activation_journal")
    form = wb.forms["activation_journal"]
    form.fields["trigger"].set(trigger)
    form.fields["response"].set("pursue")
    form.fields["intensity"].set(6)
    form.save_button.click()
    return form


def test_share_then_partner_sees_it_escaped_then_unshare(tmp_path):
    store_path = str(tmp_path / "s.db")
    a = Workbook("asb", "awareness", client_id="C-5001", store_path=store_path)
    b = Workbook("asb", "awareness", client_id="C-5002", store_path=store_path)
    link_couple(a.store, "C-5001", "C-5002", program_id="asb")
    form = journal_form(a, "They said <img src=x onerror=alert(1)> at 9pm and left.")
    journal_form(a, "A private moment I keep to myself, at 10pm on Friday.")
    panel = SharePanel(a, form)
    assert "You are sharing 0 of these entries." in panel.info.value

    view = PartnerView(b)
    assert "has not shared anything" in view.body.value

    form.picker.value = next(v for label, v in form.picker.options if "img" in label)
    panel.share_button.click()
    assert "Shared." in panel.info.value and "sharing 1 of these" in panel.info.value
    view.refresh()
    assert "&lt;img src=x onerror=alert(1)&gt;" in view.body.value and "<img" not in view.body.value
    assert "private moment" not in view.body.value
    assert repr(Workbook("asb", "awareness", client_id="C-5002", store_path=store_path, mode="batch")
                .view("partner")).endswith("Activation journal: 1")

    panel.unshare_button.click()
    assert shared_with(b.store, "C-5002") == []
    view.refresh()
    assert "has not shared anything" in view.body.value


def test_nothing_picked_and_no_partner(tmp_path):
    single = Workbook("asb", "awareness", client_id="C-5009", store_path=str(tmp_path / "s.db"))
    form = journal_form(single, "They looked at the phone while I talked at dinner.")
    assert not any(isinstance(c, type(None)) for c in form.extra.children)
    assert "not linked with a partner" in PartnerView(single).body.value
    panel = SharePanel(single, form)
    panel.share_button.click()                                   # nothing picked
    assert form.status.value and "role=\"status\"" in form.status.value
    form.picker.value = form.picker.options[0][1]
    panel.share_button.click()
    assert "not linked with a partner" in panel.info.value
