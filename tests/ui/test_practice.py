"""Guided practices and timers, driven in plain Python like a person would in the browser."""

import pytest

from securebase import content
from securebase.ui.practice import Timer
from securebase.notebook.workbook import Workbook


@pytest.fixture
def wb(tmp_path):
    return Workbook("sie", "acceptance", client_id="C-8001", store_path=str(tmp_path / "s.db"))


def _rate(field, value):
    field.set(value)


def test_acceptance_practice_walks_step_by_step_and_saves(wb):
    form = wb.form("acceptance_practice")
    guide = form.guide
    assert guide is not None and guide.page == 0
    first_page_text = guide.body.children[0].children[0].value
    assert "Step 1 of 6" in first_page_text and "mild" in first_page_text
    # Next without the required answers stays on the page and says what is missing
    guide.next_button.click()
    assert guide.page == 0 and "needs an answer" in form.fields["experience"].error.value
    form.fields["experience"].set("A short wait for a reply this morning")
    _rate(form.fields["intensity_before"], 4)
    guide.next_button.click()
    assert guide.page == 1
    form.fields["body_location"]._parts[next(iter(form.fields["body_location"]._parts))].value = True
    guide.next_button.click()
    guide.next_button.click()  # the breathing step has no questions
    guide.next_button.click()
    assert guide.page == 4
    _rate(form.fields["intensity_after"], 2)
    form.fields["what_changed"].set("It softened after a minute")
    guide.next_button.click()
    assert guide.page == 5 and guide.next_button.layout.display == "none"
    assert "Change in intensity (after - before):</strong> -2" in form.derived.value
    form.save_button.click()
    saved = wb.store.current_entries("C-8001", exercise_id="acceptance_practice")
    assert len(saved) == 1 and saved[0].data["intensity_before"] == 4 and saved[0].data["intensity_after"] == 2
    assert guide.page == 0 and form.fields["experience"].get() == ""
    assert "-2" in form.history.value  # the computed change is shown in the history


def test_save_with_a_problem_returns_to_its_step(wb):
    form = wb.form("acceptance_practice")
    form.fields["experience"].set("A mild moment")
    form.fields["intensity_before"].set(3)
    form.guide.go(5)
    form.save_button.click()
    assert "needs an answer" in form.status.value or "Not saved" in form.status.value
    assert form.guide.page == 1  # body_location, the first missing answer, lives on step 2


def test_grounding_records_each_sense_and_intensities(wb):
    form = wb.form("grounding_54321")
    pages = [f for f in form.guide.page_fields]
    assert pages[0] == ["intensity_before", "seen"] and pages[4] == ["tasted", "intensity_after"]
    boxes = form.fields["seen"]._parts
    assert len(boxes) == 5 and len(form.fields["touched"]._parts) == 4 and len(form.fields["heard"]._parts) == 3
    form.fields["intensity_before"].set(7)
    form.fields["seen"].set(["lamp", "window", "mug", "plant", "book"])
    form.fields["touched"].set(["desk", "sleeve", "keys", "cushion"])
    form.fields["heard"].set(["rain", "fridge", "traffic"])
    form.fields["smelled"].set(["coffee"])
    form.fields["intensity_after"].set(3)
    form.save_button.click()
    entry = wb.store.current_entries("C-8001", exercise_id="grounding_54321")[0]
    assert entry.data["seen"] == ["lamp", "window", "mug", "plant", "book"] and entry.data["smelled"] == ["coffee"]
    assert (entry.data["intensity_before"], entry.data["intensity_after"]) == (7, 3)


def test_grounding_needs_five_things_seen(wb):
    form = wb.form("grounding_54321")
    form.fields["intensity_before"].set(6)
    form.fields["seen"].set(["lamp", "window"])
    form.guide.next_button.click()
    assert form.guide.page == 0 and "needs at least 5 items, but has 2" in form.fields["seen"].error.value


def test_timer_counts_down_and_finishes():
    loc = content.locale("en")
    timer = Timer(30, loc)
    assert "0:30" in timer.label.value and not timer.done
    timer.play.value = 12
    assert timer.label.value == "0:18 left"
    timer.play.value = 30
    assert timer.done and "Time is up" in timer.label.value


def test_savouring_has_a_30_second_timer(tmp_path):
    wb = Workbook("sie", "values_action", client_id="C-8002", store_path=str(tmp_path / "s.db"))
    form = wb.form("savouring")
    assert form.guide.timer is not None and form.guide.timer.seconds == 30
    timer_page = next(i for i, page in enumerate(form.guide.pages) if form.guide.timer.widget in page.children)
    assert timer_page == 2


def test_meditation_has_a_five_minute_timer(tmp_path):
    wb = Workbook("sie", "integration", client_id="C-8003", store_path=str(tmp_path / "s.db"))
    form = wb.form("security_meditation")
    assert form.guide.timer.seconds == 300 and "5:00" in form.guide.timer.label.value


def test_defusion_shows_the_rephrased_thought_as_you_type(tmp_path):
    wb = Workbook("sie", "restructuring", client_id="C-8004", store_path=str(tmp_path / "s.db"))
    form = wb.form("defusion")
    form.fields["thought"].control.value = "Nobody will ever stay with me!"
    assert "I&#x27;m having the thought that nobody will ever stay with me." in form.derived.value
    form.fields["thought"].control.value = "<b>bold</b>"
    assert "<b>" not in form.derived.value
    form.save_button.click()
    assert "I&#x27;m having the thought that &lt;b&gt;bold&lt;/b&gt;." in form.history.value


def test_values_ranking_offers_only_picked_values(tmp_path):
    wb = Workbook("sie", "values_action", client_id="C-8005", store_path=str(tmp_path / "s.db"))
    form = wb.form("values_clarification")
    ranking = form.fields["value_ranking"]
    first = next(iter(ranking._parts.values()))
    assert [v for _l, v in first.options] == [None]
    for value in ("trust", "courage", "honesty", "warmth"):
        form.fields["values"]._parts[value].value = True
    assert [v for _l, v in first.options] == [None, "trust", "honesty", "courage", "warmth"]
    ranking.set(["courage", "trust", "honesty"])
    form.fields["values"]._parts["trust"].value = False  # un-picking clears that place
    assert ranking.get() == ["courage", "honesty"]
    form.fields["values"]._parts["trust"].value = True
    ranking.set(["courage", "trust", "honesty"])
    for fid, text in (("secure_self", "I would ask directly"), ("what_i_value", "Honesty and warmth"),
                      ("small_step", "Say one feeling aloud")):
        form.fields[fid].set(text)
    form.save_button.click()
    entry = wb.store.current_entries("C-8005", exercise_id="values_clarification")[0]
    assert entry.data["value_ranking"] == ["courage", "trust", "honesty"]
    assert "1. Courage" in form.history.value


def test_safety_statement_suggestions_fill_the_field(tmp_path):
    wb = Workbook("sie", "restructuring", client_id="C-8006", store_path=str(tmp_path / "s.db"))
    form = wb.form("safety_statements")
    field = form.fields["statement"]
    example = field.suggestion.options[1][1]
    field.suggestion.value = example
    assert field.get() == example and field.suggestion.value is None


def test_prediction_error_is_shown_once_both_ratings_exist(tmp_path):
    wb = Workbook("sie", "values_action", client_id="C-8007", store_path=str(tmp_path / "s.db"))
    form = wb.form("behavioural_experiment")
    form.fields["predicted_intensity"].set(8)
    assert form.derived.value == ""
    form.fields["actual_intensity"].set(3)
    assert "Prediction error (predicted - felt):</strong> +5" in form.derived.value
