"""What each partner and the clinician see while a couple is paused after an abuse-or-danger flag."""

import pytest

from securebase.couples.dyads import link_couple, share_entry
from securebase.couples.pause import pause_of
from securebase.notebook.progress import ProgressWorkbook
from securebase.notebook.workbook import Workbook
from securebase.progress.caseload import client_rows
from securebase.safety.resources import resources
from securebase.ui.couples import PartnerView, SharePanel
from securebase.ui.home import table_html
from securebase.ui.protocol import ProtocolPanel

ABUSE = "He hit me last night and I am scared of him."
WORDS_THAT_TELL_WHY = ("abuse", "danger", "flag", "hit me", "scared", "safety", "harm")


def save_journal(wb, trigger):
    wb.exercise("activation_journal")
    form = wb.forms["activation_journal"]
    form.fields["trigger"].set(trigger)
    form.fields["response"].set("pursue")
    form.fields["intensity"].set(6)
    form.save_button.click()
    return form


@pytest.fixture
def couple(tmp_path):
    store_path = str(tmp_path / "s.db")
    a = Workbook("asb", "awareness", client_id="C-6001", store_path=store_path)
    b = Workbook("asb", "awareness", client_id="C-6002", store_path=store_path)
    dyad = link_couple(a.store, "C-6001", "C-6002", program_id="asb")
    return a, b, dyad


def test_partner_sees_a_neutral_notice_and_the_flagged_partner_sees_resources(couple):
    a, b, dyad = couple
    form_b = save_journal(b, "They went quiet at dinner and I felt shut out, at 8pm.")
    share_entry(b.store, "C-6002", form_b.cb.load()[0].entry_id)
    form_a = save_journal(a, ABUSE)                                   # A's entry is flagged: the couple pauses
    assert pause_of(a.store, dyad) is not None

    view_b, view_a = PartnerView(b), PartnerView(a)
    assert "paused for now" in view_b.body.value and "clinician" in view_b.body.value
    for word in WORDS_THAT_TELL_WHY:
        assert word not in view_b.body.value.lower()
    assert resources("en").emergency.text not in view_b.body.value        # no crisis lines for the partner

    assert "Just for you" in view_a.body.value and "not why" in view_a.body.value
    assert resources("en").emergency.text in view_a.body.value
    assert resources("en").lines[0].name in view_a.body.value
    assert "went quiet" not in view_a.body.value                      # B's share is not shown to A either

    panel_b = SharePanel(b, form_b)
    assert panel_b.share_button.layout.display == "none" and "paused for now" in panel_b.info.value
    assert panel_b.intro.layout.display == "none"          # its "press Share" would point at a hidden button
    panel_a = SharePanel(a, form_a)
    assert "Just for you" in panel_a.info.value and ABUSE not in panel_a.info.value

    batch_b = repr(Workbook("asb", "awareness", client_id="C-6002", store_path=str(a.store.path),
                            mode="batch").view("partner"))
    assert "paused for now" in batch_b and not any(w in batch_b.lower() for w in WORDS_THAT_TELL_WHY)
    batch_a = repr(Workbook("asb", "awareness", client_id="C-6001", store_path=str(a.store.path),
                            mode="batch").view("partner"))
    assert "Only you can see this" in batch_a and resources("en").emergency.text in batch_a


def test_sharing_from_the_panel_is_refused_with_the_clear_message(couple):
    a, b, dyad = couple
    form_b = save_journal(b, "A quiet evening; we watched a film at nine.")
    save_journal(a, ABUSE)
    panel = SharePanel(b, form_b)
    form_b.picker.value = form_b.picker.options[0][1]
    panel.decide(True)                                                # as if the hidden button were pressed
    assert "paused for now" in panel.info.value and "role='alert'" in panel.info.value
    assert not any(w in panel.info.value.lower() for w in WORDS_THAT_TELL_WHY)


PROTOCOL = {
    "signal_type": "gesture", "signal": "waving the blue tea towel", "who_can_call": "either", "timeout_minutes": 30,
    "self_soothing_activities": ["walk"], "return_commitment": "Back at eight.", "reconnection_phrases": ["I'm here."],
}


def test_the_protocol_panel_hides_versions_and_agreeing_while_paused(tmp_path):
    store_path = str(tmp_path / "s.db")
    a = Workbook("asb", "co_creation", client_id="C-6101", store_path=store_path)
    b = Workbook("asb", "co_creation", client_id="C-6102", store_path=store_path)
    dyad = link_couple(a.store, "C-6101", "C-6102", program_id="asb")
    a.exercise("security_protocol")
    form_a = a.forms["security_protocol"]
    for field_id, value in PROTOCOL.items():
        form_a.fields[field_id].set(value)
    form_a.save_button.click()
    a.store.add_entry("C-6101", program_id="asb", phase_id="co_creation", exercise_id="security_protocol_notes",
                      content_version="1", data={}, occurred_at="2026-03-02T10:00:00", safety_categories=("abuse_danger",))

    b.exercise("security_protocol")
    form_b = b.forms["security_protocol"]
    panel_b = ProtocolPanel(b, form_b)
    assert "paused for now" in panel_b.current.value and panel_b.table.value == ""
    assert panel_b.agree_button.layout.display == "none"
    assert "blue tea towel" not in form_b.widget.__repr__() and form_b.cb.load() == []
    panel_b.decide(True)
    assert "paused for now" in panel_b.message.value
    assert not versions_agreed(a, dyad)


def versions_agreed(wb, dyad):
    from securebase.couples.protocol import in_force

    return in_force(wb.store, dyad.dyad_id) is not None


def test_home_page_marks_the_couple_and_the_clinician_lifts_the_pause(couple, tmp_path):
    a, b, dyad = couple
    save_journal(b, ABUSE)
    rows = {r.client_id: r for r in client_rows(a.store)}
    assert rows["C-6001"].couple_paused and rows["C-6002"].couple_paused
    page = table_html(list(rows.values()))
    assert page.count("Couple paused: see the partners separately") == 2

    progress = ProgressWorkbook("asb", client_id="C-6001", store_path=str(a.store.path),
                                output_dir=str(tmp_path / "out"))
    text = repr(ProgressWorkbook("asb", client_id="C-6001", store_path=str(a.store.path), mode="batch",
                                 output_dir=str(tmp_path / "out")).couple())
    assert "Shared features paused" in text and "partner B" in text and f"couple resume {dyad.dyad_id}" in text
    view = progress.couple()
    assert "couple resume" not in repr(view) and "write your reason in the control below" in repr(view)  # no tool hint on a page
    control = next(c for c in view.children if "Lift the pause" in repr(c))
    reason, button, message = control.children[1:]
    reason.value = "no"
    button.click()
    assert "Not lifted" in message.value and pause_of(a.store, dyad) is not None
    reason.value = "Saw both partners separately on 3 March."
    button.click()
    assert "The pause is lifted" in message.value and pause_of(a.store, dyad) is None
    assert [r["action"] for r in a.store.audit_log() if r["action"] == "couple_resume"] == ["couple_resume"]
    assert not any(r.couple_paused for r in client_rows(a.store))
    assert "paused" not in PartnerView(a).body.value
