"""Running a workbook notebook in batch mode with papermill.

Executed notebooks contain the parameters papermill injected and the client's results,
so they are written to the client's folder in the data directory (never the repository),
readable by their owner only.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from securebase.core import config
from securebase.core.errors import SecureBaseError
from securebase.core.ids import validate_client_id


REPORT_PAGES = ("summary.html", "progress.html")  # a phase workbook's report, the progress view's


class BatchRunError(SecureBaseError):
    """A batch run of a workbook failed."""


@dataclass(frozen=True)
class BatchResult:
    executed_notebook: Path
    report_html: Path
    summary: dict[str, Any]


def run_workbook(
    notebook: Path,
    *,
    client_id: str,
    answers_path: Path | None = None,
    store_path: str = "",
    output_dir: Path | None = None,
    start_date: str = "",
    extra: dict[str, str] | None = None,
    timeout: int = 600,
) -> BatchResult:
    """Execute ``notebook`` for one client. ``extra`` sets further parameters of its first cell
    (for example ``handout_since`` of the progress notebook); a name the notebook does not
    declare is refused, so that a typo is not silently ignored."""
    import papermill as pm

    validate_client_id(client_id)
    if not notebook.is_file():
        raise BatchRunError(f"There is no notebook at {notebook}.")
    if answers_path is not None and not answers_path.is_file():
        raise BatchRunError(f"There is no answers file at {answers_path}.")
    client_folder = config.ensure_private_dir(config.client_dir(client_id))
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    out_dir = Path(output_dir) if output_dir else client_folder / "reports" / f"{notebook.stem}-{stamp}"
    executed = config.ensure_private_dir(client_folder / "notebooks") / f"{notebook.stem}-{stamp}.ipynb"
    declared = pm.inspect_notebook(str(notebook))
    unknown = sorted(set(extra or {}) - set(declared))
    if unknown:
        raise BatchRunError(
            f"{notebook.name} has no parameter {', '.join(map(repr, unknown))}; "
            f"its parameters are: {', '.join(declared)}."
        )
    if answers_path is not None and "answers_path" not in declared:
        raise BatchRunError(f"{notebook.name} takes no answers file; run it without --answers.")
    given = {
        "client_id": client_id,
        # a clinic store named only by SECUREBASE_DATABASE_URL stays there (the kernel inherits it): the URL,
        # which may hold a password, is never written into the executed notebook
        "store_path": "" if isinstance(config.resolve_store(store_path), str) and not store_path
                      else str(config.resolve_store(store_path)),
        "mode": "batch",
        "answers_path": str(answers_path.resolve()) if answers_path else "",
        "output_dir": str(out_dir.resolve()),
        "start_date": start_date,
        **(extra or {}),
    }
    parameters = {name: value for name, value in given.items() if name in declared}
    from securebase.core.kernel_transport import IPCKernelManager  # IPC sockets: no port race with other kernels

    try:
        pm.execute_notebook(
            str(notebook), str(executed), parameters=parameters, cwd=str(notebook.parent),
            kernel_name="python3", progress_bar=False, execution_timeout=timeout,
            kernel_manager_class=IPCKernelManager,
        )
    except pm.PapermillExecutionError as exc:
        raise BatchRunError(
            f"The workbook stopped at cell {exc.exec_count} with {exc.ename}: {exc.evalue}. "
            f"The partly executed notebook is at {executed}."
        ) from None
    finally:
        if executed.exists():
            os.chmod(executed, 0o600)
    summary_path = out_dir / "summary.json"
    summary = json.loads(summary_path.read_text(encoding="utf-8")) if summary_path.exists() else {}
    report = next((p for p in (out_dir / name for name in REPORT_PAGES) if p.exists()), out_dir)
    return BatchResult(executed, report, summary)
