"""Benchmark of workshop batches: ``securebase batch`` against a serial loop of the papermill CLI.

    .venv/bin/python bench/bench_batch.py [--participants 30] [--notebook notebooks/sie/01_awareness.ipynb]
                                          [--workers N] [--dir DIR] [--json out.json]

Both sides prepare the same participants' workbooks from the same notebook and parameters
(``client_id``, ``language``, ``mode``, and a store file per participant), in one run:

(a) the naive way: ``papermill NOTEBOOK OUT -p client_id ... -k python3``, one CLI process after
    the other, as a shell loop would do it (no handouts);
(b) ``securebase.workshop.batch.run_batch`` with its defaults (one worker process per core, papermill
    imported once per worker) - which also writes every participant's HTML handout.

The figure is the ratio of the wall-clock times, (a)/(b). Target: at least 3 on a 2-core
machine. Everything is written to a temporary folder (or under ``--dir``) and removed after.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "helpers"))

from securebase.workshop.batch import run_batch  # noqa: E402

TARGET = 3.0


def naive(participants: list[str], notebook: Path, out: Path) -> float:
    papermill = Path(sys.executable).with_name("papermill")
    out.mkdir(parents=True)
    t0 = time.perf_counter()
    for pid in participants:
        subprocess.run(
            [str(papermill), str(notebook), str(out / f"{pid}.ipynb"), "-p", "client_id", pid, "-p", "language", "en",
             "-p", "mode", "interactive", "-p", "store_path", str(out / f"{pid}.db"), "-k", "python3",
             "--no-progress-bar", "--log-level", "ERROR", "--cwd", str(out)],
            check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--participants", type=int, default=30)
    ap.add_argument("--notebook", default=str(ROOT / "notebooks" / "sie" / "01_awareness.ipynb"))
    ap.add_argument("--workers", type=int, default=None)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--json", default=None)
    args = ap.parse_args()
    notebook = Path(args.notebook).resolve()
    people = [f"B-{i:03d}" for i in range(1, args.participants + 1)]
    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-batch-") as tmp:
        tmp = Path(tmp)
        os.environ["SECUREBASE_HOME"] = str(tmp / "home")  # nothing touches the real data folder
        roster = tmp / "roster.csv"
        roster.write_text("participant_id,group,program,language\n"
                          + "".join(f"{p},{'a' if i % 2 else 'b'},sie,en\n" for i, p in enumerate(people)))
        t0 = time.perf_counter()
        summary = run_batch(roster, notebook, tmp / "batch", workers=args.workers, progress=False)
        ours = time.perf_counter() - t0
        if summary.failures:
            print("\n".join(summary.lines()), file=sys.stderr)
            return 1
        theirs = naive(people, notebook, tmp / "naive")
    ratio = theirs / ours
    result = {
        "participants": len(people), "notebook": str(notebook.relative_to(ROOT) if notebook.is_relative_to(ROOT) else notebook),
        "workers": summary.workers, "securebase_batch_s": round(ours, 1), "naive_papermill_loop_s": round(theirs, 1),
        "per_participant_s": {"securebase_batch": round(ours / len(people), 2), "naive": round(theirs / len(people), 2)},
        "ratio": round(ratio, 2), "target": TARGET, "meets_target": ratio >= TARGET,
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
    }
    print(f"{len(people)} participants, {notebook.name}, {os.cpu_count()} cores")
    print(f"(b) securebase batch ({summary.workers} workers, with HTML handouts): {ours:6.1f} s "
          f"({ours / len(people):.2f} s per participant)")
    print(f"(a) serial loop of the papermill CLI (no handouts):            {theirs:6.1f} s "
          f"({theirs / len(people):.2f} s per participant)")
    print(f"ratio (a)/(b): {ratio:.2f} (target >= {TARGET:g}): {'met' if ratio >= TARGET else 'NOT met'}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
