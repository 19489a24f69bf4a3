"""Benchmark: what the safety screen costs a save.

    .venv/bin/python bench/bench_safety.py [--saves 300]

In one run, on a temporary store, alternating so both see the same machine noise:

(a) ``entries.save_entry`` (validation + safety screen + durable write, the workbook's path)
    against ``Store.add_entry`` of the same, already-validated data (the durable write alone);
(b) ``safety.screen_text`` alone on journal-sized (600 characters) and long (5,000 characters)
    texts;
(c) the layers of one screen, on the corpus's own texts (real journal wording, every length):
    normalising, the lexicon, and the backstop (its sentence windows scored together).

The figures to compare across machines are the ratios. Targets: screening takes a median of at
most 5 ms per entry (issue 14), and a full save stays within the store's save budget (p95 <= 20 ms);
the ratios show how much of it validation and each layer of the screen take.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "helpers"))

from securebase import content
from securebase.safety import screen as safety
from securebase.journal.entries import save_entry  # noqa: E402
from securebase.store import Store  # noqa: E402
from securebase.journal.validation import validate_answers  # noqa: E402

WORDS = ("they replied late again and I felt the old worry in my chest so I sent another message and then "
         "waited by the phone wondering whether I had said something wrong at dinner last night").split()


def journal_text(rng: random.Random, chars: int) -> str:
    out = []
    while sum(len(w) + 1 for w in out) < chars:
        out.append(rng.choice(WORDS))
    return " ".join(out)[:chars]


def pct(values: list[float], q: float) -> float:
    return sorted(values)[min(len(values) - 1, int(q * len(values)))]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)
    sie = content.program("sie")
    exercise = sie.find_exercise("insecurity_pattern_journal")[1]
    safety.screen_text("warm up")  # load and compile the lexicon outside the timings
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "s.sqlite3") as store:
        store.ensure_client("C-9001", program_id="sie")
        full, write = [], []
        for i in range(args.saves):
            answers = {
                "trigger": journal_text(rng, 300), "trigger_type": "slow_reply", "emotions": ["fear"],
                "automatic_thoughts": journal_text(rng, 200), "behaviour": journal_text(rng, 100), "intensity": 6,
            }
            when = f"2026-03-{1 + i % 28:02d}T20:00:00"
            cleaned = validate_answers(exercise, answers)
            pair = [("full", lambda: save_entry(store, "C-9001", sie, exercise.id, answers, occurred_at=when)),
                    ("write", lambda: store.add_entry("C-9001", program_id="sie", phase_id="awareness",
                                                      exercise_id=exercise.id, content_version="1.0", data=cleaned,
                                                      occurred_at=when))]
            if i % 2:
                pair.reverse()
            for name, fn in pair:
                start = time.perf_counter()
                fn()
                (full if name == "full" else write).append((time.perf_counter() - start) * 1000)
        screens = {}
        for chars in (600, 5000):
            texts = [journal_text(rng, chars) for _ in range(200)]
            times = []
            for text in texts:
                start = time.perf_counter()
                safety.screen_text(text)
                times.append((time.perf_counter() - start) * 1000)
            screens[chars] = times
    ratio = statistics.median(full) / statistics.median(write)
    print(f"(a) {args.saves} saves each, ms          p50     p95")
    print(f"    save_entry (validate+screen+write) {statistics.median(full):6.2f}  {pct(full, .95):6.2f}")
    print(f"    Store.add_entry (write alone)      {statistics.median(write):6.2f}  {pct(write, .95):6.2f}")
    print(f"    full / write (median)              {ratio:6.2f}x")
    print("(b) screen_text alone, ms               p50     p95")
    for chars, times in screens.items():
        print(f"    {chars:>5} characters                  {statistics.median(times):6.2f}  {pct(times, .95):6.2f}")
    layers = _layers()
    print("(c) one screen by layer, on corpus texts, ms   p50     p95")
    for name, times in layers.items():
        print(f"    {name:<38} {statistics.median(times):6.2f}  {pct(times, .95):6.2f}")
    whole = statistics.median(layers["screen_text (all layers)"])
    print(f"    backstop / lexicon (median)            {statistics.median(layers['backstop']) / statistics.median(layers['lexicon']):6.2f}x")
    p95 = pct(full, .95)
    print(f"Target: screen_text median <= 5 ms per entry: {whole:.2f} ms {'PASS' if whole <= 5 else 'MISS'}")
    print(f"Target: save_entry p95 <= 20 ms: {p95:.2f} ms {'PASS' if p95 <= 20 else 'MISS'}")
    return 0


def _layers() -> dict[str, list[float]]:
    from securebase.content import content_dir
    from securebase.safety.backstop import load_corpus

    screen = safety._load_screen(content_dir())
    texts = [item.text for item in load_corpus(content_dir())][::3]
    out: dict[str, list[float]] = {"normalise": [], "lexicon": [], "backstop": [], "screen_text (all layers)": []}
    for text in texts:
        start = time.perf_counter()
        norm, _ = screen.lexicon.normalise(text)
        out["normalise"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        screen.lexicon.hits(norm)
        out["lexicon"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        screen.model.assess(norm)
        out["backstop"].append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        safety.screen_text(text)
        out["screen_text (all layers)"].append((time.perf_counter() - start) * 1000)
    return out


if __name__ == "__main__":
    sys.exit(main())
