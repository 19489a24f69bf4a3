"""Benchmark of the research pipeline on a synthetic cohort of a million diary entries.

    .venv/bin/python bench/bench_research.py [--subjects 2000] [--occasions 500] [--repeats 7]
                                             [--dir DIR] [--json out.json]

Builds, with numpy, a person-period cohort of ``subjects x occasions`` rows (default 2,000 x 500
= 1,000,000 entries, two a day for 250 days) with eight numeric columns - five 1-7 rating items
(2% blank, a few straight-lined entries, one subject who always answers item3 with 4, a few
out-of-range values), a continuous mood score, the seconds taken to fill the entry in, and an
intensity - and writes it to one Parquet file in a temporary folder (or ``--dir``). Then, in one
run, it measures:

(a) reading the file with ``pyarrow.parquet.read_table`` (the floor: nothing else happens);
(b) the compliance-plus-descriptives pipeline on the same file: ``read_long`` (Parquet ->
    pandas), ``compliance.compliance_report`` (entries per person-day, missingness, long-string,
    invariance, fast completion, out-of-range) and ``descriptives.describe_study`` over all eight
    variables with ``icc_method="anova"``.

(a) and (b) alternate ``--repeats`` times after one warm-up of each, so both see the same machine
noise; the figure is the ratio of the medians, (b)/(a). Target: <= 3.

At this scale the pipeline uses the ANOVA (method-of-moments) ICC(1): the REML random-intercept
model (``icc_method="mixedlm"``) needs seconds to minutes on a million rows. For comparison the
benchmark times MixedLM and the ANOVA estimator on a subsample of ``--mixedlm-subjects`` subjects
(all their occasions) and prints both ICCs.

Peak memory is reported two ways: the tracemalloc peak of one pipeline run (Python and numpy
allocations; Arrow's own buffers are not traced) and, from fresh child processes, the resident-set
high-water mark (VmHWM on Linux, else ``resource.getrusage(...).ru_maxrss``) after importing only,
after reading the file, and after the whole pipeline.

Where the time goes: the benchmark also times ``read_long`` alone (Parquet -> pandas frame, no
analysis; zero-copy for a one-row-group file) and prints it as a multiple of (a); the rest of (b)
is the analysis - per-subject moments of the eight variables (one compiled pass each, on all
cores, shared by both reports; see ``securebase.research.kernels``), entries per person-day and
long-string over five items (one compiled pass each), the checks and the JSON-safe tables. The
first run on a machine compiles the kernels (cached on disk); the warm-up run absorbs that. The machine's
run-to-run noise is large on small VMs, so the per-pair range of (b)/(a) is printed too.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

import numpy as np  # noqa: E402
import pyarrow as pa  # noqa: E402
import pyarrow.parquet as pq  # noqa: E402

from securebase.research import compliance, descriptives  # noqa: E402

TARGET_RATIO = 3.0
ITEMS = ["item1", "item2", "item3", "item4", "item5"]
VARIABLES = [*ITEMS, "mood", "duration_s", "intensity"]


def make_cohort(path: Path, subjects: int, occasions: int, seed: int = 20260302) -> int:
    """Write the synthetic cohort to ``path``; return the number of rows."""
    rng = np.random.default_rng(seed)
    n = subjects * occasions
    subj = np.repeat(np.arange(1, subjects + 1, dtype=np.int64), occasions)
    occ = np.tile(np.arange(occasions, dtype=np.int64), subjects)
    level = rng.normal(4.0, 0.9, subjects)[subj - 1]
    cols: dict[str, np.ndarray] = {"subject": subj, "day": occ // 2 + 1, "occasion": occ}
    items = np.clip(np.rint(level[:, None] + rng.normal(0, 1.3, (n, len(ITEMS)))), 1, 7)
    straight = rng.random(n) < 0.002
    items[straight] = items[straight, :1]
    items[subj == 7, 2] = 4.0
    items[rng.random((n, len(ITEMS))) < 0.02] = np.nan
    bad = rng.random(n) < 0.0005
    items[bad, 1] = 9.0
    for j, name in enumerate(ITEMS):
        cols[name] = np.ascontiguousarray(items[:, j])
    cols["mood"] = level + rng.normal(0, 1.0, n)
    cols["duration_s"] = rng.gamma(4.0, 12.0, n)
    cols["intensity"] = rng.normal(50, 15, n)
    pq.write_table(pa.table(cols), path)
    return n


def pipeline(path: Path) -> tuple[dict, dict]:
    df = descriptives.read_long(path)
    groups = descriptives.Groups(df, "subject")  # grouped once, shared by both reports
    comp = compliance.compliance_report(
        df, "subject", "day", variables=VARIABLES, items=ITEMS, ranges={i: (1, 7) for i in ITEMS},
        duration_col="duration_s", expected_per_day=2, groups=groups)
    desc = descriptives.describe_study(df, "subject", VARIABLES, time_col="day", icc_method="anova", groups=groups)
    return comp, desc


def _peak_rss() -> int:
    """This process's resident-set high-water mark in bytes. On Linux VmHWM from /proc (it starts
    afresh at exec, unlike ru_maxrss, which a child inherits from its parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    scale = 1 if sys.platform == "darwin" else 1024  # ru_maxrss: KiB on Linux, bytes on macOS
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _child(mode: str, path: str) -> None:
    """Run in a fresh process: print the peak RSS (bytes) after ``mode`` (import/read/pipeline)."""
    if mode == "read":
        table = pq.read_table(path)
        assert table.num_rows
    elif mode == "pipeline":
        pipeline(Path(path))
    print(_peak_rss())


def _rss(mode: str, path: Path) -> int:
    out = subprocess.run([sys.executable, __file__, "--child", mode, str(path)], check=True,
                         capture_output=True, text=True)
    return int(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=2000)
    ap.add_argument("--occasions", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--mixedlm-subjects", type=int, default=100)
    ap.add_argument("--dir", default=None)
    ap.add_argument("--json", default=None)
    ap.add_argument("--child", nargs=2, metavar=("MODE", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        _child(*args.child)
        return 0

    with tempfile.TemporaryDirectory(dir=args.dir, prefix="bench-research-") as tmp:
        path = Path(tmp) / "cohort.parquet"
        t0 = time.perf_counter()
        n = make_cohort(path, args.subjects, args.occasions)
        gen_s = time.perf_counter() - t0
        size_mb = path.stat().st_size / 1e6
        print(f"cohort: {n:,} rows ({args.subjects:,} subjects x {args.occasions} occasions, "
              f"{len(VARIABLES)} numeric columns), Parquet {size_mb:.1f} MB, made in {gen_s:.1f} s")

        pq.read_table(path)  # warm-up: page cache, imports, allocator
        comp, desc = pipeline(path)
        read_s, pipe_s, frame_s = [], [], []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            pq.read_table(path)
            read_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            pipeline(path)
            pipe_s.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            descriptives.read_long(path)  # for the breakdown: Parquet -> pandas, no analysis
            frame_s.append(time.perf_counter() - t0)
        a, b, c = statistics.median(read_s), statistics.median(pipe_s), statistics.median(frame_s)
        ratio = b / a
        ratios = sorted(p / r for p, r in zip(pipe_s, read_s))

        tracemalloc.start()
        pipeline(path)
        _, traced_peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        rss = {m: _rss(m, path) for m in ("import", "read", "pipeline")}

        # MixedLM vs ANOVA ICC on a subsample (why the pipeline uses ANOVA at scale)
        df = descriptives.read_long(path)
        sub = df[df["subject"] <= args.mixedlm_subjects]
        t0 = time.perf_counter()
        an = descriptives.icc_anova(sub, "subject", "mood")
        an_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        mx = descriptives.icc_mixedlm(sub, "subject", "mood")
        mx_s = time.perf_counter() - t0

    checks = comp["checks"]
    result = {
        "rows": n, "subjects": args.subjects, "occasions": args.occasions, "parquet_mb": round(size_mb, 1),
        "repeats": args.repeats,
        "read_ms_median": round(a * 1e3, 1), "pipeline_ms_median": round(b * 1e3, 1),
        "read_ms_all": [round(x * 1e3, 1) for x in read_s], "pipeline_ms_all": [round(x * 1e3, 1) for x in pipe_s],
        "read_long_ms_median": round(c * 1e3, 1),
        "ratio": round(ratio, 2), "ratio_per_pair_min_max": [round(ratios[0], 2), round(ratios[-1], 2)],
        "read_long_over_read": round(c / a, 2),
        "target_ratio": TARGET_RATIO, "meets_target": ratio <= TARGET_RATIO,
        "tracemalloc_peak_mb": round(traced_peak / 1e6, 1),
        "maxrss_mb": {k: round(v / 1e6, 1) for k, v in rss.items()},
        "icc_method_at_scale": "anova (method of moments)",
        "mixedlm_subsample": {"rows": len(sub), "subjects": args.mixedlm_subjects, "anova_icc": an["icc"],
                              "mixedlm_icc": mx["icc"], "anova_ms": round(an_s * 1e3, 1),
                              "mixedlm_ms": round(mx_s * 1e3, 1)},
        "found": {"straight_lining": checks["long_string"]["straight_lining"]["n_flagged"],
                  "invariant_item3": checks["invariant"]["variables"]["item3"]["n_flagged"],
                  "out_of_range": checks["out_of_range"]["n_flagged"],
                  "icc_mood": desc["variables"]["mood"]["icc"]},
        "machine": {"python": platform.python_version(), "platform": platform.platform(), "cpus": os.cpu_count()},
    }
    print(f"(a) pyarrow read_table:            median {result['read_ms_median']:8.1f} ms  {result['read_ms_all']}")
    print(f"(b) read + compliance + descriptives: median {result['pipeline_ms_median']:8.1f} ms  {result['pipeline_ms_all']}")
    print(f"    of which read_long (Parquet -> pandas) alone: median {result['read_long_ms_median']:.1f} ms "
          f"({result['read_long_over_read']:.2f} x (a))")
    print(f"ratio (b)/(a): {ratio:.2f} (target <= {TARGET_RATIO:g}): {'met' if ratio <= TARGET_RATIO else 'NOT met'}; "
          f"per alternating pair {ratios[0]:.2f} to {ratios[-1]:.2f}")
    print(f"peak memory: tracemalloc {result['tracemalloc_peak_mb']} MB (one pipeline run); "
          f"peak RSS of a fresh process: imports only {result['maxrss_mb']['import']} MB, + read_table "
          f"{result['maxrss_mb']['read']} MB, + pipeline {result['maxrss_mb']['pipeline']} MB")
    ms = result["mixedlm_subsample"]
    print(f"ICC(1) of mood on {ms['rows']:,} rows ({ms['subjects']} subjects): ANOVA {ms['anova_icc']:.4f} in "
          f"{ms['anova_ms']} ms, MixedLM {ms['mixedlm_icc']:.4f} in {ms['mixedlm_ms']} ms")
    print(f"found: {result['found']}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
