"""Browser tests: Playwright drives Debian's chromium against the real app (Voila) and JupyterLab.

The servers are the real commands (``securebase app``, ``securebase start``) started with a
throw-away ``SECUREBASE_HOME``. Every page records JavaScript dialogs, console errors and page
errors, so a test can assert that no script ran. A failing test leaves a screenshot (and the page's
HTML) in ``test-artifacts/`` (or ``$SECUREBASE_TEST_ARTIFACTS``). Voila occasionally hangs while
rendering widgets server-side, so each test gets generous timeouts and one retry.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("SECUREBASE_TEST_ARTIFACTS", ROOT / "test-artifacts"))
BIN = Path(sys.executable).parent
TIMEOUT_MS = 90_000
EXPECT_MS = 60_000   # expect(...) waits for a state this long unless a test says otherwise (Playwright's default is 5 s)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SECUREBASE_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium"),
                      shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.flaky(reruns=1, reruns_delay=2))
            item.add_marker(pytest.mark.timeout(600))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    rep = outcome.get_result()
    setattr(item, f"rep_{rep.when}", rep)


@dataclass
class Server:
    url: str            # the address the command printed (token included)
    base: str           # scheme://host:port
    token: str
    home: Path
    process: subprocess.Popen
    log: Path

    def address(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}{path}{sep}token={self.token}"


def _start(args: list[str], tmp: Path, pattern: str, extra_env: dict[str, str] | None = None) -> Server:
    home = tmp / "home"
    env = {**os.environ, "SECUREBASE_HOME": str(home), "PYTHONUNBUFFERED": "1", **(extra_env or {})}
    log = tmp / "server.log"
    proc = subprocess.Popen([str(BIN / "securebase"), *args], stdout=open(log, "w"), stderr=subprocess.STDOUT, env=env)
    deadline = time.time() + 120
    url = None
    while time.time() < deadline and url is None:
        if proc.poll() is not None:
            raise RuntimeError(f"{args[0]} stopped: {log.read_text()[-2000:]}")
        found = re.search(pattern, log.read_text())
        url = found.group(0) if found else None
        time.sleep(0.3)
    if url is None:
        proc.terminate()
        raise RuntimeError(f"{args[0]} printed no address: {log.read_text()[-2000:]}")
    base = re.match(r"http://127\.0\.0\.1:\d+", url).group(0)
    token = url.split("token=")[1]
    while time.time() < deadline:  # wait until it answers (any HTTP status will do)
        try:
            urllib.request.urlopen(f"{base}/?token={token}", timeout=2)
            break
        except urllib.error.HTTPError:
            break
        except OSError:
            time.sleep(0.3)
    return Server(url, base, token, home, proc, log)


def _stop(server: Server) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.process.kill()


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_server(tmp_path_factory):
    server = _start(["app", "--port", str(_free_port())], tmp_path_factory.mktemp("app"),
                    r"http://127\.0\.0\.1:\d+/voila/render/app/home\.ipynb\?token=\S+")
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def lab_server(tmp_path_factory):
    server = _start(["start", "--no-browser", "--port", str(_free_port())], tmp_path_factory.mktemp("lab"),
                    r"http://127\.0\.0\.1:\d+/lab/\S*\?token=\S+")
    yield server
    _stop(server)


@pytest.fixture(scope="session")
def browser():
    path = chromium_path()
    if path is None:
        pytest.skip("chromium is not installed: `make test` installs it (Debian package chromium), "
                    "or set SECUREBASE_CHROMIUM to a Chromium binary")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=EXPECT_MS)  # a busy machine takes more than 5 s to show a result
    with sync_playwright() as p:
        # containers often have a tiny /dev/shm; root (as in CI) cannot use chromium's sandbox
        args = ["--disable-dev-shm-usage"] + (["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else [])
        b = p.chromium.launch(executable_path=path, args=args)
        yield b
        b.close()


@dataclass
class Watched:
    """What a page did that a test may want to know about."""

    dialogs: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)   # completed requests to other machines


@pytest.fixture
def page(browser, request):
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    watched = Watched()

    def on_dialog(dialog):
        if dialog.type == "beforeunload":  # "leave the page?" on reload: the browser's own, not a script's
            dialog.accept()
            return
        watched.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    pg.on("dialog", on_dialog)
    pg.on("console", lambda m: watched.console_errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: watched.page_errors.append(str(e)))
    pg.on("requestfinished", lambda r: watched.external_requests.append(r.url)
          if not r.url.startswith(("http://127.0.0.1", "file:", "data:", "blob:")) else None)
    pg.watched = watched
    yield pg
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[-120:]
        try:
            pg.screenshot(path=str(ARTIFACTS / f"{stem}.png"), full_page=True)
            (ARTIFACTS / f"{stem}.html").write_text(pg.content())
        except Exception:  # a crashed page must not hide the test's own failure
            pass
    context.close()


def add_client(server: Server, client_id: str, program_id: str = "sie") -> str:
    """Add a client to a running server's store, as ``securebase new-client`` would (pages open only
    for clients that exist)."""
    from securebase.core.config import STORE_FILENAME
    from securebase.store import Store

    with Store(server.home / STORE_FILENAME) as store:
        store.ensure_client(client_id, program_id=program_id)
    return client_id
