"""A batch row whose kernel is lost runs once more; an error in the notebook itself does not.

The faults are real: a kernel process that exits before it answers (a kernel manager whose first
start launches ``python -c "raise SystemExit(3)"`` instead of the kernel), and a kernel that dies
in the middle of the notebook (``os._exit``) the first time it runs."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from securebase.workshop.batch import Task, execute_task, run_batch
from securebase.core.kernel_transport import IPCKernelManager

DIES_AT_ONCE = [sys.executable, "-c", "raise SystemExit(3)"]


class FailsFirstStart(IPCKernelManager):
    """The first kernel it starts (in this process) exits at once; later ones are real kernels."""

    starts = 0

    def format_kernel_cmd(self, extra_arguments=None):
        FailsFirstStart.starts += 1
        return DIES_AT_ONCE if FailsFirstStart.starts == 1 else super().format_kernel_cmd(extra_arguments)


class NeverStarts(IPCKernelManager):
    def format_kernel_cmd(self, extra_arguments=None):
        return DIES_AT_ONCE


def _notebook(path: Path, code: str) -> Path:
    nb = new_notebook(cells=[new_code_cell('client_id: str = "x-1"', metadata={"tags": ["parameters"]}),
                             new_code_cell(code)],
                      metadata={"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, path)
    return path


def _task(tmp_path: Path, notebook: Path) -> Task:
    return Task("P-951", "g", "sie", "en", str(notebook), str(tmp_path / "out" / "g" / "P-951"), {"client_id": "P-951"},
                120, "test", None, False, False)


def _roster(tmp_path: Path) -> Path:
    roster = tmp_path / "roster.csv"
    roster.write_text("participant_id,group,program,language\nP-961,g,sie,en\n")
    return roster


def _outputs(path: Path) -> str:
    return "".join(o.get("text", "") for c in nbformat.read(path, as_version=4).cells for o in c.get("outputs", []))


def test_a_kernel_that_does_not_start_is_retried_once(tmp_path):
    nb = _notebook(tmp_path / "nb" / "hello.ipynb", 'print("hello from the kernel")')
    FailsFirstStart.starts = 0
    r = execute_task(_task(tmp_path, nb), kernel_manager_class=FailsFirstStart)
    assert r.status == "done" and r.attempts == 2 and FailsFirstStart.starts == 2, r
    assert "KernelStartError" in r.retried and "Kernel died before replying" in r.retried
    assert "hello from the kernel" in _outputs(Path(r.files["notebook"]))
    assert (tmp_path / "out" / "g" / "P-951" / "done.json").exists()


def test_a_kernel_that_never_starts_fails_after_one_retry(tmp_path):
    nb = _notebook(tmp_path / "nb" / "hello.ipynb", 'print("hello")')
    r = execute_task(_task(tmp_path, nb), kernel_manager_class=NeverStarts)
    assert r.status == "failed" and r.attempts == 2, r
    assert r.error.startswith("KernelStartError: the kernel did not start") and "on the second attempt" in r.error
    assert not (tmp_path / "out" / "g" / "P-951" / "done.json").exists()


def test_a_kernel_that_dies_mid_notebook_is_retried_in_a_worker(tmp_path):
    nb = _notebook(tmp_path / "nb" / "dies.ipynb", (
        "import os, pathlib\n"
        "marker = pathlib.Path('died-once')   # in the participant's folder (the kernel's cwd)\n"
        "if not marker.exists():\n"
        "    marker.touch()\n"
        "    os._exit(1)\n"
        "print('ran to the end')"))
    s = run_batch(_roster(tmp_path), nb, tmp_path / "out", workers=1, progress=False)
    (r,) = s.results
    assert r.status == "done" and r.attempts == 2, s.lines()
    assert "DeadKernelError" in r.retried
    assert "ran to the end" in _outputs(tmp_path / "out" / "g" / "P-961" / "dies.ipynb")
    assert "Ran again after losing the kernel (1): g/P-961" in s.lines()


def test_an_error_in_a_cell_is_not_retried(tmp_path):
    nb = _notebook(tmp_path / "nb" / "fails.ipynb", (
        "with open('attempts.txt', 'a') as fh:\n"
        "    fh.write('ran\\n')\n"
        "raise ValueError('deliberate')"))
    s = run_batch(_roster(tmp_path), nb, tmp_path / "out", workers=1, progress=False)
    (r,) = s.results
    assert r.status == "failed" and r.attempts == 1 and r.retried is None, r
    assert r.error == "the notebook stopped at cell 3 with ValueError: deliberate"  # after the injected parameters
    assert (tmp_path / "out" / "g" / "P-961" / "attempts.txt").read_text() == "ran\n"
