"""Field types (securebase.content.fields): each registered type's content shape, cleaning,
text, widget, codebook entry and export rows; the registry itself."""

from __future__ import annotations

import copy
import pickle
import subprocess
import sys
from datetime import date, timedelta

import pytest
from pydantic import ValidationError

from securebase import content
from securebase.content import Exercise, FieldSpec, FieldType, Program, field_types
from securebase.content.fields import FieldKind, FieldProblem, FieldWidget
from securebase.research.codebook import dictionary_rows
from securebase.research.export import answer_rows
from securebase.journal.validation import validate_field

NAMES = ["short_text", "long_text", "text_list", "integer", "number", "rating", "choice", "multi_choice",
         "boolean", "date", "time", "body_map", "ranking"]
CH = ({"value": "a", "label": "Alpha"}, {"value": "b", "label": "Beta"}, {"value": "c", "label": "Gamma"})
ST = ({"value": "threat", "label": "Threat"}, {"value": "safety", "label": "Safety"})
SHAPES = {   # a valid field of each type: what the type needs
    "short_text": {}, "long_text": {}, "text_list": {"max_items": 3},
    "integer": {"min": 0, "max": 5}, "number": {"min": 0, "max": 5},
    "rating": {"min": 0, "max": 10, "min_label": "none", "max_label": "most"},
    "choice": {"choices": CH}, "multi_choice": {"choices": CH}, "boolean": {}, "date": {}, "time": {},
    "body_map": {"choices": CH, "states": ST}, "ranking": {"choices": CH, "max_items": 2},
}
SCALAR = "entries_long: one row per entry"


def spec(type_: str, **extra) -> FieldSpec:
    return FieldSpec(id=type_, type=type_, label=f"The {type_}", **{**SHAPES[type_], **extra})


def shifted(day: date) -> date:
    return day + timedelta(days=-10)


# type, raw answer, cleaned, as text, export rows (free text redacted), REDCap type and validation, long shape
CASES = [
    ("short_text", "  two\r\nlines ", "two lines", "two lines", [(None, None, "[redacted]", None)], ("text", ""), SCALAR),
    ("long_text", "a\r\nb", "a\nb", "a\nb", [(None, None, "[redacted]", None)], ("notes", ""), SCALAR),
    ("text_list", ["one", " ", "two"], ["one", "two"], "one / two",
     [(1, None, "[redacted]", None), (2, None, "[redacted]", None)], ("notes", ""), "one row per item"),
    ("integer", "4", 4, "4", [(None, None, "4", 4.0)], ("text", "integer"), SCALAR),
    ("number", "2.5", 2.5, "2.5", [(None, None, "2.5", 2.5)], ("text", "number"), SCALAR),
    ("rating", 7.0, 7, "7", [(None, None, "7", 7.0)], ("text", "integer"), SCALAR),
    ("choice", "beta", "b", "Beta", [(None, None, "b", None)], ("radio", ""), SCALAR),
    ("multi_choice", ["c", "a", "c"], ["c", "a"], "Gamma, Alpha", [(1, None, "c", None), (2, None, "a", None)],
     ("checkbox", ""), "one row per option picked"),
    ("boolean", "yes", True, "Yes", [(None, None, "1", 1.0)], ("yesno", ""), SCALAR),
    ("date", "2026-03-05", "2026-03-05", "2026-03-05", [(None, None, "2026-02-23", None)], ("text", "date_ymd"), SCALAR),
    ("time", "7:05", "07:05", "07:05", [(None, None, "07:05", None)], ("text", "time"), SCALAR),
    ("body_map", {"b": "safety", "Alpha": "threat", "c": ""}, {"a": "threat", "b": "safety"},
     "Alpha: Threat; Beta: Safety", [(None, "a", "threat", None), (None, "b", "safety", None)],
     ("checkbox", ""), "one row per location marked"),
    ("ranking", ["b", "Gamma"], ["b", "c"], "1. Beta > 2. Gamma", [(1, None, "b", None), (2, None, "c", None)],
     ("checkbox", ""), "one row per ranked option"),
]
BAD = [   # type, answer, the problem
    ("short_text", 5, "must be text, but got int 5"),
    ("long_text", "bell\x07", "invisible control character (U+0007) at position 5"),
    ("text_list", {"a": 1}, "must be a list of short texts"),
    ("text_list", ["a", "b", "c", "d"], "allows at most 3 items, but has 4"),
    ("integer", 6, "must be from 0 to 5, but got 6"),
    ("integer", 1.5, "must be a whole number, but got 1.5"),
    ("number", float("inf"), "must be a finite number"),
    ("number", True, "must be a number, but got True"),
    ("rating", "seven", "must be a whole number, but got 'seven'"),
    ("choice", "d", "'d' is not one of the options (a, b, c)"),
    ("multi_choice", 3, "must be a list of options, but got 3"),
    ("boolean", "maybe", "must be yes or no, but got 'maybe'"),
    ("date", "05/03/2026", "is not a date; write it as YYYY-MM-DD"),
    ("time", "24:00", "is not a time of day; write it as HH:MM"),
    ("body_map", {"a": "calm"}, "'calm' is not a state for a; use one of: safety, threat"),
    ("body_map", ["a"], "must map body locations to a state"),
    ("ranking", ["a", "a"], "names the same option twice"),
    ("ranking", ["a", "b", "c"], "allows at most 2 ranked options, but has 3"),
]


@pytest.fixture(scope="module")
def program() -> Program:
    """One exercise with a field of every type (field id = type name)."""
    return Program.model_validate({
        "id": "types", "title": "Every field type", "version": "1.0", "summary": "Test", "window_unit": "days",
        "phases": [{"id": "only", "number": 1, "title": "Only", "layer": "L", "window": {"start": 1}, "intro": "I",
                    "exercises": [{"id": "all", "kind": "journal", "title": "All", "instructions": "Answer.",
                                   "fields": [{"id": t, "type": t, "label": f"The {t}", **SHAPES[t]} for t in NAMES]}]}],
    })


@pytest.fixture(scope="module")
def codebook(program):
    return {r["Variable / Field Name"]: r for r in dictionary_rows([program])}


# ---------------------------------------------------------------- the registry


def test_the_built_in_types_are_registered_in_order():
    assert field_types.names() == tuple(NAMES) and len(field_types) == 13
    assert [t.value for t in FieldType] == NAMES          # the old enum's name still iterates the types
    assert FieldType is field_types and FieldType.rating is field_types.get("rating")
    assert all(isinstance(t, FieldKind) and str(t) == t.name for t in field_types)


def test_a_field_holds_the_registered_type_itself():
    s = spec("rating")
    assert s.type is FieldType.rating and FieldSpec(id="r", type=FieldType.rating, label="R", min=0, max=1).type is s.type
    assert s.model_dump()["type"] == "rating" and '"type":"rating"' in s.model_dump_json()
    assert copy.deepcopy(s).type is s.type and pickle.loads(pickle.dumps(s)).type is s.type


def test_an_unknown_type_is_refused_like_an_enum_value():
    with pytest.raises(KeyError, match="unknown field type 'essay'; the field types are: short_text, long_text"):
        field_types.get("essay")
    with pytest.raises(AttributeError, match="unknown field type 'essay'"):
        field_types.essay  # noqa: B018
    expected = ", ".join(repr(n) for n in NAMES[:-1]) + " or 'ranking'"
    for bad in ("essay", 5, None):
        with pytest.raises(ValidationError) as err:
            FieldSpec(id="f", type=bad, label="L")
        (problem,) = err.value.errors(include_url=False)
        assert (problem["type"], problem["loc"], problem["msg"]) == ("enum", ("type",), f"Input should be {expected}")


def test_registering_checks_the_class():
    class Incomplete(FieldKind):
        redcap_type = "text"

    class NoCodebook(FieldKind):
        def clean(self, spec, value, *, partial=False): return value
        def build_widget(self, spec, loc, kit): return FieldWidget(None)
        def export_rows(self, spec, value, *, show_text, shift_date): return None

    with pytest.raises(ValueError, match="already registered"):
        field_types.register("rating", type(FieldType.rating))
    with pytest.raises(ValueError, match="must be lower case"):
        field_types.register("Bad-Name", NoCodebook)
    with pytest.raises(TypeError, match="subclass of FieldKind"):
        field_types.register("plain", dict)
    with pytest.raises(TypeError, match="gives no redcap_type"):
        field_types.register("no_codebook", NoCodebook)
    with pytest.raises(TypeError, match="abstract"):
        field_types.register("incomplete", Incomplete)
    assert field_types.names() == tuple(NAMES)
    with pytest.raises(KeyError):
        field_types.unregister("incomplete")


def test_what_each_type_is():
    flags = {name: {flag for flag in ("is_free_text", "numeric", "has_choices", "list_like", "rated", "tallied",
                                      "poll_source", "takes_trend", "takes_suggestions", "takes_rank_from")
                    if getattr(field_types.get(name), flag)} for name in NAMES}
    assert {n for n, f in flags.items() if "is_free_text" in f} == {"short_text", "long_text", "text_list"}
    assert {n for n, f in flags.items() if "numeric" in f} == {"integer", "number", "rating"}
    assert {n for n, f in flags.items() if "has_choices" in f} == {"choice", "multi_choice", "body_map", "ranking"}
    assert {n for n, f in flags.items() if "list_like" in f} == {"text_list", "multi_choice", "body_map", "ranking"}
    assert {n for n, f in flags.items() if "rated" in f} == {n for n, f in flags.items() if "takes_trend" in f} == {"rating"}
    assert {n for n, f in flags.items() if "tallied" in f} == {"choice", "multi_choice", "body_map"}
    assert {n for n, f in flags.items() if "poll_source" in f} == {"choice", "multi_choice"}
    assert {n for n, f in flags.items() if "takes_suggestions" in f} == {"short_text", "long_text"}
    assert {n for n, f in flags.items() if "takes_rank_from" in f} == {"ranking"}
    counted = {n: spec(n).type.group_options(spec(n)) for n in NAMES}
    assert {n for n, o in counted.items() if o is not None} == {"choice", "multi_choice", "boolean"}
    assert counted["boolean"] == [(True, "yes"), (False, "no")] and counted["choice"][0] == ("a", "Alpha")
    assert [spec(n).text_limit for n in NAMES[:4]] == [300, 20_000, 300, None]


def test_the_field_types_never_load_ipywidgets():
    code = ("import sys\nfrom securebase.content import field_types\nfrom securebase.journal.validation import "
            "validate_field\nassert 'ipywidgets' not in sys.modules\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


# ---------------------------------------------------------------- content shape


@pytest.mark.parametrize("type_", NAMES)
def test_each_type_takes_what_it_needs(type_):
    assert spec(type_).type.name == type_


@pytest.mark.parametrize("type_, attrs, message", [
    ("short_text", {"min": 1}, "'min'/'max' only apply to numeric fields, not short_text"),
    ("rating", {"min": None}, "a rating needs both 'min' and 'max'"),
    ("integer", {"min": 0.5}, "bounds of an integer field must be whole numbers, got 0.5"),
    ("rating", {"max": 9.5}, "bounds of an rating field must be whole numbers, got 9.5"),
    ("number", {"min": 0.5, "max": 0.4}, "'min' (0.5) must be below 'max' (0.4)"),
    ("integer", {"trend": "intensity"}, "'trend' only applies to rating fields"),
    ("time", {"suggestions": ["x"]}, "'suggestions' only apply to text fields"),
    ("multi_choice", {"rank_from": "x"}, "'rank_from' only applies to ranking fields"),
    ("ranking", {"max_items": None}, "a ranking field needs 'max_items' (how many places to rank)"),
    ("choice", {"choices": CH[:1]}, "a choice field needs at least two 'choices'"),
    ("multi_choice", {"choices": (CH[0], CH[0])}, "duplicate choice value 'a'"),
    ("boolean", {"choices": CH}, "'choices' only apply to choice fields, not boolean"),
    ("body_map", {"states": ST[:1]}, "a body_map field needs at least two 'states'"),
    ("body_map", {"states": (ST[0], ST[0])}, "duplicate state value 'threat'"),
    ("choice", {"states": ST}, "'states' only apply to body_map fields"),
    ("integer", {"max_length": 5}, "'max_length' only applies to free-text fields"),
    ("date", {"max_items": 2}, "'min_items'/'max_items' only apply to list-like fields"),
    ("text_list", {"min_items": 4}, "'min_items' must not exceed 'max_items'"),
    ("short_text", {"id": "entry_id"}, "field id 'entry_id' is reserved for entry metadata"),
])
def test_each_type_refuses_what_it_does_not_take(type_, attrs, message):
    kw = {"id": type_, "type": type_, "label": "L", **SHAPES[type_], **attrs}
    with pytest.raises(ValidationError, match=message.replace("(", r"\(").replace(")", r"\)")):
        FieldSpec(**{k: v for k, v in kw.items() if v is not None})


def test_a_ranking_ranks_a_multi_choice_of_its_exercise():
    base = {"id": "e", "kind": "journal", "title": "T", "instructions": "I"}
    ranking = {"id": "r", "type": "ranking", "label": "R", "choices": CH, "max_items": 2, "rank_from": "src"}
    Exercise(**base, fields=[{"id": "src", "type": "multi_choice", "label": "S", "choices": CH}, ranking])
    with pytest.raises(ValidationError, match="rank_from must name a multi_choice field of this exercise"):
        Exercise(**base, fields=[{"id": "src", "type": "choice", "label": "S", "choices": CH}, ranking])
    with pytest.raises(ValidationError, match="its choices must be those of 'src'"):
        Exercise(**base, fields=[{"id": "src", "type": "multi_choice", "label": "S", "choices": CH[:2]}, ranking])


# ---------------------------------------------------------------- answers, text, codebook, export


@pytest.mark.parametrize("type_, raw, cleaned, text, rows, redcap, shape", CASES, ids=[c[0] for c in CASES])
def test_each_type_cleans_renders_describes_and_exports(codebook, type_, raw, cleaned, text, rows, redcap, shape):
    from securebase.ui.forms import render_value

    s = spec(type_)
    assert validate_field(s, raw) == cleaned
    assert render_value(s, cleaned) == text
    assert answer_rows(s, cleaned, text="redact", shift_date=shifted) == rows
    row = codebook[f"all.{type_}"]
    assert (row["Field Type"], row["Text Validation Type OR Show Slider Number"]) == redcap
    assert shape in row["long_shape"] and row["value_type"] == type_
    assert row["free_text"] == ("yes" if s.type.is_free_text else "no")


@pytest.mark.parametrize("type_, value, message", BAD, ids=[f"{b[0]}-{i}" for i, b in enumerate(BAD)])
def test_each_type_says_what_is_wrong(type_, value, message):
    with pytest.raises(FieldProblem) as err:
        validate_field(spec(type_), value)
    assert message in str(err.value)


def test_lists_may_be_short_while_answering():
    s = spec("multi_choice", min_items=2)
    assert validate_field(s, ["a"], partial=True) == ["a"]
    with pytest.raises(FieldProblem, match="needs at least 2 choices, but has 1"):
        validate_field(s, ["a"])


def test_codebook_choices_notes_and_annotations(codebook):
    assert codebook["all.boolean"]["Choices, Calculations, OR Slider Labels"] == "1, Yes | 0, No"
    assert codebook["all.choice"]["Choices, Calculations, OR Slider Labels"] == "a, Alpha | b, Beta | c, Gamma"
    assert codebook["all.rating"]["Field Note"] == "0 = none; 10 = most"
    assert codebook["all.body_map"]["Field Annotation"] == (
        "BODY MAP: each location marked takes one state: threat, Threat | safety, Safety")
    assert codebook["all.ranking"]["Field Annotation"] == "RANKING: up to 2 places"
    assert codebook["all.text_list"]["Field Annotation"] == "FREE TEXT (up to 300 characters)"
    assert codebook["all.date"]["Field Annotation"] == codebook["all.date"]["Choices, Calculations, OR Slider Labels"] == ""


def test_export_leaves_out_what_does_not_fit_the_type():
    assert answer_rows(spec("long_text"), "words", text="none") == []
    assert answer_rows(spec("text_list"), ["a", 5], text="redact") is None
    assert answer_rows(spec("choice"), "z") is None
    assert answer_rows(spec("multi_choice"), "a") is None
    assert answer_rows(spec("body_map"), {"a": "calm"}) is None
    assert answer_rows(spec("boolean"), "yes") is None
    assert answer_rows(spec("integer"), True) is None
    assert answer_rows(spec("date"), "soon") is None
    assert answer_rows(spec("time"), "7:05") is None
    assert answer_rows(spec("text_list"), ["a", "bb"], text="length")[0][0] == 1


# ---------------------------------------------------------------- widgets


@pytest.mark.parametrize("type_, raw, cleaned", [c[:3] for c in CASES], ids=[c[0] for c in CASES])
def test_each_widget_shows_a_stored_answer_and_gives_it_back(type_, raw, cleaned):
    from securebase.ui.forms import FieldInput

    field = FieldInput(spec(type_), content.locale())
    assert field.get() in (None, "", [], {})
    field.set(cleaned)
    shown = [v for v in "abc" if v in cleaned] if type_ == "multi_choice" else cleaned  # boxes: in the options' order
    assert validate_field(field.spec, field.get()) == shown
    field.set(None)
    assert field.get() in (None, "", [], {})


def test_widgets_read_what_a_person_did():
    from securebase.ui.forms import FieldInput

    loc = content.locale()
    rating = FieldInput(spec("rating"), loc)
    rating._parts[""].value = 3
    body = FieldInput(spec("body_map"), loc)
    body._parts["b"].value = "threat"
    ranking = FieldInput(spec("ranking"), loc)
    ranking._parts["1"].value = "c"
    listed = FieldInput(spec("text_list"), loc)
    listed._parts["2"].value = "third"
    assert (rating.get(), body.get(), ranking.get(), listed.get()) == (3, {"b": "threat"}, ["c"], ["third"])
    ranking.limit_ranking(["a", "c"])
    assert [v for _label, v in ranking._parts["0"].options] == [None, "a", "c"] and ranking.get() == ["c"]
    with pytest.raises(TypeError, match="does not rank"):
        rating.limit_ranking(["a"])
    assert "Choice 1" == ranking._parts["0"].description and "The text_list 3" == listed._parts["2"].description
    date_field = FieldInput(spec("date"), loc)
    date_field.set("2026-03-05")
    assert date_field.control.value == date(2026, 3, 5)
