"""Benchmark of the app (Voila) in a real browser: time to the first usable control, kernel memory,
and how soon a closed tab's kernel goes.

    .venv/bin/python bench/bench_app.py [--rounds 5] [--pause 8] [--json out.json]

Starts the real app (``securebase app``, as the browser tests' ``app_server`` fixture does: a
throw-away ``SECUREBASE_HOME``, a seeded client, the token read from the owner-only settings file
``run/app/voila.json``), adds a minimal Voila page with one ipywidgets Button to the workspace it
serves, and drives Debian's chromium with Playwright. In each of ``--rounds`` rounds (after one
warm-up round that is not counted) it opens, one after another in a rotating order, each in a
fresh browser context:

* **minimal**: the one-button page (the yardstick: what Voila itself takes on this server),
* **home**: the clinician's home page (``app/home.ipynb``),
* **step1**: a workbook without charts (SIE step 1, ``sie/01_awareness.ipynb?client_id=...``, for a new
  client: with ratings saved, its summary draws a chart),
* **progress**: a page that shows charts (SIE progress, for another client with 30 days of entries).

Measured per page view:

(a) **First usable control**: milliseconds from the start of the navigation (the page's own
    ``performance.now()``) until a control (button, text box, drop-down, check box) is visible and
    enabled; beside it, when the server had sent the whole page (``responseEnd``: Voila sends it as
    the notebook runs, so the rest is the browser building the widgets). Each page's figure is the median over the rounds of its ratio to the minimal page's
    time in the same round, so both see the same machine noise.
(b) **Kernel memory**: RSS and USS (memory only that process holds) of the page's kernel process,
    ``--settle`` seconds after its control appeared.
(c) **Kernel after the tab closes**: seconds from closing the tab until the server no longer lists
    its kernel (``/api/kernels/<id>`` answers 404), watched in the background.

Between two page views the bench waits ``--pause`` seconds (a person's pace between pages); the
app's preheated kernel pools refill in that time.

Targets (issue 15, point 8): every page's ratio to the minimal page < 1.0; a closed tab's kernel
gone within 60 s; a workbook without charts (step1) <= 120 MB of kernel memory (USS).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "helpers"))
sys.path.insert(0, str(ROOT / "tests"))          # synthetic.py: a client's entries, as the tests make them

import nbformat  # noqa: E402
import psutil  # noqa: E402

CLIENT = "C-BENCH1"      # 30 days of step 1 entries: the progress page has charts to draw
NEW_CLIENT = "C-BENCH0"  # no entries yet: step 1 draws no chart (its summary's chart needs ratings)
MINIMAL = "bench_minimal.ipynb"
PAGES = {
    "minimal": MINIMAL,
    "home": "app/home.ipynb",
    "step1": f"sie/01_awareness.ipynb?client_id={NEW_CLIENT}",
    "progress": f"sie/progress.ipynb?client_id={CLIENT}",
}
TARGET_RATIO = 1.0
TARGET_GONE_S = 60.0
TARGET_STEP1_MB = 120.0
PAGE_TIMEOUT_MS = 120_000

# A control a person can use: visible (it has a size and is not hidden) and enabled. The predicate
# returns the page's clock when it first holds (performance.now(): ms since the navigation began).
FIRST_CONTROL = """() => {
  const sel = '.widget-button, .widget-toggle-button, .widget-text input, .widget-textarea textarea, '
            + '.widget-dropdown select, .widget-checkbox input';
  for (const el of document.querySelectorAll(sel)) {
    const box = el.getBoundingClientRect();
    if (el.disabled || box.width === 0 || box.height === 0) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || style.display === 'none') continue;
    return performance.now();
  }
  return false;
}"""


def minimal_notebook() -> nbformat.NotebookNode:
    """The yardstick: a Voila page with one ipywidgets Button and nothing else."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "import ipywidgets as widgets\n\nwidgets.Button(description=\"Go\")")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.metadata["title"] = "Minimal · Secure Base"
    return nb


class App:
    """The real app, started as ``securebase app`` with a throw-away data folder."""

    def __init__(self, tmp: Path, port: int):
        self.home = tmp / "home"
        env = {**os.environ, "SECUREBASE_HOME": str(self.home), "PYTHONUNBUFFERED": "1",
               "PYTHONPATH": os.pathsep.join([str(ROOT / "helpers"), os.environ.get("PYTHONPATH", "")]).rstrip(os.pathsep)}
        self.log = tmp / "server.log"
        self.process = subprocess.Popen([sys.executable, "-m", "securebase.cli", "app", "--port", str(port)],
                                        stdout=open(self.log, "w"), stderr=subprocess.STDOUT, env=env)
        self.base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        settings = self.home / "run" / "app" / "voila.json"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"securebase app stopped: {self.log.read_text()[-2000:]}")
            match = re.search(rf"{re.escape(self.base)}/voila/render/\S+", self.log.read_text())
            if match and settings.exists():
                self.base = re.match(r"http://[^/]+", match.group(0)).group(0)
                break
            time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"securebase app printed no address: {self.log.read_text()[-2000:]}")
        self.token = json.loads(settings.read_text())["Voila"]["token"]   # the owner-only settings file
        while time.monotonic() < deadline:   # until it answers (any HTTP status will do)
            try:
                urllib.request.urlopen(self.address("/"), timeout=2).close()   # no page: no kernel
                break
            except urllib.error.HTTPError:
                break
            except OSError:
                time.sleep(0.3)

    def address(self, path: str) -> str:
        return f"{self.base}{path}{'&' if '?' in path else '?'}token={self.token}"

    def get(self, path: str):
        with urllib.request.urlopen(self.address(path), timeout=10) as reply:
            return json.loads(reply.read())

    def kernel_alive(self, kernel_id: str) -> bool:
        try:
            self.get(f"/api/kernels/{kernel_id}")
            return True
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return False
            raise

    def kernels(self) -> dict[str, psutil.Process]:
        """The server's kernel processes by kernel id (Voila does not serve the list of its kernels)."""
        found = {}
        for child in psutil.Process(self.process.pid).children(recursive=True):
            try:
                match = re.search(r"kernel-([0-9a-f-]{36})\.json", " ".join(child.cmdline()))
            except psutil.Error:
                continue
            if match:
                found[match.group(1)] = child
        return found

    def kernel_process(self, kernel_id: str) -> psutil.Process | None:
        return self.kernels().get(kernel_id)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


def standing_by(app: App) -> dict:
    """The kernels running before any page is open (the app's preheated pools): how many, and their memory."""
    uss = [p.memory_full_info().uss / 2**20 for p in app.kernels().values()]
    return {"kernels": len(uss), "uss_mb": [round(u) for u in uss], "uss_mb_total": round(sum(uss))}


def seed(app: App) -> None:
    """A new SIE client, one with 30 days of step 1 entries (so the progress page has charts to draw),
    and the minimal page in the served workspace."""
    from synthetic import synthetic_client

    from securebase import content
    from securebase.core.config import STORE_FILENAME
    from securebase.journal.entries import save_entry
    from securebase.store import Store

    start = date.today() - timedelta(days=30)
    sie = content.program("sie")
    with Store(app.home / STORE_FILENAME) as store:
        store.ensure_client(NEW_CLIENT, program_id="sie")
        store.ensure_client(CLIENT, program_id="sie", start_date=start)
        for e in synthetic_client(7, start, days=30)["awareness"]:
            save_entry(store, CLIENT, sie, e["exercise"], dict(e["answers"]), occurred_at=e["occurred_at"])
    nbformat.write(minimal_notebook(), app.home / "workbooks" / MINIMAL)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Watcher(threading.Thread):
    """Polls the server for closed tabs' kernels; records how long each outlived its tab."""

    def __init__(self, app: App):
        super().__init__(daemon=True)
        self.app, self.pending, self.gone = app, {}, {}
        self.lock, self.stopping = threading.Lock(), threading.Event()

    def watch(self, name: str, kernel_id: str) -> None:
        with self.lock:
            self.pending[kernel_id] = (name, time.monotonic())

    def run(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                pending = dict(self.pending)
            for kernel_id, (name, closed) in pending.items():
                try:
                    alive = self.app.kernel_alive(kernel_id)
                except OSError:
                    continue
                if not alive:
                    with self.lock:
                        self.pending.pop(kernel_id, None)
                        self.gone.setdefault(name, []).append(time.monotonic() - closed)
            self.stopping.wait(1.0)

    def finish(self, timeout: float) -> dict[str, int]:
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            time.sleep(1)
        self.stopping.set()
        self.join()
        counts: dict[str, int] = {}
        for name, _ in self.pending.values():
            counts[name] = counts.get(name, 0) + 1
        return counts


def view(browser, app: App, name: str, settle: float, watcher: Watcher) -> dict:
    """Open one page in a fresh context; its first usable control's time and its kernel's memory."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    try:
        page = context.new_page()
        page.goto(app.address(f"/voila/render/{PAGES[name]}"), wait_until="commit", timeout=PAGE_TIMEOUT_MS)
        ms = page.wait_for_function(FIRST_CONTROL, polling="raf", timeout=PAGE_TIMEOUT_MS).json_value()
        kernel_id = page.evaluate("JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId")
        html_ms = page.evaluate("performance.getEntriesByType('navigation')[0].responseEnd")   # the server's part
        text = page.locator("body").inner_text()
        client = re.search(r"client_id=([\w-]+)", PAGES[name])
        if client and client.group(1) not in text:     # a preheated page must show the client its address names
            raise RuntimeError(f"the {name} page does not show client {client.group(1)}: {text[:300]!r}")
        page.wait_for_timeout(settle * 1000)
        process = app.kernel_process(kernel_id)
        memory = process.memory_full_info() if process is not None else None
    finally:
        context.close()
    watcher.watch(name, kernel_id)
    return {"ms": ms, "html_ms": html_ms, "kernel_id": kernel_id,
            "rss_mb": memory.rss / 2**20 if memory else None, "uss_mb": memory.uss / 2**20 if memory else None}


def median(values: list[float | None]) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def summarise(views: dict[str, list[dict]], gone: dict[str, list[float]], lingering: dict[str, int]) -> dict:
    rounds = len(views["minimal"])
    out = {}
    for name in PAGES:
        ratios = [views[name][i]["ms"] / views["minimal"][i]["ms"] for i in range(rounds)]
        out[name] = {
            "first_control_ms": [round(v["ms"]) for v in views[name]],
            "first_control_median_ms": median([v["ms"] for v in views[name]]),
            "html_done_median_ms": median([v["html_ms"] for v in views[name]]),
            "ratio_to_minimal": [round(r, 3) for r in ratios],
            "ratio_to_minimal_median": median(ratios),
            "kernel_rss_mb_median": median([v["rss_mb"] for v in views[name]]),
            "kernel_uss_mb_median": median([v["uss_mb"] for v in views[name]]),
            "kernel_gone_s": [round(s, 1) for s in gone.get(name, [])],
            "kernel_gone_s_max": max(gone[name]) if gone.get(name) else None,
            "kernels_not_gone": lingering.get(name, 0),
        }
    return out


def environment() -> dict:
    from importlib.metadata import version

    return {"python": platform.python_version(), "voila": version("voila"), "ipywidgets": version("ipywidgets"),
            "playwright": version("playwright"), "cpus": os.cpu_count(), "platform": platform.platform(),
            "load_average": os.getloadavg()}


def report(result: dict) -> str:
    env, pages = result["environment"], result["pages"]
    lines = [
        "Secure Base app benchmark (Voila in chromium)",
        f"  Python {env['python']}, voila {env['voila']}, ipywidgets {env['ipywidgets']}, {env['cpus']} CPUs, "
        f"load {env['load_average'][0]:.2f} at the start",
        f"  {result['rounds']} rounds after 1 warm-up, {result['pause_s']:g} s between pages, memory "
        f"{result['settle_s']:g} s after the first control",
        "",
        f"    {'page':<10}{'first control':>15}{'ratio':>8}{'HTML done':>11}{'kernel RSS':>12}{'USS':>8}{'gone after':>12}",
        f"    {'':<10}{'median (ms)':>15}{'median':>8}{'(ms)':>11}{'(MB)':>12}{'(MB)':>8}{'max (s)':>12}",
    ]

    def num(value, fmt):
        return format(value, fmt) if value is not None else "-"

    for name, p in pages.items():
        lines.append(f"    {name:<10}{num(p['first_control_median_ms'], '15.0f')}{num(p['ratio_to_minimal_median'], '7.2f')}x"
                     f"{num(p['html_done_median_ms'], '11.0f')}"
                     f"{num(p['kernel_rss_mb_median'], '12.0f')}{num(p['kernel_uss_mb_median'], '8.0f')}"
                     f"{num(p['kernel_gone_s_max'], '12.1f')}"
                     + (f"  ({p['kernels_not_gone']} kernel(s) not gone)" if p["kernels_not_gone"] else ""))
    sb = result["standing_by"]
    lines += ["", f"    before any page was open: {sb['kernels']} kernel(s) standing by (preheated), USS {sb['uss_mb']} MB"]
    lines += ["", "    per-round ratios: " + "; ".join(f"{n} {p['ratio_to_minimal']}" for n, p in pages.items()
                                                       if n != "minimal"), "", "Targets"]
    for t in result["targets"]:
        lines.append(f"    {t['name']:<52}{num(t['value'], '8.2f')}  {t['op']} {t['limit']:g}  "
                     f"{'PASS' if t['pass'] else 'FAIL'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="counted rounds over the four pages (default 5)")
    parser.add_argument("--pause", type=float, default=8.0, help="seconds between two page views (default 8)")
    parser.add_argument("--settle", type=float, default=2.0, help="seconds after the first control before the "
                        "kernel's memory is read (default 2)")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))   # stop the app on the way out

    sys.path.insert(0, str(ROOT / "tests" / "browser"))
    from conftest import chromium_path
    from playwright.sync_api import sync_playwright

    chromium = chromium_path()
    if chromium is None:
        print("chromium is not installed (Debian package chromium), or set SECUREBASE_CHROMIUM", file=sys.stderr)
        return 2
    names = list(PAGES)
    views: dict[str, list[dict]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory(prefix="securebase-bench-app-") as tmp:
        app = App(Path(tmp), free_port())
        try:
            seed(app)
            watcher = Watcher(app)
            watcher.start()
            time.sleep(max(args.pause, 20))      # the server's start-up work (kernel pools, if any) done
            pools = standing_by(app)
            with sync_playwright() as p:
                launch = ["--disable-dev-shm-usage"] + (["--no-sandbox"] if os.geteuid() == 0 else [])
                browser = p.chromium.launch(executable_path=chromium, args=launch)
                for round_no in range(args.rounds + 1):
                    order = names[round_no % len(names):] + names[:round_no % len(names)]
                    for name in order:
                        result = view(browser, app, name, args.settle, watcher)
                        if round_no > 0:      # round 0 warms the server up (templates, first imports)
                            views[name].append(result)
                        time.sleep(args.pause)
                browser.close()
            lingering = watcher.finish(timeout=TARGET_GONE_S + 30)
        finally:
            app.stop()
    pages = summarise(views, watcher.gone, lingering)
    targets = [{"name": f"{n}: first control / minimal page's (median)", "value": pages[n]["ratio_to_minimal_median"],
                "op": "<", "limit": TARGET_RATIO} for n in ("home", "step1", "progress")]
    gone_max = max((p["kernel_gone_s_max"] or 0.0) for p in pages.values())
    targets.append({"name": "a closed tab's kernel gone after (s, max)", "value": gone_max, "op": "<=",
                    "limit": TARGET_GONE_S, "all_gone": not lingering})
    targets.append({"name": "step1 kernel memory (USS, MB, median)", "value": pages["step1"]["kernel_uss_mb_median"],
                    "op": "<=", "limit": TARGET_STEP1_MB})
    for t in targets:
        ok = t["value"] is not None and (t["value"] < t["limit"] if t["op"] == "<" else t["value"] <= t["limit"])
        t["pass"] = ok and t.get("all_gone", True)
    result = {"environment": environment(), "rounds": args.rounds, "pause_s": args.pause, "settle_s": args.settle,
              "standing_by": pools, "pages": pages, "targets": targets, "all_pass": all(t["pass"] for t in targets)}
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
