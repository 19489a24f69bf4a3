"""The codebook: a REDCap-style data dictionary from content, and a Frictionless data package
whose resources describe exactly the files that were written."""

import csv
import hashlib
import json
import re

import pandas as pd
import pyarrow.parquet as pq
import pytest

from securebase import content
from securebase.content import scales
from securebase.research.codebook import (
    DICTIONARY_COLUMNS, TABLES, choices_text, dictionary_rows,
)
from securebase.research.export import export_research

FRICTIONLESS_TYPES = {"string", "number", "integer", "boolean", "object", "array", "date", "time", "datetime",
                      "year", "yearmonth", "duration", "geopoint", "geojson", "any"}


@pytest.fixture(scope="module")
def rows():
    programs = list(content.programs().values())
    return {(r["program"], r["Variable / Field Name"]): r
            for r in dictionary_rows(programs, scales.instruments().values())}


def test_every_field_of_every_exercise_is_described(rows):
    fields = [(p.id, ph, e, f) for p in content.programs().values() for ph in p.phases for e in ph.exercises
              for f in e.fields]
    workbook_rows = {k: r for k, r in rows.items() if r["program"]}
    assert len(workbook_rows) == len(fields) > 100
    for program_id, phase, exercise, spec in fields:
        row = workbook_rows[(program_id, f"{exercise.id}.{spec.id}")]
        assert (row["phase"], row["exercise"], row["value_type"]) == (phase.id, exercise.id, spec.type.value)
        assert row["Form Name"] == f"{program_id}_{exercise.id}" and row["Field Label"] == " ".join(spec.label.split())
        assert row["free_text"] == ("yes" if spec.type.is_free_text else "no")
        assert row["Identifier?"] == ("y" if spec.identifier else "")
        assert row["default_export"] == ("no" if spec.type.is_free_text or spec.identifier else "yes")
        if spec.choices:
            assert row["Choices, Calculations, OR Slider Labels"] == " | ".join(
                f"{c.value}, {c.label}" for c in spec.choices)
        if spec.min is not None:
            assert float(row["Text Validation Min"]) == spec.min and float(row["Text Validation Max"]) == spec.max


def test_hand_checked_rows(rows):
    back = rows[("asb", "daily_checkin.returned_on_time")]
    assert back["Field Type"] == "radio"
    assert back["Choices, Calculations, OR Slider Labels"] == "yes, Yes | no, No | not_applicable, No timeout today"
    timeout = rows[("asb", "security_protocol.timeout_minutes")]
    assert (timeout["Field Type"], timeout["Text Validation Type OR Show Slider Number"]) == ("text", "integer")
    assert (timeout["Text Validation Min"], timeout["Text Validation Max"]) == ("20", "240")
    belief = rows[("sie", "thought_record.belief_before")]
    assert (belief["Text Validation Min"], belief["Text Validation Max"], belief["value_type"]) == ("0", "100", "rating")
    connected = rows[("asb", "daily_checkin.connected")]
    assert connected["Field Type"] == "yesno" and connected["Choices, Calculations, OR Slider Labels"] == "1, Yes | 0, No"
    who = rows[("sie", "maintenance_plan.who_to_involve")]
    assert who["Identifier?"] == "y" and who["Field Type"] == "notes" and "IDENTIFIER" in who["Field Annotation"]
    assert [k for k, r in rows.items() if r["Identifier?"] == "y"] == [("sie", "maintenance_plan.who_to_involve")]
    scan = rows[("sie", "signal_scan.body_signals")]
    assert scan["states"] == "threat, Threat signal | safety, Safety signal" and "key = location" in scan["long_shape"]
    assert rows[("sie", "signal_scan.slot")]["Choices, Calculations, OR Slider Labels"] == "midday, Midday | evening, Evening"
    ranking = rows[("sie", "values_clarification.value_ranking")]
    assert ranking["max_items"] == "3" and "position = rank" in ranking["long_shape"]


def test_questionnaire_items_subscales_and_classifications(rows):
    check = scales.instrument("relationship_check")
    item = rows[("", "relationship_check.anx_3")]
    assert item["Field Type"] == "radio" and item["Field Annotation"] == "REVERSE-KEYED: scored as 8 - answer"
    assert item["Choices, Calculations, OR Slider Labels"].startswith("1, Not at all like me | 2, 2 | 3, 3 | 4, Somewhat")
    assert item["Choices, Calculations, OR Slider Labels"].endswith("7, Very much like me")
    anxiety = rows[("", "relationship_check.anxiety")]
    assert anxiety["Field Type"] == "calc" and anxiety["Choices, Calculations, OR Slider Labels"] == (
        "round(mean([relationship_check.anx_1], [relationship_check.anx_2], (8 - [relationship_check.anx_3]), "
        "[relationship_check.anx_4], (8 - [relationship_check.anx_5]), [relationship_check.anx_6]), 2)")
    assert (anxiety["Text Validation Min"], anxiety["Text Validation Max"]) == ("1", "7")
    assert all(("", f"relationship_check.{i.id}") in rows for i in check.items)
    assert all(("", f"relationship_check.{c.id}") in rows for c in check.classifications)


def test_choices_text_escapes_the_separator():
    assert choices_text([(1, "Yes | sort of"), ("b", "  two\nlines ")]) == "1, Yes / sort of | b, two lines"


def test_variables_are_unique_within_a_program(rows):
    assert len(rows) == len(dictionary_rows(list(content.programs().values()), scales.instruments().values()))


# ---------------------------------------------------------------- files written


@pytest.fixture
def exported(store, tmp_path):
    from test_research_export import populate

    populate(store)
    result = export_research(store, tmp_path / "x", key_dir=tmp_path / "k", k=1)
    return result.out_dir


def test_data_dictionary_file_has_redcap_columns_and_every_variable(exported, rows):
    frame = pd.read_csv(exported / "data_dictionary.csv", dtype=str, keep_default_na=False)
    assert tuple(frame.columns[: len(DICTIONARY_COLUMNS)]) == DICTIONARY_COLUMNS
    assert frame.columns[0] == "Variable / Field Name" and "Identifier?" in frame.columns
    assert set(zip(frame["program"], frame["Variable / Field Name"])) == set(rows)
    long = pd.read_csv(exported / "entries_long.csv")
    described = set(zip(frame["program"], frame["Variable / Field Name"]))
    assert set(zip(long["program_id"], long["variable"])) <= described
    assessments = pd.read_csv(exported / "assessments_long.csv")
    assert {("", v) for v in assessments["variable"]} <= described


def test_datapackage_is_a_tabular_data_package_matching_the_files(exported):
    package = json.loads((exported / "datapackage.json").read_text())
    manifest = json.loads((exported / "manifest.json").read_text())
    assert package["profile"] == "tabular-data-package"
    assert re.fullmatch(r"^[a-z0-9._-]+$", package["name"]) and package["resources"]
    names = [r["name"] for r in package["resources"]]
    assert len(set(names)) == len(names) and all(re.fullmatch(r"^[a-z0-9._-]+$", n) for n in names)
    written = {p.name for p in exported.iterdir() if p.suffix in (".csv", ".parquet")}
    assert {r["path"] for r in package["resources"]} == written            # every table file, nothing else
    for res in package["resources"]:
        path = exported / res["path"]
        assert res["profile"] == "tabular-data-resource" and not res["path"].startswith(("/", "."))
        stated = res if res["format"] == "csv" else {   # Parquet's are in the manifest (frictionless can't check them)
            "bytes": manifest["files"][res["path"]]["bytes"], "hash": "sha256:" + manifest["files"][res["path"]]["sha256"]}
        assert stated["bytes"] == path.stat().st_size
        assert stated["hash"] == "sha256:" + hashlib.sha256(path.read_bytes()).hexdigest()
        fields = res["schema"]["fields"]
        assert all(set(f) <= {"name", "type", "format", "description", "constraints"} for f in fields)
        assert all(f["type"] in FRICTIONLESS_TYPES for f in fields)
        declared = [f["name"] for f in fields]
        if res["format"] == "csv":
            assert res["mediatype"] == "text/csv" and res["dialect"]["header"] is True
            with open(path, encoding="utf-8", newline="") as fh:
                header = next(csv.reader(fh))
            assert header == declared
        else:
            assert res["format"] == "parquet" and pq.read_schema(path).names == declared
        table = res["name"].removesuffix("-parquet")
        if table in TABLES:
            assert [(f["name"], f["type"]) for f in fields] == [(c.name, c.type) for c in TABLES[table]]
            check_constraints(pd.read_parquet(path) if res["format"] == "parquet" else
                              pd.read_csv(path, dtype=str, keep_default_na=False), fields)


def check_constraints(frame, fields):
    """The data honour the schema's constraints (required, enum, pattern, minimum)."""
    for f in fields:
        c = f.get("constraints", {})
        values = frame[f["name"]]
        present = values[values.notna() & (values.astype(str) != "")]
        if c.get("required"):
            assert len(present) == len(values), f["name"]
        if "enum" in c:
            assert set(present.astype(str)) <= set(c["enum"]), f["name"]
        if "pattern" in c:
            assert all(re.fullmatch(c["pattern"], str(v)) for v in present), f["name"]
        if "minimum" in c:
            assert all(float(v) >= c["minimum"] for v in present), f["name"]
        if f["type"] == "date":
            assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(v)[:10]) for v in present)


def _calc_refs(rows) -> set[str]:
    import re

    return {ref for r in rows if r["Field Type"] == "calc"
            for ref in re.findall(r"\[([^\]]+)\]", r["Choices, Calculations, OR Slider Labels"])}


def test_every_calculation_refers_to_a_variable_of_the_dictionary(rows):
    names = {name for _, name in rows}
    refs = _calc_refs(rows.values())
    assert refs and refs <= names


def test_redcap_names_are_legal_unique_short_and_stable():
    import re

    from securebase.research.codebook import REDCAP_MAX, dictionary_rows

    programs, instruments = list(content.programs().values()), list(scales.instruments().values())
    rows = dictionary_rows(programs, instruments, redcap=True)
    names = [r["Variable / Field Name"] for r in rows]
    assert names[0] == "record_id" and len(names) == len(set(names)) == 170
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", n) and len(n) <= REDCAP_MAX for n in names), \
        [n for n in names if len(n) > REDCAP_MAX or "." in n]
    assert not any(n.endswith("_complete") for n in names)       # REDCap adds <form>_complete itself
    assert all(re.fullmatch(r"[a-z][a-z0-9_]*", r["Form Name"]) for r in rows)
    forms = [r["Form Name"] for r in rows]                          # each form's rows together, as REDCap wants
    assert all(forms.index(f) + forms.count(f) - 1 == len(forms) - 1 - forms[::-1].index(f) for f in set(forms))
    refs = _calc_refs(rows)
    assert refs and refs <= set(names) and "anx_1" not in refs
    assert dictionary_rows(programs, instruments, redcap=True) == rows   # the same content, the same names
