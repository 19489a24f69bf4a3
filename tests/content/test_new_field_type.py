"""A new field type is one class registered in one place: here a toy ``colour`` type (``#rrggbb``),
defined in this file only, goes through content, answers, the form, the history, the codebook and
the research export without a change anywhere else."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
import yaml

from securebase import content
from securebase.content import field_types
from securebase.content.fields import FieldKind, FieldProblem, FieldWidget
from securebase.core.errors import ContentError, EntryValidationError

HEX = re.compile(r"^#[0-9a-f]{6}$")


class Colour(FieldKind):
    """A colour as ``#rrggbb`` (the toy type of this test)."""

    redcap_type = "text"

    def clean(self, spec, value, *, partial=False):
        if isinstance(value, str) and HEX.match(value.strip().lower()):
            return value.strip().lower()
        raise FieldProblem(f"must be a colour written as #rrggbb, but got {value!r}")

    def render(self, spec, value):
        return f"colour {value}"

    def build_widget(self, spec, loc, kit):
        return FieldWidget(kit.widgets.Text(value="", placeholder="#rrggbb", **kit.labelled(kit.widgets.Text)))

    def fill_widget(self, spec, built, value):
        built.control.value = value or ""

    def export_rows(self, spec, value, *, show_text, shift_date):
        return [(None, None, value, None)] if isinstance(value, str) and HEX.match(value) else None


COLOUR_FIELD = {"id": "mood_colour", "type": "colour", "label": "Colour of the mood", "short_label": "Colour"}
JOURNAL = {
    "trigger": "No reply to my message for two hours", "trigger_type": "slow_reply",
    "automatic_thoughts": "They are losing interest", "behaviour": "Sent three more messages", "intensity": 7,
    "emotions": ["fear"],
}


@pytest.fixture
def colour():
    field_types.register("colour", Colour)
    yield field_types.get("colour")
    field_types.unregister("colour")


@pytest.fixture
def content_root(tmp_path, monkeypatch):
    """A copy of content/ whose first exercise (the insecurity pattern journal) has a colour field."""
    root = tmp_path / "content"
    shutil.copytree(Path(content.__file__).resolve().parents[3] / "content", root)
    path = root / "programs" / "sie.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["phases"][0]["exercises"][0]["fields"].append(dict(COLOUR_FIELD))
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    monkeypatch.setenv("SECUREBASE_CONTENT", str(root))
    content.clear_cache()
    yield root
    content.clear_cache()


def _journal():
    return content.program("sie").phase("awareness").exercise("insecurity_pattern_journal")


def test_content_names_the_new_type(colour, content_root):
    spec = _journal().field("mood_colour")
    assert spec.type is colour and spec.type.value == "colour" and not spec.type.is_free_text


def test_an_unregistered_type_is_a_content_error_at_its_place(content_root):
    path = content_root / "programs" / "sie.yaml"
    with pytest.raises(ContentError) as err:
        content.programs()
    message = str(err.value)
    assert str(path) in message
    assert "phases[0] (awareness).exercises[0] (insecurity_pattern_journal).fields[" in message
    assert "(mood_colour).type" in message and "Input should be 'short_text', 'long_text'" in message


def test_the_new_type_refuses_what_it_does_not_take(colour, content_root):
    path = content_root / "programs" / "sie.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["phases"][0]["exercises"][0]["fields"][-1]["max"] = 3
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ContentError, match="'min'/'max' only apply to numeric fields, not colour"):
        content.programs()


def test_answers_are_cleaned_and_checked_by_the_new_type(colour, content_root):
    from securebase.journal.validation import validate_answers

    cleaned = validate_answers(_journal(), {**JOURNAL, "mood_colour": " #AA3366 "})
    assert cleaned["mood_colour"] == "#aa3366"
    with pytest.raises(EntryValidationError) as err:
        validate_answers(_journal(), {**JOURNAL, "mood_colour": "red"})
    assert err.value.problems == {"mood_colour": "'Colour of the mood' must be a colour written as #rrggbb, but got 'red'"}


def test_form_history_codebook_and_export(colour, content_root, tmp_path):
    from securebase.notebook.workbook import Workbook
    from securebase.research.codebook import dictionary_rows
    from securebase.research.export import answer_rows, export_research
    from securebase.research.formats import read_table

    wb = Workbook("sie", "awareness", client_id="C-2001", store_path=str(tmp_path / "s.sqlite3"))
    form = wb.form("insecurity_pattern_journal")
    field = form.fields["mood_colour"]
    assert field.control.placeholder == "#rrggbb" and field.control.description == "Colour of the mood"
    field.control.value = "red"                              # typing: the type's message shows at once
    assert "Colour of the mood must be a colour written as #rrggbb" in field.error.value
    for field_id, value in JOURNAL.items():
        form.fields[field_id].set(value)
    field.control.value = "#AA3366"
    assert field.get() == "#AA3366" and field.error.value == ""
    form.save_button.click()
    assert "Saved" in form.status.value
    (entry,) = wb.store.current_entries("C-2001")
    assert entry.data["mood_colour"] == "#aa3366"
    assert "<th" in form.history.value and ">Colour</th>" in form.history.value
    assert "colour #aa3366" in form.history.value             # the type's own text, in the history table
    form.fill(entry.data)
    assert field.control.value == "#aa3366"                   # editing shows the stored answer again

    rows = {r["Variable / Field Name"]: r for r in dictionary_rows([content.program("sie")])}
    row = rows["insecurity_pattern_journal.mood_colour"]
    assert (row["Field Type"], row["value_type"], row["free_text"], row["default_export"]) == ("text", "colour", "no", "yes")
    assert row["long_shape"] == "entries_long: one row per entry" and row["Field Label"] == "Colour of the mood"

    spec = _journal().field("mood_colour")
    assert answer_rows(spec, "#aa3366") == [(None, None, "#aa3366", None)] and answer_rows(spec, 5) is None
    from securebase.intake import consent

    consent.record(wb.store, "C-2001", "research", "give", via="cli")   # the export takes consented clients only
    result = export_research(wb.store, tmp_path / "export", no_key=True, formats=("csv",), k=1)
    long = read_table(result.files["entries_long.csv"])
    mine = long[long["field_id"] == "mood_colour"]
    assert mine[["value", "value_type", "variable"]].values.tolist() == [
        ["#aa3366", "colour", "insecurity_pattern_journal.mood_colour"]]
    package = json.loads((tmp_path / "export" / "datapackage.json").read_text(encoding="utf-8"))
    (resource,) = [r for r in package["resources"] if r["name"] == "entries_long"]
    (value_type,) = [f for f in resource["schema"]["fields"] if f["name"] == "value_type"]
    assert "colour" in value_type["constraints"]["enum"]
    with open(result.files["data_dictionary.csv"], encoding="utf-8") as fh:
        assert any(r["Variable / Field Name"] == "insecurity_pattern_journal.mood_colour" for r in csv.DictReader(fh))
