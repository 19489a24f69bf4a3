"""Consent as records: given and withdrawn with a time and who recorded it, current only for today's text,
and the research export takes only the clients whose research consent is current."""

from __future__ import annotations

import json

import pytest

from securebase import cli
from securebase.content import consent as texts
from securebase.intake import consent
from securebase.research.export import export_research


@pytest.fixture
def clients(store):
    for code in ("C-2K7Q3A", "C-3K7Q3B", "C-4K7Q3C"):
        store.ensure_client(code, program_id="sie")
    return store


def test_decisions_are_records_and_the_latest_is_in_force(clients):
    store = clients
    assert consent.status(store, "C-2K7Q3A")["research"].describe() == "not asked yet"
    consent.record(store, "C-2K7Q3A", "research", "give", via="home", at="2026-03-02 10:00")
    done = consent.record(store, "C-2K7Q3A", "research", "withdraw", via="workbook", at="2026-04-01 18:30")
    assert not done.current and done.describe() == "withdrawn on 2026-04-01 (version 1.0, from the workbook)"
    given = consent.record(store, "C-2K7Q3A", "treatment", "give", via="cli")
    assert given.current
    history = store.consents("C-2K7Q3A")
    assert [(c.kind, c.decision, c.via) for c in history] == [("research", "given", "home"),
                                                              ("research", "withdrawn", "workbook"),
                                                              ("treatment", "given", "cli")]
    assert all(c.recorded_by == store.actor and c.text_version == "1.0" for c in history)


def test_a_new_major_version_of_the_text_asks_again(clients, monkeypatch):
    store = clients
    consent.record(store, "C-3K7Q3B", "research", "give", via="cli")
    assert consent.research_consented(store) == {"C-3K7Q3B"}
    newer = texts.consent_text("research").model_copy(update={"version": "1.1"})
    monkeypatch.setattr(consent, "consent_text", lambda kind: newer)
    assert consent.status(store, "C-3K7Q3B")["research"].current                # a wording fix keeps it
    monkeypatch.setattr(consent, "consent_text", lambda kind: newer.model_copy(update={"version": "2.0"}))
    status = consent.status(store, "C-3K7Q3B")["research"]
    assert not status.current and "today's text is 2.0: ask again" in status.describe()
    assert consent.research_consented(store) == set()


@pytest.mark.parametrize("kind, action, at, message", [
    ("research", "give", "next tuesday", "is not a date and time"),
    ("research", "give", "2099-01-01 10:00", "is in the future"),
    ("marketing", "give", None, "Unknown consent 'marketing'"),
    ("research", "maybe", None, "Unknown decision 'maybe'"),
])
def test_bad_requests_say_what_is_wrong_and_record_nothing(clients, kind, action, at, message):
    with pytest.raises(consent.ConsentError, match=message):
        consent.record(clients, "C-2K7Q3A", kind, action, via="cli", at=at)
    assert clients.consents("C-2K7Q3A") == []


def test_the_records_are_append_only(clients):
    consent.record(clients, "C-2K7Q3A", "research", "give", via="cli")
    with pytest.raises(Exception, match="append-only|permission|denied"):
        with clients._write() as db:
            db.execute("UPDATE consents SET decision = 'withdrawn'")
    assert clients.consents("C-2K7Q3A")[0].decision == "given"


def test_the_export_takes_only_clients_whose_research_consent_is_current(clients, tmp_path):
    from securebase import content
    from securebase.journal.entries import save_entry

    store = clients
    sie = content.program("sie")
    for code in ("C-2K7Q3A", "C-3K7Q3B", "C-4K7Q3C"):
        save_entry(store, code, sie, "signal_scan", {"slot": "midday", "body_signals": {"chest": "threat"},
                                                      "felt_safety": 5}, occurred_at="2026-03-03 12:00")
    consent.record(store, "C-2K7Q3A", "research", "give", via="cli")
    consent.record(store, "C-3K7Q3B", "research", "give", via="cli")
    consent.record(store, "C-3K7Q3B", "research", "withdraw", via="workbook")   # withdrawn: left out
    consent.record(store, "C-4K7Q3C", "treatment", "give", via="cli")           # treatment only: left out
    result = export_research(store, tmp_path / "x", key_dir=tmp_path / "k", k=1)
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert manifest["counts"]["people"] == 1 and manifest["counts"]["people_without_research_consent"] == 2
    from securebase.research.deidentify import read_key_file

    assert [client for client, _ in read_key_file(result.key_file).values()] == ["C-2K7Q3A"]


@pytest.mark.sqlite_only
def test_cli_show_and_a_missing_kind(clients, capsys):
    assert cli.main(["consent", "give", "C-2K7Q3A", "--kind", "treatment", "--store", str(clients.path)]) == 0
    assert cli.main(["consent", "show", "C-2K7Q3A", "--store", str(clients.path)]) == 0
    out = capsys.readouterr().out
    assert "C-2K7Q3A: treatment consent given on" in out and "C-2K7Q3A: research consent not asked yet (not current)" in out
    assert cli.main(["consent", "give", "C-2K7Q3A", "--store", str(clients.path)]) == 2
    assert "--kind treatment or --kind research" in capsys.readouterr().err


def test_a_decision_entered_later_but_dated_earlier_does_not_override_a_later_one(clients):
    store = clients
    consent.record(store, "C-2K7Q3A", "research", "withdraw", via="workbook", at="2026-11-20 09:00")
    consent.record(store, "C-2K7Q3A", "research", "give", via="home", at="2026-10-01 09:00")   # a paper form, typed in
    assert not consent.status(store, "C-2K7Q3A")["research"].current
    assert consent.research_consented(store) == set()
