"""Benchmark of the SQLite store: save latency and history loading.

    .venv/bin/python bench/bench_store.py [--entries 10000] [--saves 500] [--json out.json]

Measures, in one run, on a temporary store under /tmp (or --dir):

(a) Save latency of ``Store.add_entry`` with ``synchronous=FULL`` (the store's setting)
    and with ``synchronous=NORMAL``, on journal-sized entries (8 fields, a few hundred
    characters of text). The two stores are open side by side and saves alternate between
    them, so both see the same machine noise; the FULL/NORMAL ratios are the figures to
    compare across machines.
(b) Loading a client's history of ``--entries`` entries (10% with a second revision) into a
    DataFrame with ``Store.history_frame``, against a plain ``SELECT * FROM entries``
    ``fetchall`` of the same client's rows.

Targets: p95 save (FULL) <= 20 ms; history of 10,000 entries <= 150 ms (median of the runs).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

import pandas as pd  # noqa: E402  (imported up front so no run pays for the import)

from securebase.store import Store  # noqa: E402

TARGET_SAVE_P95_MS = 20.0
TARGET_HISTORY_MS = 150.0
TARGET_HISTORY_ENTRIES = 10_000

CLIENT = "C-BENCH1"
OTHER = "C-BENCH2"
WORDS = (
    "felt noticed partner call late home withdrew breathed named urge asked hug quiet awkward helped "
    "evening argument repair reached out safe tense calm listened apologised walk together morning"
).split()


def journal_data(rng: random.Random, i: int) -> dict:
    """About 8 fields and a few hundred characters of text, like a daily journal entry."""
    return {
        "mood": rng.randint(0, 10),
        "closeness": rng.randint(0, 10),
        "felt_safe": rng.random() < 0.6,
        "trigger": rng.choice(["partner late home", "missed call", "criticism", "silence", "none"]),
        "response": rng.choice(["reached out", "withdrew", "protested", "self-soothed"]),
        "needs": rng.sample(["reassurance", "space", "closeness", "to be heard", "help"], 2),
        "what_happened": " ".join(rng.choice(WORDS) for _ in range(40)),  # ~250 characters
        "what_helped": " ".join(rng.choice(WORDS) for _ in range(15)),
        "n": i,
    }


def add(store: Store, client: str, data: dict, day: int) -> str:
    return store.add_entry(
        client,
        program_id="secure-base",
        phase_id=f"phase-{1 + day // 60}",
        exercise_id="daily-journal",
        content_version="1.0.0",
        data=data,
        occurred_at=f"{2020 + day // 360:04d}-{1 + day // 30 % 12:02d}-{1 + day % 28:02d}T20:00:00+00:00",
    ).entry_id


def pct(values: list[float], p: float) -> float:
    """Percentile with linear interpolation (like numpy's default)."""
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo = int(k)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(ms: list[float]) -> dict:
    return {
        "n": len(ms),
        "p50_ms": pct(ms, 50),
        "p95_ms": pct(ms, 95),
        "p99_ms": pct(ms, 99),
        "mean_ms": statistics.fmean(ms),
        "max_ms": max(ms),
    }


# ---------------------------------------------------------------- (a) save latency


def bench_saves(workdir: Path, saves: int, warmup: int, rng: random.Random) -> dict:
    stores = {mode: Store(workdir / f"save-{mode.lower()}.db", actor="bench", synchronous=mode)
              for mode in ("FULL", "NORMAL")}
    try:
        for store in stores.values():
            store.ensure_client(CLIENT)
        for i in range(warmup):
            for store in stores.values():
                add(store, CLIENT, journal_data(rng, i), i)
        timings: dict[str, list[float]] = {mode: [] for mode in stores}
        order = list(stores)
        for i in range(saves):
            rng.shuffle(order)  # alternate, in random order, so drift hits both alike
            for mode in order:
                data = journal_data(rng, i)
                t0 = time.perf_counter_ns()
                add(stores[mode], CLIENT, data, i)
                timings[mode].append((time.perf_counter_ns() - t0) / 1e6)
        payload = len(json.dumps(journal_data(rng, 0), ensure_ascii=False))
    finally:
        for store in stores.values():
            store.close()
    full, normal = summary(timings["FULL"]), summary(timings["NORMAL"])
    return {
        "payload_chars": payload,
        "warmup": warmup,
        "FULL": full,
        "NORMAL": normal,
        "ratio_full_over_normal": {k: full[k] / normal[k] for k in ("p50_ms", "p95_ms", "p99_ms", "mean_ms")},
    }


# ---------------------------------------------------------------- (b) history loading


def build_history(path: Path, entries: int, rng: random.Random) -> dict:
    # Built with synchronous=NORMAL to save time; the file is the same as with FULL.
    with Store(path, actor="bench", synchronous="NORMAL") as store:
        store.ensure_client(CLIENT)
        store.ensure_client(OTHER)
        ids = [add(store, CLIENT, journal_data(rng, i), i) for i in range(entries)]
        for i in range(entries // 10):  # another client's entries in the same file
            add(store, OTHER, journal_data(rng, i), i)
        revised = rng.sample(ids, entries // 10)
        for entry_id in revised:
            data = store.get_entry(entry_id).data
            data["what_helped"] += " (edited)"
            store.revise_entry(entry_id, data=data, expected_revision=1)
        rows = store._db.execute("SELECT COUNT(*) FROM entries WHERE client_id = ?", (CLIENT,)).fetchone()[0]
    return {"entries": entries, "revised": len(revised), "client_rows": rows,
            "file_mb": path.stat().st_size / 1e6}


def time_runs(fn, repeats: int) -> tuple[list[float], object]:
    result, runs = None, []
    for _ in range(repeats):
        t0 = time.perf_counter_ns()
        result = fn()
        runs.append((time.perf_counter_ns() - t0) / 1e6)
    return runs, result


def bench_history(path: Path, repeats: int) -> dict:
    with Store(path, actor="bench") as store:
        first_ms, _ = time_runs(lambda: store.history_frame(CLIENT), 1)  # first call on this connection
        frame_runs, frame = time_runs(lambda: store.history_frame(CLIENT), repeats)
        raw_runs, rows = time_runs(
            lambda: store._db.execute("SELECT * FROM entries WHERE client_id = ?", (CLIENT,)).fetchall(), repeats
        )
        current_runs, current = time_runs(lambda: store._current_rows(CLIENT, None, None, False), repeats)
    assert isinstance(frame, pd.DataFrame)
    out = {
        "frame_shape": list(frame.shape),
        "history_frame_first_call_ms": first_ms[0],
        "history_frame_ms": {"best": min(frame_runs), "median": statistics.median(frame_runs), "runs": frame_runs},
        "select_star_rows": len(rows),
        "select_star_ms": {"best": min(raw_runs), "median": statistics.median(raw_runs), "runs": raw_runs},
        "current_rows_query_rows": len(current),
        "current_rows_query_ms": {"best": min(current_runs), "median": statistics.median(current_runs)},
    }
    out["ratio_frame_over_select"] = {
        k: out["history_frame_ms"][k] / out["select_star_ms"][k] for k in ("best", "median")
    }
    return out


# ---------------------------------------------------------------- report


def environment(workdir: Path) -> dict:
    return {
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "pandas": pd.__version__,
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "store_dir": str(workdir),
    }


def report(result: dict) -> str:
    s, h, env = result["saves"], result["history"], result["environment"]
    lines = [
        "Secure Base store benchmark",
        f"  Python {env['python']}, SQLite {env['sqlite']}, pandas {env['pandas']}, {env['cpus']} CPUs",
        f"  {env['platform']}; store in {env['store_dir']}",
        "",
        f"(a) Save latency, Store.add_entry, {s['FULL']['n']} saves each after {s['warmup']} warm-up "
        f"(~{s['payload_chars']} chars of JSON per entry)",
        f"    {'synchronous':<12}{'p50':>9}{'p95':>9}{'p99':>9}{'mean':>9}{'max':>9}   (ms)",
    ]
    for mode in ("FULL", "NORMAL"):
        m = s[mode]
        lines.append(f"    {mode:<12}{m['p50_ms']:9.2f}{m['p95_ms']:9.2f}{m['p99_ms']:9.2f}{m['mean_ms']:9.2f}{m['max_ms']:9.2f}")
    r = s["ratio_full_over_normal"]
    lines.append(f"    {'FULL/NORMAL':<12}{r['p50_ms']:8.2f}x{r['p95_ms']:8.2f}x{r['p99_ms']:8.2f}x{r['mean_ms']:8.2f}x")
    b = result["history_build"]
    lines += [
        "",
        f"(b) History of {b['entries']:,} entries ({b['revised']:,} with a 2nd revision; "
        f"{b['client_rows']:,} rows; file {b['file_mb']:.1f} MB), {result['repeats']} runs each",
        f"    {'':<44}{'best':>9}{'median':>9}   (ms)",
        f"    {'Store.history_frame -> DataFrame ' + str(tuple(h['frame_shape'])):<44}"
        f"{h['history_frame_ms']['best']:9.1f}{h['history_frame_ms']['median']:9.1f}",
        f"    {'  of which: latest-revision query':<44}"
        f"{h['current_rows_query_ms']['best']:9.1f}{h['current_rows_query_ms']['median']:9.1f}",
        f"    {'SELECT * FROM entries fetchall (' + format(h['select_star_rows'], ',') + ' rows)':<44}"
        f"{h['select_star_ms']['best']:9.1f}{h['select_star_ms']['median']:9.1f}",
        f"    {'history_frame / SELECT *':<44}{h['ratio_frame_over_select']['best']:8.2f}x"
        f"{h['ratio_frame_over_select']['median']:8.2f}x",
        f"    first history_frame call on a fresh connection: {h['history_frame_first_call_ms']:.1f} ms",
        "",
        "Targets",
    ]
    for t in result["targets"]:
        lines.append(f"    {t['name']:<44}{t['value']:9.2f} ms  <= {t['limit']:g} ms  {'PASS' if t['pass'] else 'FAIL'}"
                     + (f"  ({t['note']})" if t.get("note") else ""))
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--entries", type=int, default=TARGET_HISTORY_ENTRIES, help="history size (default 10000)")
    parser.add_argument("--saves", type=int, default=500, help="timed saves per mode (default 500)")
    parser.add_argument("--warmup", type=int, default=20, help="untimed saves per mode first (default 20)")
    parser.add_argument("--repeats", type=int, default=15, help="history loads to time (default 15)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--dir", default="/tmp", help="where to create the temporary store (default /tmp)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="securebase-bench-", dir=args.dir) as tmp:
        workdir = Path(tmp)
        saves = bench_saves(workdir, args.saves, args.warmup, rng)
        build = build_history(workdir / "history.db", args.entries, rng)
        history = bench_history(workdir / "history.db", args.repeats)

    history_note = "" if args.entries == TARGET_HISTORY_ENTRIES else f"measured with {args.entries:,} entries"
    targets = [
        {"name": "p95 save latency, synchronous=FULL", "value": saves["FULL"]["p95_ms"],
         "limit": TARGET_SAVE_P95_MS},
        {"name": f"history_frame, {TARGET_HISTORY_ENTRIES:,} entries (median)",
         "value": history["history_frame_ms"]["median"], "limit": TARGET_HISTORY_MS, "note": history_note},
    ]
    for t in targets:
        t["pass"] = t["value"] <= t["limit"]
    result = {
        "environment": environment(workdir),
        "repeats": args.repeats,
        "seed": args.seed,
        "saves": saves,
        "history_build": build,
        "history": history,
        "targets": targets,
        "all_pass": all(t["pass"] for t in targets),
    }
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
