"""Research export: long tables, de-identified by default, options that work when asked, audited.

Every free-text answer in the test data carries a distinctive marker (``XMARK...``), so that a
leak anywhere in any exported file is found by a plain search.
"""

import json
import stat
from datetime import date, timedelta

import pandas as pd
import pytest

from securebase import content
from securebase.content import scales
from securebase.intake import consent
from securebase.intake.assessments import save_assessment
from securebase.content import FieldSpec, FieldType
from securebase.journal.entries import revise_entry, save_entry
from securebase.research.codebook import TABLES
from securebase.research.deidentify import REDACTED, ExportError, read_key_file
from securebase.research.export import answer_rows, build_tables, export_research as _export_research
from securebase.research.formats import read_table

T = FieldType


def export_research(*args, **kwargs):
    """The export with k = 1 unless a test says otherwise: three test clients are fewer than any real k, and
    these tests look at what each option does to the values (test_rare_answers_* looks at k itself)."""
    return _export_research(*args, **{"k": 1, **kwargs})
STARTS = {"C-7QX9A4": ("sie", date(2026, 3, 2)), "C-4MT8RZ": ("asb", date(2026, 4, 6)), "C-9KD3WB": ("sie", None)}


def full_answers(exercise, tag: str) -> dict:
    """A valid answer to every field of an exercise; every free text is marked ``XMARK<tag><FIELD>``."""
    out = {}
    for f in exercise.fields:
        t = f.type
        if t.is_free_text:
            text = f"XMARK{tag}{f.id.upper()} words"
            n = f.min_items or min(2, f.max_items or 2)
            out[f.id] = [f"{text} {i}" for i in range(n)] if t is T.text_list else text
        elif t in (T.rating, T.integer):
            out[f.id] = int(f.max) if f.max is not None else 3
        elif t is T.number:
            out[f.id] = 1.5
        elif t is T.choice:
            out[f.id] = f.choices[-1].value
        elif t is T.multi_choice:
            out[f.id] = [c.value for c in f.choices[:3]]
        elif t is T.ranking:
            out[f.id] = [c.value for c in f.choices[: f.max_items]][::-1]
        elif t is T.boolean:
            out[f.id] = True
        elif t is T.body_map:
            out[f.id] = {f.choices[0].value: f.states[1].value, f.choices[2].value: f.states[0].value}
        elif t is T.date:
            out[f.id] = "2026-03-05"
        elif t is T.time:
            out[f.id] = "18:30"
    for f in exercise.fields:
        if f.rank_from:
            out[f.rank_from] = list(dict.fromkeys(out[f.rank_from] + out[f.id]))
    return out


def populate(store) -> dict:
    """Three clients, every exercise of their program answered on different days, assessments, a
    revision and a deletion. Returns what the tests need to know about the truth."""
    check = scales.instrument("relationship_check")
    truth = {"entry_ids": [], "assessment_ids": [], "dates": {}}
    for n, (client_id, (program_id, start)) in enumerate(STARTS.items()):
        store.ensure_client(client_id, program_id=program_id, start_date=start)
        consent.record(store, client_id, "research", "give", via="cli", at="2026-03-01 09:00")
        program = content.program(program_id)
        first = start or date(2026, 5, 4)
        k = 0
        for phase in program.phases:
            for exercise in phase.exercises:
                when = first + timedelta(days=3 * k + n)
                ref = save_entry(store, client_id, program, exercise.id, full_answers(exercise, chr(65 + n)),
                                 occurred_at=f"{when} 09:30")
                truth["entry_ids"].append(ref.entry_id)
                truth["dates"].setdefault(client_id, []).append(when)
                k += 1
        journal = "insecurity_pattern_journal" if program_id == "sie" else "activation_journal"
        _, ex = program.find_exercise(journal)
        old = save_entry(store, client_id, program, journal, {**full_answers(ex, "OLDREV"), "intensity": 1},
                         occurred_at=f"{first + timedelta(days=1)} 20:00")
        revise_entry(store, program, old.entry_id, {**full_answers(ex, chr(65 + n)), "intensity": 2})
        gone = save_entry(store, client_id, program, journal, full_answers(ex, "DELETED"),
                          occurred_at=f"{first + timedelta(days=2)} 20:00")
        store.delete_entry(gone.entry_id)
        truth["entry_ids"] += [old.entry_id, gone.entry_id]
        truth["dates"][client_id].append(first + timedelta(days=1))
        for m, occasion in enumerate(("intake", "milestone")):
            answers = {i.id: (m + n) % 7 + 1 for i in check.items}
            a = save_assessment(store, client_id, check, answers, occasion=occasion,
                                administered_at=f"{first + timedelta(days=20 * m)}T10:00:00")
            truth["assessment_ids"].append(a.assessment_id)
            truth["dates"][client_id].append(first + timedelta(days=20 * m))
    return truth


@pytest.fixture
def populated(store):
    return populate(store)


def exported_text(out) -> str:
    """Everything in the export as text: the raw bytes of every file plus the Parquet values."""
    parts = []
    for path in sorted(out.rglob("*")):
        if path.is_file():
            parts.append(path.read_bytes().decode("utf-8", errors="replace"))
            if path.suffix == ".parquet":
                parts.append(pd.read_parquet(path).to_csv(index=False))
    return "\n".join(parts)


def json_keys(data) -> list[str]:
    if isinstance(data, dict):
        return [k for k, v in data.items() for k in (k, *json_keys(v))]
    if isinstance(data, list):
        return [k for v in data for k in json_keys(v)]
    return []


def manifest_counts(out) -> dict:
    return json.loads((out / "manifest.json").read_text())["counts"]


def start_of(client_id, truth):
    return STARTS[client_id][1] or min(truth["dates"][client_id])


# ---------------------------------------------------------------- the default export


def test_default_export_holds_no_free_text_identifier_or_real_id(store, populated, tmp_path):
    out, keys = tmp_path / "export", tmp_path / "keys"
    result = export_research(store, out, key_dir=keys)
    text = exported_text(out)
    assert "XMARK" not in text                                   # no free-text value anywhere
    for secret in [*STARTS, *populated["entry_ids"], *populated["assessment_ids"]]:
        assert secret not in text                                # no client id, no internal id
    long = read_table(out / "entries_long.csv")
    assert not long["value_type"].isin([t.value for t in T if t.is_free_text]).any()
    assert "maintenance_plan.who_to_involve" not in set(long["variable"])
    assert REDACTED not in set(long["value"])
    # what may be exported is exported: every answered non-free, non-identifier field, per program
    for program_id in ("sie", "asb"):
        program = content.program(program_id)
        expected = {f"{e.id}.{f.id}" for p in program.phases for e in p.exercises for f in e.fields
                    if not f.type.is_free_text and not f.identifier and not f.calendar}
        assert set(long.loc[long["program_id"] == program_id, "variable"]) == expected
    # current revisions only, deletions left out
    index = read_table(out / "entries.csv")
    assert len(index) == sum(len(p.exercises) for p in content.program("sie").phases) * 2 + \
        sum(len(p.exercises) for p in content.program("asb").phases) + 3
    revised = long[(long["field_id"] == "intensity") & (long["value_num"] <= 2)]
    assert sorted(revised["value_num"]) == [2.0, 2.0, 2.0]
    # all-free-text entries still count in the entries table
    sie_checkins = index[(index["program_id"] == "sie") & (index["exercise_id"] == "daily_checkin")]
    assert len(sie_checkins) == 2 and (sie_checkins["answered"] == 3).all()
    assert sie_checkins["entry_code"].isin(long["entry_code"]).sum() == 0

    assert result.key_file is not None and out not in result.key_file.parents
    assert stat.S_IMODE(result.key_file.stat().st_mode) == 0o600
    key = read_key_file(result.key_file)
    assert sorted(client for client, _ in key.values()) == sorted(STARTS)
    assert set(long["study_id"]) | set(read_table(out / "assessments_long.csv")["study_id"]) == set(key)
    assert all(p.stat().st_mode & 0o077 == 0 for p in out.iterdir()) and stat.S_IMODE(out.stat().st_mode) == 0o700
    # no calendar date anywhere: day numbers only, date answers too, chosen weekdays and days of the month left out
    for table in ("entries", "entries_long", "assessments_long"):
        assert read_table(out / f"{table}.parquet")["date"].isna().all()
    assert not set(long["variable"]) & {"maintenance_plan.checkin_weekday", "maintenance_plan.appreciation_day"}
    assert manifest_counts(out)["calendar_values_removed"] == 4           # two sie clients, one plan each

    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["export_id"] == result.export_id and manifest["counts"]["people"] == 3
    assert manifest["counts"]["identifier_values_removed"] == 2          # two sie clients, one plan each
    assert manifest["options"]["free_text"] == "removed" and "outside" in manifest["key_file"]
    assert manifest["content_versions"]["programs"] == {"asb": "1.0", "sie": "1.0"}
    assert not any("offset" in k or "shift" in k for k in json_keys(manifest))
    assert not any(c in json.dumps(manifest) for c in [*STARTS, *read_key_file(result.key_file)])


def test_dates_shift_by_one_offset_per_person_and_day_counts_from_the_start(store, populated, tmp_path):
    result = export_research(store, tmp_path / "export", key_dir=tmp_path / "keys", dates="shifted")
    key = read_key_file(result.key_file)
    offsets = {}
    for table in ("entries", "entries_long", "assessments_long"):
        frame = read_table(tmp_path / "export" / f"{table}.parquet")
        for row in frame.itertuples():
            client_id, offset = key[row.study_id]
            true = start_of(client_id, populated) + timedelta(days=int(row.day) - 1)
            assert (row.date - true).days == offset               # the same offset on every row of a person
            offsets[client_id] = offset
    assert len(offsets) == 3 and all(o < 0 for o in offsets.values())
    assert len(set(offsets.values())) > 1                          # differs across people
    # day numbers are the true intervals: the entries of C-7QX9A4 fall on its known days
    index = read_table(tmp_path / "export" / "entries.csv")
    code = next(c for c, (client, _) in key.items() if client == "C-7QX9A4")
    days = sorted(index.loc[index["study_id"] == code, "day"])
    truth = sorted({(d - STARTS["C-7QX9A4"][1]).days + 1 for d in populated["dates"]["C-7QX9A4"][:-2]})
    assert sorted(set(days)) == truth
    dates = read_table(tmp_path / "export" / "assessments_long.csv")
    mine = dates[dates["study_id"] == code].drop_duplicates("assessment_code").sort_values("day")
    assert (mine["date"].iloc[1] - mine["date"].iloc[0]).days == 20 and mine["day"].tolist() == [1, 21]


def test_redact_and_length_keep_the_rows_but_not_the_text(store, populated, tmp_path):
    export_research(store, tmp_path / "r", key_dir=tmp_path / "k", text="redact")
    assert "XMARK" not in exported_text(tmp_path / "r")
    long = read_table(tmp_path / "r" / "entries_long.csv")
    free = long[long["value_type"].isin(["short_text", "long_text", "text_list"])]
    assert len(free) and set(free["value"]) == {REDACTED} and free["value_num"].isna().all()
    gratitude = free[free["variable"] == "gratitude_log.items"]
    assert sorted(gratitude["position"].tolist()) == [1, 1, 2, 2, 3, 3]      # two clients, three items each
    assert "maintenance_plan.who_to_involve" not in set(long["variable"])   # identifiers stay out

    export_research(store, tmp_path / "l", key_dir=tmp_path / "k", text="length")
    assert "XMARK" not in exported_text(tmp_path / "l")
    long = read_table(tmp_path / "l" / "entries_long.csv")
    free = long[long["value_type"] == "long_text"]
    assert len(free) and set(free["value"]) == {"<50"}


def test_keep_ids_keep_identifiers_and_true_dates_when_asked(store, populated, tmp_path):
    result = export_research(store, tmp_path / "x", keep_ids=True, dates="true", keep_identifiers=True,
                             text="redact")
    assert result.key_file is None and not list(tmp_path.glob("**/key-*.csv"))
    index = read_table(tmp_path / "x" / "entries.csv")
    assert set(index["study_id"]) == set(STARTS)
    for row in index.itertuples():
        assert row.date == start_of(row.study_id, populated) + timedelta(days=int(row.day) - 1)
    long = read_table(tmp_path / "x" / "entries_long.csv")
    assert "maintenance_plan.who_to_involve" in set(long["variable"])
    assert "XMARK" not in exported_text(tmp_path / "x")               # kept identifiers are still free text
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    assert manifest["options"]["dates"] == "not shifted" and "kept" in manifest["options"]["client_ids"]
    assert not any(c in json.dumps(manifest) for c in STARTS)


def test_key_rules(store, populated, tmp_path):
    with pytest.raises(ExportError, match="key"):
        export_research(store, tmp_path / "a")                            # study codes need a key dir
    with pytest.raises(ExportError, match="inside the export folder"):
        export_research(store, tmp_path / "b", key_dir=tmp_path / "b" / "keys")
    assert not (tmp_path / "b").exists()
    result = export_research(store, tmp_path / "c", no_key=True)
    assert result.key_file is None and "cannot be traced back" in result.manifest["key_file"]
    with pytest.raises(ExportError, match="not an empty folder"):
        export_research(store, tmp_path / "c", no_key=True)


def test_parquet_and_csv_agree(store, populated, tmp_path):
    export_research(store, tmp_path / "x", key_dir=tmp_path / "k", text="redact")
    for table in TABLES:
        csv, parquet = read_table(tmp_path / "x" / f"{table}.csv"), read_table(tmp_path / "x" / f"{table}.parquet")
        assert len(csv) > 0 and list(csv.columns) == [c.name for c in TABLES[table]]
        pd.testing.assert_frame_equal(csv, parquet, check_dtype=False)
        for column in csv.columns:
            assert str(csv[column].dtype) == str(parquet[column].dtype), column


def test_one_format_only(store, populated, tmp_path):
    result = export_research(store, tmp_path / "x", no_key=True, formats=["parquet"])
    assert not list((tmp_path / "x").glob("entries*.csv")) and (tmp_path / "x" / "entries_long.parquet").exists()
    assert "entries_long.parquet" in result.files
    with pytest.raises(ValueError, match="format"):
        export_research(store, tmp_path / "y", no_key=True, formats=["xlsx"])


def test_long_shapes_of_list_answers(store, populated, tmp_path):
    export_research(store, tmp_path / "x", no_key=True)
    long = read_table(tmp_path / "x" / "entries_long.csv")
    scan = long[long["variable"] == "signal_scan.body_signals"]
    assert scan["position"].isna().all() and scan["key"].notna().all()
    spec = content.program("sie").find_exercise("signal_scan")[1].field("body_signals")
    per_entry = scan.groupby("entry_code").apply(lambda g: dict(zip(g["key"], g["value"])), include_groups=False)
    assert all(v == {spec.choices[0].value: spec.states[1].value, spec.choices[2].value: spec.states[0].value}
               for v in per_entry)
    ranking = long[long["variable"] == "values_clarification.value_ranking"]
    ranking_spec = content.program("sie").find_exercise("values_clarification")[1].field("value_ranking")
    expected = [c.value for c in ranking_spec.choices[: ranking_spec.max_items]][::-1]
    for _, group in ranking.groupby("entry_code"):
        assert group.sort_values("position")["value"].tolist() == expected
        assert group["position"].tolist() == [1, 2, 3]
    checkin = long[long["variable"] == "daily_checkin.connected"]
    assert checkin["value"].tolist() == ["1"] and checkin["value_num"].tolist() == [1.0]
    rating = long[long["variable"] == "thought_record.belief_before"]
    assert rating["value"].tolist() == ["100", "100"] and rating["value_num"].tolist() == [100.0, 100.0]


def test_assessments_long(store, populated, tmp_path):
    export_research(store, tmp_path / "x", no_key=True)
    frame = read_table(tmp_path / "x" / "assessments_long.csv")
    check = scales.instrument("relationship_check")
    per = len(check.items) + len(check.subscales) + len(check.classifications)
    assert len(frame) == 6 * per and frame["assessment_code"].nunique() == 6
    one = frame[frame["assessment_code"] == frame["assessment_code"].iloc[0]]
    assert one["kind"].value_counts().to_dict() == {"item": 22, "subscale": len(check.subscales),
                                                    "classification": len(check.classifications)}
    assert set(one["instrument_version"]) == {check.version} and set(one["scoring_version"]) == {check.scoring_version}
    items = one[one["kind"] == "item"]
    assert items["variable"].tolist() == [f"relationship_check.{i.id}" for i in check.items]
    assert items["subscale"].tolist() == [i.subscale for i in check.items]


def test_program_filter(store, populated, tmp_path):
    export_research(store, tmp_path / "x", no_key=True, program_id="asb")
    index = read_table(tmp_path / "x" / "entries.csv")
    assert set(index["program_id"]) == {"asb"} and index["study_id"].nunique() == 1
    people = read_table(tmp_path / "x" / "assessments_long.csv")["study_id"]
    assert set(people) == set(index["study_id"])
    with pytest.raises(KeyError):
        export_research(store, tmp_path / "y", no_key=True, program_id="nope")


def test_every_export_is_audited_with_counts_and_options_only(store, populated, tmp_path):
    result = export_research(store, tmp_path / "x", key_dir=tmp_path / "k", text="redact")
    audit = [r for r in store.audit_log() if r["action"] == "export"][-1]
    assert audit["object_id"] == "research_export" and audit["detail"]["export_id"] == result.export_id
    assert audit["detail"]["rows"]["entries_long"] == len(read_table(tmp_path / "x" / "entries_long.csv"))
    assert audit["detail"]["free_text"] == "redact" and audit["detail"]["key_file"] is True
    assert sorted(audit["detail"]["clients"]) == sorted(STARTS)
    detail = json.dumps(audit["detail"])
    assert "XMARK" not in detail and "S-" not in detail                # no client text, no study codes


def test_values_off_their_declared_shape_are_left_out(store, tmp_path):
    """A value content no longer describes could be free text from older content: never exported."""
    store.ensure_client("C-5555X1", program_id="sie", start_date=date(2026, 3, 2))
    consent.record(store, "C-5555X1", "research", "give", via="cli")
    for exercise_id, data in (
        ("insecurity_pattern_journal", {"intensity": "XMARKSNEAK", "trigger_type": "XMARKCHOICE",
                                        "old_field": "XMARKOLD", "emotions": ["XMARKLIST"]}),
        ("retired_exercise", {"anything": "XMARKRETIRED"}),
    ):
        store.add_entry("C-5555X1", program_id="sie", phase_id="awareness", exercise_id=exercise_id,
                        content_version="0.9", data=data, occurred_at="2026-03-03T10:00:00")
    result = export_research(store, tmp_path / "x", no_key=True, text="redact")
    assert "XMARK" not in exported_text(tmp_path / "x")
    counts = result.manifest["counts"]
    assert counts["unexpected_values_removed"] == 5 and counts["entries_of_unknown_exercises"] == 1


def test_answer_rows_by_type():
    def spec(**kw):
        return FieldSpec(id="f", label="F", **kw)

    assert answer_rows(spec(type=T.rating, min=0, max=10), 7) == [(None, None, "7", 7.0)]
    assert answer_rows(spec(type=T.number), 2.5) == [(None, None, "2.5", 2.5)]
    assert answer_rows(spec(type=T.boolean), False) == [(None, None, "0", 0.0)]
    assert answer_rows(spec(type=T.time), "18:30") == [(None, None, "18:30", None)]
    assert answer_rows(spec(type=T.date), "2026-03-05", shift_date=lambda d: d + timedelta(days=-10)) == \
        [(None, None, "2026-02-23", None)]
    day_number = lambda d: (d - date(2026, 3, 1)).days + 1  # noqa: E731 - an export without dates
    assert answer_rows(spec(type=T.date), "2026-03-05", shift_date=day_number) == [(None, None, "5", 5.0)]
    assert answer_rows(spec(type=T.text_list), ["a", "bb"], text="redact") == \
        [(1, None, REDACTED, None), (2, None, REDACTED, None)]
    assert answer_rows(spec(type=T.long_text), "words", text="none") == []
    assert answer_rows(spec(type=T.long_text), 5, text="redact") is None
    assert answer_rows(spec(type=T.date), "soon") is None
    assert answer_rows(spec(type=T.rating, min=0, max=10), True) is None


def test_empty_store_gives_headers_only(store, tmp_path):
    export_research(store, tmp_path / "x", no_key=True)
    for table, columns in TABLES.items():
        assert pd.read_csv(tmp_path / "x" / f"{table}.csv").columns.tolist() == [c.name for c in columns]
        assert pd.read_parquet(tmp_path / "x" / f"{table}.parquet").columns.tolist() == [c.name for c in columns]
    assert build_tables(store).counts.people == 0


@pytest.mark.parametrize("options", [{}, {"dates": "shifted", "text": "length"}, {"formats": ["parquet"]},
                                     {"keep_ids": True, "dates": "true", "formats": ["csv"]}])
def test_the_data_package_passes_frictionless_validate(store, populated, tmp_path, options):
    import frictionless

    export_research(store, tmp_path / "x", no_key=True, **options)
    report = frictionless.validate(str(tmp_path / "x" / "datapackage.json"))
    problems = [f"{task.name}: {e.type}: {e.note}" for task in report.tasks for e in task.errors] + \
        [e.message for e in report.errors]
    assert report.valid, problems
    assert len(report.tasks) == len(json.loads((tmp_path / "x" / "datapackage.json").read_text())["resources"])
    manifest = json.loads((tmp_path / "x" / "manifest.json").read_text())
    for name, stated in manifest["files"].items():
        assert (tmp_path / "x" / name).stat().st_size == stated["bytes"]


def test_redcap_names_in_the_dictionary_and_the_tables_agree(store, populated, tmp_path):
    import re

    export_research(store, tmp_path / "r", no_key=True, redcap_names=True, formats=["csv"])
    dictionary = pd.read_csv(tmp_path / "r" / "data_dictionary.csv", dtype=str, keep_default_na=False)
    names = set(dictionary["Variable / Field Name"])
    assert all(re.fullmatch(r"[a-z][a-z0-9_]{0,25}", n) for n in names)
    for table in ("entries_long", "assessments_long"):
        used = set(read_table(tmp_path / "r" / f"{table}.csv")["variable"])
        assert used and used <= names, used - names
    long = read_table(tmp_path / "r" / "entries_long.csv")
    assert "ipj_intensity" in set(long["variable"]) and not long["variable"].str.contains(r"\.").any()


def test_spss_stata_and_r_files_with_the_codebooks_labels(store, populated, tmp_path):
    import pyreadr
    import pyreadstat

    export_research(store, tmp_path / "s", no_key=True, formats=["sav", "dta", "rds", "csv"], dates="shifted")
    csv = read_table(tmp_path / "s" / "entries_long.csv")
    sav, meta = pyreadstat.read_sav(tmp_path / "s" / "entries_long.sav")
    dta, dmeta = pyreadstat.read_dta(tmp_path / "s" / "entries_long.dta")
    rds = pyreadr.read_r(tmp_path / "s" / "entries_long.rds")[None]
    assert len(sav) == len(dta) == len(rds) == len(csv)
    labels = meta.variable_value_labels["exercise_id"]
    assert labels == dmeta.variable_value_labels["exercise_id"] and "Insecurity pattern journal" in labels.values()
    shown = sav["exercise_id"].map(labels)
    for row, label in zip(csv.itertuples(), shown):                              # the same rows, labelled
        title = content.program(row.program_id).find_exercise(row.exercise_id)[1].title
        assert label == title or (f"{title} ({row.program_id})" in label and " / " in label)   # daily_checkin
    assert meta.column_names_to_labels["day"].startswith("Day of the event")
    made = json.loads((tmp_path / "s" / "manifest.json").read_text())["created"][:10]
    for stamped in (meta.creation_time, meta.modification_time, dmeta.creation_time):   # no finer than the month
        assert stamped.strftime("%Y-%m-%d %H:%M:%S") == f"{made} 00:00:00", stamped
    assert (sav["value"].tolist() == csv["value"].tolist()) and sav["value_num"].equals(csv["value_num"])
    assert str(rds["program_id"].dtype) == "category" and set(rds["program_id"].cat.categories) <= {
        p.title for p in content.programs().values()}
    assert [d.date() if hasattr(d, "date") else d for d in sav["date"]] == csv["date"].tolist()
    assert dta["date"].notna().all() and len(dta) == len(csv)
    export_research(store, tmp_path / "days", no_key=True, formats=["sav", "dta", "rds"])   # no dates at all
    assert pyreadstat.read_sav(tmp_path / "days" / "entries_long.sav")[0]["date"].isna().all()
    package = json.loads((tmp_path / "s" / "datapackage.json").read_text())
    assert {r["format"] for r in package["resources"]} == {"csv"}                 # only what frictionless reads
    assert set(json.loads((tmp_path / "s" / "manifest.json").read_text())["files"]) >= {
        "entries_long.sav", "entries_long.dta", "entries_long.rds"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in (tmp_path / "s").iterdir())



def test_rare_answers_and_small_programs_are_suppressed_with_the_summaries_k(store, populated, tmp_path):
    result = _export_research(store, tmp_path / "k5", no_key=True)                # the default k of every summary
    manifest = json.loads((tmp_path / "k5" / "manifest.json").read_text())
    assert manifest["options"]["k"] == 5 and manifest["counts"]["people_in_small_programs_left_out"] == 3
    assert manifest["counts"]["people"] == 0 and len(read_table(tmp_path / "k5" / "entries.csv")) == 0
    assert result.key_file is None
    # eight more sie clients who all answer the same: their program is big enough, the one odd answer is rare
    sie = content.program("sie")
    _, scan = sie.find_exercise("signal_scan")
    for n in range(8):
        client_id = f"C-{'ABCDEFGH'[n]}{n}K7Q{n}R"
        store.ensure_client(client_id, program_id="sie", start_date=date(2026, 3, 2))
        consent.record(store, client_id, "research", "give", via="cli")
        save_entry(store, client_id, sie, "signal_scan", {"slot": "midday" if n else "evening",
                                                          "body_signals": {"chest": "threat"}, "felt_safety": 6},
                   occurred_at="2026-03-03 12:00")
    _export_research(store, tmp_path / "k", key_dir=tmp_path / "keys", k=5)
    manifest = json.loads((tmp_path / "k" / "manifest.json").read_text())
    assert manifest["counts"]["people_in_small_programs_left_out"] == 1            # the one asb client
    long = read_table(tmp_path / "k" / "entries_long.csv")
    slots = long[long["variable"] == "signal_scan.slot"]["value"]
    assert (slots == "midday").sum() >= 7 and "evening" not in set(slots) and "[rare]" in set(slots)
    assert not long[long["value"] == "[rare]"]["value_num"].notna().any()
    assert manifest["counts"]["rare_values_suppressed"] > 0
    for column in ("value", "key"):                                              # nothing shown by fewer than 5
        shown = long[long["value_type"].isin(["choice", "multi_choice", "ranking", "boolean", "body_map"])
                     & (long[column] != "[rare]") & long[column].notna()]
        assert (shown.groupby(["variable", column])["study_id"].nunique() >= 5).all()
    bands = read_table(tmp_path / "k" / "assessments_long.csv")           # two sie clients' bands: rare
    assert set(bands.loc[bands["kind"] != "item", "category"].dropna()) <= {"[rare]"}
    with pytest.raises(ValueError, match="k must be 1 or more"):
        _export_research(store, tmp_path / "bad", no_key=True, k=0)


def test_fhir_questionnaires_and_responses_are_valid_and_hold_only_study_codes(store, populated, tmp_path):
    from fhir.resources.R4B.bundle import Bundle
    from fhir.resources.R4B.questionnaire import Questionnaire
    from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse

    export_research(store, tmp_path / "f", no_key=True, fhir=True, dates="shifted")
    questionnaires = Bundle.model_validate_json((tmp_path / "f" / "questionnaires.fhir.json").read_text())
    responses = Bundle.model_validate_json((tmp_path / "f" / "questionnaire_responses.fhir.json").read_text())
    (check,) = [Questionnaire.model_validate(e.resource.model_dump()) for e in questionnaires.entry]
    instrument = scales.instrument("relationship_check")
    assert check.url.endswith(":relationship_check") and len(check.item) == len(instrument.items) + len(instrument.subscales)
    assert [o.valueCoding.code for o in check.item[0].answerOption] == [str(v) for v in range(1, 8)]
    table = read_table(tmp_path / "f" / "assessments_long.csv")
    made = [QuestionnaireResponse.model_validate(e.resource.model_dump()) for e in responses.entry]
    assert len(made) == table["assessment_code"].nunique() == 6
    for r in made:
        rows = table[table["assessment_code"].str.lower() == r.id]
        assert r.subject.identifier.value == rows["study_id"].iloc[0] and r.questionnaire.startswith(check.url)
        answers = {i.linkId: i.answer[0] for i in r.item}
        for row in rows[rows["kind"] == "item"].itertuples():
            assert answers[row.variable.split(".", 1)[1]].valueCoding.code == str(int(row.value))
        for row in rows[rows["kind"] == "subscale"].itertuples():
            assert float(answers[f"score.{row.subscale}"].valueDecimal) == pytest.approx(row.value)
        assert str(r.authored)[:10] == rows["date"].iloc[0].isoformat()
    text = (tmp_path / "f" / "questionnaire_responses.fhir.json").read_text()
    assert not any(c in text for c in STARTS) and "XMARK" not in text
