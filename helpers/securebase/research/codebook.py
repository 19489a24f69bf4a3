"""The codebook of a research export, generated from ``content/``: nothing here is written by hand.

Two forms:

* **A REDCap-style data dictionary** (:func:`data_dictionary`, ``data_dictionary.csv``): one row
  per variable, with REDCap's 18 column names in REDCap's order, then a few columns REDCap
  does not have (program, phase, exercise, our field type, free-text and default-export flags,
  body-map states, the shape of the variable in the long tables). Variables are
  ``<exercise id>.<field id>`` for workbook fields and ``<instrument id>.<item, subscale or
  classification id>`` for questionnaires. A variable is unique within a program (exercise ids
  are unique per program, not across programs; the long tables carry ``program_id`` too). The dot
  makes the file REDCap-*style*: REDCap itself only takes ``[a-z0-9_]`` names of at most 26
  characters, so ``redcap=True`` (``securebase export --redcap-names``) renames every variable
  (:func:`redcap_names`), in calculations too, and puts REDCap's ``record_id`` first.

  Choices are in REDCap's ``select_choices_or_calculations`` form, ``value, Label | value, Label``,
  with the stored values (yes/no fields: ``1, Yes | 0, No``, as their ``value`` in the export).
  Numeric ranges go in *Text Validation Min/Max*. A subscale is a ``calc`` field whose
  calculation is written in REDCap's syntax (reverse-keyed items as ``(8 - [item])``).

* **A Frictionless data package** (:func:`datapackage`, ``datapackage.json``, profile
  ``tabular-data-package``): one resource per written file (CSV and Parquet each), with the
  table's schema - field names, types, descriptions and constraints - taken from
  :data:`TABLES`, the one definition of the export's columns that the exporter also uses to build
  its frames and Parquet schemas. Parquet resources say ``format: parquet``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from securebase.content import Exercise, FieldSpec, Phase, Program, field_types
from securebase.content.fields import choices_text, one_line as _clean
from securebase.content.scales import Instrument
from securebase.core import config

# ---------------------------------------------------------------- the exported tables


@dataclass(frozen=True)
class Column:
    name: str
    type: str                      # Frictionless type: string, integer, number, date, boolean
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()
    pattern: str = ""
    minimum: int | float | None = None


def _entry_columns() -> tuple[Column, ...]:
    return (
        Column("study_id", "string", "The person: a random study code (S-XXXXXX) unless ids were kept on request", True),
        Column("program_id", "string", "Program of the entry (see the codebook)", True),
        Column("phase_id", "string", "Phase of the program the exercise belongs to", True),
        Column("exercise_id", "string", "Exercise (the form) the entry was made in", True),
        Column("content_version", "string", "Version of the program content the entry was saved against", True),
        Column("entry_code", "string", "The entry: a random code for this export (not the store's id); "
               "all rows of one entry share it", True, pattern=r"^E-[A-Z0-9]{8}$"),
        Column("day", "integer", "Day of the event counted from the person's start date (day 1 = start date), "
               "from the true dates, so intervals are exact"),
        Column("date", "date", "Date of the event: empty by default (day numbers only); when dates were asked "
               "for, shifted by the person's random offset (intervals within a person kept) or true"),
    )


def _entries_columns() -> tuple[Column, ...]:
    return _entry_columns() + (
        Column("answered", "integer", "How many of the exercise's fields were answered (whether or not the "
               "export holds their values)", True, minimum=0),
    )


def _entries_long_columns() -> tuple[Column, ...]:
    return _entry_columns() + (
        Column("variable", "string", "<exercise_id>.<field_id>: the codebook variable", True),
        Column("field_id", "string", "The question within the exercise", True),
        Column("position", "integer", "For list answers: 1-based place of the item (rank for rankings, "
               "order picked for multiple choice, order written for text lists); empty otherwise", minimum=1),
        Column("key", "string", "For body maps: the body location; empty otherwise"),
        Column("value", "string", "The answer as text: the choice value, the number, 1/0 for yes/no, the "
               "body-map state; free text only as [redacted] or a length class, if asked for", True),
        Column("value_num", "number", "The answer as a number where it is one (numbers, ratings, yes/no as 1/0)"),
        Column("value_type", "string", "The field type (see the codebook)", True,
               enum=tuple(t.value for t in field_types)),
    )


def _assessment_columns() -> tuple[Column, ...]:
    return (
        Column("study_id", "string", "The person: a random study code (S-XXXXXX) unless ids were kept on request", True),
        Column("assessment_code", "string", "The administration: a random code for this export; all rows of "
               "one administration share it", True, pattern=r"^A-[A-Z0-9]{8}$"),
        Column("instrument_id", "string", "The questionnaire", True),
        Column("instrument_version", "string", "Version of the questionnaire's wording", True),
        Column("scoring_version", "string", "Version of the scoring rules that produced the scores", True),
        Column("occasion", "string", "intake, milestone or follow_up", True,
               enum=("intake", "milestone", "follow_up")),
        Column("day", "integer", "Day of the administration counted from the person's start date (day 1)"),
        Column("date", "date", "Date of the administration: empty, shifted or true, like the entries' dates"),
        Column("kind", "string", "item (an answer), subscale (a score) or classification (a named pattern)",
               True, enum=("item", "subscale", "classification")),
        Column("variable", "string", "<instrument_id>.<item, subscale or classification id>: the codebook variable",
               True),
        Column("subscale", "string", "The subscale the item belongs to, or the subscale scored; empty for "
               "classifications"),
        Column("value", "number", "The answer as given (before reverse keying) or the subscale score; empty "
               "when a subscale could not be scored"),
        Column("category", "string", "The band of a subscale score, or the rule id of a classification"),
    )


DICTIONARY_COLUMNS = (
    "Variable / Field Name", "Form Name", "Section Header", "Field Type", "Field Label",
    "Choices, Calculations, OR Slider Labels", "Field Note", "Text Validation Type OR Show Slider Number",
    "Text Validation Min", "Text Validation Max", "Identifier?", "Branching Logic (Show field only if...)",
    "Required Field?", "Custom Alignment", "Question Number (surveys only)", "Matrix Group Name",
    "Matrix Ranking?", "Field Annotation",
)
EXTRA_COLUMNS = (
    "program", "program_version", "phase", "exercise", "value_type", "free_text", "default_export",
    "states", "min_items", "max_items", "long_shape",
)


def _dictionary_columns() -> tuple[Column, ...]:
    return tuple(Column(name, "string", f"REDCap data dictionary column {name!r}") for name in DICTIONARY_COLUMNS) + (
        Column("program", "string", "Program id (workbook fields) or empty (questionnaires)"),
        Column("program_version", "string", "Program or instrument version the codebook was made from"),
        Column("phase", "string", "Phase id of the exercise"),
        Column("exercise", "string", "Exercise id, or the instrument id"),
        Column("value_type", "string", "Secure Base field type"),
        Column("free_text", "string", "yes when the answer is free text (left out of exports by default)"),
        Column("default_export", "string", "yes when the default (de-identified) export holds the variable's values"),
        Column("states", "string", "Body maps: the states a location can be in, as value, Label | ..."),
        Column("min_items", "string", "List answers: fewest items"),
        Column("max_items", "string", "List answers: most items"),
        Column("long_shape", "string", "How the variable appears in the long tables"),
    )


TABLES: dict[str, tuple[Column, ...]] = {
    "entries": _entries_columns(),
    "entries_long": _entries_long_columns(),
    "assessments_long": _assessment_columns(),
}
DICTIONARY_TABLE = "data_dictionary"

# ---------------------------------------------------------------- the data dictionary

def _num(x: float | None) -> str:
    if x is None:
        return ""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def default_exported(spec: FieldSpec) -> bool:
    """Whether the default export (identifiers and free text removed) holds this field's values."""
    return not spec.identifier and not spec.type.is_free_text


def variable_name(exercise_id: str, field_id: str) -> str:
    return f"{exercise_id}.{field_id}"


REDCAP_MAX = 26                      # REDCap warns above 26 characters (and some of its exports cut there)
REDCAP_RECORD_ID = "record_id"       # REDCap's first variable is the record's id: here the study code
_REDCAP_LEGAL = re.compile(r"[a-z][a-z0-9_]*\Z")


def _redcap_word(name: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", name.lower())).strip("_")


def _initials(name: str) -> str:
    return "".join(part[0] for part in _redcap_word(name).split("_") if part)


def redcap_names(variables: Iterable[str]) -> dict[str, str]:
    """A REDCap variable name for each of our ``<form>.<field>`` names: lowercase letters, digits and
    ``_``, starting with a letter, at most 26 characters, unique, and the same for the same content.
    The form part is shortened to its initials when the whole is too long (``insecurity_pattern_journal``
    becomes ``ipj``), then the field part is cut and given a short hash to stay unique."""
    out: dict[str, str] = {}
    taken = {REDCAP_RECORD_ID}
    for name in variables:
        if name in out:
            continue
        form, _, field_id = name.partition(".")
        candidates = [f"{_redcap_word(form)}_{_redcap_word(field_id)}", f"{_initials(form)}_{_redcap_word(field_id)}"]
        digest = hashlib.sha256(name.encode()).hexdigest()[:3]
        short = f"{_initials(form)}_{_redcap_word(field_id)}"[: REDCAP_MAX - 4].rstrip("_") + "_" + digest
        chosen = next((c for c in [*candidates, short]
                       if len(c) <= REDCAP_MAX and _REDCAP_LEGAL.match(c) and c not in taken), None)
        n = 1
        while chosen is None or chosen in taken:
            chosen, n = f"v_{digest}_{n}", n + 1
        out[name] = chosen
        taken.add(chosen)
    return out


def _field_row(program: Program, phase: Phase, exercise: Exercise, spec: FieldSpec, first: bool) -> dict[str, str]:
    t = spec.type
    choices = choices_text(t.redcap_choices(spec))
    note = _clean(spec.help)
    anchors = "; ".join(f"{_num(value)} = {_clean(label)}" for value, label in t.anchors(spec))
    if anchors:
        note = f"{anchors}. {note}".strip() if note else anchors
    annotation = [a for a in (t.codebook_annotation(spec),) if a]
    if t.is_free_text:
        annotation.append(f"FREE TEXT (up to {spec.text_limit} characters)")
    if spec.identifier:
        annotation.append("IDENTIFIER")
    return {
        "Variable / Field Name": variable_name(exercise.id, spec.id),
        "Form Name": f"{program.id}_{exercise.id}",
        "Section Header": _clean(f"{phase.title}: {exercise.title}") if first else "",
        "Field Type": t.redcap_type,
        "Field Label": _clean(spec.label),
        "Choices, Calculations, OR Slider Labels": choices,
        "Field Note": note,
        "Text Validation Type OR Show Slider Number": t.redcap_validation,
        "Text Validation Min": _num(spec.min),
        "Text Validation Max": _num(spec.max),
        "Identifier?": "y" if spec.identifier else "",
        "Branching Logic (Show field only if...)": "",
        "Required Field?": "y" if spec.required else "",
        "Custom Alignment": "",
        "Question Number (surveys only)": "",
        "Matrix Group Name": "",
        "Matrix Ranking?": "",
        "Field Annotation": "; ".join(annotation),
        "program": program.id,
        "program_version": program.version,
        "phase": phase.id,
        "exercise": exercise.id,
        "value_type": t.value,
        "free_text": "yes" if t.is_free_text else "no",
        "default_export": "yes" if default_exported(spec) else "no",
        "states": choices_text((s.value, s.label) for s in spec.states),
        "min_items": "" if spec.min_items is None else str(spec.min_items),
        "max_items": "" if spec.max_items is None else str(spec.max_items),
        "long_shape": t.long_shape,
    }


def _blank(**values: str) -> dict[str, str]:
    row = dict.fromkeys((*DICTIONARY_COLUMNS, *EXTRA_COLUMNS), "")
    row.update(values)
    return row


def _instrument_rows(instrument: Instrument) -> list[dict[str, str]]:
    scale = instrument.response_scale
    lo, hi = scale.min, scale.max
    scale_choices = choices_text((v, scale.labels.get(v, str(v))) for v in range(lo, hi + 1))
    common = {"Form Name": instrument.id, "program_version": instrument.version, "exercise": instrument.id,
              "free_text": "no", "default_export": "yes"}
    rows = []
    for n, item in enumerate(instrument.items):
        rows.append(_blank(
            **common,
            **{"Variable / Field Name": f"{instrument.id}.{item.id}",
               "Section Header": _clean(instrument.title) if n == 0 else "",
               "Field Type": "radio", "Field Label": _clean(item.text),
               "Choices, Calculations, OR Slider Labels": scale_choices,
               "Field Note": f"subscale {item.subscale}",
               "Field Annotation": f"REVERSE-KEYED: scored as {lo + hi} - answer" if item.reverse else "",
               "value_type": "item", "long_shape": "assessments_long: one row per administration (kind = item)"},
        ))
    for sub in instrument.subscales:
        items = instrument.items_of(sub.id)
        terms = ", ".join(f"({lo + hi} - [{instrument.id}.{i.id}])" if i.reverse else f"[{instrument.id}.{i.id}]"
                          for i in items)   # the items' own variables (renamed with them for REDCap)
        calc = f"round(mean({terms}), {sub.decimals})" if sub.method == "mean" else \
            f"round(mean({terms}) * {len(items)}, {sub.decimals})"
        factor = 1 if sub.method == "mean" else len(items)
        bands = "; ".join(f"from {_num(b.from_)}: {_clean(b.label)}" for b in sub.bands)
        rows.append(_blank(
            **common,
            **{"Variable / Field Name": f"{instrument.id}.{sub.id}", "Field Type": "calc",
               "Field Label": _clean(sub.label), "Choices, Calculations, OR Slider Labels": calc,
               "Field Note": (f"{sub.method} of the answered items" + (" (prorated)" if sub.method == "sum" else "")
                              + f"; scored when at most "
                              f"{sub.max_missing} of {len(items)} items are unanswered" + (f". Bands: {bands}" if bands else "")),
               "Text Validation Type OR Show Slider Number": "number",
               "Text Validation Min": _num(lo * factor), "Text Validation Max": _num(hi * factor),
               "Field Annotation": f"scoring version {instrument.scoring_version}", "value_type": "subscale",
               "long_shape": "assessments_long: one row per administration (kind = subscale, band in category)"},
        ))
    for cl in instrument.classifications:
        rows.append(_blank(
            **common,
            **{"Variable / Field Name": f"{instrument.id}.{cl.id}", "Field Type": "dropdown",
               "Field Label": _clean(cl.label),
               "Choices, Calculations, OR Slider Labels": choices_text((r.id, r.label) for r in cl.rules),
               "Field Note": "named from the subscale scores; the first rule that holds",
               "Field Annotation": f"scoring version {instrument.scoring_version}", "value_type": "classification",
               "long_shape": "assessments_long: one row per administration (kind = classification, rule in category)"},
        ))
    return rows


def dictionary_rows(programs: Iterable[Program], instruments: Iterable[Instrument] = (), *,
                    redcap: bool = False) -> list[dict[str, str]]:
    """Every field of every exercise of ``programs``, then every item, subscale and classification. With
    ``redcap`` the names are REDCap's own (:func:`redcap_names`, also inside calculations) and the first
    row is REDCap's record id, so that the file uploads to REDCap as it is."""
    rows = []
    for program in programs:
        for phase in program.phases:
            for exercise in phase.exercises:
                for n, spec in enumerate(exercise.fields):
                    rows.append(_field_row(program, phase, exercise, spec, first=n == 0))
    for instrument in instruments:
        rows.extend(_instrument_rows(instrument))
    if not redcap:
        return rows
    ours = [r["Variable / Field Name"] for r in rows]
    if len(set(ours)) != len(ours):
        raise ValueError("two programs share a variable name; export one program at a time (--program) for REDCap")
    names = redcap_names(ours)
    calc_ref = re.compile(r"\[([^\]]+)\]")
    for r in rows:
        r["Variable / Field Name"] = names[r["Variable / Field Name"]]
        r["Form Name"] = _redcap_word(r["Form Name"])
        if r["Field Type"] == "calc":
            r["Choices, Calculations, OR Slider Labels"] = calc_ref.sub(
                lambda m: f"[{names[m.group(1)]}]", r["Choices, Calculations, OR Slider Labels"])
    record = _blank(**{"Variable / Field Name": REDCAP_RECORD_ID, "Form Name": rows[0]["Form Name"] if rows else "record",
                       "Field Type": "text", "Field Label": "Study code", "Field Note": "the person's study code "
                       "(study_id in the long tables)", "free_text": "no", "default_export": "yes"})
    return [record, *rows]


def write_data_dictionary(path: Path, rows: list[dict[str, str]]) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, fieldnames=[*DICTIONARY_COLUMNS, *EXTRA_COLUMNS], lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return config.write_private_file(path, buffer.getvalue())


# ---------------------------------------------------------------- the data package

_MEDIA = {"csv": "text/csv", "parquet": "application/vnd.apache.parquet"}


def field_descriptor(column: Column, enums: dict[str, tuple[str, ...]] | None = None,
                     patterns: dict[str, str] | None = None) -> dict[str, Any]:
    """A Frictionless Table Schema field for one column."""
    descriptor: dict[str, Any] = {"name": column.name, "type": column.type, "description": column.description}
    if column.type == "date":
        descriptor["format"] = "default"  # ISO 8601 YYYY-MM-DD
    constraints: dict[str, Any] = {}
    if column.required:
        constraints["required"] = True
    enum = (enums or {}).get(column.name) or column.enum
    if enum:
        constraints["enum"] = list(enum)
    pattern = (patterns or {}).get(column.name, column.pattern)
    if pattern:
        constraints["pattern"] = pattern
    if column.minimum is not None:
        constraints["minimum"] = column.minimum
    if constraints:
        descriptor["constraints"] = constraints
    return descriptor


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class WrittenTable:
    """One file of one table, for the data package."""

    table: str
    path: Path
    format: str                    # csv or parquet
    columns: tuple[Column, ...]
    rows: int
    enums: dict[str, tuple[str, ...]] = field(default_factory=dict)
    patterns: dict[str, str] = field(default_factory=dict)


def resource(written: WrittenTable, root: Path) -> dict[str, Any]:
    name = written.table if written.format == "csv" else f"{written.table}-{written.format}"
    res: dict[str, Any] = {
        "name": name,
        "path": written.path.relative_to(root).as_posix(),
        "profile": "tabular-data-resource",
        "title": written.table.replace("_", " "),
        "format": written.format,
        "mediatype": _MEDIA[written.format],
    }
    if written.format == "csv":
        # frictionless checks a CSV file's size and hash; it reads Parquet through pyarrow and cannot, so a
        # Parquet resource that declared them would fail `frictionless validate` (the manifest lists every
        # file's size and SHA-256 instead)
        res["bytes"] = written.path.stat().st_size
        res["hash"] = f"sha256:{sha256(written.path)}"
        res["encoding"] = "utf-8"
        res["dialect"] = {"delimiter": ",", "doubleQuote": True, "header": True, "lineTerminator": "\n",
                          "quoteChar": '"'}
    res["schema"] = {
        "fields": [field_descriptor(c, written.enums, written.patterns) for c in written.columns],
        "missingValues": [""],
    }
    return res


def datapackage(written: Iterable[WrittenTable], root: Path, *, name: str, created: str, description: str,
                export_id: str) -> dict[str, Any]:
    """The ``datapackage.json`` descriptor (a plain dict, ready for ``json.dump``)."""
    return {
        "profile": "tabular-data-package",
        "name": name,
        "id": export_id,
        "title": "Secure Base research export",
        "description": description,
        "created": created,
        "resources": [resource(w, root) for w in written],
    }
