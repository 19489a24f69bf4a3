"""The research export's tables as files: typed frames, and each file format's writer and reader.

One frame per table, its columns typed as :data:`securebase.research.codebook.TABLES` says. Every file
is written owner-only from its first byte (:func:`securebase.core.config.write_private_file`).

:data:`FORMATS`: ``csv`` and ``parquet`` (both described by the data package), and for statistics
packages ``sav`` (SPSS) and ``dta`` (Stata) through pyreadstat, ``rds`` (R) through pyreadr. In those
three the columns whose values the codebook names (program, phase, exercise, instrument, occasion,
kind, field type) carry the codebook's labels: SPSS and Stata as value labels on whole-number codes,
R as the levels of a factor. SPSS and Stata also carry each column's description as its label.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from securebase.content import field_types
from securebase.core import config
from securebase.intake.assessments import OCCASION_LABELS
from securebase.research.codebook import TABLES, Column


_PANDAS = {"string": "str", "integer": "Int64", "number": "float64", "boolean": "boolean", "date": "object"}


def typed_frame(rows: list[dict[str, Any]], columns: tuple[Column, ...]) -> pd.DataFrame:
    frame = pd.DataFrame.from_records(rows, columns=[c.name for c in columns])
    for c in columns:
        if c.type != "date":
            frame[c.name] = frame[c.name].astype(_PANDAS[c.type])
    return frame


def _arrow_schema(columns: tuple[Column, ...]) -> Any:
    import pyarrow as pa

    types = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(), "boolean": pa.bool_(),
             "date": pa.date32()}
    return pa.schema([pa.field(c.name, types[c.type], nullable=not c.required) for c in columns])


FORMATS = ("csv", "parquet", "sav", "dta", "rds")
PACKAGE_FORMATS = ("csv", "parquet")       # the formats the Frictionless data package describes
STATA_LABEL = 80                           # Stata's longest variable label


def value_labels(programs, instruments) -> dict[str, dict[str, str]]:
    """The codebook's label of each value of the columns that have one (for SPSS, Stata and R files)."""
    phases: dict[str, dict[str, str]] = {}
    exercises: dict[str, dict[str, str]] = {}
    for p in programs:
        for ph in p.phases:
            phases.setdefault(ph.id, {})[p.id] = ph.title
            for e in ph.exercises:
                exercises.setdefault(e.id, {})[p.id] = e.title

    def one(titles: dict[str, str]) -> str:   # an id two programs use with two titles: both, named
        return next(iter(titles.values())) if len(set(titles.values())) == 1 else \
            " / ".join(f"{title} ({program})" for program, title in titles.items())

    return {
        "program_id": {p.id: p.title for p in programs},
        "phase_id": {k: one(v) for k, v in sorted(phases.items())},
        "exercise_id": {k: one(v) for k, v in sorted(exercises.items())},
        "instrument_id": {i.id: i.title for i in instruments},
        "occasion": dict(OCCASION_LABELS),
        "kind": {"item": "Item answer", "subscale": "Subscale score", "classification": "Classification"},
        "value_type": {t.value: t.value.replace("_", " ") for t in field_types},
    }


def _statistics_frame(frame: pd.DataFrame, columns: tuple[Column, ...],
                      labels: dict[str, dict[str, str]]) -> tuple[pd.DataFrame, dict[str, dict[int, str]]]:
    """The frame as SPSS and Stata take it: labelled columns as codes 1..n, dates as date objects, numbers
    as floats (their missing values too), and the value labels of the codes."""
    out = pd.DataFrame(index=frame.index)
    value_labels: dict[str, dict[int, str]] = {}
    for c in columns:
        col = frame[c.name]
        if c.name in labels:
            codes = {value: n for n, value in enumerate(labels[c.name], start=1)}
            out[c.name] = col.map(codes).astype("float64")
            value_labels[c.name] = {n: labels[c.name][value] for value, n in codes.items()}
        elif c.type == "date" and col.isna().all():   # an export without dates: empty, not an empty string
            out[c.name] = float("nan")
        elif c.type == "date":
            out[c.name] = col.astype("object")   # date objects: pyreadstat writes them as dates (datetime64[s] it gets wrong)
        elif c.type in ("integer", "number", "boolean"):
            out[c.name] = col.astype("float64")
        else:
            out[c.name] = col.astype("object").where(col.notna(), None)
    return out, value_labels


def _written_by(write, path: Path) -> bytes:
    """What a library that only writes to a path wrote, read back (its file sits in a private folder)."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="securebase-export-") as tmp:
        target = Path(tmp) / path.name
        write(str(target))
        return target.read_bytes()


def stamped(fmt: str, raw: bytes, when: datetime) -> bytes:
    """An SPSS or Stata file whose header gives ``when`` as its time: pyreadstat writes the moment of writing,
    to the second, which would date the export more finely than its manifest does."""
    if fmt == "sav" and raw[:4] == b"$FL2":   # creation date (9 bytes) and time (8) at fixed places
        return raw[:92] + when.strftime("%d %b %y").encode("ascii") + when.strftime("%H:%M:%S").encode("ascii") + raw[109:]
    if fmt == "dta":
        at = raw.find(b"<timestamp>") + len(b"<timestamp>")
        if at >= len(b"<timestamp>") and raw[at] == 17:   # a length byte, then "dd Mon yyyy hh:mm"
            return raw[:at + 1] + when.strftime("%d %b %Y %H:%M").encode("ascii") + raw[at + 18:]
    raise ValueError(f"this {fmt} file does not have the header pyreadstat writes; it was not kept")


def write_table(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path, fmt: str,
                labels: dict[str, dict[str, str]] | None = None, when: datetime | None = None) -> Path:
    """Write one table owner-only from its first byte; ``labels``: the codebook's label of each value of
    the columns that have them (used by sav, dta and rds); ``when``: the time an SPSS or Stata file says it
    was made (the export's coarse time)."""
    labels = {name: values for name, values in (labels or {}).items() if name in frame}
    if fmt in ("sav", "dta"):
        import pyreadstat

        data, value_labels = _statistics_frame(frame, columns, labels)
        limit = STATA_LABEL if fmt == "dta" else 256
        column_labels = {c.name: c.description[:limit] for c in columns}
        writer = pyreadstat.write_sav if fmt == "sav" else pyreadstat.write_dta
        raw = _written_by(lambda target: writer(data, target, column_labels=column_labels,
                                                 variable_value_labels=value_labels), path)
        return config.write_private_file(path, stamped(fmt, raw, when) if when else raw)
    if fmt == "rds":
        import pyreadr

        data = frame.copy()
        for name, values in labels.items():
            data[name] = pd.Categorical(data[name].map(values), categories=list(dict.fromkeys(values.values())))
        return config.write_private_file(path, _written_by(lambda target: pyreadr.write_rds(target, data), path))
    if fmt == "csv":
        return config.write_private_file(path, frame.to_csv(index=False, lineterminator="\n"))
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(frame, schema=_arrow_schema(columns), preserve_index=False), buffer)
    return config.write_private_file(path, buffer.getvalue())


def read_table(path: Path | str) -> pd.DataFrame:
    """Read an exported table (CSV or Parquet) back with the export's column types."""
    path = Path(path)
    columns = TABLES[path.stem]
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path)
    else:
        frame = pd.read_csv(path, dtype={c.name: _PANDAS[c.type] for c in columns if c.type != "date"},
                            keep_default_na=False, na_values=[""])
    for c in columns:
        if c.type == "date":
            frame[c.name] = [date.fromisoformat(str(v)[:10]) if pd.notna(v) else None for v in frame[c.name]]
    return frame
