"""Benchmark of the store on both backends, side by side in one run: SQLite (the embedded default) and
PostgreSQL (a clinic's shared store, here a throw-away cluster on a Unix socket, fsync on).

    .venv/bin/python bench/bench_backends.py [--saves 300] [--entries 10000] [--writers 8] [--per-writer 200]
                                             [--json out.json]

(a) Save latency of ``Store.add_entry``, journal-sized entries; saves alternate between the two stores
    in random order, so both see the same machine noise.
(b) Loading a client's history of ``--entries`` entries (10% with a second revision) with
    ``Store.history_frame``.
(c) ``--writers`` processes saving ``--per-writer`` entries each at the same moment, each to its own
    client: wall time, saves per second, and the latency of each save.

Targets, on both backends: p95 save <= 20 ms (alone, and with 8 writers at once), history of 10,000
entries <= 150 ms (median). The ratios PostgreSQL/SQLite are the figures to compare across machines.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "helpers"), str(ROOT / "tests"), str(ROOT / "bench")]

from bench_store import CLIENT, OTHER, add, journal_data, summary  # noqa: E402
from securebase.store import Store  # noqa: E402

TARGET_SAVE_P95_MS = 20.0
TARGET_HISTORY_MS = 150.0
BACKENDS = ("sqlite", "postgresql")


def bench_saves(where: dict[str, str], saves: int, rng: random.Random) -> dict:
    stores = {name: Store(location, actor="bench") for name, location in where.items()}
    try:
        for store in stores.values():
            store.ensure_client(CLIENT)
            for i in range(20):   # warm-up
                add(store, CLIENT, journal_data(rng, i), i)
        timings: dict[str, list[float]] = {name: [] for name in stores}
        order = list(stores)
        for i in range(saves):
            rng.shuffle(order)
            for name in order:
                data = journal_data(rng, i)
                t0 = time.perf_counter_ns()
                add(stores[name], CLIENT, data, i)
                timings[name].append((time.perf_counter_ns() - t0) / 1e6)
    finally:
        for store in stores.values():
            store.close()
    return {name: summary(ms) for name, ms in timings.items()}


def build_history(location: str, entries: int, rng: random.Random) -> None:
    with Store(location, actor="bench") as store:
        store.ensure_client(CLIENT)
        store.ensure_client(OTHER)
        ids = [add(store, CLIENT, journal_data(rng, i), i) for i in range(entries)]
        for i in range(entries // 10):
            add(store, OTHER, journal_data(rng, i), i)
        for entry_id in rng.sample(ids, entries // 10):
            data = store.get_entry(entry_id).data
            data["what_helped"] += " (edited)"
            store.revise_entry(entry_id, data=data, expected_revision=1)


def bench_history(where: dict[str, str], repeats: int) -> dict:
    stores = {name: Store(location, actor="bench") for name, location in where.items()}
    runs: dict[str, list[float]] = {name: [] for name in stores}
    try:
        for store in stores.values():
            store.history_frame(CLIENT)   # the first call on a connection
        for _ in range(repeats):
            for name, store in stores.items():
                t0 = time.perf_counter_ns()
                frame = store.history_frame(CLIENT)
                runs[name].append((time.perf_counter_ns() - t0) / 1e6)
    finally:
        for store in stores.values():
            store.close()
    return {name: {"rows": len(frame), "best_ms": min(ms), "median_ms": statistics.median(ms)}
            for name, ms in runs.items()}


def _writer(location: str, client: str, count: int, barrier, out) -> None:
    rng = random.Random(client)
    with Store(location, actor="bench") as store:
        store.ensure_client(client)
        barrier.wait()
        ms = []
        for i in range(count):
            data = journal_data(rng, i)
            t0 = time.perf_counter_ns()
            add(store, client, data, i)
            ms.append((time.perf_counter_ns() - t0) / 1e6)
    out.put(ms)


def bench_concurrent(location: str, writers: int, per_writer: int) -> dict:
    context = multiprocessing.get_context("spawn")
    barrier, out = context.Barrier(writers + 1), context.Queue()
    procs = [context.Process(target=_writer, args=(location, f"C-CONC{n:02d}", per_writer, barrier, out))
             for n in range(writers)]
    for proc in procs:
        proc.start()
    barrier.wait()
    t0 = time.perf_counter()
    timings = [out.get(timeout=600) for _ in procs]
    wall = time.perf_counter() - t0
    for proc in procs:
        proc.join(60)
    with Store(location, actor="bench") as store:
        saved = sum(store.count_entries(f"C-CONC{n:02d}") for n in range(writers))
        intact = store.verify_audit().intact
    all_ms = [ms for run in timings for ms in run]
    return {"writers": writers, "per_writer": per_writer, "saved": saved, "audit_chain_intact": intact,
            "wall_s": wall, "saves_per_s": len(all_ms) / wall, **summary(all_ms)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--saves", type=int, default=300)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--per-writer", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json")
    args = parser.parse_args(argv)
    from pgcluster import temporary_cluster

    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="securebase-bench-") as tmp, temporary_cluster() as cluster:
        os.environ["SECUREBASE_HOME"] = str(Path(tmp) / "home")   # the stores' records, not the user's data folder
        def places(stem: str) -> dict[str, str]:
            return {"sqlite": str(Path(tmp) / f"{stem}.db"), "postgresql": cluster.create_database(stem)}

        saves = bench_saves(places("saves"), args.saves, rng)
        history_at = places("history")
        for location in history_at.values():
            build_history(location, args.entries, rng)
        history = bench_history(history_at, args.repeats)
        concurrent = {name: bench_concurrent(location, args.writers, args.per_writer)
                      for name, location in places("concurrent").items()}

    result = {"saves": saves, "history": history, "concurrent": concurrent, "entries": args.entries}
    print(f"Secure Base store on both backends ({args.saves} saves each; history of {args.entries:,} entries; "
          f"{args.writers} writers x {args.per_writer} entries)")
    print(f"    {'':<34}{'sqlite':>12}{'postgresql':>12}{'pg/sqlite':>11}")

    def line(label: str, a: float, b: float, unit: str = "ms") -> None:
        print(f"    {label:<34}{a:10.2f}{unit:>2}{b:10.2f}{unit:>2}{b / a:10.2f}x")

    line("save p50", saves["sqlite"]["p50_ms"], saves["postgresql"]["p50_ms"])
    line("save p95", saves["sqlite"]["p95_ms"], saves["postgresql"]["p95_ms"])
    line("history_frame median", history["sqlite"]["median_ms"], history["postgresql"]["median_ms"])
    line(f"{args.writers} writers: save p50", concurrent["sqlite"]["p50_ms"], concurrent["postgresql"]["p50_ms"])
    line(f"{args.writers} writers: save p95", concurrent["sqlite"]["p95_ms"], concurrent["postgresql"]["p95_ms"])
    line(f"{args.writers} writers: wall time", concurrent["sqlite"]["wall_s"], concurrent["postgresql"]["wall_s"], " s")
    line(f"{args.writers} writers: saves/s", concurrent["sqlite"]["saves_per_s"], concurrent["postgresql"]["saves_per_s"], "  ")
    targets = []
    for name in BACKENDS:
        targets += [(f"{name}: save p95 <= {TARGET_SAVE_P95_MS:g} ms", saves[name]["p95_ms"] <= TARGET_SAVE_P95_MS),
                    (f"{name}: history median <= {TARGET_HISTORY_MS:g} ms",
                     history[name]["median_ms"] <= TARGET_HISTORY_MS),
                    (f"{name}: save p95 with {args.writers} writers at once <= {TARGET_SAVE_P95_MS:g} ms",
                     concurrent[name]["p95_ms"] <= TARGET_SAVE_P95_MS),
                    (f"{name}: every concurrent save kept, audit chain intact",
                     concurrent[name]["saved"] == args.writers * args.per_writer and concurrent[name]["audit_chain_intact"])]
    print("Targets")
    for label, ok in targets:
        print(f"    {label:<60}{'PASS' if ok else 'FAIL'}")
    result["targets"] = dict(targets)
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
