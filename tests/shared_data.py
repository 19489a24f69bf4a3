"""Where the real public data sets live: never copied into the repository.

``$SECUREBASE_DATASETS`` if set, else ``../shared/datasets`` beside the checkout, else
``/work/shared/datasets`` (the workplace's shared folder, for clones made elsewhere).
"""

from __future__ import annotations

import os
from pathlib import Path

_CANDIDATES = [
    os.environ.get("SECUREBASE_DATASETS", ""),
    str(Path(__file__).resolve().parents[1].parent / "shared" / "datasets"),
    "/work/shared/datasets",
]


def dataset_path(name: str) -> Path:
    """The first existing copy of ``name``, or the first candidate path (for the skip message)."""
    paths = [Path(c) / name for c in _CANDIDATES if c]
    return next((p for p in paths if p.exists()), paths[0])
