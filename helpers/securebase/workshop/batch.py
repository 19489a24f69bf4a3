"""Workshop batches: one workbook per roster row, executed in parallel with papermill.

``securebase batch --roster ROSTER.csv --notebook NOTEBOOK --out DIR`` (or :func:`run_batch`)
prepares every participant's workbook. For each roster row it

1. executes ``NOTEBOOK`` with papermill, the row giving the parameters: ``client_id`` (the
   participant id), ``language``, ``store_path`` and ``output_dir`` (the participant's folder,
   given relative to it so the folder can be handed over and opened anywhere), ``mode``
   (``interactive``, so the participant gets the forms) and any further roster column that is
   a parameter of the notebook (``start_date``, say; never one that names whose data or which file,
   see :func:`securebase.workshop.roster.reserved_column`). The executed notebook keeps no widget
   state (:func:`without_widget_state`): run on a folder that came back, the forms would otherwise
   carry the participant's answers in the file;
2. writes the participant's handout (``handout.html``, optionally a PDF) from their store;
3. writes ``done.json``, which makes a second run skip the row (resume).

Everything for a participant lands in ``DIR/<group>/<participant_id>/``: the executed notebook,
the participant's own store ``securebase.db`` (their answers go there when they fill the
workbook in; ``securebase collect`` reads it back), ``reports/`` and the handout. ``DIR`` must
be outside any git working tree, so that workbooks never end up in a repository.

Rows run in worker processes (one per core unless ``workers`` says otherwise); each worker
imports papermill once and reuses it for its rows. A failure stays with its row: the others go
on, and the closing :class:`BatchSummary` lists each failure with its error. A progress bar
(tqdm) counts finished rows. With ``executor="dask"`` the same rows run on a Dask distributed
cluster (``scheduler`` is its address; without one a local cluster is started).

``timeout`` is papermill's execution timeout: the longest any one cell may run, in seconds.

For running one client's workbook in batch mode from an answers file see :mod:`batchrun`.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timezone
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from securebase import content
from securebase.core.errors import SecureBaseError
from securebase.workshop.roster import Roster, load_roster, reserved_column
from securebase.core import config

STORE_FILE = "securebase.db"   # the participant's own store, inside their folder
REPORTS_DIR = "reports"        # the notebook's output_dir, inside their folder
DONE_FILE = "done.json"        # written last: the row is complete
SUMMARY_FILE = "batch-summary.json"
EXECUTORS = ("local", "dask")
ROW_PARAMETERS = ("client_id", "language", "store_path", "output_dir", "mode")


class BatchError(SecureBaseError):
    """The batch cannot start (bad roster, notebook, output folder or option)."""


@dataclass(frozen=True)
class Task:
    """Everything a worker needs for one row (plain values: it is pickled to the worker)."""

    participant_id: str
    group: str
    program: str
    language: str
    notebook: str
    folder: str
    parameters: dict[str, Any]
    timeout: int
    fingerprint: str
    phase_id: str | None
    handout: bool
    pdf: bool


@dataclass
class RowResult:
    participant_id: str
    group: str
    status: str                  # "done", "skipped" (already done), "failed"
    seconds: float = 0.0
    error: str | None = None
    files: dict[str, str] = field(default_factory=dict)
    attempts: int = 1            # 2 when the kernel was lost and the row ran again
    retried: str | None = None   # the first attempt's error, when it ran again


@dataclass
class BatchSummary:
    notebook: str
    out_dir: str
    executor: str
    workers: int
    seconds: float
    results: list[RowResult]
    not_for_notebook: list[str] = field(default_factory=list)  # rows of another program

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failures(self) -> list[RowResult]:
        return [r for r in self.results if r.status == "failed"]

    def lines(self) -> list[str]:
        out = [f"{self.count('done')} workbook(s) prepared, {self.count('skipped')} already done, "
               f"{self.count('failed')} failed, in {self.seconds:.1f} s ({self.executor}, {self.workers} worker(s)); "
               f"output in {self.out_dir}"]
        if self.not_for_notebook:
            out.append(f"Not run ({len(self.not_for_notebook)}, another program than this notebook's): "
                       + ", ".join(self.not_for_notebook))
        again = [f"{r.group}/{r.participant_id}" for r in self.results if r.attempts > 1 and r.status == "done"]
        if again:
            out.append(f"Ran again after losing the kernel ({len(again)}): " + ", ".join(again))
        for r in self.failures:
            out.append(f"FAILED {r.group}/{r.participant_id}: {r.error}")
        if self.failures:
            out.append("Fix the cause and run the same command again: finished rows are skipped.")
        return out

    def as_dict(self) -> dict[str, Any]:
        return {**{k: v for k, v in asdict(self).items() if k != "results"},
                "counts": {s: self.count(s) for s in ("done", "skipped", "failed")},
                "results": [asdict(r) for r in self.results]}


# ---------------------------------------------------------------- planning (parent process)


def _git_root(path: Path) -> Path | None:
    for parent in [path, *path.parents]:
        if (parent / ".git").exists():
            return parent
    return None


def check_out_dir(out_dir: str | os.PathLike[str]) -> Path:
    """The output folder, resolved; refused inside a git working tree (workbooks hold client data)."""
    out = Path(out_dir).expanduser().resolve()
    root = _git_root(out)
    if root is not None:
        raise BatchError(f"The output folder {out} is inside the git working tree at {root}. Participants' "
                         "workbooks hold their data and must never be committed: choose a folder outside it, "
                         "for example ~/securebase-workshops/<date>.")
    if out.exists() and not out.is_dir():
        raise BatchError(f"{out} exists and is not a folder; choose another --out.")
    return out


def notebook_program(notebook: Path) -> tuple[str | None, str | None]:
    """The (program id, phase id) a phase workbook belongs to, read from its place
    ``<program>/<NN>_<phase>.ipynb``; ``(None, None)`` for any other notebook."""
    programs = content.programs()
    program = programs.get(notebook.parent.name)
    if program is None:
        return None, None
    stem = notebook.stem
    phase = stem[3:] if len(stem) > 3 and stem[:2].isdigit() and stem[2] == "_" else None
    return program.id, phase if phase in {p.id for p in program.phases} else None


def _fingerprint(notebook_bytes: bytes, parameters: dict[str, Any], handout: bool, pdf: bool) -> str:
    h = hashlib.sha256(notebook_bytes)
    h.update(json.dumps({"p": parameters, "h": handout, "pdf": pdf}, sort_keys=True).encode())
    return h.hexdigest()


def plan_batch(roster: Roster, notebook: Path, out_dir: Path, *, timeout: int = 600,
               parameters: dict[str, Any] | None = None, handout: bool = True,
               pdf: bool = False) -> tuple[list[Task], list[str]]:
    """The tasks for the roster rows this notebook is for, and the rows left out (other program).
    Raises :class:`BatchError` for a roster column or ``parameters`` name the notebook does not
    declare (so a typo is not silently ignored)."""
    import papermill as pm

    if not notebook.is_file():
        raise BatchError(f"There is no notebook at {notebook}.")
    declared = pm.inspect_notebook(str(notebook))
    for name in ("client_id",):
        if name not in declared:
            raise BatchError(f"{notebook.name} has no '{name}' parameter, so it cannot be run per participant.")
    given = dict(parameters or {})
    unknown = sorted(n for n in [*roster.extra_columns, *given] if n not in declared)
    if unknown:
        raise BatchError(f"{', '.join(map(repr, unknown))} {'is not a parameter' if len(unknown) == 1 else 'are not parameters'} "
                         f"of {notebook.name} (its parameters are: {', '.join(declared)}). Rename or remove "
                         "the roster column, or drop the -p option.")
    fixed = sorted(set(given) & set(ROW_PARAMETERS))
    if fixed:
        raise BatchError(f"{', '.join(fixed)} come(s) from the roster and the output folder; do not set them with -p.")
    program, phase = notebook_program(notebook)
    nb_bytes = notebook.read_bytes()
    tasks, left_out = [], []
    for p in roster.participants:
        if program is not None and p.program != program:
            left_out.append(f"{p.participant_id} ({p.program})")
            continue
        params = {**given, **{k: v for k, v in p.extra.items() if v != "" and not reserved_column(k)},
                  "client_id": p.participant_id, "language": p.language, "store_path": STORE_FILE,
                  "output_dir": REPORTS_DIR, "mode": "interactive"}   # the row's own last: nothing overrides them
        params = {k: v for k, v in params.items() if k in declared}
        folder = out_dir / p.group / p.participant_id
        tasks.append(Task(p.participant_id, p.group, p.program, p.language, str(notebook.resolve()), str(folder),
                          params, int(timeout), _fingerprint(nb_bytes, params, handout, pdf), phase,
                          handout and program is not None, pdf))
    if not tasks:
        raise BatchError(f"No roster row is for {notebook.name} (program {program}); the roster's programs are "
                         f"{', '.join(sorted({p.program for p in roster.participants}))}.")
    return tasks, left_out


def is_done(task: Task) -> bool:
    """Whether the row was completed by an earlier run with the same notebook and parameters."""
    done = Path(task.folder) / DONE_FILE
    try:
        return json.loads(done.read_text(encoding="utf-8")).get("fingerprint") == task.fingerprint
    except (OSError, ValueError):
        return False


# ---------------------------------------------------------------- one row (worker process)


def _private_write(path: Path, text: str) -> None:
    tmp = path.with_name(path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(text)
    os.replace(tmp, path)


WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
FORM_PLACEHOLDER = "A form of the workbook: open the notebook and run it to fill it in."


def without_widget_state(path: Path) -> None:
    """Drop what an executed notebook saved of its widgets: the widget state in the metadata (which holds
    every value a form showed, so a participant's earlier answers) and each widget output's text
    fallback (the widget's repr, values included). The forms are rebuilt when the notebook is run."""
    import nbformat

    nb = nbformat.read(path, as_version=4)
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if WIDGET_VIEW in data:
                output["data"] = {"text/plain": FORM_PLACEHOLDER}
    _private_write(path, nbformat.writes(nb))


def _error_text(exc: BaseException) -> str:
    import papermill as pm

    if isinstance(exc, pm.PapermillExecutionError):
        first = (exc.evalue or "").strip().splitlines()[:1]
        return f"the notebook stopped at cell {exc.exec_count} with {exc.ename}: {first[0] if first else ''}".rstrip(": ")
    return f"{type(exc).__name__}: {exc}".strip()


def execute_task(task: Task, *, kernel_manager_class: type | str | None = None) -> RowResult:
    """Run one row; never raises (a failure is returned as a result with the error).

    The kernel runs on IPC sockets (:mod:`securebase.core.kernel_transport`), so rows started at the same time,
    here or by another process, cannot collide on ports. A row whose kernel is lost (it died, or
    did not start) is run once more before it counts as failed; an error in a cell is not retried.
    ``kernel_manager_class`` replaces the kernel manager (tests inject faults with it)."""
    import papermill as pm

    from securebase.core.kernel_transport import IPCKernelManager, kernel_lost

    started = time.perf_counter()
    folder = Path(task.folder)
    result = RowResult(task.participant_id, task.group, "failed")
    try:
        config.ensure_private_dir(folder)
        os.chmod(folder, 0o700)
        (folder / DONE_FILE).unlink(missing_ok=True)
        executed = folder / Path(task.notebook).name
        while True:
            try:
                pm.execute_notebook(
                    task.notebook, str(executed), parameters=task.parameters, cwd=str(folder), kernel_name="python3",
                    progress_bar=False, log_output=False, execution_timeout=task.timeout,
                    request_save_on_cell_execute=False, kernel_manager_class=kernel_manager_class or IPCKernelManager,
                )
                break
            except Exception as exc:
                if result.attempts > 1 or not kernel_lost(exc):
                    raise
                result.attempts, result.retried = 2, _error_text(exc)
            finally:
                if executed.exists():
                    os.chmod(executed, 0o600)
        without_widget_state(executed)
        result.files["notebook"] = str(executed)
        if task.handout:
            result.files.update(_write_handout(task, folder))
        _private_write(folder / DONE_FILE, json.dumps({
            "fingerprint": task.fingerprint, "participant_id": task.participant_id, "group": task.group,
            "notebook": Path(task.notebook).name, "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "files": {k: Path(v).name for k, v in result.files.items()},
        }, indent=2) + "\n")
        result.status = "done"
    except Exception as exc:  # one row's failure must not stop the batch
        result.error = _error_text(exc)
        if result.retried:
            result.error += f" (on the second attempt; the first lost its kernel: {result.retried})"
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def _write_handout(task: Task, folder: Path) -> dict[str, str]:
    from securebase.reports.handout import build_handout, write_handout
    from securebase.store import Store

    store_file = folder / STORE_FILE
    if not store_file.exists():
        raise BatchError(f"the notebook did not create the participant's store ({STORE_FILE}), so there is no handout")
    with Store(store_file) as store:
        ctx = build_handout(store, task.program, task.participant_id, today=date.today(),
                            language=task.language, phase_id=task.phase_id)
    files = write_handout(folder, ctx, pdf=task.pdf)
    return {kind: str(path) for kind, path in files.items() if isinstance(path, Path)}


def _warm_worker() -> None:
    """Pool initializer: pay papermill's import once per worker, not once per row; keep the kernels'
    start-up chatter off the facilitator's terminal (each row's outcome comes back as its result)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    os.close(devnull)
    import papermill  # noqa: F401

    from securebase.reports import handout  # noqa: F401


# ---------------------------------------------------------------- executors


def _run_local(tasks: list[Task], workers: int) -> Iterator[RowResult]:
    ctx = get_context("spawn")  # a clean interpreter per worker: no inherited threads or sockets
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_warm_worker) as pool:
        futures: dict[Future, Task] = {pool.submit(execute_task, t): t for t in tasks}
        for fut in as_completed(futures):
            task = futures[fut]
            try:
                yield fut.result()
            except BrokenProcessPool:
                yield RowResult(task.participant_id, task.group, "failed",
                                error="the worker process stopped unexpectedly (crash or out of memory); run again to retry")


def _run_dask(tasks: list[Task], workers: int, scheduler: str | None) -> Iterator[RowResult]:
    from distributed import Client, LocalCluster
    from distributed import as_completed as dask_completed

    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        # On loopback only; its status page on a free port, so two batches (or tests) never race for 8787.
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1",
                               dashboard_address="127.0.0.1:0", silence_logs=40)
        client = Client(cluster)
    try:
        futures = client.map(execute_task, tasks, pure=False, key=[f"securebase-{t.group}-{t.participant_id}" for t in tasks])
        by_key = {f.key: t for f, t in zip(futures, tasks)}
        for fut in dask_completed(futures):
            task = by_key[fut.key]
            try:
                yield fut.result()
            except Exception as exc:  # the worker died or the cluster lost the task
                yield RowResult(task.participant_id, task.group, "failed", error=f"dask: {type(exc).__name__}: {exc}")
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _progress(results: Iterable[RowResult], total: int, show: bool) -> Iterator[RowResult]:
    from tqdm.auto import tqdm

    with tqdm(total=total, desc="workbooks", unit="participant", disable=not show, file=sys.stderr) as bar:
        for r in results:
            bar.update(1)
            if r.status == "failed":
                bar.write(f"failed: {r.group}/{r.participant_id}: {r.error}", file=sys.stderr)
            yield r


def run_batch(roster: Roster | str | os.PathLike[str], notebook: str | os.PathLike[str],
              out_dir: str | os.PathLike[str], *, workers: int | None = None, timeout: int = 600,
              executor: str = "local", scheduler: str | None = None, parameters: dict[str, Any] | None = None,
              handout: bool = True, pdf: bool = False, progress: bool = True, force: bool = False) -> BatchSummary:
    """Prepare every participant's workbook (see the module docstring). ``force`` reruns rows
    that are already done. The summary is also written to ``DIR/batch-summary.json``."""
    if executor not in EXECUTORS:
        raise BatchError(f"executor must be one of {', '.join(EXECUTORS)}, not {executor!r}.")
    if workers is not None and workers < 1:
        raise BatchError(f"--workers must be 1 or more, not {workers}.")
    if timeout < 1:
        raise BatchError(f"--timeout must be a positive number of seconds, not {timeout}.")
    roster = roster if isinstance(roster, Roster) else load_roster(roster)
    out = check_out_dir(out_dir)
    nb = Path(notebook).expanduser().resolve()
    tasks, left_out = plan_batch(roster, nb, out, timeout=timeout, parameters=parameters, handout=handout, pdf=pdf)
    config.ensure_private_dir(out)
    started = time.perf_counter()
    todo = [t for t in tasks if force or not is_done(t)]
    results = [RowResult(t.participant_id, t.group, "skipped") for t in tasks if t not in todo]
    n_workers = max(1, min(workers or os.cpu_count() or 1, len(todo) or 1))
    if todo:
        runner = _run_dask(todo, n_workers, scheduler) if executor == "dask" else _run_local(todo, n_workers)
        results.extend(_progress(runner, len(todo), progress))
    order = {(t.group, t.participant_id): i for i, t in enumerate(tasks)}
    results.sort(key=lambda r: order[(r.group, r.participant_id)])
    summary = BatchSummary(str(nb), str(out), executor, n_workers, round(time.perf_counter() - started, 2),
                           results, left_out)
    _private_write(out / SUMMARY_FILE, json.dumps(summary.as_dict(), indent=2) + "\n")
    return summary
