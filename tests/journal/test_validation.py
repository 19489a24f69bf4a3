from datetime import datetime

import pytest

from securebase.content import FieldSpec
from securebase.core.errors import EntryValidationError
from securebase.journal.validation import FieldProblem, parse_occurred_at, validate_answers, validate_field


def spec(**kw):
    return FieldSpec(id="f", label="Question", **kw)


RATING = spec(type="rating", min=0, max=10, min_label="low", max_label="high")
CHOICE = spec(type="choice", choices=[{"value": "a", "label": "Alpha"}, {"value": "b", "label": "Beta"}])


@pytest.mark.parametrize("value, expected", [(0, 0), (10, 10), ("7", 7), (7.0, 7)])
def test_rating_accepts(value, expected):
    assert validate_field(RATING, value) == expected


@pytest.mark.parametrize(
    "value, message",
    [
        (11, "must be from 0 to 10, but got 11"),
        (-1, "must be from 0 to 10, but got -1"),
        ("seven", "must be a whole number, but got 'seven'"),
        (7.5, "must be a whole number"),
        (True, "must be a whole number"),
        ([7], "must be a whole number"),
    ],
)
def test_rating_rejects(value, message):
    with pytest.raises(FieldProblem, match=message.replace("(", r"\(").replace(")", r"\)")):
        validate_field(RATING, value)


def test_text_is_normalised_and_bounded():
    short = spec(type="short_text", max_length=20)
    assert validate_field(short, "  two\r\nlines  ") == "two lines"
    long = spec(type="long_text")
    assert validate_field(long, "a\r\nb") == "a\nb"
    with pytest.raises(FieldProblem, match="is 21 characters long; the limit is 20"):
        validate_field(short, "x" * 21)
    with pytest.raises(FieldProblem, match="limit is 20,000"):
        validate_field(long, "x" * 1_000_000)


@pytest.mark.parametrize("bad", ["bell\x07", "nul\x00byte", "esc\x1b[31m", "del\x7f"])
def test_control_characters_are_refused(bad):
    with pytest.raises(FieldProblem, match=r"invisible control character \(U\+00"):
        validate_field(spec(type="long_text"), bad)


def test_unicode_that_is_text_is_kept():
    # right-to-left override and emoji are text, not control characters; they are stored as typed
    value = "abc\u202edef 🙂 \u00e9"
    assert validate_field(spec(type="short_text"), value) == value


def test_lone_surrogate_is_refused():
    with pytest.raises(FieldProblem, match="not valid text"):
        validate_field(spec(type="short_text"), "bad \ud800")


def test_choice_accepts_value_or_label_and_rejects_others():
    assert validate_field(CHOICE, "b") == "b"
    assert validate_field(CHOICE, "alpha") == "a"
    with pytest.raises(FieldProblem, match=r"'c' is not one of the options \(a, b\)"):
        validate_field(CHOICE, "c")


def test_multi_choice_dedupes_and_counts():
    multi = spec(type="multi_choice", choices=CHOICE.choices, max_items=1)
    assert validate_field(spec(type="multi_choice", choices=CHOICE.choices), ["a", "a", "b"]) == ["a", "b"]
    with pytest.raises(FieldProblem, match="at most 1 choices"):
        validate_field(multi, ["a", "b"])


def test_body_map():
    body = spec(type="body_map", choices=CHOICE.choices, states=[{"value": "threat", "label": "T"}, {"value": "safety", "label": "S"}])
    assert validate_field(body, {"b": "safety", "a": "", "Alpha": "threat"}) == {"a": "threat", "b": "safety"}
    with pytest.raises(FieldProblem, match="'calm' is not a state for a"):
        validate_field(body, {"a": "calm"})
    with pytest.raises(FieldProblem, match="must map body locations"):
        validate_field(body, ["a"])


@pytest.mark.parametrize("bad", ["2026-13-45", "yesterday", "03/04/2026", 20260304])
def test_malformed_date(bad):
    with pytest.raises(FieldProblem, match="is not a date; write it as YYYY-MM-DD"):
        validate_field(spec(type="date"), bad)


def test_time_and_boolean_and_number():
    assert validate_field(spec(type="time"), "7:05") == "07:05"
    with pytest.raises(FieldProblem, match="HH:MM"):
        validate_field(spec(type="time"), "25:00")
    assert validate_field(spec(type="boolean"), "yes") is True
    with pytest.raises(FieldProblem, match="yes or no"):
        validate_field(spec(type="boolean"), "maybe")
    with pytest.raises(FieldProblem, match="finite"):
        validate_field(spec(type="number"), float("nan"))


def test_text_list_counts_items():
    three = spec(type="text_list", min_items=3, max_items=3)
    assert validate_field(three, ["a", " ", "b", "c"]) == ["a", "b", "c"]
    with pytest.raises(FieldProblem, match="needs at least 3 items, but has 2"):
        validate_field(three, ["a", "b"])


def test_validate_answers_reports_every_problem(sie):
    journal = sie.phase("awareness").exercise("insecurity_pattern_journal")
    with pytest.raises(EntryValidationError) as err:
        validate_answers(journal, {"trigger": "x", "intensity": 12, "mood": "sad"})
    problems = err.value.problems
    assert "needs an answer" in problems["automatic_thoughts"]
    assert problems["intensity"] == "Enter a number from 0 to 10."      # plain words, under the field
    assert "no question with id 'mood'" in problems["mood"]
    assert "The entry was not saved" in str(err.value)


NOW = datetime(2026, 3, 10, 12, 0)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2026-03-09 18:30", "2026-03-09T18:30:00"),
        ("2026-03-09T18:30:15", "2026-03-09T18:30:15"),
        ("2026-03-09", "2026-03-09T12:00:00"),
        ("", "2026-03-10T12:00:00"),
        (None, "2026-03-10T12:00:00"),
    ],
)
def test_occurred_at(value, expected):
    assert parse_occurred_at(value, now=NOW) == expected


@pytest.mark.parametrize(
    "value, message",
    [("09/03/2026", "is not a date and time"), ("2026-02-30 10:00", "is not a date and time"),
     ("2027-01-01", "is in the future"), ("1850-01-01", "too far in the past"), (12, "must be a date and time")],
)
def test_occurred_at_rejects(value, message):
    with pytest.raises(EntryValidationError, match=message):
        parse_occurred_at(value, now=NOW)


def test_ranking_must_rank_picked_values_once(sie):
    exercise = sie.phase("values_action").exercise("values_clarification")
    base = {"secure_self": "a", "what_i_value": "b", "small_step": "c", "values": ["trust", "honesty", "courage", "warmth"]}
    assert validate_answers(exercise, {**base, "value_ranking": ["courage", "trust", "honesty"]})["value_ranking"] == [
        "courage", "trust", "honesty"]
    with pytest.raises(EntryValidationError) as err:
        validate_answers(exercise, {**base, "value_ranking": ["courage", "courage", "trust"]})
    assert "same option twice" in err.value.problems["value_ranking"]
    with pytest.raises(EntryValidationError) as err:
        validate_answers(exercise, {**base, "value_ranking": ["courage", "trust", "loyalty"]})
    assert "ranks 'loyalty', which you did not pick" in err.value.problems["value_ranking"]
    with pytest.raises(EntryValidationError) as err:
        validate_answers(exercise, {**base, "value_ranking": ["courage", "trust"]})
    assert "needs at least 3 ranked options" in err.value.problems["value_ranking"]


def test_body_map_state_of_the_wrong_type_is_a_clear_problem():
    body = spec(type="body_map", choices=CHOICE.choices, states=[{"value": "threat", "label": "T"}, {"value": "safety", "label": "S"}])
    with pytest.raises(FieldProblem, match=r"\['threat'\] is not a state for a"):
        validate_field(body, {"a": ["threat"]})
