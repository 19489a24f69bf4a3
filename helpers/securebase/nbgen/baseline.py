"""The executed notebooks under ``notebooks/`` are nbval's baseline: the same content must give the same bytes.

:func:`securebase.nbgen.phase.execute_on_demo_store` runs each notebook on a throw-away store. Left
alone, every run would write a different file: the kernel's today, the throw-away folder's
random name, random widget model ids and the Python version end up in the outputs and metadata,
so a real change to the content could not be seen in review. This module removes each of those:

* **Today.** :func:`kernel_environment` pins ``SECUREBASE_TODAY`` (see :mod:`securebase.core.clock`)
  for the kernels the baseline build starts, to :data:`BASELINE_TODAY`, a fixed Monday.
* **Paths.** :func:`stabilise` writes the throw-away folder as :data:`DEMO_HOME` in every output
  (nbval's ``data-dir`` sanitizer treats it like any other Secure Base folder), and an ipykernel
  temporary folder as ``/tmp/ipykernel/``.
* **Widget model ids.** The widget state of a run is not kept (``metadata.widgets`` is dropped:
  nbval does not read it and does not compare widget views, whose ids are random), and each
  output's ``model_id`` is renumbered in order of first appearance, so the ids in one notebook stay
  distinct and an output that shows the same widget again keeps the same id.
* **Execution metadata.** Cell timings are not recorded (``record_timing=False``) and any left are
  dropped; ``language_info`` keeps what the kernel reports except the Python version, which
  differs between machines.
"""

from __future__ import annotations

import os
import re
from datetime import date
from typing import Any

import nbformat

from securebase.core import clock

BASELINE_TODAY = date(2026, 3, 23)     # a fixed Monday: the day every baseline shows
DEMO_HOME = "/tmp/securebase-demo"      # how the throw-away data folder is written in the baseline
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
KERNEL_TMP = re.compile(r"/tmp/ipykernel_\d+/")


def kernel_environment() -> dict[str, str]:
    """Environment variables for the kernels that execute baseline notebooks."""
    return {clock.TODAY_ENV: BASELINE_TODAY.isoformat()}


def stabilise(nb: nbformat.NotebookNode, *, demo_home: str | os.PathLike[str]) -> nbformat.NotebookNode:
    """Make an executed notebook independent of the run: fixed paths, model ids and metadata (in place)."""
    nb.metadata.pop("widgets", None)
    language_info = nb.metadata.get("language_info")
    if isinstance(language_info, dict):
        language_info.pop("version", None)
    homes = sorted({str(demo_home), os.path.realpath(demo_home)}, key=len, reverse=True)
    model_ids: dict[str, str] = {}
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        cell.metadata.pop("execution", None)
        for output in cell.get("outputs", []):
            for key, value in output.items():
                output[key] = _replace_paths(value, homes)
            view = output.get("data", {}).get(WIDGET_VIEW)
            if isinstance(view, dict) and "model_id" in view:
                view["model_id"] = model_ids.setdefault(view["model_id"], f"{len(model_ids) + 1:032x}")
    return nb


def _replace_paths(value: Any, homes: list[str]) -> Any:
    if isinstance(value, str):
        for home in homes:
            value = value.replace(home, DEMO_HOME)
        return KERNEL_TMP.sub("/tmp/ipykernel/", value)
    if isinstance(value, list):
        return [_replace_paths(v, homes) for v in value]
    if isinstance(value, dict):
        for key in value:
            value[key] = _replace_paths(value[key], homes)
        return value
    return value
