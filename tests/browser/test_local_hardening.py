"""The real servers, as another local user would see them: no token on the command line, only the
home page's address printed, owner-only settings, JupyterLab's terminals off, and a login cookie
that lapses after 12 hours without use (issue 15, point 9)."""

from __future__ import annotations

import re
import stat
import urllib.error
import urllib.request
from pathlib import Path


def _cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def _environ(pid: int) -> str:
    return Path(f"/proc/{pid}/environ").read_bytes().replace(b"\0", b"\n").decode(errors="replace")


def _addresses(log: Path) -> list[str]:
    return re.findall(r"https?://\S+", log.read_text())


def _check_server(server, kind: str, config_name: str) -> None:
    assert server.token not in _cmdline(server.process.pid)
    assert server.token not in _environ(server.process.pid)
    assert _addresses(server.log) == [server.url]            # only the page to open, printed once
    folder = server.home / "run" / kind
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / config_name).stat().st_mode) == 0o600
    listening = Path("/proc/net/tcp").read_text().splitlines()[1:]
    port = int(server.base.rsplit(":", 1)[1])
    local = [line.split()[1] for line in listening if line.split()[3] == "0A"]   # LISTEN
    assert f"0100007F:{port:04X}" in local and f"00000000:{port:04X}" not in local   # 127.0.0.1 only


def test_the_app_keeps_its_token_off_the_command_line(app_server):
    _check_server(app_server, "app", "voila.json")


def test_jupyterlab_keeps_its_token_off_the_command_line_and_has_no_terminals(lab_server):
    _check_server(lab_server, "lab", "jupyter_server_config.json")
    try:   # the terminals API lists the open terminals (200) when terminals are on
        status = urllib.request.urlopen(lab_server.address("/api/terminals"), timeout=30).status
    except urllib.error.HTTPError as exc:
        status = exc.code
    assert status == 404


def test_the_login_cookie_lapses_after_12_hours_without_use(app_server):
    with urllib.request.urlopen(app_server.address("/voila/render/app/home.ipynb"), timeout=120) as response:
        cookie = response.headers["Set-Cookie"]
    expires = re.search(r"expires=([^;]+)", cookie).group(1)
    from email.utils import parsedate_to_datetime
    from datetime import datetime, timezone

    hours = (parsedate_to_datetime(expires) - datetime.now(timezone.utc)).total_seconds() / 3600
    assert 11.5 < hours <= 12.01 and "SameSite=Strict" in cookie and "HttpOnly" in cookie
