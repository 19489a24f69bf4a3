"""Consent on the clinician's home page and on the client's page of today: the decision in force, the text,
and a new decision recorded with where it came from."""

from __future__ import annotations

from datetime import date

import pytest

from securebase.content.consent import consent_text
from securebase.store import Store
from securebase.ui.consent import ConsentPanel
from securebase.ui.home import HomePage
from securebase.ui.today import TodayView


@pytest.fixture
def store(tmp_path):
    with Store(tmp_path / "s.db", actor="test") as s:
        s.ensure_client("C-K0NS3A", program_id="sie", start_date=date(2026, 11, 2))
        yield s


def test_the_client_agrees_and_withdraws_on_their_own_page(store):
    view = TodayView(store, "C-K0NS3A", date(2026, 11, 23))
    panel = view.consent
    assert "Research use:</strong> not asked yet (not in force)" in panel.status["research"].value
    panel.buttons[("research", "give")].click()
    assert "(in force)" in panel.status["research"].value and "from the workbook" in panel.status["research"].value
    assert "Saved: research use consent given" in panel.message.value
    panel.buttons[("research", "withdraw")].click()
    assert "withdrawn on" in panel.status["research"].value and "(not in force)" in panel.status["research"].value
    assert [(c.kind, c.decision, c.via) for c in store.consents("C-K0NS3A")] == [
        ("research", "given", "workbook"), ("research", "withdrawn", "workbook")]
    text = panel.widget.children[1].children[1].value                  # the research text, read before deciding
    assert consent_text("research").summary in text and "Version 1.0" in text and "<summary>Read: " in text


def test_the_clinician_records_for_the_client_picked_on_the_home_page(tmp_path, monkeypatch):
    monkeypatch.setenv("SECUREBASE_HOME", str(tmp_path / "home"))
    home = HomePage(store_path=str(tmp_path / "h.db"), today=date(2026, 11, 23), labels_file=str(tmp_path / "l.json"))
    assert home.consent.buttons[("treatment", "give")].disabled                  # no client picked yet
    home.program.value = "sie"
    home.create_button.click()
    client_id = home.message.value.split()[2].rstrip(".")
    home.client.value = client_id
    assert not home.consent.buttons[("treatment", "give")].disabled
    home.consent.buttons[("treatment", "give")].click()
    assert "Recorded: working with secure base consent given" in home.consent.message.value
    assert [(c.kind, c.via) for c in home.store.consents(client_id)] == [("treatment", "home")]


def test_a_decision_that_cannot_be_recorded_says_why(store, monkeypatch):
    panel = ConsentPanel(store, via="home", client_id="C-K0NS3A")
    from securebase.intake import consent as consent_rules

    def refuse(*_a, **_k):
        raise consent_rules.ConsentError("The store is read-only <here>.")

    monkeypatch.setattr(consent_rules, "record", refuse)
    panel.decide("research", "give")
    assert "The store is read-only &lt;here&gt;. Nothing was recorded." in panel.message.value
    assert store.consents("C-K0NS3A") == []
