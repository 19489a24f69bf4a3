"""A short-lived writer process for the durability and concurrency tests.

Opens the store, then saves entries one at a time. After each ``add_entry`` returns it
prints the entry's sequence number on its own line and flushes stdout: a printed number
is an *acknowledged* save, which the store promises is on disk.

Imports only the standard library and ``securebase.store`` so that it starts fast.

    python tests/writers/writer.py --db STORE --client K-1 --prefix A [--count N]
        [--ready-file F] [--opened-file F] [--start-file F] [--interval-ms MS]
        [--busy-timeout-ms MS]

Without ``--count`` it writes until it is killed.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from itertools import count
from pathlib import Path

# Run straight from a checkout, installed or not.
sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "helpers"))

from securebase.store import Store  # noqa: E402

# About 8 fields and a few hundred characters of text, like a journal entry.
NOTE = (
    "Noticed the urge to withdraw after the call; named it, breathed, and asked for a hug "
    "instead of going quiet. It felt awkward but it helped. "
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", required=True)
    parser.add_argument("--client", required=True)
    parser.add_argument("--prefix", required=True, help="id prefix for this writer's source keys")
    parser.add_argument("--count", type=int, default=None, help="entries to write (default: until killed)")
    parser.add_argument("--ready-file", help="touched just before the store is opened")
    parser.add_argument("--opened-file", help="touched once the store is open and the client exists")
    parser.add_argument("--start-file", help="once the store is open, wait for this file before writing")
    parser.add_argument("--interval-ms", type=float, default=0.0, help="pause between saves")
    parser.add_argument("--busy-timeout-ms", type=int, default=10_000)
    args = parser.parse_args(argv)

    if args.ready_file:
        Path(args.ready_file).touch()

    with Store(args.db, actor=f"writer-{args.prefix}", busy_timeout_ms=args.busy_timeout_ms) as store:
        store.ensure_client(args.client)
        if args.opened_file:
            Path(args.opened_file).touch()
        if args.start_file:
            deadline = time.monotonic() + 30
            while not os.path.exists(args.start_file):
                if time.monotonic() > deadline:
                    print("start file never appeared", file=sys.stderr)
                    return 3
                time.sleep(0.001)
        sequence = range(args.count) if args.count is not None else count()
        for seq in sequence:
            store.add_entry(
                args.client,
                program_id="secure-base",
                phase_id="phase-1",
                exercise_id="daily-journal",
                content_version="1.0.0",
                occurred_at="2025-01-01T08:00:00+00:00",
                source_key=f"{args.prefix}-{seq}",
                data={
                    "seq": seq,
                    "writer": args.prefix,
                    "mood": seq % 10,
                    "closeness": (seq * 7) % 10,
                    "trigger": "partner late home",
                    "response": "reached out",
                    "felt_safe": seq % 2 == 0,
                    "note": NOTE * 2,
                },
            )
            sys.stdout.write(f"{seq}\n")
            sys.stdout.flush()
            if args.interval_ms:
                time.sleep(args.interval_ms / 1000)
    return 0


if __name__ == "__main__":
    sys.exit(main())
