"""The session summary and homework handout: what it adds up, what it shows, and that client
text can never become markup, script, a link or a template expression on the page."""

from __future__ import annotations

import json
import re
from datetime import date
from html.parser import HTMLParser

import pytest

from securebase.journal.entries import revise_entry, save_entry
from securebase.core.errors import NotFoundError
from securebase.reports.handout import NOTE_LIMIT, TEXT_LIMIT, build_handout, shorten, write_handout
from securebase.reports.render import PRINT_SCRIPT, PRINT_SCRIPT_HASH

TODAY = date(2026, 3, 20)  # a Friday, in the past, so that entries up to it are accepted


def journal(intensity: int, text: str = "No reply for three hours") -> dict:
    return {
        "trigger": text, "trigger_type": "slow_reply", "emotions": ["fear"],
        "automatic_thoughts": "They have lost interest.", "behaviour": "Sent more messages.",
        "intensity": intensity,
    }


def experiment(probability: int, predicted: int, actual: int | None) -> dict:
    answers = {
        "planned_action": "Wait an hour before a second message.", "value_served": "courage",
        "feared_prediction": "They will be annoyed.", "prediction_probability": probability,
        "predicted_intensity": predicted,
    }
    if actual is not None:
        answers.update(carried_out=True, what_happened="Nothing bad.", actual_intensity=actual)
    return answers


def statement(text: str, status: str = "active") -> dict:
    return {"statement": text, "status": status}


def values(ranking: list[str]) -> dict:
    return {
        "secure_self": "I would ask for what I need.", "what_i_value": "Being known.",
        "values": sorted(set(ranking) | {"trust"}), "value_ranking": ranking,
        "small_step": "Tell them one thing I appreciate.",
    }


# ---------------------------------------------------------------- the session summary


@pytest.fixture
def summary_client(store, sie):
    cid = "C-5001"
    store.ensure_client(cid, program_id="sie", start_date=date(2026, 3, 1))  # day 20 on TODAY: restructuring
    save = lambda ex, answers, when: save_entry(store, cid, sie, ex, answers, occurred_at=when)  # noqa: E731
    # insecurity journal: one just before the window, three inside (one revised), one deleted, one after
    save("insecurity_pattern_journal", journal(10), "2026-03-12 23:59")
    save("insecurity_pattern_journal", journal(8), "2026-03-13 09:00")          # first day of the window
    edited = save("insecurity_pattern_journal", journal(5), "2026-03-16 18:30")
    revise_entry(store, sie, edited.entry_id, journal(2))                       # the revision counts: 2
    save("insecurity_pattern_journal", journal(6), "2026-03-20 08:00")          # today, inside
    gone = save("insecurity_pattern_journal", journal(9), "2026-03-17 12:00")
    store.delete_entry(gone.entry_id)
    save("insecurity_pattern_journal", journal(1), "2026-03-21 10:00")          # after today
    # signal scan: felt safety 4 and 7
    body = {"chest": "threat", "hands": "safety"}
    save("signal_scan", {"slot": "midday", "body_signals": body, "felt_safety": 4}, "2026-03-14 12:00")
    save("signal_scan", {"slot": "evening", "body_signals": body, "felt_safety": 7}, "2026-03-14 21:00")
    # values experiments: prediction errors 8-3=5 and 6-6=0; the third has no outcome yet
    save("behavioural_experiment", experiment(70, 8, 3), "2026-03-15 10:00")
    save("behavioural_experiment", experiment(40, 6, 6), "2026-03-18 10:00")
    save("behavioural_experiment", experiment(90, 7, None), "2026-03-19 10:00")
    return cid


def test_summary_counts_and_means_are_hand_computed(store, sie, summary_client):
    ctx = build_handout(store, sie, summary_client, today=TODAY)
    assert ctx["since"] == "2026-03-13" and ctx["today"] == "2026-03-20"  # default: seven days back
    blocks = {b["exercise_id"]: b for b in ctx["summary"]["exercises"]}
    assert list(blocks) == ["insecurity_pattern_journal", "signal_scan", "behavioural_experiment"]  # program order
    assert ctx["summary"]["total_entries"] == 3 + 2 + 3

    pattern = blocks["insecurity_pattern_journal"]
    assert pattern["count"] == 3                       # 8, 2 (revised from 5), 6; not 10, 9 (deleted) or 1
    assert pattern["ratings"] == [
        {"field_id": "intensity", "label": "Intensity", "mean": 5.33, "n": 3, "min": 0, "max": 10}
    ]
    scan = blocks["signal_scan"]
    assert scan["count"] == 2 and [(r["field_id"], r["mean"], r["n"]) for r in scan["ratings"]] == [("felt_safety", 5.5, 2)]

    exp = blocks["behavioural_experiment"]
    assert exp["count"] == 3
    means = {r["field_id"]: (r["mean"], r["n"]) for r in exp["ratings"]}
    assert means == {
        "prediction_probability": (66.67, 3),          # (70 + 40 + 90) / 3
        "predicted_intensity": (7.0, 3),               # (8 + 6 + 7) / 3
        "actual_intensity": (4.5, 2),                  # (3 + 6) / 2
    }
    assert exp["derived"] == [
        {"name": "prediction_error", "label": "Prediction error (predicted - felt)", "mean": 2.5, "n": 2}
    ]
    assert json.loads(json.dumps(ctx)) == ctx          # JSON-safe all the way down


def test_only_entries_inside_the_window_are_counted(store, sie, summary_client):
    ctx = build_handout(store, sie, summary_client, today=TODAY, since=date(2026, 3, 16))
    blocks = {b["exercise_id"]: b for b in ctx["summary"]["exercises"]}
    assert blocks["insecurity_pattern_journal"]["count"] == 2          # 16th (revised to 2) and 20th (6)
    assert blocks["insecurity_pattern_journal"]["ratings"][0]["mean"] == 4.0
    assert "signal_scan" not in blocks                                 # both on the 14th
    assert blocks["behavioural_experiment"]["count"] == 2
    assert blocks["behavioural_experiment"]["derived"][0]["mean"] == 0.0  # only 6 - 6 has an outcome

    narrow = build_handout(store, sie, summary_client, today=date(2026, 3, 12), since=date(2026, 3, 12))
    assert [(b["exercise_id"], b["count"]) for b in narrow["summary"]["exercises"]] == [("insecurity_pattern_journal", 1)]
    assert narrow["summary"]["exercises"][0]["ratings"][0]["mean"] == 10.0

    empty = build_handout(store, sie, summary_client, today=date(2026, 3, 5))
    assert empty["summary"]["exercises"] == [] and empty["summary"]["total_entries"] == 0
    with pytest.raises(ValueError):
        build_handout(store, sie, summary_client, today=TODAY, since=date(2026, 3, 21))
    with pytest.raises(NotFoundError):
        build_handout(store, sie, "C-0000", today=TODAY)


# ---------------------------------------------------------------- the client's own words


@pytest.fixture
def words_client(store, sie):
    cid = "C-5002"
    store.ensure_client(cid, program_id="sie", start_date=date(2026, 1, 1))  # day 79 on TODAY: integration
    save = lambda ex, answers, when: save_entry(store, cid, sie, ex, answers, occurred_at=when)  # noqa: E731
    save("safety_statements", statement("An alarm is not a report on the facts."), "2026-01-20 10:00")
    save("safety_statements", statement("Old hurts are history.", "retired"), "2026-01-21 10:00")
    later_retired = save("safety_statements", statement("They always come back."), "2026-01-22 10:00")
    revise_entry(store, sie, later_retired.entry_id, statement("They always come back.", "retired"))
    deleted = save("safety_statements", statement("A deleted statement."), "2026-01-23 10:00")
    store.delete_entry(deleted.entry_id)
    back = save("safety_statements", statement("I can wait for an answer.", "retired"), "2026-01-24 10:00")
    revise_entry(store, sie, back.entry_id, statement("I can wait for an answer and still be all right."))
    save("values_clarification", values(["trust", "honesty", "courage"]), "2026-02-01 10:00")
    save("values_clarification", values(["courage", "kindness", "trust"]), "2026-02-10 10:00")
    save("maintenance_plan", {"checkin_weekday": "monday", "appreciation_day": 1}, "2026-02-16 10:00")
    save("maintenance_plan", {"checkin_weekday": "wednesday", "appreciation_day": 15}, "2026-02-20 10:00")
    return cid


def test_active_safety_statements_only_latest_revision(store, sie, words_client):
    ctx = build_handout(store, sie, words_client, today=TODAY)
    texts = [s["text"] for s in ctx["safety_statements"]["statements"]]
    assert texts == ["An alarm is not a report on the facts.", "I can wait for an answer and still be all right."]
    assert ctx["safety_statements"]["not_shown"] == 0


def test_values_ranking_as_labels_from_the_latest_entry(store, sie, words_client):
    ranking = build_handout(store, sie, words_client, today=TODAY)["values_ranking"]
    assert ranking["recorded_on"] == "2026-02-10"
    assert [(v["place"], v["label"]) for v in ranking["ranking"]] == [
        (1, "Courage - doing what matters even when scared"),
        (2, "Kindness - care in small things"),
        (3, "Trust - giving and earning the benefit of the doubt"),
    ]


def test_maintenance_dates_come_from_the_latest_plan(store, sie, words_client, tmp_path):
    ctx = build_handout(store, sie, words_client, today=TODAY)
    plan = ctx["maintenance"]
    assert plan["recorded_on"] == "2026-02-20" and plan["checkin_weekday"] == "Wednesday"
    # Scheduling starts on day 46 = 2026-02-15: Wednesdays from 02-18, the 15th of each month
    # from 02-15, quarterly from 05-15. The next eight from TODAY (Friday 03-20):
    assert [(e["date"], e["kind"]) for e in plan["upcoming"]] == [
        ("2026-03-25", "weekly_checkin"),
        ("2026-04-01", "weekly_checkin"),
        ("2026-04-08", "weekly_checkin"),
        ("2026-04-15", "monthly_appreciation"),
        ("2026-04-15", "weekly_checkin"),
        ("2026-04-22", "weekly_checkin"),
        ("2026-04-29", "weekly_checkin"),
        ("2026-05-06", "weekly_checkin"),
    ]
    assert plan["upcoming"][0]["weekday"] == "Wednesday"
    assert plan["calendar"][:8] == plan["upcoming"] and len(plan["calendar"]) > 8
    assert all(e["date"] >= "2026-03-20" for e in plan["calendar"])

    files = write_handout(tmp_path / "out", ctx)
    ics = files["ics"].read_text()
    assert ics.startswith("BEGIN:VCALENDAR") and "DTSTART;VALUE=DATE:20260325" in ics
    assert "DTSTART;VALUE=DATE:20260318" not in ics                    # past dates are not handed out
    assert "DTSTART;VALUE=DATE:20260515" in ics                        # the first quarterly review
    page = files["html"].read_text()
    assert "2026-05-06" in page and "2026-05-13" not in page           # eight dates on the page
    assert "An alarm is not a report on the facts." in page and "Old hurts are history." not in page
    assert "Kindness - care in small things" in page


def test_no_plan_no_calendar(store, sie, summary_client, tmp_path):
    ctx = build_handout(store, sie, summary_client, today=TODAY)
    assert ctx["maintenance"] is None and ctx["values_ranking"] is None
    assert ctx["safety_statements"] == {"statements": [], "not_shown": 0}
    files = write_handout(tmp_path / "out", ctx)
    assert "ics" not in files and not (tmp_path / "out" / "maintenance.ics").exists()


# ---------------------------------------------------------------- homework


def test_homework_lists_the_current_phase_and_follows_an_override(store, sie):
    cid = "C-5003"
    store.ensure_client(cid, program_id="sie", start_date=date(2026, 3, 1))
    ctx = build_handout(store, sie, cid, today=date(2026, 3, 3))  # day 3: awareness
    assert ctx["position"]["phase_id"] == "awareness" and ctx["position"]["unit"] == 3
    assert ctx["position"]["source"] == "start_date"
    homework = ctx["homework"]["exercises"]
    assert [h["exercise_id"] for h in homework] == ["insecurity_pattern_journal", "signal_scan"]
    assert [h["title"] for h in homework] == ["Insecurity pattern journal", "Safety and threat signal scan"]
    assert [h["schedule"] for h in homework] == ["Whenever it happens", "Twice a day: Midday, Evening"]
    assert homework[0]["instructions"].startswith("Fill this in soon after a moment")
    assert "\n" not in homework[0]["instructions"]

    day_20 = build_handout(store, sie, cid, today=TODAY)["homework"]
    assert day_20["phase_id"] == "restructuring"
    assert [h["exercise_id"] for h in day_20["exercises"]] == ["thought_record", "safety_statements", "defusion"]

    store.update_client(cid, phase_override="values_action")
    ctx = build_handout(store, sie, cid, today=date(2026, 3, 3))
    assert ctx["position"]["phase_id"] == "values_action" and ctx["position"]["source"] == "override"
    assert ctx["position"]["scheduled_phase_id"] == "awareness"
    assert [h["exercise_id"] for h in ctx["homework"]["exercises"]] == [
        "values_clarification", "behavioural_experiment", "gratitude_log", "savouring"
    ]
    assert [h["schedule"] for h in ctx["homework"]["exercises"]][2] == "Once a day"

    store.update_client(cid, phase_override="safe_disclosure")   # a phase of the other program: ignored
    assert build_handout(store, sie, cid, today=date(2026, 3, 3))["homework"]["phase_id"] == "awareness"


def test_first_paragraph_of_multi_paragraph_instructions(store, sie, tmp_path):
    cid = "C-5004"
    store.ensure_client(cid, program_id="sie", start_date=date(2026, 3, 1))
    ctx = build_handout(store, sie, cid, today=date(2026, 3, 10), clinician_note="Try the grounding one first.")
    assert ctx["homework"]["phase_id"] == "acceptance"
    files = write_handout(tmp_path, ctx)
    page = files["html"].read_text()
    assert "Homework until next time: Step 2: Acceptance" in page
    assert "5-4-3-2-1 grounding" in page and "Try the grounding one first." in page


# ---------------------------------------------------------------- hostile text


HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "</script>",
    "{{ 7*7 }}",
    "{% if %}",
    "{% raw %}",
    "&amp;&lt;script&gt;",
]
LONG = "very long text " * 6667                 # 100,005 characters, no digits
AMPERSANDS = "&<" * 50_000                       # 100,000 characters that all need escaping


class PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.end_tags: list[str] = []
        self.text: list[str] = []
        self.items: list[str] = []          # text of each <li>
        self._in_li = False

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "li":
            self.items.append("")
            self._in_li = True

    def handle_startendtag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_endtag(self, tag):
        self.end_tags.append(tag)
        if tag == "li":
            self._in_li = False

    def handle_data(self, data):
        self.text.append(data)
        if self._in_li:
            self.items[-1] += data


@pytest.fixture
def hostile_client(store, sie):
    cid = "C-6601"
    store.ensure_client(cid, program_id="sie", start_date=date(2026, 1, 1))
    for i, payload in enumerate(HOSTILE):
        save_entry(store, cid, sie, "safety_statements", {"statement": payload, "status": "active", "origin": payload},
                   occurred_at=f"2026-03-1{i % 8 + 1} 10:00")
        # free text that never belongs on a handout
        save_entry(store, cid, sie, "insecurity_pattern_journal", journal(3, "JOURNAL-ONLY " + payload),
                   occurred_at="2026-03-18 10:00")
    # Text longer than the content allows, as an older content version or a damaged import could
    # leave it: written straight to the store, past validation.
    for text in (LONG, AMPERSANDS, "lone \x00\x1b controls"):
        store.add_entry(cid, program_id="sie", phase_id="restructuring", exercise_id="safety_statements",
                        content_version="1.0", data={"statement": text, "status": "active"},
                        occurred_at="2026-03-19T10:00:00")
    store.add_entry(cid, program_id="sie", phase_id="values_action", exercise_id="values_clarification",
                    content_version="1.0", occurred_at="2026-03-19T10:00:00",
                    data={"values": ["trust"], "value_ranking": ["<script>alert(1)</script>", "trust", LONG]})
    store.add_entry(cid, program_id="sie", phase_id="integration", exercise_id="maintenance_plan",
                    content_version="1.0", occurred_at="2026-03-19T10:00:00",
                    data={"checkin_weekday": "<svg onload=alert(1)>", "appreciation_day": "{{ 7*7 }}"})
    return cid


def test_hostile_text_is_inert_everywhere(store, sie, hostile_client, tmp_path):
    note = "\n".join(HOSTILE) + "\n" + LONG
    ctx = build_handout(store, sie, hostile_client, today=TODAY, clinician_note=note)
    assert ctx["maintenance"] is None                     # a plan that gives no dates is left off
    json.dumps(ctx)
    files = write_handout(tmp_path / "out", ctx)
    raw = files["html"].read_text(encoding="utf-8")

    page = PageParser()
    page.feed(raw)
    page.close()
    tags = [t for t, _ in page.tags]
    assert tags.count("script") == 1 and raw.count("<script") == 1      # the Print button's, nothing else
    assert f"<script>{PRINT_SCRIPT}</script>" in raw
    assert not {"img", "svg", "iframe", "object", "embed", "a", "form", "base", "link"} & set(tags)
    for tag, attrs in page.tags:
        assert not [name for name in attrs if name.lower().startswith("on")], (tag, attrs)
        for name in ("href", "src", "action", "formaction", "xlink:href"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith("javascript:"), (tag, attrs)
        assert "href" not in attrs                      # no client-provided links at all
    csp = next(a["content"] for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy")
    assert "default-src 'none'" in csp and f"script-src '{PRINT_SCRIPT_HASH}';" in csp   # no other script may run

    text = "".join(page.text)
    for payload in HOSTILE:                             # each payload is shown literally, as text
        assert payload in text
    assert "{{ 7*7 }}" in raw and "49" not in raw       # braces are not evaluated
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in raw
    assert "&amp;amp;&amp;lt;script&amp;gt;" in raw       # already-escaped text is escaped once more
    assert "JOURNAL-ONLY" not in raw                    # journal text is not handout material

    # every & starts a complete entity: shortening never split one
    assert not re.search(r"&(?!(?:amp|lt|gt|quot|middot|#\d+|#x[0-9a-fA-F]+);)", raw)
    # long text is shortened with an ellipsis, as a prefix of what the client wrote
    items = [i for i in page.items if i]               # statements and the ranking
    long_items = [(i, LONG) for i in items if i.startswith("very long text")]
    amp_items = [(i, AMPERSANDS) for i in items if i.startswith("&<")]
    assert len(long_items) == 2 and len(amp_items) == 1    # LONG is a statement and a ranked value
    for item, original in long_items + amp_items:
        assert item.endswith("…") and len(item) <= TEXT_LIMIT and original.startswith(item[:-1])
    assert any(i.startswith("lone ") and i.endswith("controls") for i in items)
    assert "\x00" not in raw and "\x1b" not in raw
    note_text = next(t for t in page.text if "{% raw %}" in t)
    assert len(note_text) <= NOTE_LIMIT and note_text.rstrip().endswith("…")
    # the ranking's labels come from content; an unknown stored value is shown as escaped text
    assert "Trust - giving and earning the benefit of the doubt" in text
    assert len(raw) < 40_000                            # 3 x 100,000 characters went in

    # WeasyPrint and Pango are dependencies (pyproject, Makefile): the PDF must be there
    assert "pdf" in files, files.get("pdf_unavailable")
    pdf = files["pdf"].read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) < 2_000_000
    pdf_text = pdf_plain_text(files["pdf"])
    assert hostile_client in pdf_text
    assert "<script>alert(1)</script>" in pdf_text and "{{ 7*7 }}" in pdf_text   # printed as text
    assert "JOURNAL-ONLY" not in pdf_text


def test_write_handout_bounds_a_hand_made_context(store, sie, tmp_path):
    cid = "C-6602"
    store.ensure_client(cid, program_id="sie", start_date=date(2026, 3, 1))
    ctx = build_handout(store, sie, cid, today=TODAY)
    ctx["clinician_note"] = "<script>x</script>" + "y" * 100_000     # not through build_handout
    ctx["homework"]["exercises"] *= 500
    files = write_handout(tmp_path, ctx)
    raw = files["html"].read_text()
    assert "<script>x" not in raw and "&lt;script&gt;x" in raw and len(raw) < 200_000


def pdf_plain_text(path) -> str:
    from pypdf import PdfReader

    return " ".join(" ".join(p.extract_text().split()) for p in PdfReader(str(path)).pages)


def test_pdf_is_written_private_and_readable(store, sie, words_client, tmp_path):
    files = write_handout(tmp_path, build_handout(store, sie, words_client, today=TODAY))
    assert files["html"].stat().st_mode & 0o077 == 0                 # owner-only, like the store
    assert "pdf" in files, files.get("pdf_unavailable")
    assert files["pdf"].read_bytes().startswith(b"%PDF-")
    assert files["pdf"].stat().st_mode & 0o077 == 0
    text = pdf_plain_text(files["pdf"])
    assert words_client in text and "Session summary and homework" in text


def test_pdf_renderer_fetches_nothing(monkeypatch, store, sie, words_client, tmp_path):
    """Even if a page somehow named an outside resource, the PDF renderer would not fetch it."""
    import weasyprint

    from securebase.reports import handout

    fetched: list[str] = []
    fetcher = handout._refusing_fetcher(weasyprint)
    html = '<img src="http://example.invalid/x.png"><link rel=stylesheet href="file:///etc/passwd"><p>ok</p>'
    real_fetch = type(fetcher).fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real_fetch(self, url, headers)

    monkeypatch.setattr(type(fetcher), "fetch", spy)
    pdf = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).write_pdf()
    assert pdf.startswith(b"%PDF-")
    assert fetched          # it was asked, and refused (a refusal raises inside WeasyPrint, which moves on)


def test_no_pdf_backend_still_writes_the_html(monkeypatch, store, sie, words_client, tmp_path):
    from securebase.reports import handout

    monkeypatch.setattr(handout, "pdf_backend", lambda: (None, "PDF not written: test"))
    files = write_handout(tmp_path, build_handout(store, sie, words_client, today=TODAY))
    assert files["html"].exists() and "pdf" not in files
    assert files["pdf_unavailable"] == "PDF not written: test"
    assert not (tmp_path / "handout.pdf").exists()


def test_shorten_never_splits_what_it_cuts():
    assert shorten("short") == "short"
    assert shorten("&" * 1000) == "&" * (TEXT_LIMIT - 1) + "…"
    accented = shorten("e\u0301" * 500)
    assert accented.endswith("e\u0301…") and len(accented) <= TEXT_LIMIT
    words = shorten("word " * 200)
    assert words.endswith("word…") and len(words) <= TEXT_LIMIT
    assert shorten("a\x00b\ud800c\r\nd") == "abc\nd"
