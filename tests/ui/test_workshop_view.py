"""The live workshop's widgets, driven in plain Python as a facilitator would in the browser:
Play ticks are simulated by setting ``play.value``; buttons by ``.click()``."""

from __future__ import annotations

import base64
import json
from datetime import datetime

import ipywidgets as w
import pytest

from securebase import content
from securebase import workshop as W
from securebase.notebook.workshop import WorkshopSession
from securebase.store import Store
from securebase.ui.workshop import AgendaView, PollView, ResultsView, SegmentTimer, poll_chart_figure, poll_chart_png

LOC = content.locale("en")
NOW = datetime(2026, 3, 2, 10, 0)
PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture
def asb_plan():
    return W.plan_agenda(W.workshop("asb_intro"), NOW)


@pytest.fixture
def session(tmp_path):
    clock = {"now": datetime(2026, 3, 2, 10, 35)}
    ws = WorkshopSession("asb_intro", store_path=str(tmp_path / "s.db"), session_id="group-1", start_time="10:00",
                           results_path=str(tmp_path / "results.json"), now=lambda: clock["now"])
    ws.clock = clock
    yield ws
    ws.close()


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def _assert_accessible(root) -> None:
    """Every input has a visible label and every button says what it does."""
    inputs = (w.Text, w.RadioButtons, w.Checkbox, w.Play, w.IntProgress, w.Dropdown, w.Textarea)
    for widget in _walk(root):
        if isinstance(widget, inputs):
            assert widget.description.strip(), f"{type(widget).__name__} has no label"
        if isinstance(widget, w.Button):
            assert len(widget.description.split()) >= 2 and widget.tooltip, f"button {widget.description!r} is not descriptive"


# ---------------------------------------------------------------- timers


def test_timer_follows_play_ticks(asb_plan):
    ticks = []
    timer = SegmentTimer(asb_plan.segment("timeout_demo"), LOC, on_tick=ticks.append)
    assert timer.play.max == 1200 and timer.play.interval == 1000 and not timer.play.show_repeat
    assert timer.remaining.value == "Ready: 20:00"
    timer.play.value = 90                      # what the browser does once a second
    assert timer.remaining.value == "18:30 left of 20:00" and timer.progress.value == 90
    assert timer.progress.bar_style == "info" and ticks == [timer]
    timer.play.value = 1150
    assert timer.progress.bar_style == "warning" and timer.remaining.value == "0:50 left of 20:00"
    timer.play.value = 1200
    assert timer.done and timer.remaining.value == "Time is up for A timeout, acted out."
    assert timer.progress.bar_style == "danger"


def test_start_pause_and_reset_buttons(asb_plan):
    timer = SegmentTimer(asb_plan.segment("grounding"), LOC)
    assert timer.start_button.description == "Start timer" and timer.reset_button.description == "Reset timer"
    timer.start_button.click()
    assert timer.play.playing and timer.start_button.description == "Pause timer"
    timer.play.value = 42
    timer.start_button.click()
    assert not timer.play.playing and timer.play.value == 42 and timer.start_button.description == "Resume timer"
    timer.start_button.click()
    assert timer.play.playing
    timer.reset_button.click()
    assert not timer.play.playing and timer.play.value == 0 and timer.start_button.description == "Start timer"
    assert timer.remaining.value.startswith("Ready: 5:00")
    timer.play.value = 300                         # ran out: the browser stops playing by itself
    timer.play.playing = False
    timer.start_button.click()                     # starting again starts from the full time
    assert timer.play.value == 0 and timer.play.playing


def test_agenda_shows_planned_times_and_replans(asb_plan):
    now = {"at": datetime(2026, 3, 2, 10, 35)}
    view = AgendaView(W.workshop("asb_intro"), asb_plan, LOC, now=lambda: now["at"])
    assert view.start_input.value == "10:00"
    assert view.start_message.layout.display == "none" and view.pace.layout.display == "none"   # empty lines take no room
    assert all(t.play.layout.display == "none" for t in view.timers.values())   # the labelled buttons drive the clock
    assert view.times["timeout_demo"].value == "10:30-10:50 (20 min)"
    assert view.summary.value == "Planned: 90 minutes, 10:00 to 11:30."
    view.timers["timeout_demo"].play.value = 120   # 2 minutes in at 10:35: 3 minutes behind
    assert view.pace.value == "At this pace the session ends at 11:33, 3 min later than planned."
    view.start_input.value = "10:15"
    assert view.times["timeout_demo"].value == "10:45-11:05 (20 min)" and view.start_message.value == ""
    assert view.summary.value == "Planned: 90 minutes, 10:15 to 11:45."
    assert view.timers["timeout_demo"].play.value == 120    # re-planning keeps the time used
    view.start_input.value = "quarter past"
    assert "write it as HH:MM" in view.start_message.value and view.start_message.layout.display is None
    assert view.times["timeout_demo"].value == "10:45-11:05 (20 min)"
    _assert_accessible(view.widget)


def test_agenda_text_is_escaped(tmp_path):
    data = {"id": "x", "title": "<script>alert(1)</script>", "program": "asb",
            "segments": [{"id": "a", "title": "<b>bold</b>", "minutes": 5, "description": "a & b <i>"}],
            "polls": [{"id": "p", "question": "<img src=x>?",
                       "options": [{"value": "a", "label": "<u>A</u>"}, {"value": "b", "label": "B"}]}]}
    ws = W.Workshop.model_validate(data, context={"programs": content.programs()})
    view = AgendaView(ws, W.plan_agenda(ws, NOW), LOC)
    html = " ".join(x.value for x in _walk(view.widget) if isinstance(x, w.HTML))
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>bold" not in html and "&lt;b&gt;bold" in html and "a &amp; b &lt;i&gt;" in html
    with Store(tmp_path / "s.db") as store:
        poll = PollView(ws.poll("p"), store, "s", loc=LOC)
        assert "<img" not in poll.question.value and "&lt;img src=x&gt;?" in poll.question.value
        assert poll.choice.options[0] == ("<u>A</u>", "a")   # option labels are plain text (textContent), not HTML


# ---------------------------------------------------------------- polls


def _chart_text(view: PollView) -> str:
    return view.chart.outputs[0]["data"]["text/plain"]


def _chart_png(view: PollView) -> bytes:
    return base64.b64decode(view.chart.outputs[0]["data"]["image/png"])


def test_submit_records_one_answer_clears_the_choice_and_redraws(session):
    view = PollView(session.workshop.poll("first_move"), session.store, session.session_id, loc=LOC,
                    segment_title="Two healthy pulls")
    assert view.choice.description == "Your answer" and view.choice.value is None
    assert "During: Two healthy pulls" in view.question.value
    assert view.total.value == "Answers so far: fewer than 5"
    assert _chart_png(view).startswith(PNG)
    first = _chart_png(view)

    view.submit_button.click()                     # nothing chosen: nothing recorded
    assert view.status.value == "Choose an answer first."
    assert session.store.poll_counts("group-1", "first_move") == {}

    for option in ["pursue"] * 6 + ["withdraw"] * 3 + ["attack"] * 2:
        view.choice.value = option
        view.submit_button.click()
        assert view.choice.value is None           # cleared for the next person
    assert view.status.value.startswith("Answer recorded")
    assert session.store.poll_counts("group-1", "first_move") == {"pursue": 6, "withdraw": 3, "attack": 2}
    assert view.total.value == "Answers so far: 11"
    text = _chart_text(view)
    assert "Pursued - reached for them harder (more messages, pressing for an answer): 6" in text
    assert "Withdrew - pulled back, went quiet or left: fewer than 5" in text
    assert " 3" not in text and " 2" not in text and ": 0" not in text
    assert _chart_png(view) != first               # redrawn
    _assert_accessible(view.widget)


def test_results_can_be_hidden_and_refreshed_from_other_devices(session, tmp_path):
    view = PollView(session.workshop.poll("reconnection_phrase"), session.store, session.session_id, loc=LOC)
    view.show.value = False
    assert view.total.value == "" and "Results are hidden" in _chart_text(view)
    assert "image/png" not in view.chart.outputs[0]["data"]
    view.show.value = True
    with Store(session.store.path) as other:       # answers given on another device, same store
        for _ in range(5):
            other.add_poll_vote("group-1", "reconnection_phrase", "listen_first")
        for _ in range(5):
            other.add_poll_vote("group-1", "reconnection_phrase", "still_us")
    assert view.total.value == "Answers so far: fewer than 5"
    view.refresh_button.click()
    assert view.total.value == "Answers so far: 10" and "I'd like to hear your side first.: 5" in _chart_text(view)


def test_chart_draws_hidden_counts_as_fixed_placeholders():
    poll = W.workshop("sie_intro").poll("common_triggers")
    result = W.poll_result(poll, {"slow_reply": 9, "partner_away": 3, "attention_elsewhere": 6,
                                  "criticism_conflict": 2, "reminder_of_past": 7})
    fig = poll_chart_figure(result, LOC)
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == len(W.poll_options(poll))
    hidden = [b for b in bars if b.get_hatch()]
    assert {b.get_width() for b in hidden} == {5.0}                       # fixed height, never the count
    assert sorted(b.get_width() for b in bars if not b.get_hatch()) == [6.0, 7.0, 9.0]
    texts = [t.get_text() for t in ax.texts] + [t.get_text() for t in ax.get_yticklabels()]
    texts += [ax.get_xlabel(), fig.get_suptitle()] + [t.get_text() for t in fig.legends[0].get_texts()]
    numbers = [int(tok) for t in texts for tok in t.replace(":", " ").split() if tok.isdigit()]
    assert all(n >= 5 for n in numbers), numbers                         # no count below k anywhere on the chart
    assert texts.count("fewer than 5") == len(hidden) and ax.get_xticks().size == 0
    assert "fewer than 5 answers" in fig.legends[0].get_texts()[0].get_text()
    assert poll_chart_png(result, LOC).startswith(PNG)


# ---------------------------------------------------------------- the session's cells


def test_session_cells_in_interactive_mode(session):
    agenda = session.agenda()
    polls = session.polls()
    results = session.results()
    assert isinstance(agenda, w.VBox) and isinstance(polls, w.VBox) and isinstance(results, w.VBox)
    assert session.intro().data.startswith("<h2>Closeness and space")
    polls_view = session._views["polls"]
    assert list(polls_view.polls) == ["body_signals", "first_move", "reconnection_phrase"]
    phrase = polls_view.polls["reconnection_phrase"]
    for option in ["ready_again"] * 5 + ["own_part"] * 4 + ["sit_together"]:
        phrase.choice.value = option
        phrase.submit_button.click()
    view: ResultsView = session._views["results"]
    view.save_button.click()
    assert view.status.value == f"Results written to {session.results_path}"
    document = json.loads(session.results_path.read_text())
    rows = {r["id"]: r["count"] for r in document["polls"][2]["options"]}
    assert rows == {"ready_again": 5, "still_us": None, "listen_first": None, "sit_together": None, "own_part": None}
    assert document["plan"]["start"] == "10:00"
    _assert_accessible(agenda)
    _assert_accessible(polls)
    _assert_accessible(results)
