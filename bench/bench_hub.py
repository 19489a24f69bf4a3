"""Benchmark of the clinic server with N simulated clients (needs root: it makes system users).

    sudo .venv/bin/python bench/bench_hub.py [--clients 6] [--json out.json]

Starts a real clinic server (tests/clinic_hub.py: ``securebase hub setup`` and ``hub run`` in a throw-away
folder, its own PostgreSQL) with N more clients, then signs each client in, one after another, as a person
would: the sign-in page, their first password, their server starting, their page of today rendered. Then,
with every client signed in and their page opened, it reads the memory of each client's processes.

Reported:

* **login to a usable page**: seconds from posting the sign-in form until the page of today has been
  rendered by the client's server (their server started, the notebook run); and the same page opened
  again on the running server, the yardstick within this run (their ratio is what the machine's noise
  does not change much);
* **memory per signed-in client**: the unique memory (USS) of all the client's processes (their server,
  and the kernel of the page they have open), median and largest;
* **capacity**: how many clients a 2-core, 24 GB machine holds at once, from memory (80 % of it for the
  clients' processes, the rest for PostgreSQL, the hub and the system), and the sign-ins it takes one
  after another per minute from the measured time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

MACHINE_GB = 24
CLIENT_SHARE = 0.8


def _uss_mb(system_user: str) -> float:
    import psutil

    total = 0
    for proc in psutil.process_iter(["username"]):
        if proc.info["username"] == system_user:
            try:
                total += proc.memory_full_info().uss
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
    return total / 2**20


def run(n: int) -> dict:
    from clinic_hub import person, running_clinic

    rows = []
    with running_clinic(extra_clients=n) as clinic:
        sessions = []
        for i in range(n):
            name = person(f"c{i}")
            t0 = time.perf_counter()
            session = clinic.sign_in(name)
            landing = clinic.server(session, name)
            first = time.perf_counter() - t0
            t1 = time.perf_counter()
            again = session.get(landing, timeout=300)
            second = time.perf_counter() - t1
            assert again.status_code == 200
            sessions.append(session)
            rows.append({"client": f"c{i}", "login_to_page_s": round(first, 2), "page_again_s": round(second, 2)})
        time.sleep(5)   # the kernels of the pages just opened have started
        for i, row in enumerate(rows):
            row["uss_mb"] = round(_uss_mb("sb_" + person(f"c{i}").replace("-", "_")), 1)
    uss = [r["uss_mb"] for r in rows]
    first = [r["login_to_page_s"] for r in rows]
    ratios = [r["login_to_page_s"] / r["page_again_s"] for r in rows]
    per_client = statistics.median(uss)
    return {
        "clients": n, "rows": rows,
        "login_to_page_median_s": round(statistics.median(first), 2),
        "login_to_page_max_s": round(max(first), 2),
        "ratio_login_to_warm_page_median": round(statistics.median(ratios), 2),
        "uss_per_client_median_mb": round(per_client, 1), "uss_per_client_max_mb": round(max(uss), 1),
        "capacity_by_memory": int(MACHINE_GB * 1024 * CLIENT_SHARE // max(uss)),
        "sign_ins_per_minute": round(60 / statistics.median(first), 1),
    }


def main(argv: list[str] | None = None) -> int:
    import os

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        print("bench_hub needs root: the clinic server makes system users (sudo).", file=sys.stderr)
        return 2
    result = run(args.clients)
    for row in result["rows"]:
        print(f"{row['client']:>4}  login to page {row['login_to_page_s']:6.2f} s   page again {row['page_again_s']:5.2f} s"
              f"   memory {row['uss_mb']:6.1f} MB")
    print(f"\nlogin to a usable page: median {result['login_to_page_median_s']} s, largest {result['login_to_page_max_s']} s "
          f"({result['ratio_login_to_warm_page_median']}x the same page on a running server)")
    print(f"memory per signed-in client (USS): median {result['uss_per_client_median_mb']} MB, largest "
          f"{result['uss_per_client_max_mb']} MB")
    print(f"a 2-core, {MACHINE_GB} GB machine holds about {result['capacity_by_memory']} signed-in clients by memory; "
          f"it signs in {result['sign_ins_per_minute']} per minute one after another")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
