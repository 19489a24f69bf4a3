"""The research export: every current entry and every assessment as tidy long tables, de-identified.

Options follow REDCap's export dialog, and the safe choice is the default for each:

=====================  =========================================  ===================================
option                 default                                    on request
=====================  =========================================  ===================================
client ids             random study codes (``S-XXXXXX``); the     ``keep_ids``: the client codes
                       key file goes to ``key_dir``, 0600, never
                       inside the export
identifier fields      removed (``identifier: true`` in content)  ``keep_identifiers`` (then they are
                                                                  still free text, see below)
free text              removed: no row at all                     ``text="redact"`` (rows kept, value
                                                                  ``[redacted]``) or ``text="length"``
                                                                  (a length class only)
dates                  day numbers only (day 1 = the person's     ``dates="shifted"`` (one random
                       first day): no calendar date at all        offset per person, into the past,
                                                                  never past the export's month) or
                                                                  ``dates="true"``
=====================  =========================================  ===================================

The tables (columns are defined once, in :data:`securebase.research.codebook.TABLES`):

* ``entries``: one row per entry (who, which exercise, day, date, how many fields were answered),
  so that an entry whose answers are all free text still counts (adherence, timing).
* ``entries_long``: one row per entry x answered field x item. Entries are the current revision
  of each entry that is not deleted. A scalar answer (a rating, a choice, yes/no, a number, a
  date, a time) is one row with empty ``position`` and ``key``. A multiple choice is one row per
  option picked (``position`` = order picked), a ranking one row per place (``position`` = rank),
  a text list one row per item (``position``) and a body map one row per location marked
  (``key`` = location, ``value`` = state). Unanswered fields have no row. ``value`` is text;
  ``value_num`` is the number for numbers and ratings and 1/0 for yes/no.
* ``assessments_long``: per administration, one row per item answered (``kind = item``, the raw
  answer), per subscale (``kind = subscale``, the score, its band in ``category``) and per
  classification (``kind = classification``, the rule id in ``category``).

``day`` counts from the person's start date (day 1 = start date; when there is no start date,
from their first exported event) and uses the true dates, so it is the same whatever ``dates``
says. ``date`` is empty with day numbers. Dates inside answers (fields of type ``date``) become
day numbers too, or are shifted with the person's offset. A weekday the person chose is shifted
with their dates (dropped with day numbers), a day of the month is dropped unless dates are true
(:mod:`securebase.research.deidentify`). The export's time is given only as its month, in the
manifest, the data package and the files' own times. Only values that fit what content says a field holds are written: a value of a field
or exercise that content no longer knows, or of an unexpected shape, is left out and counted,
because it could be free text from an older version of the content.

Beside the tables: ``data_dictionary.csv`` (REDCap-style codebook), ``datapackage.json``
(Frictionless) and ``manifest.json`` (what was done: options, counts, tables, content versions;
no ids and no offsets). Every file is owner-only. Every export is audited with counts and options.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import pandas as pd

from securebase.core import config
from securebase import content
from securebase.content import scales
from securebase.intake.assessments import Assessment, get_assessments
from securebase.intake.consent import research_consented
from securebase.content import FieldSpec, Program, field_types
from securebase.content.model import WEEKDAYS
from securebase.privacy.suppression import DEFAULT_K
from securebase.store import Entry, Store
from securebase.safety.plan import PLAN_PROGRAM_ID
from securebase.research.codebook import (
    DICTIONARY_TABLE, TABLES, WrittenTable, _dictionary_columns, datapackage, dictionary_rows,
    redcap_names as redcap_name_map, sha256, variable_name, write_data_dictionary,
)
from securebase.research.formats import FORMATS, PACKAGE_FORMATS, typed_frame, value_labels, write_table
from securebase.research.deidentify import (
    DATE_MODES, MAX_SHIFT_DAYS, TEXT_MODES, ExportError, StudyKey, check_key_dir, coarse_time, new_code,
    answer_dates, new_study_key, suppress_rare, text_value, write_key_file,
)

INDEX, ENTRIES, ASSESSMENTS = "entries", "entries_long", "assessments_long"


@dataclass(frozen=True)
class ExportOptions:
    program_id: str | None = None          # None: every program
    text: str = "none"                     # none | redact | length
    keep_ids: bool = False
    keep_identifiers: bool = False
    dates: str = "days"                    # days | shifted | true
    formats: tuple[str, ...] = PACKAGE_FORMATS
    max_shift_days: int = MAX_SHIFT_DAYS
    k: int = DEFAULT_K                     # rare answers and small groups: fewer than k people are not shown

    def __post_init__(self) -> None:
        if self.k < 1:
            raise ValueError(f"k must be 1 or more (1: no suppression), not {self.k}")
        if self.dates not in DATE_MODES:
            raise ValueError(f"unknown dates option {self.dates!r}; use one of {', '.join(DATE_MODES)}")
        if self.text not in TEXT_MODES:
            raise ValueError(f"unknown free-text option {self.text!r}; use one of {', '.join(TEXT_MODES)}")
        unknown = [f for f in self.formats if f not in FORMATS]
        if unknown or not self.formats:
            raise ValueError(f"unknown format {', '.join(unknown) or '(none)'}; use any of {', '.join(FORMATS)}")
        if self.program_id is not None:
            content.program(self.program_id)  # a clear KeyError for an unknown program

    def describe(self) -> dict[str, Any]:
        """The options in words, for the manifest and the audit (no ids, no offsets)."""
        return {
            "program": self.program_id or "all",
            "client_ids": "kept (client codes)" if self.keep_ids else "replaced by random study codes",
            "identifier_fields": "kept" if self.keep_identifiers else "removed",
            "free_text": {"none": "removed", "redact": "rows kept, text replaced by [redacted]",
                          "length": "rows kept, text replaced by its length class"}[self.text],
            "dates": {"days": "day numbers only (day 1 = the person's first day); no calendar dates",
                      "shifted": f"shifted by one random offset per person into the past ({self.max_shift_days} "
                                 "possible values each), none past the first day of the export's month; "
                                 "intervals within a person kept",
                      "true": "not shifted"}[self.dates],
            "formats": list(self.formats),
            "k": self.k,
            "rare_answers": (f"an answer from a closed set that fewer than {self.k} people gave is [rare]; the people "
                             f"of a program fewer than {self.k} people follow are left out" if self.k > 1
                             else "not suppressed"),
        }


@dataclass
class Counts:
    people: int = 0
    entries: int = 0
    assessments: int = 0
    identifier_values_removed: int = 0
    free_text_values_removed: int = 0
    free_text_values_redacted: int = 0
    unexpected_values_removed: int = 0      # off the field's declared shape, or a field content no longer has
    calendar_values_removed: int = 0        # weekdays (with day numbers) and days of the month a person chose
    rare_values_suppressed: int = 0         # answers from a closed set that fewer than k people gave: [rare]
    people_in_small_programs_left_out: int = 0
    people_without_research_consent: int = 0   # left out: no current research consent (intake.consent)
    calendar_weekdays_moved: int = 0        # weekdays moved with the person's shifted dates
    entries_of_unknown_exercises: int = 0


@dataclass(frozen=True)
class ResearchTables:
    """The frames of one export and what it took to make them (the key stays in memory)."""

    frames: dict[str, pd.DataFrame]
    key: StudyKey
    counts: Counts
    programs: tuple[Program, ...]
    instruments: tuple[scales.Instrument, ...]


@dataclass(frozen=True)
class ExportResult:
    export_id: str
    out_dir: Path
    files: dict[str, Path]                 # file name -> path
    key_file: Path | None
    manifest: dict[str, Any] = field(repr=False)


# ---------------------------------------------------------------- values


def _is_number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def answer_rows(
    spec: FieldSpec, value: Any, *, text: str = "none", shift_date: Callable[[date], date] = lambda d: d
) -> list[tuple[int | None, str | None, str, float | None]] | None:
    """One stored answer as ``(position, key, value, value_num)`` rows.

    ``[]`` means the answer is left out on purpose (free text with ``text="none"``); ``None``
    means it does not fit the field's declared shape and is left out for safety.
    """
    return spec.type.export_rows(spec, value, show_text=lambda item: text_value(item, text), shift_date=shift_date)


# ---------------------------------------------------------------- gathering


def _day(when: date, first: date | None) -> int | None:
    return (when - first).days + 1 if first else None


def _when(stamp: str) -> date:
    return date.fromisoformat(stamp[:10])


def _calendar_value(spec: FieldSpec, value: Any, options: ExportOptions, key: StudyKey, client_id: str,
                    counts: Counts) -> Any:
    """A chosen weekday or day of the month as the export may show it; ``None``: left out."""
    if options.dates == "true" or not spec.calendar:
        return value
    if spec.calendar == "weekday" and options.dates == "shifted" and isinstance(value, str) and value in WEEKDAYS:
        counts.calendar_weekdays_moved += 1
        return key.shift_weekday(client_id, value)
    counts.calendar_values_removed += 1
    return None


def build_tables(store: Store, options: ExportOptions | None = None, *, now: datetime | None = None) -> ResearchTables:
    """Read the store and build the de-identified frames (nothing is written). ``now`` is when the
    export is made; with shifted dates no date is shifted past the first day of its month."""
    options = options or ExportOptions()
    all_programs = content.programs()
    programs = tuple(all_programs[p] for p in sorted(all_programs) if options.program_id in (None, p))
    by_program = {p.id: p for p in programs}
    instruments = scales.instruments()
    counts = Counts()

    people: dict[str, tuple[list[Entry], list[Assessment], date | None]] = {}
    consented = research_consented(store)
    for client in store.list_clients():
        entries = [e for e in store.current_entries(client.client_id, program_id=options.program_id)
                   if e.program_id != PLAN_PROGRAM_ID]   # a personal safety plan is never exported
        in_scope = options.program_id is None or client.program_id == options.program_id or bool(entries)
        assessments = get_assessments(store, client.client_id) if in_scope else []
        if not entries and not assessments:
            continue
        if client.client_id not in consented:
            counts.people_without_research_consent += 1
            continue
        first = client.start_date or min(
            [_when(e.occurred_at) for e in entries] + [_when(a.administered_at) for a in assessments])
        people[client.client_id] = (entries, assessments, first)

    latest: dict[str, date] = {}
    for client_id, (entries, assessments, first) in people.items():
        seen = [first] + [_when(a.administered_at) for a in assessments]
        for e in entries:
            program = by_program.get(e.program_id)
            try:
                exercise = program.find_exercise(e.exercise_id)[1] if program else None
            except KeyError:
                exercise = None
            seen += [_when(e.occurred_at)] + (answer_dates(exercise, e.data) if exercise else [])
        latest[client_id] = max(d for d in seen if d is not None)
    ceiling = coarse_time(now or datetime.now(timezone.utc)).date()
    key = new_study_key(people, keep_ids=options.keep_ids, shift_dates=options.dates == "shifted",
                        max_days=options.max_shift_days, latest=latest, ceiling=ceiling)
    counts.people = len(people)
    index_rows: list[dict[str, Any]] = []
    entry_rows: list[dict[str, Any]] = []
    assessment_rows: list[dict[str, Any]] = []
    taken: set[str] = set()
    for client_id in sorted(people, key=key.code):  # ordered by the random code, never by client id
        entries, assessments, first = people[client_id]
        study_id = key.code(client_id)

        def shift(day: date, _c: str = client_id, _first: date | None = first) -> date | int | None:
            return _day(day, _first) if options.dates == "days" else key.shift(_c, day)

        def event_date(day: date, _c: str = client_id) -> date | None:
            return None if options.dates == "days" else key.shift(_c, day)

        for entry in entries:
            program = by_program.get(entry.program_id)
            try:
                _, exercise = program.find_exercise(entry.exercise_id) if program else (None, None)
            except KeyError:
                exercise = None
            if exercise is None:
                counts.entries_of_unknown_exercises += 1
                counts.unexpected_values_removed += len(entry.data)
                continue
            counts.entries += 1
            when = _when(entry.occurred_at)
            meta = {
                "study_id": study_id, "program_id": entry.program_id, "phase_id": entry.phase_id,
                "exercise_id": entry.exercise_id, "content_version": entry.content_version,
                "entry_code": new_code("E", taken), "day": _day(when, first), "date": event_date(when),
            }
            known = {f.id for f in exercise.fields}
            index_rows.append({**meta, "answered": sum(1 for k in entry.data if k in known)})
            counts.unexpected_values_removed += sum(1 for k in entry.data if k not in known)
            for spec in exercise.fields:  # content order, so that rows read like the form
                if spec.id not in entry.data:
                    continue
                if spec.identifier and not options.keep_identifiers:
                    counts.identifier_values_removed += 1
                    continue
                value = _calendar_value(spec, entry.data[spec.id], options, key, client_id, counts)
                if value is None:
                    continue
                rows = answer_rows(spec, value, text=options.text, shift_date=shift)
                if rows is None:
                    counts.unexpected_values_removed += 1
                    continue
                if spec.type.is_free_text:
                    if rows:
                        counts.free_text_values_redacted += 1
                    else:
                        counts.free_text_values_removed += 1
                for position, item_key, value, value_num in rows:
                    entry_rows.append({
                        **meta, "variable": variable_name(exercise.id, spec.id), "field_id": spec.id,
                        "position": position, "key": item_key, "value": value, "value_num": value_num,
                        "value_type": spec.type.value,
                    })

        for a in assessments:
            counts.assessments += 1
            when = _when(a.administered_at)
            meta = {
                "study_id": study_id, "assessment_code": new_code("A", taken), "instrument_id": a.instrument_id,
                "instrument_version": a.instrument_version, "scoring_version": a.scoring_version,
                "occasion": a.occasion, "day": _day(when, first), "date": event_date(when),
            }
            instrument = instruments.get(a.instrument_id)
            order = {i.id: n for n, i in enumerate(instrument.items)} if instrument else {}
            subscale_of = {i.id: i.subscale for i in instrument.items} if instrument else {}
            for item_id in sorted(a.responses, key=lambda i: (order.get(i, len(order)), i)):
                value = a.responses[item_id]
                if not _is_number(value):
                    counts.unexpected_values_removed += 1
                    continue
                assessment_rows.append({**meta, "kind": "item", "variable": f"{a.instrument_id}.{item_id}",
                                        "subscale": subscale_of.get(item_id), "value": float(value), "category": None})
            for sub_id, sub in a.result.get("subscales", {}).items():
                score = sub.get("score")
                assessment_rows.append({**meta, "kind": "subscale", "variable": f"{a.instrument_id}.{sub_id}",
                                        "subscale": sub_id, "value": float(score) if _is_number(score) else None,
                                        "category": sub.get("band")})
            for cl_id, cl in a.result.get("classifications", {}).items():
                assessment_rows.append({**meta, "kind": "classification", "variable": f"{a.instrument_id}.{cl_id}",
                                        "subscale": None, "value": None, "category": cl.get("rule")})

    frames = {name: typed_frame(rows, TABLES[name])
              for name, rows in ((INDEX, index_rows), (ENTRIES, entry_rows), (ASSESSMENTS, assessment_rows))}
    suppressed = suppress_rare(frames, options.k)
    counts.people_in_small_programs_left_out = suppressed["people_in_small_programs_left_out"]
    counts.rare_values_suppressed = suppressed["rare_values_suppressed"]
    kept = set(frames[INDEX]["study_id"]) | set(frames[ASSESSMENTS]["study_id"])
    if len(kept) < len(key.codes):   # the left-out people leave the key too
        key = StudyKey({c: s for c, s in key.codes.items() if s in kept},
                       {c: o for c, o in key.offsets.items() if key.codes[c] in kept}, key.pseudonymised)
        counts.people = len(key.codes)
    return ResearchTables(frames, key, counts, programs, tuple(instruments[i] for i in sorted(instruments)))


# ---------------------------------------------------------------- writing


def _content_versions(tables: ResearchTables) -> dict[str, Any]:
    return {
        "programs": {p.id: p.version for p in tables.programs},
        "instruments": {i.id: {"version": i.version, "scoring_version": i.scoring_version}
                        for i in tables.instruments},
    }


def export_research(
    store: Store,
    out_dir: Path | str,
    *,
    key_dir: Path | str | None = None,
    no_key: bool = False,
    program_id: str | None = None,
    text: str = "none",
    keep_ids: bool = False,
    keep_identifiers: bool = False,
    dates: str = "days",
    now: datetime | None = None,
    formats: tuple[str, ...] | list[str] = PACKAGE_FORMATS,
    redcap_names: bool = False,
    k: int = DEFAULT_K,
    fhir: bool = False,
) -> ExportResult:
    """Write a de-identified research export to ``out_dir`` (a new or empty folder).

    With study codes (the default) the key file is written to ``key_dir``, which must be given
    and must not be the export folder or inside it; ``no_key=True`` writes no key at all, so the
    codes can never be traced back. With ``keep_ids`` there is no key to write. ``redcap_names``
    names every variable as REDCap requires, in the dictionary and in the tables alike. ``fhir`` adds
    the questionnaires and every administration in the export as FHIR resources (:mod:`.fhir`).
    """
    options = ExportOptions(program_id=program_id, text=text, keep_ids=keep_ids, keep_identifiers=keep_identifiers,
                            dates=dates, formats=tuple(dict.fromkeys(formats)), k=k)
    out = Path(out_dir)
    needs_key = not keep_ids and not no_key
    if needs_key:
        if key_dir is None:
            raise ExportError("Study codes need a key file: pass a key directory outside the export folder "
                              "(or choose no key, so that the codes can never be traced back).")
        check_key_dir(Path(key_dir), out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ExportError(f"{out} is not an empty folder; choose a new folder for the export.")

    made = coarse_time(now or datetime.now(timezone.utc))
    tables = build_tables(store, options, now=made)
    export_id = uuid.uuid4().hex
    created = made.isoformat(timespec="seconds")      # the month only: see deidentify
    written: list[WrittenTable] = []
    files: dict[str, Path] = {}
    key_file: Path | None = None
    config.ensure_private_dir(out)
    out.chmod(0o700)
    try:
        patterns = {"study_id": r"^S-[A-Z0-9]{6}$"} if tables.key.pseudonymised else {}
        enums = {
            "program_id": tuple(p.id for p in tables.programs),
            "phase_id": tuple(sorted({ph.id for p in tables.programs for ph in p.phases})),
            "exercise_id": tuple(sorted({e.id for p in tables.programs for ph in p.phases for e in ph.exercises})),
            "instrument_id": tuple(i.id for i in tables.instruments),
            "value_type": tuple(t.value for t in field_types),   # every registered type, also one added later
        }
        rows = dictionary_rows(tables.programs, tables.instruments)
        if redcap_names:
            renamed = redcap_name_map([r["Variable / Field Name"] for r in rows])
            rows = dictionary_rows(tables.programs, tables.instruments, redcap=True)
            for frame in tables.frames.values():
                if "variable" in frame:
                    frame["variable"] = frame["variable"].map(renamed).astype("str")
        labels = value_labels(tables.programs, tables.instruments)
        for name, frame in tables.frames.items():
            for fmt in options.formats:
                path = write_table(frame, TABLES[name], out / f"{name}.{fmt}", fmt, labels, made)
                files[path.name] = path
                if fmt in PACKAGE_FORMATS:
                    written.append(WrittenTable(name, path, fmt, TABLES[name], len(frame), enums, patterns))
        if fhir:
            from securebase.research.fhir import export_bundles

            for name, resources in export_bundles(tables.frames[ASSESSMENTS], tables.instruments).items():
                files[name] = _write_json(out / name, resources)
        path = write_data_dictionary(out / f"{DICTIONARY_TABLE}.csv", rows)
        files[path.name] = path
        written.append(WrittenTable(DICTIONARY_TABLE, path, "csv", _dictionary_columns(), len(rows)))

        description = ("De-identified journal entries and questionnaire results from Secure Base, as long tables. "
                       "See manifest.json for what was removed or changed and data_dictionary.csv for the variables.")
        package = datapackage(written, out, name="securebase-research-export", created=created,
                              description=description, export_id=export_id)
        files["datapackage.json"] = _write_json(out / "datapackage.json", package)

        table_counts = {name: len(frame) for name, frame in tables.frames.items()}
        manifest = {
            "export_id": export_id,
            "created": created,
            "created_means": "the first day of the month the export was made in (UTC); the exact time is kept "
                             "only in the store's audit",
            "securebase_version": _version(),
            "options": options.describe(),
            "key_file": ("written separately, outside this folder; it is not part of the export" if needs_key
                         else "none: client codes were kept" if keep_ids
                         else "none: the study codes cannot be traced back"),
            "counts": {**asdict(tables.counts), "rows": table_counts},
            "identifier_fields": sorted(
                f"{p.id}:{variable_name(e.id, f.id)}" for p in tables.programs for ph in p.phases
                for e in ph.exercises for f in e.fields if f.identifier),
            "free_text_fields": sum(1 for p in tables.programs for ph in p.phases for e in ph.exercises
                                    for f in e.fields if f.type.is_free_text),
            "tables": {
                name: {"rows": table_counts.get(name, len(rows)),
                       "files": [w.path.name for w in written if w.table == name],
                       "columns": [c.name for c in (TABLES.get(name) or _dictionary_columns())]}
                for name in [*tables.frames, DICTIONARY_TABLE]
            },
            "content_versions": _content_versions(tables),
            "shape": {
                INDEX: "one row per entry (current revision, not deleted)",
                ENTRIES: "one row per entry x answered field x item; lists one row per item (position), body maps "
                         "one row per location (key); unanswered fields have no row",
                ASSESSMENTS: "one row per administration x item answered, subscale score and classification (kind)",
                "day": "day 1 = the person's start date (or first exported event), from the true dates",
            },
        }
        manifest["files"] = {name: {"bytes": path.stat().st_size, "sha256": sha256(path)}
                             for name, path in sorted(files.items())}
        files["manifest.json"] = _write_json(out / "manifest.json", manifest)
        for path in [*files.values(), out]:   # the files' own times say no more than the manifest does
            os.utime(path, (made.timestamp(), made.timestamp()))
        if needs_key:
            key_file = write_key_file(tables.key, Path(key_dir), out, export_id)  # type: ignore[arg-type]
    except BaseException:
        for path in files.values():
            path.unlink(missing_ok=True)
        for w in written:
            w.path.unlink(missing_ok=True)
        if key_file is not None:
            key_file.unlink(missing_ok=True)
        raise

    store.record_export(what="research_export", client_ids=sorted(tables.key.codes), detail={
        "export_id": export_id, "options": options.describe(), "counts": asdict(tables.counts),
        "rows": {name: len(frame) for name, frame in tables.frames.items()}, "files": sorted(files),
        "key_file": needs_key, "free_text": options.text, "client_ids": options.keep_ids,
        "dates": options.dates,
    })
    return ExportResult(export_id, out, files, key_file, manifest)


def _write_json(path: Path, data: dict[str, Any]) -> Path:
    return config.write_private_file(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("securebase")
    except PackageNotFoundError:  # pragma: no cover
        return "unknown"
