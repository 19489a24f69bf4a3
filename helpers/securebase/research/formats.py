"""The research export's tables as files: typed frames, and each file format's writer and reader.

One frame per table, its columns typed as :data:`securebase.research.codebook.TABLES` says. Every file
is written owner-only from its first byte (:func:`securebase.core.config.write_private_file`).
"""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from securebase.core import config
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


def write_table(frame: pd.DataFrame, columns: tuple[Column, ...], path: Path, fmt: str) -> Path:
    """Write one table owner-only from its first byte."""
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
